"""What goes over the wire for HAPI-shaped aggregates: HAPI v1's query parameters and fields.

Field names, their order (that of HAPI's CSV), the ``{"data": [...]}`` envelope, ``offset`` /
``limit`` (at most 10,000) and ``output_format`` are HAPI's; what HAPI leaves to its own
database (``*_ref`` ids, ``resource_hdx_id``) is said on each field.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field

# HAPI's own ceiling for one page.
MAX_LIMIT = 10_000


class HapiEventType(StrEnum):
    political_violence = "political_violence"
    civilian_targeting = "civilian_targeting"
    demonstration = "demonstration"


class AdminLevel(StrEnum):
    country = "0"
    admin1 = "1"
    admin2 = "2"


class OutputFormat(StrEnum):
    json = "json"
    csv = "csv"


def _iso_date(value: object) -> object:
    """A date written as ISO 8601 (YYYY-MM-DD, or a date-time as HAPI also takes): pydantic
    alone would take "0" for a Unix time."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value.strip()):
        raise ValueError("expected a date YYYY-MM-DD")
    return value


_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class ConflictEventQuery(BaseModel):
    """The filters of HAPI v1's conflict-event endpoint, its paging and its format."""

    event_type: HapiEventType | None = Field(
        None,
        description="political_violence, civilian_targeting (a subset of political violence) "
        "or demonstration",
    )
    location_ref: int | None = Field(None, description="1: Syria, the only location here")
    location_code: str | None = Field(
        None, max_length=128, description="ISO 3166 alpha-3, case-insensitive: SYR"
    )
    location_name: str | None = Field(
        None, max_length=512, description="part of 'Syrian Arab Republic', case-insensitive"
    )
    admin1_ref: int | None = Field(None, description="the admin1 pcode's number (SY02: 2)")
    admin1_code: str | None = Field(
        None, max_length=128, description="OCHA COD admin1 pcode (governorate), e.g. SY02"
    )
    admin1_name: str | None = Field(
        None, max_length=512, description="part of the governorate's OCHA name, case-insensitive"
    )
    admin2_ref: int | None = Field(None, description="the admin2 pcode's number (SY0200: 200)")
    admin2_code: str | None = Field(
        None, max_length=128, description="OCHA COD admin2 pcode (district), e.g. SY0200"
    )
    admin2_name: str | None = Field(
        None, max_length=512, description="part of the district's OCHA name, case-insensitive"
    )
    admin_level: AdminLevel | None = Field(
        None,
        description="0: rows of events without a governorate; 1: with a governorate but no "
        "district; 2: with a district",
    )
    start_date: IsoDate | None = Field(
        None, description="months ending on or after this day (e.g. 2024-01-01)"
    )
    end_date: IsoDate | None = Field(
        None, description="months starting on or before this day (e.g. 2024-12-31)"
    )
    output_format: OutputFormat = Field(
        OutputFormat.json, description="json (the data envelope) or csv (the same columns)"
    )
    offset: int = Field(0, ge=0, description="rows to skip, with limit to page")
    limit: int = Field(MAX_LIMIT, ge=0, le=MAX_LIMIT, description="at most this many rows")
    app_identifier: str | None = Field(
        None,
        max_length=512,
        description="accepted for HAPI clients, which send it; not required, not checked",
    )


class ConflictEvent(BaseModel):
    """One month of events of one HAPI event type in one admin area."""

    location_ref: int = Field(description="1: Syria")
    location_code: str = Field(description="SYR")
    location_name: str = Field(description="Syrian Arab Republic (UN M49 short name)")
    admin1_ref: int | None = Field(description="the admin1 pcode's number; null: none")
    admin1_code: str | None = Field(description="governorate pcode; null: none")
    admin1_name: str | None = Field(description="governorate's OCHA name")
    admin2_ref: int | None = Field(description="the admin2 pcode's number; null: none")
    admin2_code: str | None = Field(description="district pcode; null: none")
    admin2_name: str | None = Field(description="district's OCHA name, from the gazetteer")
    resource_hdx_id: str | None = Field(description="always null: these are not on HDX")
    event_type: HapiEventType
    events: int = Field(description="published events of this type, area and month")
    fatalities: int | None = Field(
        description="their reported deaths (unknown as 0); null for demonstration, as in HAPI"
    )
    reference_period_start: str = Field(description="the month's first day, T00:00:00")
    reference_period_end: str = Field(description="the month's last day, T23:59:59")


class ConflictEventPage(BaseModel):
    data: list[ConflictEvent]


COLUMNS: tuple[str, ...] = tuple(ConflictEvent.model_fields)
