"""What goes over the wire for places."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.events.schemas import PCODE, WritePoint
from app.web.schemas import Link, PlaceSummary, PointGeometry


class PlaceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(
        None, description="a name in Arabic or English, best match first", examples=["دير الزور"]
    )
    kind: str | None = Field(None, description="place kinds, comma-separated (airport, ...)")
    bbox: str | None = Field(None, description="minLon,minLat,maxLon,maxLat (CRS84)")
    near: str | None = Field(None, description="lon,lat: nearest first")
    radius_km: str | None = Field(None, description="with near: only within this distance")
    limit: str | None = Field(None, description="page size (default 100, max 10000)")
    cursor: str | None = Field(None, description="opaque, from a `next` link")


class PlaceProperties(PlaceSummary):
    pcode: str | None
    country_code: str
    population: int | None
    aliases: list[str]
    has_area: bool
    source: str
    source_id: str | None


class PlaceFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: PointGeometry
    properties: PlaceProperties


class PlaceFeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[PlaceFeature]
    numberReturned: int
    timeStamp: datetime
    links: list[Link]


class PlaceWrite(BaseModel):
    """What editors may change of a place; in a PATCH every member is optional."""

    model_config = ConfigDict(extra="forbid")

    name_en: str | None = Field(None, min_length=1, max_length=300)
    name_ar: str | None = Field(None, min_length=1, max_length=300)
    kind: str | None = Field(None, description="airport, city, village, ... (see /places?kind=)")
    geometry: WritePoint | None = None
    governorate_pcode: str | None = Field(None, pattern=PCODE)
    population: int | None = Field(None, ge=0, le=50_000_000)
    aliases: list[Annotated[str, Field(min_length=1, max_length=300)]] | None = Field(
        None, max_length=200, description="other names, any script; replaces the list"
    )


class PlaceIn(PlaceWrite):
    """A new gazetteer place."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._:-]{0,127}$", examples=["sy-hazano"])
    name_en: str = Field(min_length=1, max_length=300)
    kind: str
    geometry: WritePoint
