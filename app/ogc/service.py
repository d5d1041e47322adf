"""What the OGC API face does: pages of items with next/prev cursors and, when cheap, how
many match; single items; the collections' extents.

Events go through the functions GET /events uses (``restrict_drafts``, ``resolve_place``,
``fetch_features``, the keyset cursor), so both faces answer the same filters the same way.

``numberMatched`` is given when it costs little: on a first page that is also the last (the
page is the count), and on a first page with more to come when counting takes less than
``COUNT_BUDGET_MS`` (in a savepoint with its own statement timeout: 180,000 events count in
about 100 ms). Later pages leave it out: a client has it from the first page, and counting again
on every page would cost a walk through 10,000 events most of its time. ``count=true`` on
events asks for the exact count on any page, whatever it costs.

Why it matters: GDAL (``ogrinfo -so``, QGIS through GDAL) takes the feature count from the first
page's numberMatched; without it, it reads every page (328 s for 180,000 events, measured).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from app.auth.service import Principal
from app.caching.service import Revalidated, revalidate
from app.db import Database
from app.events import policy
from app.events import repository as events_repository
from app.events import service as events_service
from app.events.etags import etag
from app.events.filters import CURSOR_KIND as EVENTS_CURSOR
from app.events.filters import EventFilters, Page
from app.events.sql import CSV_COLUMNS
from app.ogc import repository
from app.ogc.documents import Extent
from app.places import service as places_service
from app.web.conditional import CachedRead
from app.web.cursor import encode_cursor
from app.web.params import BBox

COUNT_BUDGET_MS = 250


@dataclass
class ItemsPage:
    rows: Sequence[Any]
    next_cursor: str | None
    has_prev: bool
    prev_cursor: str | None  # None with has_prev: the previous page is the first
    number_matched: int | None
    columns: tuple[str, ...] = CSV_COLUMNS  # of CSV rows
    number_estimated: int | None = None  # the planner's estimate (count=estimate)


@dataclass
class PlaceSearch:
    bbox: BBox | None
    cql: tuple[str, dict[str, Any]] | None
    after: str | None
    limit: int


def _split(rows: list[Any], limit: int) -> tuple[list[Any], Any | None]:
    """The page, and its last row when another page follows."""
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], rows[limit - 1]


async def event_items(
    *,
    db: Database,
    filters: EventFilters,
    page: Page,
    select: str | None,
    read: CachedRead,
    principal: Principal | None,
) -> Revalidated[ItemsPage]:
    """A page of events, newest first, as GET /events pages: Feature JSON, or the rows of a
    table's ``select`` (CSV, GeoParquet, FlatGeobuf); none when the client's copy is current."""
    assert page.limit is not None
    policy.restrict_drafts(filters, principal)
    reader = db.reader
    # As GET /events: a page of Features carries the version its own statement read.
    tabular = select is not None
    validators = await revalidate(reader, read) if read.conditional or tabular else None
    if validators is not None and validators.current:
        return Revalidated(validators)
    place = await events_service.resolve_place(reader, filters)
    if select is not None:
        found = await events_repository.fetch_csv_rows(reader, filters, place, page, select)
    else:
        found, version = await events_repository.fetch_features(reader, filters, place, page)
        validators = read.validators(version.changes, version.last_change)
    assert validators is not None
    rows, last = _split(found, page.limit)
    next_cursor = _event_cursor(page, last) if last is not None else None
    prev_cursor = None
    if page.after is not None:
        position = await repository.event_prev_position(reader, filters, place, page)
        prev_cursor = _event_cursor(page, position) if position is not None else None
    if tabular:
        width = events_repository.keyset_width(page)
        rows = [r[width:] for r in rows]
    estimated = None
    if page.count == "exact":
        matched: int | None = await events_repository.count(reader, filters, place)
    elif page.count in ("estimate", "none"):
        matched = None
        if page.count == "estimate":
            estimated = await events_repository.estimate(reader, filters, place)
    elif page.after is not None:
        matched = None
    elif next_cursor is None:
        matched = len(rows)
    else:
        matched = await reader.fetchval_within(
            COUNT_BUDGET_MS, *events_repository.count_query(filters, place)
        )
    items = ItemsPage(
        rows,
        next_cursor,
        page.after is not None,
        prev_cursor,
        matched,
        page.fields.csv()[0],
        estimated,
    )
    return Revalidated(validators, items)


def _event_cursor(page: Page, row: Any) -> str:
    return encode_cursor(EVENTS_CURSOR, page.sort.position(row))


async def place_items(*, db: Database, search: PlaceSearch) -> ItemsPage:
    """A page of gazetteer places, by id."""
    reader = db.reader
    fetched = await repository.fetch_places(
        reader, search.bbox, search.cql, search.after, search.limit
    )
    rows, last = _split(fetched, search.limit)
    next_cursor = _place_cursor(last["_id"]) if last is not None else None
    prev_cursor = None
    if search.after is not None:
        position = await repository.place_prev_position(
            reader, search.bbox, search.cql, search.after, search.limit
        )
        prev_cursor = _place_cursor(position) if position is not None else None
    if search.after is not None:
        matched: int | None = None
    elif next_cursor is None:
        matched = len(rows)
    else:
        matched = await reader.fetchval_within(
            COUNT_BUDGET_MS, *repository.count_places_query(search.bbox, search.cql)
        )
    return ItemsPage(rows, next_cursor, search.after is not None, prev_cursor, matched)


def _place_cursor(place_id: str) -> str:
    return encode_cursor(places_service.CURSOR_KIND, [place_id])


async def event_item(
    *, db: Database, feature_id: str, principal: Principal | None
) -> tuple[dict[str, Any], str]:
    """One event, as GET /events/{id} answers it (drafts, retractions and merges alike), and
    its ETag (the same as there: the links added are the request's, not the event's)."""
    feature, version = await events_service.get_event(
        db=db, public_id=feature_id, principal=principal
    )
    # One Feature, decoded to add the OGC links: not the hot path.
    return orjson.loads(feature), etag(version, feature)


async def place_item(*, db: Database, feature_id: str) -> dict[str, Any]:
    feature: dict[str, Any] = orjson.loads(
        await places_service.get_place(db=db, place_id=feature_id)
    )
    return feature


async def extents(*, db: Database) -> dict[str, Extent]:
    """Where and when each collection's features are."""
    async with db.read_connection() as conn:
        ev = await repository.events_extent(conn)
        pl = await repository.places_extent(conn)
    return {
        "events": Extent(
            _box(ev),
            ev.first_day.isoformat() if ev.first_day else None,
            ev.last_day.isoformat() if ev.last_day else None,
        ),
        "places": Extent(_box(pl)),
    }


def _box(row: Any) -> tuple[float, float, float, float] | None:
    if row.x0 is None:
        return None
    return (float(row.x0), float(row.y0), float(row.x1), float(row.y1))
