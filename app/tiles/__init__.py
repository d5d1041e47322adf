"""Vector tiles of events (Mapbox Vector Tile, WebMercatorQuad), written by PostGIS."""
