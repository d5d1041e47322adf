"""The bench database: its URL, creation (or reuse), migration and a note of what it holds."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from app.cli.main import migrate
from app.connecting import async_url

BENCH_DB = "syria_events_bench"


def bench_db(events: int) -> str:
    """One database per size (``syria_events_bench_1m``, ``_200k``, ``_10m``), so measuring
    1M does not drop a 10M load that took an hour; ``SE_BENCH_DB`` names another."""
    override = os.environ.get("SE_BENCH_DB")
    if override:
        return override
    for unit, size in (("m", 1_000_000), ("k", 1_000)):
        if events >= size and events % size == 0:
            return f"{BENCH_DB}_{events // size}{unit}"
    return f"{BENCH_DB}_{events}"


MIGRATIONS = Path(__file__).resolve().parents[1] / "alembic" / "versions"


def migration_hashes() -> dict[str, str]:
    """Each migration file's SHA-256: a migration edited in place after the load (alembic
    would not apply it again) means a reload; a new one is simply applied."""
    return {
        f.name: hashlib.sha256(f.read_bytes()).hexdigest()[:16]
        for f in sorted(MIGRATIONS.glob("*.py"))
    }


def _same_migrations(note: dict[str, Any]) -> bool:
    loaded = note.get("migrations")
    if not isinstance(loaded, dict):
        return False
    now = migration_hashes()
    return all(now.get(name) == digest for name, digest in loaded.items())


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


async def _exists(admin: asyncpg.Connection, name: str) -> bool:
    found = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    return found is not None


async def read_note(admin: asyncpg.Connection, name: str) -> dict[str, Any]:
    """What the last load wrote on the database (COMMENT ON DATABASE), or {}."""
    raw = await admin.fetchval(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
        name,
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
        name = await conn.fetchval("SELECT current_database()")
        await conn.execute(f"COMMENT ON DATABASE {name} IS '{literal}'")
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


async def _ensure(server_url: str, events: int, fresh: bool) -> tuple[str, bool, dict[str, Any]]:
    name = bench_db(events)
    url = with_dbname(server_url, name)
    admin = await connect(with_dbname(server_url, "postgres"))
    try:
        if await _exists(admin, name):
            note = await read_note(admin, name)
            if (
                not fresh
                and note.get("events") == events
                and _same_migrations(note)
                and await _bench_events(url) == events
            ):
                return url, True, note
            await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name}")
        return url, False, {}
    finally:
        await admin.close()


def prepare(server_url: str, events: int, *, fresh: bool = False) -> Prepared:
    """Reuse the bench database if it holds ``events`` bench events loaded under the same
    migration files (and not ``fresh``), else make it anew.

    Either way it is migrated to head (alembic is a no-op when it is already there), so a
    new index in a later migration is picked up without a reload; the note then records the
    new migration too.
    """
    url, reused, note = asyncio.run(_ensure(server_url, events, fresh))
    migrate(url)
    if reused and note.get("migrations") != migration_hashes():
        note = {**note, "migrations": migration_hashes()}
        asyncio.run(write_note(url, note))
    return Prepared(url=url, reused=reused, note=note)


async def describe(url: str) -> dict[str, Any]:
    """Server version and settings that matter to plans, and what the database holds."""
    conn = await connect(url)
    try:
        info: dict[str, Any] = {
            "postgresql": await conn.fetchval("SHOW server_version"),
            "postgis": await conn.fetchval("SELECT postgis_lib_version()"),
        }
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost",
                     "max_parallel_workers_per_gather", "jit"):  # fmt: skip
            info[name] = await conn.fetchval(f"SHOW {name}")
        counts = {}
        for table in ("events", "event_versions", "event_actors", "places", "actors"):
            counts[table] = await conn.fetchval(f"SELECT count(*) FROM {table}")
        info["rows"] = counts
        info["database_mb"] = round(
            await conn.fetchval("SELECT pg_database_size(current_database())") / 1e6, 1
        )
        info["events_by_status"] = dict(
            await conn.fetch("SELECT status, count(*) FROM events GROUP BY 1 ORDER BY 1")
        )
        info["size_mb"] = {
            r["name"]: round(r["bytes"] / 1e6, 1)
            for r in await conn.fetch(
                "SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
                " AND c.relkind IN ('r', 'i') AND (c.relname LIKE 'events%'"
                " OR c.relname LIKE 'ix_events%' OR c.relname = 'event_versions')"
                " ORDER BY 1"
            )
        }
    finally:
        await conn.close()
    return info
