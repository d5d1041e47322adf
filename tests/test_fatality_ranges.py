"""Fatalities as a range (migration 0010): UCDP's best / low / high and civilian deaths beside
ACLED's single figure; checked by the store and the API, written, versioned, filtered,
exported, imported and summed."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from app.events import history
from app.exchange.acled import COLUMNS as ACLED_COLUMNS
from app.exchange.service import import_files
from tests.conftest import Keys, RolledBackDatabase
from tests.exchange_data import ucdp_row, write_ucdp
from tests.factories import add_event
from tests.test_event_writes import create, feature
from tests.test_exchange_import import QUIET

RANGE = ("fatalities_low", "fatalities_high", "civilian_fatalities")


async def _insert(conn: AsyncConnection, **figures: int | None) -> None:
    columns = ", ".join(figures)
    binds = ", ".join(f":{name}" for name in figures)
    await conn.execute(
        text(
            f"INSERT INTO events (event_date, event_type, sub_event_type, geom, {columns})"
            f" VALUES ('2017-01-01', 'Battles', 'Armed clash',"
            f" ST_SetSRID(ST_MakePoint(36.3, 33.5), 4326), {binds})"
        ),
        figures,
    )


@pytest.mark.parametrize(
    ("figures", "constraint"),
    [
        ({"fatalities": 3, "fatalities_low": 4}, "ck_events_fatalities_range"),
        ({"fatalities": 6, "fatalities_high": 5}, "ck_events_fatalities_range"),
        ({"fatalities_low": 7, "fatalities_high": 5}, "ck_events_fatalities_range"),
        ({"fatalities_low": -1}, "ck_events_fatalities_low"),
        ({"fatalities_high": -1}, "ck_events_fatalities_high"),
        ({"civilian_fatalities": -1}, "ck_events_civilian_fatalities"),
        ({"fatalities": 3, "fatalities_high": 5, "civilian_fatalities": 6}, "civilian_fatalities"),
        ({"fatalities": 3, "civilian_fatalities": 4}, "ck_events_civilian_fatalities_range"),
    ],
)
async def test_the_store_refuses_a_range_that_does_not_hold(
    conn: AsyncConnection, figures: dict[str, int], constraint: str
) -> None:
    with pytest.raises(IntegrityError, match=constraint):
        async with conn.begin_nested():
            await _insert(conn, **figures)


async def test_the_store_takes_what_is_known_and_compares_only_that(conn: AsyncConnection) -> None:
    for figures in (
        {"fatalities": 3, "fatalities_low": 2, "fatalities_high": 9, "civilian_fatalities": 9},
        {"fatalities": 3, "fatalities_low": 3, "fatalities_high": 3},
        {"fatalities": None, "fatalities_low": 2, "fatalities_high": 5},
        {"fatalities": 4, "fatalities_high": None, "civilian_fatalities": 4},
        {"fatalities": None, "civilian_fatalities": 40},
    ):
        await _insert(conn, **figures)


async def test_an_analyst_writes_a_range_and_reads_it_back_everywhere(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    created = await create(
        client,
        keys.analyst,
        fatalities=5,
        fatalities_low=3,
        fatalities_high=9,
        civilian_fatalities=2,
    )
    body = created.json()
    props = body["properties"]
    assert [props[n] for n in ("fatalities", *RANGE)] == [5, 3, 9, 2]
    assert list(props).index("fatalities_low") == list(props).index("fatalities") + 1
    detail = (await client.get(f"/events/{body['id']}", headers=keys.analyst)).json()
    assert [detail["properties"][n] for n in RANGE] == [3, 9, 2]
    listed = await client.get("/events?status=draft", headers=keys.analyst)
    assert [listed.json()["features"][0]["properties"][n] for n in RANGE] == [3, 9, 2]
    chosen = await client.get(
        "/events?status=draft&properties=fatalities_high", headers=keys.analyst
    )
    assert chosen.json()["features"][0]["properties"] == {"fatalities_high": 9}
    table = await client.get("/events?status=draft&f=csv", headers=keys.analyst)
    assert table.status_code == 200, table.text
    rows = list(csv.DictReader(io.StringIO(table.text)))
    header = list(rows[0])
    at = header.index("fatalities")
    assert header[at : at + 4] == ["fatalities", *RANGE]
    assert [rows[0][n] for n in ("fatalities", *RANGE)] == ["5", "3", "9", "2"]


@pytest.mark.parametrize(
    ("figures", "blamed"),
    [
        ({"fatalities": 3, "fatalities_low": 4}, "fatalities_low"),
        ({"fatalities": 6, "fatalities_high": 5}, "fatalities_high"),
        ({"fatalities": None, "fatalities_low": 6, "fatalities_high": 5}, "fatalities_low"),
        ({"fatalities": 3, "civilian_fatalities": 4}, "civilian_fatalities"),
        ({"fatalities_high": 5, "civilian_fatalities": 6}, "civilian_fatalities"),
        ({"fatalities_low": -1}, "fatalities_low"),
    ],
)
async def test_a_range_that_does_not_hold_is_a_400(
    client: httpx.AsyncClient, keys: Keys, figures: dict[str, Any], blamed: str
) -> None:
    response = await client.post("/events", json=feature(**figures), headers=keys.analyst)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert blamed in response.json()["detail"]


async def test_a_patch_that_breaks_the_range_is_a_400_and_changes_nothing(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    created = (await create(client, keys.analyst, fatalities=5, fatalities_high=8)).json()
    url = f"/events/{created['id']}"
    headers = {**keys.analyst, "If-Match": "*"}
    response = await client.patch(url, json={"properties": {"fatalities": 9}}, headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "fatalities_high: 8 is less than fatalities (9)" in response.json()["detail"]
    # Raising both at once holds.
    both = {"properties": {"fatalities": 9, "fatalities_high": 12}}
    response = await client.patch(url, json=both, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["version"] == 2


async def test_history_shows_each_figure_that_changed(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    created = (await create(client, keys.analyst, fatalities=5)).json()
    url = f"/events/{created['id']}"
    headers = {**keys.analyst, "If-Match": "*"}
    patches = [
        {"fatalities_low": 2, "fatalities_high": 10},
        {"civilian_fatalities": 1},
        {"fatalities_high": 7, "civilian_fatalities": None},
    ]
    for patch in patches:
        response = await client.patch(url, json={"properties": patch}, headers=headers)
        assert response.status_code == 200, response.text
    versions = (await client.get(f"{url}/history", headers=keys.analyst)).json()["versions"]
    assert not set(RANGE) & set(versions[0]["changes"]), "nothing known: nothing listed"
    assert [v["changes"] for v in versions[1:]] == [
        {"fatalities_low": {"from": None, "to": 2}, "fatalities_high": {"from": None, "to": 10}},
        {"civilian_fatalities": {"from": None, "to": 1}},
        {
            "fatalities_high": {"from": 10, "to": 7},
            "civilian_fatalities": {"from": 1, "to": None},
        },
    ]


def test_a_version_written_before_the_ranges_lacks_them_and_reads_as_unknown() -> None:
    # Versions written before migration 0010 have no such keys (their snapshots are kept).
    old = {"fatalities": 5, "geom": {"type": "Point", "coordinates": [36.2, 35.1]}}
    same = {**old, "fatalities_low": None, "fatalities_high": None, "civilian_fatalities": None}
    ranged = {**same, "fatalities_low": 4}
    assert history.diff(history._fields(old, None), history._fields(same, None)) == {}
    changes = history.diff(history._fields(same, None), history._fields(ranged, None))
    assert {n: (c.before, c.after) for n, c in changes.items()} == {"fatalities_low": (None, 4)}


async def test_cql2_filters_on_the_new_figures(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    wide = await add_event(
        session, "2017-02-01", 36.2, 35.1, fatalities=5, fatalities_low=1, fatalities_high=40
    )
    await add_event(session, "2017-02-02", 36.2, 35.1, fatalities=5, fatalities_high=6)
    civilians = await add_event(
        session, "2017-02-03", 36.2, 35.1, fatalities=2, civilian_fatalities=2
    )
    queryables = (await client.get("/collections/events/queryables")).json()["properties"]
    assert {queryables[n]["type"] for n in RANGE} == {"integer"}
    for cql, expected in (
        ("fatalities_high > 10", {wide.public_id}),
        ("civilian_fatalities >= 1", {civilians.public_id}),
        ("fatalities_low IS NULL AND fatalities_high IS NULL", {civilians.public_id}),
    ):
        response = await client.get(
            "/collections/events/items", params={"filter": cql, "limit": "10"}
        )
        assert response.status_code == 200, response.text
        assert {f["id"] for f in response.json()["features"]} == expected, cql


async def test_acled_export_keeps_acleds_columns_and_the_best_figure(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_event(
        session,
        "2017-02-01",
        36.2,
        35.1,
        fatalities=5,
        fatalities_low=1,
        fatalities_high=40,
        civilian_fatalities=3,
    )
    response = await client.get("/events?f=acled")
    assert response.status_code == 200, response.text
    reader = csv.reader(io.StringIO(response.text))
    header = next(reader)
    assert tuple(header) == ACLED_COLUMNS
    row = dict(zip(header, next(reader), strict=True))
    assert row["fatalities"] == "5"


async def _stored(session: AsyncSession) -> list[tuple[Any, ...]]:
    conn = await session.connection()
    rows = await conn.execute(
        text(
            "SELECT e.source_id, e.fatalities, e.fatalities_low, e.fatalities_high,"
            " e.civilian_fatalities, e.version FROM events e ORDER BY e.source_id"
        )
    )
    return [tuple(r) for r in rows.all()]


async def test_ucdp_import_fills_the_range_and_a_changed_row_makes_a_version(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession, client: httpx.AsyncClient
) -> None:
    rows = [
        ucdp_row(id="900001", best="3", low="2", high="5", deaths_civilians="1"),
        ucdp_row(id="900002", best="4", low="", high="", deaths_civilians=""),
        ucdp_row(id="900003", best="4", low="5", high="6"),  # low above best: a bad row
    ]
    first = await import_files(db, "ucdp", [write_ucdp(tmp_path / "a.csv", rows)], QUIET)
    assert first.created == 2
    assert len(first.problems) == 1 and "deaths do not add up" in first.problems[0]
    assert await _stored(session) == [
        ("900001", 3, 2, 5, 1, 1),
        ("900002", 4, None, None, None, 1),
    ]
    again = await import_files(db, "ucdp", [write_ucdp(tmp_path / "a.csv", rows[:2])], QUIET)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[0] = {**rows[0], "low": "1", "high": "9", "deaths_civilians": "2"}
    changed = await import_files(db, "ucdp", [write_ucdp(tmp_path / "b.csv", rows[:2])], QUIET)
    assert (changed.updated, changed.unchanged) == (1, 1)
    assert (await _stored(session))[0] == ("900001", 3, 1, 9, 2, 2)
    conn = await session.connection()
    public_id = (
        await conn.execute(text("SELECT public_id FROM events WHERE source_id = '900001'"))
    ).scalar_one()
    versions = (await client.get(f"/events/{public_id}/history")).json()["versions"]
    assert versions[-1]["reason"] == "UCDP update (the row changed)"
    changes = versions[-1]["changes"]
    assert {n: changes[n] for n in RANGE} == {
        "fatalities_low": {"from": 2, "to": 1},
        "fatalities_high": {"from": 5, "to": 9},
        "civilian_fatalities": {"from": 1, "to": 2},
    }


async def test_statistics_sum_each_figure_by_the_rule(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # low and high where known, else the best figure; civilians where known; unknown as 0.
    for best, low, high, civilians in (
        (5, 2, 9, 1),
        (4, None, None, None),
        (None, 1, 6, None),
        (3, 3, None, 3),
        (None, None, None, None),
    ):
        await add_event(
            session,
            "2017-02-01",
            36.2,
            35.1,
            governorate="SY07",
            fatalities=best,
            fatalities_low=low,
            fatalities_high=high,
            civilian_fatalities=civilians,
        )
    sums = {"fatalities": 12, "fatalities_low": 10, "fatalities_high": 22, "civilian_fatalities": 4}
    summary = (await client.get("/stats/summary")).json()
    assert {k: summary["total"][k] for k in sums} == sums
    by_gov = {g["governorate_pcode"]: g for g in summary["by_governorate"]}
    assert {k: by_gov["SY07"][k] for k in sums} == sums
    assert {k: by_gov["SY02"][k] for k in sums} == dict.fromkeys(sums, 0)
    series = (await client.get("/stats/timeseries?interval=month")).json()
    assert {k: series["totals"][k] for k in sums} == {k: [v] for k, v in sums.items()}
    table = await client.get("/stats/timeseries?interval=month&group_by=type&f=csv")
    assert table.text.splitlines() == [
        "period,group,count,fatalities,fatalities_low,fatalities_high,civilian_fatalities",
        "2017-02-01,Battles,5,12,10,22,4",
    ]
    grid = (await client.get("/stats/grid?size_km=50")).json()
    (cell,) = grid["features"]
    assert {k: cell["properties"][k] for k in sums} == sums
