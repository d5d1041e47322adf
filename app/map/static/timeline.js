// The timeline strip: events per month in the view for the current filters but the dates
// (GET /stats/timeseries?interval=month&bbox=), drawn as SVG bars. Dragging across it chooses a range
// of whole months, handed to `onSelect(from, to)` (ISO dates, inclusive); the chosen months are
// highlighted. Time runs left to right in both languages, as on the dates of the reports.
// #timeline carries data-state ("loading", "ready", "error") and data-months, for tests.

import { getJSON, svg } from "./dom.js";

const HEIGHT = 64;
const AXIS = 14; // px under the bars for the years

function lastDayOf(period) {
  const [y, m] = period.split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)); // day 0 of the next month
  return last.toISOString().slice(0, 10);
}

export function createTimeline({ onSelect, onClear }) {
  const root = document.getElementById("timeline");
  const chart = document.getElementById("timeline-chart");
  const rangeEl = document.getElementById("timeline-range");
  const clearButton = document.getElementById("timeline-clear");
  let periods = [];
  let counts = [];
  let range = { from: "", to: "" };
  let drag = null;
  let inFlight = null;

  clearButton.addEventListener("click", () => onClear());

  function indexAt(clientX) {
    const box = chart.getBoundingClientRect();
    const i = Math.floor(((clientX - box.left) / box.width) * periods.length);
    return Math.min(Math.max(i, 0), periods.length - 1);
  }

  function selected(i) {
    if (drag) return i >= Math.min(drag.a, drag.b) && i <= Math.max(drag.a, drag.b);
    const p = periods[i];
    return Boolean(range.from || range.to) && (!range.from || lastDayOf(p) >= range.from)
      && (!range.to || p <= range.to);
  }

  function paint() {
    chart.querySelectorAll("rect.bar").forEach((bar, i) => bar.classList.toggle("selected", selected(i)));
    const any = Boolean(range.from || range.to);
    rangeEl.textContent = any ? `${range.from || "…"} – ${range.to || "…"}` : "";
    clearButton.hidden = !any;
  }

  function draw() {
    const width = Math.max(chart.clientWidth, 100);
    chart.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
    chart.setAttribute("height", String(HEIGHT));
    chart.replaceChildren();
    const n = periods.length;
    const max = Math.max(1, ...counts);
    const step = width / Math.max(n, 1);
    const gap = step > 4 ? 1 : 0;
    for (let i = 0; i < n; i += 1) {
      const barHeight = counts[i] ? Math.max(2, ((HEIGHT - AXIS - 2) * counts[i]) / max) : 0;
      const bar = svg("rect", {
        class: "bar", x: i * step, y: HEIGHT - AXIS - barHeight, width: Math.max(step - gap, 1),
        height: barHeight, "data-period": periods[i], "data-count": counts[i],
      });
      const tip = svg("title");
      tip.textContent = `${periods[i].slice(0, 7)}: ${counts[i]}`;
      bar.append(tip);
      // An invisible full-height target, so that a month with no event can be chosen too.
      chart.append(svg("rect", { class: "hit", x: i * step, y: 0, width: step, height: HEIGHT - AXIS }), bar);
      if (periods[i].endsWith("-01-01") || i === 0) {
        const year = svg("text", { x: i * step + 1, y: HEIGHT - 2, class: "year" });
        year.textContent = periods[i].slice(0, 4);
        chart.append(year);
      }
    }
    paint();
  }

  chart.addEventListener("pointerdown", (e) => {
    if (!periods.length || e.button !== 0) return;
    chart.setPointerCapture(e.pointerId);
    const i = indexAt(e.clientX);
    drag = { a: i, b: i };
    paint();
    e.preventDefault();
  });
  chart.addEventListener("pointermove", (e) => {
    if (!drag) return;
    drag.b = indexAt(e.clientX);
    paint();
  });
  const finish = (e) => {
    if (!drag) return;
    drag.b = indexAt(e.clientX);
    const lo = Math.min(drag.a, drag.b);
    const hi = Math.max(drag.a, drag.b);
    drag = null;
    range = { from: periods[lo], to: lastDayOf(periods[hi]) };
    paint();
    onSelect(range.from, range.to);
  };
  chart.addEventListener("pointerup", finish);
  chart.addEventListener("pointercancel", () => { drag = null; paint(); });
  new ResizeObserver(() => { if (periods.length) draw(); }).observe(chart);

  return {
    /** Loads the months of the filters in `params` (a URLSearchParams with the view's bbox and
     *  without datetime). */
    async load(params) {
      inFlight?.abort();
      const controller = new AbortController();
      inFlight = controller;
      root.dataset.state = "loading";
      const query = new URLSearchParams(params);
      query.set("interval", "month");
      try {
        const series = await getJSON(`/stats/timeseries?${query}`, controller.signal);
        periods = series.periods;
        counts = series.totals.count;
        root.dataset.months = String(periods.length);
        root.dataset.total = String(counts.reduce((a, b) => a + b, 0));
        draw();
        root.dataset.query = params.toString();
        root.dataset.state = "ready";
      } catch (err) {
        if (err.name === "AbortError") return;
        root.dataset.state = "error";
      }
    },
    /** Shows `from`..`to` (ISO dates, either may be empty) as the chosen range. */
    setRange(from, to) {
      range = { from, to };
      paint();
    },
  };
}
