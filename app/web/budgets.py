"""Budgets for heavy work: how many at once, overall and per client, never an open-ended wait.

A light request (a page, one object, ``/readyz``) draws on no budget. Heavy work does:

* **exports** (unpaged CSV, NDJSON, ACLED): a slot is held for the whole download. Past either
  cap the answer is immediate: 429 when this client already holds its share, 503 when all
  slots are taken, both with ``Retry-After``.
* **dashboards** (statistics, tiles): they are quick one at a time but scan much at low
  zooms and over everything. They queue for a slot for at most ``wait_s`` (a map asks for a
  dozen tiles at once, and refusing the thirteenth would leave a hole in it); a client with
  more than its share queued or running gets a 429 at once.

So heavy work never holds more than its caps' worth of database connections, and every other
request finds the pool as if nothing heavy were running. A client is its API key when it
sends one (by the key's digest, as the rate limiter counts it), else its address.
Budgets are per process (rate limits may be shared through Redis; budgets are not).
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field

from starlette.requests import Request

from app.errors import TooManyAtOnce, Unavailable
from app.web.ratelimit import bearer_key


class Busy(Unavailable):
    slug = "busy"
    title = "Busy"


def client_of(request: Request) -> str:
    """Whom a budget counts: the API key's digest, else the client address."""
    key = bearer_key(request.scope)
    if key is not None:
        return f"key:{key}"
    return f"ip:{request.client.host if request.client else '-'}"


@dataclass
class Budget:
    """At most ``total`` at once, at most ``per_client`` of them (running or queued) per
    client; a request waits at most ``wait_s`` for a slot (0: never waits)."""

    name: str
    total: int
    per_client: int
    wait_s: float = 0.0
    retry_after_s: int = 5
    what: str = "requests"
    _held: Counter[str] = field(default_factory=Counter)
    _semaphore: asyncio.Semaphore | None = None
    _running: int = 0

    @property
    def in_use(self) -> int:
        return self._running

    def _slots(self) -> asyncio.Semaphore:
        # Made on first use, inside the running loop (no work at import time).
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.total)
        return self._semaphore

    def holders(self, client: str) -> int:
        return self._held[client]

    @asynccontextmanager
    async def slot(self, client: str) -> AsyncIterator[None]:
        """Hold one slot for ``client`` while the block runs, or raise at once (or after
        ``wait_s``) with a problem that says which cap was reached."""
        if self._held[client] >= self.per_client:
            raise TooManyAtOnce(
                f"this client already has {self._held[client]} {self.what} running (at most "
                f"{self.per_client} at once); retry when one has finished",
                headers={"Retry-After": str(self.retry_after_s)},
                budget=self.name,
                limit=self.per_client,
            )
        slots = self._slots()
        self._held[client] += 1
        try:
            if not await self._acquire(slots):
                raise Busy(
                    f"all {self.total} {self.what} slots are in use; retry in "
                    f"{self.retry_after_s} s",
                    headers={"Retry-After": str(self.retry_after_s)},
                    budget=self.name,
                    limit=self.total,
                )
            self._running += 1
            try:
                yield
            finally:
                self._running -= 1
                slots.release()
        finally:
            self._held[client] -= 1
            if self._held[client] <= 0:
                del self._held[client]

    async def _acquire(self, slots: asyncio.Semaphore) -> bool:
        if self.wait_s <= 0:
            if slots.locked():
                return False
            await slots.acquire()  # free now: returns without waiting
            return True
        try:
            await asyncio.wait_for(slots.acquire(), timeout=self.wait_s)
        except TimeoutError:
            return False
        return True


@dataclass(frozen=True)
class Budgets:
    """The app's budgets, made in ``create_app`` from the settings."""

    exports: Budget
    dashboards: Budget

    @classmethod
    def of(
        cls,
        *,
        exports: int,
        exports_per_client: int,
        dashboards: int,
        dashboards_per_client: int,
        dashboard_wait_s: float,
    ) -> Budgets:
        return cls(
            exports=Budget(
                "exports",
                exports,
                exports_per_client,
                wait_s=0,
                retry_after_s=30,
                what="unpaged exports",
            ),
            dashboards=Budget(
                "dashboards",
                dashboards,
                dashboards_per_client,
                wait_s=dashboard_wait_s,
                retry_after_s=max(1, math.ceil(dashboard_wait_s)),
                what="statistics and tile requests",
            ),
        )


async def dashboard_slot(request: Request) -> AsyncIterator[None]:
    """A route dependency: the request holds a dashboard slot while it runs."""
    budgets: Budgets = request.app.state.budgets
    async with budgets.dashboards.slot(client_of(request)):
        yield


def counting(request: Request, exact: bool) -> AbstractAsyncContextManager[None]:
    """A dashboard slot for a list that asks for an exact count (``count=true``), which scans
    every match however small the page; nothing for a plain page."""
    if not exact:
        return nullcontext()
    budgets: Budgets = request.app.state.budgets
    return budgets.dashboards.slot(client_of(request))
