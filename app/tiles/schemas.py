"""What goes over the wire for tiles: TileJSON 3.0.0 (the tiles themselves are MVT bytes)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class VectorLayer(BaseModel):
    id: str
    description: str
    minzoom: int
    maxzoom: int
    fields: dict[str, str] = Field(description="each property of the layer's features, described")


class TileJSON(BaseModel):
    """TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0)."""

    tilejson: str = Field(description="the spec's version, 3.0.0")
    name: str
    description: str
    attribution: str
    scheme: str = Field(description="xyz: y counts from the north, as in WebMercatorQuad")
    tiles: list[str] = Field(description="the tile URL template, with this request's filters")
    minzoom: int
    maxzoom: int
    bounds: list[float] = Field(description="west, south, east, north (degrees)")
    center: list[float] = Field(description="longitude, latitude, zoom")
    vector_layers: list[VectorLayer]
