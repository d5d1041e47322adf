"""Reports: the source documents behind events."""

from __future__ import annotations

from app.db import Database
from app.errors import NotFound
from app.geoparse.cache import SnapshotCache
from app.reports import repository
from app.reports.ingest import Stored, store_report
from app.reports.schemas import ReportIn


async def get_report(*, db: Database, public_id: str) -> str:
    """A report with its place mentions, its focus and the events drawn from it."""
    async with db.read_connection() as conn:
        report = await repository.fetch_detail(conn, public_id)
    if report is None:
        raise NotFound(f"no report with id '{public_id}'")
    return report


async def create_report(
    *, db: Database, cache: SnapshotCache, report_in: ReportIn, author: str | None = None
) -> tuple[Stored, str]:
    """Store and geoparse a report (committed before this returns), and its JSON."""
    async with db.session() as session:
        stored = await store_report(
            session=session, cache=cache, report_in=report_in, author=author
        )
    return stored, await get_report(db=db, public_id=stored.public_id)
