"""Engine, sessions and connections; made in the app's lifespan, never at import time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache
from typing import Annotated, Any

import asyncpg
from asyncpg import Record
from fastapi import Depends, Request
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.connecting import make_engine
from app.endpoint import Endpoint, PoolExhausted
from app.replicas import ROUTE, Replica, ReplicaSet, check_once, parse_lsn, replica_failure
from app.settings import Settings


def positional(sql: str, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """SQL with ``:name`` parameters (as ``text()`` takes them) as asyncpg's ``$n`` and the
    values in that order: the same SQL runs through the engine or straight on asyncpg."""
    query, names = _compiled(sql)
    return query, [params[name] for name in names]


_ASYNCPG = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]


@lru_cache(maxsize=1024)
def _compiled(sql: str) -> tuple[str, tuple[str, ...]]:
    # A query's text depends on which filters are present, not on their values: a few hundred
    # shapes at most, each compiled once (a compile costs ~0.3 ms, the whole page ~1 ms).
    compiled = text(sql).compile(dialect=_ASYNCPG)
    return compiled.string, tuple(compiled.positiontup or ())


Acquire = Callable[[], AbstractAsyncContextManager[asyncpg.Connection]]


class Reader:
    """Reads straight on asyncpg: one round trip per statement, no explicit transaction (a
    statement is its own snapshot), each statement prepared once per connection. The hot
    path (lists, single events, OGC items) reads through it; writes go through sessions."""

    def __init__(self, acquire: Acquire) -> None:
        self._acquire = acquire

    @classmethod
    def within(cls, conn: AsyncConnection) -> Reader:
        """Reads inside a transaction the engine opened (a write's own, a test's), on its
        connection: what the write has done so far is visible."""

        @asynccontextmanager
        async def acquire() -> AsyncIterator[asyncpg.Connection]:
            raw = await conn.get_raw_connection()
            yield raw.driver_connection

        return cls(acquire)

    async def fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Record]:
        query, args = positional(sql, params or {})
        async with self._acquire() as conn:
            rows: list[Record] = await conn.fetch(query, *args)
            return rows

    async def fetchrow(self, sql: str, params: Mapping[str, Any] | None = None) -> Record | None:
        query, args = positional(sql, params or {})
        async with self._acquire() as conn:
            row: Record | None = await conn.fetchrow(query, *args)
            return row

    async def fetchval(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        query, args = positional(sql, params or {})
        async with self._acquire() as conn:
            return await conn.fetchval(query, *args)

    async def fetchval_within(
        self, budget_ms: int, sql: str, params: Mapping[str, Any] | None = None
    ) -> Any | None:
        """``fetchval`` when the statement finishes within ``budget_ms``, else None: it runs
        in a transaction (a savepoint inside one) with its own statement timeout, so a
        statement cut short costs the caller nothing."""
        query, args = positional(sql, params or {})
        async with self._acquire() as conn:
            try:
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL statement_timeout = {int(budget_ms)}")
                    return await conn.fetchval(query, *args)
            except asyncpg.QueryCanceledError:
                return None


_PRIMARY_LSN = "SELECT pg_current_wal_insert_lsn()::text"
# A replica promoted to primary has no replay position; it then holds all it has written.
_REPLAYED_LSN = """SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                        ELSE pg_current_wal_insert_lsn() END)::text"""


class Database:
    """Hands out sessions (one transaction each, on the primary), read connections, and the
    connections of exports: a pool of their own (``SE_EXPORT_SLOTS``), so that exports never
    take one that pages, objects, tiles or statistics need. Reads go to a replica when the
    request's route allows it (``app/replicas.py``)."""

    def __init__(
        self, engine: AsyncEngine, settings: Settings, replicas: ReplicaSet | None = None
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.primary = Endpoint(engine, settings)
        self.replicas = replicas or ReplicaSet([], settings.replica_max_lag_s)
        self._on_replica = {id(r): Endpoint.of_replica(r, settings) for r in self.replicas.replicas}
        self.reader = Reader(self._read_connection)

    @classmethod
    def of(cls, settings: Settings, **engine_options: Any) -> Database:
        """The database ``settings`` name; ``engine_options`` override the write pool's."""
        replicas = ReplicaSet(settings.read_urls, settings.replica_max_lag_s)
        return cls(make_engine(settings, **engine_options), settings, replicas)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """The one transaction boundary: commit on success, roll back on any error."""
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction of its own, for server-side cursors."""
        target = self._target()
        async with self._watch(target), target.engine.connect() as conn, conn.begin():
            yield conn

    @asynccontextmanager
    async def export_connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A plain asyncpg connection of the export pool, in a read-only transaction whose
        statements may run for ``SE_EXPORT_STATEMENT_TIMEOUT_MS`` (COPY of everything)."""
        target = self._target()
        async with self._watch(target):
            pool = await target.exports()
            async with pool.acquire() as conn, conn.transaction(readonly=True):
                yield conn

    @asynccontextmanager
    async def _read_connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection of the read pool, whose sessions are read-only."""
        target = self._target()
        async with self._watch(target):
            pool = await target.reads()
            try:
                # asyncio.timeout, not acquire(timeout=): asyncpg's wait_for runs the acquire
                # as a task of its own, a tenth of a small page's CPU.
                async with asyncio.timeout(self.settings.pool_timeout_s):
                    conn = await pool.acquire()
            except TimeoutError:
                raise PoolExhausted from None
            try:
                yield conn
            finally:
                await pool.release(conn)

    def _target(self) -> Endpoint:
        route = ROUTE.get()
        if route is None or not route.replica_ok or not self.replicas:
            return self.primary
        if not route.picked:
            route.chosen, route.picked = self.replicas.pick(route.min_lsn), True
        return self.primary if route.chosen is None else self._on_replica[id(route.chosen)]

    @asynccontextmanager
    async def _watch(self, target: Endpoint) -> AsyncIterator[None]:
        """Errors of a replica that went away mark it down and the request for answering
        again on the primary (``app/web/readrouting.py``); they still propagate."""
        try:
            yield
        except BaseException as exc:
            if target.replica is not None and replica_failure(exc):
                self.replicas.failed(target.replica, exc)
                route = ROUTE.get()
                if route is not None:
                    route.lost = True
                await target.expire()
            raise

    async def commit_lsn(self) -> int:
        """The primary's WAL position now: past every commit acknowledged before the call."""
        async with self.primary_reads() as conn:
            return parse_lsn(await conn.fetchval(_PRIMARY_LSN))

    @asynccontextmanager
    async def primary_reads(self) -> AsyncIterator[asyncpg.Connection]:
        pool = await self.primary.reads()
        async with pool.acquire() as conn:
            yield conn

    async def keep_replicas_checked(self) -> None:
        """The replicas' lag, checked every ``SE_REPLICA_CHECK_S`` while the process serves."""
        while True:
            await self.check_replicas()
            await asyncio.sleep(self.settings.replica_check_s)

    async def check_replicas(self) -> None:
        async def primary_lsn() -> int:
            return parse_lsn(await self.primary.probe(_PRIMARY_LSN))

        async def replayed(replica: Replica) -> int:
            value = await self._on_replica[id(replica)].probe(_REPLAYED_LSN)
            if value is None:
                raise RuntimeError("no replay position yet")
            return parse_lsn(value)

        await check_once(self.replicas, primary_lsn, replayed)

    async def dispose(self) -> None:
        for endpoint in (self.primary, *self._on_replica.values()):
            await endpoint.dispose()


class OneTransaction(Database):
    """A database whose every session and read runs inside one transaction already open on
    ``conn`` (each session a savepoint of it): what a caller that must commit or roll back
    several importers' work at once hands them (``syria-events fetch``), and the tests'
    rolled-back database."""

    def __init__(self, db: Database, conn: AsyncConnection) -> None:
        super().__init__(db.engine, db.settings, db.replicas)
        self.conn = conn
        self.reader = Reader.within(conn)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with AsyncSession(
            bind=self.conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        async with self.conn.begin_nested():
            yield self.conn

    @asynccontextmanager
    async def export_connection(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.conn.begin_nested():
            raw = await self.conn.get_raw_connection()
            yield raw.driver_connection

    async def dispose(self) -> None:
        return None


async def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DatabaseDep = Annotated[Database, Depends(get_database)]
