"""Roll-ups for statistics, kept exact by the write path.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

``/stats/timeseries`` and ``/stats/summary`` aggregated every matching event on each request
(1.6 s for a monthly series by type on 817,000 events). They now sum roll-ups instead:

* Roll-ups ("levels") of counts and fatality sums per period (day or month), status, owner
  (a draft's author, '' otherwise: analysts see only their own drafts) and a few
  dimensions: events per day and per month by type, sub-type and governorate ('' for none),
  also by type only and by governorate only (smaller, for the common questions), and each
  event under each distinct actor (actor_id 0: an event without actors) per day and month.
* The write path appends deltas only: statement-level AFTER triggers with transition tables
  on ``events`` (INSERT, UPDATE) and ``event_actors`` (INSERT, UPDATE, DELETE) insert
  aggregated delta rows (an UPDATE subtracts the old rows and adds the new ones). Writers
  never update a shared row, so concurrent writes neither wait on a hot month nor deadlock.
  Readers sum the roll-ups and the pending deltas in one snapshot.
* ``se_rollup_compact(n)`` folds up to n committed deltas into every roll-up in one
  statement (DELETE ... RETURNING, then upserts): deltas of transactions still running are
  invisible to it and stay for the next fold, so the sums stay exact under concurrency; an
  advisory lock keeps folds one at a time. Zero rows are left in place (harmless to sums).
* Events are never deleted (their versions refer to them, and history is append-only), so
  ``events`` needs no DELETE trigger.

The triggers and the fold are SECURITY DEFINER: the application's role may read roll-ups
but not write them, as for history.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APP_ROLE = "syria_events_app"
# Frozen copy of app/stats/rollup_repository.py's levels: table -> (unit, dimensions).
EVENT_DIMS = ("event_type", "sub_event_type", "governorate_pcode")
EVENT_LEVELS = {
    "stats_days": ("day", EVENT_DIMS),
    "stats_days_by_type": ("day", ("event_type", "sub_event_type")),
    "stats_days_by_governorate": ("day", ("governorate_pcode",)),
    "stats_months": ("month", EVENT_DIMS),
    "stats_months_by_type": ("month", ("event_type", "sub_event_type")),
    "stats_months_by_governorate": ("month", ("governorate_pcode",)),
}
ACTOR_LEVELS = {
    "stats_actor_days": ("day", ("actor_id",)),
    "stats_actor_months": ("month", ("actor_id",)),
}
DELTAS = {"stats_event_deltas": EVENT_DIMS, "stats_actor_deltas": ("actor_id",)}
# pg_try_advisory_xact_lock key of the fold ("se_rollup" in ASCII, as an int8).
FOLD_LOCK = 0x73655F726F6C6C75


def _owner(row: str) -> str:
    return f"CASE WHEN {row}.status = 'draft' THEN coalesce({row}.created_by, '') ELSE '' END"


def _columns(dims: tuple[str, ...]) -> str:
    types = ", ".join(f"{d} {'bigint' if d == 'actor_id' else 'text'} NOT NULL" for d in dims)
    return f"period date NOT NULL, status text NOT NULL, owner text NOT NULL, {types}"


def _create(table: str, dims: tuple[str, ...], *, keyed: bool) -> str:
    # Counts as integer: sum() of integers adds in int8, of bigints in numeric (slower).
    # Roll-ups leave a third of each page free so that a fold updates rows in place (HOT, no
    # index entry): folding 2,000 deltas into stats_days took 40 ms instead of 75.
    key = f", CONSTRAINT pk_{table} PRIMARY KEY (period, status, owner, {', '.join(dims)})"
    return f"""
CREATE TABLE {table} ({_columns(dims)}, n integer NOT NULL, fatalities integer NOT NULL
  {key + ") WITH (fillfactor = 70" if keyed else ""})"""


EVENTS_INSERTED = f"""
CREATE FUNCTION se_rollup_events_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO stats_event_deltas
    (period, status, owner, event_type, sub_event_type, governorate_pcode, n, fatalities)
  SELECT r.event_date, r.status, {_owner("r")}, r.event_type, r.sub_event_type,
         coalesce(r.governorate_pcode, ''), count(*), coalesce(sum(r.fatalities), 0)
  FROM new_rows r GROUP BY 1, 2, 3, 4, 5, 6;
  -- A new event has no actor links yet: the links' own trigger moves it from 0 to them.
  INSERT INTO stats_actor_deltas (period, status, owner, actor_id, n, fatalities)
  SELECT r.event_date, r.status, {_owner("r")}, 0, count(*), coalesce(sum(r.fatalities), 0)
  FROM new_rows r GROUP BY 1, 2, 3;
  RETURN NULL;
