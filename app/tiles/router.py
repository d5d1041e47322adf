"""HTTP for vector tiles: parse, call one service function, return."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from app.auth.dependencies import MaybePrincipal
from app.db import DatabaseDep
from app.events.filters import parse_filters
from app.events.queries import FilterQuery
from app.tiles import service
from app.tiles.matrix import MAX_ZOOM, MIN_ZOOM, check_tile
from app.tiles.schemas import TileJSON
from app.web.budgets import dashboard_slot
from app.web.conditional import VARY, CachedRead, cache_control, not_modified
from app.web.links import absolute
from app.web.querydoc import documented
from app.web.schemas import PROBLEM_RESPONSES

# Scans that grow with the data: at most SE_DASHBOARD_SLOTS at once (app/web/budgets.py).
router = APIRouter(tags=["tiles"], dependencies=[Depends(dashboard_slot)])

MVT = "application/vnd.mapbox-vector-tile"
# The largest column or row of any zoom offered (2**22 - 1); the zoom's own limit is checked
# by the service's grid.
MAX_INDEX = 2**MAX_ZOOM - 1
TILE_HEADERS = {
    "ETag": {
        "description": "a weak validator of the data version and the tile's URL",
        "schema": {"type": "string"},
    },
    "Last-Modified": {"description": "the latest write to the data", "schema": {"type": "string"}},
    "Cache-Control": {
        "description": "anonymous requests: `public, max-age=N` (SE_TILE_MAX_AGE_S, default "
        "300); with a key (drafts or not): `private, no-cache`",
        "schema": {"type": "string"},
    },
}
TILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A Mapbox Vector Tile (v2.1) with one layer, `events`",
        "content": {MVT: {"schema": {"type": "string", "format": "binary"}}},
        "headers": TILE_HEADERS,
    },
    204: {"description": "No event matches in this tile", "headers": TILE_HEADERS},
    304: {
        "description": "Not modified (If-None-Match, or If-Modified-Since without it)",
        "headers": TILE_HEADERS,
    },
    **PROBLEM_RESPONSES,
}


class MVTResponse(Response):
    media_type = MVT


@router.get(
    "/tiles/{z}/{x}/{y}.mvt",
    summary="A vector tile of events",
    response_class=MVTResponse,
    responses=TILE_RESPONSES,
    openapi_extra=documented(FilterQuery),
)
async def get_tile(
    request: Request,
    db: DatabaseDep,
    principal: MaybePrincipal,
    z: Annotated[int, Path(ge=MIN_ZOOM, le=MAX_ZOOM, description="zoom (tile matrix)")],
    x: Annotated[int, Path(ge=0, le=MAX_INDEX, description="column, from the west")],
    y: Annotated[int, Path(ge=0, le=MAX_INDEX, description="row, from the north")],
) -> Response:
    """The events matching every filter (those of `GET /events`) in one WebMercatorQuad tile:
    points with their properties, or up to zoom 12 clusters with a `count`. 204 when none."""
    tile = check_tile(z, x, y)
    filters = parse_filters(request)
    result = await service.get_tile(
        db=db,
        filters=filters,
        principal=principal,
        tile=tile,
        read=CachedRead.of(request, "mvt", principal),
    )
    # A key (drafts among the tile or not) makes it the caller's: no shared cache keeps it.
    max_age = request.app.state.settings.tile_max_age_s
    headers = result.validators.headers(cache_control(principal, max_age), VARY)
    if result.body is None:
        return not_modified(headers)
    if not result.body:
        return Response(status_code=204, headers=headers)
    return MVTResponse(result.body, headers=headers)


@router.get(
    "/tiles/tilejson.json",
    summary="TileJSON of the event tiles",
    responses=PROBLEM_RESPONSES,
    openapi_extra=documented(FilterQuery),
)
async def get_tilejson(request: Request, db: DatabaseDep, principal: MaybePrincipal) -> TileJSON:
    """TileJSON 3.0.0 for MapLibre, QGIS or OpenLayers: the tile URL carries the same filters."""
    filters = parse_filters(request)
    query = urlencode(request.query_params.multi_items())
    template = absolute(request, "/tiles/{z}/{x}/{y}.mvt") + (f"?{query}" if query else "")
    return await service.describe(db=db, filters=filters, principal=principal, tiles_url=template)
