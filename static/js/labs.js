// Pages with the cost calculator load Chart.js through this bundle only.
import { drawCharts } from "./charts.js";

document.addEventListener("htmx:load", (event) => drawCharts(event.detail.elt));
document.addEventListener("DOMContentLoaded", () => drawCharts());
