"""SQL of storing a geoparsed report (writes use the ORM; reads stay in repository.py)."""

from __future__ import annotations

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.geoparse.events import DraftEvent
from app.geoparse.resolve import Resolved
from app.models import Actor, Event, EventActor, EventPlace, EventReport, Report, ReportMention


async def find_existing(session: AsyncSession, content_hash: str, url: str | None) -> str | None:
    """The public id of a stored report with the same content or url."""
    same = [col(Report.content_hash) == content_hash]
    if url:
        same.append(col(Report.url) == url)
    found = (await session.exec(select(Report.public_id).where(or_(*same)).limit(1))).first()
    return found


async def add_report(session: AsyncSession, report: Report, mentions: list[Resolved]) -> Report:
    session.add(report)
    await session.flush()
    await session.refresh(report)
    assert report.id is not None
    for m in mentions:
        session.add(
            ReportMention(
                report_id=report.id,
                place_id=m.place.id,
                text=m.match.text,
                start_offset=m.match.start,
                end_offset=m.match.end,
                confidence=m.confidence,
                method=m.method,
            )
        )
    await session.flush()
    return report


async def _actor_id(session: AsyncSession, name: str) -> int:
    found = (await session.exec(select(Actor.id).where(Actor.name == name))).first()
    if found is not None:
        return found
    actor = Actor(name=name)
    session.add(actor)
    await session.flush()
    assert actor.id is not None
    return actor.id


async def add_draft_events(
    session: AsyncSession,
    report: Report,
    drafts: list[DraftEvent],
    governorate: str | None,
    author: str | None,
) -> None:
    assert report.id is not None
    for i, draft in enumerate(drafts):
        place = draft.place.place if draft.place else None
        if place is None:
            continue  # an event must have a location; the analyst can add it by hand
        event = Event(
            event_date=draft.event_date,
            time_precision=draft.time_precision,
            event_type=draft.event_type,
            sub_event_type=draft.sub_event_type,
            description=draft.description,
            fatalities=draft.fatalities,
            geom=from_shape(Point(place.lon, place.lat), srid=4326),
            geo_precision=draft.geo_precision,
            place_id=place.id,
            governorate_pcode=place.governorate_pcode or governorate,
            status="draft",
            source="geoparse",
            source_id=f"{report.public_id}:{i}",
            created_by=author,
        )
        session.add(event)
        await session.flush()
        assert event.id is not None
        session.add(EventPlace(event_id=event.id, place_id=place.id, role="primary"))
        session.add(
            EventReport(
                event_id=event.id,
                report_id=report.id,
                quote=report.body[draft.quote_start : draft.quote_end],
                quote_start=draft.quote_start,
                quote_end=draft.quote_end,
            )
        )
        for name, side in draft.actors:
            session.add(
                EventActor(event_id=event.id, actor_id=await _actor_id(session, name), side=side)
            )
    await session.flush()
