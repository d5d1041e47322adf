"""All place SQL; PostGIS writes the Feature JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.spatial import within_km
from app.web.params import BBox

FEATURE_SQL = """
json_build_object(
  'type', 'Feature', 'id', pl.id,
  'geometry', ST_AsGeoJSON(pl.geom, 6)::json,
  'properties', json_build_object(
    'id', pl.id, 'name_en', pl.name_en, 'name_ar', pl.name_ar, 'kind', pl.kind,
    'longitude', round(ST_X(pl.geom)::numeric, 6), 'latitude', round(ST_Y(pl.geom)::numeric, 6),
    'governorate_pcode', pl.governorate_pcode, 'pcode', pl.pcode,
    'country_code', pl.country_code, 'population', pl.population,
    'aliases', coalesce((SELECT json_agg(n.name ORDER BY n.id) FROM place_names n
                         WHERE n.place_id = pl.id AND NOT n.is_preferred), '[]'::json),
    'has_area', pl.area IS NOT NULL,
    'source', pl.source, 'source_id', pl.source_id
  )
)::text
"""


def search_sql(
    *,
    query: str | None,
    kinds: list[str],
    bbox: BBox | None,
    near: tuple[float, float] | None,
    radius_km: float | None,
    after: str | None,
    limit: int,
) -> tuple[str, dict[str, Any]]:
    """The SELECT of ``search`` and its parameters."""
    clauses: list[str] = []
    params: dict[str, Any] = {"limit": limit + 1}
    order = "pl.id"
    select_extra = ""
    if kinds:
        clauses.append("pl.kind = ANY(:kinds)")
        params["kinds"] = kinds
    if bbox:
        clauses.append("pl.geom && ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, 4326)")
        params.update(bx0=bbox.min_lon, by0=bbox.min_lat, bx1=bbox.max_lon, by1=bbox.max_lat)
    if near:
        params.update(nlon=near[0], nlat=near[1])
        if radius_km is not None:
            within, within_params = within_km("pl.geom", *near, radius_km, prefix="n")
            clauses.append(within)
            params.update(within_params)
        order = "pl.geom <-> ST_SetSRID(ST_MakePoint(:nlon, :nlat), 4326), pl.id"
    if query:
        # Exact (normalised) name first, then prefix, then trigram similarity.
        params.update(q=query, qlike=query.replace("%", r"\%").replace("_", r"\_") + "%")
        clauses.append(
            "pl.id IN (SELECT place_id FROM place_names WHERE name_norm = :q"
            " OR name_norm LIKE :qlike OR name_norm % :q)"
        )
        select_extra = (
            ", (SELECT max(CASE WHEN n.name_norm = :q THEN 3"
            " WHEN n.name_norm LIKE :qlike THEN 2 ELSE 0 END + similarity(n.name_norm, :q))"
            " FROM place_names n WHERE n.place_id = pl.id)"
            # an admin unit named like its town comes after the town
            " - CASE WHEN pl.kind IN ('district', 'subdistrict') THEN 0.5 ELSE 0 END AS _rank"
        )
        order = "_rank DESC, pl.population DESC NULLS LAST, pl.id"
    if after is not None and not query and not near:
        clauses.append("pl.id > :after")
        params["after"] = after
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = (
        f"SELECT pl.id AS _id, {FEATURE_SQL} AS feature{select_extra}"
        f" FROM places pl {where} ORDER BY {order} LIMIT :limit"
    )
    return sql, params


async def search(conn: AsyncConnection, **criteria: Any) -> list[Row[Any]]:
    """Places by name (best match first), by distance, or by id for plain listing;
    ``criteria`` as ``search_sql`` takes them."""
    sql, params = search_sql(**criteria)
    return list((await conn.execute(text(sql), params)).all())


async def fetch_one(conn: AsyncConnection, place_id: str) -> str | None:
    row = (
        await conn.execute(
            text(f"SELECT {FEATURE_SQL} AS feature FROM places pl WHERE pl.id = :id"),
            {"id": place_id},
        )
    ).first()
    return row.feature if row else None
