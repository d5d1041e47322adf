// One event in the sidebar: GET /events/{id} with its actors and places, and each report
// (GET /reports/{id}) with the quoted words highlighted in a little of the report around them.

import { getJSON, h, typeSlug } from "./dom.js";
import { t, typeName } from "./i18n.js";

const CONTEXT_CHARS = 90; // of the report shown around a quote, each side
const detailEl = document.getElementById("detail");

/** Shows event `id`; `actions` are { flyTo(place), closed() } of the map. */
export async function showEvent(id, actions) {
  detailEl.hidden = false;
  detailEl.dataset.id = id;
  detailEl.dataset.state = "loading";
  detailEl.replaceChildren(h("p", { class: "muted" }, t("loading_event")));
  try {
    const feature = await getJSON(`/events/${encodeURIComponent(id)}`);
    const reports = await Promise.all(
      feature.properties.reports.map((r) =>
        getJSON(`/reports/${encodeURIComponent(r.id)}`).catch(() => null)),
    );
    if (detailEl.dataset.id !== id) return; // another event was chosen meanwhile
    detailEl.replaceChildren(...renderEvent(feature, reports, actions).flat().filter(Boolean));
    detailEl.dataset.state = "ready";
  } catch (err) {
    if (detailEl.dataset.id !== id) return;
    detailEl.replaceChildren(closeButton(actions), h("p", { class: "error" }, t("event_failed", err.message)));
    detailEl.dataset.state = "error";
  }
}

export function hideEvent() {
  detailEl.hidden = true;
  delete detailEl.dataset.id;
}

function closeButton(actions) {
  return h("button", {
    type: "button", class: "close", "aria-label": t("close"),
    onclick: () => { hideEvent(); actions.closed(); },
  }, "×");
}

export function placeName(place) {
  // <bdi>: the Arabic name keeps its own direction without reordering what is around it.
  return h("span", {}, h("bdi", {}, place.name_en),
    place.name_ar ? [" · ", h("bdi", { lang: "ar" }, place.name_ar)] : null);
}

function renderEvent(feature, reports, actions) {
  const p = feature.properties;
  const actors = p.actors.length
    ? h("ul", {}, p.actors.map((a) => h("li", {}, h("bdi", {}, a.name), h("span", { class: "muted" }, ` (${a.side})`))))
    : h("span", { class: "muted" }, t("none_named"));
  const places = p.places.length
    ? h("ul", {}, p.places.map((place) => h("li", {},
      h("a", {
        href: `#${new URLSearchParams({ map: `12/${place.latitude}/${place.longitude}` })}`,
        onclick: (e) => { e.preventDefault(); actions.flyTo(place); },
      }, placeName(place)),
      h("span", { class: "muted" }, ` (${place.role})`))))
    : h("span", { class: "muted" }, t("none_linked"));
  const fatalities = p.fatalities === null ? h("span", { class: "muted" }, t("unknown")) : String(p.fatalities);
  return [
    closeButton(actions),
    h("h2", { class: "ev-title" }, h("span", { class: `swatch ev-${typeSlug(p.event_type)}` }), ` ${typeName(p.event_type)}`),
    h("dl", {},
      h("dt", {}, t("date")), h("dd", {}, h("time", { datetime: p.event_date }, p.event_date), t("precision")[p.time_precision] || ""),
      h("dt", {}, t("type")), h("dd", {}, h("bdi", {}, `${p.event_type}: ${p.sub_event_type}`)),
      h("dt", {}, t("fatalities")), h("dd", { class: "fatalities" }, fatalities),
      h("dt", {}, t("actors")), h("dd", {}, actors),
      h("dt", {}, t("places")), h("dd", {}, places),
      h("dt", {}, t("id")), h("dd", {}, h("a", { href: `/events/${encodeURIComponent(feature.id)}` }, feature.id)),
    ),
    p.description ? h("p", { class: "description", dir: "auto" }, p.description) : null,
    h("h3", {}, t("reports", p.reports.length)),
    p.reports.length
      ? p.reports.map((link, i) => renderReport(link, reports[i]))
      : h("p", { class: "muted" }, t("no_reports")),
  ];
}

function renderReport(link, report) {
  const published = link.published_at ? link.published_at.slice(0, 10) : null;
  const meta = [link.source ? h("bdi", {}, link.source) : null, published, link.language]
    .filter(Boolean)
    .flatMap((part, i) => (i ? [" · ", part] : [part]));
  return h("article", { class: "report", dataset: { id: link.id } },
    h("a", { class: "report-link", href: `/reports/${encodeURIComponent(link.id)}`, dir: "auto" },
      link.title || link.id),
    h("div", { class: "meta" }, meta,
      link.url ? [" · ", h("a", { href: link.url, rel: "noopener noreferrer", target: "_blank" }, t("source"))] : null),
    renderQuote(link, report),
  );
}

/**
 * The quoted words in a little of the report around them, with the place names the report's
 * mentions found inside the quote underlined. Offsets count Unicode code points (as Python's
 * str does), so the body is split into code points before slicing.
 */
function renderQuote(link, report) {
  if (!link.quote) return h("p", { class: "muted" }, t("no_quote"));
  const lang = report && report.language !== "und" ? report.language : link.language;
  const quote = h("blockquote", { class: "quote", dir: "auto", lang });
  const chars = report ? Array.from(report.body) : null;
  const start = link.quote_start;
  const end = link.quote_end;
  if (!chars || start === null || end === null || chars.slice(start, end).join("") !== link.quote) {
    quote.append(h("mark", { class: "quoted" }, link.quote));
    return quote;
  }
  let from = Math.max(0, start - CONTEXT_CHARS);
  let to = Math.min(chars.length, end + CONTEXT_CHARS);
  // Whole words only at the cut edges.
  while (from > 0 && from < start && !/\s/.test(chars[from - 1])) from += 1;
  while (to < chars.length && to > end && !/\s/.test(chars[to])) to -= 1;
  const mark = h("mark", { class: "quoted" });
  let at = start;
  const inside = (report.mentions || [])
    .filter((m) => m.start >= start && m.end <= end && m.start >= 0)
    .sort((a, b) => a.start - b.start);
  for (const mention of inside) {
    if (mention.start < at) continue; // overlapping: keep the first
    mark.append(chars.slice(at, mention.start).join(""));
    const title = mention.place ? [mention.place.name_en, mention.place.name_ar].filter(Boolean).join(" · ") : "";
    mark.append(h("span", { class: "mention", title }, chars.slice(mention.start, mention.end).join("")));
    at = mention.end;
  }
  mark.append(chars.slice(at, end).join(""));
  quote.append(
    from > 0 ? "…" : "",
    chars.slice(from, start).join(""),
    mark,
    chars.slice(end, to).join(""),
    to < chars.length ? "…" : "",
  );
  return quote;
}
