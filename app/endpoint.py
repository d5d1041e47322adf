"""One server of the database (the primary or a replica), with its pools."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from app.connecting import (
    asyncpg_dsn,
    make_engine,
    server_settings,
    session_unchanged,
    set_statement,
    startup_parameters,
)
from app.replicas import Replica
from app.settings import Settings


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
                    reset=session_unchanged,
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
