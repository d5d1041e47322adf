"""Storing a report: clean, deduplicate, geoparse, propose drafts, store.

Two ways through the same steps: ``store_report`` does all of it in the caller's transaction
and process (the CLI's batch ingest); the API's service (``service.create_report``) analyses
between two short transactions, in a worker process, holding no connection meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.geoparse.analysis import Analysis, Job, analyse
from app.geoparse.cache import SnapshotCache
from app.models import Report
from app.reports import writes
from app.reports.cleaning import clean_body, detect_language
from app.reports.hashing import content_hash
from app.reports.schemas import ReportIn


@dataclass(frozen=True)
class Stored:
    public_id: str
    created: bool


@dataclass(frozen=True)
class Prepared:
    """A submitted report made ready to analyse and store: cleaned, hashed, its language."""

    report_in: ReportIn
    body: str
    digest: str
    language: str
    published: datetime | None

    @property
    def reference(self) -> date:
        """The date relative expressions in the text resolve against."""
        return (self.published or datetime.now(UTC)).date()

    def job(self, max_drafts: int) -> Job:
        return Job(self.body, self.report_in.title, self.reference, max_drafts)


def prepare(report_in: ReportIn) -> Prepared:
    """Clean and identify a submitted report (raises ``InvalidBody``)."""
    body = clean_body(report_in.body)
    published = report_in.published_at
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    language = report_in.language or detect_language(body)
    return Prepared(report_in, body, content_hash(body), language, published)


async def find_stored(session: AsyncSession, prepared: Prepared) -> Stored | None:
    """The stored report with the same text or url, if any: a known report is not redone."""
    existing = await writes.find_existing(session, prepared.digest, prepared.report_in.url)
    return Stored(existing, created=False) if existing is not None else None


async def store_analysed(
    session: AsyncSession, prepared: Prepared, analysis: Analysis, author: str | None
) -> Stored:
    """The report with its mentions, focus and draft events (flushed, not committed)."""
    report = await writes.add_report(
        session,
        Report(
            title=prepared.report_in.title,
            body=prepared.body,
            language=prepared.language,
            url=prepared.report_in.url,
            source=prepared.report_in.source,
            published_at=prepared.published,
            content_hash=prepared.digest,
            focus_place_id=analysis.focus_place_id,
            focus_governorate_pcode=analysis.focus_governorate_pcode,
            focus_scores=analysis.focus_scores,
            drafts_omitted=analysis.omitted,
            created_by=author,
        ),
        analysis.mentions,
    )
    await writes.add_draft_events(
        session, report, analysis.drafts, analysis.focus_governorate_pcode, author
    )
    assert report.public_id is not None
    return Stored(report.public_id, created=True)


async def store_report(
    *,
    session: AsyncSession,
    cache: SnapshotCache,
    report_in: ReportIn,
    max_drafts: int,
    author: str | None = None,
) -> Stored:
    """Store a report with its mentions, focus and draft events, all in this transaction and
    this process; a known one is not redone."""
    prepared = prepare(report_in)
    found = await find_stored(session, prepared)
    if found is not None:
        return found
    snapshot = await cache.get(await session.connection())
    return await store_analysed(
        session, prepared, analyse(snapshot, prepared.job(max_drafts)), author
    )
