"""What the product does with events: filtered pages, exports and single events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.service import Principal
from app.db import Database
from app.errors import Gone, InvalidParameter, NotFound
from app.events import policy, repository
from app.events.filters import CURSOR_KIND, EventFilters, Page
from app.events.repository import PlaceRef
from app.events.sql import CSV_SELECT
from app.web.cursor import encode_cursor


@dataclass
class EventPage:
    rows: Sequence[Any]
    next_cursor: str | None
    number_matched: int | None


async def resolve_place(
    conn: AsyncConnection, f: EventFilters, *, from_path: bool = False
) -> PlaceRef | None:
    """The place a ``place`` filter names (400 when unknown; 404 when it is in the path)."""
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
    *,
    db: Database,
    filters: EventFilters,
    page: Page,
    csv: bool,
    principal: Principal | None = None,
    place_in_path: bool = False,
    csv_select: str = CSV_SELECT,
) -> EventPage:
    """One page of events, as Feature JSON strings or CSV rows (our columns, or those of
    ``csv_select``), newest first."""
    policy.restrict_drafts(filters, principal)
    async with db.read_connection() as conn:
        place = await resolve_place(conn, filters, from_path=place_in_path)
        if csv:
            found = await repository.fetch_csv_rows(conn, filters, place, page, csv_select)
        else:
            found = await repository.fetch_features(conn, filters, place, page)
        rows, next_cursor = _split_page(found, page)
        matched = await repository.count(conn, filters, place) if page.count else None
    return EventPage(rows, next_cursor, matched)


async def check_export(
    *,
    db: Database,
    filters: EventFilters,
    principal: Principal | None = None,
    place_in_path: str | None = None,
) -> None:
    """Validate what needs the database before a stream starts and a 200 is sent."""
    policy.restrict_drafts(filters, principal)
    async with db.read_connection() as conn:
        await resolve_place(conn, filters, from_path=place_in_path is not None)


async def export_events(
    *, db: Database, filters: EventFilters, csv: bool, csv_select: str = CSV_SELECT
) -> AsyncIterator[Any]:
    """Every matching event, streamed from a server-side cursor (after ``check_export``)."""
    async with db.read_connection() as conn:
        place = await resolve_place(conn, filters, from_path=False)
        async for row in repository.stream(conn, filters, place, csv=csv, csv_select=csv_select):
            yield row[2:] if csv else row.feature


async def get_event(
    *,
    db: Database,
    public_id: str,
    principal: Principal | None = None,
    as_of: datetime | None = None,
) -> tuple[str, int]:
    """One event as a Feature with its places, reports (quotes) and actors, and its version;
    with ``as_of``, as it stood then."""
    async with db.read_connection() as conn:
        row = await repository.fetch_detail(conn, public_id, as_of)
    if row is None:
        when = f" at {as_of.isoformat()}" if as_of else ""
        raise NotFound(f"no event with id '{public_id}'{when}")
    policy.check_visible(public_id, principal, row.status, row.created_by)
    if row.status == "retracted":
        if row.merged_into:
            raise Gone(
                f"event '{public_id}' was merged into '{row.merged_into}'",
                headers={"Link": f'</events/{row.merged_into}>; rel="canonical"'},
                merged_into=row.merged_into,
            )
        raise Gone(f"event '{public_id}' was retracted: {row.retraction_reason}")
    return str(row.feature), int(row.version)
