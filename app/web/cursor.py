"""Opaque keyset cursors: the position after the last row of a page.

A cursor is base64url JSON plus a short checksum, so a tampered or truncated one is refused
(400) instead of silently starting somewhere else. It carries no secret: any position it
could name is one the caller may read anyway.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson

from app.errors import InvalidParameter

_KIND = "k"


def _digest(payload: bytes) -> str:
    return hashlib.blake2b(payload, digest_size=6, person=b"se-cursor").hexdigest()


def encode_cursor(kind: str, position: list[Any]) -> str:
    payload = orjson.dumps({_KIND: kind, "p": position})
    token = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"{token}.{_digest(payload)}"


def decode_cursor(raw: str, kind: str, name: str = "cursor") -> list[Any]:
    token, _, check = raw.partition(".")
    try:
        payload = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = orjson.loads(payload)
    except (ValueError, orjson.JSONDecodeError):
        raise InvalidParameter(name, "not a cursor from a 'next' link") from None
    if check != _digest(payload) or not isinstance(data, dict) or data.get(_KIND) != kind:
        raise InvalidParameter(name, "not a cursor from a 'next' link of this endpoint")
    position = data.get("p")
    if not isinstance(position, list):
        raise InvalidParameter(name, "not a cursor from a 'next' link")
    return position
