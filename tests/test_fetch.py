"""syria-events fetch against a local server that publishes each source's files in its real
format: UCDP GED's CSV zip, GeoNames' SY.zip, HDX's COD-AB GeoJSON zip (found through
CKAN's package_show). No internet: every URL setting points at 127.0.0.1."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import socket
import subprocess
import sys
import threading
import zipfile
from collections import Counter
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import Database
from app.fetch.download import FetchError
from app.fetch.service import Outcome, import_prepared, prepare
from app.settings import Settings
from tests.exchange_data import ucdp_row

CLI = Path(sys.executable).with_name("syria-events")

# GED's columns as the yearly release's CSV has them (codebook 25.1), in its order.
GED_COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
)


class Published:
    """What the fixture server publishes: path -> bytes, with ETag and Last-Modified; it
    counts the full answers (200) it gave per path."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.served: Counter[str] = Counter()
        self.modified = formatdate(1764979200, usegmt=True)  # 2025-12-06

    def etag(self, path: str) -> str:
        return '"' + hashlib.sha256(self.files[path]).hexdigest()[:16] + '"'


def _server(published: Published) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path not in published.files:
                self.send_error(404)
                return
            tag = published.etag(path)
            if self.headers.get("If-None-Match") == tag or (
                "If-None-Match" not in self.headers
                and self.headers.get("If-Modified-Since") == published.modified
            ):
                self.send_response(304)
                self.send_header("ETag", tag)
                self.end_headers()
                return
            body = published.files[path]
            published.served[path] += 1
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", tag)
            self.send_header("Last-Modified", published.modified)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def published() -> Iterator[tuple[Published, str]]:
    files = Published()
    server = _server(files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield files, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- each source's real format ------------------------------------------------------------


def ged_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=GED_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in GED_COLUMNS})
    return buffer.getvalue().encode()


def ged_zip(rows: list[dict[str, str]], member: str = "GEDEvent_v25_1.csv") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, ged_csv(rows))
    return buffer.getvalue()


GED_ROWS = [
    ucdp_row(id="910001"),
    ucdp_row(id="910002", best="7", low="6", high="9", date_start="2017-05-01"),
    ucdp_row(id="910003", type_of_violence="3", best="1", low="1", high="1"),
    ucdp_row(id="910004", country="Iraq", country_id="645", adm_1="Ninawa governorate"),
]


def geonames_line(geonameid: str, name: str, lat: str, lon: str, population: str) -> str:
    """One line of the dump: 19 tab-separated columns (admin1 09 is Aleppo)."""
    head = [geonameid, name, name, f"{name} Town", lat, lon, "P", "PPL", "SY", "", "09"]
    return "\t".join([*head, "", "", "", population, "", "400", "Asia/Damascus", "2024-01-01"])


DUMP = [
    geonames_line("9900001", "Tall Fixture", "36.3", "37.3", "12000"),
    geonames_line("9900002", "Kafr Sample", "36.1", "37.0", "800"),
]


def sy_zip(lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("SY.txt", "\n".join(lines) + "\n")
        archive.writestr("readme.txt", "GeoNames test dump, CC BY 4.0\n")
    return buffer.getvalue()


def _square(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _layer(features: list[tuple[dict[str, Any], dict[str, Any]]]) -> bytes:
    return orjson.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
        }
    )


def boundaries_zip(aleppo_east: float = 38.6) -> bytes:
    """HDX's COD-AB GeoJSON zip as the 2025 standard names layers and fields."""
    common = {"adm0_name": "Syrian Arab Republic", "adm0_pcode": "SY", "lang": "en"}
    aleppo = {**common, "adm1_name": "Aleppo", "adm1_name1": "حلب", "adm1_pcode": "SY02"}
    aleppo["lang1"] = "ar"
    district = {**aleppo, "adm2_name": "Jebel Saman", "adm2_name1": "جبل سمعان"}
    district["adm2_pcode"] = "SY0200"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("syr_admin0.geojson", _layer([(common, _square(35.5, 32.3, 42.4, 37.4))]))
        archive.writestr(
            "syr_admin1.geojson", _layer([(aleppo, _square(36.5, 35.6, aleppo_east, 36.9))])
        )
        archive.writestr(
            "syr_admin2.geojson", _layer([(district, _square(36.8, 35.9, 37.6, 36.6))])
        )
        point = {"type": "Point", "coordinates": [37.1, 36.2]}
        archive.writestr("syr_adminpoints.geojson", _layer([(aleppo, point)]))
    return buffer.getvalue()


