"""What the product does with statistics: counts over time, by area and type, and on a grid."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.service import Principal
from app.caching.service import Revalidated, revalidate
from app.db import Database, Reader
from app.errors import InvalidParameter
from app.events import policy
from app.events.filters import EventFilters
from app.events.repository import PlaceRef
from app.events.service import resolve_place
from app.stats import repository, rollup_repository
from app.stats.grid import Shape
from app.stats.periods import Interval, count_periods, truncate
from app.stats.schemas import GroupBy
from app.taxonomy import EVENT_TYPES, GOVERNORATES, SUB_EVENT_TYPES
from app.web.conditional import CachedRead

# Periods x groups of one time series: some 2 MB of JSON. A day-by-day series of 2011-2024
# (5,100 periods) fits with up to 39 groups.
MAX_POINTS = 200_000
# How many groups there can be when the taxonomy bounds them (+1: no governorate).
_GROUP_BOUND = {
    GroupBy.type: len(EVENT_TYPES),
    GroupBy.sub_type: len(SUB_EVENT_TYPES),
    GroupBy.governorate: len(GOVERNORATES) + 1,
}
# Non-empty cells of one grid (some 400 bytes each).
MAX_CELLS = 50_000


async def _answered_by_rollups(
    conn: AsyncConnection, filters: EventFilters, group_by: str | None = None
) -> tuple[EventFilters, bool]:
    """The filters to read and whether the roll-ups answer them. A bbox that holds every
    stored event (a map's view of the whole country) filters nothing: it is dropped, and the
    roll-ups answer when they hold the other filters."""
    if rollup_repository.covers(filters, group_by):
        return filters, True
    if filters.bbox is None:
        return filters, False
    unboxed = replace(filters, bbox=None)
    if not rollup_repository.covers(unboxed, group_by):
        return filters, False
    if not await rollup_repository.bbox_holds_every_event(conn, filters.bbox):
        return filters, False
    return unboxed, True


async def _periods(
    conn: AsyncConnection,
    filters: EventFilters,
    place: PlaceRef | None,
    rolled: bool,
    interval: Interval,
    group_by: GroupBy | None,
    top: int,
) -> tuple[date | None, date | None]:
    """The first and last period: those of the datetime filter's ends, an open end taken from
    the matching events (None, None when an end is open and nothing matches)."""
    first = filters.dates.start if filters.dates else None
    last = filters.dates.end if filters.dates else None
    if first is None or last is None:
        if rolled:
            low, high = await rollup_repository.date_range(conn, filters)
        else:
            low, high = await repository.date_range(conn, filters, place)
        first, last = first or low, last or high
    if first is None or last is None:
        return None, None
    groups = 1 if group_by is None else min(top, _GROUP_BOUND.get(group_by, top))
    periods = count_periods(interval, first, last)
    if periods * groups > MAX_POINTS:
        raise InvalidParameter(
            "interval",
            f"{periods:,} periods x {groups} groups is more than {MAX_POINTS:,} numbers: "
            "choose a longer interval, a shorter datetime range or a smaller top",
        )
    return truncate(interval, first), truncate(interval, last)


async def timeseries(
    *,
    db: Database,
    filters: EventFilters,
    principal: Principal | None,
    interval: Interval,
    group_by: GroupBy | None,
    top: int,
    csv: bool,
    read: CachedRead,
) -> Revalidated[str | list[Row[Any]]]:
    """Events and fatalities per period (and group), empty periods as zeros: the JSON document,
    or with ``csv`` its rows (period[, group], count, fatality sums); none when the client's copy
    is current."""
    policy.restrict_drafts(filters, principal)
    group = group_by.value if group_by else None
    async with db.read_connection() as conn:
        reader = Reader.within(conn)
        validators = await revalidate(reader, read)
        if validators.current:
            return Revalidated(validators)
        filters, rolled = await _answered_by_rollups(conn, filters, group)
        place = await resolve_place(reader, filters)
        first, last = await _periods(conn, filters, place, rolled, interval, group_by, top)
        if rolled:
            ctes, params = rollup_repository.timeseries_ctes(filters, interval, group)
        else:
            ctes, params = repository.timeseries_ctes(filters, place, group)
        series = await repository.timeseries(
            conn,
            ctes,
            params,
            interval=interval,
            group_by=group,
            first=first,
            last=last,
            top=top,
            csv=csv,
        )
    return Revalidated(validators, series)


async def summary(
    *, db: Database, filters: EventFilters, principal: Principal | None, read: CachedRead
) -> Revalidated[str]:
    """Events and fatalities in all, per governorate and per event type, as JSON; none when
    the client's copy is current."""
    policy.restrict_drafts(filters, principal)
    async with db.read_connection() as conn:
        reader = Reader.within(conn)
        validators = await revalidate(reader, read)
        if validators.current:
            return Revalidated(validators)
        filters, rolled = await _answered_by_rollups(conn, filters)
        if rolled:
            ctes, params = rollup_repository.summary_ctes(filters)
        else:
            place = await resolve_place(reader, filters)
            ctes, params = repository.summary_ctes(filters, place)
        return Revalidated(validators, await repository.summary(conn, ctes, params))


async def grid(
    *,
    db: Database,
    filters: EventFilters,
    principal: Principal | None,
    shape: Shape,
    size_km: float,
    read: CachedRead,
) -> Revalidated[str]:
    """The cells of an equal-area grid that hold matching events, with their counts and
    fatalities, as a GeoJSON FeatureCollection; none when the client's copy is current."""
    policy.restrict_drafts(filters, principal)
    async with db.read_connection() as conn:
        reader = Reader.within(conn)
        validators = await revalidate(reader, read)
        if validators.current:
            return Revalidated(validators)
        place = await resolve_place(reader, filters)
        cells, doc = await repository.grid_json(
            conn, filters, place, shape=shape, size_km=size_km, max_cells=MAX_CELLS
        )
    if doc is None:
        raise InvalidParameter(
            "size_km",
            f"{cells:,} cells hold events, more than {MAX_CELLS:,}: choose larger cells or "
            "narrow the filters (bbox, datetime)",
        )
    return Revalidated(validators, doc)
