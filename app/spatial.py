"""Spatial SQL shared by areas: "within so many km of a point" that a GiST index can answer.

``ST_DWithin`` on geography is exact (on the WGS 84 spheroid) but cannot use the index of a
geometry column, which it casts; a ``&&`` with a lon/lat box holding the whole circle first
lets the index narrow down, and the distance on the spheroid then decides.

That distance is compared as ``ST_Distance(...) <= m``, not with ``ST_DWithin``: PostgreSQL
takes ST_DWithin for a handful of rows (its estimate for geography), so a 25 km radius around
Aleppo (71,000 of 817,000 bench events) was planned as "fetch every match, then sort" (300 ms
for a page of 100); a comparison is estimated at a third of the box, and the planner walks the
date index instead where matches are many (40 ms), and the box's index where they are few.
"""

from __future__ import annotations

import math
from typing import Any

# The smallest radius of curvature of the WGS 84 spheroid (the meridian's, at the equator:
# a(1 - e^2)). Distances on the spheroid are never shorter than on a sphere of this radius
# between the same lon/lat, so the box of that sphere's circle holds the spheroid's circle.
_MIN_RADIUS_KM = 6335.439


def radius_box(lon: float, lat: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a box holding every point within
    ``radius_km`` of (``lon``, ``lat``); every longitude where the circle reaches a pole or
    crosses the antimeridian."""
    d = radius_km / _MIN_RADIUS_KM  # the angular radius
    phi = math.radians(lat)
    south, north = phi - d, phi + d
    if south <= -math.pi / 2 or north >= math.pi / 2:
        return -180.0, max(math.degrees(south), -90.0), 180.0, min(math.degrees(north), 90.0)
    # The circle's widest longitudes on the sphere (not d / cos(lat), which is too narrow).
    dlon = math.degrees(math.asin(math.sin(d) / math.cos(phi)))
    if lon - dlon < -180 or lon + dlon > 180:
        return -180.0, math.degrees(south), 180.0, math.degrees(north)
    return lon - dlon, math.degrees(south), lon + dlon, math.degrees(north)


def within_km(
    column: str, lon: float, lat: float, radius_km: float, *, prefix: str
) -> tuple[str, dict[str, Any]]:
    """SQL true when the point geometry ``column`` (EPSG:4326) is within ``radius_km`` of
    (``lon``, ``lat``), and its parameters, named ``prefix`` + x0, y0, x1, y1, lon, lat, m."""
    x0, y0, x1, y1 = radius_box(lon, lat, radius_km)
    p = prefix
    sql = (
        f"{column} && ST_MakeEnvelope(:{p}x0, :{p}y0, :{p}x1, :{p}y1, 4326)"
        f" AND ST_Distance({column}::geography,"
        f" ST_SetSRID(ST_MakePoint(:{p}lon, :{p}lat), 4326)::geography) <= :{p}m"
    )
    params = {
        f"{p}x0": x0,
        f"{p}y0": y0,
        f"{p}x1": x1,
        f"{p}y1": y1,
        f"{p}lon": lon,
        f"{p}lat": lat,
        f"{p}m": radius_km * 1000.0,
    }
    return sql, params
