"""What goes over the wire for OGC API - Features (the documents' shapes, for OpenAPI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.events.queries import EventQuery
from app.events.schemas import EventDetail
from app.places.schemas import PlaceFeature, PlaceFeatureCollection
from app.web.schemas import Link


class FilterParams(BaseModel):
    """OGC API - Features Part 3: a CQL2 filter."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    filter: str | None = Field(
        None,
        description="a CQL2 filter over the collection's queryables, e.g. "
        "`fatalities > 5 AND S_INTERSECTS(geometry, BBOX(38, 33, 41.5, 36))`",
        examples=["event_type = 'Battles' AND T_AFTER(event_date, DATE('2017-01-01'))"],
    )
    filter_lang: Literal["cql2-text", "cql2-json"] | None = Field(
        None, alias="filter-lang", description="cql2-text (default) or cql2-json"
    )
    filter_crs: str | None = Field(
        None,
        alias="filter-crs",
        description="only http://www.opengis.net/def/crs/OGC/1.3/CRS84 (longitude, latitude)",
    )


class EventItemsQuery(EventQuery, FilterParams):
    """Every filter of ``GET /events``, and a CQL2 filter."""

    count: str | None = Field(
        None,
        description="exact (or true): numberMatched always (an exact count); estimate: "
        "numberMatchedEstimate (the planner's); none: neither; without it numberMatched "
        "is given when it is cheap (see the README)",
    )
    f: str | None = Field(None, description="geojson or json (default), csv or ndjson")


class PlaceItemsQuery(FilterParams):
    bbox: str | None = Field(None, description="minLon,minLat,maxLon,maxLat (CRS84)")
    limit: str | None = Field(None, description="page size (default 100, max 10000)")
    cursor: str | None = Field(None, description="opaque, from a `next` or `prev` link")
    f: str | None = Field(None, description="geojson or json (default), or ndjson")


class JSONQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    f: Literal["json"] | None = Field(None, description="json, the only format")


class FeatureQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    f: Literal["json", "geojson"] | None = Field(None, description="GeoJSON, the only format")


class Conformance(BaseModel):
    conformsTo: list[str]


class SpatialExtent(BaseModel):
    bbox: list[list[float]]
    crs: str


class TemporalExtent(BaseModel):
    interval: list[list[str | None]]
    trs: str


class Extent(BaseModel):
    spatial: SpatialExtent
    temporal: TemporalExtent | None = None


class Collection(BaseModel):
    id: str
    title: str
    description: str
    itemType: Literal["feature"]
    crs: list[str]
    storageCrs: str
    extent: Extent
    links: list[Link]


class Collections(BaseModel):
    collections: list[Collection]
    links: list[Link]


class Queryables(BaseModel):
    """A JSON Schema of the properties a filter may name."""

    model_config = ConfigDict(populate_by_name=True)

    schema_: str = Field(alias="$schema")
    id_: str = Field(alias="$id")
    type: Literal["object"]
    title: str
    properties: dict[str, dict[str, Any]]
    additionalProperties: bool


class PlaceItems(PlaceFeatureCollection):
    numberMatched: int | None = None


class EventItem(EventDetail):
    links: list[Link]


class PlaceItem(PlaceFeature):
    links: list[Link]
