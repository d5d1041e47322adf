#!/bin/sh
# The primary's first start (docker-entrypoint-initdb.d: once, on an empty volume, after the
# image's 10_postgis.sh): a role that may stream WAL, its pg_hba line, and the replica's slot,
# so that the primary keeps the WAL a replica that is down has not had yet. Sourced or run by
# the image's entrypoint, so no `set` here: a failing command already stops the first start.
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"

psql -v ON_ERROR_STOP=1 -v password="$REPLICATION_PASSWORD" \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SELECT pg_create_physical_replication_slot('replica1');
SQL

# A replication connection matches no `all` database line: it needs its own.
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
