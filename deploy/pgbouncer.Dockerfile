# PgBouncer as Debian 12 packages it (1.18): the version whose behaviour tests/topology.py checks
# in `make test`, with the same pgbouncer.ini. Debian's stable release keeps 1.18 (security
# fixes only), so the version does not move under a rebuild. pg_isready is the healthcheck.
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends pgbouncer postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o postgres -g postgres -m 0700 /run/pgbouncer

COPY pgbouncer-start.sh /usr/local/bin/pgbouncer-start.sh
USER postgres
EXPOSE 6432
CMD ["sh", "/usr/local/bin/pgbouncer-start.sh"]
