"""Rate limits: token buckets in process memory, per API key and per client address.

A request with ``Authorization: Bearer <key>`` draws from its key's bucket (the key is known by
its SHA-256: nothing is looked up before a request is refused); any other request from its
client address's bucket (uvicorn's ``proxy_headers`` has resolved ``X-Forwarded-For``). A
bucket holds a tenth of a minute's worth of requests (the burst) and refills continuously at
the per-minute rate. A refused request is a 429 problem with ``Retry-After``.

A key earns its own bucket with a request the app did not answer 401: until then its requests
draw from the address's bucket, and a 401 forgets the bucket again. So made-up keys cannot
mint fresh buckets faster than the address's own limit.

Every limited answer carries the fields of draft-ietf-httpapi-ratelimit-headers-11:
``RateLimit-Policy: "anon";q=600;w=60`` (the configured rate) and ``RateLimit: "anon";r=42;t=2``
(``r`` whole requests left now, ``t`` seconds until the bucket is full again; on a 429 ``t``
is the ``Retry-After``, which the draft says should not end before the window does).

Limits are per process: with ``--workers N`` a client may make N times as many requests.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
# A bucket idle this long is full again (a burst refills in 6 s, or 60 s at 1 request a
# minute), so dropping it loses nothing; a key's bucket is kept that long too.
IDLE_S = 600.0
# Under a flood from very many addresses the least recently seen buckets go sooner (they then
# start afresh); some 280 bytes each (measured), so under 30 MB per policy.
MAX_BUCKETS = 100_000


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    window_s: int


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """The buckets of one policy, least recently used (and so longest idle) first."""

    def __init__(
        self, name: str, per_min: int, *, idle_s: float = IDLE_S, max_buckets: int = MAX_BUCKETS
    ) -> None:
        self.name = name
        self.per_min = per_min
        self.rate = per_min / 60.0
        self.burst = max(1, per_min // 10)
        self.idle_s = idle_s
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __contains__(self, who: str) -> bool:
        return who in self._buckets

    def __len__(self) -> int:
        return len(self._buckets)

    @property
    def policy(self) -> str:
        return f'"{self.name}";q={self.per_min};w=60'

    def take(self, who: str, now: float) -> Decision:
        """Take one request from ``who``'s bucket, when it holds one."""
        bucket = self._buckets.pop(who, None) or _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        allowed = bucket.tokens >= 1
        if allowed:
            bucket.tokens -= 1
        self._keep(who, bucket)
        if allowed:
            window = (self.burst - bucket.tokens) / self.rate
            return Decision(True, int(bucket.tokens), math.ceil(window))
        return Decision(False, 0, max(1, math.ceil((1 - bucket.tokens) / self.rate)))

    def add(self, who: str, now: float) -> None:
        self._keep(who, _Bucket(float(self.burst), now))

    def forget(self, who: str) -> None:
        self._buckets.pop(who, None)

    def _keep(self, who: str, bucket: _Bucket) -> None:
        # Buckets are stamped when used and moved to the end: the first is the longest idle.
        buckets = self._buckets
        while buckets:
            oldest = next(iter(buckets.values()))
            if oldest.stamp > bucket.stamp - self.idle_s and len(buckets) < self.max_buckets:
                break
            buckets.popitem(last=False)
        buckets[who] = bucket


class RateLimiter:
    """Both policies and the clock (monotonic; tests pass their own)."""

    def __init__(
        self, *, anon_per_min: int, key_per_min: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.clock = clock
        self.anon = TokenBuckets("anon", anon_per_min) if anon_per_min else None
        self.keys = TokenBuckets("key", key_per_min) if key_per_min else None

    def admit(self, address: str, key: str | None) -> tuple[TokenBuckets, Decision] | None:
        """The policy this request counts against and its decision; None when unlimited."""
        if key is not None and self.keys is not None and key in self.keys:
            return self.keys, self.keys.take(key, self.clock())
        if self.anon is None:
            return None
        return self.anon, self.anon.take(address, self.clock())

    def answered(self, key: str | None, status: int) -> None:
        if key is None or self.keys is None:
            return
        if status == 401:
            self.keys.forget(key)
        elif key not in self.keys:
            self.keys.add(key, self.clock())


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
        verdict = self.limiter.admit(address, key)
        if verdict is None:
            await self.app(scope, receive, send)
            return
        policy, decision = verdict
        fields = [
            (b"ratelimit-policy", policy.policy.encode()),
            (
                b"ratelimit",
                f'"{policy.name}";r={decision.remaining};t={decision.window_s}'.encode(),
            ),
        ]
        if not decision.allowed:
            await self._refuse(scope, send, policy, decision, fields)
            return

        async def send_with_fields(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *fields]
                self.limiter.answered(key, message["status"])
            await send(message)

        await self.app(scope, receive, send_with_fields)

    async def _refuse(
        self,
        scope: Scope,
        send: Send,
        policy: TokenBuckets,
        decision: Decision,
        fields: list[tuple[bytes, bytes]],
    ) -> None:
        who = "API key" if policy is self.limiter.keys else "client address"
        response = problem(
            429,
            "rate-limited",
            "Too many requests",
            f"more than {policy.per_min} requests a minute from this {who} "
            f"(bursts of {policy.burst}); retry after {decision.window_s} s",
            scope["path"],
            headers={"Retry-After": str(decision.window_s)},
        )
        response.raw_headers.extend(fields)
        await response(scope, _disconnected, send)


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}
