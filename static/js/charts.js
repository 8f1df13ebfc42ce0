/*
 * Draws the dashboards' charts with the vendored Chart.js (static/vendor/chartjs/).
 *
 * No inline script (the Content-Security-Policy forbids it): each <canvas data-chart="ID">
 * reads its data from the <script type="application/json" id="ID"> written by Django's
 * json_script filter. The numbers are the ones of the data table printed next to the chart.
 */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return; // the tables stay: the page is complete without the charts
  }

  // DSFR illustrative colours (blue France, then contrasted hues).
  var COLOURS = ["#000091", "#6a6af4", "#e1000f", "#ff9940", "#18753c", "#8585f6", "#a94645", "#009081"];
  var euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR", maximumFractionDigits: 0 });
  var numbers = new Intl.NumberFormat("fr-FR");

  function format(unit, value) {
    return unit === "euros" ? euros.format(value) : numbers.format(value);
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) {
      return null;
    }
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (dataset, index) {
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: COLOURS[index % COLOURS.length],
        borderColor: COLOURS[index % COLOURS.length],
        borderWidth: 1
      };
    });
    return new window.Chart(canvas, {
      type: spec.type || "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: "fr-FR",
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + " : " + format(spec.unit, context.parsed.y);
              }
            }
          }
        },
        scales: {
          x: { stacked: !!spec.stacked, ticks: { autoSkip: false, maxRotation: 45 } },
          y: {
            stacked: !!spec.stacked,
            beginAtZero: true,
            ticks: {
              callback: function (value) {
                return format(spec.unit, value);
              }
            }
          }
        }
      }
    });
  }

  function init() {
    var charts = [];
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = draw(canvas);
      if (chart) {
        charts.push(chart);
      }
    });
    // Redraw at the paper's width when printing, and back afterwards.
    window.addEventListener("beforeprint", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
    window.addEventListener("afterprint", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
