"""The SQL of the OGC API face. Events come from ``app.events.repository.filtered`` (the one
query builder of every event face); places from the places table with the gazetteer's own
Feature JSON. PostGIS writes every Feature; Python only joins them."""

from __future__ import annotations

from typing import Any

from asyncpg import Record
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import Reader
from app.events.filters import EventFilters, Page
from app.events.repository import PlaceRef, filtered
from app.events.sorting import Sort, SortKey
from app.places.repository import FEATURE_SQL
from app.web.params import BBox


async def events_extent(conn: AsyncConnection) -> Row[Any]:
    """The events' bounding box and first and last day. The box is PostGIS's estimate from
    the planner statistics (instant; an exact ST_Extent of 180,000 points takes 80 ms),
    exact only while the table has none (new, small databases)."""
    sql = """
    SELECT ST_XMin(b) AS x0, ST_YMin(b) AS y0, ST_XMax(b) AS x1, ST_YMax(b) AS y1,
           (SELECT min(event_date) FROM events WHERE status = 'published') AS first_day,
           (SELECT max(event_date) FROM events WHERE status = 'published') AS last_day
    FROM (SELECT coalesce(ST_EstimatedExtent('events', 'geom'),
                          (SELECT ST_Extent(geom) FROM events WHERE status = 'published')) AS b) x
    """
    return (await conn.execute(text(sql))).one()


async def places_extent(conn: AsyncConnection) -> Row[Any]:
    sql = """
    SELECT ST_XMin(b) AS x0, ST_YMin(b) AS y0, ST_XMax(b) AS x1, ST_YMax(b) AS y1
    FROM (SELECT ST_Extent(geom) AS b FROM places) x
    """
    return (await conn.execute(text(sql))).one()


async def event_prev_position(
    reader: Reader, f: EventFilters, place: PlaceRef | None, page: Page
) -> Record | None:
    """The cursor position of the page before the one that starts after ``page.after``: the
    ``limit + 1``-th matching event at or before it, walking the page's order backwards;
    None when that page is the first."""
    assert page.after is not None
    source, where, params = filtered(f, place)
    backwards = Sort(tuple(SortKey(k.name, not k.descending) for k in page.sort.keys))
    at_or_before, position = backwards.after(page.after, inclusive=True)
    params.update(position, limit=page.limit)
    keys = "" if page.sort.default else f", {page.sort.key_columns()}"
    sql = (
        f"SELECT e.event_date AS _date, e.id AS _id{keys} FROM {source} WHERE {where}"
        f" AND {at_or_before} ORDER BY {backwards.order_by()} OFFSET :limit LIMIT 1"
    )
    return await reader.fetchrow(sql, params)


def _places_where(
    bbox: BBox | None, cql: tuple[str, dict[str, Any]] | None
) -> tuple[str, dict[str, Any]]:
    clauses = ["TRUE"]
    params: dict[str, Any] = {}
    if bbox is not None:
        clauses.append("pl.geom && ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, 4326)")
        params.update(bx0=bbox.min_lon, by0=bbox.min_lat, bx1=bbox.max_lon, by1=bbox.max_lat)
    if cql is not None:
        clauses.append(f"({cql[0]})")
        params.update(cql[1])
    return " AND ".join(clauses), params


async def fetch_places(
    reader: Reader,
    bbox: BBox | None,
    cql: tuple[str, dict[str, Any]] | None,
    after: str | None,
    limit: int,
) -> list[Record]:
    """A page of places by id (plus one row, to know whether another page follows)."""
    where, params = _places_where(bbox, cql)
    if after is not None:
        where += " AND pl.id > :after"
        params["after"] = after
    params["limit"] = limit + 1
    sql = (
        f"SELECT pl.id AS _id, {FEATURE_SQL} AS feature FROM places pl"
        f" WHERE {where} ORDER BY pl.id LIMIT :limit"
    )
    return await reader.fetch(sql, params)


async def place_prev_position(
    reader: Reader,
    bbox: BBox | None,
    cql: tuple[str, dict[str, Any]] | None,
    after: str,
    limit: int,
) -> str | None:
    where, params = _places_where(bbox, cql)
    params.update(after=after, limit=limit)
    sql = (
        f"SELECT pl.id FROM places pl WHERE {where} AND pl.id <= :after"
        " ORDER BY pl.id DESC OFFSET :limit LIMIT 1"
    )
    found: str | None = await reader.fetchval(sql, params)
    return found


def count_places_query(
    bbox: BBox | None, cql: tuple[str, dict[str, Any]] | None
) -> tuple[str, dict[str, Any]]:
    where, params = _places_where(bbox, cql)
    return f"SELECT count(*) FROM places pl WHERE {where}", params
