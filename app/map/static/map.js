// The map page: events from GET /events (GeoJSON) for the current view and filters, their
// detail from GET /events/{id} with the quoted spans of their reports (GET /reports/{id}), and
// a place search over GET /places. Leaflet is the global `L` (leaflet.js, loaded before this).
// Text from the API is only ever put into the page as text nodes, never as HTML.
//
// The view and the filters live in the URL's fragment (#map=zoom/lat/lon&from=…&to=…&type=…
// &sub_type=…&limit=…), so a view can be bookmarked or shared; nothing of it reaches the server.
// #map carries data-state ("loading", "ready", "error"), data-query (the /events query shown)
// and data-center / data-zoom, for scripts and tests.

const L = window.L;
const SYRIA = [[32.3, 35.6], [37.4, 42.4]];
const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10000;
const CONTEXT_CHARS = 90; // of the report shown around a quote, each side
const ZOOM_BY_KIND = {
  country: 6, governorate: 9, region: 9, district: 10, subdistrict: 11, city: 11, town: 12,
  village: 13, neighbourhood: 14, camp: 14,
};

const $ = (id) => document.getElementById(id);
const mapEl = $("map");
const fromInput = $("date-from");
const toInput = $("date-to");
const typeSelect = $("type");
const subSelect = $("sub-type");
const statusEl = $("status");
const truncatedEl = $("truncated");
const detailEl = $("detail");
const listEl = $("event-list");
const placeForm = $("place-search");
const placeInput = $("place-q");
const placeResults = $("place-results");

