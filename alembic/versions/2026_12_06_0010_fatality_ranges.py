"""Fatalities as a range: events.fatalities_low, fatalities_high, civilian_fatalities.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

UCDP GED gives deaths as best / low / high and counts civilian deaths; ACLED gives one figure.
``fatalities`` stays the single (best) figure; three nullable columns hold the range and the
civilian deaths where a source or an analyst knows them. Checks: each is >= 0; low <=
fatalities <= high (and low <= high) where both ends of a comparison are known; civilian
deaths at most the high figure, or the best one when there is no high.

Every existing value and version is kept: the columns are added empty (no table rewrite) and
``event_versions`` is not touched. The version triggers (0002, 0005) snapshot the row with
``to_jsonb``, so versions written from now on carry the three keys by themselves; older
versions lack them, which history and ``as_of`` read as null.

Statistics sum each figure through the roll-ups of 0006: every roll-up and delta table gains
the three sums, and the functions that append deltas and fold them are replaced by ones that
carry them. The rule of an event's share (app/stats/repository.py ``MEASURES``, frozen
here): low and high where known, else the best figure; civilian deaths where known; an
unknown figure as 0. Existing events know no range, so their low and high sums are their
fatality sums and their civilian sums 0: the backfill copies ``fatalities`` and is exact
for pending deltas too. ``ALTER TABLE events`` holds its lock until this migration commits,
so no writer appends a delta between the backfill and the new functions.
"""

from __future__ import annotations

from typing import Any

from alembic import context, op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ("fatalities_low", "fatalities_high", "civilian_fatalities")
CHECKS = {
    "ck_events_fatalities_low": "fatalities_low >= 0",
    "ck_events_fatalities_high": "fatalities_high >= 0",
    "ck_events_civilian_fatalities": "civilian_fatalities >= 0",
    # NULL passes a check: each comparison binds only when both of its sides are known.
    "ck_events_fatalities_range": "fatalities_low <= fatalities AND fatalities <= fatalities_high"
    " AND fatalities_low <= fatalities_high",
    "ck_events_civilian_fatalities_range": "civilian_fatalities"
    " <= coalesce(fatalities_high, fatalities)",
}
# What one event adds to each sum of a roll-up, for rows aliased {r}.
MEASURES = {
    "fatalities": "coalesce({r}.fatalities, 0)",
    "fatalities_low": "coalesce({r}.fatalities_low, {r}.fatalities, 0)",
    "fatalities_high": "coalesce({r}.fatalities_high, {r}.fatalities, 0)",
    "civilian_fatalities": "coalesce({r}.civilian_fatalities, 0)",
}
SUMS = ", ".join(MEASURES)


def _migration_0006() -> Any:
    """0006's module: its roll-up tables, owner rule and functions (restored on downgrade)."""
    return context.script.get_revision("0006").module


def _values(r: str) -> str:
    return ", ".join(expr.format(r=r) for expr in MEASURES.values())


def _sums(r: str, sign: str = "") -> str:
    return ", ".join(f"sum({sign}{expr.format(r=r)})" for expr in MEASURES.values())


def _named(r: str) -> str:
    return ", ".join(f"{expr.format(r=r)} AS {m}" for m, expr in MEASURES.items())


def _any_moved(sign: str, prefix: str = "") -> str:
    """HAVING: a delta row that moves a count or any sum."""
    moved = [f"sum({sign}) <> 0", *(f"sum({sign} * {prefix}{m}) <> 0" for m in MEASURES)]
    return " OR ".join(moved)


def _events_inserted(owner: Any) -> str:
    return f"""
CREATE OR REPLACE FUNCTION se_rollup_events_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO stats_event_deltas
    (period, status, owner, event_type, sub_event_type, governorate_pcode, n, {SUMS})
  SELECT r.event_date, r.status, {owner("r")}, r.event_type, r.sub_event_type,
         coalesce(r.governorate_pcode, ''), count(*), {_sums("r")}
  FROM new_rows r GROUP BY 1, 2, 3, 4, 5, 6;
  -- A new event has no actor links yet: the links' own trigger moves it from 0 to them.
  INSERT INTO stats_actor_deltas (period, status, owner, actor_id, n, {SUMS})
  SELECT r.event_date, r.status, {owner("r")}, 0, count(*), {_sums("r")}
  FROM new_rows r GROUP BY 1, 2, 3;
  RETURN NULL;
END $$
"""


