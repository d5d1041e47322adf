"""HTTP for places."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import Response

from app.auth.dependencies import Editor, MaybePrincipal
from app.db import DatabaseDep
from app.errors import InvalidParameter
from app.events.listing import LIST_RESPONSES, respond_with_events
from app.events.queries import PlaceEventQuery
from app.events.schemas import EventFeatureCollection
from app.places import editing, service
from app.places.schemas import (
    PlaceFeature,
    PlaceFeatureCollection,
    PlaceIn,
    PlaceQuery,
    PlaceWrite,
)
from app.taxonomy import PLACE_KINDS
from app.web.cursor import decode_cursor
from app.web.links import url_with
from app.web.params import parse_bbox, parse_limit, parse_point, parse_positive, split_list
from app.web.querydoc import documented
from app.web.render import feature_collection
from app.web.responses import GeoJSONResponse
from app.web.schemas import AUTH_RESPONSES, PROBLEM_RESPONSES, problem_response

router = APIRouter(tags=["places"])
GEOJSON = "application/geo+json"
PlaceId = Annotated[str, Path(max_length=128)]


def _search(request: Request) -> service.PlaceSearch:
    q = request.query_params
    settings = request.app.state.settings
    kinds = split_list(q.get("kind") or "")
    for kind in kinds:
        if kind not in PLACE_KINDS:
            raise InvalidParameter("kind", f"unknown kind '{kind}'")
    near = parse_point(q["near"], "near") if "near" in q else None
    radius = parse_positive(q["radius_km"], "radius_km", 2000) if "radius_km" in q else None
    if radius is not None and near is None:
        raise InvalidParameter("radius_km", "needs near=lon,lat")
    text = q.get("q")
    if text is not None and not text.strip():
        raise InvalidParameter("q", "is empty")
    after = None
    if "cursor" in q:
        position = decode_cursor(q["cursor"], service.CURSOR_KIND)
        if len(position) != 1 or not isinstance(position[0], str):
            raise InvalidParameter("cursor", "not a cursor from a 'next' link")
        after = position[0]
    return service.PlaceSearch(
        q=text.strip() if text else None,
        kinds=kinds,
        bbox=parse_bbox(q["bbox"]) if "bbox" in q else None,
        near=near,
        radius_km=radius,
        after=after,
        limit=parse_limit(q.get("limit"), settings.default_limit, settings.max_limit),
    )


@router.get(
    "/places",
    summary="Search the gazetteer",
    response_model=PlaceFeatureCollection,
    responses=PROBLEM_RESPONSES,
    response_class=GeoJSONResponse,
    openapi_extra=documented(PlaceQuery),
)
async def list_places(request: Request, db: DatabaseDep) -> Response:
    """Places by name in either script, kind, bbox or distance from a point."""
    features, next_cursor = await service.search_places(db=db, search=_search(request))
    links = [{"href": url_with(request), "rel": "self", "type": GEOJSON}]
    if next_cursor:
        links.append(
            {"href": url_with(request, cursor=next_cursor), "rel": "next", "type": GEOJSON}
        )
    return GeoJSONResponse(feature_collection(features, links))


@router.get(
    "/places/{place_id}",
    summary="One place",
    response_model=PlaceFeature,
    responses=PROBLEM_RESPONSES,
    response_class=GeoJSONResponse,
)
async def get_place(db: DatabaseDep, place_id: PlaceId) -> Response:
    """A gazetteer entry with its names in both scripts."""
    return GeoJSONResponse(await service.get_place(db=db, place_id=place_id))


@router.get(
    "/places/{place_id}/events",
    summary="Events at a place",
    responses=LIST_RESPONSES,
    response_model=EventFeatureCollection,
    response_class=GeoJSONResponse,
    openapi_extra=documented(PlaceEventQuery),
)
async def place_events(
    request: Request, db: DatabaseDep, principal: MaybePrincipal, place_id: PlaceId
) -> Response:
    """Events linked to the place or inside its area; `radius_km` widens to a distance."""
    return await respond_with_events(request, db, principal, place_in_path=place_id)


@router.post(
    "/places",
    summary="Add a place",
    status_code=201,
    response_model=PlaceFeature,
    responses={**AUTH_RESPONSES, 409: problem_response("The id is taken")},
    response_class=GeoJSONResponse,
)
async def create_place(db: DatabaseDep, _editor: Editor, place: PlaceIn) -> Response:
    """A new gazetteer place (editors); reports geoparsed from now on can name it."""
    feature = await editing.create_place(db=db, place=place)
    return GeoJSONResponse(feature, status_code=201, headers={"Location": f"/places/{place.id}"})


@router.patch(
    "/places/{place_id}",
    summary="Correct a place",
    response_model=PlaceFeature,
    responses={**AUTH_RESPONSES, 404: PROBLEM_RESPONSES[404]},
    response_class=GeoJSONResponse,
)
async def patch_place(
    db: DatabaseDep,
    _editor: Editor,
    place_id: PlaceId,
    patch: Annotated[PlaceWrite, Body(media_type="application/merge-patch+json")],
) -> Response:
    """Names, kind, location, governorate, population or aliases (editors; merge patch)."""
    return GeoJSONResponse(await editing.patch_place(db=db, place_id=place_id, patch=patch))