def package_show(base: str, archive: bytes, *, sha256: str | None = None) -> bytes:
    """CKAN's package_show of cod-ab-syr: a shapefile resource and the GeoJSON one."""
    path = "/dataset/356a63e9/resource/5d1c9a6b/download"
    return orjson.dumps(
        {
            "success": True,
            "result": {
                "name": "cod-ab-syr",
                "license_title": "Creative Commons Attribution for Intergovernmental Organisations",
                "resources": [
                    {
                        "name": "syr_admin_boundaries.shp.zip",
                        "format": "SHP",
                        "url": f"{base}{path}/syr_admin_boundaries.shp.zip",
                    },
                    {
                        "name": "syr_admin_boundaries.geojson.zip",
                        "format": "GeoJSON",
                        "url": f"{base}{path}/syr_admin_boundaries.geojson.zip",
                        "last_modified": "2025-11-03T09:12:45.123456",
                        "size": len(archive),
                        "hash": sha256 or hashlib.sha256(archive).hexdigest(),
                    },
                ],
            },
        }
    )


BOUNDARIES = "/dataset/356a63e9/resource/5d1c9a6b/download/syr_admin_boundaries.geojson.zip"
HDX_API = "/api/3/action/package_show"


def publish_all(files: Published, base: str) -> None:
    files.files["/ged/ged251-csv.zip"] = ged_zip(GED_ROWS)
    files.files["/dump/SY.zip"] = sy_zip(DUMP)
    archive = boundaries_zip()
    files.files[BOUNDARIES] = archive
    files.files[HDX_API] = package_show(base, archive)


def fetch_settings(base: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "fetch_ucdp_url": base,
        "fetch_ucdp_version": "25.1",
        "fetch_geonames_url": f"{base}/dump",
        "fetch_hdx_url": base,
        "fetch_timeout_s": 5,
    }
    return Settings(**(values | overrides))


QUIET = Console(stderr=True, quiet=True)


async def fetch(
    db: Database,
    settings: Settings,
    cache: Path,
    names: list[str] | None = None,
    version: str | None = None,
) -> list[Outcome]:
    prepared = prepare(
        settings,
        names or ["geonames", "ocha", "ucdp"],
        version=version,
        cache=cache,
        console=QUIET,
    )
    return await import_prepared(db, prepared, QUIET)


async def rows(conn: AsyncConnection, sql: str) -> list[Any]:
    return [tuple(r) for r in (await conn.execute(text(sql))).all()]


async def counts(conn: AsyncConnection) -> tuple[int, int, int, int]:
    """UCDP events, their versions, GeoNames test places, sources."""
    found = await rows(
        conn,
        "SELECT (SELECT count(*) FROM events WHERE source = 'ucdp'),"
        " (SELECT count(*) FROM event_versions v JOIN events e ON e.id = v.event_id"
        "   WHERE e.source = 'ucdp'),"
        " (SELECT count(*) FROM places WHERE id LIKE 'gn-99000%'),"
        " (SELECT count(*) FROM sources)",
    )
    return found[0]


# --- tests ----------------------------------------------------------------------------------


async def test_fetch_all_imports_verified_files_and_a_rerun_downloads_and_writes_nothing(
    db: Database,
    conn: AsyncConnection,
    gazetteer: None,
    published: tuple[Published, str],
    tmp_path: Path,
) -> None:
    files, base = published
    publish_all(files, base)
    settings = fetch_settings(base)

    first = await fetch(db, settings, tmp_path)
    by_name = {o.prepared.source.name: o for o in first}
    assert [o.prepared.source.name for o in first] == ["geonames", "ocha", "ucdp"]
    assert by_name["ucdp"].events is not None and by_name["ucdp"].events.created == 3
    assert by_name["ucdp"].prepared.rows == 3, "Iraq's row is filtered out"
    assert by_name["geonames"].changed == 2 and by_name["ocha"].changed == 2
    assert await counts(conn) == (3, 3, 2, 3)
    aleppo = await rows(conn, "SELECT name_ar, area IS NOT NULL FROM places WHERE pcode = 'SY02'")
    assert aleppo and all(has_area for _, has_area in aleppo)
    sources = await rows(conn, "SELECT name, version, licence, rows FROM sources ORDER BY name")
    assert sources == [
        ("geonames", "2025-12-06", "CC BY 4.0", 2),
        ("ocha", "2025-11-03", "CC BY-IGO", 2),
        ("ucdp", "25.1", "CC BY 4.0", 3),
    ]

    again = await fetch(db, settings, tmp_path)
    assert all(o.prepared.cached.reused for o in again), "304s: nothing downloaded again"
    assert files.served[BOUNDARIES] == files.served["/ged/ged251-csv.zip"] == 1
    assert files.served["/dump/SY.zip"] == 1
    assert [o.changed for o in again] == [0, 0, 0]
    ucdp = again[2].events
    assert ucdp is not None and (ucdp.created, ucdp.updated, ucdp.unchanged) == (0, 0, 3)
    assert not any(o.recorded for o in again)
    assert await counts(conn) == (3, 3, 2, 3), "no new version, no new source"


