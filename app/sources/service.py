"""The data's sources: listed, named in exports' headers."""

from __future__ import annotations

import time
from typing import Any

from app.db import Database
from app.sources import repository
from app.sources.schemas import SourceOut, SourcesOut

# Exports name the sources in a header; the list changes only when a fetch imports a file,
# so each process reads it at most this often.
HEADER_TTL_S = 30.0


async def list_sources(*, db: Database) -> SourcesOut:
    """Every file imported, newest first."""
    async with db.read_connection() as conn:
        rows = await repository.list_sources(conn)
    return SourcesOut(sources=[SourceOut.model_validate(r._mapping) for r in rows])


class SourcesHeader:
    """``X-Data-Sources``: each source's title, release and licence, read at most every
    ``HEADER_TTL_S`` seconds (one per app, in ``app.state``)."""

    def __init__(self) -> None:
        self._value: str | None = None
        self._read_at = -HEADER_TTL_S

    async def value(self, db: Database) -> str | None:
        now = time.monotonic()
        if now - self._read_at >= HEADER_TTL_S:
            async with db.read_connection() as conn:
                rows = await repository.current_sources(conn)
            self._value = "; ".join(_line(r._mapping) for r in rows) or None
            self._read_at = now
        return self._value


def _line(row: Any) -> str:
    version = f" {row['version']}" if row["version"] else ""
    return f"{row['title']}{version} ({row['licence']})"


async def headers(state: Any, db: Database) -> dict[str, str]:
    """``{"X-Data-Sources": ...}`` when sources are recorded, else nothing."""
    found: SourcesHeader | None = getattr(state, "sources_header", None)
    if found is None:
        found = state.sources_header = SourcesHeader()
    value = await found.value(db)
    return {"X-Data-Sources": value} if value else {}
