"""Statistics SQL over the roll-ups of migration 0006: counts and fatality sums (the best,
low and high figures and civilian deaths since migration 0010) per period, status, draft
owner and a few dimensions, kept exact by triggers that append deltas.

A question is answered here only when every filter is one of the roll-ups' dimensions
(``covers``); the answer is then the same document the events would give
(``app.stats.repository`` renders both). The matching rows of a roll-up are the whole periods
of the smallest level that holds every dimension asked for, the days at the edges of a
``datetime`` range that cuts a month from the day level, and the deltas not folded yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events.filters import EventFilters
from app.events.repository import filtered
from app.stats.periods import Interval, month_after
from app.stats.repository import MEASURES, each
from app.web.params import BBox


@dataclass(frozen=True)
class Level:
    table: str
    unit: str  # "day" or "month": what ``period`` holds
    dims: frozenset[str]


@dataclass(frozen=True)
class Family:
    """Roll-ups of one kind, smallest first, and their deltas."""

    levels: tuple[Level, ...]
    deltas: str

    def level(self, unit: str, dims: frozenset[str]) -> Level:
        return next(lv for lv in self.levels if lv.unit == unit and dims <= lv.dims)


_EVENT_DIMS = frozenset({"event_type", "sub_event_type", "governorate_pcode"})
_BY_TYPE = frozenset({"event_type", "sub_event_type"})
_BY_GOVERNORATE = frozenset({"governorate_pcode"})
# By type only and by governorate only beside the full levels, which hold every combination:
# for the 817,000 bench events 6,700 / 11,500 / 81,000 rows by month and 111,000 / 155,000 /
# 459,000 by day. A weekly series of a year by governorate read 38,000 rows of the full day
# level in 70 ms (EXPLAIN ANALYZE).
EVENTS = Family(
    (
        Level("stats_months_by_governorate", "month", _BY_GOVERNORATE),
        Level("stats_months_by_type", "month", _BY_TYPE),
        Level("stats_months", "month", _EVENT_DIMS),
        Level("stats_days_by_governorate", "day", _BY_GOVERNORATE),
        Level("stats_days_by_type", "day", _BY_TYPE),
        Level("stats_days", "day", _EVENT_DIMS),
    ),
    "stats_event_deltas",
)
# Each event under each of its distinct actors, actor_id 0 when it has none.
ACTORS = Family(
    (
        Level("stats_actor_months", "month", frozenset({"actor_id"})),
        Level("stats_actor_days", "day", frozenset({"actor_id"})),
    ),
    "stats_actor_deltas",
)
# The filters the roll-ups hold, as their columns (the parameters are where_clause's).
_FILTERS = {
    "types": ("event_type", "event_type = ANY(:types)"),
    "sub_types": ("sub_event_type", "sub_event_type = ANY(:sub_types)"),
    "governorates": ("governorate_pcode", "governorate_pcode = ANY(:govs)"),
}
_GROUPS = {"type": "event_type", "sub_type": "sub_event_type", "governorate": "governorate_pcode"}


def covers(f: EventFilters, group_by: str | None = None) -> bool:
    """Whether the roll-ups answer exactly: no filter outside their dimensions (an actor's
    name, a place, words, an area, as_of, ...) and, by actor, none on type or governorate
    (the actor levels hold neither)."""
    if f.as_of or f.bbox or f.terms or f.actor or f.place_id or f.cql or f.updated_since:
        return False
    return group_by != "actor" or not (f.types or f.sub_types or f.governorates)


# Any event (of any status) in the four boxes that make up the world around a bbox: four GiST
# probes, a millisecond when there is none. A point on the bbox's edge is in both (``&&`` is
# inclusive), so it counts as outside: the check may only err towards reading the events.
_OUTSIDE = """SELECT EXISTS (SELECT 1 FROM events e WHERE
  e.geom && ST_MakeEnvelope(-180, -90, :x0, 90, 4326)
  OR e.geom && ST_MakeEnvelope(:x1, -90, 180, 90, 4326)
  OR e.geom && ST_MakeEnvelope(:x0, -90, :x1, :y0, 4326)
  OR e.geom && ST_MakeEnvelope(:x0, :y1, :x1, 90, 4326))"""


async def bbox_holds_every_event(conn: AsyncConnection, bbox: BBox) -> bool:
    """Whether no stored event lies outside ``bbox``: then the bbox filters nothing, and the
    roll-ups answer (a map's view of the whole country, 1.2 s at 1M events read from the
    events, some 30 ms from the roll-ups)."""
    params = {"x0": bbox.min_lon, "y0": bbox.min_lat, "x1": bbox.max_lon, "y1": bbox.max_lat}
    return not (await conn.execute(text(_OUTSIDE), params)).scalar_one()


def _filter_dims(f: EventFilters) -> frozenset[str]:
    return frozenset(col for name, (col, _) in _FILTERS.items() if getattr(f, name))


def _rows(
    family: Family, unit: str, dims: frozenset[str], f: EventFilters, params: dict[str, Any]
) -> str:
    """SELECT period, the ``dims``, n and the sums of the roll-up rows matching ``f``: read by
    ``unit``, whole periods from the smallest level holding ``dims``, the edge days of a
    ``datetime`` range that cuts a month from the day level, then the pending deltas."""
    conditions = ["status = ANY(:statuses)"]
    if f.drafts_of is not None:
        conditions.append("(status <> 'draft' OR owner = :drafts_of)")
    conditions += [sql for name, (_, sql) in _FILTERS.items() if getattr(f, name)]
    columns = ", ".join(["period", *sorted(dims), "n", *MEASURES])
    start = f.dates.start if f.dates else None
    end = f.dates.end if f.dates else None

    def select(table: str, *bounds: str) -> str:
        return f"SELECT {columns} FROM {table} WHERE {' AND '.join([*conditions, *bounds])}"

    days = [b for b, v in (("period >= :d0", start), ("period <= :d1", end)) if v]
    level, by_day = family.level(unit, dims), family.level("day", dims)
    # Whole months: from the first one starting on or after ``start`` to the last one
    # ending on or before ``end``.
    lo = start if start is None or start.day == 1 else month_after(start)
    hi = end
    if end is not None:
        hi = month_after(end) if (end + timedelta(days=1)).day == 1 else end.replace(day=1)
    if level.unit == "day" or (lo is not None and hi is not None and lo >= hi):
        parts = [select(by_day.table, *days)]
    else:
        params.update(r_lo=lo, r_hi=hi)
        months = [b for b, v in (("period >= :r_lo", lo), ("period < :r_hi", hi)) if v]
        parts = [select(level.table, *months)]
        if start is not None and lo is not None and start < lo:
            parts.append(select(by_day.table, "period >= :d0", "period < :r_lo"))
        if end is not None and hi is not None and hi <= end:
            parts.append(select(by_day.table, "period >= :r_hi", "period <= :d1"))
    parts.append(select(family.deltas, *days))
    return "\n  UNION ALL ".join(parts)


def _bounds(where: str) -> tuple[str, str]:
    """The first and last matching event dates, given ``months`` (the months with matching
    events): the events read from the first month on and back from the last, by the date
    index, so each scan stops within that month."""
    first = (
        "(SELECT min(e.event_date) FROM events e"
        f" WHERE {where} AND e.event_date >= (SELECT min(m) FROM months))"
    )
    last = (
        "(SELECT max(e.event_date) FROM events e WHERE"
        f" {where} AND e.event_date < CAST((SELECT max(m) FROM months) + interval '1 month'"
        " AS date))"
    )
    return first, last


_MONTHS = """months AS (
  SELECT date_trunc('month', period::timestamp)::date AS m FROM {rows} GROUP BY 1
  HAVING sum(n) > 0)"""


async def date_range(conn: AsyncConnection, f: EventFilters) -> tuple[date | None, date | None]:
    """The first and last event dates of the matching events (None, None when none match)."""
    _, where, params = filtered(f, None)
    rows = _rows(EVENTS, "month", _filter_dims(f), f, params)
    first, last = _bounds(where)
    sql = f"WITH {_MONTHS.format(rows=f'({rows}) x')} SELECT {first}, {last}"
    row = (await conn.execute(text(sql), params)).one()
    return row[0], row[1]


def timeseries_ctes(
    f: EventFilters, interval: Interval, group_by: str | None
) -> tuple[list[str], dict[str, Any]]:
    """``ev`` and with ``group_by`` ``tagged`` (see ``app.stats.repository.timeseries``) from
    the roll-ups."""
    _, _, params = filtered(f, None)
    unit = "day" if interval in (Interval.day, Interval.week) else "month"
    group = _GROUPS.get(group_by or "")
    dims = _filter_dims(f) | ({group} if group else set())
    rows = _rows(EVENTS, unit, dims, f, params)
    ctes = [
        f"""ev AS MATERIALIZED (
  SELECT date_trunc(:unit, period::timestamp)::date AS period, {group or "''"} AS grp, n,
         {each("{m}")}
  FROM ({rows}) x)"""
    ]
    if group_by == "actor":
        ctes.append(f"""tagged AS MATERIALIZED (
  SELECT date_trunc(:unit, x.period::timestamp)::date AS period, coalesce(ac.name, '') AS grp,
         x.n, {each("x.{m}")}
  FROM ({_rows(ACTORS, unit, frozenset({"actor_id"}), f, params)}) x
  LEFT JOIN actors ac ON ac.id = x.actor_id)""")
    elif group_by is not None:
        ctes.append("tagged AS (TABLE ev)")
    return ctes, params


def summary_ctes(f: EventFilters) -> tuple[list[str], dict[str, Any]]:
    """``agg`` (see ``app.stats.repository.summary``) from the roll-ups: per type from a level
    with types, per governorate from one with governorates (both the full month level when
    the filters name both), the total from the first."""
    _, where, params = filtered(f, None)
    dims = _filter_dims(f)
    by_type = _rows(EVENTS, "month", dims | {"event_type"}, f, params)
    by_gov = _rows(EVENTS, "month", dims | {"governorate_pcode"}, f, params)
    first, last = _bounds(where)
    return [
        f"t AS MATERIALIZED ({by_type})",
        f"g AS MATERIALIZED ({by_gov})",
        _MONTHS.format(rows="t"),
        f"""agg AS (
  SELECT 1 AS level, event_type AS type, '' AS gov, sum(n) AS n, {each("sum({m}) AS {m}")},
         NULL::date AS first_date, NULL::date AS last_date
  FROM t GROUP BY event_type HAVING sum(n) > 0
  UNION ALL
  SELECT 2, NULL, governorate_pcode, sum(n), {each("sum({m})")}, NULL, NULL
  FROM g GROUP BY governorate_pcode HAVING sum(n) > 0
  UNION ALL
  SELECT 3, NULL, '', coalesce(sum(n), 0), {each("coalesce(sum({m}), 0)")}, {first}, {last}
  FROM t)""",
    ], params


async def pending(conn: AsyncConnection, more_than: int) -> bool:
    """Whether either delta table holds more than ``more_than`` rows."""
    sql = " OR ".join(
        f"EXISTS (SELECT 1 FROM {family.deltas} OFFSET :n)" for family in (EVENTS, ACTORS)
    )
    return bool((await conn.execute(text(f"SELECT {sql}"), {"n": more_than})).scalar_one())


async def fold(conn: AsyncConnection, max_rows: int) -> int:
    """Fold up to ``max_rows`` committed deltas of each kind into the roll-ups (0 when
    another fold is running): ``se_rollup_compact`` of migration 0006."""
    sql = "SELECT se_rollup_compact(:n)"
    return int((await conn.execute(text(sql), {"n": max_rows})).scalar_one())
