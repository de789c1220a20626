// LambdaLab's front-end entry point: htmx, served from our own origin.
import htmx from "htmx.org";

window.htmx = htmx;

// Keep keyboard focus where the user was when htmx swaps a region they were in.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target && target.hasAttribute("data-focus-after-swap")) {
    target.focus();
  }
});
