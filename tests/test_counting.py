"""count=exact|estimate|none: numberMatched only when exact, the planner's estimate labelled."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

INSERT = text(
    "INSERT INTO events (event_date, event_type, sub_event_type, geom, status)"
    " SELECT date '2015-06-01' + (i % 30), 'Battles', 'Armed clash',"
    " ST_SetSRID(ST_MakePoint(37 + i * 0.0001, 35), 4326), 'published'"
    " FROM generate_series(1, 40) i"
)


@pytest.fixture
async def events(session: AsyncSession) -> None:
    conn = await session.connection()
    await conn.execute(INSERT)
    await conn.execute(text("ANALYZE events"))


@pytest.mark.usefixtures("events")
@pytest.mark.parametrize("path", ["/events", "/collections/events/items"])
async def test_exact_counts_every_match(client: httpx.AsyncClient, path: str) -> None:
    for word in ("exact", "true"):
        body = (await client.get(f"{path}?limit=5&count={word}")).json()
        assert body["numberMatched"] == 40 and "numberMatchedEstimate" not in body


@pytest.mark.usefixtures("events")
@pytest.mark.parametrize("path", ["/events", "/collections/events/items"])
async def test_an_estimate_is_never_given_as_number_matched(
    client: httpx.AsyncClient, path: str
) -> None:
    body = (await client.get(f"{path}?limit=5&count=estimate")).json()
    assert "numberMatched" not in body
    assert isinstance(body["numberMatchedEstimate"], int)
    assert 0 < body["numberMatchedEstimate"] < 1000  # ANALYZEd: about the 40 stored
    csv = await client.get(f"{path}?limit=5&count=estimate&f=csv")
    assert "X-Total-Count" not in csv.headers
    assert int(csv.headers["X-Total-Count-Estimate"]) == body["numberMatchedEstimate"]


@pytest.mark.usefixtures("events")
async def test_none_drops_the_cheap_count_of_ogc_items(client: httpx.AsyncClient) -> None:
    cheap = (await client.get("/collections/events/items?limit=100")).json()
    assert cheap["numberMatched"] == 40  # one page: counted for free
    bare = (await client.get("/collections/events/items?limit=100&count=none")).json()
    assert "numberMatched" not in bare and "numberMatchedEstimate" not in bare
    assert "numberMatched" not in (await client.get("/events?limit=5&count=false")).json()


async def test_other_counts_are_400s(client: httpx.AsyncClient) -> None:
    for path in ("/events", "/collections/events/items"):
        response = await client.get(f"{path}?count=roughly")
        assert response.status_code == 400
        assert response.json()["invalid_params"][0]["name"] == "count"
