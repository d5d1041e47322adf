"""Rate limits per API key and per client address, counted by the ``limits`` library.

A request with ``Authorization: Bearer <key>`` counts against its key (known by its SHA-256:
nothing is looked up before a request is refused); any other request against its client
address (uvicorn's ``proxy_headers`` has resolved ``X-Forwarded-For``). A refused request is a
429 problem with ``Retry-After``; ``/healthz`` and ``/readyz`` are never limited.

**Where counts live** (``SE_RATE_LIMIT_STORAGE``): ``memory://`` counts in this process, so N
processes allow N times the rate; ``redis://host:port/db`` counts in Redis, shared by every
process and host (limits' async Redis storage, through redis-py). When Redis cannot be
reached the API keeps serving without limits (fail open): one warning when the outage begins,
one line when Redis answers again, and meanwhile Redis is tried again at most every
``RETRY_S`` seconds, so a dead server costs one request a timeout now and then, not every
request.

**Two windows per client, sliding-window counters.** ``per_min`` requests in a minute, and at
most a tenth of that in ``BURST_S`` (6) seconds: the burst. limits' sliding window counter
weighs the previous window's count by how much of it still overlaps the sliding window, so
after a burst requests come back gradually, much as the token bucket this replaces refilled;
its worst cases match the bucket's too (about twice the burst in any 6 s, 1.1 times
``per_min`` in any minute, for the bucket: burst + rate × time). Two counters per window and
client, so memory and Redis hold a few small numbers per client, where a moving window keeps
a timestamp per request (and limits' in-memory moving window sweeps them through a thread
hop per client: a whole core with 1,000 clients, measured). The burst window is hit first, so
a request it refuses costs nothing of the minute. In memory the windows are whole multiples of
their length since the epoch; in Redis they start at a client's first request.

A key earns its own limit with a request the app did not answer 401: until then its requests
count against the address, and a 401 forgets the key again, so made-up keys cannot mint
fresh limits faster than the address's own. The mark lives in the same storage (shared with
Redis) for ``EARNED_S``; after that the key's next request counts against its address once
more and earns it again.

Every limited answer carries the fields of draft-ietf-httpapi-ratelimit-headers-11, one item
per window: ``RateLimit-Policy: "anon";q=600;w=60, "anon-burst";q=60;w=6`` (the configured
limits) and ``RateLimit: "anon";r=590;t=51, "anon-burst";r=50;t=4`` (``r`` requests left in
the window, ``t`` seconds until its count next goes down; on a 429, the refusing window's ``t``
is the ``Retry-After``).

Cost on the hot path: in memory about 35 µs of CPU a request (four calls into limits: a hit
and a look per window; the token buckets took 2 µs); with Redis the same four calls are round
trips, and a key's request reads its mark first.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem

log = logging.getLogger("app.ratelimit")

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
BURST_S = 6
# How long a key's earned limit is remembered (a key is one small counter).
EARNED_S = 86_400
# While the storage is unreachable, how often a request tries it again.
RETRY_S = 1.0
# A Redis answer slower than this is an outage (the request is then served unlimited).
REDIS_TIMEOUT_S = 0.5
# How often the in-process storage sweeps out expired counters (see in_process_storage).
SWEEP_S = 5.0


@dataclass(frozen=True)
class Window:
    name: str
    item: RateLimitItem


@dataclass(frozen=True)
class Policy:
    """The limits of one kind of client: ``per_min`` a minute, a tenth of it in ``BURST_S``."""

    name: str
    per_min: int
    burst: int
    windows: tuple[Window, Window]  # the burst first: it is hit first
    field: bytes

    @classmethod
    def of(cls, name: str, per_min: int) -> Policy | None:
        if not per_min:
            return None
        burst = max(1, per_min // 10)
        windows = (
            Window(f"{name}-burst", RateLimitItemPerSecond(burst, BURST_S)),
            Window(name, RateLimitItemPerMinute(per_min)),
        )
        field = ", ".join(
            f'"{w.name}";q={w.item.amount};w={w.item.get_expiry()}' for w in reversed(windows)
        )
        return cls(name, per_min, burst, windows, field.encode())


@dataclass(frozen=True)
class Verdict:
    policy: Policy
    allowed: bool
    earned: bool  # the request's key had earned its own limit before it
    retry_after: int  # seconds; 0 when allowed
    fields: list[tuple[bytes, bytes]]


def in_process_storage() -> MemoryStorage:
    """limits' in-memory storage, sweeping out expired counters at most every ``SWEEP_S``.

    limits 5.8 starts a sweep over every counter after each increment that finds the previous
    sweep done: measured 0.2-0.45 ms more a request with 1,000 clients counted, about a whole
    core with 10,000; with this, 100,000 clients' counters are swept in some 75 ms every
    ``SWEEP_S``. Counters are read with their expiry checked, so a later sweep only frees
    their memory later. The hook is replaced on the instance: in a subclass limits would wrap
    every storage method again (measured +20% a request).
    """
    storage = MemoryStorage()
    sweep = storage._MemoryStorage__schedule_expiry  # type: ignore[attr-defined]
    next_sweep = 0.0

    async def now_and_then() -> None:
        nonlocal next_sweep
        now = time.monotonic()
        if now >= next_sweep:
            next_sweep = now + SWEEP_S
            await sweep()

    # The (name-mangled) method limits calls before each increment.
    storage._MemoryStorage__schedule_expiry = now_and_then  # type: ignore[attr-defined]
    return storage


def open_storage(uri: str) -> tuple[Storage, ConnectionPool | None]:
    """The storage a ``SE_RATE_LIMIT_STORAGE`` URI names (``memory://`` or ``redis://...``),
    and the Redis connections to close at the end."""
    scheme = urlsplit(uri).scheme
    if scheme == "memory":
        return in_process_storage(), None
    if scheme in ("redis", "rediss"):
        pool = ConnectionPool.from_url(
            uri, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
        )
        storage = RedisStorage(
            f"async+{uri}",
            wrap_exceptions=True,
            implementation="redispy",
            key_prefix="syria-events",
            # limits hands it to redis.asyncio.Redis (its documented connection_pool option).
            connection_pool=pool,  # type: ignore[arg-type]
        )
        return storage, pool
    raise ValueError(f"SE_RATE_LIMIT_STORAGE: memory:// or redis://host:port/db, not {uri!r}")


def _where(uri: str) -> str:
    """The storage URI without its password, for logs."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


class RateLimiter:
    """Both policies over one storage; fails open while the storage is unreachable."""

    def __init__(self, *, anon_per_min: int, key_per_min: int, storage: str = "memory://") -> None:
        self.storage, self._pool = open_storage(storage)
        self.where = _where(storage)
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)
        self.anon = Policy.of("anon", anon_per_min)
        self.keys = Policy.of("key", key_per_min)
        self._down_since: float | None = None
        self._retry_at = 0.0

    async def admit(self, address: str, key: str | None) -> Verdict | None:
        """Count this request; None when it is not limited (or the storage is away)."""
        started = time.monotonic()
        if self._down_since is not None and started < self._retry_at:
            return None
        try:
            verdict = await self._admit(address, key)
        except StorageError as exc:
            self._lost(exc)
            return None
        if self._down_since is not None and started >= self._down_since:
            # A warning too: served by uvicorn, the app's info lines go nowhere.
            log.warning(
                "rate-limit storage %s answers again after %.0f s: requests are limited again",
                self.where,
                started - self._down_since,
            )
            self._down_since = None
        return verdict

    async def answered(self, key: str | None, status: int, *, earned: bool) -> None:
        """A key earns its own limit with an answer other than 401; a 401 forgets it."""
        if key is None or self.keys is None:
            return
        try:
            if status == 401 and earned:
                await self.storage.clear(_earned(key))
            elif status != 401 and not earned:
                await self.storage.incr(_earned(key), EARNED_S)
        except StorageError as exc:
            self._lost(exc)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def _admit(self, address: str, key: str | None) -> Verdict | None:
        earned = (
            key is not None and self.keys is not None and await self.storage.get(_earned(key)) > 0
        )
        policy, who = (self.keys, key) if earned else (self.anon, address)
        if policy is None or who is None:
            return None
        allowed = True
        for window in policy.windows:
            if not await self.strategy.hit(window.item, policy.name, who):
                allowed = False
                break
        items, retry_after = [], 0
        for window in reversed(policy.windows):
            stats = await self.strategy.get_window_stats(window.item, policy.name, who)
            reset_s = max(0, math.ceil(stats.reset_time - time.time()))
            if not allowed and stats.remaining == 0:
                retry_after = max(retry_after, reset_s)
            items.append(f'"{window.name}";r={stats.remaining};t={reset_s}')
        if not allowed:
            retry_after = max(1, retry_after)
        fields = [
            (b"ratelimit-policy", policy.field),
            (b"ratelimit", ", ".join(items).encode()),
        ]
        return Verdict(policy, allowed, earned, retry_after, fields)

    def _lost(self, exc: StorageError) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
            log.warning(
                "rate-limit storage %s unreachable (%s): requests are not limited until it "
                "answers again",
                self.where,
                exc,
            )
        self._retry_at = now + RETRY_S


