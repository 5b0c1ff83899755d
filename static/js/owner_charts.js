// Draws the owner's report charts with Apache ECharts from a declarative spec.
// A report page holds <div data-owner-chart="ID"> and a json_script block with that ID:
// {kind: "bar"|"line", percent: bool, categories: [...],
//  series: [{name, data: [...], kind?, stack?, dashed?, color?}]}.
// Wagtail swaps the results fragment when a filter changes, so new charts are drawn as they
// appear and charts that leave the page are disposed of. No inline script (CSP).
(function () {
  "use strict";

  var HEIGHT = "320px";
  var drawn = [];

  function option(spec) {
    var percent = !!spec.percent;
    return {
      animation: false,
      tooltip: {
        trigger: "axis",
        valueFormatter: function (value) {
          return value === null || value === undefined ? "–" : value + (percent ? "%" : "");
        },
      },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 24, top: 40, bottom: 32, containLabel: true },
      xAxis: { type: "category", data: spec.categories },
      yAxis: {
        type: "value",
        axisLabel: { formatter: percent ? "{value}%" : "{value}" },
      },
      series: spec.series.map(function (item) {
        var kind = item.kind || spec.kind || "bar";
        var series = { name: item.name, type: kind, data: item.data };
        if (item.stack) {
          series.stack = item.stack;
        }
        if (item.color) {
          series.itemStyle = { color: item.color };
          series.lineStyle = { color: item.color };
        }
        if (item.dashed) {
          series.lineStyle = Object.assign({}, series.lineStyle, { type: "dashed" });
          series.symbol = "none";
        }
        return series;
      }),
    };
  }

  function draw(element) {
    if (element.getAttribute("data-owner-chart-drawn")) {
      return;
    }
    var source = document.getElementById(element.getAttribute("data-owner-chart"));
    if (!source || !window.echarts) {
      return;
    }
    element.setAttribute("data-owner-chart-drawn", "1");
    element.style.height = HEIGHT;
    element.style.width = "100%";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option(JSON.parse(source.textContent)));
    drawn.push(chart);
  }

  function forgetRemoved() {
    drawn = drawn.filter(function (chart) {
      if (document.body.contains(chart.getDom())) {
        return true;
      }
      chart.dispose();
      return false;
    });
  }

  function drawAll() {
    forgetRemoved();
    document.querySelectorAll("[data-owner-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll();
    new MutationObserver(drawAll).observe(document.body, { childList: true, subtree: true });
    window.addEventListener("resize", function () {
      drawn.forEach(function (chart) {
        chart.resize();
      });
    });
  });
})();
