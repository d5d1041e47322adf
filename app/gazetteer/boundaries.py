"""OCHA COD-AB administrative boundaries (shapefile or GeoJSON), admin levels 1-3.

Three field conventions are read: the 2016 edition's NAME_EN / NAME_AR / PCODE (with parent
ADMn_* fields), newer editions' ADMn_EN / ADMn_AR / ADMn_PCODE, and the 2025 standard's
admn_name / admn_name1 / admn_pcode (name1 in the language of ``lang1``, Arabic for Syria),
the highest n being the feature's own. Coordinates must be WGS84 longitude/latitude
(EPSG:4326), as OCHA ships them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

LEVEL_KINDS = {1: "governorate", 2: "district", 3: "subdistrict"}
_PCODE = re.compile(r"^SY\d{2}(\d{2}(\d{2})?)?$")
_ADM = re.compile(r"^ADM(\d)_(EN|AR|PCODE|NAME|NAME1)$", re.IGNORECASE)


class BoundaryError(ValueError):
    pass


@dataclass(frozen=True)
class Boundary:
    pcode: str
    level: int
    name_en: str
    name_ar: str | None
    parent_pcode: str | None
    area: MultiPolygon


def own_fields(props: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The feature's own pcode, English and Arabic names."""
    upper = {k.upper(): v for k, v in props.items()}
    if "PCODE" in upper:
        return upper.get("PCODE"), upper.get("NAME_EN"), upper.get("NAME_AR")
    levels = sorted({int(m.group(1)) for k in upper if (m := _ADM.match(k))}, reverse=True)
    arabic_second = str(upper.get("LANG1") or "ar").lower() == "ar"
    for n in levels:
        if upper.get(f"ADM{n}_PCODE"):
            name_en = upper.get(f"ADM{n}_EN") or upper.get(f"ADM{n}_NAME")
            name_ar = upper.get(f"ADM{n}_AR") or (
                upper.get(f"ADM{n}_NAME1") if arabic_second else None
            )
            return upper[f"ADM{n}_PCODE"], name_en, name_ar
    return None, None, None


def _multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    if isinstance(geometry, MultiPolygon):
        return geometry
    raise BoundaryError(f"expected polygons, got {geometry.geom_type}")


def _boundary(props: dict[str, Any], geometry: dict[str, Any] | None) -> Boundary | None:
    pcode, name_en, name_ar = own_fields(props)
    if not pcode or not _PCODE.match(str(pcode).strip().upper()) or geometry is None:
        return None
    pcode = str(pcode).strip().upper()
    level = (len(pcode) - 2) // 2
    if level == 0:
        return None
    area = _multipolygon(shape(geometry))
    minx, miny, maxx, maxy = area.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise BoundaryError(f"{pcode}: coordinates are not longitude/latitude (EPSG:4326)")
    if not area.is_valid:
        area = _multipolygon(area.buffer(0))
    parent = pcode[: 2 + 2 * (level - 1)] if level > 1 else None
    return Boundary(
        pcode,
        level,
        str(name_en or pcode).strip(),
        str(name_ar).strip() if name_ar else None,
        parent,
        area,
    )


def _check_prj(path: Path) -> None:
    prj = path.with_suffix(".prj")
    if prj.exists():
        text = prj.read_text(errors="replace").upper()
        if "WGS" not in text or "PROJCS" in text:
            raise BoundaryError(
                f"{prj.name}: not WGS84 longitude/latitude; reproject to "
                "EPSG:4326 first (ogr2ogr -t_srs EPSG:4326)"
            )


def read_boundaries(path: Path) -> Iterator[Boundary]:
    """Admin-1..3 features of a shapefile (.shp) or GeoJSON file."""
    if path.suffix.lower() == ".shp":
        import shapefile

        _check_prj(path)
        with shapefile.Reader(str(path), encoding="utf-8", encodingErrors="replace") as reader:
            names = [f[0] for f in reader.fields[1:]]
            for item in reader.iterShapeRecords():
                found = _boundary(
                    dict(zip(names, item.record, strict=True)), item.shape.__geo_interface__
                )
                if found:
                    yield found
        return
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise BoundaryError(f"{path.name}: not GeoJSON ({exc})") from None
    for feature in data.get("features", []) if isinstance(data, dict) else []:
        found = _boundary(feature.get("properties") or {}, feature.get("geometry"))
        if found:
            yield found
