"""All event SQL. PostGIS writes each Feature's JSON; Python never decodes it on lists."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from asyncpg import Record
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.caching.repository import VERSION_COLUMNS, VERSION_SOURCE, DataVersion, split_version
from app.db import Reader, positional
from app.events.filters import EventFilters, Page
from app.events.sorting import DEFAULT, Sort
from app.events.sql import (
    ACTORS_HISTORICAL,
    ACTORS_LIVE,
    CSV_COLUMNS,
    CSV_SELECT,
    FEATURE,
    HISTORICAL_SOURCE,
    detail_feature,
)
from app.spatial import within_km

__all__ = ["CSV_COLUMNS", "PlaceRef", "count", "fetch_detail", "fetch_features", "filtered"]


@dataclass(frozen=True)
class PlaceRef:
    """What a ``place`` filter needs to know of the place."""

    id: str
    lon: float
    lat: float
    has_area: bool


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def where_clause(f: EventFilters, place: PlaceRef | None) -> tuple[str, dict[str, Any]]:
    """The WHERE of every event query, as SQL text and bound parameters."""
    clauses: list[str] = ["e.status = ANY(:statuses)"]
    params: dict[str, Any] = {"statuses": f.statuses}
    if f.drafts_of is not None:
        clauses.append("(e.status <> 'draft' OR e.created_by = :drafts_of)")
        params["drafts_of"] = f.drafts_of
    if f.updated_since is not None:
        clauses.append("e.updated_at >= :updated_since")
        params["updated_since"] = f.updated_since
    if f.bbox:
        clauses.append("e.geom && ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, 4326)")
        params.update(
            bx0=f.bbox.min_lon, by0=f.bbox.min_lat, bx1=f.bbox.max_lon, by1=f.bbox.max_lat
        )
    if f.dates and f.dates.start:
        clauses.append("e.event_date >= :d0")
        params["d0"] = f.dates.start
    if f.dates and f.dates.end:
        clauses.append("e.event_date <= :d1")
        params["d1"] = f.dates.end
    if f.types:
        clauses.append("e.event_type = ANY(:types)")
        params["types"] = f.types
    if f.sub_types:
        clauses.append("e.sub_event_type = ANY(:sub_types)")
        params["sub_types"] = f.sub_types
    if f.governorates:
        clauses.append("e.governorate_pcode = ANY(:govs)")
        params["govs"] = f.governorates
    for i, term in enumerate(f.terms):
        clauses.append(f"e.search_text LIKE :q{i}")
        params[f"q{i}"] = _like(term)
    if f.actor:
        live = (
            "EXISTS (SELECT 1 FROM event_actors xa JOIN actors xb ON xb.id = xa.actor_id"
            " WHERE xa.event_id = e.id AND se_normalize(xb.name) LIKE :actor)"
        )
        clauses.append(
            f"(CASE WHEN e._data IS NULL THEN {live} ELSE EXISTS (SELECT 1 FROM"
            " jsonb_to_recordset(e._data->'actors') AS xa(name text)"
            " WHERE se_normalize(xa.name) LIKE :actor) END)"
            if f.as_of
            else live
        )
        params["actor"] = _like(f.actor)
    if place is not None:
        _place_clause(f, place, clauses, params)
    if f.cql is not None:
        clauses.append(f"({f.cql[0]})")
        params.update(f.cql[1])
    return " AND ".join(clauses), params


def _place_clause(
    f: EventFilters, place: PlaceRef, clauses: list[str], params: dict[str, Any]
) -> None:
    if f.radius_km is not None:
        near, near_params = within_km("e.geom", place.lon, place.lat, f.radius_km, prefix="p")
        clauses.append(near)
        params.update(near_params)
        return
    inside = (
        " OR ST_Intersects((SELECT area FROM places WHERE id = :place), e.geom)"
        if place.has_area
        else ""
    )
    live = (
        "EXISTS (SELECT 1 FROM event_places xp WHERE xp.event_id = e.id AND xp.place_id = :place)"
    )
    linked = (
        f"CASE WHEN e._data IS NULL THEN {live} ELSE EXISTS (SELECT 1 FROM"
        " jsonb_to_recordset(e._data->'places') AS xp(id text) WHERE xp.id = :place) END"
        if f.as_of
        else live
    )
    clauses.append(f"(e.place_id = :place OR {linked}{inside})")
    params["place"] = place.id


# Every page query starts with the keyset columns (_id, _date); payload columns follow.
# Filter, sort and limit run on events alone; actors and place names are joined onto the
# page only. Joined first, a misestimated filter (ST_DWithin says "1 row") builds actor
# lists for every candidate row: 540 ms instead of tens (bench/, EXPLAIN ANALYZE).
def _page_sql(
    select: str,
    f: EventFilters,
    place: PlaceRef | None,
    page: Page,
    extra_limit: int,
    *,
    keyset: bool = True,
    versioned: bool = False,
) -> tuple[str, dict[str, Any]]:
    where, params = where_clause(f, place)
    sort = page.sort
    if page.after is not None:
        after, after_params = sort.after(page.after)
        where += f" AND {after}"
        params.update(after_params)
    limit = ""
    if page.limit is not None:
        limit = " LIMIT :limit"
        params["limit"] = page.limit + extra_limit
    source, actors = _source(f, params)
    keys = ""
    if keyset:
        keys = "e.id AS _id, e.event_date AS _date, "
        keys += "" if sort.default else f"{sort.key_columns()}, "
    order = sort.order_by()
    rows = f"(SELECT e.* FROM {source} WHERE {where} ORDER BY {order}{limit}) e"
    if versioned:
        # The data version this statement's snapshot sees (app/caching), first in the FROM and
        # joined to the page: on every row, and on the one row of NULLs an empty page is.
        rows = f"{VERSION_SOURCE} LEFT JOIN {rows} ON true"
        select += f", {VERSION_COLUMNS}"
    sql = f"SELECT {keys}{select} FROM {rows} {actors} ORDER BY {order}"
    return sql, params


def keyset_width(page: Page) -> int:
    """How many columns before a page row's values: its position in the page's order."""
    return 2 if page.sort.default else 3


def filtered(f: EventFilters, place: PlaceRef | None) -> tuple[str, str, dict[str, Any]]:
    """FROM (aliased ``e``: live, or as of ``f.as_of``), WHERE and parameters of the events
    matching ``f``: the one query builder that every face (lists, tiles, statistics, OGC API
    items) puts its own SELECT on."""
    where, params = where_clause(f, place)
    source, _ = _source(f, params)
    return source, where, params


def _source(f: EventFilters, params: dict[str, Any]) -> tuple[str, str]:
    """The live table, or the events as they stood at ``as_of``, and their actors."""
    if f.as_of is None:
        return "events e", ACTORS_LIVE
    params["as_of"] = f.as_of
    return HISTORICAL_SOURCE, ACTORS_HISTORICAL


def page_query(
    f: EventFilters, place: PlaceRef | None, page: Page, *, versioned: bool = False
) -> tuple[str, dict[str, Any]]:
    """One page of Feature JSON (``feature``) after the keyset columns, plus one row to know
    whether a next page exists; with ``versioned``, the data version on every row."""
    feature = page.fields.feature()
    return _page_sql(f"{feature} AS feature", f, place, page, extra_limit=1, versioned=versioned)


async def fetch_features(
    reader: Reader, f: EventFilters, place: PlaceRef | None, page: Page
) -> tuple[list[Record], DataVersion]:
    """One page (plus one row, to know whether a next page exists) of Feature JSON, and the
    data version its snapshot saw (app/caching: read in the same statement, it costs no
    round trip and is of exactly the rows read)."""
    return split_version(await reader.fetch(*page_query(f, place, page, versioned=True)))


async def fetch_csv_rows(
    reader: Reader,
    f: EventFilters,
    place: PlaceRef | None,
    page: Page,
    select: str = CSV_SELECT,
) -> list[Record]:
    """One page of CSV rows; ``select`` names other columns (ACLED's, app/exchange/sql.py)."""
    return await reader.fetch(*_page_sql(select, f, place, page, extra_limit=1))


def export_query(
    f: EventFilters,
    place: PlaceRef | None,
    *,
    csv_select: str | None,
    sort: Sort = DEFAULT,
    feature: str = FEATURE,
) -> tuple[str, dict[str, Any]]:
    """The SELECT of an export: every match, in ``sort``'s order, as CSV columns or
    Features (``feature``: the Feature expression, of chosen fields)."""
    select = csv_select if csv_select is not None else f"{feature} AS feature"
    return _page_sql(select, f, place, Page(limit=None, sort=sort), extra_limit=0, keyset=False)


async def copy_out(
    conn: asyncpg.Connection,
    f: EventFilters,
    place: PlaceRef | None,
    sink: Callable[[bytes], Awaitable[None]],
    *,
    csv_select: str | None,
    sort: Sort = DEFAULT,
    feature: str = FEATURE,
) -> None:
    """Every matching event through ``COPY ... TO STDOUT``, written by PostgreSQL: CSV rows
    of ``csv_select``, else one Feature per line (NDJSON)."""
    query, args = positional(
        *export_query(f, place, csv_select=csv_select, sort=sort, feature=feature)
    )
    # One JSON column as "CSV" with a quote and delimiter that JSON text never holds raw
    # (PostgreSQL escapes control characters in JSON): each line is the Feature as it is.
    options = {} if csv_select is not None else {"delimiter": "\x02", "quote": "\x01"}
    await conn.copy_from_query(query, *args, output=sink, format="csv", **options)


async def fetch_batches(
    conn: asyncpg.Connection,
    f: EventFilters,
    place: PlaceRef | None,
    *,
    select: str,
    sort: Sort = DEFAULT,
    rows_per_batch: int,
) -> AsyncIterator[list[Record]]:
    """Every matching event as rows of ``select``, in ``sort``'s order, ``rows_per_batch`` at
    a time from a server-side cursor (``conn`` in a transaction): memory holds one batch."""
    query, args = positional(*export_query(f, place, csv_select=select, sort=sort))
    cursor = await conn.cursor(query, *args)
    while rows := await cursor.fetch(rows_per_batch):
        yield rows


def count_query(f: EventFilters, place: PlaceRef | None) -> tuple[str, dict[str, Any]]:
    source, where, params = filtered(f, place)
    return f"SELECT count(*) FROM {source} WHERE {where}", params


async def count(reader: Reader, f: EventFilters, place: PlaceRef | None) -> int:
    return int(await reader.fetchval(*count_query(f, place)))


async def estimate(reader: Reader, f: EventFilters, place: PlaceRef | None) -> int:
    """How many events match, as the planner estimates it from its statistics: instant, and
    off by whatever the statistics miss (a filter's selectivity is a guess)."""
    source, where, params = filtered(f, place)
    sql = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {source} WHERE {where}"
    plan = await reader.fetchval(sql, params)
    if isinstance(plan, str | bytes):  # a connection without the json codec
        plan = orjson.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


async def find_place(reader: Reader, place_id: str) -> PlaceRef | None:
    row = await reader.fetchrow(
        "SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat, area IS NOT NULL AS has_area"
        " FROM places WHERE id = :id",
        {"id": place_id},
    )
    return PlaceRef(row["id"], row["lon"], row["lat"], row["has_area"]) if row else None


_DETAIL_LIVE = f"""
SELECT e.status, e.created_by, e.version, e.retraction_reason,
       (SELECT m.public_id FROM events m WHERE m.id = e.merged_into_id) AS merged_into,
       {detail_feature(historical=False)} AS feature
FROM events e {ACTORS_LIVE}
WHERE e.public_id = :id
"""

_DETAIL_HISTORICAL = f"""
SELECT e.status, e.created_by, e.version, e.retraction_reason,
       (SELECT m.public_id FROM events m WHERE m.id = e.merged_into_id) AS merged_into,
       {detail_feature(historical=True)} AS feature
FROM (
  SELECT r.*, v.data AS _data
  FROM (SELECT data FROM event_versions
        WHERE event_id = (SELECT id FROM events WHERE public_id = :id) AND changed_at <= :as_of
        ORDER BY version DESC LIMIT 1) v
  CROSS JOIN LATERAL jsonb_populate_record(NULL::events, v.data) r
) e {ACTORS_HISTORICAL}
"""


async def fetch_detail(
    reader: Reader, public_id: str, as_of: datetime | None = None
) -> Record | None:
    """An event's Feature and what decides who may see it, now or as it stood at ``as_of``."""
    if as_of is None:
        return await reader.fetchrow(_DETAIL_LIVE, {"id": public_id})
    return await reader.fetchrow(_DETAIL_HISTORICAL, {"id": public_id, "as_of": as_of})


async def fetch_versions(
    conn: AsyncConnection, public_id: str
) -> tuple[Row[Any] | None, list[Row[Any]]]:
    """The event (who may see it) and every version of it, oldest first."""
    event = (
        await conn.execute(
            text("SELECT id, status, created_by FROM events WHERE public_id = :id"),
            {"id": public_id},
        )
    ).first()
    if event is None:
        return None, []
    sql = (
        "SELECT v.version, v.op, v.changed_at, v.changed_by, v.change_reason, v.data,"
        " m.public_id AS merged_into FROM event_versions v"
        " LEFT JOIN events m ON m.id = (v.data->>'merged_into_id')::bigint"
        " WHERE v.event_id = :id ORDER BY v.version"
    )
    return event, list((await conn.execute(text(sql), {"id": event.id})).all())
