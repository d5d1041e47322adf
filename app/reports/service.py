"""Reports: the source documents behind events."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from app.db import Database
from app.errors import NotFound
from app.geoparse.analysis import Analysis, Job, analyse
from app.geoparse.cache import Gazetteer, SnapshotCache
from app.geoparse.pool import GeoparsePool
from app.reports import repository
from app.reports.admission import IngestGate
from app.reports.ingest import Stored, find_stored, prepare, store_analysed
from app.reports.schemas import ReportIn


async def get_report(*, db: Database, public_id: str) -> str:
    """A report with its place mentions, its focus and the events drawn from it."""
    async with db.read_connection() as conn:
        report = await repository.fetch_detail(conn, public_id)
    if report is None:
        raise NotFound(f"no report with id '{public_id}'")
    return report


@dataclass(frozen=True)
class Ingestion:
    """What ingesting takes from the app: the gazetteer cache, the workers (none: analyse in
    this process, blocking it), the gate that queues ingests, the draft ceiling."""

    cache: SnapshotCache
    pool: GeoparsePool | None
    gate: IngestGate
    max_drafts: int

    async def analyse(self, gazetteer: Gazetteer, job: Job) -> Analysis:
        """In a worker; without workers (SE_GEOPARSE_WORKERS=0) here, blocking the loop."""
        if self.pool is None:
            return analyse(self.cache.snapshot(gazetteer), job)
        return await self.pool.analyse(gazetteer, job)


async def create_report(
    *,
    db: Database,
    ingestion: Ingestion,
    report_in: ReportIn,
    client: str,
    author: str | None = None,
) -> tuple[Stored, str]:
    """Store and geoparse a report (committed before this returns), and its JSON."""
    async with ingestion.gate.admit(client):
        stored = await _ingest(db=db, ingestion=ingestion, report_in=report_in, author=author)
    return stored, await get_report(db=db, public_id=stored.public_id)


async def _ingest(
    *, db: Database, ingestion: Ingestion, report_in: ReportIn, author: str | None
) -> Stored:
    """No connection is held while the report is analysed: one short transaction finds a
    known report and the gazetteer's revision, another stores the result."""
    # Cleaning and hashing 200,000 characters takes tens of milliseconds: not on the loop.
    prepared = await asyncio.to_thread(prepare, report_in)
    async with db.session() as session:
        found = await find_stored(session, prepared)
        if found is not None:
            return found
        gazetteer = await ingestion.cache.gazetteer(await session.connection())
    async with ingestion.gate.turn():
        analysis = await ingestion.analyse(gazetteer, prepared.job(ingestion.max_drafts))
    async with db.session() as session:
        # A request with the same text or url may have stored it meanwhile.
        return await find_stored(session, prepared) or await store_analysed(
            session, prepared, analysis, author
        )
