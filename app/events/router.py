"""HTTP for events: parse, call one service function, return."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.responses import Response

from app.auth.dependencies import Analyst, Editor, MaybePrincipal
from app.auth.service import Principal
from app.db import Database, DatabaseDep
from app.events import editing, history, service
from app.events.etags import etag
from app.events.fields import parse_fields
from app.events.filters import check_export_caps, parse_filters, parse_page
from app.events.queries import EventQuery
from app.events.schemas import (
    EventDetail,
    EventFeatureCollection,
    EventIn,
    EventPatch,
    HistoryOut,
    MergeIn,
)
from app.exchange.sql import ACLED_COLUMNS, ACLED_SELECT
from app.idempotency.service import StoredResponse, check_key
from app.sources import service as sources
from app.web.budgets import counting
from app.web.bulk import FILE_NAMES, page_bytes, writer_for
from app.web.citation import citation, citation_headers, with_link
from app.web.conditional import (
    NO_STORE,
    VARY,
    VARY_ACCEPT,
    CachedRead,
    cache_control,
    none_match,
    not_modified,
)
from app.web.exports import export_response
from app.web.fastpath import read_of
from app.web.formats import BULK, COMMON, MEDIA_TYPES, Format, negotiate
from app.web.links import url_with
from app.web.params import parse_timestamp
from app.web.querydoc import documented
from app.web.render import csv_text, feature_collection, total_headers
from app.web.responses import GeoJSONResponse
from app.web.schemas import AUTH_RESPONSES, PROBLEM_RESPONSES, problem_response
from app.web.streaming import Producer

router = APIRouter(tags=["events"])
# f=acled: ACLED's columns, so that scripts written for ACLED's exports read ours.
# f=parquet, f=fgb: GeoParquet and FlatGeobuf, typed columns and a point geometry.
EVENT_FORMATS = (*COMMON, Format.acled, *BULK)

LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A FeatureCollection; or CSV / NDJSON with `f=` or `Accept`; "
        "`f=acled` (or `Accept: text/csv; profile=acled`): CSV in ACLED's columns; "
        "`f=parquet` (GeoParquet 1.1) or `f=fgb` (FlatGeobuf)",
        "content": {
            "application/geo+json": {
                "schema": {"$ref": "#/components/schemas/EventFeatureCollection"}
            },
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
            "application/flatgeobuf": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    304: {"description": "Not modified (If-None-Match, or If-Modified-Since without it)"},
    **PROBLEM_RESPONSES,
}


async def respond_with_events(
    request: Request,
    db: DatabaseDep,
    principal: Principal | None,
    *,
    place_in_path: str | None = None,
) -> Response:
    """The list response shared by ``/events`` and ``/places/{id}/events``."""
    settings = request.app.state.settings
    fmt = negotiate(request, EVENT_FORMATS)
    filters = parse_filters(request, fixed_place=place_in_path)
    export = fmt is not Format.geojson
    page = parse_page(request, settings.default_limit, settings.max_limit, export=export)
    media = MEDIA_TYPES[fmt]
    tabular = fmt in (Format.csv, Format.acled)
    bulk = fmt in BULK
    page.fields = parse_fields(
        request, tabular=tabular or bulk, fixed=fmt is Format.acled, geometry_kept=bulk
    )
    columns, select = (ACLED_COLUMNS, ACLED_SELECT) if fmt is Format.acled else page.fields.csv()
    if bulk:  # typed columns, each row ending with its point
        typed, select = page.fields.typed()
        make_writer = writer_for(fmt, typed)
    read = CachedRead.of(request, fmt.value, principal)
    if export and page.limit is None and page.after is None:
        check_export_caps(filters, settings.export_max_bbox_deg2, settings.export_max_days)
        checked = await service.check_export(
            db=db, filters=filters, read=read, principal=principal, place_in_path=place_in_path
        )
        # Validators (a sync script's 304 costs nothing), but no cache keeps hundreds of MB.
        cache = checked.validators.headers(NO_STORE, VARY_ACCEPT)
        if checked.validators.current:
            return not_modified(cache)
        cited = citation_headers(request, checked.validators.data_time)
        cited.update(await sources.headers(request.app.state, db))  # attribution
        produce: Producer = partial(
            service.export_events,
            db=db,
            filters=filters,
            place=checked.body,
            csv_select=select if tabular else None,
            sort=page.sort,
            feature=page.fields.feature(),
        )
        if bulk:
            produce = partial(
                service.export_table,
                db=db,
                filters=filters,
                place=checked.body,
                select=select,
                sort=page.sort,
                make_writer=make_writer,
            )
        return export_response(
            request,
            produce,
            media_type=media,
            headers={**_disposition(fmt), **cache, **cited},
            head=csv_text(columns, []).encode() if tabular else b"",
        )
    async with counting(request, page.count == "exact"):
        listed = await service.list_events(
            db=db,
            filters=filters,
            page=page,
            csv=tabular or bulk,
            read=read,
            principal=principal,
            place_in_path=place_in_path is not None,
            csv_select=select,
        )
    cache = listed.validators.headers(
        cache_control(principal, settings.cache_max_age_s), VARY_ACCEPT
    )
    result = listed.body
    if result is None:
        return not_modified(cache)
    next_url = url_with(request, cursor=result.next_cursor) if result.next_cursor else None
    data_time = listed.validators.data_time
    if fmt is Format.geojson:
        links = [{"href": url_with(request), "rel": "self", "type": media}]
        if next_url:
            links.append({"href": next_url, "rel": "next", "type": media})
        content = feature_collection(
            [r["feature"] for r in result.rows],
            links,
            result.number_matched,
            result.number_estimated,
            citation(request, data_time),
        )
        return Response(content, media_type=media, headers=cache)
    headers = {**_disposition(fmt), **cache}
    if next_url:
        headers["Link"] = f'<{next_url}>; rel="next"'
    headers.update(total_headers(result.number_matched, result.number_estimated))
    headers = with_link(headers, citation_headers(request, data_time))
    headers.update(await sources.headers(request.app.state, db))  # attribution
    if bulk:
        content = await page_bytes(make_writer, result.rows)
    elif tabular:
        content = csv_text(columns, result.rows).encode()
    else:
        content = "".join(f"{r['feature']}\n" for r in result.rows).encode()
    return Response(content, media_type=media, headers=headers)


def _disposition(fmt: Format) -> dict[str, str]:
    if fmt is Format.csv:
        return {"Content-Disposition": 'attachment; filename="events.csv"'}
    if fmt is Format.acled:
        return {"Content-Disposition": 'attachment; filename="events-acled.csv"'}
    if fmt in FILE_NAMES:
        return {"Content-Disposition": f'attachment; filename="{FILE_NAMES[fmt]}"'}
    return {}


@router.get(
    "/events",
    summary="Search events",
    responses=LIST_RESPONSES,
    response_model=EventFeatureCollection,
    response_class=GeoJSONResponse,
    openapi_extra=documented(EventQuery),
)
async def list_events(request: Request, db: DatabaseDep, principal: MaybePrincipal) -> Response:
    """Events matching every given filter, newest first, paged by `next` links."""
    return await respond_with_events(request, db, principal)


EventId = Annotated[str, Path(max_length=64, description="the event's public id (ev_...)")]
IfMatch = Annotated[
    str | None,
    Header(description="the ETag of the event as read (from GET /events/{id} or a write)"),
]
Reason = Annotated[str | None, Query(max_length=2000, description="why: kept in the history")]
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    410: problem_response("The event was retracted"),
    412: problem_response("If-Match names an older version"),
    428: problem_response("If-Match is missing"),
}


@router.get(
    "/events/{event_id}",
    summary="One event",
    response_model=EventDetail,
    responses={
        **PROBLEM_RESPONSES,
        304: {"description": "Not modified (If-None-Match)"},
        410: problem_response("The event was retracted or merged into another"),
    },
    response_class=GeoJSONResponse,
)
async def get_event(
    request: Request,
    db: DatabaseDep,
    principal: MaybePrincipal,
    event_id: EventId,
    as_of: Annotated[
        str | None, Query(description="RFC 3339 date-time: the event as it stood then")
    ] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """An event with its places, its reports (with the quoted words) and its actors."""
    when = parse_timestamp(as_of, "as_of") if as_of is not None else None
    feature, version = await service.get_event(
        db=db, public_id=event_id, principal=principal, as_of=when
    )
    max_age = request.app.state.settings.cache_max_age_s
    # No Last-Modified: the event's updated_at does not move when a place it names is
    # renamed, and an If-Modified-Since would then keep the old name (the ETag does not).
    headers = {
        "ETag": etag(version, feature),
        "Cache-Control": cache_control(principal, max_age),
        "Vary": VARY,
    }
    if when is None and none_match(if_none_match, headers["ETag"]):
        return not_modified(headers)
    return GeoJSONResponse(feature, headers=headers)


def _written(stored: StoredResponse) -> Response:
    headers = dict(stored.headers)
    if stored.replayed:
        headers["Idempotent-Replayed"] = "true"
    return GeoJSONResponse(stored.body, status_code=stored.status, headers=headers)


@router.post(
    "/events",
    summary="Create an event",
    status_code=201,
    response_model=EventDetail,
    responses={
        **AUTH_RESPONSES,
        409: problem_response("source and source_id exist already"),
        422: problem_response("The Idempotency-Key was used for another request"),
    },
    response_class=GeoJSONResponse,
)
async def create_event(
    db: DatabaseDep,
    principal: Analyst,
    event: Annotated[EventIn, Body(media_type="application/geo+json")],
    idempotency_key: Annotated[
        str | None,
        Header(
            pattern=r"^[\x21-\x7e]{1,255}$",
            description="1-255 visible ASCII characters, e.g. a UUID: a retried POST with "
            "the same key creates nothing twice",
        ),
    ] = None,
) -> Response:
    """A new event from a GeoJSON Feature (Point, lon/lat); a draft unless an editor
    publishes it. `Location` and `ETag` name the stored event."""
    stored = await editing.create_event(
        db=db,
        principal=principal,
        event_in=event,
        idempotency_key=check_key(idempotency_key),
    )
    return _written(stored)


@router.patch(
    "/events/{event_id}",
    summary="Change an event",
    response_model=EventDetail,
    responses=WRITE_RESPONSES,
    response_class=GeoJSONResponse,
)
async def patch_event(
    db: DatabaseDep,
    principal: Analyst,
    event_id: EventId,
    patch: Annotated[EventPatch, Body(media_type="application/merge-patch+json")],
    if_match: IfMatch = None,
    reason: Reason = None,
) -> Response:
    """A JSON merge patch (RFC 7396) of properties and geometry, at the version named by
    `If-Match`; one new version in the history."""
    stored = await editing.patch_event(
        db=db,
        principal=principal,
        public_id=event_id,
        patch=patch,
        if_match=if_match,
        reason=reason,
    )
    return _written(stored)


@router.delete(
    "/events/{event_id}",
    summary="Retract an event",
    response_model=EventDetail,
    responses=WRITE_RESPONSES,
    response_class=GeoJSONResponse,
)
async def retract_event(
    db: DatabaseDep,
    principal: Analyst,
    event_id: EventId,
    reason: Annotated[str, Query(min_length=1, max_length=2000, description="why (required)")],
    if_match: IfMatch = None,
) -> Response:
    """Retract, never erase: `GET` answers 410 afterwards, the history keeps every version and
    the change feed tells sync clients to drop it."""
    stored = await editing.retract_event(
        db=db, principal=principal, public_id=event_id, if_match=if_match, reason=reason
    )
    return _written(stored)


@router.post(
    "/events/{event_id}/publish",
    summary="Publish a draft",
    response_model=EventDetail,
    responses=WRITE_RESPONSES,
    response_class=GeoJSONResponse,
)
async def publish_event(
    db: DatabaseDep,
    principal: Editor,
    event_id: EventId,
    if_match: IfMatch = None,
    reason: Reason = None,
) -> Response:
    """Make a draft public (editors); `If-Match` is checked when given."""
    stored = await editing.publish_event(
        db=db, principal=principal, public_id=event_id, if_match=if_match, reason=reason
    )
    return _written(stored)


@router.post(
    "/events/{event_id}/merge",
    summary="Merge a duplicate into its original",
    response_model=EventDetail,
    responses={**WRITE_RESPONSES, 409: problem_response("The original was retracted")},
    response_class=GeoJSONResponse,
)
async def merge_event(
    db: DatabaseDep,
    principal: Editor,
    event_id: EventId,
    merge: MergeIn,
    if_match: IfMatch = None,
) -> Response:
    """The original (`into`) gains the duplicate's reports, places and actors; the duplicate
    is retracted, pointing at it. Both histories stay. Answers the original."""
    stored = await editing.merge_event(
        db=db,
        principal=principal,
        public_id=event_id,
        into=merge.into,
        if_match=if_match,
        reason=merge.reason,
    )
    return _written(stored)


@router.get(
    "/events/{event_id}/history",
    summary="An event's history",
    responses=PROBLEM_RESPONSES,
)
async def get_history(db: DatabaseDep, principal: MaybePrincipal, event_id: EventId) -> HistoryOut:
    """Every version: who, when, why, and what changed (`from`/`to` per field)."""
    return await history.get_history(db=db, public_id=event_id, principal=principal)


__all__ = ["EventFeatureCollection", "respond_with_events", "router"]


async def _anonymous_detail(request: Request, db: Database) -> Response:
    return await get_event(
        request,
        db,
        None,
        request.path_params["event_id"],
        request.query_params.get("as_of"),
        request.headers.get("if-none-match"),
    )


# Answered without FastAPI's machinery for anonymous callers (app/web/fastpath.py).
FAST_READS = (
    read_of(router.routes, "/events", lambda request, db: list_events(request, db, None)),
    read_of(router.routes, "/events/{event_id}", _anonymous_detail),
)
