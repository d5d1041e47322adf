"""API keys, idempotency keys, complete and append-only event history, the change feed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

* ``api_keys``: only a SHA-256 of each key is stored (keys are 256 random bits, so a slow hash
  adds nothing); names identify people and own their drafts across key rotations.
* ``idempotency_keys``: the response of a POST, stored in the transaction of the write.
* ``event_versions``: each version holds the whole event (row, actors, places, report ids), so
  ``as_of`` and the change feed rebuild any past state. Versions are written by triggers in
  the writing transaction, also for direct SQL; ``txid`` (xid8) and ``seq`` order the feed.
* History is append-only: a trigger refuses UPDATE/DELETE/TRUNCATE of past versions, and the
  application runs as ``syria_events_app``, a role that may not write history at all.
  Future migrations must grant that role what it needs on their new tables.
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APP_ROLE = "syria_events_app"

SNAPSHOT_FN = """
CREATE FUNCTION se_event_snapshot(ev events) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  -- The whole event as it stands in this transaction: its row and its links.
  SELECT to_jsonb(ev) || jsonb_build_object(
    'actors', coalesce((
      SELECT jsonb_agg(jsonb_build_object('name', a.name, 'side', ea.side)
                       ORDER BY ea.side, a.name)
      FROM event_actors ea JOIN actors a ON a.id = ea.actor_id
      WHERE ea.event_id = ev.id), '[]'::jsonb),
    'places', coalesce((
      SELECT jsonb_agg(jsonb_build_object('id', ep.place_id, 'role', ep.role)
                       ORDER BY ep.role, ep.place_id)
      FROM event_places ep WHERE ep.event_id = ev.id), '[]'::jsonb),
    'reports', coalesce((
      SELECT jsonb_agg(r.public_id ORDER BY r.public_id)
      FROM event_reports er JOIN reports r ON r.id = er.report_id
      WHERE er.event_id = ev.id), '[]'::jsonb))
$$
"""

RECORD_FN = """
CREATE OR REPLACE FUNCTION se_events_record_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN
    RETURN NULL;
  END IF;
  INSERT INTO event_versions (event_id, version, op, data, changed_by, change_reason, write_id)
  VALUES (
    NEW.id, NEW.version,
    CASE WHEN TG_OP = 'INSERT' THEN 'create'
         WHEN NEW.merged_into_id IS NOT NULL AND OLD.merged_into_id IS NULL THEN 'merge'
         WHEN NEW.status = 'retracted' AND OLD.status <> 'retracted' THEN 'retract'
         WHEN NEW.status = 'published' AND OLD.status = 'draft' THEN 'publish'
         ELSE 'update' END,
    se_event_snapshot(NEW),
    coalesce(NULLIF(current_setting('se.actor', true), ''), NEW.updated_by, NEW.created_by),
    NULLIF(current_setting('se.reason', true), ''),
    NULLIF(current_setting('se.write', true), '')
  );
  RETURN NULL;
END $$
"""

RECORD_FN_0001 = """
CREATE OR REPLACE FUNCTION se_events_record_version() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN
    RETURN NULL;
  END IF;
  INSERT INTO event_versions (event_id, version, op, data, changed_by, change_reason)
  VALUES (
    NEW.id, NEW.version,
    CASE WHEN TG_OP = 'INSERT' THEN 'create'
         WHEN NEW.status = 'retracted' AND OLD.status <> 'retracted' THEN 'retract'
         ELSE 'update' END,
    to_jsonb(NEW) - 'search_text',
    coalesce(NULLIF(current_setting('se.actor', true), ''), NEW.updated_by, NEW.created_by),
    NULLIF(current_setting('se.reason', true), '')
  );
  RETURN NULL;
END $$
"""

# A link (actor, place, report) written by the change that wrote the event's current version
# (same transaction and same ``se.write``, which the API sets once per request) completes that
# version; written later, it makes a new version.
LINKS_FN = """
CREATE FUNCTION se_event_links_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ev events;
  current_version event_versions;
BEGIN
  SELECT * INTO ev FROM events
   WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.event_id ELSE NEW.event_id END;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  -- By primary key, then compared: a lookup by txid would walk every version this
  -- transaction wrote, which made bulk imports quadratic (bench/).
  SELECT * INTO current_version FROM event_versions
   WHERE event_id = ev.id AND version = ev.version;
  IF FOUND AND current_version.txid = pg_current_xact_id()
     AND current_version.write_id IS NOT DISTINCT FROM
         NULLIF(current_setting('se.write', true), '') THEN
    UPDATE event_versions SET data = se_event_snapshot(ev)
     WHERE event_id = ev.id AND version = ev.version;
  ELSE
    UPDATE events SET version = version + 1, updated_at = now() WHERE id = ev.id;
  END IF;
  RETURN NULL;
END $$
"""

GUARD_FN = """
CREATE FUNCTION se_event_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Only the transaction that wrote a version may complete its data before it commits.
  IF TG_OP = 'UPDATE' AND OLD.txid = pg_current_xact_id()
     AND (NEW.event_id, NEW.version, NEW.op, NEW.txid, NEW.seq, NEW.changed_at)
         IS NOT DISTINCT FROM (OLD.event_id, OLD.version, OLD.op, OLD.txid, OLD.seq, OLD.changed_at)
     AND (NEW.changed_by, NEW.change_reason, NEW.write_id)
         IS NOT DISTINCT FROM (OLD.changed_by, OLD.change_reason, OLD.write_id) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'event history is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$
