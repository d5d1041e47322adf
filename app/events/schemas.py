"""What goes over the wire for events (OpenAPI shapes of the SQL-built JSON)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.web.schemas import Link, PlaceSummary, PointGeometry


class PlaceEventQuery(BaseModel):
    """The common filters but ``place``; parsed and validated by ``app.events.filters``."""

    model_config = ConfigDict(extra="forbid")

    bbox: str | None = Field(
        None, description="minLon,minLat,maxLon,maxLat (CRS84)", examples=["38,33,41.5,36"]
    )
    datetime: str | None = Field(
        None,
        description="RFC 3339 date or date-time, or an interval start/end, ../end, "
        "start/.. (inclusive days, UTC)",
        examples=["2017-01-01/2017-12-31"],
    )
    type: str | None = Field(
        None, description="ACLED event_type, comma-separated", examples=["Battles"]
    )
    sub_type: str | None = Field(
        None, description="ACLED sub_event_type, comma-separated", examples=["Air/drone strike"]
    )
    actor: str | None = Field(None, description="part of an actor's name")
    radius_km: str | None = Field(None, description="distance from the place, in km (0 < r <= 500)")
    governorate: str | None = Field(None, description="OCHA pcodes SY01..SY14, comma-separated")
    q: str | None = Field(
        None,
        description="words that must all appear in the description "
        "(Arabic or English; hamza, taa marbuta and diacritics ignored)",
    )
    status: str | None = Field(None, description="draft, published (default), retracted")
    limit: str | None = Field(
        None,
        description="page size, default 100, larger than 10000 "
        "is clamped; CSV/NDJSON without limit stream every match",
    )
    cursor: str | None = Field(None, description="opaque, from a `next` link")
    count: str | None = Field(None, description="true adds numberMatched (one COUNT query)")
    f: str | None = Field(None, description="geojson (default), csv or ndjson")


class EventQuery(PlaceEventQuery):
    """The common filters of ``GET /events``."""

    place: str | None = Field(
        None,
        description="a place id: events linked to it or inside "
        "its area; with radius_km, events within that distance",
    )


class EventActorOut(BaseModel):
    name: str
    side: Literal["actor1", "actor2", "assoc_actor_1", "assoc_actor_2"]


class EventProperties(BaseModel):
    event_date: date
    time_precision: int = Field(description="1 day, 2 week, 3 month (or year)")
    event_type: str
    sub_event_type: str
    description: str
    fatalities: int | None
    geo_precision: int = Field(description="1 the place itself, 2 near it, 3 a larger region")
    governorate_pcode: str | None
    place_id: str | None
    place_name: str | None
    place_name_ar: str | None
    actor1: str | None
    actor2: str | None
    actors: list[EventActorOut]
    source: str
    status: Literal["draft", "published", "retracted"]
    version: int
    created_at: datetime
    updated_at: datetime


class EventFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: PointGeometry
    properties: EventProperties


class EventFeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[EventFeature]
    numberReturned: int
    numberMatched: int | None = None
    timeStamp: datetime
    links: list[Link]


class EventPlaceOut(PlaceSummary):
    role: str


class EventReportOut(BaseModel):
    id: str
    title: str | None
    url: str | None
    source: str | None
    language: str
    published_at: datetime | None
    quote: str | None
    quote_start: int | None
    quote_end: int | None


class EventDetailProperties(EventProperties):
    places: list[EventPlaceOut]
    reports: list[EventReportOut]
    retraction_reason: str | None


class EventDetail(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: PointGeometry
    properties: EventDetailProperties
