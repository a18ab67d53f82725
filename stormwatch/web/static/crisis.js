// The crisis room: deadline countdowns that tick every second (re-found after htmx swaps).
(function () {
  "use strict";
  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      if (el.dataset.done === "true") return;
      let left = Math.round((Date.parse(el.dataset.deadline) - now) / 1000);
      const late = left < 0;
      left = Math.abs(left);
      const text = Math.floor(left / 3600) + ":" + pad(Math.floor(left / 60) % 60) + ":" + pad(left % 60);
      el.textContent = late ? "−" + text + " " + (el.dataset.overdue || "overdue") : text;
      el.classList.toggle("overdue", late);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
