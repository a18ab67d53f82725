// The crisis room: deadline countdowns that tick every second (re-found after htmx swaps), and the
// draft form's preview, filled from the template as the drafter types each value.
(function () {
  "use strict";
  function pad(n) { return String(n).padStart(2, "0"); }
  // In a drill's workspace the deadlines run on the drill's clock (accelerated, or standing still
  // while paused): the page says the drill's time when it was made and how fast that time runs.
  const loaded = Date.now();
  function currentTime() {
    const drill = document.body.dataset;
    if (!drill.drillNow) return Date.now();
    return Date.parse(drill.drillNow) + (Date.now() - loaded) * Number(drill.drillSpeed || 0);
  }
  function tick() {
    const now = currentTime();
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
    keep(form);
  });

  // A half-written draft also survives the page reloading after the person's own action (adding a
  // note, marking a step done): it is kept in the tab's session storage until it is saved.
  function storageKey() { return "stormwatch-draft:" + location.pathname; }
  function keep(form) {
    const data = {};
    new FormData(form).forEach(function (value, name) { if (name !== "csrf_token") data[name] = value; });
    const preview = form.querySelector("[data-preview]");
    data.edited = Boolean(preview && preview.dataset.edited === "true");
    try { sessionStorage.setItem(storageKey(), JSON.stringify(data)); } catch (e) { /* storage off */ }
  }
  function fillFrom(form, data) {
    form.querySelectorAll("[data-placeholder]").forEach(function (input) {
      if (typeof data[input.name] === "string") input.value = data[input.name];
    });
    const preview = form.querySelector("[data-preview]");
    if (preview && data.edited && typeof data.text === "string") {
      preview.value = data.text;
      preview.dataset.edited = "true";
    } else {
      fillPreview(form);
    }
  }
  function restore(form) {
    let data = null;
    try { data = JSON.parse(sessionStorage.getItem(storageKey()) || "null"); } catch (e) { data = null; }
    if (!form || !data) return;
    const template = form.querySelector("[name=template]");
    const lang = form.querySelector("[name=lang]");
    if (template.value === data.template && lang.value === data.lang) { fillFrom(form, data); return; }
    template.value = data.template;
    lang.value = data.lang;
    const url = template.getAttribute("hx-get") + "?template=" + encodeURIComponent(data.template) +
      "&lang=" + encodeURIComponent(data.lang);
    window.htmx.ajax("GET", url, { target: "#draft-fields" }).then(function () { fillFrom(form, data); });
  }
  document.addEventListener("change", function (event) {
    const form = event.target.closest && event.target.closest("#draft-form");
    if (form) keep(form);
  });
  // Saved: forget it, unless the server refused it (the page comes back with ?problem=…).
  document.addEventListener("submit", function (event) {
    if (event.target.id !== "draft-form") return;
    try { sessionStorage.setItem(storageKey() + ":sent", "1"); } catch (e) { /* storage off */ }
  });
  function forgetIfSaved() {
    try {
      if (sessionStorage.getItem(storageKey() + ":sent") !== "1") return;
      sessionStorage.removeItem(storageKey() + ":sent");
      if (!/[?&]problem=/.test(location.search)) sessionStorage.removeItem(storageKey());
    } catch (e) { /* storage off: nothing was kept */ }
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "draft-fields") fillPreview(event.target.closest("form"));
  });
  document.addEventListener("DOMContentLoaded", function () {
    fillPreview(document.getElementById("draft-form"));
    forgetIfSaved();
    restore(document.getElementById("draft-form"));
    tick();
    setInterval(tick, 1000);
  });
})();
