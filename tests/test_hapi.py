"""HAPI-shaped conflict events: monthly rows per area and HAPI type, from events per test."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Actor, Event, EventActor
from tests.conftest import Keys
from tests.factories import add_event

PATH = "/hapi/v1/coordination-context/conflict-event"
ALEPPO = (37.16, 36.20)
IDLEB = (36.63, 35.93)


async def data(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(PATH, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["data"]
    rows: list[dict[str, Any]] = body["data"]
    return rows


def row(
    month: str,
    event_type: str,
    events: int,
    fatalities: int | None,
    *,
    admin1: str | None = "SY02",
    admin2: str | None = "SY0200",
    admin1_name: str | None = "Aleppo",
    admin2_name: str | None = None,
    last_day: int = 31,
) -> dict[str, Any]:
    """A row as served: ``month`` is YYYY-MM, ``last_day`` its last day."""
    return {
        "location_ref": 1,
        "location_code": "SYR",
        "location_name": "Syrian Arab Republic",
        "admin1_ref": int(admin1[2:]) if admin1 else None,
        "admin1_code": admin1,
        "admin1_name": admin1_name if admin1 else None,
        "admin2_ref": int(admin2[2:]) if admin2 else None,
        "admin2_code": admin2,
        "admin2_name": admin2_name,
        "resource_hdx_id": None,
        "event_type": event_type,
        "events": events,
        "fatalities": fatalities,
        "reference_period_start": f"{month}-01T00:00:00",
        "reference_period_end": f"{month}-{last_day:02d}T23:59:59",
    }


async def battle(
    session: AsyncSession,
    day: str,
    *,
    admin1: str | None = "SY02",
    admin2: str | None = "SY0200",
    fatalities: int | None = 0,
    **extra: Any,
) -> Event:
    lon, lat = IDLEB if admin1 == "SY07" else ALEPPO
    return await add_event(
        session,
        day,
        lon,
        lat,
        governorate=admin1,
        district_pcode=admin2,
        fatalities=fatalities,
        **extra,
    )


async def test_rows_are_months_per_area_and_type_with_summed_events_and_fatalities(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await battle(session, "2016-02-01", fatalities=3)
    await battle(session, "2016-02-29", fatalities=None)  # an unknown toll counts as 0
    await battle(session, "2016-02-15", fatalities=4)
    await battle(session, "2016-03-31", fatalities=1)
    await battle(session, "2016-02-10", admin1="SY07", admin2="SY0700", fatalities=10)
    await battle(session, "2016-02-11", admin2=None, fatalities=2)  # a governorate, no district
    await battle(session, "2016-02-12", admin1=None, admin2=None, fatalities=5)  # neither
    assert await data(client) == [
        # Oldest month first, then by pcode (none first), then type.
        row("2016-02", "political_violence", 1, 5, admin1=None, admin2=None, last_day=29),
        row("2016-02", "political_violence", 1, 2, admin2=None, last_day=29),
        row("2016-02", "political_violence", 3, 7, last_day=29),
        row(
            "2016-02",
            "political_violence",
            1,
            10,
            admin1="SY07",
            admin2="SY0700",
            admin1_name="Idleb",
            last_day=29,
        ),
        row("2016-03", "political_violence", 1, 1),
    ]


async def test_acled_types_map_to_hapis_three(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    def add(sub_type: str, parent: str, fatalities: int = 1) -> Any:
        return battle(
            session, "2019-05-10", event_type=parent, sub_event_type=sub_type, fatalities=fatalities
        )

    await add("Armed clash", "Battles")
    await add("Air/drone strike", "Explosions/Remote violence")
    await add("Attack", "Violence against civilians")
    await add("Mob violence", "Riots")
    await add("Excessive force against protesters", "Protests")
    await add("Peaceful protest", "Protests", fatalities=0)
    await add("Violent demonstration", "Riots")
    await add("Arrests", "Strategic developments")  # none of HAPI's types
    # Shelling whose primary target (actor2) is of ACLED's civilians type (inter code 7).
    shelled = await add("Shelling/artillery/missile attack", "Explosions/Remote violence")
    civilians = Actor(name="Civilians (Syria)", inter_code=7)
    session.add(civilians)
    await session.flush()
    assert shelled.id is not None and civilians.id is not None
    session.add(EventActor(event_id=shelled.id, actor_id=civilians.id, side="actor2"))
    # Civilians as actor1 do not make their own attack civilian targeting.
    mob = await add("Armed clash", "Battles")
    assert mob.id is not None
    session.add(EventActor(event_id=mob.id, actor_id=civilians.id, side="actor1"))
    await session.flush()

    rows = await data(client)
    assert {r["event_type"]: (r["events"], r["fatalities"]) for r in rows} == {
        # clash x2, air strike, attack, mob violence, excessive force, shelling
        "political_violence": (7, 7),
        # the attack, and the shelling of civilians
        "civilian_targeting": (2, 2),
        # excessive force, peaceful and violent demonstration; HAPI has no fatalities here
        "demonstration": (3, None),
    }
    only = await data(client, event_type="civilian_targeting")
    assert [(r["event_type"], r["events"]) for r in only] == [("civilian_targeting", 2)]


async def test_admin_filters_by_code_ref_name_and_level(
    client: httpx.AsyncClient, session: AsyncSession, gazetteer: None
) -> None:
    await battle(session, "2018-01-05")
    await battle(session, "2018-01-06", admin1="SY07", admin2="SY0700", fatalities=2)
    await battle(session, "2018-01-07", admin2=None)
    await battle(session, "2018-01-08", admin1=None, admin2=None)

    def areas(rows: list[dict[str, Any]]) -> list[tuple[str | None, str | None]]:
        return [(r["admin1_code"], r["admin2_code"]) for r in rows]

    everything = await data(client)
    # District names come from the gazetteer's OCHA districts.
    assert [(r["admin2_code"], r["admin2_name"]) for r in everything] == [
        (None, None),
        (None, None),
        ("SY0200", "Jebel Saman"),
        ("SY0700", "Idleb"),
    ]
    assert areas(await data(client, admin1_code="sy07")) == [("SY07", "SY0700")]
    assert areas(await data(client, admin1_ref=2)) == [("SY02", None), ("SY02", "SY0200")]
    assert areas(await data(client, admin2_code="SY0200")) == [("SY02", "SY0200")]
    assert areas(await data(client, admin2_ref=700)) == [("SY07", "SY0700")]
    assert areas(await data(client, admin1_name="alep")) == [("SY02", None), ("SY02", "SY0200")]
    assert areas(await data(client, admin2_name="saman")) == [("SY02", "SY0200")]
    assert areas(await data(client, admin_level="0")) == [(None, None)]
    assert areas(await data(client, admin_level="1")) == [("SY02", None)]
    assert areas(await data(client, admin_level="2")) == [("SY02", "SY0200"), ("SY07", "SY0700")]
    # Both a code and a ref: rows must match both.
    assert await data(client, admin1_code="SY02", admin1_ref=7) == []
    # Location: Syria only, by HAPI's code, ref or name.
    assert len(await data(client, location_code="syr", location_name="syria")) == 4
    assert len(await data(client, location_ref=1)) == 4
    assert await data(client, location_code="AFG") == []
    assert await data(client, location_ref=2) == []
    assert await data(client, location_name="Lebanon") == []


async def test_dates_select_whole_months_overlapping_the_range(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for day in ("2017-01-31", "2017-02-01", "2017-02-28", "2017-03-01", "2017-04-30"):
        await battle(session, day, fatalities=1)

    def months(rows: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
        return [(r["reference_period_start"], r["reference_period_end"], r["events"]) for r in rows]

    # A range inside February still gives February's whole row, as HAPI's rows are months.
    assert months(await data(client, start_date="2017-02-10", end_date="2017-02-11")) == [
        ("2017-02-01T00:00:00", "2017-02-28T23:59:59", 2)
    ]
    assert months(await data(client, start_date="2017-02-28")) == [
        ("2017-02-01T00:00:00", "2017-02-28T23:59:59", 2),
        ("2017-03-01T00:00:00", "2017-03-31T23:59:59", 1),
        ("2017-04-01T00:00:00", "2017-04-30T23:59:59", 1),
    ]
    assert months(await data(client, end_date="2017-01-01T00:00:00")) == [
        ("2017-01-01T00:00:00", "2017-01-31T23:59:59", 1)
    ]
    assert months(await data(client, end_date="9999-12-31")) == months(await data(client))


async def test_offset_and_limit_page_the_rows(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for month in range(1, 6):
        await battle(session, f"2015-{month:02d}-10")
    everything = await data(client)
    assert len(everything) == 5
    assert await data(client, offset=1, limit=2) == everything[1:3]
    assert await data(client, offset=4, limit=10) == everything[4:]
    assert await data(client, offset=5) == []
    assert await data(client, limit=0) == []


async def test_csv_has_the_same_columns_and_rows_as_json(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await battle(session, "2020-06-01", fatalities=2)
    await battle(session, "2020-06-02", admin1=None, admin2=None)
    await battle(session, "2020-07-02", event_type="Protests", sub_event_type="Peaceful protest")
    rows = await data(client)
    assert len(rows) == 3
    response = await client.get(PATH, params={"output_format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == list(rows[0])

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    assert table[1:] == [[text(v) for v in r.values()] for r in rows]
    # The same paging and filters apply.
    paged = await client.get(PATH, params={"output_format": "csv", "offset": 1, "limit": 1})
    assert list(csv.reader(io.StringIO(paged.text))) == [table[0], table[2]]


async def test_drafts_and_retractions_are_never_counted(
    client: httpx.AsyncClient, session: AsyncSession, keys: Keys
) -> None:
    await battle(session, "2021-03-01", fatalities=1)
    await battle(session, "2021-03-02", fatalities=50, status="draft")
    await battle(session, "2021-04-02", fatalities=50, status="draft")
    await battle(session, "2021-03-03", fatalities=50, status="retracted")
    expected = [row("2021-03", "political_violence", 1, 1)]
    assert await data(client) == expected
    # Not even for a key that may read drafts elsewhere.
    response = await client.get(PATH, headers=keys.analyst)
    assert response.status_code == 200
    assert response.json() == {"data": expected}


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"event_type": "battles"}, "event_type"),
        ({"admin_level": "3"}, "admin_level"),
        ({"output_format": "xml"}, "output_format"),
        ({"limit": "10001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"admin1_ref": "two"}, "admin1_ref"),
        ({"start_date": "2017-13-01"}, "start_date"),
        ({"end_date": "yesterday"}, "end_date"),
        ({"start_date": "2017-03-01", "end_date": "2017-02-01"}, "end_date"),
        ({"reference_period_start_min": "2017-01-01"}, "reference_period_start_min"),
    ],
)
async def test_bad_parameters_are_400_problems_naming_them(
    client: httpx.AsyncClient, params: dict[str, str], name: str
) -> None:
    response = await client.get(PATH, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400
    assert [p["name"] for p in problem["invalid_params"]] == [name]


async def test_a_current_copy_is_a_304_and_writes_change_the_tag(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await battle(session, "2022-01-01")
    first = await client.get(PATH)
    assert first.status_code == 200 and "public" in first.headers["cache-control"]
    again = await client.get(PATH, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    csv_tag = (await client.get(PATH, params={"output_format": "csv"})).headers["etag"]
    assert csv_tag != first.headers["etag"]
    await battle(session, "2022-01-02")
    after = await client.get(PATH, headers={"If-None-Match": first.headers["etag"]})
    assert after.status_code == 200 and after.json()["data"][0]["events"] == 2
