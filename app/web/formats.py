"""Output format negotiation: ``f=`` wins over ``Accept``; GeoJSON is the default."""

from __future__ import annotations

from enum import StrEnum

from fastapi import Request

from app.errors import InvalidParameter


class Format(StrEnum):
    geojson = "geojson"
    csv = "csv"
    ndjson = "ndjson"


MEDIA_TYPES = {
    Format.geojson: "application/geo+json",
    Format.csv: "text/csv; charset=utf-8",
    Format.ndjson: "application/x-ndjson",
}

_ACCEPT = {
    "application/geo+json": Format.geojson,
    "application/json": Format.geojson,
    "text/csv": Format.csv,
    "application/x-ndjson": Format.ndjson,
    "application/ndjson": Format.ndjson,
    "application/geo+json-seq": Format.ndjson,
}


def negotiate(request: Request, allowed: tuple[Format, ...] = tuple(Format)) -> Format:
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
        if media in _ACCEPT and _ACCEPT[media] in allowed:
            return _ACCEPT[media]
    return Format.geojson
