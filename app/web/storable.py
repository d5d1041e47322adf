"""Text that PostgreSQL cannot store is a 400 naming where it came from, checked once for
every route (an app-wide dependency): path and query parameters, the headers the service
stores, and the JSON body at any depth, member names included.

PostgreSQL refuses U+0000 in text and jsonb, and a lone surrogate (U+D800..U+DFFF: JSON's
``"\\ud800"`` escape and Python's decoders let it through) has no UTF-8 encoding at all; either
one used to reach the driver and come back as a 500. Checking here, before any route runs,
means no service has to remember to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute

from app.errors import InvalidBody, InvalidParameter

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

# The headers whose values are written to the database (the rest are only compared or hashed).
STORED_HEADERS = ("Idempotency-Key",)


def unstorable(text: str) -> str | None:
    """Why PostgreSQL would refuse ``text``; None when it stores it."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    what = "NUL" if code == "U+0000" else "a lone surrogate"
    return f"holds {code} ({what}), which cannot be stored as text"


def shown(text: str) -> str:
    """``text`` with what cannot be stored written as ``\\uXXXX``: a name a problem can carry."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


async def reject_unstorable_text(request: Request) -> None:
    """An app-wide dependency: a 400 for the first parameter, stored header or body member
    that holds text PostgreSQL cannot store."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and (reason := unstorable(value)):
            raise InvalidParameter(name, reason)
    for name, value in request.query_params.multi_items():
        if reason := unstorable(name):
            raise InvalidParameter(shown(name), f"the parameter's name {reason}")
        if reason := unstorable(value):
            raise InvalidParameter(name, reason)
    for name in STORED_HEADERS:
        value = request.headers.get(name)
        if value is not None and (reason := unstorable(value)):
            raise InvalidParameter(name, reason)
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and route.body_field is not None and await request.body():
        try:
            # Parsed once: Starlette keeps the document FastAPI read for the route.
            document = await request.json()
        except (ValueError, RecursionError):
            return  # not JSON (or nested past what Python parses): FastAPI refuses it itself
        problem = next(_json_problems(document), None)
        if problem is not None:
            raise InvalidBody.at(*problem)


def _json_problems(document: Any) -> Iterator[tuple[str, str]]:
    """Each unstorable string of a JSON document, named as ``invalid_params`` name members
    (``properties.description``, ``aliases.0``; ``body`` for the document itself), in
    document order. A loop, not recursion: json.loads nests deeper than Python recurses."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), document)]
    while stack:
        at, value = stack.pop()
        if isinstance(value, str):
            if reason := unstorable(value):
                yield ".".join(at) or "body", reason
        elif isinstance(value, dict):
            members = []
            for key, item in value.items():
                if reason := unstorable(key):
                    yield ".".join((*at, shown(key))), f"the member's name {reason}"
                members.append(((*at, shown(key)), item))
            stack.extend(reversed(members))
        elif isinstance(value, list):
            stack.extend(((*at, str(i)), item) for i, item in reversed(list(enumerate(value))))
