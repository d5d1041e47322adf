"""Statistics SQL over the events. Each query puts its aggregates on
``app.events.repository.filtered`` (the events ``GET /events`` would list, live or ``as_of``)
and PostgreSQL writes the JSON: no event row reaches Python. The time series and the summary
render CTEs that either these queries or the roll-ups (``app.stats.rollup_repository``)
supply, so that both answers are the same document."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events.filters import EventFilters
from app.events.repository import PlaceRef, filtered
from app.stats.grid import GRID_SRID, Shape, cell_index
from app.stats.periods import Interval
from app.taxonomy import EVENT_TYPES, GOVERNORATES

# What one event adds to each sum, for rows aliased {r}: the best figure (``fatalities``), the
# low and high estimates where known and else the best figure, civilian deaths where known;
# an unknown figure adds 0. The roll-ups' triggers add the same (migration 0010 freezes a
# copy), so that both sources give the same sums; and low <= fatalities <= high holds for
# every event with a best figure (its checks), hence for the sums of such events.
MEASURES: dict[str, str] = {
    "fatalities": "coalesce({r}.fatalities, 0)",
    "fatalities_low": "coalesce({r}.fatalities_low, {r}.fatalities, 0)",
    "fatalities_high": "coalesce({r}.fatalities_high, {r}.fatalities, 0)",
    "civilian_fatalities": "coalesce({r}.civilian_fatalities, 0)",
}


def each(template: str, sep: str = ", ") -> str:
    """``template`` (with ``{m}``, a measure's name) once per measure, joined."""
    return sep.join(template.format(m=m) for m in MEASURES)


def measured(r: str) -> str:
    """Each measure of one event of rows aliased ``r``, under its name."""
    return ", ".join(f"{sql.format(r=r)} AS {m}" for m, sql in MEASURES.items())


def summed(r: str) -> str:
    """Each measure summed over rows aliased ``r``, under its name."""
    return ", ".join(f"coalesce(sum({sql.format(r=r)}), 0) AS {m}" for m, sql in MEASURES.items())


# The group of an event; events without one (no governorate, no actor) group under ''
# (never a real value), so that joins on the group are plain equalities; '' goes out as null.
_GROUPS = {
    "type": "e.event_type",
    "sub_type": "e.sub_event_type",
    "governorate": "coalesce(e.governorate_pcode, '')",
}
# Every distinct actor of an event (any side) from the link tables, or for a row rebuilt from
# history (as_of) from its snapshot; an event without actors gets one row of ''. Joined then
# made distinct, not a LATERAL subquery per event: 0.4 s instead of 1 s for the 180k events
# of the bench, and the planner still nests loops over a few events.
_ACTORS_LIVE = f"""
SELECT DISTINCT ev.id, ev.period, ev.n, {each("ev.{m}")}, coalesce(a.name, '') AS grp
FROM ev LEFT JOIN event_actors ea ON ea.event_id = ev.id LEFT JOIN actors a ON a.id = ea.actor_id"""
_ACTORS_HISTORICAL = f"""
SELECT DISTINCT ev.id, ev.period, ev.n, {each("ev.{m}")}, coalesce(a.name, y.name, '') AS grp
FROM ev
LEFT JOIN event_actors ea ON ev.live AND ea.event_id = ev.id
LEFT JOIN actors a ON a.id = ea.actor_id
LEFT JOIN LATERAL jsonb_to_recordset(CASE WHEN NOT ev.live THEN ev.snapshot END)
  AS y(name text) ON true"""


async def date_range(
    conn: AsyncConnection, f: EventFilters, place: PlaceRef | None
) -> tuple[date | None, date | None]:
    """The first and last event dates of the matching events (None, None when none match)."""
    source, where, params = filtered(f, place)
    sql = f"SELECT min(e.event_date), max(e.event_date) FROM {source} WHERE {where}"
    row = (await conn.execute(text(sql), params)).one()
    return row[0], row[1]


def timeseries_ctes(
    f: EventFilters, place: PlaceRef | None, group_by: str | None
) -> tuple[list[str], dict[str, Any]]:
    """``ev`` and with ``group_by`` ``tagged`` (see ``timeseries``) from the matching events:
    one row per event, and per event and group."""
    source, where, params = filtered(f, place)
    extra = ""
    if group_by in _GROUPS:
        extra = f", {_GROUPS[group_by]} AS grp"
    elif group_by == "actor" and f.as_of is not None:
        extra = ", e._data IS NULL AS live, e._data->'actors' AS snapshot"
    ctes = [
        f"""ev AS MATERIALIZED (
  SELECT e.id, date_trunc(:unit, e.event_date::timestamp)::date AS period, 1 AS n,
         {measured("e")}{extra}
  FROM {source} WHERE {where})"""
    ]
    if group_by is not None:
        if group_by == "actor":
            tagged = _ACTORS_HISTORICAL if f.as_of is not None else _ACTORS_LIVE
        else:
            tagged = f"SELECT period, n, {each('{m}')}, grp FROM ev"
        ctes.append(f"tagged AS MATERIALIZED ({tagged})")
    return ctes, params


# What every time series adds to the rows of its source (events or roll-ups): ``totals``,
# ``periods`` (every period from :first to :last, empty or not), and with groups ``ranked``
# (every group and its events), ``groups`` (the :top largest) and their ``cells``.
_TOTALS = f"""totals AS (
  SELECT period, sum(n) AS n, {each("coalesce(sum({m}), 0) AS {m}")} FROM ev GROUP BY period)"""
_PERIODS = """periods AS (
  SELECT generate_series(CAST(:first AS date)::timestamp, CAST(:last AS date)::timestamp,
                         CAST(CAST(:step AS text) AS interval))::date AS period)"""
_GROUPED = [
    "ranked AS (SELECT grp, sum(n) AS n FROM tagged GROUP BY grp HAVING sum(n) > 0)",
    "groups AS (SELECT grp, n FROM ranked ORDER BY n DESC, grp = '', grp LIMIT :top)",
    f"""cells AS (
  SELECT period, grp, sum(n) AS n, {each("coalesce(sum({m}), 0) AS {m}")}
  FROM tagged WHERE grp IN (SELECT grp FROM groups) GROUP BY period, grp)""",
]

_PERIOD_ROWS = f"""
SELECT p.period, coalesce(t.n, 0) AS count, {each("coalesce(t.{m}, 0) AS {m}")}
FROM periods p LEFT JOIN totals t ON t.period = p.period ORDER BY p.period"""

_GROUP_ROWS = f"""
SELECT p.period, nullif(g.grp, '') AS label, coalesce(c.n, 0) AS count,
       {each("coalesce(c.{m}, 0) AS {m}")}
FROM groups g CROSS JOIN periods p LEFT JOIN cells c ON c.period = p.period AND c.grp = g.grp
ORDER BY g.n DESC, g.grp = '', g.grp, p.period"""

_SERIES = f"""(
  SELECT coalesce(json_agg(json_build_object('group', nullif(s.grp, ''), 'count', s.counts,
                                             {each("'{m}', s.{m}")})
                           ORDER BY s.n DESC, s.grp = '', s.grp), '[]')
  FROM (SELECT g.grp, g.n, json_agg(coalesce(c.n, 0) ORDER BY p.period) AS counts,
               {each("json_agg(coalesce(c.{m}, 0) ORDER BY p.period) AS {m}")}
        FROM groups g CROSS JOIN periods p
        LEFT JOIN cells c ON c.period = p.period AND c.grp = g.grp
        GROUP BY g.grp, g.n) s)"""

_TIMESERIES_JSON = f"""
SELECT json_build_object(
  'interval', CAST(:unit AS text),
  'group_by', CAST(:group_by AS text),
  'periods', (SELECT coalesce(json_agg(period ORDER BY period), '[]') FROM periods),
  'totals', (SELECT json_build_object(
               'count', coalesce(json_agg(r.count ORDER BY r.period), '[]'),
               {each("'{m}', coalesce(json_agg(r.{m} ORDER BY r.period), '[]')")})
             FROM ({{period_rows}}) r),
  'series', {{series}},
  'groups_matched', {{matched}}
)::text"""


async def timeseries(
    conn: AsyncConnection,
    ctes: list[str],
    params: dict[str, Any],
    *,
    interval: Interval,
    group_by: str | None,
    first: date | None,
    last: date | None,
    top: int,
    csv: bool,
) -> str | list[Row[Any]]:
    """The time series document (see ``app.stats.schemas.Timeseries``) as JSON text, or with
    ``csv`` its rows (period[, group], count, the MEASURES), from ``ctes`` that define ``ev``
    (period, n, MEASURES: events, or roll-up rows counting n events) and with ``group_by``
    ``tagged`` (the same with ``grp``, '' for none): those of ``timeseries_ctes`` here or
    in ``app.stats.rollup_repository``, which may use :unit (the interval)."""
    grouped = group_by is not None
    params = {**params, "unit": interval.value, "first": first, "last": last,
              "step": f"1 {interval.value}", "group_by": group_by, "top": top}  # fmt: skip
    sql = "WITH " + ",\n".join([*ctes, _TOTALS, _PERIODS, *(_GROUPED if grouped else [])])
    if csv:
        sql += _GROUP_ROWS if grouped else _PERIOD_ROWS
        return list((await conn.execute(text(sql), params)).all())
    sql += _TIMESERIES_JSON.format(
        period_rows=_PERIOD_ROWS,
        series=_SERIES if grouped else "'[]'::json",
        matched="(SELECT count(*) FROM ranked)" if grouped else "NULL",
    )
    return str((await conn.execute(text(sql), params)).scalar_one())


# One pass over the matching events: totals, per type and per governorate (GROUPING SETS).
# GROUPING(...) is 1 for the type set, 2 for the governorate set, 3 for the total.
_SUMMARY_AGG = f"""agg AS MATERIALIZED (
  SELECT GROUPING(e.event_type, e.governorate_pcode) AS level,
         e.event_type AS type, coalesce(e.governorate_pcode, '') AS gov,
         count(*) AS n,
         {summed("e")},
         min(e.event_date) AS first_date, max(e.event_date) AS last_date
  FROM {{source}} WHERE {{where}}
  GROUP BY GROUPING SETS ((e.event_type), (e.governorate_pcode), ())
)"""

# Every governorate and type is listed, with zeros; events without a governorate add a row
# whose pcode is null. ``agg`` has a row per level (1 type, 2 governorate, 3 total) and
# group with events.
_SUMMARY = f""", govs AS (
  SELECT * FROM unnest(CAST(:gov_codes AS text[]), CAST(:gov_names AS text[]))
    WITH ORDINALITY AS u(code, name, ord)
), types AS (
  SELECT * FROM unnest(CAST(:types_listed AS text[])) WITH ORDINALITY AS u(type, ord)
)
SELECT json_build_object(
  'total', (SELECT json_build_object('count', n, {each("'{m}', {m}")},
                                     'first_date', first_date, 'last_date', last_date)
            FROM agg WHERE level = 3),
  'by_governorate', (
    SELECT json_agg(json_build_object('governorate_pcode', nullif(coalesce(k.code, a.gov), ''),
                                      'name', k.name, 'count', coalesce(a.n, 0),
                                      {each("'{m}', coalesce(a.{m}, 0)")})
                    ORDER BY k.ord NULLS LAST, a.gov)
    FROM govs k FULL JOIN (SELECT * FROM agg WHERE level = 2) a ON a.gov = k.code),
  'by_type', (
    SELECT json_agg(json_build_object('event_type', coalesce(k.type, a.type),
                                      'count', coalesce(a.n, 0),
                                      {each("'{m}', coalesce(a.{m}, 0)")})
                    ORDER BY k.ord NULLS LAST, a.type)
    FROM types k FULL JOIN (SELECT * FROM agg WHERE level = 1) a ON a.type = k.type)
)::text"""


def summary_ctes(f: EventFilters, place: PlaceRef | None) -> tuple[list[str], dict[str, Any]]:
    """``agg``, what ``summary`` renders, from the matching events."""
    source, where, params = filtered(f, place)
    return [_SUMMARY_AGG.format(source=source, where=where)], params


async def summary(conn: AsyncConnection, ctes: list[str], params: dict[str, Any]) -> str:
    """Counts and fatalities in all, per governorate and per type, as JSON text, from the
    CTEs of ``summary_ctes`` here or in ``app.stats.rollup_repository``."""
    params = {
        **params,
        "gov_codes": list(GOVERNORATES),
        "gov_names": [name for name, _ in GOVERNORATES.values()],
        "types_listed": list(EVENT_TYPES),
    }
    sql = "WITH " + ",\n".join(ctes) + _SUMMARY
    return str((await conn.execute(text(sql), params)).scalar_one())


# The matching events binned into the cells of an equal-area grid (GRID_SRID); only cells
# with events are returned. ``m`` is materialised so that each point is projected once.
_GRID = f"""
WITH m AS MATERIALIZED (
  SELECT ST_X(t.p) / :size AS u, ST_Y(t.p) / :size AS v, {each("t.{m}")}
  FROM (SELECT ST_Transform(e.geom, {{srid}}) AS p, {measured("e")}
        FROM {{source}} WHERE {{where}}) t
), cells AS (
  SELECT i.col, i.row, count(*) AS n, {each("sum(m.{m}) AS {m}")}
  FROM m CROSS JOIN LATERAL ({{index}}) i GROUP BY i.col, i.row
)
SELECT (SELECT count(*) FROM cells) AS cells,
       CASE WHEN (SELECT count(*) FROM cells) <= :max_cells THEN (
  SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
      'type', 'Feature', 'id', c.col || '_' || c.row,
      'geometry', ST_AsGeoJSON(ST_Transform(
        ST_SetSRID({{cell}}(:size, c.col, c.row), {{srid}}), 4326), 6)::json,
      'properties', json_build_object('col', c.col, 'row', c.row, 'count', c.n,
                                      {each("'{m}', c.{m}")})) ORDER BY c.row, c.col), '[]'),
    'numberReturned', count(*),
    'grid', json_build_object('shape', CAST(:shape AS text), 'size_km', :size / 1000.0,
                              'cell_area_km2', CAST(:area AS float8),
                              'crs', 'EPSG:{{srid}}')
  )::text FROM cells c) END AS doc"""


async def grid_json(
    conn: AsyncConnection,
    f: EventFilters,
    place: PlaceRef | None,
    *,
    shape: Shape,
    size_km: float,
    max_cells: int,
) -> tuple[int, str | None]:
    """The number of non-empty cells, and their FeatureCollection when at most ``max_cells``."""
    source, where, params = filtered(f, place)
    size = size_km * 1000.0
    params.update(size=size, shape=shape.value, area=shape.area(size_km), max_cells=max_cells)
    sql = _GRID.format(
        srid=GRID_SRID,
        source=source,
        where=where,
        index=cell_index(shape),
        cell="ST_Hexagon" if shape is Shape.hexagon else "ST_Square",
    )
    row = (await conn.execute(text(sql), params)).one()
    return int(row.cells), row.doc
