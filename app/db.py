"""Engine, sessions and connections; made in the app's lifespan, never at import time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from asyncpg import Record
from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.replicas import ROUTE, Replica, ReplicaSet, check_once, parse_lsn, replica_failure
from app.settings import Settings


def async_url(url: str) -> str:
    """``postgresql://`` as users write it, turned into SQLAlchemy's asyncpg form."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(f"DATABASE_URL must be postgresql://..., got {parts.scheme}://")
    # libpq options that asyncpg does not understand as URL parameters.
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("sslmode",)]
    return urlunsplit(("postgresql+asyncpg", *parts[1:3], urlencode(query), parts.fragment))


def asyncpg_dsn(url: str) -> str:
    """The URL as asyncpg's own ``connect`` and ``create_pool`` take it."""
    return async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


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


def server_settings(settings: Settings) -> dict[str, str]:
    """Session settings of every connection the API opens."""
    values = {
        "application_name": "syria-events",
        "timezone": "UTC",
        # asyncpg prepares statements; after five runs PostgreSQL may switch to a generic
        # plan that ignores how selective this bbox or date range is. Always plan afresh.
        "plan_cache_mode": "force_custom_plan",
        "statement_timeout": str(settings.statement_timeout_ms),
        # Our queries are short; JIT compilation cost more than it saved (bench/ EXPLAIN).
        "jit": "off",
    }
    if settings.db_role:
        # The API writes as a role that may not touch history or delete events (0002).
        values["role"] = settings.db_role
    return values


# Sent when connecting: the parameters PgBouncer passes on to the server. It refuses a
# connection that sends any other (1.18: "unsupported startup parameter"), so the rest are
# set by one statement right after connecting (in session pooling, PgBouncer's DISCARD ALL
# undoes them when the API lets the connection go, and the next client sets its own).
_STARTUP = ("application_name", "timezone")


def startup_parameters(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k in _STARTUP}


def set_statement(values: dict[str, str]) -> str:
    """One statement that sets the session's other settings (values are the operator's)."""
    calls = [
        f"set_config('{k}', '{v.replace(chr(39), chr(39) * 2)}', false)"
        for k, v in values.items()
        if k not in _STARTUP
    ]
    return "SELECT " + ", ".join(calls) if calls else ""


def make_engine(
    settings: Settings, url: str | None = None, connect_timeout_s: float = 10, **overrides: Any
) -> AsyncEngine:
    """The engine of ``url`` (the primary when None) with the API's session settings."""
    values = server_settings(settings)
    kwargs: dict[str, Any] = {
        "pool_size": settings.pool_size,
        "max_overflow": 0,
        "pool_timeout": settings.pool_timeout_s,
        "pool_pre_ping": True,
        "connect_args": {
            "server_settings": startup_parameters(values),
            "timeout": connect_timeout_s,
        },
    }
    kwargs.update(overrides)
    engine = create_async_engine(async_url(url or settings.effective_database_url), **kwargs)
    statement = set_statement(values)
    if statement:

        @event.listens_for(engine.sync_engine, "connect")
        def _configure(dbapi_connection: Any, _record: Any) -> None:
            # On the asyncpg connection itself, outside the transaction SQLAlchemy's adapter
            # would open (whose rollback would undo the settings).
            dbapi_connection.run_async(lambda conn: conn.execute(statement))

    return engine


class PoolExhausted(Exception):
    """No connection was free within ``SE_POOL_TIMEOUT_S``."""


# A replica that does not answer a connection in this long is down for this request.
_REPLICA_CONNECT_S = 3


class Endpoint:
    """One server (the primary or a replica): its engine, and the asyncpg pools of reads and
    exports, each made on first use (no work at import or start)."""

    def __init__(
        self, engine: AsyncEngine, settings: Settings, replica: Replica | None = None
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.replica = replica
        self._exports: asyncpg.Pool | None = None
        self._reads: asyncpg.Pool | None = None
        self._probe: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def of_replica(cls, replica: Replica, settings: Settings) -> Endpoint:
        engine = make_engine(settings, replica.url, connect_timeout_s=_REPLICA_CONNECT_S)
        return cls(engine, settings, replica)

    async def reads(self) -> asyncpg.Pool:
        return self._reads or await self._pool(
            "_reads", self.settings.pool_size, default_transaction_read_only="on"
        )

    async def exports(self) -> asyncpg.Pool:
        return self._exports or await self._pool(
            "_exports",
            self.settings.export_slots,
            statement_timeout=str(self.settings.export_statement_timeout_ms),
        )

    async def _pool(self, name: str, size: int, **session: str) -> asyncpg.Pool:
        async with self._lock:
            pool: asyncpg.Pool | None = getattr(self, name)
            if pool is None:
                values = {**server_settings(self.settings), **session}
                statement = set_statement(values)

                async def configure(conn: asyncpg.Connection) -> None:
                    if statement:
                        await conn.execute(statement)

                pool = await asyncpg.create_pool(
                    asyncpg_dsn(self.engine.url.render_as_string(hide_password=False)),
                    min_size=0,
                    max_size=size,
                    max_inactive_connection_lifetime=60,
                    server_settings=startup_parameters(values),
                    init=configure,
                    timeout=10 if self.replica is None else _REPLICA_CONNECT_S,
                    reset=_session_unchanged,
                )
                setattr(self, name, pool)
            return pool

    async def probe(self, sql: str) -> Any:
        """One value from the server on a connection of the checks' own (never a pooled one:
        a check that times out must not hand a connection on mid-statement); a failure
        closes it, and the next check connects afresh."""
        try:
            if self._probe is None or self._probe.is_closed():
                values = server_settings(self.settings)
                self._probe = await asyncpg.connect(
                    asyncpg_dsn(self.engine.url.render_as_string(hide_password=False)),
                    timeout=_REPLICA_CONNECT_S,
                    server_settings=startup_parameters(values),
                )
            return await self._probe.fetchval(sql, timeout=_REPLICA_CONNECT_S)
        except BaseException:
            if self._probe is not None:
                self._probe.terminate()
                self._probe = None
            if self.replica is not None:
                await self.expire()
            raise

    async def expire(self) -> None:
        """Forget the pools' connections (their server went away): the next use connects."""
        for pool in (self._exports, self._reads):
            if pool is not None:
                await pool.expire_connections()

    async def dispose(self) -> None:
        if self._probe is not None:
            await self._probe.close()
        for pool in (self._exports, self._reads):
            if pool is not None:
                await pool.close()
        await self.engine.dispose()


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


async def _session_unchanged(conn: asyncpg.Connection) -> None:
    """What a read or an export leaves on its connection needs no reset: they change settings
    only with SET LOCAL, in transactions asyncpg has ended. asyncpg's default reset is one
    more round trip (RESET ALL, UNLISTEN *, ...) on every release."""


async def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DatabaseDep = Annotated[Database, Depends(get_database)]
