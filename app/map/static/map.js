// The map page: MapLibre GL JS drawing the API's own vector tiles (GET /tiles/{z}/{x}/{y}.mvt with
// the filters: clusters with counts up to zoom 12, one point per event from zoom 13) over an
// offline basemap (Natural Earth countries and governorates, built by `make assets`), labelled
// in both scripts from the gazetteer (GET /places). A timeline of events per month
// (timeline.js) chooses dates by dragging; the chosen event is shown with its reports (detail.js).
//
// The view, filters and language live in the URL's fragment (#map=zoom/lat/lon&from=…&to=…
// &type=…&sub_type=…&lang=…), so a view can be bookmarked; nothing of it reaches the server.
// #map carries data-state ("loading", "ready", "error"), data-tiles (the filters of the tile
// URLs), data-total (events in view, from GET /stats/summary), data-center and data-zoom; the
// MapLibre map is window.syriaEventsMap. Both are for scripts and tests.

import { getJSON, h } from "./dom.js";
import { placeName, showEvent } from "./detail.js";
import { initialLang, lang, setLang, t, typeName } from "./i18n.js";
import { createTimeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const mapEl = $("map");
const fromInput = $("date-from");
const toInput = $("date-to");
const typeSelect = $("type");
const subSelect = $("sub-type");
const statusEl = $("status");
const placeForm = $("place-search");
const placeInput = $("place-q");
const placeResults = $("place-results");

const maplibregl = await import(mapEl.dataset.maplibre);
// The worker is a module file of this server at its versioned URL (the CSP allows no blob:).
maplibregl.setWorkerUrl(new URL(mapEl.dataset.worker, location.href).href);

const SYRIA = [[35.6, 32.3], [42.4, 37.4]];
const CLUSTER_MAX_ZOOM = 12; // the tiles' last zoom of clusters (app/tiles)
const ZOOM_BY_KIND = {
  country: 6, governorate: 9, region: 9, district: 10, subdistrict: 11, city: 11, town: 12,
  village: 13, neighbourhood: 14, camp: 14,
};
// Okabe–Ito colours, legible to colour-blind readers; the same as the legend's (map.css).
const TYPE_COLORS = {
  Battles: "#d55e00", "Explosions/Remote violence": "#cc79a7",
  "Violence against civilians": "#e69f00", Protests: "#56b4e9", Riots: "#009e73",
  "Strategic developments": "#0072b2",
};

function setStatus(text, isError = false) {
  statusEl.textContent = text;
  statusEl.classList.toggle("error", isError);
}

// ---- State in the URL fragment ------------------------------------------------------------

const fragment = new URLSearchParams(location.hash.slice(1));
const initialView = (fragment.get("map") || "").split("/").map(Number);

function writeFragment() {
  const center = map.getCenter();
  const params = new URLSearchParams();
  params.set("map", `${+map.getZoom().toFixed(2)}/${center.lat.toFixed(4)}/${center.lng.toFixed(4)}`);
  if (fromInput.value) params.set("from", fromInput.value);
  if (toInput.value) params.set("to", toInput.value);
  if (typeSelect.value) params.set("type", typeSelect.value);
  if (subSelect.value) params.set("sub_type", subSelect.value);
  if (lang() !== "en") params.set("lang", lang());
  history.replaceState(null, "", `#${params}`);
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

/** The filters of the tiles and statistics (no bbox), or an error message. */
function filterParams({ withDates = true } = {}) {
  const from = fromInput.value;
  const to = toInput.value;
  if (from && to && from > to) return { error: t("bad_dates") };
  const params = new URLSearchParams();
  if (withDates && (from || to)) params.set("datetime", `${from || ".."}/${to || ".."}`);
  if (typeSelect.value) params.set("type", typeSelect.value);
  if (subSelect.value) params.set("sub_type", subSelect.value);
  return { params };
}

function tileUrl(params) {
  const query = params.toString();
  return `${location.origin}/tiles/{z}/{x}/{y}.mvt${query ? `?${query}` : ""}`;
}

function viewBbox() {
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
  return [
    clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
    clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90),
  ].map((v) => v.toFixed(4)).join(",");
}

// ---- The map ------------------------------------------------------------------------------

const eventColor = ["match", ["get", "event_type"], ...Object.entries(TYPE_COLORS).flat(), "#777"];
const unknownFatalities = ["!", ["has", "fatalities"]];

const style = {
  version: 8,
  sources: {
    basemap: { type: "geojson", data: new URL(mapEl.dataset.basemap, location.href).href },
    // OCHA's governorates once imported (GET /map/boundaries.geojson), set after the load.
    boundaries: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
    events: {
      type: "vector", tiles: [tileUrl(new URLSearchParams())], minzoom: 0, maxzoom: 14,
      promoteId: "id", attribution: "Events: Syria Events API",
    },
  },
  layers: [
    { id: "sea", type: "background", paint: { "background-color": "#d9e6ee" } },
    {
      id: "land", type: "fill", source: "basemap",
      filter: ["in", ["get", "kind"], ["literal", ["country", "syria"]]],
      paint: { "fill-color": ["match", ["get", "kind"], "syria", "#fbf9f3", "#ece9e1"] },
    },
    {
      id: "governorates", type: "line", source: "basemap", filter: ["==", ["get", "kind"], "governorate"],
      paint: { "line-color": "#a59f94", "line-width": 0.8, "line-dasharray": [3, 2] },
    },
    {
      id: "ocha-governorates", type: "line", source: "boundaries",
      paint: { "line-color": "#a59f94", "line-width": 0.8, "line-dasharray": [3, 2] },
    },
    {
      id: "borders", type: "line", source: "basemap", filter: ["==", ["get", "kind"], "country"],
      paint: { "line-color": "#9a958b", "line-width": 0.8 },
    },
    {
      id: "syria", type: "line", source: "basemap", filter: ["==", ["get", "kind"], "syria"],
      paint: { "line-color": "#5b554c", "line-width": 1.6 },
    },
    {
      id: "clusters", type: "circle", source: "events", "source-layer": "events",
      filter: [">", ["get", "count"], 1],
      paint: {
        "circle-color": "#3d4a55", "circle-opacity": 0.78,
        "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "count"]], 1.4, 9, 10, 18, 40, 30],
        "circle-stroke-color": "#fff", "circle-stroke-width": 1.5,
      },
    },
    {
      id: "cluster-counts", type: "symbol", source: "events", "source-layer": "events",
      filter: [">", ["get", "count"], 1],
      layout: {
        "text-field": ["to-string", ["get", "count"]], "text-size": 11,
        "text-allow-overlap": true, "text-ignore-placement": true,
      },
      paint: { "text-color": "#fff" },
    },
    {
      id: "events", type: "circle", source: "events", "source-layer": "events",
      filter: ["==", ["get", "count"], 1],
      paint: {
        "circle-color": eventColor, "circle-opacity": 0.8,
        "circle-radius": [
          "interpolate", ["linear"], ["ln", ["+", 1, ["coalesce", ["get", "fatalities"], 0]]],
          0, 5, 2.4, 8, 4.6, 13, 6.9, 17,
        ],
        "circle-stroke-color": [
          "case", ["boolean", ["feature-state", "selected"], false], "#111",
          unknownFatalities, "#7a7a7a", "#fff",
        ],
        "circle-stroke-width": [
          "case", ["boolean", ["feature-state", "selected"], false], 3, unknownFatalities, 2, 1,
        ],
      },
    },
  ],
};

const map = new maplibregl.Map({
  container: mapEl, style, bounds: SYRIA, fitBoundsOptions: { padding: 20 }, minZoom: 3,
  maxZoom: 17, attributionControl: { compact: false, customAttribution: "Natural Earth" },
  dragRotate: false, pitchWithRotate: false, touchPitch: false, maxPitch: 0,
});
window.syriaEventsMap = map;
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
map.addControl(new maplibregl.ScaleControl(), "bottom-left");
if (initialView.length === 3 && initialView.every(Number.isFinite)) {
  map.jumpTo({ zoom: initialView[0], center: [initialView[2], initialView[1]] });
}

// ---- Labels: DOM markers, so that the browser shapes Arabic ------------------------------

const labels = []; // { marker, names: {en, ar}, kind }

function labelElement(names, kind) {
  const primary = lang() === "ar" && names.ar ? names.ar : names.en;
  const secondary = primary === names.en ? names.ar : names.en;
  return h("div", { class: `map-label ${kind}-label` },
    h("bdi", { class: "primary", lang: primary === names.ar ? "ar" : "en" }, primary),
    secondary ? h("bdi", { class: "secondary", lang: secondary === names.ar ? "ar" : "en" }, secondary) : null);
}

function redrawLabels() {
  for (const label of labels) label.marker.getElement().replaceChildren(...labelElement(label.names, label.kind).childNodes);
}

async function drawLabels(basemap) {
  try {
    const [governorates, countries] = await Promise.all([
      getJSON("/places?kind=governorate&limit=50"), getJSON("/places?kind=country&limit=100"),
    ]);
    const byPcode = new Map(governorates.features.map((f) => [f.properties.pcode, f.properties]));
    const byIso = new Map(countries.features.map((f) => [f.properties.country_code, f.properties]));
    for (const feature of basemap.features) {
      const { kind, pcode, iso } = feature.properties;
      const place = kind === "governorate-label" ? byPcode.get(pcode) : kind === "country-label" ? byIso.get(iso) : null;
      if (!place) continue;
      const names = { en: place.name_en, ar: place.name_ar };
      const labelKind = kind === "governorate-label" ? "governorate" : "country";
      const element = labelElement(names, labelKind);
      const marker = new maplibregl.Marker({ element, anchor: "center" })
        .setLngLat(feature.geometry.coordinates).addTo(map);
      labels.push({ marker, names, kind: labelKind });
    }
  } catch {
    // Orientation only: the events do not depend on it.
  }
}

// ---- Events: tiles, the count in view, the timeline ----------------------------------------

let generation = 0;
let summaryAbort = null;

const timeline = createTimeline({
  onSelect(from, to) {
    fromInput.value = from;
    toInput.value = to;
    reload();
  },
  onClear() {
    fromInput.value = "";
    toInput.value = "";
    reload();
  },
});

/** New filters: new tile URLs, the timeline of the filters, and the count in view. */
function reload() {
  writeFragment();
  const { params, error } = filterParams();
  timeline.setRange(fromInput.value, toInput.value);
  if (error) {
    mapEl.dataset.state = "error";
    setStatus(error, true);
    return;
  }
  const source = map.getSource("events");
  const url = tileUrl(params);
  if (source.tiles?.[0] !== url) source.setTiles([url]);
  mapEl.dataset.tiles = params.toString();
  refreshTimeline();
  refreshCount();
}

/** The timeline follows the view: the months of the filters but the dates, in the view's bbox. */
function refreshTimeline() {
  const { params, error } = filterParams({ withDates: false });
  if (error) return;
  params.set("bbox", viewBbox());
  timeline.load(params);
}

/** Resolves when the map has drawn what it asked for (a repaint makes sure "idle" comes). */
function tilesDrawn() {
  return new Promise((resolve) => {
    map.once("idle", resolve);
    map.triggerRepaint();
  });
}

/** The number of events in view (GET /stats/summary with the view's bbox), then "ready". */
async function refreshCount() {
  const { params, error } = filterParams();
  if (error) return;
  const mine = ++generation;
  summaryAbort?.abort();
  const controller = new AbortController();
  summaryAbort = controller;
  mapEl.dataset.state = "loading";
  setStatus(t("loading"));
  params.set("bbox", viewBbox());
  try {
    const [summary] = await Promise.all([
      getJSON(`/stats/summary?${params}`, controller.signal),
      tilesDrawn(),
    ]);
    if (mine !== generation) return;
    const total = summary.total.count;
    setStatus(t("in_view", total));
    mapEl.dataset.total = String(total);
    mapEl.dataset.summary = params.toString();
    mapEl.dataset.state = "ready";
  } catch (err) {
    if (err.name === "AbortError" || mine !== generation) return;
    mapEl.dataset.state = "error";
    setStatus(t("failed", err.message), true);
  }
}

// ---- Clicks, hovers and the chosen event --------------------------------------------------

let selectedId = null;
const hover = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 10, className: "hover-tip" });

