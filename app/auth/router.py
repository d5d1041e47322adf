"""HTTP for API keys (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.auth import service
from app.auth.dependencies import Admin
from app.auth.schemas import KeyCreated, KeyIn, KeyOut
from app.db import DatabaseDep
from app.web.schemas import AUTH_RESPONSES, PROBLEM_RESPONSES, problem_response

router = APIRouter(tags=["keys"])


@router.get("/keys", summary="List API keys", responses=AUTH_RESPONSES)
async def list_keys(
    db: DatabaseDep, _admin: Admin, include_revoked: Annotated[bool, Query()] = False
) -> list[KeyOut]:
    """Every key with its role and last use; never a secret."""
    return await service.list_keys(db=db, include_revoked=include_revoked)


@router.post(
    "/keys",
    summary="Create an API key",
    status_code=201,
    responses={**AUTH_RESPONSES, 409: problem_response("An active key has that name")},
)
async def create_key(db: DatabaseDep, admin: Admin, key_in: KeyIn) -> KeyCreated:
    """A new key for a person and role; the secret is in this answer only."""
    return await service.create_key(db=db, name=key_in.name, role=key_in.role, by=admin.name)


@router.delete(
    "/keys/{key_id}",
    summary="Revoke an API key",
    responses={**AUTH_RESPONSES, 404: PROBLEM_RESPONSES[404]},
)
async def revoke_key(
    db: DatabaseDep, _admin: Admin, key_id: Annotated[int, Path(ge=1, le=2**62)]
) -> KeyOut:
    """Revoke a key at once; its drafts and history stay under its name."""
    return await service.revoke_key(db=db, key_id=key_id)
