"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from app.db import DatabaseDep
from app.errors import Unavailable
from app.web.schemas import PROBLEM_RESPONSES

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    """The process is up (says nothing of the database)."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness", responses={503: PROBLEM_RESPONSES[503]})
async def readyz(db: DatabaseDep) -> dict[str, Any]:
    """The primary answers and the schema is migrated. With replicas, each one's state as
    the last check found it (``ok``, ``lagging``: skipped, ``down``: skipped) and its lag; a
    replica never makes the API unready, since reads then go to the primary."""
    try:
        async with asyncio.timeout(3):
            async with db.read_connection() as conn:
                revision = (
                    await conn.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar_one_or_none()
    except Exception as exc:  # any failure to reach the database means not ready
        raise Unavailable(f"database not reachable: {type(exc).__name__}") from exc
    ready: dict[str, Any] = {"status": "ready", "schema_revision": revision}
    if db.replicas:
        ready["replicas"] = db.replicas.report()
    return ready
