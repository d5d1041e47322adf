"""HTTP for HAPI-shaped aggregates: parse, call one service function, return."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.auth.dependencies import MaybePrincipal
from app.db import DatabaseDep
from app.hapi import service
from app.hapi.schemas import COLUMNS, ConflictEventPage, ConflictEventQuery, OutputFormat
from app.web.budgets import dashboard_slot
from app.web.conditional import VARY, CachedRead, cache_control, not_modified
from app.web.render import csv_text
from app.web.responses import RawJSONResponse
from app.web.schemas import PROBLEM_RESPONSES

# An aggregate over every published event: a dashboard slot, as statistics (app/web/budgets.py).
router = APIRouter(tags=["HAPI"], dependencies=[Depends(dashboard_slot)])

CSV = "text/csv; charset=utf-8"
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The rows in HAPI's data envelope; or CSV with `output_format=csv`",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
    304: {"description": "Not modified (If-None-Match, or If-Modified-Since without it)"},
    # No 404: the route names no object.
    **{status: r for status, r in PROBLEM_RESPONSES.items() if status != 404},
}


@router.get(
    "/hapi/v1/coordination-context/conflict-event",
    summary="Conflict events per month, admin area and type, as HDX HAPI serves them",
    response_model=ConflictEventPage,
    response_class=RawJSONResponse,
    responses=RESPONSES,
)
async def get_conflict_events(
    request: Request,
    db: DatabaseDep,
    principal: MaybePrincipal,
    query: Annotated[ConflictEventQuery, Query()],
) -> Response:
    """Published events and their fatalities per month, governorate (admin1), district
    (admin2) and HAPI event type, with the fields, parameters and paging of HDX HAPI v1's
    `coordination-context/conflict-event`: a dashboard built on HAPI reads Syria from here."""
    variant = query.output_format.value
    page = await service.conflict_events(
        db=db, query=query, read=CachedRead.of(request, variant, principal)
    )
    max_age = request.app.state.settings.cache_max_age_s
    headers = page.validators.headers(cache_control(principal, max_age), VARY)
    if page.body is None:
        return not_modified(headers)
    if query.output_format is OutputFormat.json:
        assert isinstance(page.body, str)
        return RawJSONResponse(page.body, headers=headers)
    return Response(
        csv_text(COLUMNS, page.body),
        media_type=CSV,
        headers={"Content-Disposition": 'attachment; filename="conflict-event.csv"', **headers},
    )
