"""Set-based history: statement-level version triggers with transition tables.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

What is recorded stays as 0002 defined it; how changes. The row-level triggers of 0002 ran
per event (one INSERT into ``event_versions``) and per link (find the event's version, then
rewrite its snapshot or bump it): a batch of 1,000 events with 1,550 actor links cost 1,000
version inserts and 1,550 snapshot rewrites. Here each statement on ``events`` or a link
table fires once, with its rows as transition tables: the versions of all its events in one
INSERT, completed or bumped in one UPDATE each (bench/load.py, 10,000 events in batches of
1,000: 355 events/s under 0002, 694 with these triggers; 20,000 events with events and
actors in one statement: 2,226). PostgreSQL allows transition tables only on a trigger of a
single event, hence one trigger per INSERT, UPDATE and DELETE.

* ``se_event_links(ids)``: the links part of ``se_event_snapshot`` for many events, each
  link table read once and grouped by event; a snapshot is the row's ``to_jsonb`` and that.
* ``events``: AFTER INSERT writes version 1 ('create') of every row; AFTER UPDATE writes a
  version of every row whose version moved (the row-level BEFORE UPDATE trigger of 0001
  still bumps it), with op merge / retract / publish / update as before.
* links: the events whose links a statement changed (both sides of an UPDATE that moves a
  link, where 0002 took the new side only); those whose current version this transaction
  wrote under the same ``se.write`` get that version's snapshot completed, the others a new
  version (their version bumped).
"""

from __future__ import annotations

from alembic import context, op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LINK_TABLES = ("event_actors", "event_places", "event_reports")

LINKS_JSON_FN = """
CREATE FUNCTION se_event_links(ids bigint[])
RETURNS TABLE (event_id bigint, links jsonb)
LANGUAGE sql STABLE AS $$
  -- The links part of se_event_snapshot() for each of these events: each link table read
  -- once, grouped by event.
  SELECT i.id, jsonb_build_object(
    'actors', coalesce(a.actors, '[]'::jsonb),
    'places', coalesce(p.places, '[]'::jsonb),
    'reports', coalesce(r.reports, '[]'::jsonb))
  FROM unnest(ids) AS i(id)
  LEFT JOIN (
    SELECT ea.event_id, jsonb_agg(jsonb_build_object('name', a.name, 'side', ea.side)
                                  ORDER BY ea.side, a.name) AS actors
    FROM event_actors ea JOIN actors a ON a.id = ea.actor_id
    WHERE ea.event_id = ANY(ids) GROUP BY ea.event_id) a ON a.event_id = i.id
  LEFT JOIN (
    SELECT ep.event_id, jsonb_agg(jsonb_build_object('id', ep.place_id, 'role', ep.role)
                                  ORDER BY ep.role, ep.place_id) AS places
    FROM event_places ep WHERE ep.event_id = ANY(ids) GROUP BY ep.event_id) p
    ON p.event_id = i.id
  LEFT JOIN (
    SELECT er.event_id, jsonb_agg(r.public_id ORDER BY r.public_id) AS reports
    FROM event_reports er JOIN reports r ON r.id = er.report_id
    WHERE er.event_id = ANY(ids) GROUP BY er.event_id) r ON r.event_id = i.id
$$
"""

# The writer, the reason and the write as 0002 records them, for rows aliased ``n``.
_WHO = """
    coalesce(NULLIF(current_setting('se.actor', true), ''), n.updated_by, n.created_by),
    NULLIF(current_setting('se.reason', true), ''),
    NULLIF(current_setting('se.write', true), '')"""

# The snapshot is se_event_snapshot()'s: the row (from the transition table, which is the
# row as the statement left it) and its links.
RECORD_FN = f"""
CREATE FUNCTION se_events_record_versions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  -- In id order, so that the feed's seq follows the order the rows were written in.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO event_versions (event_id, version, op, data, changed_by, change_reason, write_id)
    SELECT n.id, n.version, 'create', to_jsonb(n) || l.links, {_WHO}
    FROM new_events n
    JOIN se_event_links(ARRAY(SELECT id FROM new_events)) l ON l.event_id = n.id
    ORDER BY n.id;
  ELSE
    INSERT INTO event_versions (event_id, version, op, data, changed_by, change_reason, write_id)
    SELECT n.id, n.version,
      CASE WHEN n.merged_into_id IS NOT NULL AND o.merged_into_id IS NULL THEN 'merge'
           WHEN n.status = 'retracted' AND o.status <> 'retracted' THEN 'retract'
           WHEN n.status = 'published' AND o.status = 'draft' THEN 'publish'
           ELSE 'update' END,
      to_jsonb(n) || l.links, {_WHO}
    FROM new_events n JOIN old_events o ON o.id = n.id
    JOIN se_event_links(ARRAY(
      SELECT n.id FROM new_events n JOIN old_events o ON o.id = n.id
      WHERE n.version <> o.version)) l ON l.event_id = n.id
    ORDER BY n.id;
  END IF;
  RETURN NULL;
END $$
"""

