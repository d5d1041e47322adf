"""What the product does for HAPI clients: monthly conflict events per admin area and type."""

from __future__ import annotations

from datetime import date

from asyncpg import Record

from app.caching.service import Revalidated, revalidate
from app.db import Database, Reader
from app.errors import InvalidParameter
from app.hapi import repository
from app.hapi.repository import LOCATION_CODE, LOCATION_NAME, LOCATION_REF, Selection
from app.hapi.schemas import ConflictEventQuery, OutputFormat
from app.web.conditional import CachedRead

EMPTY_JSON = '{"data" : []}'  # as PostgreSQL writes it


def _month_after(day: date) -> date | None:
    """The first day of the month after ``day``'s (None past the calendar's end)."""
    if day.month < 12:
        return date(day.year, day.month + 1, 1)
    return date(day.year + 1, 1, 1) if day.year < date.max.year else None


def _in_syria(q: ConflictEventQuery) -> bool:
    """Whether the location filters (HAPI's: a ref, a code, part of a name) allow Syria."""
    return (
        (q.location_ref is None or q.location_ref == LOCATION_REF)
        and (q.location_code is None or q.location_code.strip().upper() == LOCATION_CODE)
        and (q.location_name is None or q.location_name.strip().lower() in LOCATION_NAME.lower())
    )


def selection(q: ConflictEventQuery) -> Selection | None:
    """The rows ``q`` asks for: whole months overlapping start_date..end_date, areas by pcode
    (a ref is the pcode's number) or by part of their name; None when no row can match."""
    if q.start_date and q.end_date and q.start_date > q.end_date:
        raise InvalidParameter("end_date", "is before start_date")
    if not _in_syria(q):
        return None
    admin1 = [c.strip().upper() for c in (q.admin1_code,) if c is not None]
    admin2 = [c.strip().upper() for c in (q.admin2_code,) if c is not None]
    if q.admin1_ref is not None:
        admin1.append(f"SY{q.admin1_ref:02d}")
    if q.admin2_ref is not None:
        admin2.append(f"SY{q.admin2_ref:04d}")
    return Selection(
        event_type=q.event_type,
        first=q.start_date.replace(day=1) if q.start_date else None,
        stop=_month_after(q.end_date) if q.end_date else None,
        admin1_codes=tuple(admin1),
        admin2_codes=tuple(admin2),
        admin1_name=q.admin1_name,
        admin2_name=q.admin2_name,
        admin_level=q.admin_level,
        offset=q.offset,
        limit=q.limit,
    )


async def conflict_events(
    *, db: Database, query: ConflictEventQuery, read: CachedRead
) -> Revalidated[str | list[Record]]:
    """Events and fatalities of published events per month, governorate, district and HAPI
    event type: HAPI's JSON document, or with ``output_format=csv`` its rows; none when the
    client's copy is current."""
    chosen = selection(query)
    csv = query.output_format is OutputFormat.csv
    async with db.read_connection() as conn:
        reader = Reader.within(conn)
        validators = await revalidate(reader, read)
        if validators.current:
            return Revalidated(validators)
        if chosen is None:
            return Revalidated(validators, [] if csv else EMPTY_JSON)
        if csv:
            return Revalidated(validators, await repository.conflict_events_rows(reader, chosen))
        return Revalidated(validators, await repository.conflict_events_json(reader, chosen))
