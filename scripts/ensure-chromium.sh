#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser test of the map page (Playwright
# drives it through executable_path; Playwright's own browser downloads are never used).
# Skipped when SE_CHROMIUM points at another browser binary that exists.
set -euo pipefail

CHROMIUM=${SE_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is missing at $CHROMIUM and this is not a Debian/Ubuntu system." >&2
  echo "Install Chromium and set SE_CHROMIUM to its binary, or the map's browser test is skipped." >&2
  exit 1
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Chromium from apt (for the map page's browser test) ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "Chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
