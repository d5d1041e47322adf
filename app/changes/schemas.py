"""The change feed over the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.events.schemas import EventFeature
from app.web.schemas import Link


class ChangesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: str | None = Field(None, description="the `cursor` of the previous answer")
    limit: str | None = Field(None, description="changes per answer, default 100, max 10000")


class ChangeOut(BaseModel):
    change: Literal["created", "updated", "retracted"] = Field(
        description="created/updated: upsert `feature`; retracted: remove the event"
    )
    id: str
    version: int
    changed_at: datetime
    reason: str | None
    feature: EventFeature | None = Field(None, description="the event as of this version")
    retraction_reason: str | None = None
    merged_into: str | None = None


class ChangesOut(BaseModel):
    changes: list[ChangeOut]
    cursor: str = Field(description="pass as `since` to continue; also in the `next` link")
    links: list[Link]
