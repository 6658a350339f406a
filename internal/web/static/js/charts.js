// Draws an Apache ECharts chart into every element with a data-chart
// attribute holding {"type": "bar"|"pie", "labels": [...], "values": [...], "name": "...", "keys": [...]},
// or {"type": "line"|"bar", "labels": [...], "unit": "%", "min": 80, "series": [{"name": "...", "values": [...]}],
// "stack": true} for a line or several (stacked) bar series with a unit on the value axis; a series'
// "missing" lists the indexes that have no value (drawn as a gap, not as 0); a series' "key" (a status)
// takes that status's colour. {"type": "tiles", "labels": [...], "cells": [[column, row], ...], "unit": "台",
// "series": [{"name": "...", "values": [...]}, ...]} is a tile map: a square a label at its cell, coloured by the
// first series, every series in the tooltip.
(function () {
  // The status colours of the badges (app.css), so a chart's slice and the
  // badge of the same state match.
  var statusColours = { booked: "#1f5e9f", confirmed: "#0b6f66", in_progress: "#a85708",
    completed: "#1a713a", cancelled: "#8a949e", no_show: "#b0291f" };
  function draw(el) {
    if (el.dataset.drawn || typeof echarts === "undefined") return;
    var d = JSON.parse(el.dataset.chart);
    if (d.type === "tiles") {
      // Tall enough for square tiles of up to 56 px across the width.
      var cols = 0, rows = 0;
      d.cells.forEach(function (c) { cols = Math.max(cols, c[0] + 1); rows = Math.max(rows, c[1] + 1); });
      el.style.height = Math.min(56, Math.floor(el.clientWidth / cols)) * rows + 52 + "px";
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    if (d.type === "tiles") {
      tiles(chart, d);
      el.dataset.drawn = "1";
      drill(chart, d);
      window.addEventListener("resize", function () { chart.resize(); tiles(chart, d); });
      return;
    }
    if (d.series) {
      // Eight distinct colours: a stacked chart of up to eight series
      // (the feedback categories) repeats none.
      var palette = ["#0f6e7a", "#d98c1f", "#1f5e9f", "#8a949e", "#7b4fa0", "#3d8b3d", "#c0504d", "#a68a00"];
      chart.setOption({
        tooltip: { trigger: "axis" }, legend: d.series.length > 1 ? { bottom: 0 } : undefined,
        grid: { left: 52, right: 16, top: 28, bottom: d.series.length > 1 ? 48 : 32 },
        xAxis: { type: "category", data: d.labels, boundaryGap: d.type !== "line" },
        yAxis: { type: "value", name: d.unit || "", min: d.min === undefined ? undefined : d.min, scale: d.min === undefined && d.type === "line" },
        series: d.series.map(function (s, i) {
          var data = s.missing ? s.values.map(function (v, j) { return s.missing.indexOf(j) >= 0 ? null : v; }) : s.values;
          return { name: s.name, type: d.type, data: data, stack: d.stack ? "all" : undefined, smooth: false,
                   showSymbol: d.labels.length < 40, itemStyle: { color: statusColours[s.key] || palette[i % palette.length] } };
        })
      });
      el.dataset.drawn = "1";
      drill(chart, d);
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
    drill(chart, d);
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function tiles(chart, d) {
    var cols = 0, rows = 0, max = 0;
    d.cells.forEach(function (c) { cols = Math.max(cols, c[0] + 1); rows = Math.max(rows, c[1] + 1); });
    d.series[0].values.forEach(function (v) { max = Math.max(max, v); });
    var seq = function (n) { return Array.from({ length: n }, function (_, i) { return i; }); };
    chart.setOption({
      animation: false,
      tooltip: { formatter: function (p) {
        var i = p.dataIndex;
        return d.labels[i] + d.series.map(function (s) { return "<br>" + s.name + "：" + s.values[i].toLocaleString("zh-CN"); }).join("");
      } },
      // Square tiles, as large as the element allows, centred.
      grid: (function () {
        var w = chart.getWidth(), h = chart.getHeight();
        var side = Math.floor(Math.min(w / cols, (h - 48) / rows)), left = Math.floor((w - side * cols) / 2);
        return { left: left, right: w - left - side * cols, top: 4, bottom: h - 4 - side * rows };
      })(),
      xAxis: { type: "category", data: seq(cols), show: false },
      yAxis: { type: "category", data: seq(rows), show: false, inverse: true },
      visualMap: { min: 0, max: Math.max(max, 1), calculable: false, orient: "horizontal", left: "center", bottom: 0,
                   itemHeight: 120, text: ["多", "少"], inRange: { color: ["#eef5f6", "#8cc3c9", "#4fa3ad"] } },
      series: [{ type: "heatmap", name: d.series[0].name,
                 data: d.cells.map(function (c, i) { return [c[0], c[1], d.series[0].values[i]]; }),
                 label: { show: true, fontSize: 11, color: "#1d2733", formatter: function (p) { return d.labels[p.dataIndex]; } },
                 itemStyle: { borderColor: "#fff", borderWidth: 2 } }]
    });
  }
  // A chart with "links" opens the rows behind a bar or slice on click.
  function drill(chart, d) {
    if (!d.links) return;
    chart.on("click", function (p) {
      var u = d.links[p.dataIndex];
      if (u) window.location.href = u;
    });
    chart.getZr().setCursorStyle && chart.getZr().setCursorStyle("pointer");
  }
  function all() { document.querySelectorAll("[data-chart]").forEach(draw); }
  document.addEventListener("DOMContentLoaded", all);
  document.addEventListener("htmx:afterSettle", all);
})();
