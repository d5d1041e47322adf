"""The query parameters of event reads, as OpenAPI documents them and the strict-query check
accepts them (the values themselves are parsed by app/events/filters.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Filters(BaseModel):
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
    status: str | None = Field(
        None,
        description="published (default), retracted, draft (drafts need a key: an analyst "
        "sees its own, an editor all)",
    )
    updated_since: str | None = Field(
        None,
        description="RFC 3339 date-time: events changed at or after it (for exact sync, "
        "use /changes)",
        examples=["2024-05-01T00:00:00Z"],
    )
    as_of: str | None = Field(
        None,
        description="RFC 3339 date-time: the events as they stood then (from their history)",
        examples=["2024-05-01T00:00:00Z"],
    )


def _place() -> Any:
    return Field(
        None,
        description="a place id: events linked to it or inside "
        "its area; with radius_km, events within that distance",
    )


class FilterQuery(_Filters):
    """Every filter of ``GET /events`` and no paging: what tiles and statistics take."""

    place: str | None = _place()


class PlaceEventQuery(_Filters):
    """The common filters but ``place``, with paging and format."""

    limit: str | None = Field(
        None,
        description="page size, default 100, larger than 10000 "
        "is clamped; CSV/NDJSON without limit stream every match",
    )
    cursor: str | None = Field(None, description="opaque, from a `next` link")
    count: str | None = Field(
        None,
        description="exact (or true): numberMatched, one COUNT of every match; estimate: "
        "numberMatchedEstimate, the planner's estimate (instant, approximate); none: neither",
    )
    sortby: str | None = Field(
        None,
        description="the order, OGC API style: comma-separated event_date, fatalities, "
        "updated_at, created_at, each ascending or with a leading '-' descending "
        "(default -event_date: newest first; ties by id; missing fatalities sort lowest); "
        "next links page exactly through any order",
        examples=["-fatalities,event_date"],
    )
    properties: str | None = Field(
        None,
        description="only these properties (comma-separated; Features keep type and id, CSV "
        "keeps the id column), in the collection's order; not with f=acled",
        examples=["event_date,event_type,fatalities"],
    )
    skipGeometry: str | None = Field(
        None,
        description="true: Features without geometry (null), CSV without latitude/longitude",
    )
    f: str | None = Field(
        None,
        description="geojson (default), csv, ndjson, acled (CSV in ACLED's columns), "
        "parquet (GeoParquet 1.1) or fgb (FlatGeobuf)",
    )


class EventQuery(PlaceEventQuery):
    """The common filters of ``GET /events``."""

    place: str | None = _place()
