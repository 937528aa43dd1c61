// Crisis Desk: volume charts. Every <canvas data-volume-chart="URL"> is drawn with Chart.js
// from the JSON the URL answers (/api/v1/volume/): the posts per bucket as bars and their
// usual level as a line. Labels come from the page (data-posts-label, data-usual-label).
(function () {
  "use strict";

  function label(iso, minutes) {
    var at = new Date(iso);
    var time = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    if (minutes >= 1440) { return at.toLocaleDateString(); }
    return at.getHours() === 0 && at.getMinutes() === 0 ? at.toLocaleDateString() + " " + time : time;
  }

  function draw(canvas) {
    if (canvas.dataset.drawn) { return; }
    canvas.dataset.drawn = "1";
    fetch(canvas.dataset.volumeChart, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        var rows = data.series;
        canvas.dataset.points = String(rows.length);
        new window.Chart(canvas, {
          data: {
            labels: rows.map(function (row) { return label(row.start, data.bucket); }),
            datasets: [
              { type: "bar", label: canvas.dataset.postsLabel, data: rows.map(function (row) { return row.posts; }), backgroundColor: "rgba(13, 110, 253, 0.65)" },
              { type: "line", label: canvas.dataset.usualLabel, data: rows.map(function (row) { return row.usual; }), borderColor: "#6c757d", borderDash: [4, 3], pointRadius: 0, tension: 0.2 }
            ]
          },
          options: {
            animation: false,
            maintainAspectRatio: false,
            interaction: { mode: "index", intersect: false },
            scales: { x: { ticks: { maxTicksLimit: 12, autoSkip: true } }, y: { beginAtZero: true, ticks: { precision: 0 } } }
          }
        });
        canvas.dataset.ready = "1";
      })
      .catch(function () { canvas.dataset.failed = "1"; });
  }

  function drawAll() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-volume-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
