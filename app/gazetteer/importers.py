"""Storing users' full data: GeoNames dumps and OCHA boundaries, then containment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.gazetteer.boundaries import LEVEL_KINDS, Boundary
from app.models import PlaceName

_AREA = "ST_Multi(ST_GeomFromWKB(decode(:area, 'hex'), 4326))"
_UPDATE_AREA = text(
    f"UPDATE places SET area = {_AREA}, updated_at = now(),"
    " name_ar = coalesce(name_ar, :name_ar) WHERE pcode = :pcode RETURNING id"
)
_INSERT_UNIT = text(
    "INSERT INTO places (id, name_en, name_ar, kind, geom, area, pcode, governorate_pcode,"
    " district_pcode, source, source_id)"
    f" VALUES (:id, :name_en, :name_ar, :kind, ST_PointOnSurface({_AREA}), {_AREA},"
    " :pcode, :governorate, :district, 'ocha', :pcode)"
)


async def store_boundaries(session: AsyncSession, boundaries: Iterable[Boundary]) -> int:
    """Attach each polygon to the place with its pcode, creating the unit when missing."""
    conn = await session.connection()
    count = 0
    for b in sorted(boundaries, key=lambda b: b.level):
        params: dict[str, Any] = {"area": b.area.wkb_hex, "name_ar": b.name_ar, "pcode": b.pcode}
        if (await conn.execute(_UPDATE_AREA, params)).first() is None:
            place_id = f"ocha-{b.pcode.lower()}"
            await conn.execute(
                _INSERT_UNIT,
                {
                    **params,
                    "id": place_id,
                    "name_en": b.name_en,
                    "kind": LEVEL_KINDS[b.level],
                    "governorate": b.pcode[:4],
                    "district": b.pcode[:6] if b.level >= 2 else None,
                },
            )
            session.add(PlaceName(place_id=place_id, name=b.name_en, lang="en", is_preferred=True))
            if b.name_ar:
                session.add(
                    PlaceName(place_id=place_id, name=b.name_ar, lang="ar", is_preferred=True)
                )
        count += 1
    await session.flush()
    return count


# Points take the governorate and district whose polygons contain them, in one statement
# per table (one new version per event); a point outside every polygon keeps what it had.
_UNIT = (
    "(SELECT u.pcode FROM places u WHERE u.kind = '{kind}' AND u.area IS NOT NULL"
    " AND ST_Intersects(u.area, t.geom) ORDER BY u.pcode LIMIT 1)"
)
_CONTAINMENT = {
    "places": "t.kind NOT IN ('governorate', 'country') AND t.country_code = 'SY'",
    "events": "true",
}


async def assign_by_containment(session: AsyncSession) -> dict[str, int]:
    """Governorate and district of places and events from the loaded polygons."""
    conn = await session.connection()
    await conn.execute(text("SET LOCAL se.actor = 'gazetteer'"))
    await conn.execute(
        text("SET LOCAL se.reason = 'governorate and district by containment in OCHA boundaries'")
    )
    changed: dict[str, int] = {}
    for table, scope in _CONTAINMENT.items():
        result = await conn.execute(
            text(
                f"UPDATE {table} p SET governorate_pcode = coalesce(x.gov, p.governorate_pcode),"
                " district_pcode = coalesce(x.dist, p.district_pcode)"
                f" FROM (SELECT t.id, {_UNIT.format(kind='governorate')} AS gov,"
                f" {_UNIT.format(kind='district')} AS dist FROM {table} t WHERE {scope}) x"
                " WHERE x.id = p.id AND ("
                "p.governorate_pcode IS DISTINCT FROM coalesce(x.gov, p.governorate_pcode)"
                " OR p.district_pcode IS DISTINCT FROM coalesce(x.dist, p.district_pcode))"
            )
        )
        changed[table] = result.rowcount
    return changed
