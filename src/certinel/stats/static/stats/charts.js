/* The statistics charts (Apache ECharts), drawn from the tables beside them. A table
   `table[data-chart]` holds the numbers: the first cell of each body row is the label, the
   `td.num` cells under `th[data-series]` headers are the series. `data-kind` is "bar"
   (stacked), "line" or "hbar". A `data-target` on a series header draws that value as a
   line (the pass-rate targets). Without JavaScript, or without ECharts, the tables stand
   alone. No inline script: the site's CSP forbids it. */
(function () {
  "use strict";

  function read(table) {
    var heads = table.querySelectorAll("thead th[data-series]");
    var kind = table.getAttribute("data-kind") || "bar";
    var series = [];
    for (var i = 0; i < heads.length; i++) {
      var one = { name: heads[i].textContent.trim(), type: kind === "line" ? "line" : "bar", data: [],
                  column: parseInt(heads[i].getAttribute("data-series"), 10) };
      if (kind === "bar") one.stack = "all";
      var target = heads[i].getAttribute("data-target");
      if (target) {
        one.markLine = { symbol: "none", data: [{ yAxis: parseFloat(target), name: target + "%" }] };
      }
      series.push(one);
    }
    var labels = [];
    var rows = table.querySelectorAll("tbody tr");
    for (var r = 0; r < rows.length; r++) {
      var label = rows[r].querySelector("th");
      var cells = rows[r].querySelectorAll("td");
      if (!label) continue;
      labels.push(label.textContent.trim());
      for (var s = 0; s < series.length; s++) {
        var cell = cells[series[s].column];
        var value = cell ? parseFloat(cell.textContent.replace(/[^0-9.\-]/g, "")) : NaN;
        series[s].data.push(isNaN(value) ? null : value);
      }
    }
    return { kind: kind, labels: labels, series: series };
  }

  function draw(table) {
    var box = document.getElementById(table.getAttribute("data-chart"));
    if (!box || !window.echarts) return;
    var data = read(table);
    if (!data.labels.length) return;
    box.classList.add("is-drawn");
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    // Horizontal bars read top-down in the table's order (a sorted table: the largest on top).
    var category = { type: "category", data: data.labels, inverse: data.kind === "hbar" };
    var value = { type: "value" };
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 40, right: 24, top: 40, bottom: 32, containLabel: true },
      xAxis: data.kind === "hbar" ? value : category,
      yAxis: data.kind === "hbar" ? category : value,
      series: data.series
    });
    var total = 0;
    data.series.forEach(function (one) {
      one.data.forEach(function (v) { total += v || 0; });
    });
    box.setAttribute("data-drawn", String(Math.round(total * 10) / 10));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    var tables = document.querySelectorAll("table[data-chart]");
    for (var i = 0; i < tables.length; i++) draw(tables[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
