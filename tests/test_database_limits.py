"""A busy, slow or unreachable database answers a quick 503 problem with Retry-After, never a
hang; any other OS error is a logged 500, not the database's doing."""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest

from app.db import Database
from app.main import create_app
from app.places import service as places_service
from app.settings import Settings
from tests.cluster import free_port
from tests.test_bad_input import assert_problem


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[Database, httpx.AsyncClient]]:
    """The app on its own engine (not the test's transaction), as in production."""
    database = Database.of(settings)
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
        # Reads and writes have a pool each (of SE_POOL_SIZE): both exhausted in turn.
        holder = asyncio.create_task(database.reader.fetchval("SELECT pg_sleep(1)"))
        await asyncio.sleep(0.2)  # the read pool's only connection is taken
        response, elapsed = await timed_get(client, "/events")
        await holder
        assert_problem(response, 503)
        assert 0.3 <= elapsed < 2
        async with database.engine.connect():  # the write pool's only connection
            response, elapsed = await timed_get(client, "/events/ev_unknown/history")
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


@pytest.mark.parametrize(
    "where",
    [
        "postgresql://postgres@/syria_events?host={tmp}&port=5432",  # no unix socket there
        "postgresql://postgres@127.0.0.1:{port}/syria_events",  # nothing listening
        "postgresql://postgres@no-such-host.invalid/syria_events",  # no such host
    ],
)
async def test_an_unreachable_database_is_a_503(tmp_path: Path, where: str) -> None:
    settings = Settings(database_url=where.format(tmp=tmp_path, port=free_port()))
    async with serving(settings) as (_, client):
        response = await client.get("/events")
    assert_problem(response, 503)
    assert response.json()["detail"] == "database unreachable"
    assert response.headers["retry-after"].isdigit()


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        FileNotFoundError(errno.ENOENT, "No such file or directory", "/srv/gazetteer.json"),
        ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
    ],
)
async def test_any_other_os_error_is_a_logged_500(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    error: OSError,
) -> None:
    async def failing(**_: object) -> str:
        raise error

    monkeypatch.setattr(places_service, "get_place", failing)
    async with serving(Settings(database_url=database_url)) as (_, client):
        with caplog.at_level(logging.ERROR, logger="app.errors"):
            response = await client.get("/places/sy-anywhere")
    assert_problem(response, 500)
    assert response.json()["detail"] == "unexpected error"
    assert "retry-after" not in response.headers
    assert error.strerror in caplog.text, "logged with its traceback"
