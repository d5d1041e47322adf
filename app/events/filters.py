"""The common event filters, parsed once from the query string (shared by every face)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from fastapi import Request

from app.errors import InvalidParameter
from app.events.fields import ALL, Fields
from app.events.sorting import DEFAULT, Sort, parse_sortby
from app.taxonomy import EVENT_TYPES, GOVERNORATES, STATUSES, SUB_EVENT_TYPES, canonical
from app.text.normalize import normalize
from app.web.cursor import decode_cursor
from app.web.params import (
    BBox,
    DateRange,
    parse_bbox,
    parse_datetime,
    parse_limit,
    parse_positive,
    parse_timestamp,
    split_list,
)

CURSOR_KIND = "events"
MAX_RADIUS_KM = 500.0
FILTER_PARAMS = frozenset(
    {
        "bbox",
        "datetime",
        "type",
        "sub_type",
        "actor",
        "place",
        "radius_km",
        "governorate",
        "q",
        "status",
        "updated_since",
    }
)


@dataclass
class EventFilters:
    bbox: BBox | None = None
    dates: DateRange | None = None
    types: list[str] = field(default_factory=list)
    sub_types: list[str] = field(default_factory=list)
    actor: str | None = None
    place_id: str | None = None
    radius_km: float | None = None
    governorates: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=lambda: ["published"])
    updated_since: datetime | None = None
    # Not parameters: set by the service from the caller's key and the as_of parameter.
    drafts_of: str | None = None
    as_of: datetime | None = None
    # A compiled CQL2 filter (OGC API items, app/ogc/compile.py): SQL over ``e`` whose
    # values are all bound parameters (named cql_0, cql_1, ...), and those parameters.
    cql: tuple[str, dict[str, Any]] | None = None


@dataclass
class Page:
    limit: int | None
    after: tuple[Any, ...] | None = None  # the sort's key values, then the id
    count: CountMode | None = None  # None: the face's default (none, or OGC's when cheap)
    sort: Sort = DEFAULT
    fields: Fields = ALL  # properties= and skipGeometry= (set with the format)


def _choices(name: str, raw: str, allowed: list[str] | tuple[str, ...]) -> list[str]:
    values = []
    for item in split_list(raw):
        match = canonical(item, allowed)
        if match is None:
            raise InvalidParameter(name, f"unknown value '{item}'")
        values.append(match)
    if not values:
        raise InvalidParameter(name, "is empty")
    return values


def _governorates(raw: str) -> list[str]:
    values = []
    for item in split_list(raw):
        code = item.upper()
        if code not in GOVERNORATES:
            raise InvalidParameter(
                "governorate", f"unknown governorate '{item}' (OCHA pcodes SY01..SY14)"
            )
        values.append(code)
    if not values:
        raise InvalidParameter("governorate", "is empty")
    return values


def _terms(raw: str) -> list[str]:
    terms = [normalize(t) for t in raw.split()]
    terms = [t for t in terms if t]
    if not terms:
        raise InvalidParameter("q", "is empty")
    if len(terms) > 10:
        raise InvalidParameter("q", "at most 10 words")
    return terms


def reject_unknown(request: Request, allowed: frozenset[str]) -> None:
    """OGC API - Features: a parameter the API does not define is a 400, not ignored."""
    for name in request.query_params:
        if name not in allowed:
            raise InvalidParameter(name, "unknown parameter")


def parse_filters(request: Request, *, fixed_place: str | None = None) -> EventFilters:
    q = request.query_params
    f = EventFilters()
    if (raw := q.get("bbox")) is not None:
        f.bbox = parse_bbox(raw)
    if (raw := q.get("datetime")) is not None:
        f.dates = parse_datetime(raw)
    if (raw := q.get("type")) is not None:
        f.types = _choices("type", raw, list(EVENT_TYPES))
    if (raw := q.get("sub_type")) is not None:
        f.sub_types = _choices("sub_type", raw, list(SUB_EVENT_TYPES))
    if (raw := q.get("actor")) is not None:
        if not raw.strip():
            raise InvalidParameter("actor", "is empty")
        f.actor = normalize(raw.strip())
    f.place_id = fixed_place if fixed_place is not None else q.get("place")
    if f.place_id is not None and not f.place_id.strip():
        raise InvalidParameter("place", "is empty")
    if (raw := q.get("radius_km")) is not None:
        if f.place_id is None:
            raise InvalidParameter("radius_km", "needs a place")
        f.radius_km = parse_positive(raw, "radius_km", MAX_RADIUS_KM)
    if (raw := q.get("governorate")) is not None:
        f.governorates = _governorates(raw)
    if (raw := q.get("q")) is not None:
        f.terms = _terms(raw)
    if (raw := q.get("status")) is not None:
        f.statuses = _choices("status", raw, STATUSES)
    if (raw := q.get("updated_since")) is not None:
        f.updated_since = parse_timestamp(raw, "updated_since")
    if (raw := q.get("as_of")) is not None:
        f.as_of = parse_timestamp(raw, "as_of")
    return f


CountMode = Literal["exact", "estimate", "none"]
_COUNT_WORDS: dict[str, CountMode] = {
    "exact": "exact",
    "estimate": "estimate",
    "none": "none",
    "true": "exact",
    "1": "exact",
    "yes": "exact",
    "false": "none",
    "0": "none",
    "no": "none",
}


def parse_count(raw: str | None) -> CountMode | None:
    """``count=exact|estimate|none`` (true and false as exact and none, as before)."""
    if raw is None:
        return None
    mode = _COUNT_WORDS.get(raw.strip().lower())
    if mode is None:
        raise InvalidParameter("count", "expected exact, estimate or none (true: exact)")
    return mode


def parse_page(request: Request, default: int, maximum: int, *, export: bool) -> Page:
    """``limit``/``cursor``/``count``/``sortby``; an export (CSV, NDJSON) without limit
    streams all (in the ``sortby`` order)."""
    q = request.query_params
    raw_limit = q.get("limit")
    limit = None if export and raw_limit is None else parse_limit(raw_limit, default, maximum)
    page = Page(limit=limit, count=parse_count(q.get("count")))
    page.sort = parse_sortby(q.get("sortby"))
    if (raw := q.get("cursor")) is not None:
        page.after = page.sort.read_position(decode_cursor(raw, CURSOR_KIND))
    return page


WORLD_DEG2 = 360.0 * 180.0
PAGE_INSTEAD = "or page through the results with limit= and the next links"


def check_export_caps(filters: EventFilters, max_bbox_deg2: float, max_days: int) -> None:
    """An export without ``limit`` within the operator's caps (0 = none); else a 400 naming
    the parameter, since paging with ``limit`` has no such cap."""
    box, dates = filters.bbox, filters.dates
    if max_bbox_deg2:
        area = (
            WORLD_DEG2 if box is None else (box.max_lon - box.min_lon) * (box.max_lat - box.min_lat)
        )
        if area > max_bbox_deg2:
            covers = "the whole world (no bbox)" if box is None else f"{area:g}"
            raise InvalidParameter(
                "bbox",
                f"an export without limit= covers at most {max_bbox_deg2:g} square degrees, "
                f"this one {covers}: give a smaller bbox, {PAGE_INSTEAD}",
            )
    if max_days:
        days = (dates.end - dates.start).days + 1 if dates and dates.start and dates.end else None
        if days is None or days > max_days:
            spans = "is open-ended" if days is None else f"spans {days} days"
            raise InvalidParameter(
                "datetime",
                f"an export without limit= spans at most {max_days} days, this one {spans}: "
                f"give a shorter start/end interval, {PAGE_INSTEAD}",
            )
