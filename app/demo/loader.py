"""Demo reports and events, written for this project, linked to the built-in gazetteer."""

from __future__ import annotations

from datetime import date, datetime
from importlib import resources
from typing import Any

import orjson
from geoalchemy2.shape import from_shape
from rich.console import Console
from rich.progress import track
from shapely.geometry import Point
from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import Database
from app.models import (
    Actor,
    Event,
    EventActor,
    EventPlace,
    EventReport,
    Place,
    Report,
    ReportMention,
)
from app.reports.hashing import content_hash
from app.settings import Settings

DEMO_SOURCE = "demo"


def _data(name: str) -> list[dict[str, Any]]:
    raw = resources.files("app.demo").joinpath(f"data/{name}.json").read_bytes()
    data: list[dict[str, Any]] = orjson.loads(raw)
    return data


def _offsets(body: str, fragment: str, start: int = 0) -> tuple[int, int]:
    at = body.find(fragment, start)
    if at < 0:
        at = body.find(fragment)
    if at < 0:
        raise ValueError(f"demo data: {fragment!r} is not in the report body")
    return at, at + len(fragment)


async def _places(session: AsyncSession) -> dict[str, tuple[float, float, str | None]]:
    rows = await (await session.connection()).execute(
        text("SELECT id, ST_X(geom), ST_Y(geom), governorate_pcode FROM places")
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


async def _add_report(
    session: AsyncSession, entry: dict[str, Any], places: dict[str, tuple[float, float, str | None]]
) -> Report | None:
    digest = content_hash(entry["body"])
    if (await session.exec(select(Report.id).where(Report.content_hash == digest))).first():
        return None
    focus = entry.get("focus")
    report = Report(
        title=entry.get("title"),
        body=entry["body"],
        language=entry["language"],
        url=entry.get("url"),
        source=entry.get("source"),
        published_at=datetime.fromisoformat(entry["published_at"]),
        content_hash=digest,
        focus_place_id=focus,
        focus_governorate_pcode=places[focus][2] if focus else None,
        created_by=DEMO_SOURCE,
    )
    session.add(report)
    await session.flush()
    assert report.id is not None
    cursor = 0
    for mention in entry.get("mentions", []):
        start, end = _offsets(entry["body"], mention["text"], cursor)
        cursor = end
        session.add(
            ReportMention(
                report_id=report.id,
                place_id=mention["place"],
                text=mention["text"],
                start_offset=start,
                end_offset=end,
                confidence=1.0,
                method="curated",
            )
        )
    return report


async def _actor_id(session: AsyncSession, name: str, cache: dict[str, int]) -> int:
    if name not in cache:
        found = (await session.exec(select(Actor.id).where(Actor.name == name))).first()
        if found is not None:
            cache[name] = found
        else:
            actor = Actor(name=name)
            session.add(actor)
            await session.flush()
            assert actor.id is not None
            cache[name] = actor.id
    return cache[name]


async def _add_event(
    session: AsyncSession,
    entry: dict[str, Any],
    places: dict[str, tuple[float, float, str | None]],
    reports: dict[str, Report],
    actors: dict[str, int],
) -> bool:
    exists = await session.exec(
        select(Event.id).where(Event.source == DEMO_SOURCE, Event.source_id == entry["key"])
    )
    if exists.first():
        return False
    lon, lat, governorate = places[entry["place"]]
    event = Event(
        event_date=date.fromisoformat(entry["event_date"]),
        time_precision=entry.get("time_precision", 1),
        event_type=entry["event_type"],
        sub_event_type=entry["sub_event_type"],
        description=entry["description"],
        fatalities=entry.get("fatalities"),
        geom=from_shape(Point(entry.get("lon", lon), entry.get("lat", lat)), srid=4326),
        geo_precision=entry.get("geo_precision", 1),
        place_id=entry["place"],
        governorate_pcode=entry.get("governorate_pcode", governorate),
        status=entry.get("status", "published"),
        retraction_reason=entry.get("retraction_reason"),
        source=DEMO_SOURCE,
        source_id=entry["key"],
        created_by=DEMO_SOURCE,
    )
    session.add(event)
    await session.flush()
    assert event.id is not None
    session.add(EventPlace(event_id=event.id, place_id=entry["place"], role="primary"))
    for extra in entry.get("places", []):
        session.add(EventPlace(event_id=event.id, place_id=extra["place"], role=extra["role"]))
    for actor in entry.get("actors", []):
        actor_id = await _actor_id(session, actor["name"], actors)
        session.add(EventActor(event_id=event.id, actor_id=actor_id, side=actor["side"]))
    for link in entry.get("reports", []):
        report = reports[link["report"]]
        assert report.id is not None
        start, end = _offsets(report.body, link["quote"])
        session.add(
            EventReport(
                event_id=event.id,
                report_id=report.id,
                quote=link["quote"],
                quote_start=start,
                quote_end=end,
            )
        )
    return True


async def load_demo_data(session: AsyncSession, show_progress: bool = False) -> tuple[int, int]:
    """Add the demo reports and events that are not stored yet; returns (reports, events)."""
    places = await _places(session)
    reports: dict[str, Report] = {}
    new_reports = 0
    for entry in _data("reports"):
        report = await _add_report(session, entry, places)
        if report is None:
            found = await session.exec(
                select(Report).where(Report.content_hash == content_hash(entry["body"]))
            )
            report = found.one()
        else:
            new_reports += 1
        reports[entry["key"]] = report
    actors: dict[str, int] = {}
    entries = _data("events")
    rows = track(entries, description="demo events") if show_progress else entries
    new_events = 0
    for entry in rows:
        new_events += await _add_event(session, entry, places, reports, actors)
    await session.flush()
    return new_reports, new_events


async def load_demo(settings: Settings, console: Console | None = None) -> tuple[int, int]:
    db = Database.of(settings)
    try:
        async with db.session() as session:
            missing = (await session.exec(select(Place.id).limit(1))).first() is None
            if missing:
                raise SystemExit("the gazetteer is empty: run 'syria-events gazetteer load'")
            return await load_demo_data(session, show_progress=True)
    finally:
        await db.dispose()
