"""The gazetteer: governorates, places and every name a place goes by."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import Column, Computed, DateTime, Text, func
from sqlmodel import Field, SQLModel


class Governorate(SQLModel, table=True):
    __tablename__ = "governorates"

    pcode: str = Field(primary_key=True)
    name_en: str
    name_ar: str


class Place(SQLModel, table=True):
    __tablename__ = "places"

    id: str = Field(primary_key=True)
    name_en: str
    name_ar: str | None = None
    kind: str = Field(index=True)
    geom: Any = Field(
        sa_column=Column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    )
    area: Any = Field(
        default=None, sa_column=Column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))
    )
    pcode: str | None = Field(default=None, unique=True)
    governorate_pcode: str | None = Field(default=None, foreign_key="governorates.pcode")
    district_pcode: str | None = None
    country_code: str = Field(default="SY")
    population: int | None = None
    source: str
    source_id: str | None = None
    source_note: str | None = None
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    updated_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class PlaceName(SQLModel, table=True):
    __tablename__ = "place_names"

    id: int | None = Field(default=None, primary_key=True)
    place_id: str = Field(foreign_key="places.id", ondelete="CASCADE")
    name: str
    lang: str = "und"
    name_norm: str | None = Field(
        default=None, sa_column=Column(Text, Computed("se_normalize(name)", persisted=True))
    )
    is_preferred: bool = False
