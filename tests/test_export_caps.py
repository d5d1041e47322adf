"""Caps on exports without limit=: a bbox area and a datetime span set by the operator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.main import create_app
from app.settings import Settings
from tests.conftest import RolledBackDatabase
from tests.factories import add_event
from tests.test_bad_input import assert_problem

YEAR_2017 = "datetime=2017-01-01/2017-12-31"


@pytest.fixture
async def capped(database_url: str, db: RolledBackDatabase) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=database_url, export_max_bbox_deg2=4, export_max_days=366)
    transport = httpx.ASGITransport(app=create_app(settings, database=db))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.parametrize(
    ("query", "name", "words"),
    [
        (YEAR_2017, "bbox", "the whole world"),
        (f"bbox=38,33,41.5,36&{YEAR_2017}", "bbox", "10.5"),
        ("bbox=38,33,40,35", "datetime", "open-ended"),
        ("bbox=38,33,40,35&datetime=2017-01-01/..", "datetime", "open-ended"),
        ("bbox=38,33,40,35&datetime=2016-01-01/2017-12-31", "datetime", "731 days"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
async def test_an_export_past_a_cap_is_a_400_that_suggests_paging(
    capped: httpx.AsyncClient, query: str, name: str, words: str, fmt: str
) -> None:
    response = await capped.get(f"/events?{query}&f={fmt}")
    assert_problem(response, 400, name)
    assert words in response.json()["detail"]
    assert "limit=" in response.json()["detail"]


async def test_an_export_within_the_caps_streams(
    capped: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_event(session, "2017-09-04", 39.0, 34.0)
    await add_event(session, "2015-01-01", 39.0, 34.0)
    within = await capped.get(f"/events?bbox=38,33,40,35&{YEAR_2017}&f=csv")
    assert within.status_code == 200, within.text
    assert len(within.text.splitlines()) == 2  # the header and the 2017 event
    one_day = await capped.get("/events?bbox=38,33,40,35&datetime=2017-09-04&f=ndjson")
    assert one_day.status_code == 200 and len(one_day.text.splitlines()) == 1


async def test_paged_exports_and_geojson_are_not_capped(
    capped: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_event(session, "2015-01-01", 39.0, 34.0)
    paged = await capped.get("/events?f=csv&limit=10")
    assert paged.status_code == 200 and len(paged.text.splitlines()) == 2
    assert (await capped.get("/events")).status_code == 200


async def test_no_cap_by_default(client: httpx.AsyncClient) -> None:
    assert (await client.get("/events?f=csv")).status_code == 200
