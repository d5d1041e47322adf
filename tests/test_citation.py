"""Citable answers: a cite-as link with as_of pinned to the answer's data, and a line to cite."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.conftest import Live
from tests.factories import add_event
from tests.test_event_writes import feature

QUERY = "bbox=35,35,38,37&datetime=2018-01-01/2018-12-31"


@pytest.fixture
async def events(session: AsyncSession) -> None:
    for day in ("2018-02-01", "2018-03-05", "2018-07-09"):
        await add_event(session, day, 36.5, 36.0, governorate="SY07", fatalities=2)


def _pinned(href: str) -> datetime:
    [as_of] = parse_qs(urlsplit(href).query)["as_of"]
    return datetime.fromisoformat(as_of.replace("Z", "+00:00"))


@pytest.mark.parametrize("path", ["/events", "/collections/events/items"])
async def test_a_cited_page_answers_the_same_after_corrections(live: Live, path: str) -> None:
    client, editor = live.client, live.keys.editor
    made = []
    for day in ("2024-03-02", "2024-03-05", "2024-03-09"):
        created = await client.post(
            "/events", json=feature(event_date=day, status="published"), headers=editor
        )
        made.append(created.json()["id"])
    query = "bbox=36,35,37,37&datetime=2024-01-01/2024-12-31&limit=10"
    response = await client.get(f"{path}?{query}")
    body = response.json()
    [cite] = [link["href"] for link in body["links"] if link["rel"] == "cite-as"]
    assert cite.split("?")[1].startswith(query + "&as_of=")
    # Last-Modified is the same instant, to the second (HTTP dates have no fraction).
    modified = parsedate_to_datetime(response.headers["Last-Modified"])
    assert _pinned(cite).replace(microsecond=0) == modified
    assert body["citation"].startswith("Syria Events API (") and body["citation"].endswith(cite)
    # Corrections, a retraction and a new event since: the cited request does not see them.
    await client.patch(
        f"/events/{made[0]}",
        json={"properties": {"fatalities": 9}},
        headers={**editor, "If-Match": '"1"'},
    )
    await client.delete(
        f"/events/{made[1]}?reason=duplicate", headers={**editor, "If-Match": '"1"'}
    )
    await client.post("/events", json=feature(status="published"), headers=editor)
    again = (await client.get(cite.replace("http://testserver", ""))).json()
    assert again["features"] == body["features"]
    # An answer that names its as_of is its own citation.
    assert [lk["href"] for lk in again["links"] if lk["rel"] == "cite-as"] == [cite]
    now = (await client.get(f"{path}?{query}")).json()
    assert len(now["features"]) == 3 and now["features"] != body["features"]


async def test_a_cited_statistic_answers_the_same_after_corrections(live: Live) -> None:
    client, editor = live.client, live.keys.editor
    created = await client.post("/events", json=feature(status="published"), headers=editor)
    first = await client.get("/stats/summary")
    href = first.headers["Link"].split(">")[0].lstrip("<")
    assert 'rel="cite-as"' in first.headers["Link"] and "as_of=" in href
    assert first.headers["X-Citation"].endswith(href)
    await client.patch(
        f"/events/{created.json()['id']}",
        json={"properties": {"fatalities": 40}},
        headers={**editor, "If-Match": '"1"'},
    )
    assert (await client.get("/stats/summary")).json() != first.json()
    assert (await client.get(href.replace("http://testserver", ""))).json() == first.json()


@pytest.mark.usefixtures("events")
async def test_csv_pages_exports_and_statistics_cite_in_headers(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get(f"/events?{QUERY}&limit=2&f=csv")
    assert 'rel="next"' in page.headers["Link"] and 'rel="cite-as"' in page.headers["Link"]
    assert page.headers["X-Citation"].startswith("Syria Events API")
    export = await client.get(f"/events?{QUERY}&f=ndjson")
    assert export.status_code == 200
    assert 'rel="cite-as"' in export.headers["Link"] and "as_of=" in export.headers["Link"]
    for stats in ("/stats/summary", "/stats/timeseries?interval=month"):
        response = await client.get(f"{stats}{'&' if '?' in stats else '?'}{QUERY}")
        assert response.status_code == 200, response.text
        href = response.headers["Link"].split(">")[0].lstrip("<")
        assert "as_of=" in href and response.headers["X-Citation"].endswith(href)
        pinned = await client.get(href.replace("http://testserver", ""))
        assert pinned.status_code == 200 and pinned.json() == response.json()


@pytest.mark.usefixtures("events")
async def test_a_304_carries_no_citation(client: httpx.AsyncClient) -> None:
    first = await client.get(f"/stats/summary?{QUERY}")
    again = await client.get(
        f"/stats/summary?{QUERY}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and "X-Citation" not in again.headers
