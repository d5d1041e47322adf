"""Geometry literals of a CQL2 filter (WKT or GeoJSON, or BBOX), checked before PostGIS sees
them: a malformed or invalid geometry is a 400 naming ``filter``, never a database error."""

from __future__ import annotations

import math
from typing import Any

import shapely
from shapely.geometry import box, shape
from shapely.validation import explain_validity

from app.errors import InvalidParameter

MAX_VERTICES = 10_000
_TYPES = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)


def literal_wkb(node: Any) -> bytes:
    """The literal as WKB, in CRS84 (longitude, latitude): the only ``filter-crs``."""
    geom = _bbox(node["bbox"]) if isinstance(node, dict) and "bbox" in node else _shape(node)
    if geom.is_empty:
        raise InvalidParameter("filter", "the geometry is empty")
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise InvalidParameter("filter", f"a geometry has more than {MAX_VERTICES} vertices")
    min_x, min_y, max_x, max_y = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds):
        raise InvalidParameter("filter", "a coordinate is not a finite number")
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise InvalidParameter(
            "filter", "coordinates are longitude -180..180, latitude -90..90 (CRS84)"
        )
    if not geom.is_valid:
        raise InvalidParameter("filter", f"invalid geometry: {explain_validity(geom)}")
    return bytes(shapely.to_wkb(geom))


def _shape(node: Any) -> Any:
    if not isinstance(node, dict) or node.get("type") not in _TYPES:
        raise InvalidParameter(
            "filter", f"expected a geometry (WKT, GeoJSON or BBOX), got {node!r}"[:200]
        )
    try:
        return shape(node)
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely.errors.ShapelyError,
    ) as exc:
        raise InvalidParameter("filter", f"not a valid {node['type']}: {exc}") from None


def _bbox(values: Any) -> Any:
    if not isinstance(values, list) or len(values) not in (4, 6):
        raise InvalidParameter("filter", "BBOX takes 4 numbers (or 6, with heights)")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise InvalidParameter("filter", "BBOX takes numbers")
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    min_x, min_y, max_x, max_y = values
    if min_x > max_x or min_y > max_y:
        raise InvalidParameter(
            "filter",
            "BBOX is minLon, minLat, maxLon, maxLat (a box across the antimeridian is not "
            "supported: give two)",
        )
    return box(min_x, min_y, max_x, max_y)
