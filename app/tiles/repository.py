"""All tile SQL: PostGIS selects, clips and encodes the features (ST_AsMVT); Python only
passes the bytes on.

Both queries put their SELECT on ``app.events.repository.filtered``, so a tile shows exactly
the events ``GET /events`` lists for the same filters, live or ``as_of``. The tile envelope is
written as constants of the query (immutable functions of bound integers, folded by the
planner), so that the GiST index on ``events.geom`` serves a small tile and the planner can
still prefer a sequential scan for a tile covering the whole country.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events.filters import EventFilters
from app.events.repository import PlaceRef, filtered
from app.tiles.matrix import TileIndex

LAYER = "events"
EXTENT = 4096
# Tile units drawn beyond each edge, so that a circle or label near an edge is drawn whole by
# both tiles (1/64 of the tile, the usual buffer of 64 at an extent of 4096).
BUFFER = 64
# Clusters: a tile is cut into CELLS x CELLS cells (16 px of a 256 px tile), one feature each.
CELLS = 16

_ENVELOPE = "ST_TileEnvelope(:tz, :tx, :ty)"
_MARGIN = f"ST_TileEnvelope(:tz, :tx, :ty, margin => {BUFFER / EXTENT})"

# The properties of one event, the same whether it is drawn alone or as a cluster of one.
_EVENT_COLUMNS = """{m}.public_id AS id, to_char({m}.event_date, 'YYYY-MM-DD') AS event_date,
         {m}.time_precision, {m}.event_type, {m}.sub_event_type, {m}.fatalities,
         {m}.geo_precision, {m}.governorate_pcode, {m}.place_id, pl.name_en AS place_name,
         {m}.status"""

# Every matching event in the tile and its buffer, oldest first (so that renderers draw the
# newest on top); the order also makes the bytes, and so the ETag, repeatable.
_EVENTS = f"""
SELECT ST_AsMVT(t, '{LAYER}', {EXTENT}, 'geom') FROM (
  SELECT {_EVENT_COLUMNS.format(m="e")}, 1 AS count,
         ST_AsMVTGeom(ST_Transform(e.geom, 3857), {_ENVELOPE}, {EXTENT}, {BUFFER}, true) AS geom
  FROM {{source}} LEFT JOIN places pl ON pl.id = e.place_id
  WHERE {{where}} AND e.geom && ST_Transform({_MARGIN}, 4326)
  ORDER BY e.event_date, e.public_id
) t
"""

# The matching events in the tile (no buffer: a cell's count must be whole), grouped by cell,
# each cell drawn at the mean position of its events. A cell of one event is that event, with
# all its properties; a larger one has its count, summed fatalities and first and last dates.
# The tile is taken half-open (its east and south edges belong to the next tiles), so that a
# point on an edge is counted by one tile only; cells are counted from its top-left corner
# (clamped, for a point that rounding puts a hair outside). Each point is projected once, in
# a subquery kept apart (OFFSET 0) rather than materialised: a materialised row of every
# event with all its properties spilled to disk for a country-wide tile. The properties of a
# cell of one event are read for those events only (``singles``), by id. (Two earlier forms:
# one dropped the cells outside the tile after grouping, so the planner expected a handful
# of rows and sorted 150,000 on disk for a z=6 tile; one kept nine minima per cell.)
_CLUSTERS = f"""
WITH env AS (
  SELECT ST_XMin(b) AS x0, ST_YMax(b) AS y1, (ST_XMax(b) - ST_XMin(b)) / {CELLS} AS cell
  FROM (SELECT {_ENVELOPE} AS b) s
), cells AS (
  SELECT least(greatest(floor((ST_X(m.g) - env.x0) / env.cell), 0), {CELLS - 1}) AS col,
         least(greatest(floor((env.y1 - ST_Y(m.g)) / env.cell), 0), {CELLS - 1}) AS row,
         count(*) AS n, sum(m.fatalities) AS fatalities,
         avg(ST_X(m.g)) AS cx, avg(ST_Y(m.g)) AS cy,
         min(m.event_date) AS first_date, max(m.event_date) AS last_date, min(m.id) AS single
  FROM (
    SELECT e.id, e.fatalities, e.event_date, ST_Transform(e.geom, 3857) AS g
    FROM {{source}}
    WHERE {{where}} AND e.geom && ST_Transform({_ENVELOPE}, 4326)
      AND ST_X(e.geom) < ST_XMax(ST_Transform({_ENVELOPE}, 4326))
      AND ST_Y(e.geom) > ST_YMin(ST_Transform({_ENVELOPE}, 4326))
    OFFSET 0
  ) m CROSS JOIN env
  GROUP BY 1, 2
), singles AS (
  SELECT e.id, e.public_id, e.time_precision, e.event_type, e.sub_event_type, e.geo_precision,
         e.governorate_pcode, e.place_id, e.status
  FROM {{source}}
  WHERE e.id IN (SELECT single FROM cells WHERE n = 1) AND {{where}}
)
SELECT ST_AsMVT(t, '{LAYER}', {EXTENT}, 'geom') FROM (
  SELECT s.public_id AS id,
         CASE WHEN c.n = 1 THEN to_char(c.first_date, 'YYYY-MM-DD') END AS event_date,
         s.time_precision, s.event_type, s.sub_event_type, c.fatalities, s.geo_precision,
         s.governorate_pcode, s.place_id, pl.name_en AS place_name, s.status, c.n AS count,
         CASE WHEN c.n > 1 THEN to_char(c.first_date, 'YYYY-MM-DD') END AS first_date,
         CASE WHEN c.n > 1 THEN to_char(c.last_date, 'YYYY-MM-DD') END AS last_date,
         ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(c.cx, c.cy), 3857), {_ENVELOPE}, {EXTENT}, 0,
                      false) AS geom
  FROM cells c LEFT JOIN singles s ON c.n = 1 AND s.id = c.single
  LEFT JOIN places pl ON pl.id = s.place_id
  ORDER BY c.row, c.col
) t
"""


async def fetch_tile(
    conn: AsyncConnection,
    f: EventFilters,
    place: PlaceRef | None,
    tile: TileIndex,
    *,
    clustered: bool,
) -> bytes:
    """The tile's MVT bytes (empty when no event matches in it)."""
    source, where, params = filtered(f, place)
    sql = (_CLUSTERS if clustered else _EVENTS).format(source=source, where=where)
    bound: dict[str, Any] = {**params, "tz": tile.z, "tx": tile.x, "ty": tile.y}
    data = (await conn.execute(text(sql), bound)).scalar_one_or_none()
    return bytes(data or b"")
