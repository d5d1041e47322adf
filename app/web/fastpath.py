"""The hottest reads without FastAPI's per-request machinery.

Anonymous ``GET`` pages and single events are most of the traffic. A profile of ``GET /events``
at limit 10 (py-spy over wrk, 200,000 events) put 15% of the process in FastAPI's dependency
solving and some 10% more in its routing and exception wrappers, against 19% in the driver; a
framework-free server on the same SQL answered 1.6 times as many requests. Here such a request
is answered by calling the route's own function with what its dependencies would give an
anonymous caller (the database, no principal), after the same app-wide checks. What this path
cannot take as is (a key, another method or path) goes to the app unchanged; an error raised
while answering is answered by the app's own exception handler, so that every response is the
one the app would have sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import Database

Call = Callable[[Request, Database], Awaitable[Response]]
Check = Callable[[Request], Awaitable[None]]


@dataclass(frozen=True)
class FastRead:
    """A GET route answered here, and its endpoint called for an anonymous caller. A path
    parameter longer than the route lets it be goes to the app, which refuses it."""

    route: APIRoute
    call: Call
    max_lengths: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Path(max_length=...) as FastAPI keeps it: a MaxLen among the field's metadata.
        limits = {
            param.alias: limit
            for param in self.route.dependant.path_params
            for meta in param.field_info.metadata
            if isinstance(limit := getattr(meta, "max_length", None), int)
        }
        object.__setattr__(self, "max_lengths", limits)

    def params(self, path: str) -> dict[str, str] | None:
        """The path parameters when ``path`` is this route's and they can be taken as is."""
        match = self.route.path_regex.match(path)
        if match is None:
            return None
        found = match.groupdict()
        if any(len(v) > self.max_lengths.get(k, len(v)) for k, v in found.items()):
            return None
        return found


def read_of(routes: Sequence[object], path: str, call: Call) -> FastRead:
    """The GET route at ``path`` among ``routes`` (a router's), answered by ``call``."""
    for route in routes:
        if isinstance(route, APIRoute) and route.path == path and "GET" in (route.methods or ()):
            return FastRead(route, call)
    raise LookupError(f"no GET route at {path}")


class FastReads:
    """ASGI middleware, innermost: in front of the app's router and exception middleware."""

    def __init__(self, app: ASGIApp, reads: Sequence[FastRead], checks: Sequence[Check]) -> None:
        self.app = app
        self.reads = tuple(reads)
        self.checks = tuple(checks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        for read in self.reads:
            params = read.params(path)
            if params is not None:
                break
        else:
            await self.app(scope, receive, send)
            return
        if any(name == b"authorization" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)  # a key is checked by the app
            return
        scope["route"] = read.route
        scope["path_params"] = params
        request = Request(scope, receive, send)
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            for check in self.checks:
                await check(request)
            response = await read.call(request, request.app.state.db)
            # A streamed response (an export) may still refuse before its first byte.
            await response(scope, receive, sending)
        except Exception as exc:
            handler = _handler(request, exc)
            if handler is None or started:
                raise
            await (await handler(request, exc))(scope, receive, send)


def _handler(
    request: Request, exc: Exception
) -> Callable[[Request, Exception], Awaitable[Response]] | None:
    """The app's handler for ``exc``, as its exception middleware would pick it; not the
    catch-all for ``Exception`` (a 500 is the server error middleware's, outside)."""
    handlers = request.app.exception_handlers
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]  # type: ignore[no-any-return]
    return None