function select(id) {
  if (selectedId !== null) map.setFeatureState({ source: "events", sourceLayer: "events", id: selectedId }, { selected: false });
  selectedId = id;
  if (id !== null) map.setFeatureState({ source: "events", sourceLayer: "events", id }, { selected: true });
}

const actions = { flyTo: flyToPlace, closed: () => select(null) };

map.on("click", "events", (e) => {
  const id = e.features[0]?.properties.id;
  if (!id) return;
  select(id);
  showEvent(id, actions);
});
map.on("click", "clusters", (e) => {
  map.easeTo({ center: e.lngLat, zoom: Math.min(map.getZoom() + 2, CLUSTER_MAX_ZOOM + 1) });
});
for (const layer of ["events", "clusters"]) {
  map.on("mousemove", layer, (e) => {
    map.getCanvas().style.cursor = "pointer";
    const p = e.features[0].properties;
    const text = p.count > 1
      ? t("cluster_tip", p.count, p.first_date, p.last_date)
      : `${p.event_date} · ${typeName(p.event_type)} · ${p.sub_event_type}${p.place_name ? ` · ${p.place_name}` : ""}`;
    hover.setLngLat(e.lngLat).setDOMContent(h("span", { dir: "auto" }, text)).addTo(map);
  });
  map.on("mouseleave", layer, () => {
    map.getCanvas().style.cursor = "";
    hover.remove();
  });
}

