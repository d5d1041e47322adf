"""The OGC routes' query parameters, parsed; every failure is a 400 naming the parameter."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from app.errors import InvalidParameter
from app.events.fields import parse_fields
from app.events.filters import EventFilters, Page, parse_filters, parse_page
from app.ogc import service
from app.ogc.compile import compile_filter
from app.ogc.cql import parse_filter
from app.ogc.documents import EVENTS, CollectionInfo
from app.ogc.queryables import Queryable
from app.places import service as places_service
from app.web.cursor import decode_cursor
from app.web.formats import BULK
from app.web.params import parse_bbox, parse_limit

# Accept's media types, and the f= values that ask for the same.
_ACCEPT = {
    "application/geo+json": "geojson",
    "application/json": "geojson",
    "text/csv": "csv",
    "application/x-ndjson": "ndjson",
    "application/geo+json-seq": "ndjson",
    "application/vnd.apache.parquet": "parquet",
    "application/flatgeobuf": "fgb",
}


def items_format(request: Request, info: CollectionInfo) -> str:
    """``f=`` (``json`` is GeoJSON too), else the first acceptable ``Accept``, else GeoJSON."""
    raw = request.query_params.get("f")
    if raw is not None:
        fmt = "geojson" if raw.strip().lower() == "json" else raw.strip().lower()
        if fmt not in info.formats:
            raise InvalidParameter("f", f"'{raw}' is not one of json, {', '.join(info.formats)}")
        return fmt
    for part in request.headers.get("accept", "").split(","):
        fmt = _ACCEPT.get(part.split(";")[0].strip().lower(), "")
        if fmt in info.formats:
            return fmt
    return info.formats[0]


def cql_filter(
    request: Request, queryables: dict[str, Queryable]
) -> tuple[str, dict[str, Any]] | None:
    q = request.query_params
    tree = parse_filter(q.get("filter"), q.get("filter-lang"), q.get("filter-crs"))
    return None if tree is None else compile_filter(tree, queryables)


def event_items(request: Request, fmt: str) -> tuple[EventFilters, Page]:
    """The filters of GET /events, and a CQL2 filter on top; the page, its order and the
    fields it shows (``properties``/``skipGeometry``, as CSV columns for ``fmt`` csv)."""
    settings = request.app.state.settings
    filters = parse_filters(request)
    filters.cql = cql_filter(request, EVENTS.queryables)
    page = parse_page(request, settings.default_limit, settings.max_limit, export=False)
    bulk = fmt in BULK
    page.fields = parse_fields(request, tabular=fmt == "csv" or bulk, geometry_kept=bulk)
    return filters, page


def place_items(request: Request, info: CollectionInfo) -> service.PlaceSearch:
    q = request.query_params
    settings = request.app.state.settings
    after = None
    if "cursor" in q:
        position = decode_cursor(q["cursor"], places_service.CURSOR_KIND)
        if len(position) != 1 or not isinstance(position[0], str):
            raise InvalidParameter("cursor", "not a cursor from a 'next' link")
        after = position[0]
    return service.PlaceSearch(
        bbox=parse_bbox(q["bbox"]) if "bbox" in q else None,
        cql=cql_filter(request, info.queryables),
        after=after,
        limit=parse_limit(q.get("limit"), settings.default_limit, settings.max_limit),
    )
