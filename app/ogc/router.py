"""HTTP for OGC API - Features: parse, call one service function, return.

The landing page (``GET /``) is served by app/map, which answers browsers with the map and
JSON clients with ``app.ogc.landing.landing_page``.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from app.auth.dependencies import MaybePrincipal
from app.db import DatabaseDep
from app.events.listing import LIST_RESPONSES
from app.events.schemas import EventFeatureCollection
from app.ogc import documents, params, responses, service
from app.ogc.documents import EVENTS, PLACES, CollectionInfo
from app.ogc.schemas import (
    Collection,
    Collections,
    Conformance,
    EventItem,
    EventItemsQuery,
    FeatureQuery,
    JSONQuery,
    PlaceItem,
    PlaceItems,
    PlaceItemsQuery,
    Queryables,
)
from app.web.budgets import counting
from app.web.bulk import page_bytes, writer_for
from app.web.conditional import (
    VARY,
    VARY_ACCEPT,
    CachedRead,
    cache_control,
    none_match,
    not_modified,
)
from app.web.fastpath import read_of
from app.web.formats import BULK, Format
from app.web.links import absolute
from app.web.querydoc import documented
from app.web.responses import GeoJSONResponse, RawJSONResponse
from app.web.schemas import PROBLEM_RESPONSES, problem_response

JSONOnly = Annotated[JSONQuery, Query()]
ItemQuery = Annotated[FeatureQuery, Query()]
router = APIRouter(tags=["OGC API - Features"])
FeatureId = Annotated[str, Path(max_length=128, description="the feature's id")]


class SchemaJSONResponse(RawJSONResponse):
    media_type = documents.SCHEMA_JSON


def _json(doc: dict[str, Any]) -> Response:
    return RawJSONResponse(orjson.dumps(doc))


@router.get(
    "/conformance",
    summary="Conformance classes",
    response_model=Conformance,
    responses=PROBLEM_RESPONSES,
)
async def conformance(_query: JSONOnly) -> Response:
    """The OGC API - Features and CQL2 conformance classes this API implements."""
    return _json(documents.conformance())


@router.get(
    "/collections",
    summary="Feature collections",
    response_model=Collections,
    responses=PROBLEM_RESPONSES,
)
async def collections(request: Request, db: DatabaseDep, _query: JSONOnly) -> Response:
    """The events and the gazetteer places, with their extents and links to their items."""
    extents = await service.extents(db=db)
    return _json(documents.collections(absolute(request, ""), extents))


async def _collection(request: Request, db: DatabaseDep, info: CollectionInfo) -> Response:
    extents = await service.extents(db=db)
    return _json(documents.collection(absolute(request, ""), info, extents[info.id]))


@router.get(
    "/collections/events",
    summary="The events collection",
    response_model=Collection,
    responses=PROBLEM_RESPONSES,
)
async def events_collection(request: Request, db: DatabaseDep, _query: JSONOnly) -> Response:
    """Where and when the events are, and links to them."""
    return await _collection(request, db, EVENTS)


@router.get(
    "/collections/places",
    summary="The places collection",
    response_model=Collection,
    responses=PROBLEM_RESPONSES,
)
async def places_collection(request: Request, db: DatabaseDep, _query: JSONOnly) -> Response:
    """Where the gazetteer's places are, and links to them."""
    return await _collection(request, db, PLACES)


QUERYABLES_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    200: {"description": "A JSON Schema", "content": {documents.SCHEMA_JSON: {}}},
}


@router.get(
    "/collections/events/queryables",
    summary="What an events filter may name",
    response_model=Queryables,
    response_class=SchemaJSONResponse,
    responses=QUERYABLES_RESPONSES,
)
async def events_queryables(request: Request, _query: JSONOnly) -> Response:
    """The properties a CQL2 `filter` on events may use, as a JSON Schema."""
    doc = documents.queryables_document(absolute(request, ""), EVENTS)
    return SchemaJSONResponse(orjson.dumps(doc))


@router.get(
    "/collections/events/sortables",
    summary="What sortby on events may name",
    response_model=Queryables,
    response_class=SchemaJSONResponse,
    responses=QUERYABLES_RESPONSES,
)
async def events_sortables(request: Request, _query: JSONOnly) -> Response:
    """The properties `sortby` on events' items may name, as a JSON Schema (OGC API -
    Features Part 8, draft): `sortby=-fatalities,event_date`."""
    doc = documents.sortables_document(absolute(request, ""), EVENTS)
    return SchemaJSONResponse(orjson.dumps(doc))