/** An element with attributes and children (strings become text nodes). */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function typeSlug(type) {
  return type.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

function setStatus(text, isError = false) {
  statusEl.textContent = text;
  statusEl.classList.toggle("error", isError);
}

async function problemText(response) {
  try {
    const body = await response.json();
    return body.detail || body.title || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

async function getJSON(url, signal) {
  const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(await problemText(response));
  return response.json();
}

// ---- State in the URL fragment ------------------------------------------------------------

function readFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const view = (params.get("map") || "").split("/").map(Number);
  const limit = Number.parseInt(params.get("limit") || "", 10);
  return {
    view: view.length === 3 && view.every(Number.isFinite) ? view : null,
    from: params.get("from") || "",
    to: params.get("to") || "",
    type: params.get("type") || "",
    subType: params.get("sub_type") || "",
    limit: limit >= 1 ? Math.min(limit, MAX_LIMIT) : DEFAULT_LIMIT,
  };
}

const initial = readFragment();
const limit = initial.limit;

function writeFragment() {
  const center = map.getCenter();
  const params = new URLSearchParams();
  params.set("map", `${map.getZoom()}/${center.lat.toFixed(4)}/${center.lng.toFixed(4)}`);
  if (fromInput.value) params.set("from", fromInput.value);
  if (toInput.value) params.set("to", toInput.value);
  if (typeSelect.value) params.set("type", typeSelect.value);
  if (subSelect.value) params.set("sub_type", subSelect.value);
  if (limit !== DEFAULT_LIMIT) params.set("limit", String(limit));
  history.replaceState(null, "", `#${params}`);
}

// ---- The map ------------------------------------------------------------------------------

const map = L.map(mapEl, { zoomSnap: 0.5, minZoom: 3, maxZoom: 17, worldCopyJump: false });
map.attributionControl.setPrefix("Leaflet");
map.attributionControl.addAttribution("Events: Syria Events API · no basemap");
map.createPane("graticule").style.zIndex = "250";
map.createPane("orientation").style.zIndex = "350";

const eventLayer = L.featureGroup().addTo(map);
const placeLayer = L.layerGroup().addTo(map);
const markers = new Map(); // event id -> circle marker

function drawGraticule() {
  const style = { pane: "graticule", className: "graticule", weight: 1, opacity: 0.8, interactive: false };
  for (let lon = 30; lon <= 50; lon += 1) L.polyline([[25, lon], [45, lon]], style).addTo(map);
  for (let lat = 25; lat <= 45; lat += 1) L.polyline([[lat, 30], [lat, 50]], style).addTo(map);
}

async function drawGovernorates() {
  // The gazetteer's governorate points, labelled in both scripts: orientation without a basemap.
  try {
    const places = await getJSON("/places?kind=governorate&limit=50");
    for (const feature of places.features) {
      const p = feature.properties;
      if (p.country_code && p.country_code !== "SY") continue;
      const label = h("span", {}, p.name_en, p.name_ar ? [" ", h("bdi", { lang: "ar" }, p.name_ar)] : null);
      L.circleMarker([p.latitude, p.longitude], {
        pane: "orientation", radius: 2, className: "governorate-dot", interactive: false,
      })
        .bindTooltip(label, {
          permanent: true, direction: "right", offset: [4, 0], className: "governorate-label",
          pane: "orientation", interactive: false,
        })
        .addTo(map);
    }
  } catch {
    // Orientation only: the events do not depend on it.
  }
}

// ---- Filters ------------------------------------------------------------------------------

function showSubTypesOf(type) {
  for (const group of subSelect.querySelectorAll("optgroup")) {
    const hidden = Boolean(type) && group.dataset.type !== type;
    group.hidden = hidden;
    group.disabled = hidden;
  }
}

function parentOf(subType) {
  const option = [...subSelect.options].find((o) => o.value === subType && o.value);
  return option ? option.parentElement.dataset.type : "";
}

function clampedBbox() {
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
  const west = clamp(b.getWest(), -180, 180);
  const east = clamp(b.getEast(), -180, 180);
  const south = clamp(b.getSouth(), -90, 90);
  const north = clamp(b.getNorth(), -90, 90);
  return [west, south, east, north].map((v) => v.toFixed(4)).join(",");
}

/** The /events query of the current view and filters, or an error message. */
function eventQuery() {
  const from = fromInput.value;
  const to = toInput.value;
  if (from && to && from > to) return { error: "The start date is after the end date." };
  const params = new URLSearchParams({ bbox: clampedBbox() });
  if (from || to) params.set("datetime", `${from || ".."}/${to || ".."}`);
  if (typeSelect.value) params.set("type", typeSelect.value);
  if (subSelect.value) params.set("sub_type", subSelect.value);
  params.set("limit", String(limit));
  return { query: params.toString() };
}

// ---- Events -------------------------------------------------------------------------------

let inFlight = null;
let selectedId = null;

function radiusOf(fatalities) {
  if (fatalities === null || fatalities === undefined) return 6;
  return Math.min(5 + 2.2 * Math.log2(1 + fatalities), 16);
}

function describeFilters() {
  const parts = [];
  if (fromInput.value || toInput.value) parts.push(`${fromInput.value || "…"} to ${toInput.value || "…"}`);
  if (subSelect.value) parts.push(subSelect.value);
  else if (typeSelect.value) parts.push(typeSelect.value);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

async function loadEvents() {
  const { query, error } = eventQuery();
  writeFragment();
  inFlight?.abort();
  if (error) {
    mapEl.dataset.state = "error";
    setStatus(error, true);
    return;
  }
  const controller = new AbortController();
  inFlight = controller;
  mapEl.dataset.state = "loading";
  setStatus("Loading events…");
  try {
    const collection = await getJSON(`/events?${query}`, controller.signal);
    if (controller.signal.aborted) return;
    showEvents(collection, query);
  } catch (err) {
    if (err.name === "AbortError") return;
    mapEl.dataset.state = "error";
    setStatus(`Could not load events: ${err.message}`, true);
  }
}

function showEvents(collection, query) {
  eventLayer.clearLayers();
  markers.clear();
  listEl.replaceChildren();
  for (const feature of collection.features) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    const unknown = p.fatalities === null || p.fatalities === undefined;
    const classes = ["event-marker", `ev-${typeSlug(p.event_type)}`];
    if (unknown) classes.push("unknown-fatalities");
    if (feature.id === selectedId) classes.push("selected");
    const marker = L.circleMarker([lat, lon], {
      radius: radiusOf(p.fatalities), weight: 1.5, fillOpacity: 0.75, className: classes.join(" "),
      bubblingMouseEvents: false,
    });
    const tip = h("span", { dir: "auto" }, `${p.event_date} · ${p.sub_event_type}`,
      p.place_name ? ` · ${p.place_name}` : "");
    marker.bindTooltip(tip, { direction: "top", offset: [0, -4] });
    marker.on("click", () => showEvent(feature.id));
    marker.addTo(eventLayer);
    marker.getElement()?.setAttribute("data-id", feature.id);
    markers.set(feature.id, marker);
    listEl.append(h("li", {}, h("button", {
      type: "button", dir: "auto", onclick: () => { map.panTo([lat, lon]); showEvent(feature.id); },
    }, `${p.event_date} · ${p.event_type} · ${p.place_name || p.governorate_pcode || ""}`)));
  }
  const shown = collection.numberReturned ?? collection.features.length;
  const more = (collection.links || []).some((link) => link.rel === "next");
  truncatedEl.hidden = !more;
  truncatedEl.textContent = more
    ? `Showing the newest ${shown} matching events in this view; more match. ` +
      "Zoom in or narrow the dates to see the rest."
    : "";
  setStatus(`${shown}${more ? "+" : ""} event${shown === 1 ? "" : "s"} in view${describeFilters()}.`);
  mapEl.dataset.query = query;
  mapEl.dataset.count = String(shown);
  mapEl.dataset.state = "ready";
}

let reloadTimer = null;
function scheduleLoad(delay = 200) {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(loadEvents, delay);
}

// ---- One event ----------------------------------------------------------------------------

function select(id) {
  markers.get(selectedId)?.getElement()?.classList.remove("selected");
  selectedId = id;
  const element = markers.get(id)?.getElement();
  element?.classList.add("selected");
  markers.get(id)?.bringToFront();
}

const PRECISION = { 1: "", 2: " (that week)", 3: " (that month or year)" };

async function showEvent(id) {
  select(id);
  detailEl.hidden = false;
  detailEl.dataset.id = id;
  detailEl.dataset.state = "loading";
  detailEl.replaceChildren(h("p", { class: "muted" }, "Loading the event…"));
  try {
    const feature = await getJSON(`/events/${encodeURIComponent(id)}`);
    const reports = await Promise.all(
      feature.properties.reports.map((r) =>
        getJSON(`/reports/${encodeURIComponent(r.id)}`).catch(() => null)),
    );
    if (detailEl.dataset.id !== id) return; // another event was chosen meanwhile
    detailEl.replaceChildren(...renderEvent(feature, reports).flat().filter(Boolean));
    detailEl.dataset.state = "ready";
  } catch (err) {
    if (detailEl.dataset.id !== id) return;
    detailEl.replaceChildren(closeButton(), h("p", { class: "error" }, `Could not load the event: ${err.message}`));
    detailEl.dataset.state = "error";
  }
}

function closeButton() {
  return h("button", {
    type: "button", class: "close", "aria-label": "Close",
    onclick: () => { detailEl.hidden = true; delete detailEl.dataset.id; select(null); },
  }, "×");
}

function placeName(place) {
  // <bdi>: the Arabic name keeps its own direction without reordering what is around it.
  return h("span", {}, place.name_en,
    place.name_ar ? [" · ", h("bdi", { lang: "ar" }, place.name_ar)] : null);
}

function renderEvent(feature, reports) {
  const p = feature.properties;
  const actors = p.actors.length
    ? h("ul", {}, p.actors.map((a) => h("li", {}, h("bdi", {}, a.name), h("span", { class: "muted" }, ` (${a.side})`))))
    : h("span", { class: "muted" }, "none named");
  const places = p.places.length
    ? h("ul", {}, p.places.map((place) => h("li", {},
      h("a", {
        href: `#${new URLSearchParams({ map: `12/${place.latitude}/${place.longitude}` })}`,
        onclick: (e) => { e.preventDefault(); flyToPlace(place); },
      }, placeName(place)),
      h("span", { class: "muted" }, ` (${place.role})`))))
    : h("span", { class: "muted" }, "none linked");
  const fatalities = p.fatalities === null ? h("span", { class: "muted" }, "unknown") : String(p.fatalities);
  return [
    closeButton(),
    h("h2", { class: `ev-title` }, h("span", { class: `swatch ev-${typeSlug(p.event_type)}` }), ` ${p.event_type}`),
    h("dl", {},
      h("dt", {}, "Date"), h("dd", {}, h("time", { datetime: p.event_date }, p.event_date), PRECISION[p.time_precision] || ""),
      h("dt", {}, "Type"), h("dd", {}, `${p.event_type}: ${p.sub_event_type}`),
      h("dt", {}, "Fatalities"), h("dd", { class: "fatalities" }, fatalities),
      h("dt", {}, "Actors"), h("dd", {}, actors),
      h("dt", {}, "Places"), h("dd", {}, places),
      h("dt", {}, "Id"), h("dd", {}, h("a", { href: `/events/${encodeURIComponent(feature.id)}` }, feature.id)),
    ),
    p.description ? h("p", { class: "description", dir: "auto" }, p.description) : null,
    h("h3", {}, `Reports (${p.reports.length})`),
    p.reports.length
      ? p.reports.map((link, i) => renderReport(link, reports[i]))
      : h("p", { class: "muted" }, "No report is linked to this event."),
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
      link.url ? [" · ", h("a", { href: link.url, rel: "noopener noreferrer", target: "_blank" }, "source")] : null),
    renderQuote(link, report),
  );
}

/**
 * The quoted words in a little of the report around them, with the place names the report's
 * mentions found inside the quote underlined. Offsets count Unicode code points (as Python's
 * str does), so the body is split into code points before slicing.
 */
function renderQuote(link, report) {
  if (!link.quote) return h("p", { class: "muted" }, "No quote recorded.");
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

// ---- Places -------------------------------------------------------------------------------

function flyToPlace(place) {
  placeLayer.clearLayers();
  L.circleMarker([place.latitude, place.longitude], {
    radius: 10, weight: 2, fill: false, className: "place-ring", interactive: false,
  })
    .bindTooltip(placeName(place), { permanent: true, direction: "bottom", offset: [0, 8], className: "place-label" })
    .addTo(placeLayer);
  mapEl.dataset.place = place.id;
  map.flyTo([place.latitude, place.longitude], ZOOM_BY_KIND[place.kind] || 12, { duration: 0.6 });
}

async function searchPlaces(event) {
  event.preventDefault();
  const q = placeInput.value.trim();
  if (!q) return;
  placeResults.hidden = false;
  placeResults.replaceChildren(h("li", { class: "muted" }, "Searching…"));
  try {
    const found = await getJSON(`/places?${new URLSearchParams({ q, limit: "8" })}`);
    const places = found.features.map((f) => f.properties);
    if (!places.length) {
      placeResults.replaceChildren(h("li", { class: "muted", dir: "auto" }, `No place matches “${q}”.`));
      return;
    }
    placeResults.replaceChildren(...places.map((place) => h("li", {},
      h("button", { type: "button", onclick: () => flyToPlace(place) },
        placeName(place), h("span", { class: "kind" }, ` ${place.kind}${place.governorate_pcode ? `, ${place.governorate_pcode}` : ""}`)))));
    flyToPlace(places[0]);
  } catch (err) {
    placeResults.replaceChildren(h("li", { class: "error" }, `Search failed: ${err.message}`));
  }
}

// ---- Wiring -------------------------------------------------------------------------------

function applyInitialState() {
  fromInput.value = initial.from;
  toInput.value = initial.to;
  const type = initial.type || parentOf(initial.subType);
  if ([...typeSelect.options].some((o) => o.value === type)) typeSelect.value = type;
  showSubTypesOf(typeSelect.value);
  if (initial.subType && parentOf(initial.subType) === typeSelect.value) subSelect.value = initial.subType;
  if (initial.view) map.setView([initial.view[1], initial.view[2]], initial.view[0]);
  else map.fitBounds(SYRIA);
}

typeSelect.addEventListener("change", () => {
  showSubTypesOf(typeSelect.value);
  if (subSelect.value && parentOf(subSelect.value) !== typeSelect.value) subSelect.value = "";
  scheduleLoad(0);
});
subSelect.addEventListener("change", () => {
  if (subSelect.value) typeSelect.value = parentOf(subSelect.value);
  showSubTypesOf(typeSelect.value);
  scheduleLoad(0);
});
for (const input of [fromInput, toInput]) input.addEventListener("change", () => scheduleLoad(0));
$("filters").addEventListener("reset", () => {
  // After the form has reset its fields.
  setTimeout(() => { showSubTypesOf(""); scheduleLoad(0); }, 0);
});
placeForm.addEventListener("submit", searchPlaces);
function noteView() {
  const center = map.getCenter();
  mapEl.dataset.center = `${center.lat.toFixed(5)},${center.lng.toFixed(5)}`;
  mapEl.dataset.zoom = String(map.getZoom());
}

applyInitialState();
noteView();
map.on("moveend", () => { noteView(); scheduleLoad(); });
drawGraticule();
drawGovernorates();
loadEvents();
