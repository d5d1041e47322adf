"""API keys: create, authenticate, list, revoke."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth import repository
from app.auth.keys import Role, display_prefix, hash_key, new_key
from app.auth.schemas import KeyCreated, KeyOut
from app.db import Database
from app.errors import Conflict, NotFound, Unauthorized


@dataclass(frozen=True)
class Principal:
    """Who is writing: the key's id, its holder's name and role."""

    key_id: int
    name: str
    role: Role


async def create_key(*, db: Database, name: str, role: Role, by: str | None = None) -> KeyCreated:
    """A new key; the secret is in the answer and nowhere else."""
    key = new_key()
    async with db.session() as session:
        conn = await session.connection()
        if await repository.name_in_use(conn, name):
            raise Conflict(f"an active key is already named '{name}'; revoke it first")
        row = await repository.insert(
            conn,
            name=name,
            role=role.value,
            prefix=display_prefix(key),
            key_hash=hash_key(key),
            by=by,
        )
    return KeyCreated(key=key, **row._mapping)


async def authenticate(*, db: Database, key: str) -> Principal:
    """The principal of an active key, recording its use; 401 for an unknown or revoked key."""
    async with db.session() as session:
        conn = await session.connection()
        row = await repository.find_active(conn, hash_key(key))
        if row is None:
            raise Unauthorized("unknown or revoked API key")
        await repository.touch(conn, row.id)
    return Principal(row.id, row.name, Role(row.role))


async def list_keys(*, db: Database, include_revoked: bool = False) -> list[KeyOut]:
    """Every key (never its secret), oldest first."""
    async with db.read_connection() as conn:
        rows = await repository.list_all(conn, include_revoked=include_revoked)
    return [KeyOut(**r._mapping) for r in rows]


async def revoke_key(*, db: Database, key_id: int) -> KeyOut:
    """Revoke a key at once; revoking twice keeps the first time."""
    async with db.session() as session:
        row = await repository.revoke(await session.connection(), key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id}")
    return KeyOut(**row._mapping)
