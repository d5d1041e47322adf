"""Many events in one INSERT or UPDATE: each column bound as one array (``unnest``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# The array type of each column a bulk insert may bind; lon and lat make the point.
COLUMN_TYPES = {
    "event_date": "date",
    "time_precision": "int",
    "event_type": "text",
    "sub_event_type": "text",
    "description": "text",
    "fatalities": "int",
    "fatalities_low": "int",
    "fatalities_high": "int",
    "civilian_fatalities": "int",
    "geo_precision": "int",
    "place_id": "text",
    "governorate_pcode": "text",
    "district_pcode": "text",
    "source_id": "text",
    "source_version": "text",
    "lon": "float8",
    "lat": "float8",
}


def _unnest(columns: Sequence[str], types: Mapping[str, str] = COLUMN_TYPES) -> str:
    arrays = ", ".join(f"CAST(:{c} AS {types[c]}[])" for c in columns)
    return f"unnest({arrays}) AS x({', '.join(columns)})"


def insert_events(columns: Sequence[str], constants: Mapping[str, str]) -> str:
    """``INSERT INTO events ... SELECT FROM unnest(:column arrays)``: ``columns`` bound as
    arrays of one element per event (``lon`` and ``lat`` make ``geom``), ``constants`` SQL
    expressions the same for every row (``'draft'``, ``:author``)."""
    stored = [c for c in columns if c not in ("lon", "lat")]
    return f"""
INSERT INTO events ({", ".join([*stored, "geom", *constants])})
SELECT {", ".join(f"x.{c}" for c in stored)}, ST_SetSRID(ST_MakePoint(x.lon, x.lat), 4326),
       {", ".join(constants.values())}
FROM {_unnest(columns)}"""


def update_events(columns: Sequence[str], constants: Mapping[str, str]) -> str:
    """``UPDATE events ... FROM unnest(:id, :column arrays)``: as ``insert_events``, for the
    events of the ``:id`` array (bigint), one statement for all of them."""
    stored = [c for c in columns if c not in ("lon", "lat")]
    sets = [f"{c} = x.{c}" for c in stored]
    sets.append("geom = ST_SetSRID(ST_MakePoint(x.lon, x.lat), 4326)")
    sets += [f"{c} = {value}" for c, value in constants.items()]
    return f"""
UPDATE events SET {", ".join(sets)}
FROM {_unnest(["id", *columns], {"id": "bigint", **COLUMN_TYPES})}
WHERE events.id = x.id"""
