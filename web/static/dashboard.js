// The dashboard's charts (Chart.js, vendored): drawn from the JSON the page embeds (web/dashboard.py).
// A click on a point or bar follows its link: a month's dashboard, or the incidents behind a bar.
// When every chart is drawn, document.body.dataset.wanggeReady = "1" (the browser tests wait for it).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  Chart.defaults.font.family = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function follow(links) {
    return function (event, elements) {
      if (elements.length && links[elements[0].index]) { window.location.href = links[elements[0].index]; }
    };
  }
  function pointer(event, elements) { event.native.target.style.cursor = elements.length ? "pointer" : "default"; }

  var trend = data.trend;
  window.wanggeCharts = {
    trend: new Chart(document.getElementById("chart-trend"), {
      type: "line",
      data: {labels: trend.months, datasets: data.rates.map(function (r) {
        return {label: r.label, data: trend[r.key], borderColor: r.colour, backgroundColor: r.colour, spanGaps: true,
                clip: false};  // a rate of 0 % or 100 % is drawn whole on the frame
      })},
      options: {onClick: follow(trend.links), onHover: pointer,
                scales: {y: {min: 0, max: 100, title: {display: true, text: "%"}}}, layout: {padding: {top: 6}}}
    }),
    volume: new Chart(document.getElementById("chart-volume"), {
      data: {labels: trend.months, datasets: [
        {type: "bar", label: "事件数", data: trend.incidents, backgroundColor: data.bar, yAxisID: "y"},
        {type: "line", label: "每千人事件数", data: trend.per_1000, borderColor: data.rates[0].colour,
         backgroundColor: data.rates[0].colour, yAxisID: "y1", spanGaps: true}]},
      options: {onClick: follow(trend.links), onHover: pointer,
                scales: {y: {beginAtZero: true, title: {display: true, text: "件"}},
                         y1: {beginAtZero: true, position: "right", grid: {drawOnChartArea: false},
                              title: {display: true, text: "每千人"}}}}
    }),
    streets: new Chart(document.getElementById("chart-streets"), {
      type: "bar",
      data: {labels: data.streets.labels, datasets: [
        {label: "每千人事件数", data: data.streets.per_1000, backgroundColor: data.bar, xAxisID: "x"},
        {label: "超期率（%）", data: data.streets.overdue_rate, backgroundColor: data.rates[3].colour, xAxisID: "x1"}]},
      options: {indexAxis: "y", onHover: pointer,
                onClick: function (event, elements) {
                  if (!elements.length) { return; }
                  var e = elements[0], links = e.datasetIndex === 1 ? data.streets.overdue_links : data.streets.links;
                  window.location.href = links[e.index];
                },
                scales: {y: {ticks: {autoSkip: false}},
                         x: {beginAtZero: true, position: "bottom", title: {display: true, text: "每千人"}},
                         x1: {beginAtZero: true, position: "top", grid: {drawOnChartArea: false},
                              title: {display: true, text: "超期率 %"}}}}
    }),
    categories: new Chart(document.getElementById("chart-categories"), {
      type: "bar",
      data: {labels: data.categories.labels, datasets: [
        {label: "事件数", data: data.categories.incidents, backgroundColor: data.bar}]},
      options: {indexAxis: "y", onClick: follow(data.categories.links), onHover: pointer,
                plugins: {legend: {display: false}}, scales: {x: {beginAtZero: true}, y: {ticks: {autoSkip: false}}}}
    })
  };
  document.body.dataset.wanggeReady = "1";
})();
