"""Editors add and correct gazetteer places; the geoparser sees the change at once."""

from __future__ import annotations

from typing import Any

from app.db import Database
from app.errors import Conflict, InvalidBody, NotFound
from app.places import editing_repository as repo
from app.places import repository
from app.places.schemas import PlaceIn, PlaceWrite
from app.taxonomy import PLACE_KINDS


def _values(place: PlaceWrite, given: set[str]) -> dict[str, Any]:
    if "kind" in given and place.kind not in PLACE_KINDS:
        raise InvalidBody.at("kind", f"unknown kind '{place.kind}'")
    columns = ("name_en", "name_ar", "kind", "governorate_pcode", "population")
    return {c: getattr(place, c) for c in columns if c in given}


async def create_place(*, db: Database, place: PlaceIn) -> str:
    """A new place with its names; its Feature."""
    async with db.session() as session:
        conn = await session.connection()
        if await repo.exists(conn, place.id):
            raise Conflict(f"a place with id '{place.id}' exists; PATCH it instead")
        values = _values(place, place.model_fields_set | {"name_en", "kind"})
        lon, lat = place.geometry.coordinates[:2]
        await repo.insert(conn, place.id, values, lon, lat)
        await repo.set_names(
            conn, place.id, _preferred(place.name_en, place.name_ar), place.aliases or []
        )
        feature = await repository.fetch_one(conn, place.id)
    assert feature is not None
    return feature


async def patch_place(*, db: Database, place_id: str, patch: PlaceWrite) -> str:
    """Change some of a place's names, kind, location, governorate or aliases."""
    given = patch.model_fields_set
    for required in ("name_en", "kind", "geometry"):
        if required in given and getattr(patch, required) is None:
            reason = "cannot be removed"
            raise InvalidBody(
                f"{required}: {reason}", invalid_params=[{"name": required, "reason": reason}]
            )
    async with db.session() as session:
        conn = await session.connection()
        if not await repo.exists(conn, place_id, lock=True):
            raise NotFound(f"no place with id '{place_id}'")
        point = tuple(patch.geometry.coordinates[:2]) if patch.geometry else None
        await repo.update(conn, place_id, _values(patch, given), point)  # type: ignore[arg-type]
        name_en, name_ar = await repo.names(conn, place_id)
        aliases = patch.aliases if "aliases" in given else None
        await repo.set_names(conn, place_id, _preferred(name_en, name_ar), aliases)
        feature = await repository.fetch_one(conn, place_id)
    assert feature is not None
    return feature


def _preferred(name_en: str, name_ar: str | None) -> list[tuple[str, str]]:
    return [(name_en, "en")] + ([(name_ar, "ar")] if name_ar else [])
