// Draws an Apache ECharts chart into every element with a data-chart
// attribute holding {"type": "bar"|"pie", "labels": [...], "values": [...], "name": "..."}.
(function () {
  function draw(el) {
    if (el.dataset.drawn || typeof echarts === "undefined") return;
    var d = JSON.parse(el.dataset.chart);
    var chart = echarts.init(el, null, { renderer: "svg" });
    var option = d.type === "pie"
      ? { tooltip: { trigger: "item" }, legend: { bottom: 0 },
          series: [{ name: d.name, type: "pie", radius: ["35%", "65%"],
                     data: d.labels.map(function (l, i) { return { name: l, value: d.values[i] }; }) }] }
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
