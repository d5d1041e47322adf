"""What goes over the wire for events (OpenAPI shapes of the SQL-built JSON)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.taxonomy import EVENT_TYPES, SUB_EVENT_TYPES
from app.web.schemas import Link, PlaceSummary, PointGeometry


class EventActorOut(BaseModel):
    name: str
    side: Literal["actor1", "actor2", "assoc_actor_1", "assoc_actor_2"]


class EventProperties(BaseModel):
    event_date: date
    time_precision: int = Field(description="1 day, 2 week, 3 month (or year)")
    event_type: str
    sub_event_type: str
    description: str
    fatalities: int | None = Field(description="reported deaths, the best figure (null: unknown)")
    fatalities_low: int | None = Field(description="the low estimate (UCDP's low), if known")
    fatalities_high: int | None = Field(description="the high estimate (UCDP's high), if known")
    civilian_fatalities: int | None = Field(description="civilian deaths, if known")
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


class EventListProperties(BaseModel):
    """An event's properties on a list: all of them, or those ``properties=`` names."""

    event_date: date | None = None
    time_precision: int | None = None
    event_type: str | None = None
    sub_event_type: str | None = None
    description: str | None = None
    fatalities: int | None = None
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    civilian_fatalities: int | None = None
    geo_precision: int | None = None
    governorate_pcode: str | None = None
    place_id: str | None = None
    place_name: str | None = None
    place_name_ar: str | None = None
    actor1: str | None = None
    actor2: str | None = None
    actors: list[EventActorOut] | None = None
    source: str | None = None
    status: Literal["draft", "published", "retracted"] | None = None
    version: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class EventListFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: PointGeometry | None = Field(description="null with skipGeometry=true")
    properties: EventListProperties


class EventFeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[EventListFeature]
    numberReturned: int
    numberMatched: int | None = Field(None, description="exact, when counted")
    numberMatchedEstimate: int | None = Field(
        None, description="the planner's estimate, with count=estimate: never a count"
    )
    timeStamp: datetime
    links: list[Link] = Field(
        description="self, next; and cite-as: this request with as_of pinned to the data it read"
    )
    citation: str | None = Field(None, description="a line to cite this answer by")


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
    merged_into: str | None


