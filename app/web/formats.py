"""Output format negotiation: ``f=`` wins over ``Accept``; GeoJSON is the default.

``acled`` is CSV in ACLED's columns (event lists only): ``f=acled``, or
``Accept: text/csv; profile=acled`` since plain ``text/csv`` already means our own columns.
``parquet`` (GeoParquet) and ``fgb`` (FlatGeobuf) are the bulk formats of event lists.
"""

from __future__ import annotations

from enum import StrEnum

from fastapi import Request

from app.errors import InvalidParameter


class Format(StrEnum):
    geojson = "geojson"
    csv = "csv"
    ndjson = "ndjson"
    acled = "acled"
    parquet = "parquet"
    fgb = "fgb"


MEDIA_TYPES = {
    Format.geojson: "application/geo+json",
    Format.csv: "text/csv; charset=utf-8",
    Format.ndjson: "application/x-ndjson",
    Format.acled: "text/csv; charset=utf-8",
    Format.parquet: "application/vnd.apache.parquet",
    Format.fgb: "application/flatgeobuf",
}
# Typed, binary tables with a geometry, for GIS and dataframes (event lists).
BULK = (Format.parquet, Format.fgb)
# What a list offers unless it says otherwise (f=acled is for events).
COMMON = (Format.geojson, Format.csv, Format.ndjson)

_ACCEPT = {
    "application/geo+json": Format.geojson,
    "application/json": Format.geojson,
    "text/csv": Format.csv,
    "application/x-ndjson": Format.ndjson,
    "application/ndjson": Format.ndjson,
    "application/geo+json-seq": Format.ndjson,
    "application/vnd.apache.parquet": Format.parquet,
    "application/flatgeobuf": Format.fgb,
}


def _profile(part: str) -> str | None:
    for param in part.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "profile":
            return value.strip().strip('"').lower()
    return None


def negotiate(request: Request, allowed: tuple[Format, ...] = COMMON) -> Format:
    raw = request.query_params.get("f")
    if raw is not None:
        try:
            fmt = Format(raw.strip().lower())
        except ValueError:
            fmt = None
        if fmt is None or fmt not in allowed:
            raise InvalidParameter("f", f"'{raw}' is not one of {', '.join(allowed)}")
        return fmt
    for part in request.headers.get("accept", "").split(","):
        media = part.split(";")[0].strip().lower()
        if media == "text/csv" and _profile(part) == "acled" and Format.acled in allowed:
            return Format.acled
        if media in _ACCEPT and _ACCEPT[media] in allowed:
            return _ACCEPT[media]
    return Format.geojson
