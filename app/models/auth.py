"""API keys (only their hashes) and the stored responses of idempotent POSTs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, SmallInteger, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (
        Index(
            "uq_api_keys_name_active",
            "name",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str
    role: str
    key_prefix: str
    key_hash: str = Field(unique=True)
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=text("now()")),
    )
    created_by: str | None = None
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    api_key_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("api_keys.id"), primary_key=True)
    )
    key: str = Field(sa_column=Column(Text, primary_key=True))
    request_hash: str
    status_code: int | None = Field(default=None, sa_column=Column(SmallInteger))
    headers: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    body: str | None = None
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=text("now()")),
    )
