"""Keyset paging through next links: complete, without duplicates, stable under inserts."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import add_event

INSERT_MANY = text(
    "INSERT INTO events (event_date, event_type, sub_event_type, geom, status)"
    " SELECT date '2014-01-01' + (i % 50), 'Battles', 'Armed clash',"
    " ST_SetSRID(ST_MakePoint(36 + i * 0.0001, 34), 4326), 'published'"
    " FROM generate_series(1, :n) i RETURNING public_id"
)


async def _insert(session: AsyncSession, n: int) -> set[str]:
    result = await (await session.connection()).execute(INSERT_MANY, {"n": n})
    return {row[0] for row in result}


async def walk(client: httpx.AsyncClient, url: str) -> list[list[str]]:
    pages: list[list[str]] = []
    while url:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([f["id"] for f in body["features"]])
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), "")
        assert len(pages) < 100
    return pages


async def test_paging_visits_every_event_once_newest_first(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    expected = await _insert(session, 230)
    pages = await walk(client, "/events?limit=50")
    assert [len(p) for p in pages] == [50, 50, 50, 50, 30]
    seen = [i for page in pages for i in page]
    assert len(seen) == len(set(seen)) == 230
    assert set(seen) == expected
    dates = [
        f["properties"]["event_date"]
        for f in (await client.get("/events?limit=230")).json()["features"]
    ]
    assert dates == sorted(dates, reverse=True)


async def test_next_link_keeps_the_filters(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _insert(session, 30)
    await add_event(session, "2014-01-10", 40.0, 35.0, governorate="SY09")
    pages = await walk(client, "/events?limit=10&bbox=35.9,33.9,36.1,34.1")
    assert sum(len(p) for p in pages) == 30


async def test_inserts_while_paging_cause_no_duplicates_or_gaps(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    original = await _insert(session, 120)
    url = "/events?limit=40"
    seen: list[str] = []
    while url:
        body = (await client.get(url)).json()
        seen += [f["id"] for f in body["features"]]
        # new events on dates both before and after the current page arrive meanwhile
        await add_event(session, "2014-01-25", 36.0, 34.0)
        await add_event(session, "2030-01-01", 36.0, 34.0)
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), "")
    assert len(seen) == len(set(seen))
    assert original <= set(seen)


async def test_count_true_adds_number_matched(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _insert(session, 25)
    body = (await client.get("/events?limit=10&count=true")).json()
    assert body["numberMatched"] == 25 and body["numberReturned"] == 10
    assert "numberMatched" not in (await client.get("/events?limit=10")).json()


async def test_limit_above_the_maximum_is_clamped(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _insert(session, 10_005)
    body = (await client.get("/events?limit=50000")).json()
    assert body["numberReturned"] == 10_000
    assert any(link["rel"] == "next" for link in body["links"])
    assert (await client.get("/events")).json()["numberReturned"] == 100
