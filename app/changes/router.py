"""HTTP for the change feed."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.changes import service
from app.changes.schemas import ChangesOut, ChangesQuery
from app.db import DatabaseDep
from app.web.links import url_with
from app.web.params import parse_limit
from app.web.querydoc import documented
from app.web.responses import RawJSONResponse
from app.web.schemas import PROBLEM_RESPONSES

router = APIRouter(tags=["changes"])


@router.get(
    "/changes",
    summary="Changes to published events, in commit order",
    response_model=ChangesOut,
    responses=PROBLEM_RESPONSES,
    response_class=RawJSONResponse,
    openapi_extra=documented(ChangesQuery),
)
async def list_changes(request: Request, db: DatabaseDep) -> Response:
    """Created, updated and retracted events since a cursor. A client that applies them in
    order (upsert `feature`, remove on `retracted`) holds exactly the published events; it
    resumes from `cursor` (or the `next` link), also after an empty answer."""
    settings = request.app.state.settings
    since = service.parse_since(request.query_params.get("since"))
    limit = parse_limit(
        request.query_params.get("limit"), settings.default_limit, settings.max_limit
    )
    page = await service.list_changes(db=db, since=since, limit=limit)
    links = [
        {"href": url_with(request), "rel": "self", "type": "application/json"},
        {"href": url_with(request, since=page.cursor), "rel": "next", "type": "application/json"},
    ]
    body = {"changes": page.changes, "cursor": page.cursor, "links": links}
    return RawJSONResponse(orjson.dumps(body))