@router.get(
    "/collections/places/queryables",
    summary="What a places filter may name",
    response_model=Queryables,
    response_class=SchemaJSONResponse,
    responses=QUERYABLES_RESPONSES,
)
async def places_queryables(request: Request, _query: JSONOnly) -> Response:
    """The properties a CQL2 `filter` on places may use, as a JSON Schema."""
    doc = documents.queryables_document(absolute(request, ""), PLACES)
    return SchemaJSONResponse(orjson.dumps(doc))


@router.get(
    "/collections/events/items",
    summary="Events (OGC API - Features items)",
    response_model=EventFeatureCollection,
    response_class=GeoJSONResponse,
    responses={**LIST_RESPONSES, 401: problem_response("status=draft without an API key")},
    openapi_extra=documented(EventItemsQuery),
)
async def event_items(request: Request, db: DatabaseDep, principal: MaybePrincipal) -> Response:
    """Events newest first, with every filter of `GET /events` and a CQL2 `filter`; paged by
    `next` and `prev` links."""
    fmt = params.items_format(request, EVENTS)
    filters, page = params.event_items(request, fmt)
    select, make_writer = None, None
    if fmt == "csv":
        select = page.fields.csv()[1]
    elif fmt in BULK:  # a page as a whole GeoParquet or FlatGeobuf file
        typed, select = page.fields.typed()
        make_writer = writer_for(Format(fmt), typed)
    async with counting(request, page.count == "exact"):
        listed = await service.event_items(
            db=db,
            filters=filters,
            page=page,
            select=select,
            read=CachedRead.of(request, fmt, principal),
            principal=principal,
        )
    max_age = request.app.state.settings.cache_max_age_s
    cache = listed.validators.headers(cache_control(principal, max_age), VARY_ACCEPT)
    if listed.body is None:
        return not_modified(cache)
    table = None if make_writer is None else await page_bytes(make_writer, listed.body.rows)
    response = responses.items(
        request, EVENTS, fmt, listed.body, listed.validators.data_time, table
    )
    response.headers.update(cache)
    return response


@router.get(
    "/collections/places/items",
    summary="Places (OGC API - Features items)",
    response_model=PlaceItems,
    response_class=GeoJSONResponse,
    responses={
        **PROBLEM_RESPONSES,
        200: {
            "description": "A FeatureCollection; or NDJSON with `f=ndjson`",
            "content": {
                "application/geo+json": {"schema": {"$ref": "#/components/schemas/PlaceItems"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
    },
    openapi_extra=documented(PlaceItemsQuery),
)
async def place_items(request: Request, db: DatabaseDep) -> Response:
    """Gazetteer places by id, with `bbox` and a CQL2 `filter`; paged by `next` and `prev`."""
    fmt = params.items_format(request, PLACES)
    result = await service.place_items(db=db, search=params.place_items(request, PLACES))
    return responses.items(request, PLACES, fmt, result)


@router.get(
    "/collections/events/items/{featureId}",
    summary="One event (OGC API - Features item)",
    response_model=EventItem,
    response_class=GeoJSONResponse,
    responses={
        **PROBLEM_RESPONSES,
        304: {"description": "Not modified (If-None-Match)"},
        410: problem_response("The event was retracted or merged"),
    },
)
async def event_item(
    request: Request,
    db: DatabaseDep,
    principal: MaybePrincipal,
    featureId: FeatureId,  # OGC API - Features spells it so,
    _query: ItemQuery,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """An event with its places, reports (quotes) and actors, as `GET /events/{id}`."""
    feature, tag = await service.event_item(db=db, feature_id=featureId, principal=principal)
    max_age = request.app.state.settings.cache_max_age_s
    headers = {
        "ETag": tag,
        "Cache-Control": cache_control(principal, max_age),
        "Vary": VARY,
    }
    if none_match(if_none_match, tag):
        return not_modified(headers)
    return responses.item(request, EVENTS, feature, headers)


@router.get(
    "/collections/places/items/{featureId}",
    summary="One place (OGC API - Features item)",
    response_model=PlaceItem,
    response_class=GeoJSONResponse,
    responses=PROBLEM_RESPONSES,
)
async def place_item(
    request: Request, db: DatabaseDep, featureId: FeatureId, _query: ItemQuery
) -> Response:
    """A gazetteer place with its names in both scripts."""
    feature = await service.place_item(db=db, feature_id=featureId)
    return responses.item(request, PLACES, feature, {})


# Answered without FastAPI's machinery for anonymous callers (app/web/fastpath.py).
FAST_READS = (
    read_of(
        router.routes,
        "/collections/events/items",
        lambda request, db: event_items(request, db, None),
    ),
)
