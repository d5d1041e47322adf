"""The app factory: ``create_app(settings)`` builds a fully separate app (one per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.db import Database, make_engine
from app.errors import install_error_handlers
from app.events.router import router as events_router
from app.geoparse.cache import SnapshotCache
from app.health.router import router as health_router
from app.places.router import router as places_router
from app.reports.router import router as reports_router
from app.settings import Settings
from app.web.limits import BodySizeLimit

DESCRIPTION = """
Geotagged conflict events in Syria, linked to the reports that describe them and to a
bilingual (Arabic/English) gazetteer.

* Filters follow OGC API – Features (`bbox`, `datetime`) and ACLED's taxonomy.
* Lists are GeoJSON (RFC 7946, lon/lat) by default; CSV and NDJSON with `f=` or `Accept`.
* Paging is by an opaque `cursor` taken from the `next` link.
* Errors are RFC 9457 `application/problem+json`; every bad parameter is a 400 naming it.
"""

ROUTERS = (events_router, places_router, reports_router, health_router)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        if owned:
            app.state.db = Database(make_engine(settings))
        try:
            yield
        finally:
            if owned:
                await app.state.db.dispose()

    app = FastAPI(
        title="Syria Events API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    if database is not None:
        app.state.db = database
    app.state.snapshots = SnapshotCache()
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    for router in ROUTERS:
        app.include_router(router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema without its 422 responses: every bad parameter here is a 400."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for route in (r for router in ROUTERS for r in router.routes):
            if isinstance(route, APIRoute):
                for method in route.methods or ():
                    operation = schema["paths"][route.path_format][method.lower()]
                    _fix_responses(route, operation.get("responses", {}))
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def _fix_responses(route: APIRoute, responses: dict[str, Any]) -> None:
    """Document bodies as they are served: problems as problem+json, and the route's own
    media type (geo+json for Features) with its response model, not FastAPI's guesses."""
    responses.pop("422", None)
    for status, response in responses.items():
        content = response.setdefault("content", {})
        if int(status) >= 400:
            schema = next((c["schema"] for c in content.values() if "schema" in c), None)
            content.clear()
            content["application/problem+json"] = {"schema": schema} if schema else {}
        elif int(status) == 200 and _is_model(route.response_model):
            media = getattr(route.response_class, "media_type", None) or "application/json"
            name = route.response_model.__name__
            content[media] = {"schema": {"$ref": f"#/components/schemas/{name}"}}


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)
