"""Validators and conditional GETs (RFC 9110 8.8, 13.1; RFC 9111 5.2).

Two kinds of ETag are served. An event's is strong, a digest of its bytes (app/events/etags.py).
Lists, statistics and tiles carry a weak one made from the data version (app/caching/): a hash
of that version and of what identifies the representation (its URL, its format, the caller's
key if any), so that it is read, and a 304 answered, without running the query that makes the
body. ``Last-Modified`` is the time of the latest write to the data.

What a response may be kept for, by whom (``Cache-Control``):

* anonymous reads: ``public, max-age=N`` (``SE_CACHE_MAX_AGE_S``; tiles ``SE_TILE_MAX_AGE_S``):
  a shared cache serves them N seconds, then revalidates (a 304 while nothing changed);
* anything read with a key, drafts among it or not: ``private, no-cache``; its ETag hashes
  the key too, so that it never names a public representation;
* unpaged exports: ``no-store`` (nothing caches hundreds of MB), validators all the same;
* errors: no ``Cache-Control`` (app/errors.py), so no shared cache keeps them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache

from fastapi import Request
from fastapi.responses import Response

from app.auth.service import Principal

PRIVATE = "private, no-cache"
NO_STORE = "no-store"
# Every public read's representation also depends on the caller's key: an anonymous caller
# never sees a draft, whoever else may (a draft event is a 404 to it).
VARY = "Authorization"
VARY_ACCEPT = "Accept, Authorization"


def digest(body: bytes) -> str:
    """128 bits of ``body``'s hash, in hex: equal bytes, equal digest."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def public(max_age: int) -> str:
    """What a shared cache may keep ``max_age`` seconds before it revalidates."""
    return f"public, max-age={max_age}"


def cache_control(principal: Principal | None, max_age: int) -> str:
    """Public for anonymous callers; private to the key's holder otherwise."""
    return PRIVATE if principal is not None else public(max_age)


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def none_match(header: str | None, etag: str) -> bool:
    """True when ``If-None-Match`` names ``etag`` (or is ``*``): the client's copy is current.
    The comparison is weak, as RFC 9110 13.1.2 asks for this header."""
    if header is None:
        return False
    tags = {_opaque(t) for t in header.split(",")}
    return "*" in tags or _opaque(etag) in tags


@lru_cache(maxsize=64)
def http_date(when: datetime) -> str:
    """An IMF-fixdate (RFC 9110 5.6.7), to the second (the same few dates, formatted once)."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


def _parse_date(raw: str | None) -> datetime | None:
    """An HTTP-date, or None for anything else (RFC 9110 13.1.3: an invalid date is ignored)."""
    if raw is None:
        return None
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Validators:
    """A representation's validators, and whether the client's copy (its If-None-Match, else
    its If-Modified-Since) is current: then a 304 answers, and no body was made."""

    etag: str
    last_modified: datetime | None
    current: bool
    # The last change to the data, to the microsecond: what a citation pins (app/web/citation).
    data_time: datetime | None = None

    def headers(self, cache_control: str, vary: str) -> dict[str, str]:
        """What a 200 and a 304 both carry (RFC 9110 15.4.5)."""
        found = {"ETag": self.etag}
        if self.last_modified is not None:
            found["Last-Modified"] = http_date(self.last_modified)
        found["Cache-Control"] = cache_control
        found["Vary"] = vary
        return found


@dataclass(frozen=True)
class CachedRead:
    """What a read is (URL, format and caller) and which copy the client holds."""

    identity: str
    if_none_match: str | None
    if_modified_since: str | None

    @classmethod
    def of(cls, request: Request, variant: str, principal: Principal | None) -> CachedRead:
        """``variant``: what besides the URL picks the body (the format negotiated)."""
        scope = request.scope
        headers = request.headers
        # The base of the body's links (app/web/links.py), read from the scope: building
        # Starlette's URL objects took a third of this function's time.
        base = request.app.state.settings.public_url or (
            f"{scope['scheme']}://{headers.get('host', '')}{scope.get('root_path', '')}"
        )
        query = scope["query_string"].decode("latin-1")
        caller = "" if principal is None else f"key {principal.key_id}"
        return cls(
            # The app's version too: a release that changes a representation changes its tag.
            f"{request.app.version}\n{base}{scope['path']}?{query}\n{variant}\n{caller}",
            headers.get("if-none-match"),
            headers.get("if-modified-since"),
        )

    @property
    def conditional(self) -> bool:
        """Whether the client holds a copy to revalidate."""
        return self.if_none_match is not None or self.if_modified_since is not None

    def validators(self, changes: int, last_change: datetime | None) -> Validators:
        """The validators at a data version (``changes``, ``last_change``: app/caching)."""
        stamp, last_modified = _version_stamp(changes, last_change)
        tag = f'W/"{digest(f"{stamp}{self.identity}".encode())}"'
        if last_modified is not None:
            # Never later than now (RFC 9110 8.8.2.1).
            last_modified = min(last_modified, datetime.now(UTC).replace(microsecond=0))
        return Validators(tag, last_modified, self._current(tag, last_modified), last_change)

    def _current(self, etag: str, last_modified: datetime | None) -> bool:
        # RFC 9110 13.2.2: If-None-Match decides when present; If-Modified-Since only without.
        if self.if_none_match is not None:
            return none_match(self.if_none_match, etag)
        since = _parse_date(self.if_modified_since)
        return since is not None and last_modified is not None and last_modified <= since


@lru_cache(maxsize=64)
def _version_stamp(changes: int, last_change: datetime | None) -> tuple[str, datetime | None]:
    """The version as hashed (to the microsecond), and as Last-Modified (to the second)."""
    if last_change is None:
        return f"{changes}\n\n", None
    return f"{changes}\n{last_change.isoformat()}\n", last_change.replace(microsecond=0)


def not_modified(headers: dict[str, str]) -> Response:
    """A 304: the validators, Cache-Control and Vary a 200 would have carried, no body."""
    return Response(status_code=304, headers=headers)
