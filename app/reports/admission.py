"""How many reports are ingested at once. A long report keeps a geoparsing worker busy for a
second or two: ingests queue for the workers first come first served, a client may have
only a few in flight, and the queue has an end, so that a burst of long reports is refused
at once instead of piling up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from app.web.budgets import Budget

QUEUED_PER_WORKER = 4  # ingests admitted per worker: one analysed, three waiting their turn
RETRY_AFTER_S = 5


class IngestGate:
    """At most ``per_client`` ingests in flight per client (past it a 429) and
    ``QUEUED_PER_WORKER`` per worker in all (past it a 503), both at once with
    ``Retry-After`` (a budget, app/web/budgets.py); of those, one per worker is analysed at a
    time, in arrival order."""

    def __init__(self, *, workers: int, per_client: int) -> None:
        self.analysing = max(1, workers)
        self.budget = Budget(
            "ingest",
            QUEUED_PER_WORKER * self.analysing,
            per_client,
            retry_after_s=RETRY_AFTER_S,
            what="report ingests",
        )
        self._turns = asyncio.Semaphore(self.analysing)

    @property
    def capacity(self) -> int:
        return self.budget.total

    @property
    def per_client(self) -> int:
        return self.budget.per_client

    def admit(self, client: str) -> AbstractAsyncContextManager[None]:
        """Hold one of the client's and one of all ingest places while the block runs."""
        return self.budget.slot(client)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for a worker of one's own, in arrival order."""
        async with self._turns:
            yield
