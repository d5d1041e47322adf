"""All SQL of place edits. ``updated_at`` moves with every edit: the geoparser's gazetteer
snapshot is rebuilt when it does (app/geoparse/cache.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"


async def exists(conn: AsyncConnection, place_id: str, *, lock: bool = False) -> bool:
    sql = "SELECT 1 FROM places WHERE id = :id" + (" FOR UPDATE" if lock else "")
    return (await conn.execute(text(sql), {"id": place_id})).first() is not None


async def insert(
    conn: AsyncConnection, place_id: str, values: dict[str, Any], lon: float, lat: float
) -> None:
    names = ", ".join(values)
    binds = ", ".join(f":{n}" for n in values)
    await conn.execute(
        text(
            f"INSERT INTO places (id, {names}, geom, source, source_id)"
            f" VALUES (:id, {binds}, {_POINT}, 'editor', :id)"
        ),
        {**values, "id": place_id, "lon": lon, "lat": lat},
    )


async def update(
    conn: AsyncConnection, place_id: str, values: dict[str, Any], point: tuple[float, float] | None
) -> None:
    sets = [f"{n} = :{n}" for n in values] + ["updated_at = now()"]
    params: dict[str, Any] = {**values, "id": place_id}
    if point is not None:
        sets.append(f"geom = {_POINT}")
        params.update(lon=point[0], lat=point[1])
    await conn.execute(text(f"UPDATE places SET {', '.join(sets)} WHERE id = :id"), params)


async def set_names(
    conn: AsyncConnection,
    place_id: str,
    preferred: list[tuple[str, str]],
    aliases: list[str] | None,
) -> None:
    """The preferred names (name, language) and, when given, the aliases (replacing them)."""
    await conn.execute(
        text(
            "DELETE FROM place_names WHERE place_id = :id"
            + ("" if aliases is not None else " AND is_preferred")
        ),
        {"id": place_id},
    )
    rows = [(n, lang, True) for n, lang in preferred] + [(a, "und", False) for a in aliases or []]
    for name, lang, is_preferred in rows:
        await conn.execute(
            text(
                "INSERT INTO place_names (place_id, name, lang, is_preferred)"
                " VALUES (:id, :name, :lang, :pref) ON CONFLICT (place_id, name) DO NOTHING"
            ),
            {"id": place_id, "name": name, "lang": lang, "pref": is_preferred},
        )


async def names(conn: AsyncConnection, place_id: str) -> tuple[str, str | None]:
    row = (
        await conn.execute(
            text("SELECT name_en, name_ar FROM places WHERE id = :id"), {"id": place_id}
        )
    ).one()
    return row.name_en, row.name_ar
