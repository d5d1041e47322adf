"""f=acled: ACLED's columns in ACLED's order, ACLED's values, streamed or paged."""

from __future__ import annotations

import csv
import io
from datetime import date

import httpx
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.exchange.acled import COLUMNS
from tests.factories import add_event, add_place


async def _events(session: AsyncSession) -> None:
    await add_place(session, "sy-test-mayadin", 40.45, 35.02, name_en="Mayadin", governorate="SY09")
    await add_place(
        session, "ocha-test-sy0903", 40.45, 35.02, name_en="Al Mayadin", kind="district"
    )
    conn = await session.connection()
    await conn.execute(text("UPDATE places SET pcode = 'SY0903' WHERE id = 'ocha-test-sy0903'"))
    clash = await add_event(
        session,
        "2017-09-05",
        40.4511,
        35.0192,
        place="sy-test-mayadin",
        governorate="SY09",
        district_pcode="SY0903",
        fatalities=4,
        description='Clashes, "heavy" at dawn',
        actors=(
            ("Test Army Brigade", "actor1"),
            ("Test Militia", "assoc_actor_1"),
            ("Test Hill Fighters", "actor2"),
        ),
    )
    await conn.execute(
        text("UPDATE events SET source = 'acled', source_id = 'SYR900001' WHERE id = :id"),
        {"id": clash.id},
    )
    await conn.execute(
        text(
            "UPDATE actors SET inter_code = CASE name WHEN 'Test Army Brigade' THEN 1 ELSE 2 END"
            " WHERE name IN ('Test Army Brigade', 'Test Hill Fighters')"
        )
    )
    await add_event(
        session,
        "2017-09-04",
        40.2,
        35.3,
        governorate="SY09",
        fatalities=None,
        event_type="Protests",
        sub_event_type="Excessive force against protesters",
        actors=(("Test Protesters", "actor1"),),
    )


def _table(response: httpx.Response) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(response.text))
    header = next(reader)
    assert tuple(header) == COLUMNS, "ACLED's columns in ACLED's order"
    return [dict(zip(header, row, strict=True)) for row in reader]


async def test_f_acled_writes_acled_columns_and_values(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _events(session)
    response = await client.get("/events?governorate=SY09&f=acled")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "events-acled.csv" in response.headers["content-disposition"]
    clash, protest = _table(response)
    updated = (
        await (await session.connection()).execute(
            text(
                "SELECT floor(extract(epoch FROM updated_at))::bigint FROM events"
                " WHERE source_id = 'SYR900001'"
            )
        )
    ).scalar_one()
    assert clash == {
        "event_id_cnty": "SYR900001",
        "event_date": "2017-09-05",
        "year": "2017",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "Test Army Brigade",
        "assoc_actor_1": "Test Militia",
        "inter1": "1",
        "actor2": "Test Hill Fighters",
        "assoc_actor_2": "",
        "inter2": "2",
        "interaction": "12",
        "civilian_targeting": "",
        "iso": "760",
        "region": "Middle East",
        "country": "Syria",
        "admin1": "Deir ez Zor",
        "admin2": "Al Mayadin",
        "admin3": "",
        "location": "Mayadin",
        "latitude": "35.0192",
        "longitude": "40.4511",
        "geo_precision": "1",
        "source": "",
        "source_scale": "",
        "notes": 'Clashes, "heavy" at dawn',
        "fatalities": "4",
        "tags": "",
        "timestamp": str(updated),
    }
    assert protest["event_id_cnty"].startswith("ev_"), "not from ACLED: our public id"
    assert protest["disorder_type"] == "Political violence; Demonstrations"
    assert (protest["inter1"], protest["interaction"]) == ("", ""), "type not known"
    assert protest["fatalities"] == "0", "unknown is 0, as in ACLED's files"
    assert protest["location"] == "" and protest["admin2"] == ""


async def test_f_acled_pages_like_csv_and_answers_accept_with_a_profile(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _events(session)
    first = await client.get("/events?f=acled&limit=1&count=true")
    assert len(_table(first)) == 1
    assert first.headers["x-total-count"] == "2"
    next_url = first.headers["link"].split(">")[0].lstrip("<")
    second = await client.get(next_url)
    assert _table(second)[0]["event_date"] == "2017-09-04"
    by_accept = await client.get("/events", headers={"Accept": 'text/csv; profile="acled"'})
    assert len(_table(by_accept)) == 2
    plain = await client.get("/events", headers={"Accept": "text/csv"})
    assert plain.text.startswith("id,event_date"), "text/csv alone is our own CSV"


async def test_f_acled_at_a_place_and_as_of(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _events(session)
    at_place = _table(await client.get("/places/sy-test-mayadin/events?f=acled"))
    assert [r["event_id_cnty"] for r in at_place] == ["SYR900001"]
    later = date.today().isoformat() + "T23:59:59Z"
    as_of = _table(await client.get(f"/events?f=acled&as_of={later}"))
    assert {r["actor1"] for r in as_of} == {"Test Army Brigade", "Test Protesters"}
    bad = await client.get("/places?f=acled")
    assert bad.status_code == 400, "ACLED's columns are for events"
