"""The app factory: ``create_app(settings)`` builds a fully separate app (one per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.db import Database, make_engine
from app.errors import install_error_handlers
from app.events.router import router as events_router
from app.health.router import router as health_router
from app.places.router import router as places_router
from app.reports.router import router as reports_router
from app.settings import Settings

DESCRIPTION = """
Geotagged conflict events in Syria, linked to the reports that describe them and to a
bilingual (Arabic/English) gazetteer.

* Filters follow OGC API – Features (`bbox`, `datetime`) and ACLED's taxonomy.
* Lists are GeoJSON (RFC 7946, lon/lat) by default; CSV and NDJSON with `f=` or `Accept`.
* Paging is by an opaque `cursor` taken from the `next` link.
* Errors are RFC 9457 `application/problem+json`; every bad parameter is a 400 naming it.
"""


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
    install_error_handlers(app)
    for router in (events_router, places_router, reports_router, health_router):
        app.include_router(router)
    return app