// ---- Places -------------------------------------------------------------------------------

let placeMarker = null;

function flyToPlace(place) {
  placeMarker?.remove();
  const ring = h("div", { class: "place-ring" }, h("span", { class: "place-label" }, placeName(place)));
  placeMarker = new maplibregl.Marker({ element: ring, anchor: "center" })
    .setLngLat([place.longitude, place.latitude]).addTo(map);
  mapEl.dataset.place = place.id;
  map.flyTo({ center: [place.longitude, place.latitude], zoom: ZOOM_BY_KIND[place.kind] || 12, duration: 600 });
}

async function searchPlaces(event) {
  event.preventDefault();
  const q = placeInput.value.trim();
  if (!q) return;
  placeResults.hidden = false;
  placeResults.replaceChildren(h("li", { class: "muted" }, t("searching")));
  try {
    const found = await getJSON(`/places?${new URLSearchParams({ q, limit: "8" })}`);
    const places = found.features.map((f) => f.properties);
    if (!places.length) {
      placeResults.replaceChildren(h("li", { class: "muted", dir: "auto" }, t("no_place", q)));
      return;
    }
    placeResults.replaceChildren(...places.map((place) => h("li", {},
      h("button", { type: "button", onclick: () => flyToPlace(place) },
        placeName(place), h("span", { class: "kind" }, ` ${place.kind}${place.governorate_pcode ? `, ${place.governorate_pcode}` : ""}`)))));
    flyToPlace(places[0]);
  } catch (err) {
    placeResults.replaceChildren(h("li", { class: "error" }, t("search_failed", err.message)));
  }
}

