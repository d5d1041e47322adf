"""syria-events import acled|ucdp end to end, and the round trip f=acled → import acled."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import Database
from app.settings import Settings
from tests.exchange_data import acled_row, ucdp_row, write_acled, write_ucdp
from tests.factories import add_event, add_place

CLI = Path(sys.executable).with_name("syria-events")


def run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "COLUMNS": "200"}
    return subprocess.run(
        [str(CLI), "import", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
async def target(committed_database_url: str) -> AsyncIterator[Database]:
    database = Database.of(Settings(database_url=committed_database_url))
    try:
        yield database
    finally:
        await database.dispose()


async def _query(database: Database, sql: str) -> list[Any]:
    async with database.read_connection() as conn:
        return list((await conn.execute(text(sql))).all())


async def test_import_acled_reports_bad_rows_and_reruns_change_nothing(
    tmp_path: Path, committed_database_url: str, target: Database
) -> None:
    path = write_acled(
        tmp_path / "acled.csv",
        [
            acled_row(event_id_cnty="SYR900001"),
            acled_row(event_id_cnty="SYR900002", event_date="31 January 2024"),
            acled_row(event_id_cnty="SYR900003", longitude="east"),
            acled_row(event_id_cnty="LBN900004", country="Lebanon", iso="422"),
        ],
        bom=True,
    )
    first = run(committed_database_url, "acled", str(path))
    assert first.returncode == 0, first.stderr
    assert f"{path}:4: bad coordinate: longitude 'east' is not a number" in first.stderr
    assert "ACLED: 2 created, 0 updated, 0 unchanged." in first.stderr
    assert "skipped, not in Syria: 1 (Lebanon 1)" in first.stderr
    assert "nothing is deleted" in first.stderr
    again = run(committed_database_url, "acled", str(path))
    assert "ACLED: 0 created, 0 updated, 2 unchanged." in again.stderr
    versions = await _query(target, "SELECT changed_by, count(*) FROM event_versions GROUP BY 1")
    assert [tuple(v) for v in versions] == [("import:acled", 2)]

    bad_only = write_acled(tmp_path / "bad.csv", [acled_row(event_type="Skirmishes")])
    refused = run(committed_database_url, "acled", str(bad_only))
    assert refused.returncode == 1, "nothing could be imported"
    assert run(committed_database_url, "acled", str(tmp_path / "nope.csv")).returncode == 1
    assert run(committed_database_url, "acled", str(path), str(bad_only)).returncode == 0


async def test_import_ucdp_end_to_end(
    tmp_path: Path, committed_database_url: str, target: Database
) -> None:
    path = write_ucdp(
        tmp_path / "ged.csv",
        [ucdp_row(), ucdp_row(id="900002", country="Turkey", country_id="640")],
    )
    done = run(committed_database_url, "ucdp", str(path))
    assert done.returncode == 0, done.stderr
    assert "UCDP: 1 created, 0 updated, 0 unchanged." in done.stderr
    stored = await _query(target, "SELECT source, source_id, status, fatalities FROM events")
    assert [tuple(r) for r in stored] == [("ucdp", "900001", "published", 3)]


PLACES = (
    ("sy-test-mayadin", 40.45, 35.02, "Mayadin", "SY09"),
    ("sy-test-saraqab", 36.8, 35.86, "Saraqab", "SY07"),
    ("sy-test-douma", 36.4, 33.57, "Douma", "SY03"),
)


async def _source_events(session: AsyncSession) -> None:
    for place_id, lon, lat, name, gov in PLACES:
        await add_place(session, place_id, lon, lat, name_en=name, governorate=gov)
    await add_event(
        session,
        "2017-09-05",
        40.4511,
        35.0192,
        place="sy-test-mayadin",
        governorate="SY09",
        fatalities=4,
        description='A synthetic clash, with a comma and a "quote"\nand a second line.',
        actors=(
            ("Test Army Brigade", "actor1"),
            ("Test Militia", "assoc_actor_1"),
            ("Test Tribe", "assoc_actor_1"),
            ("Test Hill Fighters", "actor2"),
        ),
    )
    await add_event(
        session,
        "2019-02-01",
        36.8006,
        35.8622,
        place="sy-test-saraqab",
        governorate="SY07",
        fatalities=12,
        event_type="Explosions/Remote violence",
        sub_event_type="Air/drone strike",
        description="قصف جوي على البلدة",
        actors=(("Test Air Force", "actor1"), ("Civilians (Test)", "actor2")),
        time_precision=2,
        geo_precision=2,
    )
    await add_event(
        session,
        "2013-08-21",
        36.4027,
        33.5711,
        place="sy-test-douma",
        governorate="SY03",
        fatalities=0,
        event_type="Protests",
        sub_event_type="Peaceful protest",
        actors=(("Test Protesters", "actor1"),),
    )


SNAPSHOT = """
SELECT e.event_type, e.sub_event_type, e.event_date::text AS day, e.place_id, e.fatalities,
       e.time_precision, e.geo_precision, e.governorate_pcode, e.description,
       round(ST_X(e.geom)::numeric, 4) AS lon, round(ST_Y(e.geom)::numeric, 4) AS lat,
       (SELECT array_agg(a.name || '/' || ea.side ORDER BY a.name, ea.side)
        FROM event_actors ea JOIN actors a ON a.id = ea.actor_id
        WHERE ea.event_id = e.id) AS actors
FROM events e ORDER BY e.event_date
"""


async def test_round_trip_export_f_acled_then_import_acled_into_a_fresh_database(
    tmp_path: Path,
    client: httpx.AsyncClient,
    session: AsyncSession,
    committed_database_url: str,
    target: Database,
) -> None:
    await _source_events(session)
    exported = await client.get("/events?f=acled")
    assert exported.status_code == 200
    path = tmp_path / "ours.csv"
    path.write_bytes(exported.content)
    async with target.session() as fresh:
        for place_id, lon, lat, name, gov in PLACES:
            await add_place(fresh, place_id, lon, lat, name_en=name, governorate=gov)

    done = run(committed_database_url, "acled", str(path))
    assert done.returncode == 0, done.stderr
    assert "ACLED: 3 created" in done.stderr

    before = [tuple(r) for r in (await (await session.connection()).execute(text(SNAPSHOT)))]
    after = [tuple(r) for r in await _query(target, SNAPSHOT)]
    assert after == before
    ids = await _query(target, "SELECT source, source_id FROM events")
    assert all(r.source == "acled" and r.source_id.startswith("ev_") for r in ids)
    again = run(committed_database_url, "acled", str(path))
    assert "0 created, 0 updated, 3 unchanged" in again.stderr
