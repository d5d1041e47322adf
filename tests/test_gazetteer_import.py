"""Importers of users' full data: GeoNames dumps and OCHA boundaries; containment."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import shapefile
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.gazetteer.boundaries import BoundaryError, read_boundaries
from app.gazetteer.geonames import clean_names, read_dump
from app.gazetteer.importers import assign_by_containment, store_boundaries
from app.gazetteer.loader import upsert_places
from tests.factories import add_event, add_place


def geonames_row(
    geonameid: str, name: str, alternates: str, lat: str, lon: str, feature: str, population: str
) -> str:
    """One line of a GeoNames dump: 19 tab-separated columns (admin1 11 is Homs)."""
    feature_class, code = feature.split(".")
    return "\t".join(
        [
            geonameid,
            name,
            name,
            alternates,
            lat,
            lon,
            feature_class,
            code,
            "SY",
            "",
            "11",
            "",
            "",
            "",
            population,
            "",
            "400",
            "Asia/Damascus",
            "2020-01-01",
        ]
    )


# A town, an air base (a spot) and a stream the importer leaves out; made-up names.
DUMP = "\n".join(
    [
        geonames_row(
            "900001",
            "Tall Qasim",
            "Tell Kasem,تل قاسم,qasim,OSXX,Тель-Касим,المزرعة",
            "35.5",
            "38.5",
            "P.PPL",
            "12000",
        ),
        geonames_row("900002", "Mahin Air Base", "مطار ماهين", "34.2", "37.2", "S.AIRB", "0"),
        geonames_row("900003", "Wadi Test", "", "34.0", "37.0", "H.STM", "0"),
    ]
)


def square(x: float, y: float, size: float) -> list[list[list[float]]]:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def test_clean_names_keeps_safe_arabic_and_latin_spellings() -> None:
    names = [
        "Tall Qasim",
        "Tell Kasem",
        "تل قاسم",
        "qasim",
        "OSXX",
        "Тель-Касим",
        "المزرعة",
        "جديدة",
        "Al",
        "الأسد",
    ]
    assert clean_names(names) == ["Tall Qasim", "Tell Kasem", "تل قاسم"]


def test_geonames_dump_rows_become_places(tmp_path: Path) -> None:
    dump = tmp_path / "SY.txt"
    dump.write_text(DUMP, encoding="utf-8")
    entries = {e["id"]: e for e in read_dump(dump)}
    assert set(entries) == {"gn-900001", "gn-900002"}
    town = entries["gn-900001"]
    assert (town["kind"], town["lon"], town["lat"]) == ("town", 38.5, 35.5)
    assert town["governorate_pcode"] == "SY04" and town["name_ar"] == "تل قاسم"
    assert entries["gn-900002"]["kind"] == "air_base"


def one_feature(path: Path, properties: dict[str, str], geometry: dict[str, object]) -> Path:
    """A GeoJSON FeatureCollection of one feature, written to ``path``."""
    feature = {"type": "Feature", "properties": properties, "geometry": geometry}
    path.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def clockwise(x: float, y: float, size: float) -> list[list[list[float]]]:
    """Shapefiles want exterior rings clockwise."""
    return [list(reversed(square(x, y, size)[0]))]


def _write_shapefile(path: Path) -> None:
    """2016-edition fields: the feature's own NAME_EN/NAME_AR/PCODE, parents as ADM1_*."""
    with shapefile.Writer(str(path), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        for name in ("NAME_EN", "NAME_AR", "PCODE", "ADM1_PCODE"):
            w.field(name, "C", size=60)
        w.poly(clockwise(38.0, 35.0, 1.0))
        w.record("Test West", "الغرب التجريبي", "SY0401", "SY04")
        w.poly(clockwise(39.0, 35.0, 1.0))
        w.record("Test East", "الشرق التجريبي", "SY0402", "SY04")
    path.with_suffix(".prj").write_text('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984"]]')


def test_both_field_conventions_are_read(tmp_path: Path) -> None:
    shp = tmp_path / "adm2.shp"
    _write_shapefile(shp)
    districts = list(read_boundaries(shp))
    assert [(d.pcode, d.level, d.parent_pcode) for d in districts] == [
        ("SY0401", 2, "SY04"),
        ("SY0402", 2, "SY04"),
    ]
    geojson = one_feature(
        tmp_path / "adm1.geojson",
        {
            "ADM1_EN": "Homs",
            "ADM1_AR": "حمص",
            "ADM1_PCODE": "SY04",
            "ADM0_PCODE": "SY",
        },
        {"type": "Polygon", "coordinates": square(37.5, 34.5, 3.0)},
    )
    [governorate] = read_boundaries(geojson)
    assert (governorate.pcode, governorate.level, governorate.name_ar) == ("SY04", 1, "حمص")


def test_projected_coordinates_are_refused(tmp_path: Path) -> None:
    geojson = one_feature(
        tmp_path / "utm.geojson",
        {"PCODE": "SY04", "NAME_EN": "Homs"},
        {
            "type": "Polygon",
            "coordinates": square(300000.0, 3800000.0, 1000.0),
        },
    )
    with pytest.raises(BoundaryError, match="EPSG:4326"):
        list(read_boundaries(geojson))


async def test_boundaries_attach_and_places_and_events_take_them(
    tmp_path: Path, session: AsyncSession
) -> None:
    shp = tmp_path / "adm2.shp"
    _write_shapefile(shp)
    await add_place(session, "sy-gov-homs-test", 36.7, 34.7, kind="governorate")
    await upsert_places(
        session,
        [
            {
                "id": "gn-1",
                "name_en": "Qasim",
                "kind": "village",
                "lon": 39.5,
                "lat": 35.5,
                "governorate_pcode": "SY09",
                "country_code": "SY",
                "source": "geonames",
            }
        ],
    )
    event = await add_event(session, "2017-01-01", 38.5, 35.5, governorate="SY09")
    conn = await session.connection()
    await conn.execute(text("UPDATE places SET pcode = 'SY04' WHERE id = 'sy-gov-homs-test'"))
    assert await store_boundaries(session, read_boundaries(shp)) == 2
    geojson = one_feature(
        tmp_path / "adm1.geojson",
        {"ADM1_EN": "Homs", "ADM1_PCODE": "SY04"},
        {"type": "Polygon", "coordinates": square(37.5, 34.5, 3.0)},
    )
    await store_boundaries(session, read_boundaries(geojson))
    changed = await assign_by_containment(session)
    assert changed == {"places": 1, "events": 1}
    row = (
        await conn.execute(
            text("SELECT governorate_pcode, district_pcode FROM places WHERE id = 'gn-1'")
        )
    ).one()
    assert tuple(row) == ("SY04", "SY0402")
    row = (
        await conn.execute(
            text("SELECT governorate_pcode, district_pcode, version FROM events WHERE id = :id"),
            {"id": event.id},
        )
    ).one()
    assert tuple(row) == ("SY04", "SY0401", 2)  # a change like any other: a new version
    reason = (
        await conn.execute(
            text("SELECT change_reason FROM event_versions WHERE event_id = :id AND version = 2"),
            {"id": event.id},
        )
    ).scalar_one()
    assert "containment" in reason
    district = (
        await conn.execute(
            text("SELECT kind, name_ar, ST_Contains(area, geom) FROM places WHERE pcode = 'SY0401'")
        )
    ).one()
    assert tuple(district) == ("district", "الغرب التجريبي", True)
