"""The app factory: ``create_app(settings)`` builds a fully separate app (one per test)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.auth.dependencies import optional_principal, require
from app.auth.router import router as keys_router
from app.changes.router import router as changes_router
from app.db import Database
from app.errors import PROBLEM_JSON, install_error_handlers
from app.events.router import FAST_READS as EVENT_READS
from app.events.router import router as events_router
from app.geoparse.cache import SnapshotCache
from app.geoparse.pool import GeoparsePool
from app.hapi.router import router as hapi_router
from app.health.router import router as health_router
from app.map.router import router as map_router
from app.ogc.router import FAST_READS as ITEM_READS
from app.ogc.router import router as ogc_router
from app.places.router import router as places_router
from app.reports.admission import IngestGate
from app.reports.router import router as reports_router
from app.settings import Settings
from app.sources.router import router as sources_router
from app.stats.folding import keep_folded
from app.stats.router import router as stats_router
from app.tiles.router import router as tiles_router
from app.web.budgets import Budgets
from app.web.fastpath import FastReads
from app.web.limits import BodySizeLimit
from app.web.ratelimit import RateLimit, RateLimiter
from app.web.readrouting import ReadRouting
from app.web.storable import reject_unstorable_text
from app.web.streaming import StreamLimits
from app.web.strict import reject_unknown_query

DESCRIPTION = """
Geotagged conflict events in Syria, linked to the reports that describe them and to a
bilingual (Arabic/English) gazetteer.

