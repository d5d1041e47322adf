"""All event SQL. PostGIS writes each Feature's JSON; Python never decodes it on lists."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events.filters import EventFilters, Page

_ACTORS = """
LEFT JOIN LATERAL (
  SELECT json_agg(json_build_object('name', a.name, 'side', ea.side)
                  ORDER BY ea.side, a.name) AS actors,
         string_agg(a.name, '; ' ORDER BY a.name) FILTER (WHERE ea.side = 'actor1') AS actor1,
         string_agg(a.name, '; ' ORDER BY a.name) FILTER (WHERE ea.side = 'actor2') AS actor2
  FROM event_actors ea JOIN actors a ON a.id = ea.actor_id
  WHERE ea.event_id = e.id
) ac ON true
LEFT JOIN places p ON p.id = e.place_id
"""

_PROPERTIES = """
  'event_date', e.event_date, 'time_precision', e.time_precision,
  'event_type', e.event_type, 'sub_event_type', e.sub_event_type,
  'description', e.description, 'fatalities', e.fatalities,
  'geo_precision', e.geo_precision, 'governorate_pcode', e.governorate_pcode,
  'place_id', e.place_id, 'place_name', p.name_en, 'place_name_ar', p.name_ar,
  'actor1', ac.actor1, 'actor2', ac.actor2, 'actors', coalesce(ac.actors, '[]'::json),
  'source', e.source, 'status', e.status, 'version', e.version,
  'created_at', e.created_at, 'updated_at', e.updated_at
