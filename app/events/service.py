"""What the product does with events: filtered pages, exports and single events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.auth.service import Principal
from app.caching.service import Revalidated, revalidate
from app.db import Database, Reader
from app.errors import Gone, InvalidParameter, NotFound
from app.events import policy, repository
from app.events.filters import CURSOR_KIND, EventFilters, Page
from app.events.repository import PlaceRef
from app.events.sorting import DEFAULT, Sort
from app.events.sql import CSV_SELECT, FEATURE
from app.web.columnar import TableWriter
from app.web.conditional import CachedRead
from app.web.cursor import encode_cursor


@dataclass
class EventPage:
    rows: Sequence[Any]
    next_cursor: str | None
    number_matched: int | None
    number_estimated: int | None = None  # the planner's estimate (count=estimate)


async def resolve_place(
    reader: Reader, f: EventFilters, *, from_path: bool = False
) -> PlaceRef | None:
    """The place a ``place`` filter names (400 when unknown; 404 when it is in the path)."""
    if f.place_id is None:
        return None
    place = await repository.find_place(reader, f.place_id)
    if place is None:
        if from_path:
            raise NotFound(f"no place with id '{f.place_id}'")
        raise InvalidParameter("place", f"no place with id '{f.place_id}'")
    return place


def _split_page(rows: list[Any], page: Page) -> tuple[list[Any], str | None]:
    if page.limit is None or len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    return rows, encode_cursor(CURSOR_KIND, page.sort.position(rows[-1]))


async def list_events(
    *,
    db: Database,
    filters: EventFilters,
    page: Page,
    csv: bool,
    read: CachedRead,
    principal: Principal | None = None,
    place_in_path: bool = False,
    csv_select: str = CSV_SELECT,
) -> Revalidated[EventPage]:
    """One page of events, as Feature JSON (rows with ``feature``) or CSV rows (tuples of our
    columns, or of ``csv_select``'s), in the page's order; none when the client's copy is
    current.

    A page of Features is tagged with the version its own statement read; the version is read
    first only to answer a revalidation (and for CSV pages, whose rows are positional)."""
    policy.restrict_drafts(filters, principal)
    reader = db.reader
    validators = await revalidate(reader, read) if read.conditional or csv else None
    if validators is not None and validators.current:
        return Revalidated(validators)
    place = await resolve_place(reader, filters, from_path=place_in_path)
    if csv:
        found = await repository.fetch_csv_rows(reader, filters, place, page, csv_select)
    else:
        found, version = await repository.fetch_features(reader, filters, place, page)
        validators = read.validators(version.changes, version.last_change)
    assert validators is not None
    rows, next_cursor = _split_page(found, page)
    if csv:
        width = repository.keyset_width(page)
        rows = [r[width:] for r in rows]
    matched = await repository.count(reader, filters, place) if page.count == "exact" else None
    estimated = (
        await repository.estimate(reader, filters, place) if page.count == "estimate" else None
    )
    return Revalidated(validators, EventPage(rows, next_cursor, matched, estimated))


async def check_export(
    *,
    db: Database,
    filters: EventFilters,
    read: CachedRead,
    principal: Principal | None = None,
    place_in_path: str | None = None,
) -> Revalidated[PlaceRef | None]:
    """Validate what needs the database before a stream starts and a 200 is sent: the
    place the filters name, and the validators (the export is not made when current)."""
    policy.restrict_drafts(filters, principal)
    reader = db.reader
    validators = await revalidate(reader, read)
    if validators.current:
        return Revalidated(validators)
    place = await resolve_place(reader, filters, from_path=place_in_path is not None)
    return Revalidated(validators, place)


async def export_events(
    sink: Callable[[bytes], Awaitable[None]],
    *,
    db: Database,
    filters: EventFilters,
    place: PlaceRef | None,
    csv_select: str | None,
    sort: Sort = DEFAULT,
    feature: str = FEATURE,
) -> None:
    """Every matching event (after ``check_export``) into ``sink``, from the export pool:
    CSV rows of ``csv_select`` without a header, else NDJSON Features."""
    async with db.export_connection() as conn:
        await repository.copy_out(
            conn, filters, place, sink, csv_select=csv_select, sort=sort, feature=feature
        )


# Rows per batch of a GeoParquet / FlatGeobuf export: one Parquet row group each; a batch of
# every column is a few MB in Python objects at most.
ROWS_PER_BATCH = 10_000


async def export_table(
    sink: Callable[[bytes], Awaitable[None]],
    *,
    db: Database,
    filters: EventFilters,
    place: PlaceRef | None,
    select: str,
    sort: Sort = DEFAULT,
    make_writer: Callable[[], TableWriter],
) -> None:
    """Every matching event (after ``check_export``) as a GeoParquet or FlatGeobuf file into
    ``sink``, from the export pool: batches from a cursor, each encoded in a thread while
    PostgreSQL makes the next one, and sent as it comes. Nothing is sent before the first
    batch, so a failing query is still an error answer, not a cut-off file."""
    writer = make_writer()
    head = writer.start()
    encoding: asyncio.Future[bytes] | None = None
    try:
        async with db.export_connection() as conn:
            batches = repository.fetch_batches(
                conn, filters, place, select=select, sort=sort, rows_per_batch=ROWS_PER_BATCH
            )
            async for rows in batches:
                if encoding is not None:  # one batch encoded at a time, in order
                    await sink(head + await encoding)
                    head = b""
                encoding = asyncio.ensure_future(asyncio.to_thread(writer.write, rows))
        if encoding is not None:
            await sink(head + await encoding)
            head = b""
    finally:
        if encoding is not None and not encoding.done():
            encoding.cancel()
    await sink(head + writer.finish())


async def get_event(
    *,
    db: Database,
    public_id: str,
    principal: Principal | None = None,
    as_of: datetime | None = None,
) -> tuple[str, int]:
    """One event as a Feature with its places, reports (quotes) and actors, and its version;
    with ``as_of``, as it stood then."""
    row = await repository.fetch_detail(db.reader, public_id, as_of)
    if row is None:
        when = f" at {as_of.isoformat()}" if as_of else ""
        raise NotFound(f"no event with id '{public_id}'{when}")
    policy.check_visible(public_id, principal, row["status"], row["created_by"])
    if row["status"] == "retracted":
        if merged := row["merged_into"]:
            raise Gone(
                f"event '{public_id}' was merged into '{merged}'",
                headers={"Link": f'</events/{merged}>; rel="canonical"'},
                merged_into=merged,
            )
        raise Gone(f"event '{public_id}' was retracted: {row['retraction_reason']}")
    return str(row["feature"]), int(row["version"])
