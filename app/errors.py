"""Domain errors, and the one place that turns them into RFC 9457 problem+json."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.endpoint import PoolExhausted

log = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """Base of the errors services raise; each maps to one HTTP status."""

    status = 500
    slug = "internal-error"
    title = "Internal error"

    def __init__(self, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class InvalidParameter(DomainError):
    status = 400
    slug = "invalid-parameter"
    title = "Invalid parameter"

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"{name}: {detail}", invalid_params=[{"name": name, "reason": detail}])
        self.name = name


class InvalidBody(DomainError):
    status = 400
    slug = "invalid-body"
    title = "Invalid request body"

    @classmethod
    def at(cls, name: str, reason: str) -> InvalidBody:
        """A problem with one member of the body, named as in ``invalid_params``."""
        return cls(f"{name}: {reason}", invalid_params=[{"name": name, "reason": reason}])


class Unauthorized(DomainError):
    status = 401
    slug = "unauthorized"
    title = "Unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="syria-events"'})


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Gone(DomainError):
    status = 410
    slug = "gone"
    title = "Gone"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailed(DomainError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    status = 428
    slug = "precondition-required"
    title = "Precondition required"


class IdempotencyKeyReused(DomainError):
    # draft-ietf-httpapi-idempotency-key-header: a key reused with another payload is a 422.
    status = 422
    slug = "idempotency-key-reused"
    title = "Idempotency key reused"


class Unavailable(DomainError):
    status = 503
    slug = "unavailable"
    title = "Service unavailable"


class TooManyAtOnce(DomainError):
    """This client already runs its share of some heavy work (send ``Retry-After``)."""

    status = 429
    slug = "too-many-at-once"
    title = "Too many requests of this kind at once"


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    headers = dict(headers or {})
    if status == 503:
        headers.setdefault("Retry-After", "5")
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM_JSON)


def _loc_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "header")]
    return ".".join(parts) or "body"


def _invalid_param(error: Any) -> dict[str, str]:
    if error["type"] == "json_invalid":
        # FastAPI's loc is ("body", <character offset>): the body is what cannot be read.
        why = (error.get("ctx") or {}).get("error", "")
        return {"name": "body", "reason": f"not JSON ({why} at character {error['loc'][-1]})"}
    return {"name": _loc_name(error["loc"]), "reason": error["msg"]}


def _raised_by_the_driver(exc: BaseException) -> bool:
    """Whether asyncpg raised ``exc`` (connecting, or on its socket): its frames are in the
    traceback, however many layers (SQLAlchemy's pool, ours) it then went through."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").partition(".")[0] == "asyncpg":
            return True
        tb = tb.tb_next
    return False


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """The methods some route answers at this path (asked of the router, which knows)."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return problem(
            exc.status,
            exc.slug,
            exc.title,
            exc.detail,
            request.url.path,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        # OGC API - Features and our contract say 400 for a bad parameter, not FastAPI's 422.
        params = [_invalid_param(e) for e in exc.errors()]
        where = "body" if any(e["loc"][:1] == ("body",) for e in exc.errors()) else "parameter"
        detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
        slug, title = (
            ("invalid-body", "Invalid request body")
            if where == "body"
            else ("invalid-parameter", "Invalid parameter")
        )
        return problem(400, slug, title, detail, request.url.path, invalid_params=params)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        slug = title.lower().replace(" ", "-")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # RFC 9110 15.5.6: Allow lists every method of the path; Starlette's names only
            # those of the first route it matched (GET /places, not POST /places).
            headers["Allow"] = _allowed_methods(request)
        return problem(
            exc.status_code, slug, title, str(exc.detail), request.url.path, headers=headers
        )

    @app.exception_handler(PoolTimeoutError)
    @app.exception_handler(PoolExhausted)
    async def _pool(request: Request, exc: Exception) -> Response:
        return problem(
            503,
            "unavailable",
            "Service unavailable",
            "database pool exhausted",
            request.url.path,
        )

    @app.exception_handler(DBAPIError)
    async def _db(request: Request, exc: DBAPIError) -> Response:
        # The driver's exception classes do not survive SQLAlchemy's adaptation: by SQLSTATE.
        state = getattr(exc.orig, "sqlstate", None) or ""
        return _database_problem(request, exc, state, lost=exc.connection_invalidated)

    @app.exception_handler(asyncpg.PostgresError)
    @app.exception_handler(asyncpg.InterfaceError)
    async def _driver(request: Request, exc: Exception) -> Response:
        # Reads straight on asyncpg (app/db.py Reader): a connection lost under a statement
        # (the server restarted) is an InterfaceError without SQLSTATE.
        state = getattr(exc, "sqlstate", None) or ""
        lost = isinstance(exc, asyncpg.ConnectionDoesNotExistError)
        return _database_problem(request, exc, state, lost=lost)

    @app.exception_handler(OSError)
    async def _unreachable(request: Request, exc: OSError) -> Response:
        # asyncpg raises the socket's own error when it cannot connect (refused, no such unix
        # socket, unknown host, timed out), not a DBAPIError. Any other OSError (a file that
        # cannot be read, a full disk) is not the database being down: a logged 500.
        if not _raised_by_the_driver(exc):
            return _internal_error(request, exc)
        log.warning("database unreachable on %s: %r", request.url.path, exc)
        return problem(
            503, "unavailable", "Service unavailable", "database unreachable", request.url.path
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return _internal_error(request, exc)


def _database_problem(request: Request, exc: Exception, state: str, *, lost: bool) -> Response:
    # 57014 is a cancelled query (the statement timeout), class 08 a lost connection and
    # 57P01..57P03 a server shutting down, crashed or starting.
    if state == "57014":
        return problem(
            503,
            "query-timeout",
            "Query took too long",
            "the query ran past the statement timeout; narrow bbox or datetime",
            request.url.path,
        )
    if lost or state.startswith(("08", "57P")):
        return problem(
            503, "unavailable", "Service unavailable", "database unreachable", request.url.path
        )
    log.error("database error on %s", request.url.path, exc_info=exc)
    return problem(
        500, "internal-error", "Internal error", "unexpected database error", request.url.path
    )


def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s", request.url.path, exc_info=exc)
    return problem(500, "internal-error", "Internal error", "unexpected error", request.url.path)