"""

FEATURE_SQL = f"""
json_build_object(
  'type', 'Feature', 'id', e.public_id,
  'geometry', ST_AsGeoJSON(e.geom, 6)::json,
  'properties', json_build_object({_PROPERTIES})
)::text
"""

CSV_COLUMNS = (
    "id",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "governorate_pcode",
    "place_id",
    "place_name",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "description",
    "status",
    "version",
    "updated_at",
)
_CSV_SELECT = """
e.public_id AS id, e.event_date, e.time_precision, e.event_type, e.sub_event_type,
ac.actor1, ac.actor2, e.governorate_pcode, e.place_id, p.name_en AS place_name,
round(ST_Y(e.geom)::numeric, 6) AS latitude, round(ST_X(e.geom)::numeric, 6) AS longitude,
e.geo_precision, e.fatalities, e.description, e.status, e.version, e.updated_at
"""


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
        clauses.append(
            "EXISTS (SELECT 1 FROM event_actors xa JOIN actors xb ON xb.id = xa.actor_id"
            " WHERE xa.event_id = e.id AND se_normalize(xb.name) LIKE :actor)"
        )
        params["actor"] = _like(f.actor)
    if place is not None:
        _place_clause(f, place, clauses, params)
    return " AND ".join(clauses), params


def _place_clause(
    f: EventFilters, place: PlaceRef, clauses: list[str], params: dict[str, Any]
) -> None:
    if f.radius_km is not None:
        # The envelope lets the GiST index narrow down; ST_DWithin on geography is exact.
        dy = f.radius_km / 110.57
        dx = f.radius_km / (111.32 * max(math.cos(math.radians(place.lat)), 0.01))
        clauses.append(
            "e.geom && ST_MakeEnvelope(:px0, :py0, :px1, :py1, 4326)"
            " AND ST_DWithin(e.geom::geography,"
            " ST_SetSRID(ST_MakePoint(:plon, :plat), 4326)::geography, :pm)"
        )
        params.update(
            px0=place.lon - dx,
            py0=place.lat - dy,
            px1=place.lon + dx,
            py1=place.lat + dy,
            plon=place.lon,
            plat=place.lat,
            pm=f.radius_km * 1000.0,
        )
        return
    inside = (
        " OR ST_Intersects((SELECT area FROM places WHERE id = :place), e.geom)"
        if place.has_area
        else ""
    )
    clauses.append(
        "(e.place_id = :place OR EXISTS (SELECT 1 FROM event_places xp"
        f" WHERE xp.event_id = e.id AND xp.place_id = :place){inside})"
    )
    params["place"] = place.id


# Every page query starts with the keyset columns (_id, _date); payload columns follow.
# Filter, sort and limit run on events alone; actors and place names are joined onto the
# page only. Joined first, a misestimated filter (ST_DWithin says "1 row") builds actor
# lists for every candidate row: 540 ms instead of tens (bench/, EXPLAIN ANALYZE).
def _page_sql(
    select: str, f: EventFilters, place: PlaceRef | None, page: Page, extra_limit: int
) -> tuple[str, dict[str, Any]]:
    where, params = where_clause(f, place)
    if page.after is not None:
        where += " AND (e.event_date, e.id) < (:after_date, :after_id)"
        params.update(after_date=page.after[0], after_id=page.after[1])
    limit = ""
    if page.limit is not None:
        limit = " LIMIT :limit"
        params["limit"] = page.limit + extra_limit
    sql = (
        f"SELECT e.id AS _id, e.event_date AS _date, {select}"
        f" FROM (SELECT e.* FROM events e WHERE {where}"
        f" ORDER BY e.event_date DESC, e.id DESC{limit}) e {_ACTORS}"
        " ORDER BY e.event_date DESC, e.id DESC"
    )
    return sql, params


async def fetch_features(
    conn: AsyncConnection, f: EventFilters, place: PlaceRef | None, page: Page
) -> list[Row[Any]]:
    """One page (plus one row, to know whether a next page exists) of Feature JSON."""
    sql, params = _page_sql(f"{FEATURE_SQL} AS feature", f, place, page, extra_limit=1)
    return list((await conn.execute(text(sql), params)).all())


async def fetch_csv_rows(
    conn: AsyncConnection, f: EventFilters, place: PlaceRef | None, page: Page
) -> list[Row[Any]]:
    sql, params = _page_sql(_CSV_SELECT, f, place, page, extra_limit=1)
    return list((await conn.execute(text(sql), params)).all())


async def stream(
    conn: AsyncConnection, f: EventFilters, place: PlaceRef | None, *, csv: bool
) -> AsyncIterator[Row[Any]]:
    """Every matching row through a server-side cursor: memory stays flat."""
    select = _CSV_SELECT if csv else f"{FEATURE_SQL} AS feature"
    sql, params = _page_sql(select, f, place, Page(limit=None), extra_limit=0)
    result = await conn.stream(text(sql).execution_options(yield_per=1000), params)
    async for row in result:
        yield row


async def count(conn: AsyncConnection, f: EventFilters, place: PlaceRef | None) -> int:
    where, params = where_clause(f, place)
    sql = f"SELECT count(*) FROM events e WHERE {where}"
    return int((await conn.execute(text(sql), params)).scalar_one())


async def find_place(conn: AsyncConnection, place_id: str) -> PlaceRef | None:
    row = (
        await conn.execute(
            text(
                "SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat, area IS NOT NULL AS has_area"
                " FROM places WHERE id = :id"
            ),
            {"id": place_id},
        )
    ).first()
    return PlaceRef(row.id, row.lon, row.lat, row.has_area) if row else None


_DETAIL = f"""
SELECT e.status, e.retraction_reason, json_build_object(
  'type', 'Feature', 'id', e.public_id,
  'geometry', ST_AsGeoJSON(e.geom, 6)::json,
  'properties', json_build_object({_PROPERTIES},
    'places', coalesce((
      SELECT json_agg(json_build_object(
        'role', x.role, 'id', pl.id, 'name_en', pl.name_en, 'name_ar', pl.name_ar,
        'kind', pl.kind, 'longitude', round(ST_X(pl.geom)::numeric, 6),
        'latitude', round(ST_Y(pl.geom)::numeric, 6),
        'governorate_pcode', pl.governorate_pcode) ORDER BY x.ord, pl.id)
      FROM (SELECT e.place_id AS place_id, 'primary' AS role, 0 AS ord
              WHERE e.place_id IS NOT NULL
            UNION
            SELECT ep.place_id, ep.role, 1 FROM event_places ep
              WHERE ep.event_id = e.id AND ep.role <> 'primary') x
      JOIN places pl ON pl.id = x.place_id), '[]'::json),
    'reports', coalesce((
      SELECT json_agg(json_build_object(
        'id', r.public_id, 'title', r.title, 'url', r.url, 'source', r.source,
        'language', r.language, 'published_at', r.published_at,
        'quote', er.quote, 'quote_start', er.quote_start, 'quote_end', er.quote_end)
        ORDER BY r.published_at, r.id)
      FROM event_reports er JOIN reports r ON r.id = er.report_id
      WHERE er.event_id = e.id), '[]'::json),
    'retraction_reason', e.retraction_reason
  )
)::text AS feature
FROM events e {_ACTORS}
WHERE e.public_id = :id
"""


async def fetch_detail(conn: AsyncConnection, public_id: str) -> Row[Any] | None:
    return (await conn.execute(text(_DETAIL), {"id": public_id})).first()
