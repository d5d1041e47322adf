"""The floor: this project's own SQL with no web framework, what the API could at best do.

``uvicorn bench.floor:create_app --factory`` serves a bare ASGI callable (no FastAPI, no
Starlette) on a plain asyncpg pool made like the API's (same size, same session settings):

- ``/?bbox=..&datetime=start/end&limit=N``: the list SQL of ``GET /events``
  (``repository.page_query``), its ``feature`` texts joined into a FeatureCollection;
- ``/events/{public_id}``: the detail Feature (``detail_feature``) of one event.

There is nothing else: no links, no counts, no auth, no drafts policy, no ETag. The floor of
exports, ``copy_export``, runs the API's own ``COPY (SELECT ...) TO STDOUT`` in this process
and only counts what PostgreSQL sends.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import asyncpg

from app.connecting import asyncpg_dsn, server_settings
from app.db import positional
from app.errors import InvalidParameter
from app.events.filters import EventFilters, Page
from app.events.repository import copy_out, page_query
from app.events.sql import ACTORS_LIVE, CSV_SELECT, detail_feature
from app.exchange.sql import ACLED_SELECT
from app.settings import Settings
from app.web.params import parse_bbox, parse_datetime, parse_limit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

# What GET /events/{id} selects for the Feature (app/events/repository.py), without the
# columns that decide who may see it.
DETAIL_SQL = (
    f"SELECT {detail_feature(historical=False)} AS feature"
    f" FROM events e {ACTORS_LIVE} WHERE e.public_id = $1"
)
# f= of an export -> the CSV SELECT it runs (None: NDJSON Features).
EXPORT_SELECTS: dict[str, str | None] = {"csv": CSV_SELECT, "ndjson": None, "acled": ACLED_SELECT}
GEOJSON = b"application/geo+json"


def filters_of(query: dict[str, str]) -> EventFilters:
    """``bbox`` and ``datetime`` parsed as the API parses them; nothing else."""
    f = EventFilters()
    if (raw := query.get("bbox")) is not None:
        f.bbox = parse_bbox(raw)
    if (raw := query.get("datetime")) is not None:
        f.dates = parse_datetime(raw)
    return f


async def _list(pool: asyncpg.Pool, query: dict[str, str], settings: Settings) -> bytes:
    limit = parse_limit(query.get("limit"), settings.default_limit, settings.max_limit)
    sql, args = positional(*page_query(filters_of(query), None, Page(limit=limit)))
    # asyncpg prepares each statement once per connection (its statement cache) and then
    # only binds and executes it.
    rows = await pool.fetch(sql, *args)
    features = ",".join(r["feature"] for r in rows[:limit])  # the extra row: a next page
    return f'{{"type":"FeatureCollection","features":[{features}]}}'.encode()


async def _detail(pool: asyncpg.Pool, public_id: str) -> bytes | None:
    feature: str | None = await pool.fetchval(DETAIL_SQL, public_id)
    return None if feature is None else feature.encode()


async def _respond(send: Send, status: int, body: bytes, media_type: bytes) -> None:
    headers = [(b"content-type", media_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send, state: dict[str, Any]) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            settings = Settings()
            try:
                state["pool"] = await asyncpg.create_pool(
                    asyncpg_dsn(settings.effective_database_url),
                    min_size=1,
                    max_size=settings.pool_size,
                    server_settings=server_settings(settings),
                    timeout=10,
                )
            except Exception as exc:  # told to uvicorn, which then exits
                await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                return
            state["settings"] = settings
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if "pool" in state:
                await state["pool"].close()
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app() -> Asgi:
    """The floor as a bare ASGI callable; its pool is made at startup, not here."""
    state: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send, state)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        try:
            if path == "/":
                body: bytes | None = await _list(state["pool"], query, state["settings"])
            elif path.startswith("/events/"):
                body = await _detail(state["pool"], path.removeprefix("/events/"))
            else:
                body = None
        except InvalidParameter as exc:
            await _respond(send, 400, str(exc).encode(), b"text/plain")
            return
        if body is None:
            await _respond(send, 404, b"not found", b"text/plain")
            return
        await _respond(send, 200, body, GEOJSON)

    return app


async def copy_export(url: str, query: dict[str, str], fmt: str) -> dict[str, Any]:
    """The SELECT that ``/events?f=<fmt>`` streams, through ``COPY ... TO STDOUT`` on one
    connection set up like the API's export pool; rows (lines), bytes and seconds."""
    settings = Settings()
    counted = {"bytes": 0, "lines": 0}

    async def sink(chunk: bytes) -> None:
        counted["bytes"] += len(chunk)
        counted["lines"] += chunk.count(b"\n")

    conn = await asyncpg.connect(
        asyncpg_dsn(url),
        server_settings={
            **server_settings(settings),
            "statement_timeout": str(settings.export_statement_timeout_ms),
        },
        timeout=10,
    )
    try:
        started = time.perf_counter()
        async with conn.transaction(readonly=True):
            await copy_out(conn, filters_of(query), None, sink, csv_select=EXPORT_SELECTS[fmt])
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    return {
        "seconds": round(seconds, 3),
        "rows": counted["lines"],
        "rows_per_s": round(counted["lines"] / seconds),
        "mb": round(counted["bytes"] / 1e6, 1),
    }
