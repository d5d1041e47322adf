"""HTTP for events: parse, call one service function, return."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.responses import Response

from app.auth.dependencies import Analyst, Editor, MaybePrincipal
from app.db import Database, DatabaseDep
from app.events import editing, history, service
from app.events.etags import etag
from app.events.listing import LIST_RESPONSES, respond_with_events
from app.events.queries import EventQuery
from app.events.schemas import (
    EventDetail,
    EventFeatureCollection,
    EventIn,
    EventPatch,
    HistoryOut,
    MergeIn,
)
from app.idempotency.service import StoredResponse, check_key
from app.web.conditional import (
    VARY,
    cache_control,
    none_match,
    not_modified,
)
from app.web.fastpath import read_of
from app.web.params import parse_timestamp
from app.web.querydoc import documented
from app.web.responses import GeoJSONResponse
from app.web.schemas import AUTH_RESPONSES, PROBLEM_RESPONSES, problem_response

router = APIRouter(tags=["events"])


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


__all__ = ["EventFeatureCollection", "router"]


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
