#!/bin/sh
# PgBouncer's start in its container: the auth_file written from DB_USER and DB_PASSWORD, then
# pgbouncer in the foreground (docker's SIGTERM stops it at once).
# The auth_file's format (userlist.txt): one line per user, `"name" "password"`, a double
# quote inside a value doubled. A plain password serves both ends: PgBouncer checks clients'
# SCRAM logins against it and logs in to the primary with it.
set -eu
: "${DB_USER:?set DB_USER}" "${DB_PASSWORD:?set DB_PASSWORD}"
auth_file=${AUTH_FILE:-/run/pgbouncer/userlist.txt}

quoted() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }

umask 077
printf '%s %s\n' "$(quoted "$DB_USER")" "$(quoted "$DB_PASSWORD")" >"$auth_file"
exec pgbouncer /etc/pgbouncer/pgbouncer.ini