def _events_updated(owner: Any) -> str:
    raw = ", ".join(f"{{r}}.{c}" for c in ("fatalities", *COLUMNS))
    return f"""
CREATE OR REPLACE FUNCTION se_rollup_events_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  -- Each changed event once as it was (sign -1) and once as it is (+1); an update that
  -- changes nothing counted (a version bump, a description) adds nothing.
  WITH changed AS MATERIALIZED (
    SELECT x.*
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES
      (o.id, -1, o.event_date, o.status, {owner("o")}, o.event_type, o.sub_event_type,
       coalesce(o.governorate_pcode, ''), {_values("o")}),
      (n.id, 1, n.event_date, n.status, {owner("n")}, n.event_type, n.sub_event_type,
       coalesce(n.governorate_pcode, ''), {_values("n")})
    ) AS x(id, sign, period, status, owner, event_type, sub_event_type, governorate_pcode,
           {SUMS})
    WHERE (o.event_date, o.status, {owner("o")}, o.event_type, o.sub_event_type,
           o.governorate_pcode, {raw.format(r="o")})
          IS DISTINCT FROM (n.event_date, n.status, {owner("n")}, n.event_type,
                            n.sub_event_type, n.governorate_pcode, {raw.format(r="n")})
  ), by_event AS (
    INSERT INTO stats_event_deltas
      (period, status, owner, event_type, sub_event_type, governorate_pcode, n, {SUMS})
    SELECT period, status, owner, event_type, sub_event_type, governorate_pcode, sum(sign),
           {", ".join(f"sum(sign * {m})" for m in MEASURES)}
    FROM changed GROUP BY 1, 2, 3, 4, 5, 6
    HAVING {_any_moved("sign")}
  )
  INSERT INTO stats_actor_deltas (period, status, owner, actor_id, n, {SUMS})
  SELECT c.period, c.status, c.owner, coalesce(l.actor_id, 0), sum(c.sign),
         {", ".join(f"sum(c.sign * c.{m})" for m in MEASURES)}
  FROM changed c
  LEFT JOIN (SELECT DISTINCT event_id, actor_id FROM event_actors
             WHERE event_id IN (SELECT id FROM changed)) l ON l.event_id = c.id
  GROUP BY 1, 2, 3, 4 HAVING {_any_moved("c.sign", "c.")};
  RETURN NULL;
END $$
"""


def _links_changed(owner: Any, op_name: str, new: str, old: str) -> str:
    """0006's function of that name, with every sum (see its docstring there)."""
    return f"""
CREATE OR REPLACE FUNCTION se_rollup_actors_{op_name}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  WITH ev AS MATERIALIZED (
    SELECT e.id, e.event_date, e.status, {owner("e")} AS owner,
           {_named("e")}
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
  INSERT INTO stats_actor_deltas (period, status, owner, actor_id, n, {SUMS})
  SELECT ev.event_date, ev.status, ev.owner, d.actor_id, sum(d.sign),
         {", ".join(f"sum(d.sign * ev.{m})" for m in MEASURES)}
  FROM diff d JOIN ev ON ev.id = d.id GROUP BY 1, 2, 3, 4;
  RETURN NULL;
END $$
"""


