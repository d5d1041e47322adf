"""``Idempotency-Key`` on POST: a retried request answers what the first one did.

The key is claimed and the response stored in the transaction of the write itself, so either
both the write and its stored response commit, or neither does: a retry after a crash
creates the object once, and a retry after a lost response gets the original answer.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from app.errors import IdempotencyKeyReused, InvalidParameter
from app.idempotency import repository

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass
class StoredResponse:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False


def check_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not _KEY.match(raw):
        raise InvalidParameter("Idempotency-Key", "1 to 255 visible ASCII characters")
    return raw


def fingerprint(method: str, path: str, payload: str) -> str:
    return hashlib.sha256(f"{method} {path}\n{payload}".encode()).hexdigest()


async def replay_or_claim(
    conn: AsyncConnection, key_id: int, key: str, request_hash: str
) -> StoredResponse | None:
    """The stored response of an earlier request with this key, or None to go ahead."""
    if await repository.claim(conn, key_id, key, request_hash):
        return None
    row = await repository.stored(conn, key_id, key)
    if row.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request; use a new key"
        )
    return StoredResponse(row.status_code, row.body, dict(row.headers or {}), replayed=True)


async def remember(conn: AsyncConnection, key_id: int, key: str, response: StoredResponse) -> None:
    await repository.store(conn, key_id, key, response.status, response.headers, response.body)
