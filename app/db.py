"""Engine, sessions and connections; made in the app's lifespan, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

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


def make_engine(settings: Settings, **overrides: Any) -> AsyncEngine:
    server_settings = {
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
        server_settings["role"] = settings.db_role
    kwargs: dict[str, Any] = {
        "pool_size": settings.pool_size,
        "max_overflow": 0,
        "pool_timeout": settings.pool_timeout_s,
        "pool_pre_ping": True,
        "connect_args": {"server_settings": server_settings, "timeout": 10},
    }
    kwargs.update(overrides)
    return create_async_engine(async_url(settings.effective_database_url), **kwargs)


class Database:
    """Hands out sessions (one transaction each) and plain connections for streaming."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

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
        """A connection in a read-only transaction, for server-side cursors."""
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_database(request).session() as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
