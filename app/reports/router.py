"""HTTP for reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from app.db import DatabaseDep
from app.reports import service
from app.reports.schemas import ReportOut
from app.web.responses import RawJSONResponse
from app.web.schemas import PROBLEM_RESPONSES

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
