"""How the API connects: URLs, session settings, engines.

Shared by the database's endpoints (app/endpoint.py) and the CLI's and tests' own
connections, so that every connection the project opens is configured the same way.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

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


async def session_unchanged(conn: asyncpg.Connection) -> None:
    """What a read or an export leaves on its connection needs no reset: they change settings
    only with SET LOCAL, in transactions asyncpg has ended. asyncpg's default reset is one
    more round trip (RESET ALL, UNLISTEN *, ...) on every release."""
