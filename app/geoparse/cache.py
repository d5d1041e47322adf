"""One gazetteer snapshot per process, rebuilt only when the places change."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.geoparse.gazetteer import Snapshot, load_snapshot

_REVISION = text(
    "SELECT count(*)::text || '/' || coalesce(max(updated_at)::text, '')"
    " || '/' || (SELECT count(*) FROM place_names)::text FROM places"
)


class SnapshotCache:
    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._revision: str | None = None
        self._lock = asyncio.Lock()

    async def get(self, conn: AsyncConnection) -> Snapshot:
        """The snapshot for the gazetteer as this connection sees it (one cheap query)."""
        revision = str((await conn.execute(_REVISION)).scalar_one())
        async with self._lock:
            if self._snapshot is None or revision != self._revision:
                self._snapshot = await load_snapshot(conn)
                self._revision = revision
            return self._snapshot
