#!/usr/bin/env bash
# Make sure wrk, the HTTP load generator, is installed, from apt on Debian/Ubuntu:
# `python -m bench.compare` measures this API, tipg and the floor with it.
set -euo pipefail

if command -v wrk >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "wrk is missing and this is not a Debian/Ubuntu system." >&2
  echo "Install wrk 4.x (https://github.com/wg/wrk); make bench-compare needs it." >&2
  exit 1
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing wrk from apt ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
echo "wrk installed: $(wrk -v 2>&1 | head -n 1)"
