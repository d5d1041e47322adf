#!/usr/bin/env bash
# Make sure a PostgreSQL server with PostGIS is installed, from apt on Debian/Ubuntu.
# Skipped when DATABASE_URL is set: the user brings their own server.
set -euo pipefail

if [ -n "${DATABASE_URL:-}" ]; then
  exit 0
fi

pg_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return
  fi
  # Debian keeps server binaries off PATH, one folder per major version.
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

has_postgis() {
  local bindir=$1 major sharedir
  major=$(basename "$(dirname "$bindir")")
  for sharedir in "/usr/share/postgresql/$major" "$("$bindir/pg_config" --sharedir 2>/dev/null || true)"; do
    ls "$sharedir"/extension/postgis.control >/dev/null 2>&1 && return 0
  done
  return 1
}

bindir=$(pg_bindir || true)
if [ -n "$bindir" ] && [ -x "$bindir/initdb" ] && has_postgis "$bindir"; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL with PostGIS is missing and this is not a Debian/Ubuntu system." >&2
  echo "Install PostgreSQL 13+ and PostGIS 3, or set DATABASE_URL to a PostGIS database." >&2
  exit 1
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing PostgreSQL + PostGIS from apt ..."
$SUDO apt-get update -qq
if [ -n "$bindir" ] && [ -x "$bindir/initdb" ]; then
  major=$(basename "$(dirname "$bindir")")
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-$major-postgis-3" >/dev/null
else
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql postgresql-contrib postgis >/dev/null
fi
# The Debian package starts a system cluster on 5432; we never use it, and leave it as apt set it up.
echo "PostgreSQL + PostGIS installed."
