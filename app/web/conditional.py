"""Validators of generated bodies (RFC 9110 8.8.3, 13.1.2): an ETag from the bytes themselves,
and the ``If-None-Match`` test that turns a repeat request into a 304."""

from __future__ import annotations

import hashlib


def digest(body: bytes) -> str:
    """128 bits of ``body``'s hash, in hex: equal bytes, equal digest."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def digest_etag(body: bytes) -> str:
    """A strong validator: equal bytes, equal tag, whatever produced them."""
    return f'"{digest(body)}"'


def none_match(header: str | None, etag: str) -> bool:
    """True when ``If-None-Match`` names ``etag`` (or is ``*``): the client's copy is current.
    The comparison is weak, as RFC 9110 13.1.2 asks for this header."""
    if header is None:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags
