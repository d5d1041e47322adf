"""data_changes: one row per transaction that wrote what public reads render.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

The validators of lists, statistics and tiles are made from a data version that one cheap
statement reads (``app/caching/repository.py`` says why it is exact):

* ``data_changes(txid, n, at)``: a statement-level AFTER INSERT OR UPDATE OR DELETE OR
  TRUNCATE trigger on every table that public reads render upserts its transaction's row
  (``txid`` the top-level transaction, ``n`` 1, ``at`` the time of its latest write). A
  transaction that writes a thousand statements still writes one row, updated in place.
* ``se_data_changes_prune()`` folds every committed row but the newest into the newest (``n``
  summed, ``at`` the latest): ``sum(n)`` and ``max(at)``, the version, are unchanged by it.
  One prune at a time (an advisory lock); rows of transactions still running are invisible
  to it and stay for the next.

Written by SECURITY DEFINER functions only: the application's role may read the table, not
write it, as for the roll-ups (0006).
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

APP_ROLE = "syria_events_app"
# Every table whose rows a list, an item, a detail, a tile or a statistic renders or filters
# on. (event_versions, for as_of reads, is written only with events; the roll-ups only from
# events and event_actors.)
TABLES = (
    "events",
    "event_places",
    "event_reports",
    "event_actors",
    "places",
    "place_names",
    "actors",
    "reports",
    "governorates",
    "event_types",
)
# pg_try_advisory_xact_lock key of the prune ("se_chang" in ASCII, as an int8).
PRUNE_LOCK = 0x73655F6368616E67

RECORD_FN = """
CREATE FUNCTION se_data_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO data_changes (txid, at) VALUES (pg_current_xact_id(), clock_timestamp())
  ON CONFLICT (txid) DO UPDATE SET at = excluded.at;
  RETURN NULL;
END $$
"""

PRUNE_FN = f"""
CREATE FUNCTION se_data_changes_prune() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  kept xid8;
  folded bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock({PRUNE_LOCK}) THEN
    RETURN 0;
  END IF;
  SELECT max(txid) INTO kept FROM data_changes;
  WITH gone AS (
    DELETE FROM data_changes WHERE txid < kept RETURNING n, at
  ), total AS (
    SELECT count(*) AS rows, sum(n) AS n, max(at) AS at FROM gone
  ), into_kept AS (
    UPDATE data_changes d SET n = d.n + t.n, at = greatest(d.at, t.at)
    FROM total t WHERE d.txid = kept AND t.rows > 0
  )
  SELECT rows INTO folded FROM total;
  RETURN coalesce(folded, 0);
END $$
"""


def upgrade() -> None:
    op.execute(
        "CREATE TABLE data_changes (txid xid8 NOT NULL, n bigint NOT NULL DEFAULT 1,"
        " at timestamptz NOT NULL, CONSTRAINT pk_data_changes PRIMARY KEY (txid))"
    )
    op.execute(RECORD_FN)
    op.execute(PRUNE_FN)
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER trg_{table}_data_changed"
            f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION se_data_changed()"
        )
    # A first row: the data as migrated has a version (and a Last-Modified) of its own.
    op.execute(
        "INSERT INTO data_changes (txid, at) VALUES (pg_current_xact_id(), clock_timestamp())"
    )
    op.execute(f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    GRANT SELECT ON data_changes TO {APP_ROLE};
  END IF;
END $$""")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_data_changed ON {table}")
    op.execute("DROP FUNCTION IF EXISTS se_data_changes_prune()")
    op.execute("DROP FUNCTION IF EXISTS se_data_changed()")
    op.execute("DROP TABLE IF EXISTS data_changes")
