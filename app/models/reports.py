"""Source documents and the places they mention, with the exact words and offsets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class Report(SQLModel, table=True):
    __tablename__ = "reports"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str | None = Field(
        default=None,
        sa_column=Column(
            Text, nullable=False, unique=True, server_default=text("se_public_id('rp')")
        ),
    )
    title: str | None = None
    body: str
    language: str = "und"
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    content_hash: str = Field(unique=True)
    focus_place_id: str | None = Field(default=None, foreign_key="places.id")
    focus_governorate_pcode: str | None = Field(default=None, foreign_key="governorates.pcode")
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    created_by: str | None = None
    # Draft events the text proposed past the ceiling per report (SE_MAX_DRAFTS_PER_REPORT).
    drafts_omitted: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    # Each governorate's vote for the focus (migration 0009); NULL for older reports.
    focus_scores: dict[str, float] | None = Field(
        default=None, sa_column=Column(JSONB(none_as_null=True))
    )


class ReportMention(SQLModel, table=True):
    __tablename__ = "report_mentions"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", ondelete="CASCADE")
    place_id: str = Field(foreign_key="places.id")
    text: str
    start_offset: int
    end_offset: int
    confidence: float
    method: str
    role: str | None = None  # event, speaker, dateline, list... (app.geoparse.roles)
    focus_weight: float | None = None
