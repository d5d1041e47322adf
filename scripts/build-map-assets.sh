#!/usr/bin/env bash
# The map page's browser library (Leaflet), from the npm registry at the exact version
# app/map/web/package-lock.json pins (install scripts off), copied into the git-ignored
# app/map/static/vendor/ that the app serves under /static/map/vendor/. No bundling, no build.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-node.sh
web=app/map/web
vendor=app/map/static/vendor
(cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

# Copied to a fresh folder and swapped in, so a failed copy never leaves half the files.
mkdir -p "$(dirname "$vendor")"
staging=$(mktemp -d "$vendor.XXXXXX")
trap 'rm -rf "$staging"' EXIT
dist=$web/node_modules/leaflet/dist
mkdir -p "$staging/leaflet/images"
cp "$dist/leaflet.js" "$dist/leaflet.js.map" "$dist/leaflet.css" "$web/node_modules/leaflet/LICENSE" \
  "$staging/leaflet/"
cp "$dist"/images/*.png "$staging/leaflet/images/"
rm -rf "$vendor"
mv "$staging" "$vendor"
chmod 755 "$vendor"
trap - EXIT
echo "Map assets: leaflet $(node -p "require('./$web/node_modules/leaflet/package.json').version") in $vendor/"