END $$
"""

EVENTS_UPDATED = f"""
CREATE FUNCTION se_rollup_events_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  -- Each changed event once as it was (sign -1) and once as it is (+1); an update that
  -- changes nothing counted (a version bump, a description) adds nothing.
  WITH changed AS MATERIALIZED (
    SELECT x.*
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES
      (o.id, -1, o.event_date, o.status, {_owner("o")}, o.event_type, o.sub_event_type,
       coalesce(o.governorate_pcode, ''), coalesce(o.fatalities, 0)),
      (n.id, 1, n.event_date, n.status, {_owner("n")}, n.event_type, n.sub_event_type,
       coalesce(n.governorate_pcode, ''), coalesce(n.fatalities, 0))
    ) AS x(id, sign, period, status, owner, event_type, sub_event_type, governorate_pcode,
           fatalities)
    WHERE (o.event_date, o.status, {_owner("o")}, o.event_type, o.sub_event_type,
           o.governorate_pcode, o.fatalities)
          IS DISTINCT FROM (n.event_date, n.status, {_owner("n")}, n.event_type,
                            n.sub_event_type, n.governorate_pcode, n.fatalities)
  ), by_event AS (
    INSERT INTO stats_event_deltas
      (period, status, owner, event_type, sub_event_type, governorate_pcode, n, fatalities)
    SELECT period, status, owner, event_type, sub_event_type, governorate_pcode, sum(sign),
           sum(sign * fatalities)
    FROM changed GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(sign) <> 0 OR sum(sign * fatalities) <> 0
  )
  INSERT INTO stats_actor_deltas (period, status, owner, actor_id, n, fatalities)
  SELECT c.period, c.status, c.owner, coalesce(l.actor_id, 0), sum(c.sign),
         sum(c.sign * c.fatalities)
  FROM changed c
  LEFT JOIN (SELECT DISTINCT event_id, actor_id FROM event_actors
             WHERE event_id IN (SELECT id FROM changed)) l ON l.event_id = c.id
  GROUP BY 1, 2, 3, 4 HAVING sum(c.sign) <> 0 OR sum(c.sign * c.fatalities) <> 0;
  RETURN NULL;
END $$
"""

_NO_LINKS = (
    "(SELECT NULL::bigint AS event_id, NULL::bigint AS actor_id, NULL::text AS side"
    " WHERE false) AS no_links"
)


def _links_changed(op_name: str, new: str, old: str) -> str:
    """An event's distinct actors (or 0) before and after the statement: the links now,
    less the statement's new rows, plus its old ones. Each actor that came counts the event
    (+1), each that went uncounts it (-1), with the event's period, status and toll."""
    return f"""
CREATE FUNCTION se_rollup_actors_{op_name}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  WITH ev AS MATERIALIZED (
    SELECT e.id, e.event_date, e.status, {_owner("e")} AS owner,
           coalesce(e.fatalities, 0) AS fatalities
    FROM events e
    WHERE e.id IN (SELECT event_id FROM {new} UNION SELECT event_id FROM {old})
  ), now_links AS MATERIALIZED (
    SELECT event_id, actor_id, side FROM event_actors WHERE event_id IN (SELECT id FROM ev)
  ), before_links AS (
    (SELECT * FROM now_links EXCEPT SELECT event_id, actor_id, side FROM {new})
    UNION SELECT event_id, actor_id, side FROM {old}
  ), after_sets AS (
    SELECT DISTINCT ev.id, coalesce(l.actor_id, 0) AS actor_id
    FROM ev LEFT JOIN now_links l ON l.event_id = ev.id
  ), before_sets AS (
    SELECT DISTINCT ev.id, coalesce(l.actor_id, 0) AS actor_id
    FROM ev LEFT JOIN before_links l ON l.event_id = ev.id
  ), diff AS (
    SELECT a.id, a.actor_id, 1 AS sign FROM (TABLE after_sets EXCEPT TABLE before_sets) a
    UNION ALL
    SELECT b.id, b.actor_id, -1 FROM (TABLE before_sets EXCEPT TABLE after_sets) b
  )
  INSERT INTO stats_actor_deltas (period, status, owner, actor_id, n, fatalities)
  SELECT ev.event_date, ev.status, ev.owner, d.actor_id, sum(d.sign),
         sum(d.sign * ev.fatalities)
  FROM diff d JOIN ev ON ev.id = d.id GROUP BY 1, 2, 3, 4;
  RETURN NULL;
END $$
"""