"""

ROLE_DO = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    CREATE ROLE {APP_ROLE} NOLOGIN;
  END IF;
  IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
    EXECUTE format('GRANT {APP_ROLE} TO %I', current_user);
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'cannot create role {APP_ROLE}: set SE_DB_ROLE= (empty) to run without it';
END $$
"""

# What the application may do; everything else (DDL, DELETE of events, any write to history)
# it may not.
WRITABLE = {
    "events": "INSERT, UPDATE",
    "event_reports": "INSERT, UPDATE, DELETE",
    "event_places": "INSERT, UPDATE, DELETE",
    "event_actors": "INSERT, UPDATE, DELETE",
    "actors": "INSERT, UPDATE",
    "reports": "INSERT, UPDATE",
    "report_mentions": "INSERT, UPDATE, DELETE",
    "places": "INSERT, UPDATE",
    "place_names": "INSERT, UPDATE, DELETE",
    "api_keys": "INSERT, UPDATE",
    "idempotency_keys": "INSERT, UPDATE, DELETE",
}


def _grants() -> str:
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {APP_ROLE}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}",
        *(f"GRANT {what} ON {table} TO {APP_ROLE}" for table, what in WRITABLE.items()),
        f"REVOKE ALL ON event_versions FROM {APP_ROLE}",
        f"GRANT SELECT ON event_versions TO {APP_ROLE}",
    ]
    body = ";\n    ".join(statements)
    return f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    {body};
  END IF;
END $$
"""


def _set_ops(ops: str) -> None:
    # 0001 named it through the metadata's naming convention, hence the doubled prefix.
    name = "ck_event_versions_ck_event_versions_op"
    op.execute(f"ALTER TABLE event_versions DROP CONSTRAINT {name}")
    op.execute(f"ALTER TABLE event_versions ADD CONSTRAINT {name} CHECK (op IN ({ops}))")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("key_prefix", sa.Text, nullable=False),
        sa.Column("key_hash", sa.Text, nullable=False, unique=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
        sa.Column("created_by", sa.Text),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("role IN ('analyst', 'editor', 'admin')", name="ck_api_keys_role"),
        sa.CheckConstraint("name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'", name="ck_api_keys_name"),
    )
    op.create_index(
        "uq_api_keys_name_active",
        "api_keys",
        ["name"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("api_key_id", sa.BigInteger, sa.ForeignKey("api_keys.id"), primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("status_code", sa.SmallInteger),
        sa.Column("headers", sa.dialects.postgresql.JSONB),
        sa.Column("body", sa.Text),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
    )

    op.execute("ALTER TABLE event_versions ALTER COLUMN txid DROP DEFAULT")
    op.execute("ALTER TABLE event_versions ALTER COLUMN txid TYPE xid8 USING txid::xid8")
    op.execute("ALTER TABLE event_versions ALTER COLUMN txid SET DEFAULT pg_current_xact_id()")
    op.add_column("event_versions", sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False))
    op.create_index("ix_event_versions_txid_seq", "event_versions", ["txid", "seq"])
    op.add_column("event_versions", sa.Column("write_id", sa.Text))
    _set_ops("'create', 'update', 'publish', 'retract', 'merge'")
    # updated_since= and the sync clients that use it.
    op.create_index("ix_events_updated_at", "events", ["updated_at"])

    op.execute(SNAPSHOT_FN)
    op.execute(RECORD_FN)
    op.execute(LINKS_FN)
    for table in ("event_actors", "event_places", "event_reports"):
        op.execute(
            f"CREATE TRIGGER trg_{table}_version AFTER INSERT OR UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION se_event_links_changed()"
        )
    op.execute(
        "UPDATE event_versions v SET data = se_event_snapshot(e) FROM events e"
        " WHERE e.id = v.event_id AND v.version = e.version"
    )
    op.execute(GUARD_FN)
    op.execute(
        "CREATE TRIGGER trg_event_versions_guard BEFORE UPDATE OR DELETE ON event_versions"
        " FOR EACH ROW EXECUTE FUNCTION se_event_versions_guard()"
    )
    op.execute(
        "CREATE TRIGGER trg_event_versions_no_truncate BEFORE TRUNCATE ON event_versions"
        " FOR EACH STATEMENT EXECUTE FUNCTION se_event_versions_guard()"
    )
    op.execute(ROLE_DO)
    op.execute(_grants())


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS trg_event_versions_no_truncate ON event_versions")
    op.execute("DROP TRIGGER IF EXISTS trg_event_versions_guard ON event_versions")
    op.execute("DROP FUNCTION IF EXISTS se_event_versions_guard()")
    for table in ("event_actors", "event_places", "event_reports"):
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_version ON {table}")
    op.execute("DROP FUNCTION IF EXISTS se_event_links_changed()")
    op.drop_index("ix_events_updated_at", "events")
    op.execute("DELETE FROM event_versions WHERE op = 'publish'")
    _set_ops("'create', 'update', 'retract', 'merge'")
    op.drop_column("event_versions", "write_id")
    op.drop_index("ix_event_versions_txid_seq", "event_versions")
    op.drop_column("event_versions", "seq")
    op.execute("ALTER TABLE event_versions ALTER COLUMN txid DROP DEFAULT")
    op.execute("ALTER TABLE event_versions ALTER COLUMN txid TYPE text USING txid::text")
    op.execute(
        "ALTER TABLE event_versions ALTER COLUMN txid SET DEFAULT pg_current_xact_id()::text"
    )
    op.drop_table("idempotency_keys")
    op.drop_table("api_keys")
    op.execute(RECORD_FN_0001)
    op.execute("DROP FUNCTION IF EXISTS se_event_snapshot(events)")
