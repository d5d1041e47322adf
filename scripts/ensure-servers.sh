#!/usr/bin/env bash
# Make sure the servers of the scaled-out topology are installed, from apt on Debian/Ubuntu:
# nginx (cache + balance), Redis (shared rate limits) and PgBouncer. The topology test and
# the scaling bench start their own instances on loopback; the packages' own services are
# never started (a policy-rc.d refuses them while apt runs).
set -euo pipefail

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing ${missing[*]}, and this is not a Debian/Ubuntu system." >&2
  echo "Install nginx, redis-server and pgbouncer; the topology test needs them." >&2
  exit 1
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
policy=/usr/sbin/policy-rc.d
placed=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  placed=1
fi
cleanup() { [ -z "$placed" ] || $SUDO rm -f "$policy"; }
trap cleanup EXIT

echo "Installing ${missing[*]} from apt ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
