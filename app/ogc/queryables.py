"""The queryables of each collection: what a CQL2 filter may name, and the SQL it stands for.

A filter names properties only through these maps, so a filter can never reach a column that
is not listed here, and each property's type decides how a literal compared with it is read
(``'2017-01-05'`` is a date against ``event_date``, a 400 against ``fatalities``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.taxonomy import EVENT_TYPES, GOVERNORATES, PLACE_KINDS, STATUSES, SUB_EVENT_TYPES


class Kind(StrEnum):
    string = "string"
    integer = "integer"
    number = "number"
    boolean = "boolean"
    date = "date"
    timestamp = "timestamp"
    geometry = "geometry"


TEMPORAL = frozenset({Kind.date, Kind.timestamp})
NUMERIC = frozenset({Kind.integer, Kind.number})


@dataclass(frozen=True)
class Queryable:
    name: str
    sql: str
    kind: Kind
    description: str
    enum: tuple[str | int, ...] | None = None
    # OGC API - Features Part 5 roles: the primary geometry and the primary instant.
    role: str | None = None

    def schema(self) -> dict[str, Any]:
        """This property's JSON Schema, as the queryables document lists it."""
        out: dict[str, Any] = {"title": self.name, "description": self.description}
        if self.kind is Kind.geometry:
            out["format"] = "geometry-point"
        elif self.kind is Kind.date:
            out.update(type="string", format="date")
        elif self.kind is Kind.timestamp:
            out.update(type="string", format="date-time")
        else:
            out["type"] = self.kind.value
        if self.enum is not None:
            out["enum"] = list(self.enum)
        if self.role is not None:
            out["x-ogc-role"] = self.role
        return out


def _index(*queryables: Queryable) -> dict[str, Queryable]:
    return {q.name: q for q in queryables}


# Over ``e``, the events source of app.events.repository (live, or as of a date).
EVENTS = _index(
    Queryable(
        "geometry", "e.geom", Kind.geometry, "where it happened (a point)", role="primary-geometry"
    ),
    Queryable("id", "e.public_id", Kind.string, "the event's public id (ev_...)"),
    Queryable(
        "event_date",
        "e.event_date",
        Kind.date,
        "the day it happened; a timestamp compared with it counts as its UTC day",
        role="primary-instant",
    ),
    Queryable(
        "time_precision", "e.time_precision", Kind.integer, "1 day, 2 week, 3 month", enum=(1, 2, 3)
    ),
    Queryable(
        "event_type", "e.event_type", Kind.string, "ACLED event type", enum=tuple(EVENT_TYPES)
    ),
    Queryable(
        "sub_event_type",
        "e.sub_event_type",
        Kind.string,
        "ACLED sub-event type",
        enum=tuple(SUB_EVENT_TYPES),
    ),
    Queryable("description", "e.description", Kind.string, "what happened, as written"),
    Queryable("fatalities", "e.fatalities", Kind.integer, "reported deaths (null: unknown)"),
    Queryable(
        "fatalities_low", "e.fatalities_low", Kind.integer, "low estimate of deaths (UCDP's low)"
    ),
    Queryable(
        "fatalities_high",
        "e.fatalities_high",
        Kind.integer,
        "high estimate of deaths (UCDP's high)",
    ),
    Queryable(
        "civilian_fatalities", "e.civilian_fatalities", Kind.integer, "civilian deaths, if known"
    ),
    Queryable(
        "geo_precision",
        "e.geo_precision",
        Kind.integer,
        "1 the place itself, 2 near it, 3 a larger region",
        enum=(1, 2, 3),
    ),
    Queryable(
        "governorate_pcode",
        "e.governorate_pcode",
        Kind.string,
        "OCHA pcode of the governorate",
        enum=tuple(GOVERNORATES),
    ),
    Queryable("place_id", "e.place_id", Kind.string, "the gazetteer id of its primary place"),
    Queryable("source", "e.source", Kind.string, "where the event came from"),
    Queryable(
        "status",
        "e.status",
        Kind.string,
        "published, retracted or draft; only statuses the `status` parameter lets through "
        "can match (drafts need a key)",
        enum=STATUSES,
    ),
    Queryable("version", "e.version", Kind.integer, "the event's version"),
    Queryable("created_at", "e.created_at", Kind.timestamp, "when it was first stored"),
    Queryable("updated_at", "e.updated_at", Kind.timestamp, "when it last changed"),
)

# Over ``pl``, the places table.
PLACES = _index(
    Queryable(
        "geometry", "pl.geom", Kind.geometry, "a representative point", role="primary-geometry"
    ),
    Queryable("id", "pl.id", Kind.string, "the gazetteer id"),
    Queryable("name_en", "pl.name_en", Kind.string, "the English name"),
    Queryable("name_ar", "pl.name_ar", Kind.string, "the Arabic name"),
    Queryable("kind", "pl.kind", Kind.string, "what kind of place", enum=tuple(PLACE_KINDS)),
    Queryable(
        "governorate_pcode",
        "pl.governorate_pcode",
        Kind.string,
        "OCHA pcode of the governorate (null outside Syria)",
        enum=tuple(GOVERNORATES),
    ),
    Queryable("pcode", "pl.pcode", Kind.string, "the place's own OCHA pcode"),
    Queryable("country_code", "pl.country_code", Kind.string, "ISO 3166-1 alpha-2"),
    Queryable("population", "pl.population", Kind.integer, "population, when known"),
    Queryable("source", "pl.source", Kind.string, "the layer it came from"),
    Queryable("source_id", "pl.source_id", Kind.string, "its id in that source"),
)


def schema_document(queryables: dict[str, Queryable], title: str, url: str) -> dict[str, Any]:
    """The queryables as a JSON Schema (OGC API - Features Part 3)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": title,
        "properties": {name: q.schema() for name, q in queryables.items()},
        "additionalProperties": False,
    }
