"""HTTP for the data's sources."""

from __future__ import annotations

from fastapi import APIRouter

from app.db import DatabaseDep
from app.sources import service
from app.sources.schemas import SourcesOut
from app.web.schemas import PROBLEM_RESPONSES

router = APIRouter(tags=["sources"])


@router.get(
    "/sources",
    summary="The published files the data was loaded from, and what to cite",
    response_model=SourcesOut,
    responses=PROBLEM_RESPONSES,
)
async def list_sources(db: DatabaseDep) -> SourcesOut:
    """Each file `syria-events fetch` imported (UCDP GED, GeoNames, OCHA COD-AB): its
    licence, the citation users owe, release, URL, SHA-256, size, when it was downloaded and
    imported, and how many rows it gave; newest first."""
    return await service.list_sources(db=db)
