"""Streaming replicas: which one may answer a read, how far behind each one is, and the
``Commit-LSN`` token by which a client reads its own writes.

A read may go to a replica when it is anonymous (``app/web/readrouting.py`` decides per
request and records it in ``ROUTE``). Among the replicas whose last check found them up and at
most ``SE_REPLICA_MAX_LAG_S`` behind, and that have replayed the client's ``Commit-LSN`` when it
sent one, the least recently chosen answers; with none, the primary does. A replica that fails
under a request is marked down at once and the request is answered again on the primary
before anything was sent (the middleware re-runs it), so a stopped replica costs no client an
error. Each process checks every replica every ``SE_REPLICA_CHECK_S``.

Lag is measured on the API's own clock, with no privilege on either server: every check reads
the primary's WAL position first, and a replica that has replayed at least the position the
primary had at time t holds everything committed before t. Its lag is the age of the latest
such t (zero when it has replayed the position read in this very check), so the figure is an
upper bound with the check interval as its resolution.
"""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("app.replicas")

# How many of the primary's WAL positions are kept to date a replica's replay position: with a
# check a second, ten minutes (a replica further behind is reported at that age at least).
_SAMPLES = 600


_LSN = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")


def parse_lsn(text: str) -> int:
    """PostgreSQL's text form of a WAL position (``16/B374D848``) as a number."""
    match = _LSN.fullmatch(text.strip())
    if match is None:
        raise ValueError(text)
    return (int(match[1], 16) << 32) | int(match[2], 16)


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


@dataclass(slots=True)
class ReadRoute:
    """How one request may read: on a replica or not, and what it must already hold."""

    replica_ok: bool
    min_lsn: int = 0
    # Set when a replica failed under this request: the middleware answers it again.
    lost: bool = False
    # The server chosen at the request's first read, kept for the rest of it: a validator
    # and the body it stands for must come from the same server (None: the primary).
    chosen: Replica | None = None
    picked: bool = False


ROUTE: ContextVar[ReadRoute | None] = ContextVar("read_route", default=None)


def replica_failure(exc: BaseException) -> bool:
    """Whether ``exc`` says the server is gone or going (refused, closed, shutting down,
    starting up) or cancelled the statement for recovery: worth answering again elsewhere."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        # InternalClientError: a connection the server dropped mid-statement may come back
        # from the pool in the state that statement left (seen while a standby shut down).
        if isinstance(
            current,
            OSError
            | asyncpg.InterfaceError
            | asyncpg.PostgresConnectionError
            | asyncpg.InternalClientError,
        ):
            return True
        if isinstance(current, asyncpg.PostgresError) and current.sqlstate in _GONE:
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


# 57P01-03: shutting down, crashed, cannot connect now (starting up); 40001 on a standby is a
# statement cancelled by a conflict with recovery; 53300: too many connections.
_GONE = frozenset({"57P01", "57P02", "57P03", "40001", "53300"})


@dataclass
class Replica:
    """One replica's URL and what the last check found."""

    url: str
    state: str = "unknown"  # ok | lagging | down | unknown
    replayed: int = 0
    lag_s: float | None = None
    lag_bytes: int | None = None
    error: str | None = None
    chosen_at: float = 0.0
    # The primary's WAL positions, oldest first, with the time each was read.
    _samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=_SAMPLES))

    @property
    def name(self) -> str:
        """Host, port and database: what logs and /readyz show (never the password)."""
        parts = urlsplit(self.url)
        host = parts.hostname or dict(
            p.split("=", 1) for p in parts.query.split("&") if "=" in p
        ).get("host", "")
        return f"{host}:{parts.port or ''}{parts.path}"

    def usable(self, min_lsn: int) -> bool:
        return self.state == "ok" and self.replayed >= min_lsn

    def report(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "lag_s": None if self.lag_s is None else round(self.lag_s, 3),
            "lag_bytes": self.lag_bytes,
            "replayed_lsn": format_lsn(self.replayed) if self.replayed else None,
            **({"error": self.error} if self.error else {}),
        }


class ReplicaSet:
    """The replicas of one API process, and the choice among them."""

    def __init__(self, urls: list[str], max_lag_s: float) -> None:
        self.replicas = [Replica(url) for url in urls]
        self.max_lag_s = max_lag_s

    def __bool__(self) -> bool:
        return bool(self.replicas)

    def pick(self, min_lsn: int) -> Replica | None:
        usable = [r for r in self.replicas if r.usable(min_lsn)]
        if not usable:
            return None
        chosen = min(usable, key=lambda r: r.chosen_at)
        chosen.chosen_at = time.monotonic()
        return chosen

    def failed(self, replica: Replica, exc: BaseException) -> None:
        """A request found ``replica`` gone: nobody is sent there until a check finds it up."""
        if replica.state != "down":
            log.warning("replica %s failed under a request (%s); reads go elsewhere",
                        replica.name, _describe(exc))  # fmt: skip
        replica.state, replica.error = "down", _describe(exc)

    def observe(
        self, replica: Replica, primary_lsn: int, at: float, replayed: int | None, error: str | None
    ) -> None:
        """Record one check: the primary's position read at ``at``, then the replica's."""
        replica._samples.append((at, primary_lsn))
        before = replica.state
        if replayed is None:
            replica.state, replica.error = "down", error
            replica.lag_s = replica.lag_bytes = None
        else:
            replica.replayed, replica.error = replayed, None
            replica.lag_bytes = max(0, primary_lsn - replayed)
            held = [t for t, lsn in replica._samples if lsn <= replayed]
            oldest = replica._samples[0][0]
            replica.lag_s = max(0.0, at - held[-1]) if held else at - oldest
            replica.state = "ok" if replica.lag_s <= self.max_lag_s else "lagging"
        if replica.state != before:
            _log_change(replica, before)

    def report(self) -> list[dict[str, Any]]:
        return [r.report() for r in self.replicas]


def _log_change(replica: Replica, before: str) -> None:
    if replica.state == "ok":
        log.info("replica %s in use (lag %.1f s)", replica.name, replica.lag_s or 0.0)
    elif replica.state == "lagging":
        log.warning("replica %s skipped: %.1f s behind (%d bytes)",
                    replica.name, replica.lag_s or 0.0, replica.lag_bytes or 0)  # fmt: skip
    elif before != "down":
        log.warning("replica %s down: %s", replica.name, replica.error)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()[:200]


async def check_once(
    replicas: ReplicaSet,
    primary_lsn: Callable[[], Any],
    replayed_lsn: Callable[[Replica], Any],
) -> None:
    """One round of checks. The probes bound their own time (asyncpg's timeouts cancel a
    statement cleanly; cancelling a pooled connection's task could hand it on mid-query)."""
    try:
        at, lsn = time.monotonic(), int(await primary_lsn())
    except Exception as exc:  # the primary's own troubles are /readyz's to report
        log.debug("replica check skipped: primary unreachable (%s)", _describe(exc))
        return
    for replica in replicas.replicas:
        try:
            replayed: int | None = int(await replayed_lsn(replica))
            error = None
        except Exception as exc:  # a replica that cannot answer is down, whatever the cause
            replayed, error = None, _describe(exc)
        replicas.observe(replica, lsn, at, replayed, error)
