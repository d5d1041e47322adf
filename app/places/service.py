"""Finding places in the gazetteer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.db import Database
from app.errors import NotFound
from app.places import repository
from app.text.normalize import normalize
from app.web.cursor import encode_cursor
from app.web.params import BBox

CURSOR_KIND = "places"


@dataclass
class PlaceSearch:
    q: str | None
    kinds: list[str]
    bbox: BBox | None
    near: tuple[float, float] | None
    radius_km: float | None
    after: str | None
    limit: int


async def search_places(*, db: Database, search: PlaceSearch) -> tuple[list[str], str | None]:
    """Matching places as Feature JSON, and a cursor when plain listing has more."""
    async with db.read_connection() as conn:
        rows: list[Any] = await repository.search(
            conn,
            query=normalize(search.q) if search.q else None,
            kinds=search.kinds,
            bbox=search.bbox,
            near=search.near,
            radius_km=search.radius_km,
            after=search.after,
            limit=search.limit,
        )
    next_cursor = None
    if len(rows) > search.limit:
        rows = rows[: search.limit]
        if not search.q and not search.near:
            next_cursor = encode_cursor(CURSOR_KIND, [rows[-1]._id])
    return [r.feature for r in rows], next_cursor


async def get_place(*, db: Database, place_id: str) -> str:
    """One place as a Feature."""
    async with db.read_connection() as conn:
        feature = await repository.fetch_one(conn, place_id)
    if feature is None:
        raise NotFound(f"no place with id '{place_id}'")
    return feature
