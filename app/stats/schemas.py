"""What goes over the wire for statistics (OpenAPI shapes of the SQL-built JSON)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from app.events.queries import FilterQuery
from app.stats.grid import Shape
from app.stats.periods import Interval

MAX_TOP = 500


class GroupBy(StrEnum):
    type = "type"
    sub_type = "sub_type"
    governorate = "governorate"
    actor = "actor"


class TimeseriesQuery(FilterQuery):
    """Every filter of ``GET /events``, and how to cut the counts."""

    interval: Interval = Field(
        Interval.month,
        description="day, week (ISO, from Monday), month or year; each period is named by its "
        "first day",
    )
    group_by: GroupBy | None = Field(
        None,
        description="one series per event type, sub-type, governorate or actor (an event "
        "counts under each of its actors)",
    )
    top: int = Field(
        50,
        ge=1,
        le=MAX_TOP,
        description="with group_by: keep the groups with the most events",
    )
    f: Literal["json", "csv"] | None = Field(
        None, description="json (default) or csv (also with Accept: text/csv)"
    )


class GridQuery(FilterQuery):
    """Every filter of ``GET /events``, and the grid's cells."""

    shape: Shape = Field(Shape.hexagon, description="hexagon or square cells")
    size_km: float = Field(
        10.0,
        ge=1,
        le=500,
        allow_inf_nan=False,
        description="a square's side or a hexagon's side (a hexagon covers 2.6 size_km²), "
        "in km on an equal-area map",
    )


# The sums of every statistic, in their order (app/stats/repository.py MEASURES: how an
# event counts in each).
SUMS = ("fatalities", "fatalities_low", "fatalities_high", "civilian_fatalities")
_LOW = "low estimates: an event's low where known, else its best figure (unknown as 0)"
_HIGH = "high estimates: an event's high where known, else its best figure (unknown as 0)"
_CIVILIANS = "civilian deaths where known (unknown as 0)"


class Totals(BaseModel):
    count: list[int] = Field(description="events per period")
    fatalities: list[int] = Field(description="reported deaths per period (unknown as 0)")
    fatalities_low: list[int] = Field(description=f"per period, {_LOW}")
    fatalities_high: list[int] = Field(description=f"per period, {_HIGH}")
    civilian_fatalities: list[int] = Field(description=f"per period, {_CIVILIANS}")


class Series(Totals):
    group: str | None = Field(description="the type, sub-type, pcode or actor; null: none")


class Timeseries(BaseModel):
    """Counts per period, every period from the first to the last one present (zeros too)."""

    interval: Interval
    group_by: GroupBy | None
    periods: list[date] = Field(description="the first day of each period, oldest first")
    totals: Totals = Field(description="all matching events (each counted once)")
    series: list[Series] = Field(description="per group, largest first; [] without group_by")
    groups_matched: int | None = Field(description="groups found (top keeps the largest)")


class Tally(BaseModel):
    count: int
    fatalities: int = Field(description="reported deaths; unknown counts as 0")
    fatalities_low: int = Field(description=_LOW)
    fatalities_high: int = Field(description=_HIGH)
    civilian_fatalities: int = Field(description=_CIVILIANS)


class Total(Tally):
    first_date: date | None
    last_date: date | None


class GovernorateTally(Tally):
    governorate_pcode: str | None = Field(description="null: events without a governorate")
    name: str | None


class TypeTally(Tally):
    event_type: str


class Summary(BaseModel):
    total: Total
    by_governorate: list[GovernorateTally] = Field(description="all 14, zeros included")
    by_type: list[TypeTally] = Field(description="all ACLED event types, zeros included")


class CellProperties(BaseModel):
    col: int
    row: int
    count: int
    fatalities: int
    fatalities_low: int = Field(description=_LOW)
    fatalities_high: int = Field(description=_HIGH)
    civilian_fatalities: int = Field(description=_CIVILIANS)


class PolygonGeometry(BaseModel):
    type: Literal["Polygon"]
    coordinates: list[list[list[float]]]


class Cell(BaseModel):
    type: Literal["Feature"]
    id: str = Field(description="col_row: the same cell for the same shape and size")
    geometry: PolygonGeometry
    properties: CellProperties


class GridInfo(BaseModel):
    shape: Shape
    size_km: float
    cell_area_km2: float
    crs: str = Field(description="the equal-area projection the cells are laid on")


class Grid(BaseModel):
    """The cells that hold matching events, as GeoJSON."""

    type: Literal["FeatureCollection"]
    features: list[Cell]
    numberReturned: int
    grid: GridInfo
