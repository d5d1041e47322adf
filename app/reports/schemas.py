"""What goes over the wire for reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.web.schemas import PlaceSummary


class MentionOut(BaseModel):
    text: str
    start: int
    end: int
    confidence: float
    method: str
    place: PlaceSummary


class FocusOut(BaseModel):
    place: PlaceSummary | None
    governorate_pcode: str | None


class ReportEventOut(BaseModel):
    id: str
    event_date: date
    event_type: str
    sub_event_type: str
    status: str
    quote: str | None
    quote_start: int | None
    quote_end: int | None


class ReportOut(BaseModel):
    id: str
    title: str | None
    body: str
    language: str
    url: str | None
    source: str | None
    published_at: datetime | None
    created_at: datetime
    content_hash: str
    focus: FocusOut
    mentions: list[MentionOut]
    events: list[ReportEventOut]


class ReportIn(BaseModel):
    """A report to store and geoparse."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    body: str = Field(description="the text (plain, or HTML reduced to its text)")
    title: str | None = Field(None, max_length=1000)
    url: str | None = Field(None, max_length=2000, pattern=r"^https?://\S+$")
    source: str | None = Field(None, max_length=300)
    published_at: datetime | None = Field(
        None, description="RFC 3339; relative dates in the text resolve against it"
    )
    language: Literal["ar", "en", "und"] | None = Field(
        None, description="detected from the text when absent"
    )
