/* The warning queue's charts (Apache ECharts), drawn from the tables beside them: each table
   `table[data-chart]` holds the numbers (periods in rows, series in columns, then the total);
   the chart shows the same numbers as stacked bars over time. Without JavaScript, or without
   ECharts, the tables stand alone. No inline script: the page's CSP forbids it. */
(function () {
  "use strict";

  function read(table) {
    var heads = table.querySelectorAll("thead th[data-series]");
    var series = [];
    for (var i = 0; i < heads.length; i++) {
      series.push({ name: heads[i].textContent.trim(), type: "bar", stack: "all", data: [],
                    emphasis: { focus: "series" } });
    }
    var periods = [];
    var rows = table.querySelectorAll("tbody tr");
    for (var r = 0; r < rows.length; r++) {
      var label = rows[r].querySelector("th");
      var cells = rows[r].querySelectorAll("td.num");
      if (!label || cells.length < series.length) continue;
      periods.push(label.textContent.trim());
      for (var s = 0; s < series.length; s++) {
        series[s].data.push(parseInt(cells[s].textContent, 10) || 0);
      }
    }
    return { periods: periods, series: series };
  }

  function draw(table) {
    var box = document.getElementById(table.getAttribute("data-chart"));
    if (!box || !window.echarts) return;
    var data = read(table);
    if (!data.periods.length) return;
    box.classList.add("is-drawn");
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 32, containLabel: true },
      xAxis: { type: "category", data: data.periods },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series
    });
    box.setAttribute("data-drawn", String(data.series.reduce(function (sum, one) {
      return sum + one.data.reduce(function (a, b) { return a + b; }, 0);
    }, 0)));
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
