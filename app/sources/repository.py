"""All SQL of ``sources``: the published files imported, one row per file."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_COLUMNS = (
    "name, title, licence, citation, version, url, sha256, bytes, downloaded_at, imported_at, rows"
)
_LIST = f"SELECT {_COLUMNS} FROM sources ORDER BY imported_at DESC, id DESC"
# One line per source (its latest import), for export headers.
_CURRENT = (
    "SELECT DISTINCT ON (name) name, title, version, licence FROM sources"
    " ORDER BY name, imported_at DESC, id DESC"
)
_RECORD = """
INSERT INTO sources (name, title, licence, citation, version, url, sha256, bytes,
                     downloaded_at, rows)
VALUES (:name, :title, :licence, :citation, :version, :url, :sha256, :bytes,
        :downloaded_at, :rows)
ON CONFLICT (name, sha256) DO NOTHING
RETURNING id
"""


async def list_sources(conn: AsyncConnection) -> list[Row[Any]]:
    return list((await conn.execute(text(_LIST))).all())


async def current_sources(conn: AsyncConnection) -> list[Row[Any]]:
    return list((await conn.execute(text(_CURRENT))).all())


async def record(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """Store an imported file; False when this file (by SHA-256) was stored already."""
    return (await conn.execute(text(_RECORD), values)).first() is not None


async def imported(conn: AsyncConnection, name: str, sha256: str) -> bool:
    """Whether this file of this source was imported already."""
    sql = "SELECT 1 FROM sources WHERE name = :n AND sha256 = :s"
    return (await conn.execute(text(sql), {"n": name, "s": sha256})).first() is not None
