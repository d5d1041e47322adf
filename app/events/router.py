"""HTTP for events: parse, call one service function, return."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from app.db import DatabaseDep
from app.events import service
from app.events.filters import parse_filters, parse_page
from app.events.repository import CSV_COLUMNS
from app.events.schemas import EventDetail, EventFeatureCollection, EventQuery
from app.web.formats import MEDIA_TYPES, Format, negotiate
from app.web.links import url_with
from app.web.render import csv_stream, csv_text, feature_collection, ndjson_stream
from app.web.responses import GeoJSONResponse
from app.web.schemas import PROBLEM_RESPONSES

router = APIRouter(tags=["events"])

LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A FeatureCollection; or CSV / NDJSON with `f=` or `Accept`",
        "content": {
            "application/geo+json": {
                "schema": {"$ref": "#/components/schemas/EventFeatureCollection"}
            },
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    },
    **PROBLEM_RESPONSES,
}


async def respond_with_events(
    request: Request, db: DatabaseDep, *, place_in_path: str | None = None
) -> Response:
    """The list response shared by ``/events`` and ``/places/{id}/events``."""
    settings = request.app.state.settings
    fmt = negotiate(request)
    filters = parse_filters(request, fixed_place=place_in_path)
    export = fmt is not Format.geojson
    page = parse_page(request, settings.default_limit, settings.max_limit, export=export)
    media = MEDIA_TYPES[fmt]
    if export and page.limit is None and page.after is None:
        await service.check_export(db=db, filters=filters, place_in_path=place_in_path)
        rows = service.export_events(db=db, filters=filters, csv=fmt is Format.csv)
        body = csv_stream(CSV_COLUMNS, rows) if fmt is Format.csv else ndjson_stream(rows)
        return StreamingResponse(body, media_type=media, headers=_disposition(fmt))
    result = await service.list_events(
        db=db,
        filters=filters,
        page=page,
        csv=fmt is Format.csv,
        place_in_path=place_in_path is not None,
    )
    next_url = url_with(request, cursor=result.next_cursor) if result.next_cursor else None
    if fmt is Format.geojson:
        links = [{"href": url_with(request), "rel": "self", "type": media}]
        if next_url:
            links.append({"href": next_url, "rel": "next", "type": media})
        content = feature_collection([r.feature for r in result.rows], links, result.number_matched)
        return Response(content, media_type=media)
    headers = _disposition(fmt)
    if next_url:
        headers["Link"] = f'<{next_url}>; rel="next"'
    if result.number_matched is not None:
        headers["X-Total-Count"] = str(result.number_matched)
    if fmt is Format.csv:
        content = csv_text(CSV_COLUMNS, [r[2:] for r in result.rows]).encode()
    else:
        content = "".join(f"{r.feature}\n" for r in result.rows).encode()
    return Response(content, media_type=media, headers=headers)


def _disposition(fmt: Format) -> dict[str, str]:
    if fmt is Format.csv:
        return {"Content-Disposition": 'attachment; filename="events.csv"'}
    return {}


@router.get(
    "/events",
    summary="Search events",
    responses=LIST_RESPONSES,
    response_model=EventFeatureCollection,
    response_class=GeoJSONResponse,
)
async def list_events(
    request: Request, db: DatabaseDep, _query: Annotated[EventQuery, Query()]
) -> Response:
    """Events matching every given filter, newest first, paged by `next` links."""
    return await respond_with_events(request, db)


@router.get(
    "/events/{event_id}",
    summary="One event",
    response_model=EventDetail,
    responses={
        **PROBLEM_RESPONSES,
        410: PROBLEM_RESPONSES[404] | {"description": "The event was retracted"},
    },
    response_class=GeoJSONResponse,
)
async def get_event(db: DatabaseDep, event_id: Annotated[str, Path(max_length=64)]) -> Response:
    """An event with its places, its reports (with the quoted words) and its actors."""
    feature = await service.get_event(db=db, public_id=event_id)
    return GeoJSONResponse(feature)


__all__ = ["EventFeatureCollection", "respond_with_events", "router"]