async def test_a_new_release_writes_only_the_rows_it_changed(
    db: Database, conn: AsyncConnection, published: tuple[Published, str], tmp_path: Path
) -> None:
    files, base = published
    publish_all(files, base)
    settings = fetch_settings(base)
    await fetch(db, settings, tmp_path, ["geonames", "ucdp"])

    changed = [dict(r) for r in GED_ROWS]
    changed[1].update(best="8", high="10")
    files.files["/ged/ged261-csv.zip"] = ged_zip(changed, "GEDEvent_v26_1.csv")
    files.files["/dump/SY.zip"] = sy_zip(
        [DUMP[0], geonames_line("9900002", "Kafr Sample", "36.1", "37.0", "950")]
    )
    outcomes = await fetch(db, settings, tmp_path, ["geonames", "ucdp"], version="26.1")
    assert outcomes[0].changed == 1, "only the place whose population changed"
    summary = outcomes[1].events
    assert summary is not None and (summary.created, summary.updated) == (0, 1)
    versions = await rows(
        conn,
        "SELECT e.source_id, v.version, v.changed_by, v.change_reason FROM event_versions v"
        " JOIN events e ON e.id = v.event_id WHERE e.source = 'ucdp' ORDER BY 1, 2",
    )
    assert [v for v in versions if v[1] > 1] == [
        ("910002", 2, "import:ucdp", "UCDP update (the row changed)")
    ]
    assert len(versions) == 4
    sources = await rows(conn, "SELECT name, version FROM sources ORDER BY imported_at, id")
    assert ("ucdp", "26.1") in sources and ("ucdp", "25.1") in sources


async def test_a_monthly_candidate_is_a_plain_csv(
    db: Database, conn: AsyncConnection, published: tuple[Published, str], tmp_path: Path
) -> None:
    files, base = published
    files.files["/candidateged/GEDEvent_v26_0_3.csv"] = ged_csv(GED_ROWS)
    outcomes = await fetch(db, fetch_settings(base), tmp_path, ["ucdp"], version="26.0.3")
    assert outcomes[0].events is not None and outcomes[0].events.created == 3
    assert await rows(conn, "SELECT name, version FROM sources") == [("ucdp", "26.0.3")]
    with pytest.raises(FetchError, match="no such release"):
        await fetch(db, fetch_settings(base), tmp_path, ["ucdp"], version="latest")


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("corrupt", "corrupt zip archive"),
        ("not a zip", "not a zip archive"),
        ("changed format", "SY.txt is not a GeoNames dump (format changed?)"),
        ("moved", "answered 404 (moved or removed?)"),
    ],
)
async def test_a_bad_download_is_one_clear_error_and_nothing_is_imported(
    db: Database,
    conn: AsyncConnection,
    published: tuple[Published, str],
    tmp_path: Path,
    damage: str,
    said: str,
) -> None:
    files, base = published
    publish_all(files, base)
    good = files.files["/dump/SY.zip"]
    if damage == "corrupt":
        files.files["/dump/SY.zip"] = good[:-200] + b"\0" * 200
    elif damage == "not a zip":
        files.files["/dump/SY.zip"] = b"<html>Service moved</html>"
    elif damage == "changed format":
        files.files["/dump/SY.zip"] = sy_zip(["9900001,Tall Fixture,36.3,37.3"])
    else:
        del files.files["/dump/SY.zip"]
    with pytest.raises(FetchError) as raised:
        await fetch(db, fetch_settings(base), tmp_path)
    line = raised.value.line()
    assert said in line and "\n" not in line
    assert "syria-events gazetteer load --geonames SY.txt" in line, "how to load it by hand"
    assert await counts(conn) == (0, 0, 0, 0)
    assert not (tmp_path / "geonames" / "SY.zip.part").exists()


