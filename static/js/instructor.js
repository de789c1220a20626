// Instructor pages: analytics charts (the numbers and a table come from the server; Chart.js
// only draws them) and the lesson editor's preview, which htmx refreshes as the author types.
import {
  Chart, BarController, BarElement, CategoryScale, LinearScale, Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

const COLOURS = { scores: "#0b5cad", errors: "#c0392b" };
const TITLES = { scores: "Students", errors: "Submissions" };

function draw(canvas, data) {
  const series = data[canvas.dataset.chart];
  if (!series) return;
  if (canvas.chart) canvas.chart.destroy();
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  canvas.chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: series.labels,
      datasets: [{ label: TITLES[canvas.dataset.chart], data: series.values,
        backgroundColor: COLOURS[canvas.dataset.chart] }],
    },
    options: {
      animation: reduced ? false : { duration: 250 },
      indexAxis: canvas.dataset.chart === "errors" ? "y" : "x",
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } },
        y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

function drawAll() {
  const source = document.getElementById("analytics-data");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => draw(canvas, data));
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", drawAll);
} else {
  drawAll();
}
