"""The OGC API landing page as JSON.

``GET /`` belongs to the map page (app/map), which serves HTML to browsers and this document
for ``f=json`` or ``Accept: application/json``; so the OGC area registers no ``/`` route itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from app.web.links import absolute

TITLE = "Syria Events API"
DESCRIPTION = (
    "Geotagged conflict events in Syria and a bilingual (Arabic/English) gazetteer, "
    "as OGC API – Features collections (GeoJSON, CQL2 filters)."
)


def landing_page(request: Request) -> dict[str, Any]:
    """The landing page: what the service is and where its API, conformance and data are."""
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            {
                "href": absolute(request, "/?f=json"),
                "rel": "self",
                "type": "application/json",
                "title": "This document",
            },
            {
                "href": absolute(request, "/openapi.json"),
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.1",
                "title": "The API definition",
            },
            {
                "href": absolute(request, "/docs"),
                "rel": "service-doc",
                "type": "text/html",
                "title": "The API documentation",
            },
            {
                "href": absolute(request, "/conformance"),
                "rel": "conformance",
                "type": "application/json",
                "title": "Conformance classes implemented",
            },
            {
                "href": absolute(request, "/collections"),
                "rel": "data",
                "type": "application/json",
                "title": "The collections",
            },
        ],
    }
