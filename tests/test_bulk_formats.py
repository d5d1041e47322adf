"""GeoParquet and FlatGeobuf: every /events filter, read back with pyarrow and with GDAL."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from sqlmodel.ext.asyncio.session import AsyncSession

from app.events.sql import CSV_COLUMNS
from tests.factories import add_event, add_place
from tests.test_bad_input import assert_problem
from tests.test_export_caps import YEAR_2017, capped  # noqa: F401 (a fixture)

PARQUET = "application/vnd.apache.parquet"
FGB = "application/flatgeobuf"
ARABIC = "قصف مدفعي على دير الزور"
OGRINFO = shutil.which("ogrinfo")
needs_gdal = pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed")


async def _events(session: AsyncSession) -> None:
    await add_place(
        session, "sy-deir-bulk", 40.14, 35.33, name_en="Deir ez-Zor", name_ar="دير الزور"
    )
    await add_event(
        session,
        "2017-09-05",
        40.14,
        35.33,
        place="sy-deir-bulk",
        governorate="SY09",
        fatalities=None,
        description=ARABIC,
        actors=(("Islamic State (Syria)", "actor1"),),
    )
    await add_event(session, "2017-09-04", 40.2, 35.3, governorate="SY09", fatalities=3)
    await add_event(
        session,
        "2016-02-01",
        36.2,
        37.2,
        event_type="Explosions/Remote violence",
        sub_event_type="Air/drone strike",
        governorate="SY02",
        fatalities=12,
        description="Air strike on Aleppo",
    )


def _table(response: httpx.Response) -> pa.Table:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PARQUET
    return pq.read_table(io.BytesIO(response.content))


def _ogrinfo(tmp_path: Path, name: str, content: bytes, *args: str) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    assert OGRINFO is not None
    done = subprocess.run(
        [OGRINFO, "-ro", "-al", *args, str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout


def _gdal_has_parquet() -> bool:
    if OGRINFO is None:
        return False
    formats = subprocess.run([OGRINFO, "--formats"], capture_output=True, text=True, check=True)
    return "Parquet" in formats.stdout


async def test_geoparquet_has_typed_columns_a_wkb_point_and_geo_metadata(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _events(session)
    response = await client.get("/events?f=parquet&governorate=SY09")
    assert response.headers["content-disposition"] == 'attachment; filename="events.parquet"'
    table = _table(response)
    assert table.column_names == [*CSV_COLUMNS, "geometry"]
    types = dict(zip(table.column_names, table.schema.types, strict=True))
    assert types["event_date"] == pa.date32()
    assert types["fatalities"] == types["version"] == types["time_precision"] == pa.int32()
    assert types["updated_at"] == pa.timestamp("us", tz="UTC")
    assert types["latitude"] == pa.float64()
    assert types["id"] == types["description"] == pa.string()
    assert types["geometry"] == pa.binary()
    rows = table.to_pylist()
    assert [r["event_date"] for r in rows] == [date(2017, 9, 5), date(2017, 9, 4)]  # -event_date
    first = rows[0]
    assert first["description"] == ARABIC
    assert first["fatalities"] is None and rows[1]["fatalities"] == 3
    assert first["place_name"] == "Deir ez-Zor" and first["actor1"] == "Islamic State (Syria)"
    assert first["id"].startswith("ev_") and first["status"] == "published"
    assert isinstance(first["updated_at"], datetime) and first["updated_at"].tzinfo is not None
    points = shapely.from_wkb(table["geometry"].to_pylist())
    assert [(p.x, p.y) for p in points] == [(40.14, 35.33), (40.2, 35.3)]

    geo = json.loads(table.schema.metadata[b"geo"])
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry"
    column = geo["columns"]["geometry"]
    assert column["encoding"] == "WKB" and column["geometry_types"] == ["Point"]
    assert "crs" not in column  # omitted: OGC:CRS84, longitude first
    assert column["bbox"] == [40.14, 35.3, 40.2, 35.33]


@pytest.mark.parametrize("fmt", ["parquet", "fgb"])
@pytest.mark.parametrize(
    ("query", "dates"),
    [
        ("bbox=40,35,41,36", ["2017-09-05", "2017-09-04"]),
        ("datetime=2016-01-01/2016-12-31", ["2016-02-01"]),
        ("type=explosions/remote violence", ["2016-02-01"]),
        ("q=مدفعي", ["2017-09-05"]),
        ("bbox=35,30,42,38&datetime=2017-09-04&type=Battles", ["2017-09-04"]),
        ("sortby=-fatalities", ["2016-02-01", "2017-09-04", "2017-09-05"]),
        ("datetime=2020-01-01/..", []),
    ],
)
async def test_every_filter_and_the_order_apply(
    client: httpx.AsyncClient,
    session: AsyncSession,
    tmp_path: Path,
    fmt: str,
    query: str,
    dates: list[str],
) -> None:
    await _events(session)
    response = await client.get(f"/events?f={fmt}&{query}")
    assert response.status_code == 200, response.text
    if fmt == "parquet":
        got = [d.isoformat() for d in _table(response)["event_date"].to_pylist()]
    elif OGRINFO is None:
        pytest.skip("GDAL's ogrinfo is not installed")
    else:
        out = _ogrinfo(tmp_path, "events.fgb", response.content)
        got = [d.replace("/", "-") for d in re.findall(r"event_date \(DateTime\) = (\S+)", out)]
    assert got == dates


async def test_properties_choose_the_columns_and_skip_geometry_is_a_400(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _events(session)
    table = _table(await client.get("/events?f=parquet&properties=fatalities,event_date"))
    assert table.column_names == ["id", "event_date", "fatalities", "geometry"]
    assert table["fatalities"].to_pylist() == [None, 3, 12]
    for fmt in ("parquet", "fgb"):
        assert_problem(await client.get(f"/events?f={fmt}&skipGeometry=true"), 400, "skipGeometry")
        assert_problem(await client.get(f"/events?f={fmt}&properties=actors"), 400, "properties")


async def test_accept_headers_and_place_events(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _events(session)
    by_accept = await client.get("/events", headers={"Accept": PARQUET})
    assert _table(by_accept).num_rows == 3
    fgb = await client.get("/places/sy-deir-bulk/events", headers={"Accept": FGB})
    assert fgb.status_code == 200 and fgb.headers["content-type"] == FGB
    assert fgb.content.startswith(b"fgb\x03fgb")
    at_place = _table(await client.get("/places/sy-deir-bulk/events?f=parquet"))
    assert at_place["description"].to_pylist() == [ARABIC]


async def test_a_limit_pages_with_a_next_link_and_each_page_is_a_whole_file(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _events(session)
    first = await client.get("/events?f=parquet&limit=2")
    assert _table(first).num_rows == 2
    next_url = re.match(r'<([^>]+)>; rel="next"', first.headers["link"])
    assert next_url is not None
    rest = _table(await client.get(next_url.group(1)))
    assert rest["event_date"].to_pylist() == [date(2016, 2, 1)]
    assert 'rel="next"' not in (await client.get(next_url.group(1))).headers.get("link", "")
    fgb_page = await client.get("/events?f=fgb&limit=1")
    assert fgb_page.status_code == 200 and 'rel="next"' in fgb_page.headers["link"]


@needs_gdal
async def test_gdal_reads_the_flatgeobuf(
    client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path
) -> None:
    await _events(session)
    response = await client.get("/events?f=fgb&governorate=SY09")
    assert response.status_code == 200 and response.headers["content-type"] == FGB
    assert response.headers["content-disposition"] == 'attachment; filename="events.fgb"'
    summary = _ogrinfo(tmp_path, "events.fgb", response.content, "-so")
    assert "Geometry: Point" in summary
    assert "Feature Count: 2" in summary
    assert 'ID["EPSG",4326]' in summary
    for field in ("event_date: DateTime", "fatalities: Integer", "latitude: Real"):
        assert field in summary
    assert "updated_at: DateTime" in summary and "description: String" in summary
    features = _ogrinfo(tmp_path, "events.fgb", response.content)
    assert f"description (String) = {ARABIC}" in features
    assert "POINT (40.14 35.33)" in features and "POINT (40.2 35.3)" in features
    assert "event_date (DateTime) = 2017/09/05" in features
    assert "fatalities (Integer) = 3" in features
    first = features.split("OGRFeature(events):")[1]
    assert "fatalities" not in first  # null: no value written
    assert "place_name (String) = Deir ez-Zor" in first


@needs_gdal
async def test_gdal_reads_an_empty_flatgeobuf(client: httpx.AsyncClient, tmp_path: Path) -> None:
    response = await client.get("/events?f=fgb&datetime=2030-01-01")
    assert response.status_code == 200
    assert "Feature Count: 0" in _ogrinfo(tmp_path, "empty.fgb", response.content, "-so")


async def test_gdal_reads_the_geoparquet(
    client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path
) -> None:
    if not _gdal_has_parquet():
        pytest.skip("this GDAL has no (Geo)Parquet driver (ogrinfo --formats): pyarrow reads it")
    await _events(session)
    response = await client.get("/events?f=parquet&governorate=SY09")
    summary = _ogrinfo(tmp_path, "events.parquet", response.content, "-so")
    assert "Geometry: Point" in summary and "Feature Count: 2" in summary
    features = _ogrinfo(tmp_path, "events.parquet", response.content)
    assert "POINT (40.14 35.33)" in features and ARABIC in features


@pytest.mark.parametrize("fmt", ["parquet", "fgb"])
async def test_an_export_past_the_caps_is_a_400_and_within_them_streams(
    capped: httpx.AsyncClient,  # noqa: F811 (the fixture)
    session: AsyncSession,
    fmt: str,
) -> None:
    await add_event(session, "2017-09-04", 39.0, 34.0)
    assert_problem(await capped.get(f"/events?f={fmt}&{YEAR_2017}"), 400, "bbox")
    assert_problem(await capped.get(f"/events?f={fmt}&bbox=38,33,40,35"), 400, "datetime")
    within = await capped.get(f"/events?f={fmt}&bbox=38,33,40,35&{YEAR_2017}")
    assert within.status_code == 200, within.text
    paged = await capped.get(f"/events?f={fmt}&limit=10")
    assert paged.status_code == 200, paged.text


async def test_an_unknown_format_is_still_a_400(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/events?f=geoparquet"), 400, "f")
    assert_problem(await client.get("/events?f=shp"), 400, "f")


async def test_ogc_items_page_as_geoparquet_and_flatgeobuf_with_a_cql2_filter(
    client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path
) -> None:
    await _events(session)
    items = "/collections/events/items"
    first = await client.get(
        f"{items}?f=parquet&limit=1&filter=fatalities IS NULL OR fatalities > 2"
    )
    table = _table(first)
    assert first.headers["content-disposition"] == 'attachment; filename="events.parquet"'
    assert [r["event_date"] for r in table.to_pylist()] == [date(2017, 9, 5)]
    # The OGC links travel in the Link header, in the page's own format.
    nexts = re.findall(r'<([^>]+)>; rel="next"', first.headers["link"])
    assert len(nexts) == 1 and "f=parquet" in nexts[0]
    second = _table(await client.get(nexts[0]))
    assert [r["event_date"] for r in second.to_pylist()] == [date(2017, 9, 4)]

    chosen = await client.get(f"{items}?properties=fatalities", headers={"Accept": FGB})
    assert chosen.status_code == 200 and chosen.headers["content-type"] == FGB
    if OGRINFO is not None:
        out = _ogrinfo(tmp_path, "items.fgb", chosen.content)
        assert out.count("OGRFeature(events)") == 3 and "place_name" not in out
        assert "POINT (36.2 37.2)" in out
    skipped = await client.get(f"{items}?f=fgb&skipGeometry=true")
    assert_problem(skipped, 400, "skipGeometry")
    collection = (await client.get("/collections/events")).json()
    assert {x["type"] for x in collection["links"] if x["rel"] == "items"} >= {PARQUET, FGB}