# A link written by the change that wrote its event's current version (same transaction,
# same ``se.write``) completes that version; written later, it makes a new version. A
# version whose links already read as they stand is left as it is: events and links written
# by one statement (a data-modifying WITH) fire the events' trigger first, whose snapshot
# has the links already (bench/load.py: rewriting them anyway cost 120 ms per 1,000 events).
LINKS_FN = """
CREATE FUNCTION se_event_links_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  changed bigint[];
  completed bigint[];
  bumped bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    changed := ARRAY(SELECT DISTINCT event_id FROM new_links);
  ELSIF TG_OP = 'UPDATE' THEN
    changed := ARRAY(SELECT event_id FROM new_links UNION SELECT event_id FROM old_links);
  ELSE
    changed := ARRAY(SELECT DISTINCT event_id FROM old_links);
  END IF;
  SELECT array_agg(e.id) FILTER (WHERE w.same),
         array_agg(e.id) FILTER (WHERE NOT w.same)
    INTO completed, bumped
    FROM events e
    LEFT JOIN event_versions v ON v.event_id = e.id AND v.version = e.version
    CROSS JOIN LATERAL (SELECT coalesce(v.txid = pg_current_xact_id()
      AND v.write_id IS NOT DISTINCT FROM NULLIF(current_setting('se.write', true), ''),
      false) AS same) w
   WHERE e.id = ANY(changed);
  IF completed IS NOT NULL THEN
    UPDATE event_versions v SET data = to_jsonb(e) || l.links
      FROM events e JOIN se_event_links(completed) l ON l.event_id = e.id
     WHERE v.event_id = e.id AND v.version = e.version
       AND (v.data->'actors', v.data->'places', v.data->'reports')
           IS DISTINCT FROM (l.links->'actors', l.links->'places', l.links->'reports');
  END IF;
  IF bumped IS NOT NULL THEN
    UPDATE events SET version = version + 1, updated_at = now() WHERE id = ANY(bumped);
  END IF;
  RETURN NULL;
END $$
"""


def _migration_0002():  # type: ignore[no-untyped-def]
    """0002's module, for its function definitions: the downgrade restores them as they were."""
    return context.script.get_revision("0002").module


def upgrade() -> None:
    op.execute("DROP TRIGGER trg_events_record_version ON events")
    for table in LINK_TABLES:
        op.execute(f"DROP TRIGGER trg_{table}_version ON {table}")
    op.execute("DROP FUNCTION se_events_record_version()")
    op.execute("DROP FUNCTION se_event_links_changed()")
    op.execute(LINKS_JSON_FN)
    op.execute(RECORD_FN)
    op.execute(LINKS_FN)
    op.execute(
        "CREATE TRIGGER trg_events_version_insert AFTER INSERT ON events"
        " REFERENCING NEW TABLE AS new_events"
        " FOR EACH STATEMENT EXECUTE FUNCTION se_events_record_versions()"
    )
    op.execute(
        "CREATE TRIGGER trg_events_version_update AFTER UPDATE ON events"
        " REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events"
        " FOR EACH STATEMENT EXECUTE FUNCTION se_events_record_versions()"
    )
    for table in LINK_TABLES:
        for event, tables in (
            ("INSERT", "NEW TABLE AS new_links"),
            ("UPDATE", "OLD TABLE AS old_links NEW TABLE AS new_links"),
            ("DELETE", "OLD TABLE AS old_links"),
        ):
            op.execute(
                f"CREATE TRIGGER trg_{table}_version_{event.lower()} AFTER {event} ON {table}"
                f" REFERENCING {tables}"
                " FOR EACH STATEMENT EXECUTE FUNCTION se_event_links_record()"
            )


def downgrade() -> None:
    for table in LINK_TABLES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER trg_{table}_version_{event} ON {table}")
    op.execute("DROP TRIGGER trg_events_version_update ON events")
    op.execute("DROP TRIGGER trg_events_version_insert ON events")
    op.execute("DROP FUNCTION se_event_links_record()")
    op.execute("DROP FUNCTION se_events_record_versions()")
    op.execute("DROP FUNCTION se_event_links(bigint[])")
    previous = _migration_0002()
    op.execute(previous.RECORD_FN)
    op.execute(previous.LINKS_FN)
    op.execute(
        "CREATE TRIGGER trg_events_record_version AFTER INSERT OR UPDATE ON events"
        " FOR EACH ROW EXECUTE FUNCTION se_events_record_version()"
    )
    for table in LINK_TABLES:
        op.execute(
            f"CREATE TRIGGER trg_{table}_version AFTER INSERT OR UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION se_event_links_changed()"
        )
