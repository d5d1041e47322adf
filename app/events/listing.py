"""The event list response shared by ``GET /events`` and ``GET /places/{id}/events``: a page
in any format, or an unpaged export streamed under the export budget."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.auth.service import Principal
from app.db import DatabaseDep
from app.events import service
from app.events.fields import parse_fields
from app.events.filters import check_export_caps, parse_filters, parse_page
from app.exchange.sql import ACLED_COLUMNS, ACLED_SELECT
from app.sources import service as sources
from app.web.budgets import counting
from app.web.bulk import FILE_NAMES, page_bytes, writer_for
from app.web.citation import citation, citation_headers, with_link
from app.web.conditional import (
    NO_STORE,
    VARY_ACCEPT,
    CachedRead,
    cache_control,
    not_modified,
)
from app.web.exports import export_response
from app.web.formats import BULK, COMMON, MEDIA_TYPES, Format, negotiate
from app.web.links import url_with
from app.web.render import csv_text, feature_collection, total_headers
from app.web.schemas import PROBLEM_RESPONSES
from app.web.streaming import Producer

# f=acled: ACLED's columns, so that scripts written for ACLED's exports read ours.
# f=parquet, f=fgb: GeoParquet and FlatGeobuf, typed columns and a point geometry.
EVENT_FORMATS = (*COMMON, Format.acled, *BULK)

LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A FeatureCollection; or CSV / NDJSON with `f=` or `Accept`; "
        "`f=acled` (or `Accept: text/csv; profile=acled`): CSV in ACLED's columns; "
        "`f=parquet` (GeoParquet 1.1) or `f=fgb` (FlatGeobuf)",
        "content": {
            "application/geo+json": {
                "schema": {"$ref": "#/components/schemas/EventFeatureCollection"}
            },
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
            "application/flatgeobuf": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    304: {"description": "Not modified (If-None-Match, or If-Modified-Since without it)"},
    **PROBLEM_RESPONSES,
}


async def respond_with_events(
    request: Request,
    db: DatabaseDep,
    principal: Principal | None,
    *,
    place_in_path: str | None = None,
) -> Response:
    """The list response shared by ``/events`` and ``/places/{id}/events``."""
    settings = request.app.state.settings
    fmt = negotiate(request, EVENT_FORMATS)
    filters = parse_filters(request, fixed_place=place_in_path)
    export = fmt is not Format.geojson
    page = parse_page(request, settings.default_limit, settings.max_limit, export=export)
    media = MEDIA_TYPES[fmt]
    tabular = fmt in (Format.csv, Format.acled)
    bulk = fmt in BULK
    page.fields = parse_fields(
        request, tabular=tabular or bulk, fixed=fmt is Format.acled, geometry_kept=bulk
    )
    columns, select = (ACLED_COLUMNS, ACLED_SELECT) if fmt is Format.acled else page.fields.csv()
    if bulk:  # typed columns, each row ending with its point
        typed, select = page.fields.typed()
        make_writer = writer_for(fmt, typed)
    read = CachedRead.of(request, fmt.value, principal)
    if export and page.limit is None and page.after is None:
        check_export_caps(filters, settings.export_max_bbox_deg2, settings.export_max_days)
        checked = await service.check_export(
            db=db, filters=filters, read=read, principal=principal, place_in_path=place_in_path
        )
        # Validators (a sync script's 304 costs nothing), but no cache keeps hundreds of MB.
        cache = checked.validators.headers(NO_STORE, VARY_ACCEPT)
        if checked.validators.current:
            return not_modified(cache)
        cited = citation_headers(request, checked.validators.data_time)
        cited.update(await sources.headers(request.app.state, db))  # attribution
        produce: Producer = partial(
            service.export_events,
            db=db,
            filters=filters,
            place=checked.body,
            csv_select=select if tabular else None,
            sort=page.sort,
            feature=page.fields.feature(),
        )
        if bulk:
            produce = partial(
                service.export_table,
                db=db,
                filters=filters,
                place=checked.body,
                select=select,
                sort=page.sort,
                make_writer=make_writer,
            )
        return export_response(
            request,
            produce,
            media_type=media,
            headers={**_disposition(fmt), **cache, **cited},
            head=csv_text(columns, []).encode() if tabular else b"",
        )
    async with counting(request, page.count == "exact"):
        listed = await service.list_events(
            db=db,
            filters=filters,
            page=page,
            csv=tabular or bulk,
            read=read,
            principal=principal,
            place_in_path=place_in_path is not None,
            csv_select=select,
        )
    cache = listed.validators.headers(
        cache_control(principal, settings.cache_max_age_s), VARY_ACCEPT
    )
    result = listed.body
    if result is None:
        return not_modified(cache)
    next_url = url_with(request, cursor=result.next_cursor) if result.next_cursor else None
    data_time = listed.validators.data_time
    if fmt is Format.geojson:
        links = [{"href": url_with(request), "rel": "self", "type": media}]
        if next_url:
            links.append({"href": next_url, "rel": "next", "type": media})
        content = feature_collection(
            [r["feature"] for r in result.rows],
            links,
            result.number_matched,
            result.number_estimated,
            citation(request, data_time),
        )
        return Response(content, media_type=media, headers=cache)
    headers = {**_disposition(fmt), **cache}
    if next_url:
        headers["Link"] = f'<{next_url}>; rel="next"'
    headers.update(total_headers(result.number_matched, result.number_estimated))
    headers = with_link(headers, citation_headers(request, data_time))
    headers.update(await sources.headers(request.app.state, db))  # attribution
    if bulk:
        content = await page_bytes(make_writer, result.rows)
    elif tabular:
        content = csv_text(columns, result.rows).encode()
    else:
        content = "".join(f"{r['feature']}\n" for r in result.rows).encode()
    return Response(content, media_type=media, headers=headers)


def _disposition(fmt: Format) -> dict[str, str]:
    if fmt is Format.csv:
        return {"Content-Disposition": 'attachment; filename="events.csv"'}
    if fmt is Format.acled:
        return {"Content-Disposition": 'attachment; filename="events-acled.csv"'}
    if fmt in FILE_NAMES:
        return {"Content-Disposition": f'attachment; filename="{FILE_NAMES[fmt]}"'}
    return {}
