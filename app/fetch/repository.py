"""The SQL of fetches: what is stored already, so that a re-fetch writes only what changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.gazetteer.boundaries import Boundary

_PLACES = """
SELECT p.id, p.name_en, p.name_ar, p.kind, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
       p.pcode, p.country_code, p.population, p.source, p.source_id, p.source_note
FROM places p WHERE p.id = ANY(CAST(:ids AS text[]))
"""
_NAMES = """
SELECT place_id, name, lang, is_preferred FROM place_names
WHERE place_id = ANY(CAST(:ids AS text[]))
"""
# A boundary is stored when every place of its pcode has exactly that polygon and, as
# store_boundaries fills a missing Arabic name, has one or gets none.
_SAME_BOUNDARIES = """
SELECT u.pcode
FROM unnest(CAST(:pcodes AS text[]), CAST(:areas AS text[]), CAST(:names AS text[]))
  AS u(pcode, area, name_ar)
JOIN places p ON p.pcode = u.pcode
GROUP BY u.pcode, u.area, u.name_ar
HAVING bool_and(p.area IS NOT NULL
  AND ST_AsEWKB(p.area) = ST_AsEWKB(ST_Multi(ST_GeomFromWKB(decode(u.area, 'hex'), 4326)))
  AND (p.name_ar IS NOT NULL OR u.name_ar IS NULL))
"""


async def stored_places(conn: AsyncConnection, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    """Each stored place of these ids as ``loader.upsert_places`` would write it: its
    columns, then its names as a set of (name, lang, is_preferred). Not its governorate and
    district: once boundaries are loaded they are the polygons' (containment), not the
    dump's."""
    names: dict[str, set[tuple[str, str, bool]]] = {}
    for r in (await conn.execute(text(_NAMES), {"ids": ids})).all():
        names.setdefault(r.place_id, set()).add((r.name, r.lang, bool(r.is_preferred)))
    found: dict[str, tuple[Any, ...]] = {}
    for r in (await conn.execute(text(_PLACES), {"ids": ids})).all():
        columns = tuple(r._mapping.values())[1:]
        found[r.id] = (*columns, frozenset(names.get(r.id, set())))
    return found


async def stored_boundaries(conn: AsyncConnection, boundaries: list[Boundary]) -> set[str]:
    """The pcodes of these boundaries that are stored exactly so."""
    if not boundaries:
        return set()
    params = {
        "pcodes": [b.pcode for b in boundaries],
        "areas": [b.area.wkb_hex for b in boundaries],
        "names": [b.name_ar for b in boundaries],
    }
    return {r.pcode for r in (await conn.execute(text(_SAME_BOUNDARIES), params)).all()}
