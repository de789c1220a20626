// The cost calculator's chart: the server computes the numbers (and a table for everyone);
// Chart.js draws them. Redrawn whenever htmx swaps in a new calculation.
import {
  Chart, LineController, LineElement, PointElement, LinearScale, Legend, Tooltip,
} from "chart.js";

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

const money = (value) => `$${Number(value).toLocaleString("en-US", { maximumFractionDigits: 2 })}`;

function draw(canvas) {
  if (canvas.chart) canvas.chart.destroy();
  const curve = JSON.parse(canvas.dataset.curve || "[]");
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  canvas.chart = new Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        { label: "Lambda", data: curve.map((p) => ({ x: p.requests, y: p.lambda })),
          borderColor: "#b45309", backgroundColor: "#b45309", tension: 0 },
        { label: "EC2 (always on)", data: curve.map((p) => ({ x: p.requests, y: p.ec2 })),
          borderColor: "#0b5cad", backgroundColor: "#0b5cad", borderDash: [6, 4] },
      ],
    },
    options: {
      animation: reduced ? false : { duration: 250 },
      maintainAspectRatio: false,
      scales: {
        x: { type: "linear", title: { display: true, text: "Requests per month" },
          ticks: { callback: (v) => Number(v).toLocaleString("en-US", { notation: "compact" }) } },
        y: { type: "linear", beginAtZero: true, title: { display: true, text: "USD per month" },
          ticks: { callback: money } },
      },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.y)}` } } },
    },
  });
}

export function drawCharts(root = document) {
  root.querySelectorAll("canvas.cost-chart").forEach(draw);
}
