// The crisis room: deadline countdowns that tick every second (re-found after htmx swaps), and the
// draft form's preview, filled from the template as the drafter types each value.
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

  // The preview follows the fields until the drafter edits the preview itself; from then on their
  // wording is what is saved (the server drafts the template and revises it to that wording).
  function fillPreview(form) {
    if (!form) return;
    const template = form.querySelector("[data-template]");
    const preview = form.querySelector("[data-preview]");
    if (!template || !preview || preview.dataset.edited === "true") return;
    let text = template.dataset.template;
    form.querySelectorAll("[data-placeholder]").forEach(function (input) {
      const name = input.dataset.placeholder;
      text = text.split("{" + name + "}").join(input.value.trim() || "[" + name + "]");
    });
    preview.value = text;
  }
  document.addEventListener("input", function (event) {
    const form = event.target.closest("#draft-form");
    if (!form) return;
    if (event.target.matches("[data-preview]")) event.target.dataset.edited = "true";
    else if (event.target.matches("[data-placeholder]")) fillPreview(form);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "draft-fields") fillPreview(event.target.closest("form"));
  });
  document.addEventListener("DOMContentLoaded", function () {
    fillPreview(document.getElementById("draft-form"));
    tick();
    setInterval(tick, 1000);
  });
})();
