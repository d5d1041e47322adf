"""One gazetteer snapshot per process, rebuilt only when the places change."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.geoparse.gazetteer import Snapshot, Sources, load_sources

_REVISION = text(
    "SELECT count(*)::text || '/' || coalesce(max(updated_at)::text, '')"
    " || '/' || (SELECT count(*) FROM place_names)::text FROM places"
)


@dataclass(frozen=True)
class Gazetteer:
    """The places as of one revision: what a snapshot is built from, and the revision that
    tells a process whether the snapshot it holds is still this one."""

    revision: str
    sources: Sources


class SnapshotCache:
    def __init__(self) -> None:
        self._gazetteer: Gazetteer | None = None
        self._snapshot: Snapshot | None = None
        self._built_for: str | None = None
        self._lock = asyncio.Lock()

    async def gazetteer(self, conn: AsyncConnection) -> Gazetteer:
        """The gazetteer as this connection sees it (one cheap query; the places and names
        are read again only when they changed)."""
        revision = str((await conn.execute(_REVISION)).scalar_one())
        async with self._lock:
            if self._gazetteer is None or revision != self._gazetteer.revision:
                self._gazetteer = Gazetteer(revision, await load_sources(conn))
            return self._gazetteer

    def snapshot(self, gazetteer: Gazetteer) -> Snapshot:
        """A snapshot of ``gazetteer`` built in this process (once per revision)."""
        if self._snapshot is None or self._built_for != gazetteer.revision:
            self._snapshot = gazetteer.sources.build()
            self._built_for = gazetteer.revision
        return self._snapshot

    async def get(self, conn: AsyncConnection) -> Snapshot:
        """The snapshot for the gazetteer as this connection sees it, built in this process."""
        return self.snapshot(await self.gazetteer(conn))
