"""The grid of ``GET /stats/grid``: squares or hexagons of a given size on an equal-area map.

Cells are laid on EPSG:6933 (WGS 84 / NSIDC EASE-Grid 2.0 Global, a cylindrical equal-area
projection defined for every longitude and latitude), so every cell covers the same ground
area wherever it lies; at Syria's latitude a cell is some 6% wider east-west than tall. The
cells are PostGIS's own (``ST_Square``, ``ST_Hexagon``: flat-topped hexagons whose side is
the size, odd columns shifted north), indexed from the projection's origin, so a cell keeps
its ``col``/``row`` (and its id) across requests with other filters.
"""

from __future__ import annotations

import math
from enum import StrEnum

GRID_SRID = 6933


class Shape(StrEnum):
    hexagon = "hexagon"
    square = "square"

    def area(self, size_km: float) -> float:
        """A cell's area in km²: the side squared, or a hexagon's 3√3/2 side²."""
        factor = 3 * math.sqrt(3) / 2 if self is Shape.hexagon else 1.0
        return round(factor * size_km * size_km, 3)


# The cell of a point (m.u, m.v: its projected coordinates divided by the size), as a LATERAL
# subquery yielding (col, row). A hexagon is found by rounding the point's cube coordinates
# (q, r, s with q + r + s = 0) to the nearest whole ones, then shifting odd columns' rows as
# ST_Hexagon lays them out.
_SQUARE = "SELECT floor(m.u)::int AS col, floor(m.v)::int AS row"
_HEXAGON = """
SELECT c.q AS col, c.r + (c.q - (c.q & 1)) / 2 AS row
FROM (SELECT 2.0 / 3 * m.u AS qf, sqrt(3) / 3 * m.v - m.u / 3 AS rf) a
CROSS JOIN LATERAL (SELECT round(a.qf) AS q0, round(a.rf) AS r0, round(-a.qf - a.rf) AS s0) b
CROSS JOIN LATERAL (SELECT abs(b.q0 - a.qf) AS dq, abs(b.r0 - a.rf) AS dr,
                           abs(b.s0 + a.qf + a.rf) AS ds) d
CROSS JOIN LATERAL (
  SELECT (CASE WHEN d.dq > d.dr AND d.dq > d.ds THEN -b.r0 - b.s0 ELSE b.q0 END)::int AS q,
         (CASE WHEN (d.dq > d.dr AND d.dq > d.ds) OR d.dr <= d.ds THEN b.r0
               ELSE -b.q0 - b.s0 END)::int AS r) c"""


def cell_index(shape: Shape) -> str:
    return _HEXAGON if shape is Shape.hexagon else _SQUARE
