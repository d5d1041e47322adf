"""What goes over the wire for reports."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

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