* Filters follow OGC API – Features (`bbox`, `datetime`) and ACLED's taxonomy.
* Lists are GeoJSON (RFC 7946, lon/lat) by default; CSV and NDJSON with `f=` or `Accept`.
* Paging is by an opaque `cursor` taken from the `next` link.
* Errors are RFC 9457 `application/problem+json`; every bad parameter is a 400 naming it.
"""

EXPOSED_HEADERS = (
    "ETag",
    "Last-Modified",
    "Cache-Control",
    "Location",
    "Link",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
    "X-Total-Count",
    "Idempotent-Replayed",
    "Commit-LSN",
    "X-Data-Sources",
)

# Checks every request passes before its route runs (the app's dependencies, and the same
# calls on the fast path), in this order: text the database cannot store is refused before
# any of it is looked up.
CHECKS = (reject_unstorable_text, reject_unknown_query)

ROUTERS = (
    events_router,
    changes_router,
    places_router,
    reports_router,
    keys_router,
    health_router,
    tiles_router,
    stats_router,
    hapi_router,
    map_router,
    ogc_router,
    sources_router,
)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        if owned:
            app.state.db = Database.of(settings)
        if settings.geoparse_workers:
            app.state.geoparse_pool = GeoparsePool(settings.geoparse_workers)
        checks = None
        if app.state.db.replicas:
            checks = asyncio.create_task(app.state.db.keep_replicas_checked())
        folder = None
        if settings.rollup_fold_s:
            folder = asyncio.create_task(keep_folded(app.state.db, settings.rollup_fold_s))
        # What start-up made (modules, the app, its routes) lives as long as the process: out
        # of the collector's sight, a full collection no longer walks it (70-130 ms pauses
        # measured under a long report's ingest).
        gc.freeze()
        try:
            yield
        finally:
            for task in (folder, checks):
                if task is not None:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
            if app.state.geoparse_pool is not None:
                await app.state.geoparse_pool.close()
            await app.state.rate_limiter.close()
            if owned:
                await app.state.db.dispose()

    app = FastAPI(
        title="Syria Events API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # A key, when one is sent, is checked on every route: a bad key is a 401 everywhere
        # and never buys a rate-limit bucket of its own.
        dependencies=[*(Depends(check) for check in CHECKS), Depends(optional_principal)],
    )
    app.state.settings = settings
    if database is not None:
        app.state.db = database
    app.state.snapshots = SnapshotCache()
    # Workers are started in the lifespan; an app served without one (ASGI transport in
    # tests) geoparses in its own process.
    app.state.geoparse_pool = None
    app.state.ingest_gate = IngestGate(
        workers=settings.geoparse_workers, per_client=settings.ingest_per_client
    )
    app.state.budgets = Budgets.of(
        exports=settings.export_slots,
        exports_per_client=settings.export_slots_per_client,
        dashboards=settings.dashboard_slots,
        dashboards_per_client=settings.dashboard_slots_per_client,
        dashboard_wait_s=settings.dashboard_wait_s,
    )
    app.state.stream_limits = StreamLimits(
        memory_bytes=settings.export_buffer_bytes,
        idle_s=settings.export_idle_s,
        max_s=settings.export_max_s,
    )
    install_error_handlers(app)
    # Innermost: anonymous pages and single events straight to their routes' functions.
    if settings.fast_reads:
        app.add_middleware(FastReads, reads=(*EVENT_READS, *ITEM_READS), checks=CHECKS)
    # Anonymous reads to a replica when one is up and current enough; writes answer Commit-LSN.
    app.add_middleware(ReadRouting)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # Added last, so outermost: a refused request costs neither its body nor the database.
    app.state.rate_limiter = RateLimiter(
        anon_per_min=settings.rate_limit_anon_per_min,
        key_per_min=settings.rate_limit_key_per_min,
        storage=settings.rate_limit_storage,
    )
    app.add_middleware(RateLimit, limiter=app.state.rate_limiter)
    if settings.cors_origins:
        # Outermost: dashboards on other origins read the data, and even a 429 or a problem
        # carries the headers their browsers need to show it.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[o.strip() for o in settings.cors_origins.split(",")],
            allow_methods=["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "If-Modified-Since",
                "Idempotency-Key",
                "Commit-LSN",
            ],
            expose_headers=list(EXPOSED_HEADERS),
            max_age=3600,
        )
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
                    _fix_security(route, operation)
                    _fix_responses(route, operation.get("responses", {}))
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def _fix_responses(route: APIRoute, responses: dict[str, Any]) -> None:
    """Document bodies as they are served: problems as problem+json, and the route's own
    media type (geo+json for Features) with its response model, not FastAPI's guesses."""
    if not _documents(route, 422):  # FastAPI's own; a 422 the route documents stays
        responses.pop("422", None)
    for status, response in responses.items():
        content = response.setdefault("content", {})
        if int(status) >= 400:
            schema = next((c["schema"] for c in content.values() if "schema" in c), None)
            content.clear()
            content["application/problem+json"] = {"schema": schema} if schema else {}
        elif (
            200 <= int(status) < 300
            and int(status) != 204
            and _is_model(route.response_model)
            and "model" not in _documents(route, int(status))
        ):
            # The route's own status (201 for a creation) too, not only 200.
            media = getattr(route.response_class, "media_type", None) or "application/json"
            name = route.response_model.__name__
            content[media] = {"schema": {"$ref": f"#/components/schemas/{name}"}}


def _documents(route: APIRoute, status: int) -> dict[str, Any]:
    """What the route's own ``responses=`` says of a status (empty when it says nothing)."""
    return dict(route.responses.get(status) or route.responses.get(str(status)) or {})


def _fix_security(route: APIRoute, operation: dict[str, Any]) -> None:
    """FastAPI lists the bearer scheme as required wherever a route reads a key; where none is
    needed (reads: anonymous, or a key to see drafts) say that the key is optional
    (an empty requirement, OpenAPI 3.1 4.8.10), and document the 401 a bad key gets."""
    if "security" not in operation or _needs_key(route.dependant):
        return
    operation["security"] = [{}, *operation["security"]]
    operation.setdefault("responses", {}).setdefault(
        "401",
        {
            "description": "An unknown or revoked API key, or an Authorization that is not Bearer",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        },
    )


def _needs_key(dependant: Dependant) -> bool:
    """Whether a ``require(role)`` dependency guards the route (it answers 401 without a key)."""
    made_by_require = f"{require.__qualname__}.<locals>."
    return any(
        (
            getattr(d.call, "__module__", None) == require.__module__
            and getattr(d.call, "__qualname__", "").startswith(made_by_require)
        )
        or _needs_key(d)
        for d in dependant.dependencies
    )


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)
