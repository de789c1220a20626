// LambdaLab's front-end entry point on every page: htmx, from our own origin. The exercise page
// adds workspace.js (the code editor) and pages with charts add labs.js.
import htmx from "htmx.org";

window.htmx = htmx;
// Controls needed only without JavaScript (e.g. "Load event") hide themselves, even after swaps.
document.documentElement.classList.add("js");

// Keep keyboard focus where the user was when htmx swaps a region they were in.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target && target.hasAttribute("data-focus-after-swap")) {
    target.focus();
  }
  const focusable = target && target.querySelector("[data-focus-after-swap]");
  if (focusable) focusable.focus();
});

// Error responses (a refused Test, an invalid form) still carry a message to show in place.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if ([404, 413, 422, 429].includes(status)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

