"""What goes over the wire for reports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.web.schemas import PlaceSummary

MentionRole = Literal[
    "event",
    "province",
    "transit",
    "mention",
    "origin",
    "destination",
    "list",
    "speaker",
    "dateline",
    "byline",
    "tag",
]


class MentionOut(BaseModel):
    text: str
    start: int
    end: int
    confidence: float
    method: str
    role: MentionRole | None = Field(
        description="what the mention does in the report: `event` (where something reported "
        "happened), `province` (a province or countryside named as where the report is: "
        '"in Hasakeh province", "بريف إدلب"), `transit`, `origin` and `destination` of a '
        "journey, `list` (one of three or more places listed together), `speaker` (where "
        'something was said: "the London-based monitor", "Hmeimim air base said"), '
        "`dateline`, `byline`, `tag`, or `mention` (none of these). Null for reports stored "
        "before roles were recorded."
    )
    focus_weight: float | None = Field(
        description="the mention's vote for its governorate as the report's focus: confidence "
        "x kind of place x role x position (the lead counts double); 0 for places abroad, "
        "bylines and tags"
    )
    place: PlaceSummary


class FocusScore(BaseModel):
    governorate_pcode: str
    weight: float


class FocusOut(BaseModel):
    place: PlaceSummary | None
    governorate_pcode: str | None
    scores: list[FocusScore] = Field(
        description="every governorate's total vote (its mentions' focus_weight, title "
        "included), highest first: the focus is the first"
    )


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
    drafts_omitted: int = Field(
        description="draft events left out past the ceiling of drafts per report "
        "(SE_MAX_DRAFTS_PER_REPORT); 0 when every draft the text proposed was stored"
    )


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

    @field_validator("published_at")
    @classmethod
    def _storable(cls, value: datetime | None) -> datetime | None:
        """Strictly inside years 1..9999 in UTC: asyncpg stores the two ends of that range as
        -infinity and infinity, and an offset can push an instant past them."""
        if value is None:
            return None
        try:
            utc = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        except OverflowError:
            utc = None
        if utc is None or utc in (
            datetime.min.replace(tzinfo=UTC),
            datetime.max.replace(tzinfo=UTC),
        ):
            raise ValueError("must fall strictly within the years 1 to 9999 in UTC")
        return value
