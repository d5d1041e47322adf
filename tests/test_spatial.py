"""The box of a radius search holds the whole circle, as PostGIS measures it on the spheroid:
in Syria, near the poles and across the antimeridian."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.spatial import radius_box

# Points at 99.99 % of the radius, every 5 degrees of azimuth, on the WGS 84 spheroid.
ON_THE_CIRCLE = """
SELECT ST_X(p::geometry) AS lon, ST_Y(p::geometry) AS lat
FROM (SELECT ST_Project(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography,
                        :radius_km * 999.9, radians(a)) AS p
      FROM generate_series(0, 355, 5) a) circle
"""


@pytest.mark.parametrize("radius_km", [1, 25, 500, 2000])
@pytest.mark.parametrize(
    ("lon", "lat"),
    [(36.3, 33.5), (40.14, 35.33), (10.0, 70.0), (179.9, 0.0), (-179.95, -45.0), (0.0, 89.5)],
)
async def test_the_box_holds_every_point_of_the_circle(
    conn: AsyncConnection, lon: float, lat: float, radius_km: float
) -> None:
    x0, y0, x1, y1 = radius_box(lon, lat, radius_km)
    params = {"lon": lon, "lat": lat, "radius_km": radius_km}
    for point in (await conn.execute(text(ON_THE_CIRCLE), params)).all():
        assert x0 <= point.lon <= x1 and y0 <= point.lat <= y1, (point, (x0, y0, x1, y1))


def test_the_box_is_tight_where_it_can_be() -> None:
    x0, y0, x1, y1 = radius_box(36.3, 33.5, 25)
    # 25 km is 0.225 degrees of latitude and 0.270 of longitude there; within 1 %.
    assert 0.225 < (y1 - y0) / 2 < 0.228 and 0.270 < (x1 - x0) / 2 < 0.273
    assert radius_box(179.9, 0, 25)[::2] == (-180, 180), "across the antimeridian: all longitudes"
    assert radius_box(0, 89.9, 25) == (-180, pytest.approx(89.9 - 0.226, abs=1e-3), 180, 90)
