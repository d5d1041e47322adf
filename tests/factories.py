"""Small builders for test data: each test arranges exactly what it asserts on."""

from __future__ import annotations

from datetime import date
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Actor, Event, EventActor, EventPlace, EventReport, Place, PlaceName, Report
from app.reports.hashing import content_hash


async def add_place(
    session: AsyncSession,
    place_id: str,
    lon: float,
    lat: float,
    *,
    name_en: str | None = None,
    name_ar: str | None = None,
    kind: str = "city",
    governorate: str | None = None,
    aliases: tuple[str, ...] = (),
    area: tuple[float, float, float, float] | None = None,
    population: int | None = None,
) -> Place:
    place = Place(
        id=place_id,
        name_en=name_en or place_id,
        name_ar=name_ar,
        kind=kind,
        geom=from_shape(Point(lon, lat), srid=4326),
        governorate_pcode=governorate,
        area=from_shape(MultiPolygon([box(*area)]), srid=4326) if area else None,
        population=population,
        source="test",
    )
    session.add(place)
    await session.flush()
    names = [(place.name_en, "en", True)] + ([(name_ar, "ar", True)] if name_ar else [])
    names += [(a, "und", False) for a in aliases]
    for name, lang, preferred in names:
        session.add(PlaceName(place_id=place_id, name=name, lang=lang, is_preferred=preferred))
    await session.flush()
    return place


async def add_airport(session: AsyncSession) -> Place:
    """A facility with a compound Arabic name: "sy-airport-test", Deir ez-Zor airport."""
    return await add_place(
        session,
        "sy-airport-test",
        40.17,
        35.28,
        name_en="Deir ez-Zor airport",
        name_ar="مطار دير الزور العسكري",
        kind="airport",
        governorate="SY09",
    )


async def add_event(
    session: AsyncSession,
    day: str,
    lon: float,
    lat: float,
    *,
    event_type: str = "Battles",
    sub_event_type: str = "Armed clash",
    description: str = "",
    status: str = "published",
    governorate: str | None = None,
    place: str | None = None,
    fatalities: int | None = 0,
    actors: tuple[tuple[str, str], ...] = (),
    **extra: Any,
) -> Event:
    event = Event(
        event_date=date.fromisoformat(day),
        event_type=event_type,
        sub_event_type=sub_event_type,
        description=description,
        fatalities=fatalities,
        geom=from_shape(Point(lon, lat), srid=4326),
        governorate_pcode=governorate,
        place_id=place,
        status=status,
        source="test",
        retraction_reason="test retraction" if status == "retracted" else None,
        **extra,
    )
    session.add(event)
    await session.flush()
    assert event.id is not None
    for name, side in actors:
        actor = Actor(name=name)
        session.add(actor)
        await session.flush()
        assert actor.id is not None
        session.add(EventActor(event_id=event.id, actor_id=actor.id, side=side))
    if place:
        session.add(EventPlace(event_id=event.id, place_id=place, role="primary"))
    await session.flush()
    await session.refresh(event)
    return event


async def add_report(
    session: AsyncSession, body: str, *, language: str = "en", title: str | None = None
) -> Report:
    report = Report(body=body, language=language, title=title, content_hash=content_hash(body))
    session.add(report)
    await session.flush()
    await session.refresh(report)
    return report


async def link_report(session: AsyncSession, event: Event, report: Report, quote: str) -> None:
    assert event.id is not None and report.id is not None
    start = report.body.index(quote)
    session.add(
        EventReport(
            event_id=event.id,
            report_id=report.id,
            quote=quote,
            quote_start=start,
            quote_end=start + len(quote),
        )
    )
    await session.flush()