def _earned(key: str) -> str:
    return f"earned/{key}"


def bearer_key(scope: Scope) -> str | None:
    """The SHA-256 of the bearer token, when the request carries one."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return hashlib.sha256(token.strip()).hexdigest()
    return None


class RateLimit:
    """ASGI middleware: refuses with 429 before the app (or the body) is touched."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        key = bearer_key(scope)
        address = scope["client"][0] if scope.get("client") else "-"
        verdict = await self.limiter.admit(address, key)
        if verdict is None:
            await self.app(scope, receive, send)
            return
        if not verdict.allowed:
            await self._refuse(scope, send, verdict)
            return

        async def send_with_fields(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *verdict.fields]
                await self.limiter.answered(key, message["status"], earned=verdict.earned)
            await send(message)

        await self.app(scope, receive, send_with_fields)

    async def _refuse(self, scope: Scope, send: Send, verdict: Verdict) -> None:
        policy = verdict.policy
        who = "API key" if policy is self.limiter.keys else "client address"
        response = problem(
            429,
            "rate-limited",
            "Too many requests",
            f"more than {policy.per_min} requests a minute, or {policy.burst} in {BURST_S} s, "
            f"from this {who}; retry after {verdict.retry_after} s",
            scope["path"],
            headers={"Retry-After": str(verdict.retry_after)},
        )
        response.raw_headers.extend(verdict.fields)
        await response(scope, _disconnected, send)


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}
