#!/bin/sh
# The replica's start, in place of the image's entrypoint, as the postgres user. On an empty
# volume: a copy of the primary by pg_basebackup, whose -R makes it a standby (standby.signal,
# and primary_conninfo with the replication password in postgresql.auto.conf) streaming through
# the slot primary-init.sh made. Then PostgreSQL as a hot standby. A copy cut short is removed
# by pg_basebackup itself, and the next start (restart: unless-stopped) copies again.
set -eu
: "${PGDATA:?}" "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
primary=${PRIMARY_HOST:-primary}
port=${PRIMARY_PORT:-5432}
slot=${REPLICATION_SLOT:-replica1}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -q -h "$primary" -p "$port"; do sleep 1; done
    echo "replica: copying $primary (pg_basebackup, slot $slot)"
    PGPASSWORD=$REPLICATION_PASSWORD pg_basebackup -h "$primary" -p "$port" -U replicator \
        -D "$PGDATA" -R -X stream -S "$slot" -c fast --no-password
    # The image makes the volume's folder 1777; PostgreSQL wants it private.
    chmod 0700 "$PGDATA"
fi

# hot_standby_feedback: the primary's vacuum keeps the rows a read on the replica still sees,
# so that long reads here are not cancelled ("conflict with recovery"). max_connections: at
# least the primary's (docker-compose.scaled.yml). Arguments (compose's command:) add to them.
exec postgres -D "$PGDATA" -c hot_standby=on -c hot_standby_feedback=on -c max_connections=200 "$@"
