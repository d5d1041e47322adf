"""Storing a report: clean, deduplicate, geoparse, propose drafts; all in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.geoparse.cache import SnapshotCache
from app.geoparse.events import propose_events
from app.geoparse.parser import geoparse
from app.models import Report
from app.reports import writes
from app.reports.cleaning import clean_body, detect_language
from app.reports.hashing import content_hash
from app.reports.schemas import ReportIn


@dataclass(frozen=True)
class Stored:
    public_id: str
    created: bool


async def store_report(
    *, session: AsyncSession, cache: SnapshotCache, report_in: ReportIn, author: str | None = None
) -> Stored:
    """Store a report with its mentions, focus and draft events; a known one is not redone."""
    body = clean_body(report_in.body)
    digest = content_hash(body)
    existing = await writes.find_existing(session, digest, report_in.url)
    if existing is not None:
        return Stored(existing, created=False)
    snapshot = await cache.get(await session.connection())
    parsed = geoparse(snapshot, body, report_in.title)
    published = report_in.published_at
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    reference = (published or datetime.now(UTC)).date()
    report = await writes.add_report(
        session,
        Report(
            title=report_in.title,
            body=body,
            language=report_in.language or detect_language(body),
            url=report_in.url,
            source=report_in.source,
            published_at=published,
            content_hash=digest,
            focus_place_id=parsed.focus.place.id if parsed.focus.place else None,
            focus_governorate_pcode=parsed.focus.governorate_pcode,
            created_by=author,
        ),
        parsed.mentions,
    )
    drafts = propose_events(parsed.folded, parsed.mentions, parsed.focus, reference)
    await writes.add_draft_events(session, report, drafts, parsed.focus.governorate_pcode, author)
    assert report.public_id is not None
    return Stored(report.public_id, created=True)
