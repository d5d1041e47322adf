"""The map's boundaries SQL: PostGIS simplifies the imported OCHA governorates and writes the
GeoJSON; no polygon reaches Python."""

from __future__ import annotations

from app.db import Reader

# About 100 m: finer than a governorate line drawn at the zooms the basemap is seen at, and
# OCHA's 14 polygons (hundreds of thousands of vertices) become a few hundred KB.
TOLERANCE_DEG = 0.001

_GOVERNORATES = """
SELECT json_build_object(
  'type', 'FeatureCollection',
  'source', 'OCHA COD-AB (CC BY-IGO), as imported',
  'features', coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'id', p.pcode,
    'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(p.area, :tolerance), 5)::json,
    'properties', json_build_object(
      'kind', 'governorate', 'pcode', p.pcode, 'name_en', p.name_en, 'name_ar', p.name_ar,
      'updated_at', p.updated_at)
  ) ORDER BY p.pcode), '[]'::json))::text
FROM places p
WHERE p.kind = 'governorate' AND p.area IS NOT NULL
"""


async def governorate_boundaries(reader: Reader) -> str:
    """The governorates that have a polygon (imported from OCHA), as a FeatureCollection;
    none (an empty one) before an import."""
    body: str = await reader.fetchval(_GOVERNORATES, {"tolerance": TOLERANCE_DEG})
    return body