async def test_a_wrong_checksum_is_refused(
    db: Database, conn: AsyncConnection, published: tuple[Published, str], tmp_path: Path
) -> None:
    files, base = published
    publish_all(files, base)
    files.files[HDX_API] = package_show(base, files.files[BOUNDARIES], sha256="ab" * 32)
    with pytest.raises(FetchError, match="is not the published abab") as raised:
        await fetch(db, fetch_settings(base), tmp_path)
    assert "syria-events gazetteer load --admin" in raised.value.line()
    assert await counts(conn) == (0, 0, 0, 0)
    assert not (tmp_path / "ocha" / "syr_admin_boundaries.geojson.zip").exists()


async def test_no_network_is_one_clear_error(
    db: Database, conn: AsyncConnection, tmp_path: Path
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(FetchError, match=r"cannot connect to 127\.0\.0\.1") as raised:
        await fetch(db, fetch_settings(closed), tmp_path, ["ucdp"])
    assert "syria-events import ucdp" in raised.value.line()
    assert await counts(conn) == (0, 0, 0, 0)


async def test_a_failed_import_leaves_nothing_half_imported(
    db: Database, conn: AsyncConnection, published: tuple[Published, str], tmp_path: Path
) -> None:
    files, base = published
    publish_all(files, base)
    files.files["/ged/ged251-csv.zip"] = ged_zip([ucdp_row(id="910009", latitude="north")])
    with pytest.raises(FetchError, match="nothing could be imported"):
        await fetch(db, fetch_settings(base), tmp_path)
    assert await counts(conn) == (0, 0, 0, 0), "GeoNames' places went back too"


async def test_sources_are_listed_and_named_by_exports(
    db: Database, client: Any, published: tuple[Published, str], tmp_path: Path
) -> None:
    files, base = published
    publish_all(files, base)
    await fetch(db, fetch_settings(base), tmp_path)
    listed = (await client.get("/sources")).json()["sources"]
    assert {s["name"] for s in listed} == {"ucdp", "geonames", "ocha"}
    ucdp = next(s for s in listed if s["name"] == "ucdp")
    assert ucdp["licence"] == "CC BY 4.0" and "Sundberg" in ucdp["citation"]
    assert ucdp["url"] == f"{base}/ged/ged251-csv.zip" and len(ucdp["sha256"]) == 64
    for query in ("f=csv", "f=ndjson", "f=csv&limit=2"):
        response = await client.get(f"/events?{query}")
        assert response.status_code == 200
        assert "UCDP GED 25.1 (CC BY 4.0)" in response.headers["X-Data-Sources"]
        assert "OCHA COD-AB 2025-11-03 (CC BY-IGO)" in response.headers["X-Data-Sources"]


def run_cli(database_url: str, base: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SE_FETCH_UCDP_URL": base,
        "SE_FETCH_UCDP_VERSION": "25.1",
        "SE_FETCH_GEONAMES_URL": f"{base}/dump",
        "SE_FETCH_HDX_URL": base,
        "SE_FETCH_TIMEOUT_S": "5",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [str(CLI), "fetch", *args], capture_output=True, text=True, env=env, timeout=180
    )


async def test_fetch_all_through_the_command_line(
    committed_database_url: str, published: tuple[Published, str], tmp_path: Path
) -> None:
    files, base = published
    publish_all(files, base)
    cache = str(tmp_path / "cache")
    first = run_cli(committed_database_url, base, "all", "--cache", cache)
    assert first.returncode == 0, first.stderr
    assert "UCDP GED: 3 created, 0 updated, 0 unchanged." in first.stderr
    assert "GeoNames 2025-12-06: SY.zip" in first.stderr
    again = run_cli(committed_database_url, base, "all", "--cache", cache)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("unchanged, from the cache") == 3
    assert "UCDP GED: 0 created, 0 updated, 3 unchanged." in again.stderr

    del files.files["/ged/ged251-csv.zip"]
    moved = run_cli(committed_database_url, base, "ucdp", "--cache", cache)
    assert moved.returncode == 1
    errors = moved.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith("error: UCDP GED 25.1:"), moved.stderr
    assert "answered 404" in errors[0] and "syria-events import ucdp" in errors[0]

    database = Database.of(Settings(database_url=committed_database_url))
    try:
        async with database.read_connection() as conn:
            assert (await counts(conn))[::3] == (3, 3)
    finally:
        await database.dispose()
