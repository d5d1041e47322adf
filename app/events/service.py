"""What the product does with events: filtered pages, exports and single events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import Database
from app.errors import Gone, InvalidParameter, NotFound
from app.events import repository
from app.events.filters import CURSOR_KIND, EventFilters, Page
from app.events.repository import PlaceRef
from app.web.cursor import encode_cursor


@dataclass
class EventPage:
    rows: Sequence[Any]
    next_cursor: str | None
    number_matched: int | None


async def _place(conn: AsyncConnection, f: EventFilters, *, from_path: bool) -> PlaceRef | None:
    if f.place_id is None:
        return None
    place = await repository.find_place(conn, f.place_id)
    if place is None:
        if from_path:
            raise NotFound(f"no place with id '{f.place_id}'")
        raise InvalidParameter("place", f"no place with id '{f.place_id}'")
    return place


def _split_page(rows: list[Any], page: Page) -> tuple[list[Any], str | None]:
    if page.limit is None or len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    last = rows[-1]
    return rows, encode_cursor(CURSOR_KIND, [last._date.isoformat(), last._id])


async def list_events(
    *, db: Database, filters: EventFilters, page: Page, csv: bool, place_in_path: bool = False
) -> EventPage:
    """One page of events, as Feature JSON strings or CSV rows, newest first."""
    async with db.read_connection() as conn:
        place = await _place(conn, filters, from_path=place_in_path)
        fetch = repository.fetch_csv_rows if csv else repository.fetch_features
        rows, next_cursor = _split_page(await fetch(conn, filters, place, page), page)
        matched = await repository.count(conn, filters, place) if page.count else None
    return EventPage(rows, next_cursor, matched)


async def check_export(
    *, db: Database, filters: EventFilters, place_in_path: str | None = None
) -> None:
    """Validate what needs the database before a stream starts and a 200 is sent."""
    async with db.read_connection() as conn:
        await _place(conn, filters, from_path=place_in_path is not None)


async def export_events(*, db: Database, filters: EventFilters, csv: bool) -> AsyncIterator[Any]:
    """Every matching event, streamed from a server-side cursor."""
    async with db.read_connection() as conn:
        place = await _place(conn, filters, from_path=False)
        async for row in repository.stream(conn, filters, place, csv=csv):
            yield row[2:] if csv else row.feature


async def get_event(*, db: Database, public_id: str) -> str:
    """One event as a Feature with its places, reports (quotes) and actors."""
    async with db.read_connection() as conn:
        row = await repository.fetch_detail(conn, public_id)
    if row is None:
        raise NotFound(f"no event with id '{public_id}'")
    if row.status == "retracted":
        raise Gone(f"event '{public_id}' was retracted: {row.retraction_reason}")
    feature: str = row.feature
    return feature
