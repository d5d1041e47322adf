"""Response classes for bodies that PostGIS already serialised (passed through as bytes)."""

from __future__ import annotations

from fastapi.responses import Response


class GeoJSONResponse(Response):
    media_type = "application/geo+json"


class RawJSONResponse(Response):
    media_type = "application/json"
