"""Items and single features as served: GeoJSON with OGC links, or CSV / NDJSON pages with the
same links in a ``Link`` header."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import Request
from fastapi.responses import Response

from app.ogc.documents import GEOJSON, JSON, MEDIA, CollectionInfo, link
from app.ogc.service import ItemsPage
from app.web.bulk import FILE_NAMES
from app.web.citation import citation, citation_headers, with_link
from app.web.formats import MEDIA_TYPES, Format
from app.web.links import absolute, url_with
from app.web.render import csv_text, feature_collection, total_headers


def items_links(
    request: Request, info: CollectionInfo, fmt: str, page: ItemsPage
) -> list[dict[str, str]]:
    """self, the same page in the other formats, next, prev and the collection."""
    media = MEDIA[fmt]
    links = [link(url_with(request), "self", media, "This page")]
    links += [
        link(url_with(request, f=other), "alternate", MEDIA[other], f"This page as {other}")
        for other in info.formats
        if other != fmt
    ]
    if page.next_cursor is not None:
        links.append(link(url_with(request, cursor=page.next_cursor), "next", media, "Next page"))
    if page.has_prev:
        # No cursor: the previous page is the first.
        links.append(
            link(url_with(request, cursor=page.prev_cursor), "prev", media, "Previous page")
        )
    links.append(link(absolute(request, f"/collections/{info.id}"), "collection", JSON))
    return links


def items(
    request: Request,
    info: CollectionInfo,
    fmt: str,
    page: ItemsPage,
    data_time: datetime | None = None,
    table: bytes | None = None,
) -> Response:
    """A page of items; with ``data_time`` (events: the data version it read), a
    ``cite-as`` link and a citation line; ``table``: the page as a GeoParquet or FlatGeobuf
    file, written by the caller."""
    links = items_links(request, info, fmt, page)
    cited = citation(request, data_time) if data_time is not None else {}
    if fmt == "geojson":
        features = [r["feature"] for r in page.rows]
        body = feature_collection(
            features, links, page.number_matched, page.number_estimated, cited
        )
        return Response(body, media_type=GEOJSON)
    headers = {
        "Link": ", ".join(f'<{x["href"]}>; rel="{x["rel"]}"' for x in links if x["rel"] != "self")
    }
    if cited:
        headers = with_link(headers, citation_headers(request, data_time))
    headers.update(total_headers(page.number_matched, page.number_estimated))
    if fmt == "csv":
        body = csv_text(page.columns, list(page.rows)).encode()
        return Response(body, media_type=MEDIA_TYPES[Format.csv], headers=headers)
    if table is not None:
        headers["Content-Disposition"] = f'attachment; filename="{FILE_NAMES[Format(fmt)]}"'
        return Response(table, media_type=MEDIA[fmt], headers=headers)
    body = "".join(f"{r['feature']}\n" for r in page.rows).encode()
    return Response(body, media_type=MEDIA["ndjson"], headers=headers)


def item(
    request: Request, info: CollectionInfo, feature: dict[str, Any], headers: dict[str, str]
) -> Response:
    """One Feature with its self and collection links."""
    here = f"/collections/{info.id}"
    feature["links"] = [
        link(absolute(request, f"{here}/items/{quote(feature['id'], safe='')}"), "self", GEOJSON),
        link(absolute(request, here), "collection", JSON, info.title),
    ]
    return Response(orjson.dumps(feature), media_type=GEOJSON, headers=headers)
