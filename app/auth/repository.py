"""All SQL of API keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_COLUMNS = "id, name, role, key_prefix, created_at, created_by, revoked_at, last_used_at"


async def insert(
    conn: AsyncConnection, *, name: str, role: str, prefix: str, key_hash: str, by: str | None
) -> Row[Any]:
    sql = (
        "INSERT INTO api_keys (name, role, key_prefix, key_hash, created_by)"
        f" VALUES (:name, :role, :prefix, :hash, :by) RETURNING {_COLUMNS}"
    )
    params = {"name": name, "role": role, "prefix": prefix, "hash": key_hash, "by": by}
    return (await conn.execute(text(sql), params)).one()


async def name_in_use(conn: AsyncConnection, name: str) -> bool:
    sql = "SELECT 1 FROM api_keys WHERE name = :name AND revoked_at IS NULL"
    return (await conn.execute(text(sql), {"name": name})).first() is not None


async def find_active(conn: AsyncConnection, key_hash: str) -> Row[Any] | None:
    sql = f"SELECT {_COLUMNS} FROM api_keys WHERE key_hash = :hash AND revoked_at IS NULL"
    return (await conn.execute(text(sql), {"hash": key_hash})).first()


async def touch(conn: AsyncConnection, key_id: int) -> None:
    # At most one write a minute per key: last use is for audits, not per-request accounting.
    await conn.execute(
        text(
            "UPDATE api_keys SET last_used_at = now() WHERE id = :id"
            " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')"
        ),
        {"id": key_id},
    )


async def list_all(conn: AsyncConnection, *, include_revoked: bool) -> list[Row[Any]]:
    where = "" if include_revoked else " WHERE revoked_at IS NULL"
    sql = f"SELECT {_COLUMNS} FROM api_keys{where} ORDER BY id"
    return list((await conn.execute(text(sql))).all())


async def revoke(conn: AsyncConnection, key_id: int) -> Row[Any] | None:
    sql = (
        "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = :id"
        f" RETURNING {_COLUMNS}"
    )
    return (await conn.execute(text(sql), {"id": key_id})).first()
