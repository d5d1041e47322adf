#!/usr/bin/env bash
# Make sure GDAL's command-line tools (ogrinfo, ogr2ogr) are installed, from apt on
# Debian/Ubuntu: the OGC API – Features tests drive the real API with GDAL's OAPIF driver.
set -euo pipefail

if command -v ogrinfo >/dev/null 2>&1 && command -v ogr2ogr >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "GDAL (ogrinfo, ogr2ogr) is missing and this is not a Debian/Ubuntu system." >&2
  echo "Install GDAL 3.1+ with its command-line tools (the OGC API tests need them)." >&2
  exit 1
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing GDAL (gdal-bin) from apt ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gdal-bin >/dev/null
echo "GDAL installed: $(ogrinfo --version)"
