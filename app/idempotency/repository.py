"""All SQL of idempotency keys."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

# How long a stored response answers a retry; after that the key may be used again.
RETENTION = "24 hours"


async def claim(conn: AsyncConnection, key_id: int, key: str, request_hash: str) -> bool:
    """Take the key for this request; False when a response is stored under it already.

    A concurrent request with the same key waits here on the unique index until the first
    commits (then finds its response) or rolls back (then takes the key itself).
    """
    taken = await conn.execute(
        text(
            "INSERT INTO idempotency_keys (api_key_id, key, request_hash)"
            " VALUES (:k, :key, :h)"
            " ON CONFLICT (api_key_id, key) DO UPDATE"
            " SET request_hash = EXCLUDED.request_hash, created_at = now(),"
            "     status_code = NULL, headers = NULL, body = NULL"
            f" WHERE idempotency_keys.created_at < now() - interval '{RETENTION}'"
            " RETURNING 1"
        ),
        {"k": key_id, "key": key, "h": request_hash},
    )
    return taken.first() is not None


async def stored(conn: AsyncConnection, key_id: int, key: str) -> Row[Any]:
    sql = (
        "SELECT request_hash, status_code, headers, body FROM idempotency_keys"
        " WHERE api_key_id = :k AND key = :key"
    )
    return (await conn.execute(text(sql), {"k": key_id, "key": key})).one()


async def store(
    conn: AsyncConnection,
    key_id: int,
    key: str,
    status: int,
    headers: dict[str, str],
    body: str,
) -> None:
    await conn.execute(
        text(
            "UPDATE idempotency_keys SET status_code = :s, headers = CAST(:hd AS jsonb),"
            " body = :b WHERE api_key_id = :k AND key = :key"
        ),
        {"s": status, "hd": orjson.dumps(headers).decode(), "b": body, "k": key_id, "key": key},
    )
