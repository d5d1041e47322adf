"""What goes over the wire for places."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
