"""API keys over the wire: the secret appears once, in the answer to its creation."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.auth.keys import Role


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$",
        description="who holds the key; owns its drafts, appears in history",
    )
    role: Role


class KeyOut(BaseModel):
    id: int
    name: str
    role: Role
    key_prefix: str = Field(description="the key's first characters, to recognise it")
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class KeyCreated(KeyOut):
    key: str = Field(description="the secret: shown once, only its hash is stored")
