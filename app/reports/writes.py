"""SQL of storing a geoparsed report (reads stay in repository.py).

Mentions and drafts are written a few set-based statements at a time (INSERT ... SELECT FROM
unnest of arrays), whatever their number: one flush per draft and one query per actor made
storing a long report's thousands of rows take seconds of round trips. The version history
of the drafts is still the triggers' work, row by row, in this transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.events.bulk import COLUMN_TYPES, insert_events
from app.geoparse.analysis import Drafts, Mentions
from app.models import Report


async def find_existing(session: AsyncSession, content_hash: str, url: str | None) -> str | None:
    """The public id of a stored report with the same content or url."""
    same = [col(Report.content_hash) == content_hash]
    if url:
        same.append(col(Report.url) == url)
    found = (await session.exec(select(Report.public_id).where(or_(*same)).limit(1))).first()
    return found


_MENTION_BATCH = 1000
_MENTIONS = """
INSERT INTO report_mentions
  (report_id, place_id, text, start_offset, end_offset, confidence, method, role, focus_weight)
SELECT :report_id, x.place_id, x.text, x.start_offset, x.end_offset, x.confidence, x.method,
       x.role, x.focus_weight
FROM unnest(CAST(:place_id AS text[]), CAST(:text AS text[]), CAST(:start_offset AS int[]),
            CAST(:end_offset AS int[]), CAST(:confidence AS float8[]), CAST(:method AS text[]),
            CAST(:role AS text[]), CAST(:focus_weight AS float8[]))
     AS x(place_id, text, start_offset, end_offset, confidence, method, role, focus_weight)
"""


async def add_report(session: AsyncSession, report: Report, mentions: Mentions) -> Report:
    # The API's connections force custom plans (for its bbox and date queries), which makes
    # the foreign key checks and history triggers of thousands of rows plan every row
    # afresh: half the time of storing a long report. Not for this transaction.
    await session.exec(text("SET LOCAL plan_cache_mode = auto"))  # type: ignore[call-overload]
    session.add(report)
    await session.flush()
    await session.refresh(report)
    assert report.id is not None
    conn = await session.connection()
    # In batches: the driver encodes a statement's arrays on the event loop, 20-40 ms for the
    # 8,000 mentions of a 200,000-character report, in which time nothing else is answered.
    for lo in range(0, len(mentions.place_id), _MENTION_BATCH):
        part = slice(lo, lo + _MENTION_BATCH)
        await conn.execute(
            text(_MENTIONS),
            {
                "report_id": report.id,
                "place_id": mentions.place_id[part],
                "text": mentions.text[part],
                "start_offset": mentions.start[part],
                "end_offset": mentions.end[part],
                "confidence": mentions.confidence[part],
                "method": mentions.method[part],
                "role": mentions.role[part],
                "focus_weight": mentions.focus_weight[part],
            },
        )
    return report


# Drafts read one figure of deaths from the text: no range, no civilian count.
_NOT_DRAFTED = (
    "district_pcode",
    "source_version",
    "fatalities_low",
    "fatalities_high",
    "civilian_fatalities",
)
_DRAFT_COLUMNS = [c for c in COLUMN_TYPES if c not in _NOT_DRAFTED]
_DRAFTS = (
    insert_events(
        _DRAFT_COLUMNS,
        {"status": "'draft'", "source": "'geoparse'", "created_by": ":author"},
    )
    + "\nRETURNING id, source_id"
)
_PLACES = """
INSERT INTO event_places (event_id, place_id, role)
SELECT x.event_id, x.place_id, 'primary'
FROM unnest(CAST(:event_id AS bigint[]), CAST(:place_id AS text[])) AS x(event_id, place_id)
"""
_QUOTES = """
INSERT INTO event_reports (event_id, report_id, quote, quote_start, quote_end)
SELECT x.event_id, :report_id, x.quote, x.quote_start, x.quote_end
FROM unnest(CAST(:event_id AS bigint[]), CAST(:quote AS text[]), CAST(:quote_start AS int[]),
            CAST(:quote_end AS int[])) AS x(event_id, quote, quote_start, quote_end)
"""
_ACTORS = """
INSERT INTO actors (name) SELECT unnest(CAST(:names AS text[])) ON CONFLICT (name) DO NOTHING
"""
_EVENT_ACTORS = """
INSERT INTO event_actors (event_id, actor_id, side)
SELECT x.event_id, a.id, x.side
FROM unnest(CAST(:event_id AS bigint[]), CAST(:name AS text[]), CAST(:side AS text[]))
     AS x(event_id, name, side)
JOIN actors a ON a.name = x.name
"""


async def add_draft_events(
    session: AsyncSession,
    report: Report,
    drafts: Drafts,
    governorate: str | None,
    author: str | None,
) -> None:
    """The drafts as draft events of the report, with their place, quote and actors (a draft
    without a governorate of its own gets ``governorate``); source ids are
    ``<report id>:<n>`` in text order."""
    assert report.id is not None
    if not drafts:
        return
    conn = await session.connection()
    columns: dict[str, list[Any]] = {
        c: getattr(drafts, c) for c in _DRAFT_COLUMNS if c not in ("governorate_pcode", "source_id")
    }
    columns["governorate_pcode"] = [g or governorate for g in drafts.governorate_pcode]
    columns["source_id"] = [f"{report.public_id}:{i}" for i in range(len(drafts))]
    inserted = (await conn.execute(text(_DRAFTS), {**columns, "author": author})).all()
    ids = {r.source_id: r.id for r in inserted}
    event_ids = [ids[source_id] for source_id in columns["source_id"]]
    await conn.execute(text(_PLACES), {"event_id": event_ids, "place_id": drafts.place_id})
    await conn.execute(
        text(_QUOTES),
        {
            "report_id": report.id,
            "event_id": event_ids,
            "quote": [
                report.body[a:b] for a, b in zip(drafts.quote_start, drafts.quote_end, strict=True)
            ],
            "quote_start": drafts.quote_start,
            "quote_end": drafts.quote_end,
        },
    )
    links = [
        (event_id, name, side)
        for event_id, actors in zip(event_ids, drafts.actors, strict=True)
        for name, side in actors
    ]
    if links:
        await conn.execute(text(_ACTORS), {"names": sorted({name for _, name, _ in links})})
        await conn.execute(
            text(_EVENT_ACTORS),
            {
                "event_id": [link[0] for link in links],
                "name": [link[1] for link in links],
                "side": [link[2] for link in links],
            },
        )
