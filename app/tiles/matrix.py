"""The tile grid: OGC WebMercatorQuad (the z/x/y scheme of web maps), as morecantile defines it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import morecantile

from app.errors import InvalidParameter

TILE_MATRIX_SET = "WebMercatorQuad"
MIN_ZOOM = 0
# WebMercatorQuad goes to 24; past 22 a tile is a few centimetres wide, which event
# coordinates (a few metres at best) never need.
MAX_ZOOM = 22


@dataclass(frozen=True)
class TileIndex:
    z: int
    x: int
    y: int


@cache
def _matrix_set() -> morecantile.TileMatrixSet:
    return morecantile.tms.get(TILE_MATRIX_SET)


def check_tile(z: int, x: int, y: int) -> TileIndex:
    """The tile, when it is one of the grid's; else a 400 naming ``z``, ``x`` or ``y``."""
    if not MIN_ZOOM <= z <= MAX_ZOOM:
        raise InvalidParameter("z", f"zoom {z} is outside {MIN_ZOOM}..{MAX_ZOOM}")
    limits = _matrix_set().minmax(z)
    for name, value in (("x", x), ("y", y)):
        low, high = limits[name]["min"], limits[name]["max"]
        if not low <= value <= high:
            raise InvalidParameter(name, f"{value} is outside {low}..{high} at zoom {z}")
    return TileIndex(z, x, y)
