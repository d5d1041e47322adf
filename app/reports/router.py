"""HTTP for reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.auth.dependencies import Analyst
from app.db import DatabaseDep
from app.reports import service
from app.reports.schemas import ReportIn, ReportOut
from app.web.responses import RawJSONResponse
from app.web.schemas import AUTH_RESPONSES, PROBLEM_RESPONSES, problem_response

router = APIRouter(tags=["reports"])


@router.get(
    "/reports/{report_id}",
    summary="One report",
    response_model=ReportOut,
    responses=PROBLEM_RESPONSES,
    response_class=RawJSONResponse,
)
async def get_report(db: DatabaseDep, report_id: Annotated[str, Path(max_length=64)]) -> Response:
    """A source report with the places it mentions (exact words and offsets) and its events."""
    return RawJSONResponse(await service.get_report(db=db, public_id=report_id))


@router.post(
    "/reports",
    summary="Ingest a report",
    status_code=201,
    response_model=ReportOut,
    responses={
        **AUTH_RESPONSES,
        200: {"description": "Already stored (same text or url)"},
        413: problem_response("Body too large"),
        429: problem_response("This key already has its share of reports being ingested"),
        503: problem_response("Too many reports being ingested; see Retry-After"),
    },
    response_class=RawJSONResponse,
)
async def post_report(
    request: Request, db: DatabaseDep, principal: Analyst, report: ReportIn
) -> Response:
    """Store a report, link every place it names (exact words and offsets), find its focus
    and propose draft events (the caller's drafts: repeats collapsed, at most
    SE_MAX_DRAFTS_PER_REPORT, `drafts_omitted` says how many more there were); a report
    already stored (same text or url) is returned as is."""
    stored, body = await service.create_report(
        db=db,
        ingestion=_ingestion(request),
        report_in=report,
        client=f"key:{principal.key_id}",
        author=principal.name,
    )
    return RawJSONResponse(
        body,
        status_code=201 if stored.created else 200,
        headers={"Location": f"/reports/{stored.public_id}"},
    )


def _ingestion(request: Request) -> service.Ingestion:
    state = request.app.state
    return service.Ingestion(
        cache=state.snapshots,
        pool=state.geoparse_pool,
        gate=state.ingest_gate,
        max_drafts=state.settings.max_drafts_per_report,
    )
