"""A throwaway PostGIS database, migrated once; every test runs in a rolled-back transaction."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.keys import Role
from app.auth.service import create_key
from app.cli.main import migrate
from app.connecting import asyncpg_dsn, make_engine
from app.db import Database, OneTransaction
from app.gazetteer.loader import builtin_places, upsert_places
from app.main import create_app
from app.settings import Settings


def _with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(_with_dbname(url, "postgres")))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


def _new_name(kind: str) -> str:
    return f"se_test_{os.getpid()}_{kind}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def template_url(settings: Settings) -> Iterator[str]:
    """A migrated database nobody connects to: fresh copies of it are cheap."""
    base = settings.effective_database_url
    name = _new_name("tpl")
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    url = _with_dbname(base, name)
    try:
        migrate(url)
        yield url
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _copy_of(template: str, kind: str) -> Iterator[str]:
    name = _new_name(kind)
    template_name = urlsplit(template).path.lstrip("/")
    asyncio.run(_admin(template, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    try:
        yield _with_dbname(template, name)
    finally:
        asyncio.run(_admin(template, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(template_url: str) -> Iterator[str]:
    """The database of rolled-back tests, dropped at the end of the run."""
    with _copy_of(template_url, "main") as url:
        yield url


@pytest.fixture
def committed_database_url(template_url: str) -> Iterator[str]:
    """A database of its own, for tests whose writes must really commit (feeds,
    concurrency, an app on another event loop); dropped after the test."""
    with _copy_of(template_url, "commit") as url:
        yield url


@pytest.fixture(scope="module")
def module_committed_database_url(template_url: str) -> Iterator[str]:
    """As ``committed_database_url``, shared by the tests of one module (seeded once)."""
    with _copy_of(template_url, "commit") as url:
        yield url


@pytest.fixture(scope="session")
def test_settings(database_url: str) -> Settings:
    # Rate limits have their own tests; here they would only make a busy test flaky.
    return Settings(database_url=database_url, rate_limit_anon_per_min=0, rate_limit_key_per_min=0)


@pytest.fixture(scope="session")
async def engine(test_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(test_settings)
    yield engine
    await engine.dispose()


class RolledBackDatabase(OneTransaction):
    """Every session and connection of the app shares the test's outer transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(Database(conn.engine, Settings()), conn)


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
async def gazetteer(session: AsyncSession) -> None:
    """The built-in gazetteer, in the test's transaction."""
    await upsert_places(session, builtin_places())


@pytest.fixture
async def client(
    test_settings: Settings, db: RolledBackDatabase
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(test_settings, database=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass(frozen=True)
class Keys:
    """``Authorization`` headers of one key per role, and of a second analyst."""

    analyst: dict[str, str]
    other_analyst: dict[str, str]
    editor: dict[str, str]
    admin: dict[str, str]


@pytest.fixture
async def keys(db: RolledBackDatabase) -> Keys:
    async def header(name: str, role: Role) -> dict[str, str]:
        created = await create_key(db=db, name=name, role=role)
        return {"Authorization": f"Bearer {created.key}"}

    return Keys(
        analyst=await header("amal", Role.analyst),
        other_analyst=await header("omar", Role.analyst),
        editor=await header("edith", Role.editor),
        admin=await header("adam", Role.admin),
    )


@dataclass
class Live:
    """An app on a database of its own whose writes really commit, and keys for it."""

    client: httpx.AsyncClient
    database: Database
    keys: Keys


@pytest.fixture
async def live(committed_database_url: str) -> AsyncIterator[Live]:
    settings = Settings(
        database_url=committed_database_url, rate_limit_anon_per_min=0, rate_limit_key_per_min=0
    )
    database = Database.of(settings)

    async def header(name: str, role: Role) -> dict[str, str]:
        created = await create_key(db=database, name=name, role=role)
        return {"Authorization": f"Bearer {created.key}"}

    keys = Keys(
        analyst=await header("amal", Role.analyst),
        other_analyst=await header("omar", Role.analyst),
        editor=await header("edith", Role.editor),
        admin=await header("adam", Role.admin),
    )
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield Live(c, database, keys)
    finally:
        await database.dispose()
