#!/usr/bin/env bash
# Make sure node and npm are installed (for `make assets`: the map page's browser library
# comes from the npm registry at install time), from apt on Debian/Ubuntu when missing.
set -euo pipefail

if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "node and npm are missing and this is not a Debian/Ubuntu system." >&2
  echo "Install Node.js 18+ with npm (the map page's assets come from the npm registry)." >&2
  exit 1
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing node and npm from apt ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
echo "node $(node --version) and npm $(npm --version) installed."