def _fold(deltas: str, levels: dict[str, tuple[str, tuple[str, ...]]]) -> str:
    """0006's fold of ``deltas`` into ``levels``, with every sum."""
    ctes = [
        f"""moved AS (
    DELETE FROM {deltas} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {deltas} LIMIT max_rows))
    RETURNING *)"""
    ]
    for table, (unit, dims) in levels.items():
        period = "period" if unit == "day" else "date_trunc('month', period::timestamp)::date"
        keys = ", ".join(("period", "status", "owner", *dims))
        sets = ", ".join(f"{m} = {table}.{m} + EXCLUDED.{m}" for m in ("n", *MEASURES))
        ctes.append(f"""{table}_fold AS (
    INSERT INTO {table} ({keys}, n, {SUMS})
    SELECT {period}, status, owner, {", ".join(dims)}, sum(n),
           {", ".join(f"sum({m})" for m in MEASURES)}
    FROM moved GROUP BY {", ".join(str(i) for i in range(1, len(dims) + 4))}
    ON CONFLICT ({keys}) DO UPDATE SET {sets})""")
    return f"  WITH {', '.join(ctes)}\n  SELECT count(*) INTO moved_rows FROM moved;"


def _compact(previous: Any) -> str:
    return f"""
CREATE OR REPLACE FUNCTION se_rollup_compact(max_rows integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  moved_rows bigint;
  folded bigint := 0;
BEGIN
  -- One fold at a time: two would upsert the same roll-up rows and wait on each other.
  IF NOT pg_try_advisory_xact_lock({previous.FOLD_LOCK}) THEN
    RETURN 0;
  END IF;
{_fold("stats_event_deltas", previous.EVENT_LEVELS)}
  folded := moved_rows;
{_fold("stats_actor_deltas", previous.ACTOR_LEVELS)}
  RETURN folded + moved_rows;
END $$
"""


def _rollup_tables(previous: Any) -> list[str]:
    return [*previous.EVENT_LEVELS, *previous.ACTOR_LEVELS, *previous.DELTAS]


def upgrade() -> None:
    previous = _migration_0006()
    added = ", ".join(f"ADD COLUMN {c} integer" for c in COLUMNS)
    checks = ", ".join(f"ADD CONSTRAINT {name} CHECK ({sql})" for name, sql in CHECKS.items())
    op.execute(f"ALTER TABLE events {added}, {checks}")
    for table in _rollup_tables(previous):
        op.execute(
            f"ALTER TABLE {table} "
            + ", ".join(f"ADD COLUMN {c} integer NOT NULL DEFAULT 0" for c in COLUMNS)
        )
        op.execute(
            f"UPDATE {table} SET fatalities_low = fatalities, fatalities_high = fatalities"
            " WHERE fatalities <> 0"
        )
        op.execute(
            f"ALTER TABLE {table} " + ", ".join(f"ALTER COLUMN {c} DROP DEFAULT" for c in COLUMNS)
        )
    owner = previous._owner
    op.execute(_events_inserted(owner))
    op.execute(_events_updated(owner))
    op.execute(_links_changed(owner, "inserted", "new_rows", previous._NO_LINKS))
    op.execute(_links_changed(owner, "updated", "new_rows", "old_rows"))
    op.execute(_links_changed(owner, "deleted", previous._NO_LINKS, "old_rows"))
    op.execute(_compact(previous))


def downgrade() -> None:
    previous = _migration_0006()
    # 0006's functions as they were (CREATE FUNCTION: replaced in place, triggers kept).
    replace = "CREATE OR REPLACE FUNCTION"
    for sql in (
        previous.EVENTS_INSERTED,
        previous.EVENTS_UPDATED,
        previous._links_changed("inserted", "new_rows", previous._NO_LINKS),
        previous._links_changed("updated", "new_rows", "old_rows"),
        previous._links_changed("deleted", previous._NO_LINKS, "old_rows"),
        previous.COMPACT,
    ):
        op.execute(sql.replace("CREATE FUNCTION", replace, 1))
    for table in _rollup_tables(previous):
        op.execute(f"ALTER TABLE {table} " + ", ".join(f"DROP COLUMN {c}" for c in COLUMNS))
    drops = [f"DROP CONSTRAINT {name}" for name in CHECKS] + [f"DROP COLUMN {c}" for c in COLUMNS]
    op.execute(f"ALTER TABLE events {', '.join(drops)}")
