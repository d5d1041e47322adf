"""A throwaway PostGIS database, migrated once; every test runs in a rolled-back transaction."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.cli.main import migrate
from app.db import Database, async_url, make_engine
from app.main import create_app
from app.settings import Settings


def _with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def _asyncpg_dsn(url: str) -> str:
    return async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(_with_dbname(url, "postgres")))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def database_url(settings: Settings) -> Iterator[str]:
    """A new database on the configured server, dropped at the end of the run."""
    base = settings.effective_database_url
    name = f"se_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    url = _with_dbname(base, name)
    try:
        migrate(url)
        yield url
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def test_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
async def engine(test_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(test_settings)
    yield engine
    await engine.dispose()


class RolledBackDatabase(Database):
    """Every session and connection of the app shares the test's outer transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn.engine)
        self.conn = conn

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

    async def dispose(self) -> None:
        return None


@pytest.fixture
async def conn(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
def db(conn: AsyncConnection) -> RolledBackDatabase:
    return RolledBackDatabase(conn)


@pytest.fixture
async def session(db: RolledBackDatabase) -> AsyncIterator[AsyncSession]:
    """For arranging data: flushed into the test's transaction, rolled back afterwards."""
    async with AsyncSession(
        bind=db.conn, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as s:
        yield s
        await s.flush()


@pytest.fixture
async def client(
    test_settings: Settings, db: RolledBackDatabase
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(test_settings, database=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
