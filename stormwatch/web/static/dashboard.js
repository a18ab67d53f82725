// The dashboard: volume and sentiment charts (uPlot) with the baseline band and crises marked,
// and the live feed fed by the "mention" events of stormwatch.js.
(function () {
  "use strict";
  const labels = JSON.parse(document.getElementById("labels").textContent);

  function crisisShading(crises) {
    // Draw each crisis as a red shaded span behind the series.
    return function (u) {
      const ctx = u.ctx;
      ctx.save();
      crises.forEach(function (c) {
        const x0 = u.valToPos(c.start, "x", true);
        const x1 = Math.max(u.valToPos(c.end, "x", true), x0 + 3);
        ctx.fillStyle = "rgba(192, 57, 43, 0.14)";
        ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
        ctx.fillStyle = "rgba(192, 57, 43, 0.9)";
        ctx.fillRect(x0, u.bbox.top, 2, u.bbox.height);
      });
      ctx.restore();
    };
  }

  // Axis labels as the reader writes dates and numbers ("4 gru, 18:00" / "Dec 4, 6 PM"; "1 234,5"),
  // in the team's time zone, like every time on the server-rendered pages.
  const lang = document.documentElement.lang || "en";
  const when = new Intl.DateTimeFormat(lang, {
    timeZone: labels.zone || "UTC", day: "numeric", month: "short", hour: "numeric", minute: "2-digit",
  });
  const number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  const timeAxis = { values: function (u, splits) { return splits.map(function (v) { return when.format(new Date(v * 1000)); }); } };
  const numberAxis = { size: 45, values: function (u, splits) { return splits.map(function (v) { return number.format(v); }); } };

  function showEmpty(id) {
    // An empty chart says so rather than leaving a blank panel.
    const el = document.getElementById(id);
    el.textContent = "";
    const note = document.createElement("p");
    note.className = "muted empty-chart";
    note.textContent = labels.nodata;
    el.appendChild(note);
  }

  function gapShading(gaps) {
    // Holes in the collection: grey hatching, "no data", not a quiet stretch.
    return function (u) {
      const ctx = u.ctx;
      ctx.save();
      gaps.forEach(function (g) {
        const x0 = u.valToPos(g.start, "x", true);
        const x1 = Math.max(u.valToPos(g.end, "x", true), x0 + 2);
        ctx.fillStyle = "rgba(120, 120, 120, 0.18)";
        ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
        ctx.fillStyle = "rgba(80, 80, 80, 0.8)";
        ctx.font = Math.round(11 * devicePixelRatio) + "px sans-serif";
        if (x1 - x0 > 60 * devicePixelRatio) ctx.fillText(labels.no_data || "no data", x0 + 4, u.bbox.top + 14 * devicePixelRatio);
      });
      ctx.restore();
    };
  }

  function draw(id, data, series, crises, bands, range, gaps) {
    const el = document.getElementById(id);
    const options = {
      width: el.clientWidth || 600,
      height: 240,
      // The chosen window, whatever the data: uPlot would otherwise pad a few points by years.
      scales: { x: { time: true, range: function () { return range; } } },
      series: [{}].concat(series),
      bands: bands || [],
      axes: [timeAxis, numberAxis],
      legend: { live: false },
      hooks: { drawClear: [crisisShading(crises), gapShading(gaps || [])] },
    };
    const plot = new uPlot(options, data, el);
    // The band is two series (its edges); the legend names it once.
    const rows = plot.root.querySelectorAll(".u-legend .u-series");
    const offset = plot.series.length - rows.length; // the time axis may have no row
    rows.forEach(function (row, index) {
      if (plot.series[index + offset].bandEdge) row.style.display = "none";
    });
    new ResizeObserver(function () { plot.setSize({ width: el.clientWidth, height: 240 }); }).observe(el);
  }

  function charts() {
    const node = document.getElementById("figures");
    if (!node || !window.uPlot) return;
    const f = JSON.parse(node.textContent);
    const s = f.series;
    const range = [Date.parse(f.since) / 1000, Date.parse(f.until) / 1000];
    if (!s.volume.some(function (v) { return v > 0; })) {
      showEmpty("volume-chart");
      showEmpty("sentiment-chart");
      return;
    }
    draw("volume-chart", [s.t, s.band_high, s.band_low, s.expected, s.volume, s.negative], [
      { label: labels.band, stroke: "rgba(36,86,199,0.25)", width: 1 },
      { label: labels.band, stroke: "rgba(36,86,199,0.25)", width: 1, bandEdge: true },
      { label: labels.expected, stroke: "#2456c7", dash: [4, 4], width: 1 },
      { label: labels.mentions, stroke: "#1d2330", width: 1.5 },
      { label: labels.negative, stroke: "#c0392b", width: 1.5 },
    ], f.crises, [{ series: [1, 2], fill: "rgba(36,86,199,0.10)" }], range, f.gaps);
    draw("sentiment-chart", [s.t, s.negative_share, s.positive_share], [
      { label: labels.negative + " %", stroke: "#c0392b", width: 1.5, spanGaps: false },
      { label: labels.positive + " %", stroke: "#1e8449", width: 1.5, spanGaps: false },
    ], f.crises, [], range);
  }

  function mentionItem(m) {
    const li = document.createElement("li");
    li.className = "mention fresh";
    const meta = document.createElement("div");
    meta.className = "meta";
    const who = document.createElement("b");
    who.textContent = "@" + (m.author || "?");
    meta.appendChild(who);
    meta.appendChild(document.createTextNode(
      " · " + m.source + " · " + (m.lang || "?") + " · " + m.created_at.slice(0, 16).replace("T", " ") +
      " · " + number.format(m.author_followers) + " " + labels.followers + " "));
    const pill = document.createElement("span");
    pill.className = "pill " + (m.sentiment || "pending");
    pill.textContent = labels[m.sentiment || "pending"] || m.sentiment;
    meta.appendChild(pill);
    const text = document.createElement("div");
    text.className = "text";
    text.textContent = m.text;
    li.appendChild(meta);
    li.appendChild(text);
    return li;
  }

  document.addEventListener("DOMContentLoaded", function () {
    charts();
    const feed = document.getElementById("feed");
    document.body.addEventListener("mention", function (event) {
      // The feed follows the brand chosen above; other brands' posts are on their own tabs.
      if (feed.dataset.brand && event.detail.brand !== feed.dataset.brand) return;
      feed.insertBefore(mentionItem(event.detail), feed.firstChild);
      const limit = Number(feed.dataset.limit);
      while (feed.children.length > limit) feed.removeChild(feed.lastChild);
    });
  });
})();
