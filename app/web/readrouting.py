"""Which server answers a request, and the ``Commit-LSN`` by which a client reads its writes.

A GET or HEAD without ``Authorization`` may read on a replica; any other request reads and
writes on the primary (drafts and keyed reads are only ever read there). A read that sends
``Commit-LSN`` (as a write answered it) is served only by a server that has replayed it.
A replica that fails under a read, before any byte of the answer was sent, costs the client
nothing: the answer it produced is dropped and the request is answered again on the primary.

With replicas configured, every successful write answers ``Commit-LSN``: the primary's WAL
position after the write committed. Without replicas no write pays for it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import Database
from app.errors import problem
from app.replicas import ROUTE, ReadRoute, format_lsn, parse_lsn

HEADER = b"commit-lsn"
_READS = frozenset({"GET", "HEAD"})
# Readiness is the primary's: a replica's state is reported there, never the verdict.
_ON_PRIMARY = frozenset({"/readyz", "/healthz"})


class ReadRouting:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        db: Database = scope["app"].state.db
        if scope["method"] not in _READS:
            await self._write(db, scope, receive, send)
            return
        keyed, token = False, None
        for name, value in scope["headers"]:
            if name == b"authorization":
                keyed = True
            elif name == HEADER:
                token = value
        try:
            min_lsn = parse_lsn(token.decode("latin-1")) if token is not None else 0
        except ValueError:
            await _bad_token(scope, send)
            return
        replica_ok = bool(db.replicas) and not keyed and scope["path"] not in _ON_PRIMARY
        route = ReadRoute(replica_ok=replica_ok, min_lsn=min_lsn)
        reset = ROUTE.set(route)
        try:
            if not route.replica_ok or not await self._on_replica(route, scope, receive, send):
                route.replica_ok, route.lost = False, False
                await self.app(scope, receive, send)
        finally:
            ROUTE.reset(reset)

    async def _on_replica(
        self, route: ReadRoute, scope: Scope, receive: Receive, send: Send
    ) -> bool:
        """Answer on a replica; False when one failed before the answer started (nothing was
        sent: the caller answers again on the primary)."""
        started = False

        async def guarded(message: Message) -> None:
            nonlocal started
            if not started and route.lost:
                return  # the failed attempt's answer (a 503, most likely) is dropped
            started = True
            await send(message)

        try:
            await self.app(scope, receive, guarded)
        except Exception:
            if started or not route.lost:
                raise
        return started or not route.lost

    async def _write(self, db: Database, scope: Scope, receive: Receive, send: Send) -> None:
        if not db.replicas:
            await self.app(scope, receive, send)
            return

        async def with_lsn(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                # Read after the write committed (services commit before they answer).
                lsn = format_lsn(await db.commit_lsn())
                message["headers"] = [*message.get("headers", []), (HEADER, lsn.encode())]
            await send(message)

        await self.app(scope, receive, with_lsn)


async def _bad_token(scope: Scope, send: Send) -> None:
    response = problem(
        400,
        "invalid-parameter",
        "Invalid parameter",
        "Commit-LSN: must be a WAL position as a write answered it, such as 0/16B3748",
        scope["path"],
        invalid_params=[{"name": "Commit-LSN", "reason": "not a WAL position"}],
    )
    await response(scope, _disconnected, send)


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}
