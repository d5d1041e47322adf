"""HTTP for statistics: parse, call one service function, return."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.auth.dependencies import MaybePrincipal
from app.auth.service import Principal
from app.db import DatabaseDep
from app.events.filters import parse_filters
from app.events.queries import FilterQuery
from app.stats import service
from app.stats.schemas import SUMS, Grid, GridQuery, Summary, Timeseries, TimeseriesQuery
from app.web.budgets import dashboard_slot
from app.web.citation import citation_headers
from app.web.conditional import (
    VARY,
    VARY_ACCEPT,
    CachedRead,
    Validators,
    cache_control,
    not_modified,
)
from app.web.querydoc import documented
from app.web.render import csv_text
from app.web.responses import GeoJSONResponse, RawJSONResponse
from app.web.schemas import PROBLEM_RESPONSES

# Scans that grow with the data: at most SE_DASHBOARD_SLOTS at once (app/web/budgets.py).
router = APIRouter(tags=["statistics"], dependencies=[Depends(dashboard_slot)])

CSV = "text/csv; charset=utf-8"
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (If-None-Match, or If-Modified-Since without it)"}
}
TIMESERIES_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Counts per period (and group); or CSV rows with `f=csv`",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
    **NOT_MODIFIED,
    **PROBLEM_RESPONSES,
}


@router.get(
    "/stats/timeseries",
    summary="Events and fatalities over time",
    response_model=Timeseries,
    response_class=RawJSONResponse,
    responses=TIMESERIES_RESPONSES,
)
async def get_timeseries(
    request: Request,
    db: DatabaseDep,
    principal: MaybePrincipal,
    query: Annotated[TimeseriesQuery, Query()],
) -> Response:
    """Events and fatalities per day, week, month or year (optionally one series per type,
    sub-type, governorate or actor) of the events matching every filter of `GET /events`.
    Every period from the first to the last is present, with zeros: those of `datetime` when
    both its ends are given, else from the first to the last matching event."""
    csv = query.f == "csv" or (query.f is None and "text/csv" in request.headers.get("accept", ""))
    series = await service.timeseries(
        db=db,
        filters=parse_filters(request),
        principal=principal,
        interval=query.interval,
        group_by=query.group_by,
        top=query.top,
        csv=csv,
        read=CachedRead.of(request, "csv" if csv else "json", principal),
    )
    cache = _cache(request, principal, series.validators, VARY_ACCEPT)
    result = series.body
    if result is None:
        return not_modified(cache)
    if isinstance(result, str):
        return RawJSONResponse(result, headers=cache)
    columns = ("period", "group", "count", *SUMS) if query.group_by else ("period", "count",
               *SUMS)  # fmt: skip
    return Response(
        csv_text(columns, result),
        media_type=CSV,
        headers={"Content-Disposition": 'attachment; filename="timeseries.csv"', **cache},
    )


@router.get(
    "/stats/summary",
    summary="Events and fatalities by governorate and type",
    response_model=Summary,
    response_class=RawJSONResponse,
    responses={**NOT_MODIFIED, **PROBLEM_RESPONSES},
    openapi_extra=documented(FilterQuery),
)
async def get_summary(request: Request, db: DatabaseDep, principal: MaybePrincipal) -> Response:
    """Counts and fatalities of the events matching every filter of `GET /events`: in all,
    per governorate and per ACLED event type."""
    doc = await service.summary(
        db=db,
        filters=parse_filters(request),
        principal=principal,
        read=CachedRead.of(request, "json", principal),
    )
    cache = _cache(request, principal, doc.validators, VARY)
    if doc.body is None:
        return not_modified(cache)
    return RawJSONResponse(doc.body, headers=cache)


@router.get(
    "/stats/grid",
    summary="Events and fatalities on a grid",
    response_model=Grid,
    response_class=GeoJSONResponse,
    responses={**NOT_MODIFIED, **PROBLEM_RESPONSES},
)
async def get_grid(
    request: Request,
    db: DatabaseDep,
    principal: MaybePrincipal,
    query: Annotated[GridQuery, Query()],
) -> Response:
    """The hexagons or squares of an equal-area grid that hold events matching every filter
    of `GET /events`, with their counts and fatalities, as GeoJSON."""
    doc = await service.grid(
        db=db,
        filters=parse_filters(request),
        principal=principal,
        shape=query.shape,
        size_km=query.size_km,
        read=CachedRead.of(request, "geojson", principal),
    )
    cache = _cache(request, principal, doc.validators, VARY)
    if doc.body is None:
        return not_modified(cache)
    return GeoJSONResponse(doc.body, headers=cache)


def _cache(
    request: Request, principal: Principal | None, validators: Validators, vary: str
) -> dict[str, str]:
    """Validators and cache policy; with them, on answers, the citation (app/web/citation)."""
    max_age = request.app.state.settings.cache_max_age_s
    found = validators.headers(cache_control(principal, max_age), vary)
    if not validators.current:
        found.update(citation_headers(request, validators.data_time))
    return found
