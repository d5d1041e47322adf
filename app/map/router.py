"""HTTP for the map page: ``GET /`` (the page, or the OGC landing JSON) and its static files."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.staticfiles import StaticFiles

from app.db import DatabaseDep
from app.errors import InvalidParameter
from app.map import page, repository
from app.map.negotiation import Page, choose
from app.ogc.landing import landing_page
from app.web.conditional import none_match, not_modified
from app.web.links import absolute
from app.web.responses import GeoJSONResponse
from app.web.schemas import PROBLEM_RESPONSES

router = APIRouter(tags=["map"])
HTML = "text/html"
# Path checks (no escaping the folder), ETag / Last-Modified and 304s are Starlette's.
_static = StaticFiles(directory=page.STATIC_DIR, check_dir=False)

LANDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["links"],
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
    },
}


@router.get(
    "/",
    summary="Map page and landing page",
    response_class=HTMLResponse,
    responses={
        200: {
            "description": "The map page (HTML) for browsers; the OGC API landing page "
            "(JSON) for `f=json` or when `Accept` prefers application/json",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/json": {"schema": LANDING_SCHEMA},
            },
        },
        400: PROBLEM_RESPONSES[400],
        503: PROBLEM_RESPONSES[503],
    },
)
async def home(
    request: Request,
    f: Annotated[
        str | None,
        Query(
            description="html (the map page) or json (the landing page); "
            "without it, the Accept header decides",
            json_schema_extra={"enum": ["html", "json"]},
        ),
    ] = None,
) -> Response:
    """A map of the events with their reports for browsers; the OGC API landing page as JSON
    (links to the API definition, conformance and collections) for API clients."""
    if choose(f, request.headers.get("accept")) is Page.json:
        return JSONResponse(_landing(request), headers={"Vary": "Accept"})
    return HTMLResponse(page.render_page(), headers=page.PAGE_HEADERS)


def _landing(request: Request) -> dict[str, Any]:
    body = landing_page(request)
    links: list[dict[str, Any]] = body.setdefault("links", [])
    if not any(link.get("rel") == "alternate" and link.get("type") == HTML for link in links):
        links.append(
            {
                "href": absolute(request, "/?f=html"),
                "rel": "alternate",
                "type": HTML,
                "title": "The map page",
            }
        )
    return body


@router.get(
    "/map/boundaries.geojson",
    summary="Governorate boundaries of the map, once imported",
    response_class=GeoJSONResponse,
    responses={
        200: {
            "description": "The governorates' OCHA polygons (simplified to about 100 m) with "
            "their pcodes and names in both scripts; an empty FeatureCollection until "
            "`syria-events fetch boundaries` (or `import-boundaries`) has loaded them",
            "content": {"application/geo+json": {"schema": {"type": "object"}}},
        },
        304: {"description": "Not modified (If-None-Match)"},
        400: PROBLEM_RESPONSES[400],
        503: PROBLEM_RESPONSES[503],
    },
)
async def boundaries(
    db: DatabaseDep, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    """The basemap's governorate lines from the imported OCHA boundaries: the map page draws
    them instead of Natural Earth's when there are any."""
    body = await repository.governorate_boundaries(db.reader)
    headers = {
        "ETag": f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"',
        # Revalidated each time: an import changes it at once.
        "Cache-Control": "no-cache",
    }
    if none_match(if_none_match, headers["ETag"]):
        return not_modified(headers)
    return GeoJSONResponse(body, headers=headers)


async def static_file(request: Request) -> Response:
    """A file of the map page (its scripts, styles, and MapLibre and the basemap from npm).

    A plain Starlette route, out of the OpenAPI document, so it checks its one query
    parameter (``v``, the content hash that makes a URL cacheable for a year) itself."""
    for name in request.query_params:
        if name != "v":
            raise InvalidParameter(name, "unknown parameter")
    path: str = request.path_params["path"]
    response = await _static.get_response(path, request.scope)
    headers = page.static_headers(path, request.query_params.get("v"))
    if response.status_code == 304:
        headers.pop("Content-Type", None)
    response.headers.update(headers)
    return response


STATIC_ROUTE = page.STATIC_PREFIX + "{path:path}"
router.add_route(STATIC_ROUTE, static_file, methods=["GET", "HEAD"], include_in_schema=False)
