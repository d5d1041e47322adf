"""Reports: the source documents behind events."""

from __future__ import annotations

from app.db import Database
from app.errors import NotFound
from app.reports import repository


async def get_report(*, db: Database, public_id: str) -> str:
    """A report with its place mentions, its focus and the events drawn from it."""
    async with db.read_connection() as conn:
        report = await repository.fetch_detail(conn, public_id)
    if report is None:
        raise NotFound(f"no report with id '{public_id}'")
    return report
