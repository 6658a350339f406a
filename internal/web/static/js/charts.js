// Draws an Apache ECharts chart into every element with a data-chart
// attribute holding {"type": "bar"|"pie", "labels": [...], "values": [...], "name": "...", "keys": [...]},
// or {"type": "lines", "labels": [...], "series": [{"name": "...", "values": [...]}, ...]} (one line each).
(function () {
  // The status colours of the badges (app.css), so a chart's slice and the
  // badge of the same state match.
  var statusColours = { booked: "#1f5e9f", confirmed: "#0b6f66", in_progress: "#a85708",
    completed: "#1a713a", cancelled: "#8a949e", no_show: "#b0291f" };
  function draw(el) {
    if (el.dataset.drawn || typeof echarts === "undefined") return;
    var d = JSON.parse(el.dataset.chart);
    var chart = echarts.init(el, null, { renderer: "svg" });
    var palette = ["#0f6e7a", "#a85708", "#1a713a", "#1f5e9f"];
    if (d.type === "lines") {
      chart.setOption({ tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { left: 40, right: 16, top: 24, bottom: 48 },
        xAxis: { type: "category", data: d.labels }, yAxis: { type: "value", minInterval: 1, name: "人数" },
        series: d.series.map(function (s, i) {
          return { name: s.name, type: "line", smooth: true, data: s.values, itemStyle: { color: palette[i % palette.length] } };
        }) });
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
      return;
    }
    var option = d.type === "pie"
      ? { tooltip: { trigger: "item" }, legend: { bottom: 0 },
          series: [{ name: d.name, type: "pie", radius: ["35%", "65%"],
                     data: d.labels.map(function (l, i) {
                       var item = { name: l, value: d.values[i] };
                       var c = d.keys && statusColours[d.keys[i]];
                       if (c) item.itemStyle = { color: c };
                       return item;
                     }) }] }
      : { tooltip: { trigger: "axis" }, grid: { left: 48, right: 16, top: 24, bottom: 32 },
          xAxis: { type: "category", data: d.labels }, yAxis: { type: "value" },
          series: [{ name: d.name, type: "bar", data: d.values, itemStyle: { color: "#0f6e7a" } }] };
    chart.setOption(option);
    el.dataset.drawn = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function all() { document.querySelectorAll("[data-chart]").forEach(draw); }
  document.addEventListener("DOMContentLoaded", all);
  document.addEventListener("htmx:afterSettle", all);
})();
