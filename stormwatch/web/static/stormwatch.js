// Live updates for every page: one server-sent-event stream; other scripts and htmx listen to
// the DOM events it fires ("mention", "crisis", "crisis-<id>") on document.body.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });

  function toast(text, href) {
    const box = document.createElement(href ? "a" : "div");
    box.className = "toast";
    box.setAttribute("role", "alert");
    box.dataset.testid = "toast";
    if (href) box.href = href;
    box.textContent = text;
    document.body.appendChild(box);
    setTimeout(function () { box.remove(); }, 8000);
  }

  function connect() {
    if (!window.EventSource || document.querySelector(".login")) return;
    const source = new EventSource("/api/events");
    const dot = document.getElementById("live-dot");
    source.onopen = function () { if (dot) dot.classList.add("on"); };
    source.onerror = function () { if (dot) dot.classList.remove("on"); };
    source.addEventListener("mention", function (event) {
      document.body.dispatchEvent(new CustomEvent("mention", { detail: JSON.parse(event.data) }));
    });
    source.addEventListener("crisis", function (event) {
      const crisis = JSON.parse(event.data);
      document.body.dispatchEvent(new CustomEvent("crisis", { detail: crisis }));
      document.body.dispatchEvent(new CustomEvent("crisis-" + crisis.crisis_id, { detail: crisis }));
      if (crisis.event === "opened" || crisis.event === "escalated") {
        // The event's word in the page's language; the stored message is English, so it is shown
        // to English readers only (the crisis room says the same in the reader's language).
        const said = document.body.dataset["said" + crisis.event.charAt(0).toUpperCase() + crisis.event.slice(1)];
        const english = document.documentElement.lang === "en";
        toast(crisis.brand + " — " + (said || crisis.event) + " (" + crisis.severity + ")" +
              (english ? ": " + crisis.message : ""), "/crises/" + encodeURIComponent(crisis.crisis_id));
      }
    });
  }
  document.addEventListener("DOMContentLoaded", connect);
})();