def _fold(deltas: str, levels: dict[str, tuple[str, tuple[str, ...]]]) -> str:
    """Up to max_rows committed deltas, deleted and added to every level in one statement."""
    ctes = [
        f"""moved AS (
    DELETE FROM {deltas} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {deltas} LIMIT max_rows))
    RETURNING *)"""
    ]
    for table, (unit, dims) in levels.items():
        period = "period" if unit == "day" else "date_trunc('month', period::timestamp)::date"
        keys = ", ".join(("period", "status", "owner", *dims))
        ctes.append(f"""{table}_fold AS (
    INSERT INTO {table} ({keys}, n, fatalities)
    SELECT {period}, status, owner, {", ".join(dims)}, sum(n), sum(fatalities)
    FROM moved GROUP BY {", ".join(str(i) for i in range(1, len(dims) + 4))}
    ON CONFLICT ({keys}) DO UPDATE
    SET n = {table}.n + EXCLUDED.n, fatalities = {table}.fatalities + EXCLUDED.fatalities)""")
    return f"  WITH {', '.join(ctes)}\n  SELECT count(*) INTO moved_rows FROM moved;"


COMPACT = f"""
CREATE FUNCTION se_rollup_compact(max_rows integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  moved_rows bigint;
  folded bigint := 0;
BEGIN
  -- One fold at a time: two would upsert the same roll-up rows and wait on each other.
  IF NOT pg_try_advisory_xact_lock({FOLD_LOCK}) THEN
    RETURN 0;
  END IF;
{_fold("stats_event_deltas", EVENT_LEVELS)}
  folded := moved_rows;
{_fold("stats_actor_deltas", ACTOR_LEVELS)}
  RETURN folded + moved_rows;
END $$
"""

TRIGGERS = {
    "se_rollup_events_inserted": "AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows",
    "se_rollup_events_updated": "AFTER UPDATE ON events"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "se_rollup_actors_inserted": "AFTER INSERT ON event_actors REFERENCING NEW TABLE AS new_rows",
    "se_rollup_actors_updated": "AFTER UPDATE ON event_actors"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "se_rollup_actors_deleted": "AFTER DELETE ON event_actors REFERENCING OLD TABLE AS old_rows",
}


def _backfill() -> list[str]:
    """The full day levels from the events and their links, the others from those."""
    event_keys = ", ".join(EVENT_DIMS)
    statements = [
        f"""
INSERT INTO stats_days (period, status, owner, {event_keys}, n, fatalities)
SELECT e.event_date, e.status, {_owner("e")}, e.event_type, e.sub_event_type,
       coalesce(e.governorate_pcode, ''), count(*), coalesce(sum(e.fatalities), 0)
FROM events e GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6""",
        f"""
INSERT INTO stats_actor_days (period, status, owner, actor_id, n, fatalities)
SELECT e.event_date, e.status, {_owner("e")}, coalesce(l.actor_id, 0), count(*),
       coalesce(sum(e.fatalities), 0)
FROM events e
LEFT JOIN (SELECT DISTINCT event_id, actor_id FROM event_actors) l ON l.event_id = e.id
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""",
    ]
    for levels, days in ((EVENT_LEVELS, "stats_days"), (ACTOR_LEVELS, "stats_actor_days")):
        for table, (unit, dims) in levels.items():
            if table == days:
                continue
            period = "period" if unit == "day" else "date_trunc('month', period::timestamp)::date"
            groups = ", ".join(str(i) for i in range(1, len(dims) + 4))
            statements.append(f"""
INSERT INTO {table} (period, status, owner, {", ".join(dims)}, n, fatalities)
SELECT {period}, status, owner, {", ".join(dims)}, sum(n), sum(fatalities)
FROM {days} GROUP BY {groups} ORDER BY {groups}""")
    return statements


def _grant() -> str:
    tables = ", ".join([*EVENT_LEVELS, *ACTOR_LEVELS, *DELTAS])
    return f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    GRANT SELECT ON {tables} TO {APP_ROLE};
  END IF;
END $$
"""


def upgrade() -> None:
    for table, (_, dims) in {**EVENT_LEVELS, **ACTOR_LEVELS}.items():
        op.execute(_create(table, dims, keyed=True))
    for table, dims in DELTAS.items():
        op.execute(_create(table, dims, keyed=False))
    op.execute(EVENTS_INSERTED)
    op.execute(EVENTS_UPDATED)
    op.execute(_links_changed("inserted", "new_rows", _NO_LINKS))
    op.execute(_links_changed("updated", "new_rows", "old_rows"))
    op.execute(_links_changed("deleted", _NO_LINKS, "old_rows"))
    op.execute(COMPACT)
    # Triggers first, then the backfill: CREATE TRIGGER locks out writers until this
    # migration commits, so every event is either in the backfill or in a delta.
    for name, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER trg_{name} {when} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    for statement in _backfill():
        op.execute(statement)
    op.execute(_grant())


def downgrade() -> None:
    for name, when in TRIGGERS.items():
        table = when.split(" ON ")[1].split()[0]
        op.execute(f"DROP TRIGGER IF EXISTS trg_{name} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.execute("DROP FUNCTION IF EXISTS se_rollup_compact(integer)")
    for table in [*EVENT_LEVELS, *ACTOR_LEVELS, *DELTAS]:
        op.execute(f"DROP TABLE IF EXISTS {table}")
