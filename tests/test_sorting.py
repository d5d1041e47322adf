"""sortby on /events and OGC API items: every order pages exactly, forwards and back."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

# 60 events: 12 dates, fatalities 0..4 with every seventh missing, four creation times, one
# update time (the test's transaction): ties in every key, which the id breaks.
INSERT = text(
    "INSERT INTO events (event_date, event_type, sub_event_type, geom, status, fatalities,"
    " created_at)"
    " SELECT date '2016-03-01' + (i % 12), 'Battles', 'Armed clash',"
    " ST_SetSRID(ST_MakePoint(36 + i * 0.001, 34), 4326), 'published',"
    " CASE WHEN i % 7 = 0 THEN NULL ELSE i % 5 END,"
    " timestamptz '2020-01-01 00:00:00.123456+00' + (i % 4) * interval '1 hour'"
    " FROM generate_series(1, 60) i"
)


@pytest.fixture
async def events(session: AsyncSession) -> None:
    await (await session.connection()).execute(INSERT)


def _key(name: str, feature: dict[str, Any]) -> Any:
    value = feature["properties"][name]
    return -1 if value is None else value


async def _walk(client: httpx.AsyncClient, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    features: list[dict[str, Any]] = []
    urls: list[str] = []
    while url:
        urls.append(url)
        response = await client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        features += body["features"]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), "")
        assert len(urls) < 100
    return features, urls


@pytest.mark.usefixtures("events")
@pytest.mark.parametrize(
    "sortby",
    [
        "-fatalities,event_date",
        "fatalities",
        "event_date",
        "-event_date",
        "-updated_at,-fatalities",
        "created_at,-event_date",
        "+fatalities,-updated_at,event_date",
    ],
)
@pytest.mark.parametrize("path", ["/events", "/collections/events/items"])
async def test_every_order_pages_through_every_event_once_in_that_order(
    client: httpx.AsyncClient, sortby: str, path: str
) -> None:
    everything = (await client.get(f"{path}?limit=1000&sortby={sortby}")).json()["features"]
    assert len(everything) == 60
    keys = [(k.lstrip("+-"), k.startswith("-")) for k in sortby.split(",")]
    for i in range(len(everything) - 1):
        a, b = everything[i], everything[i + 1]
        for name, descending in keys:
            if _key(name, a) != _key(name, b):
                assert (_key(name, a) > _key(name, b)) == descending, (name, a, b)
                break
    paged, _ = await _walk(client, f"{path}?limit=7&sortby={sortby}")
    assert [f["id"] for f in paged] == [f["id"] for f in everything]


@pytest.mark.usefixtures("events")
async def test_prev_links_walk_the_same_order_backwards(client: httpx.AsyncClient) -> None:
    url = "/collections/events/items?limit=9&sortby=-fatalities,event_date"
    forward, urls = await _walk(client, url)
    pages = [[f["id"] for f in (await client.get(u)).json()["features"]] for u in urls]
    last = (await client.get(urls[-1])).json()
    back: list[list[str]] = []
    body = last
    while prev := next((lk["href"] for lk in body["links"] if lk["rel"] == "prev"), None):
        body = (await client.get(prev)).json()
        back.append([f["id"] for f in body["features"]])
    assert back == pages[-2::-1]
    assert [i for p in pages for i in p] == [f["id"] for f in forward]


@pytest.mark.usefixtures("events")
async def test_csv_pages_and_exports_follow_the_order(client: httpx.AsyncClient) -> None:
    features = (await client.get("/events?limit=1000&sortby=fatalities,-event_date")).json()
    ids = [f["id"] for f in features["features"]]
    page = await client.get("/events?f=csv&limit=1000&sortby=fatalities,-event_date")
    assert [line.split(",")[0] for line in page.text.splitlines()[1:]] == ids
    export = await client.get(
        "/events?f=csv&sortby=fatalities,-event_date&bbox=35,33,38,35&datetime=2016-01-01/2016-12-31"
    )
    assert export.status_code == 200, export.text
    assert [line.split(",")[0] for line in export.text.splitlines()[1:]] == ids


@pytest.mark.usefixtures("events")
@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("sortby=deaths", "cannot sort by 'deaths'"),
        ("sortby=-fatalities,fatalities", "'fatalities' is given twice"),
        ("sortby=", "cannot sort by ''"),
    ],
)
async def test_bad_orders_are_400s_naming_sortby(
    client: httpx.AsyncClient, query: str, words: str
) -> None:
    for path in ("/events", "/collections/events/items"):
        response = await client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["invalid_params"][0]["name"] == "sortby" and words in problem["detail"]


@pytest.mark.usefixtures("events")
async def test_a_cursor_pages_only_the_order_it_came_from(client: httpx.AsyncClient) -> None:
    body = (await client.get("/events?limit=5&sortby=-fatalities")).json()
    next_url = next(lk["href"] for lk in body["links"] if lk["rel"] == "next")
    cursor = next_url.split("cursor=")[1].split("&")[0]
    for other in ("fatalities", "-event_date"):
        response = await client.get(f"/events?limit=5&sortby={other}&cursor={cursor}")
        assert response.status_code == 400
        assert response.json()["invalid_params"][0]["name"] == "cursor"
    default = (await client.get("/events?limit=5")).json()
    plain = next(lk["href"] for lk in default["links"] if lk["rel"] == "next")
    plain_cursor = plain.split("cursor=")[1].split("&")[0]
    response = await client.get(f"/events?limit=5&sortby=-fatalities&cursor={plain_cursor}")
    assert response.status_code == 400


async def test_sorting_is_advertised_with_its_sortables(client: httpx.AsyncClient) -> None:
    conformance = (await client.get("/conformance")).json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting" in conformance
    collection = (await client.get("/collections/events")).json()
    rels = {link["rel"]: link["href"] for link in collection["links"]}
    href = rels["http://www.opengis.net/def/rel/ogc/1.0/sortables"]
    response = await client.get(href.replace("http://testserver", ""))
    assert response.headers["content-type"].startswith("application/schema+json")
    assert set(response.json()["properties"]) == {
        "event_date",
        "fatalities",
        "updated_at",
        "created_at",
    }