// ---- Wiring -------------------------------------------------------------------------------

function applyInitialState() {
  fromInput.value = fragment.get("from") || "";
  toInput.value = fragment.get("to") || "";
  const subType = fragment.get("sub_type") || "";
  const type = fragment.get("type") || parentOf(subType);
  if ([...typeSelect.options].some((o) => o.value === type)) typeSelect.value = type;
  showSubTypesOf(typeSelect.value);
  if (subType && parentOf(subType) === typeSelect.value) subSelect.value = subType;
}

function noteView() {
  const center = map.getCenter();
  mapEl.dataset.center = `${center.lat.toFixed(5)},${center.lng.toFixed(5)}`;
  mapEl.dataset.zoom = String(map.getZoom());
}

typeSelect.addEventListener("change", () => {
  showSubTypesOf(typeSelect.value);
  if (subSelect.value && parentOf(subSelect.value) !== typeSelect.value) subSelect.value = "";
  reload();
});
subSelect.addEventListener("change", () => {
  if (subSelect.value) typeSelect.value = parentOf(subSelect.value);
  showSubTypesOf(typeSelect.value);
  reload();
});
for (const input of [fromInput, toInput]) input.addEventListener("change", reload);
$("filters").addEventListener("reset", () => {
  // After the form has reset its fields.
  setTimeout(() => { showSubTypesOf(""); reload(); }, 0);
});
placeForm.addEventListener("submit", searchPlaces);
$("lang").addEventListener("click", () => {
  setLang(lang() === "ar" ? "en" : "ar");
  redrawLabels();
  writeFragment();
  if (mapEl.dataset.state === "ready") setStatus(t("in_view", Number(mapEl.dataset.total)));
});

/** The imported OCHA governorates replace Natural Earth's; #map's data-boundary-source says which. */
async function drawBoundaries() {
  const ocha = await getJSON(mapEl.dataset.boundaries).catch(() => null);
  if (ocha?.features?.length) {
    map.getSource("boundaries").setData(ocha);
    map.setLayoutProperty("governorates", "visibility", "none");
    $("basemap-note").dataset.i18n = "basemap_note_ocha";
    $("basemap-note").textContent = t("basemap_note_ocha");
  }
  mapEl.dataset.boundarySource = ocha?.features?.length ? "ocha" : "natural-earth";
}

let moveTimer = null;
map.on("moveend", () => {
  noteView();
  writeFragment();
  clearTimeout(moveTimer);
  moveTimer = setTimeout(() => {
    refreshCount();
    refreshTimeline();
  }, 150);
});
map.on("error", (e) => {
  // A tile that failed is said once in the status; the map keeps the others.
  if (e.sourceId === "events") setStatus(t("failed", e.error?.message || "tile"), true);
});

setLang(initialLang(fragment));
applyInitialState();
noteView();
map.on("load", async () => {
  reload();
  drawBoundaries();
  drawLabels(await getJSON(mapEl.dataset.basemap).catch(() => ({ features: [] })));
});