class EventDetail(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: PointGeometry
    properties: EventDetailProperties


# What a client may write. Fields the server sets are refused by name, not ignored, so that a
# client never believes it changed a version, an author or a status it cannot change.
READ_ONLY = frozenset(
    {
        "id",
        "version",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "retraction_reason",
        "merged_into",
        "place_name",
        "place_name_ar",
        "places",
    }
)
PCODE = r"^SY(0[1-9]|1[0-4])$"


def _refuse_read_only(value: object) -> object:
    if isinstance(value, dict):
        for name in sorted(READ_ONLY & value.keys()):
            raise ValueError(f"'{name}' is set by the server and cannot be written")
    return value


class ActorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    side: Literal["actor1", "actor2", "assoc_actor_1", "assoc_actor_2"] = "actor1"


class ReportLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(max_length=64, description="a report's id (rp_...)")
    quote: str | None = Field(None, max_length=5000, description="the words that tell of it")


class EventPropertiesIn(BaseModel):
    """An event as analysts write it (ACLED's fields and taxonomy)."""

    model_config = ConfigDict(extra="forbid")

    event_date: date = Field(
        ge=date(1900, 1, 1), description="the day it happened (not in the future)"
    )
    time_precision: int = Field(
        1, strict=True, ge=1, le=3, description="1 day, 2 week, 3 month (or year)"
    )
    event_type: str = Field(
        max_length=100, json_schema_extra={"enum": list(EVENT_TYPES)}, description="ACLED's"
    )
    sub_event_type: str = Field(
        max_length=100,
        json_schema_extra={"enum": list(SUB_EVENT_TYPES)},
        description="one of the event type's ACLED sub-event types",
    )
    description: str = Field("", max_length=20000)
    fatalities: int | None = Field(
        None, strict=True, ge=0, le=1_000_000, description="deaths, the best figure"
    )
    fatalities_low: int | None = Field(
        None, strict=True, ge=0, le=1_000_000, description="the low estimate: at most fatalities"
    )
    fatalities_high: int | None = Field(
        None, strict=True, ge=0, le=1_000_000, description="the high estimate: at least fatalities"
    )
    civilian_fatalities: int | None = Field(
        None,
        strict=True,
        ge=0,
        le=1_000_000,
        description="civilian deaths: at most fatalities_high (or fatalities)",
    )
    geo_precision: int = Field(
        1, strict=True, ge=1, le=3, description="1 the place, 2 near it, 3 a region"
    )
    place_id: str | None = Field(None, max_length=200, description="a gazetteer place id")
    governorate_pcode: str | None = Field(
        None, pattern=PCODE, description="from the location when absent"
    )
    actor1: str | None = Field(None, max_length=300, description="shorthand for actors[actor1]")
    actor2: str | None = Field(None, max_length=300, description="shorthand for actors[actor2]")
    actors: list[ActorIn] | None = Field(None, max_length=50)
    reports: list[ReportLinkIn] | None = Field(None, max_length=200)
    source: str = Field("analyst", min_length=1, max_length=100)
    source_id: str | None = Field(None, max_length=200)
    status: Literal["draft", "published"] | None = Field(
        None, description="editors only; new events are drafts unless an editor says otherwise"
    )

    _read_only = model_validator(mode="before")(_refuse_read_only)

    @field_validator("event_date")
    @classmethod
    def _not_future(cls, value: date) -> date:
        # A day of slack: "today" somewhere east of UTC is already tomorrow here.
        if value > datetime.now(UTC).date() + timedelta(days=1):
            raise ValueError("an event cannot be dated in the future")
        return value

    @model_validator(mode="after")
    def _a_range(self) -> EventPropertiesIn:
        # The checks of migration 0010, each where both of its figures are known.
        for name, reason in fatality_range_problems(
            self.fatalities, self.fatalities_low, self.fatalities_high, self.civilian_fatalities
        ):
            raise PydanticCustomError("fatality_range", f"{name}: {reason}")
        return self


def fatality_range_problems(
    best: int | None, low: int | None, high: int | None, civilians: int | None
) -> list[tuple[str, str]]:
    """What breaks low <= fatalities <= high and civilians <= high (or fatalities), each
    compared only where both figures are known; the field to blame and why."""
    found: list[tuple[str, str]] = []
    if low is not None and best is not None and low > best:
        found.append(("fatalities_low", f"{low} is more than fatalities ({best})"))
    if high is not None and best is not None and best > high:
        found.append(("fatalities_high", f"{high} is less than fatalities ({best})"))
    if low is not None and high is not None and low > high:
        found.append(("fatalities_low", f"{low} is more than fatalities_high ({high})"))
    ceiling = high if high is not None else best
    if civilians is not None and ceiling is not None and civilians > ceiling:
        which = "fatalities_high" if high is not None else "fatalities"
        found.append(("civilian_fatalities", f"{civilians} is more than {which} ({ceiling})"))
    return found


class WritePoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["Point"]
    coordinates: list[Annotated[float, Field(strict=True, ge=-180, le=180)]] = Field(
        min_length=2, max_length=3, description="[longitude -180..180, latitude -90..90]"
    )

    @field_validator("coordinates")
    @classmethod
    def _lon_lat(cls, value: list[float]) -> list[float]:
        lon, lat = value[0], value[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError("coordinates are [longitude, latitude] within -180..180, -90..90")
        return value[:2]


class EventIn(BaseModel):
    """A new event: a GeoJSON Feature with a Point (RFC 7946, lon/lat)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [40.14, 35.33]},
                    "properties": {
                        "event_date": "2017-09-05",
                        "event_type": "Battles",
                        "sub_event_type": "Armed clash",
                        "description": "Clashes near the airport",
                        "fatalities": 3,
                        "actor1": "Military Forces of Syria (2000-2024)",
                    },
                }
            ]
        },
    )

    type: Literal["Feature"]
    geometry: WritePoint
    properties: EventPropertiesIn

    _read_only = model_validator(mode="before")(_refuse_read_only)


class EventPatch(BaseModel):
    """A JSON merge patch (RFC 7396) of an event: members given replace, null removes."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["Feature"] | None = None
    geometry: WritePoint | None = None
    properties: dict[str, Any] | None = Field(
        None, description="any writable property of an event; status is not (use publish)"
    )

    _read_only = model_validator(mode="before")(_refuse_read_only)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: str = Field(max_length=64, description="the original event's id")
    reason: str | None = Field(None, max_length=2000)


class FieldChange(BaseModel):
    before: Any = Field(alias="from")
    after: Any = Field(alias="to")


class VersionOut(BaseModel):
    version: int
    op: Literal["create", "update", "publish", "retract", "merge"]
    changed_at: datetime
    changed_by: str | None
    reason: str | None
    changes: dict[str, FieldChange]


class HistoryOut(BaseModel):
    id: str
    versions: list[VersionOut]
