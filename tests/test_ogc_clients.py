"""Real OGC API - Features clients against the real server: GDAL's OAPIF driver (ogrinfo,
ogr2ogr; `make test` installs gdal-bin) and OWSLib, on a uvicorn subprocess over a migrated
database holding the gazetteer, the demo data and 120 known events (and drafts that must never
show)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from owslib.ogcapi.features import Features
from rich.console import Console
from sqlalchemy import text

from app.db import Database
from app.demo.loader import load_demo
from app.gazetteer.loader import load_gazetteer
from app.settings import Settings
from bench.server import running_api

pytestmark = pytest.mark.skipif(
    shutil.which("ogrinfo") is None, reason="GDAL is missing: run scripts/ensure-gdal.sh"
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
BOX = ("38.4", "34.4", "38.7", "34.6")  # holds the 120 known events and nothing else
KNOWN = 120
INSERT = text(
    "INSERT INTO events (event_date, event_type, sub_event_type, geom, fatalities, status,"
    " created_by) SELECT date '2014-01-01' + (i % 50), 'Battles', 'Armed clash',"
    " ST_SetSRID(ST_MakePoint(38.45 + i * 0.001, 34.5), 4326), i % 7, :status, 'amal'"
    " FROM generate_series(1, :n) i RETURNING public_id"
)


@dataclass(frozen=True)
class Server:
    url: str
    known: list[str]  # public ids of the 120 events, i = 1..120
    published: int
    airports: int


async def _seed(settings: Settings) -> tuple[list[str], int, int]:
    quiet = Console(quiet=True)
    await load_gazetteer(settings, geonames=[], admin=[], console=quiet)
    await load_demo(settings, console=quiet)
    db = Database.of(settings)
    try:
        async with db.session() as session:
            conn = await session.connection()
            known = [r[0] for r in await conn.execute(INSERT, {"n": KNOWN, "status": "published"})]
            await conn.execute(INSERT, {"n": 3, "status": "draft"})
        async with db.read_connection() as conn:
            published = (
                await conn.execute(text("SELECT count(*) FROM events WHERE status = 'published'"))
            ).scalar_one()
            airports = (
                await conn.execute(text("SELECT count(*) FROM places WHERE kind = 'airport'"))
            ).scalar_one()
    finally:
        await db.dispose()
    return known, published, airports


@pytest.fixture(scope="module")
def server(module_committed_database_url: str) -> Iterator[Server]:
    settings = Settings(database_url=module_committed_database_url)
    known, published, airports = asyncio.run(_seed(settings))
    with running_api(module_committed_database_url, ARTIFACTS / "ogc-server.log") as api:
        yield Server(api.base_url, known, published, airports)


def ogr(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "ERROR" not in done.stderr, done.stderr
    return done.stdout


def features(output: str, layer: str) -> int:
    return len(re.findall(rf"^OGRFeature\({layer}\):", output, re.MULTILINE))


def source(server: Server) -> str:
    return f"OAPIF:{server.url}/"


def test_ogrinfo_lists_the_collections(server: Server) -> None:
    out = ogr("ogrinfo", "-ro", source(server))
    assert "1: events (title: Conflict events) (Point)" in out
    assert "2: places (title: Gazetteer) (Point)" in out


def test_ogrinfo_summary_counts_only_published_events(server: Server) -> None:
    out = ogr("ogrinfo", "-ro", "-so", source(server), "events")
    assert f"Feature Count: {server.published}" in out
    assert "event_date: Date" in out and "fatalities: Integer" in out


def test_ogrinfo_spatial_filter_pages_through_next_links(server: Server) -> None:
    out = ogr(
        "ogrinfo", "-ro", "-q", "-oo", "PAGE_SIZE=25", source(server), "events", "-spat", *BOX
    )
    assert features(out, "events") == KNOWN
    ids = re.findall(r"^  id \(String\) = (\S+)$", out, re.MULTILINE)
    assert sorted(ids) == sorted(server.known)


def test_ogrinfo_where(server: Server) -> None:
    out = ogr(
        "ogrinfo", "-ro", "-q", source(server), "events", "-spat", *BOX,
        "-where", "fatalities = 3",
    )  # fmt: skip
    assert features(out, "events") == sum(1 for i in range(1, KNOWN + 1) if i % 7 == 3)
    # GDAL 3.6 sends a date range as datetime=2014-01-10T/2014-01-19T.
    out = ogr(
        "ogrinfo", "-ro", "-q", source(server), "events", "-spat", *BOX,
        "-where", "event_date >= '2014-01-10' AND event_date <= '2014-01-19'",
    )  # fmt: skip
    assert features(out, "events") == sum(1 for i in range(1, KNOWN + 1) if 9 <= i % 50 <= 18)


def test_ogr2ogr_exports_a_bbox_as_geojson(server: Server, tmp_path: Path) -> None:
    target = tmp_path / "events.geojson"
    ogr(
        "ogr2ogr", "-f", "GeoJSON", str(target), "-oo", "PAGE_SIZE=50",
        source(server), "events", "-spat", *BOX,
    )  # fmt: skip
    exported = json.loads(target.read_text())["features"]
    assert sorted(f["properties"]["id"] for f in exported) == sorted(server.known)
    assert all(f["properties"]["status"] == "published" for f in exported)
    for feature in exported:
        lon, lat = feature["geometry"]["coordinates"]
        assert 38.4 <= lon <= 38.7 and 34.4 <= lat <= 34.6
    places = tmp_path / "airports.geojson"
    ogr(
        "ogr2ogr",
        "-f",
        "GeoJSON",
        str(places),
        source(server),
        "places",
        "-where",
        "kind = 'airport'",
    )
    assert len(json.loads(places.read_text())["features"]) == server.airports > 0


def test_owslib(server: Server) -> None:
    # OWSLib asks for the landing page without an Accept header, which gets the map page.
    api = Features(f"{server.url}/", headers={"Accept": "application/json"})
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in api.conformance()["conformsTo"]
    assert api.feature_collections() == ["events", "places"]
    assert "fatalities" in api.collection_queryables("events")["properties"]
    extent = api.collection("events")["extent"]
    assert extent["temporal"]["interval"][0][0] <= "2014-01-02"

    box = [float(v) for v in BOX]
    page = api.collection_items("events", bbox=box, limit=50)
    assert page["numberMatched"] == KNOWN and page["numberReturned"] == 50
    seen = [f["id"] for f in page["features"]]
    with httpx.Client() as client:
        while nxt := next((x["href"] for x in page["links"] if x["rel"] == "next"), None):
            page = client.get(nxt).json()
            seen += [f["id"] for f in page["features"]]
    assert len(seen) == len(set(seen)) and sorted(seen) == sorted(server.known)

    bbox = "S_INTERSECTS(geometry, BBOX({}, {}, {}, {}))".format(*BOX)
    found = api.collection_items("events", filter=f"fatalities > 4 AND {bbox}", limit=500)
    assert found["numberReturned"] == sum(1 for i in range(1, KNOWN + 1) if i % 7 > 4)
    as_json = {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "fatalities"}, 0]},
            {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": box}]},
        ],
    }
    found = api.collection_items(
        "events", filter=json.dumps(as_json), limit=500, **{"filter-lang": "cql2-json"}
    )
    assert found["numberReturned"] == sum(1 for i in range(1, KNOWN + 1) if i % 7 == 0)
    one = api.collection_item("events", server.known[0])
    assert one["id"] == server.known[0]
