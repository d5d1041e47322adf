"""A busy or slow database answers a quick 503 problem with Retry-After, never a hang."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx

from app.db import Database, make_engine
from app.main import create_app
from app.settings import Settings
from tests.test_bad_input import assert_problem


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[Database, httpx.AsyncClient]]:
    """The app on its own engine (not the test's transaction), as in production."""
    database = Database(make_engine(settings))
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield database, client
    finally:
        await database.dispose()


async def timed_get(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await client.get(path)
    return response, time.monotonic() - started


async def test_an_exhausted_pool_is_a_503_after_the_pool_timeout(database_url: str) -> None:
    settings = Settings(database_url=database_url, pool_size=1, pool_timeout_s=0.3)
    async with serving(settings) as (database, client):
        async with database.engine.connect():  # the pool's only connection
            response, elapsed = await timed_get(client, "/events")
        assert_problem(response, 503)
        assert response.json()["detail"] == "database pool exhausted"
        assert response.headers["retry-after"].isdigit()
        assert 0.3 <= elapsed < 2
        assert (await client.get("/events")).status_code == 200


async def test_a_query_past_the_statement_timeout_is_a_503(committed_database_url: str) -> None:
    settings = Settings(database_url=committed_database_url, statement_timeout_ms=100)
    async with serving(settings) as (_, client):
        assert (await client.get("/events")).status_code == 200  # connected and warmed up
        blocker = await asyncpg.connect(committed_database_url)
        try:
            # Every read of events now waits for this lock; the statement timeout ends the wait.
            async with blocker.transaction():
                await blocker.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
                response, elapsed = await timed_get(client, "/events?bbox=38,33,41.5,36")
                detail, _ = await timed_get(client, "/events/ev_nosuchevent")
        finally:
            await blocker.close()
        assert_problem(response, 503)
        assert response.json()["type"] == "/problems/query-timeout"
        assert response.headers["retry-after"].isdigit()
        assert elapsed < 2
        assert_problem(detail, 503)
        assert (await client.get("/events?bbox=38,33,41.5,36")).status_code == 200
