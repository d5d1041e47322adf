"""The built-in gazetteer: the 14 governorates and key places, in Arabic and English."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import orjson
from geoalchemy2.shape import from_shape
from rich.console import Console
from rich.progress import track
from shapely.geometry import Point
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import Database, make_engine
from app.models import Place, PlaceName
from app.settings import Settings

_ARABIC = re.compile("[\u0600-\u06ff]")


def builtin_places() -> list[dict[str, Any]]:
    data = resources.files("app.gazetteer").joinpath("data/places.json").read_bytes()
    places: list[dict[str, Any]] = orjson.loads(data)
    return places


def _names(entry: dict[str, Any]) -> list[dict[str, Any]]:
    names = [{"name": entry["name_en"], "lang": "en", "is_preferred": True}]
    if entry.get("name_ar"):
        names.append({"name": entry["name_ar"], "lang": "ar", "is_preferred": True})
    seen = {n["name"] for n in names}
    for alias in entry.get("aliases") or []:
        if alias not in seen:
            seen.add(alias)
            lang = "ar" if _ARABIC.search(alias) else "en"
            names.append({"name": alias, "lang": lang, "is_preferred": False})
    return names


async def upsert_places(
    session: AsyncSession, entries: list[dict[str, Any]], show_progress: bool = False
) -> int:
    """Insert or update places by id, and replace their names."""
    rows = track(entries, description="places") if show_progress else entries
    conn = await session.connection()
    for entry in rows:
        values = {
            "id": entry["id"],
            "name_en": entry["name_en"],
            "name_ar": entry.get("name_ar"),
            "kind": entry["kind"],
            "geom": from_shape(Point(entry["lon"], entry["lat"]), srid=4326),
            "pcode": entry.get("pcode"),
            "governorate_pcode": entry.get("governorate_pcode"),
            "country_code": entry.get("country_code") or _country(entry),
            "population": entry.get("population"),
            "source": entry.get("source", "curated"),
            "source_id": entry.get("source_id"),
            "source_note": entry.get("source_note"),
        }
        stmt = insert(Place).values(**values)
        update = {k: stmt.excluded[k] for k in values if k != "id"}
        await conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=update))
        await conn.execute(delete(PlaceName).where(PlaceName.place_id == entry["id"]))
        for name in _names(entry):
            session.add(PlaceName(place_id=entry["id"], **name))
    await session.flush()
    return len(entries)


def _country(entry: dict[str, Any]) -> str:
    prefix = str(entry["id"]).split("-", 1)[0]
    return prefix.upper() if len(prefix) == 2 else "SY"


async def load_builtin(settings: Settings, console: Console | None = None) -> int:
    db = Database(make_engine(settings))
    try:
        async with db.session() as session:
            return await upsert_places(session, builtin_places(), show_progress=True)
    finally:
        await db.dispose()
