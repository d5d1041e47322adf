"""The bench database: its URL, creation (or reuse), migration and a note of what it holds."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from app.cli.main import migrate
from app.db import async_url

BENCH_DB = "syria_events_bench"


def with_dbname(url: str, dbname: str) -> str:
    """The same server and options, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{dbname}"))


def asyncpg_dsn(url: str) -> str:
    """``postgresql://`` as asyncpg reads it (libpq-only options dropped, as the app does)."""
    return async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


async def connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn(url), timeout=10)


@dataclass
class Prepared:
    url: str
    reused: bool
    note: dict[str, Any]


async def _exists(admin: asyncpg.Connection) -> bool:
    found = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", BENCH_DB)
    return found is not None


async def read_note(admin: asyncpg.Connection) -> dict[str, Any]:
    """What the last load wrote on the database (COMMENT ON DATABASE), or {}."""
    raw = await admin.fetchval(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
        BENCH_DB,
    )
    try:
        note = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return note if isinstance(note, dict) else {}


async def write_note(url: str, note: dict[str, Any]) -> None:
    conn = await connect(url)
    try:
        literal = json.dumps(note).replace("'", "''")
        await conn.execute(f"COMMENT ON DATABASE {BENCH_DB} IS '{literal}'")
    finally:
        await conn.close()


async def _bench_events(url: str) -> int:
    conn = await connect(url)
    try:
        has_table = await conn.fetchval("SELECT to_regclass('public.events') IS NOT NULL")
        if not has_table:
            return -1
        return int(await conn.fetchval("SELECT count(*) FROM events WHERE source = 'bench'"))
    finally:
        await conn.close()


async def _ensure(server_url: str, events: int) -> tuple[str, bool, dict[str, Any]]:
    url = with_dbname(server_url, BENCH_DB)
    admin = await connect(with_dbname(server_url, "postgres"))
    try:
        if await _exists(admin):
            note = await read_note(admin)
            if note.get("events") == events and await _bench_events(url) == events:
                return url, True, note
            await admin.execute(f"DROP DATABASE {BENCH_DB} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {BENCH_DB}")
        return url, False, {}
    finally:
        await admin.close()


def prepare(server_url: str, events: int) -> Prepared:
    """Reuse the bench database if it holds ``events`` bench events, else make it anew.

    Either way it is migrated to head (alembic is a no-op when it is already there), so a
    new index in a later migration is picked up without a reload.
    """
    url, reused, note = asyncio.run(_ensure(server_url, events))
    migrate(url)
    return Prepared(url=url, reused=reused, note=note)
