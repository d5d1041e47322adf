"""OGC API - Features (Part 1 core): the landing page, conformance, collections, items and
single items, with their links; paging through next and prev; drafts; 400s naming the
parameter."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import Reader
from tests.conftest import Keys
from tests.factories import add_event, add_place

ITEMS = "/collections/events/items"
CONF = "http://www.opengis.net/spec/{}/1.0/conf/{}"

INSERT_MANY = text(
    "INSERT INTO events (event_date, event_type, sub_event_type, geom, status)"
    " SELECT date '2014-01-01' + (i % 50), 'Battles', 'Armed clash',"
    " ST_SetSRID(ST_MakePoint(36 + i * 0.0001, 34), 4326), 'published'"
    " FROM generate_series(1, :n) i RETURNING public_id"
)


async def _insert(session: AsyncSession, n: int) -> set[str]:
    result = await (await session.connection()).execute(INSERT_MANY, {"n": n})
    return {row[0] for row in result}


def rel(doc: dict[str, Any], name: str) -> list[dict[str, str]]:
    return [link for link in doc["links"] if link["rel"] == name]


def href(doc: dict[str, Any], name: str) -> str | None:
    found = rel(doc, name)
    return found[0]["href"] if found else None


async def get_json(client: httpx.AsyncClient, url: str, media: str = "json") -> dict[str, Any]:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(f"application/{media}")
    body: dict[str, Any] = response.json()
    return body


async def test_landing_page_links_to_everything(client: httpx.AsyncClient) -> None:
    landing = await get_json(client, "/?f=json")
    assert landing["title"]
    for name in ("self", "service-desc", "service-doc", "conformance", "data"):
        assert href(landing, name), name
    assert (await client.get(href(landing, "service-desc") or "")).json()["paths"]
    assert (await client.get(href(landing, "service-doc") or "")).status_code == 200
    conformance = await get_json(client, href(landing, "conformance") or "")
    assert conformance["conformsTo"]
    collections = await get_json(client, href(landing, "data") or "")
    assert [c["id"] for c in collections["collections"]] == ["events", "places"]


async def test_conformance_claims_what_is_implemented(client: httpx.AsyncClient) -> None:
    claims = set((await get_json(client, "/conformance"))["conformsTo"])
    for part, name in [
        ("ogcapi-features-1", "core"),
        ("ogcapi-features-1", "geojson"),
        ("ogcapi-features-3", "queryables"),
        ("ogcapi-features-3", "filter"),
        ("ogcapi-features-3", "features-filter"),
        ("cql2", "cql2-text"),
        ("cql2", "cql2-json"),
        ("cql2", "basic-cql2"),
        ("cql2", "advanced-comparison-operators"),
        ("cql2", "case-insensitive-comparison"),
        ("cql2", "basic-spatial-functions"),
        ("cql2", "basic-spatial-functions-plus"),
        ("cql2", "spatial-functions"),
        ("cql2", "temporal-functions"),
    ]:
        assert CONF.format(part, name) in claims
    # FastAPI serves OpenAPI 3.1; oas30 would claim 3.0.
    assert CONF.format("ogcapi-features-1", "oas30") not in claims
    assert CONF.format("cql2", "accent-insensitive-comparison") not in claims


async def test_collections_describe_extent_and_link_items(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_event(session, "2012-03-04", 36.2, 33.5)
    await add_event(session, "2020-05-06", 40.1, 35.3)
    await add_place(session, "t-place", 38.0, 34.0)
    listing = await get_json(client, "/collections")
    assert (
        href(
            listing,
            "self",
        )
        == "http://testserver/collections"
    )
    for collection in listing["collections"]:
        alone = await get_json(client, f"/collections/{collection['id']}")
        assert alone == collection
        assert collection["itemType"] == "feature"
        assert collection["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
        assert href(collection, "self") == f"http://testserver/collections/{collection['id']}"
        items = rel(collection, "items")
        assert items[0] == {
            "href": f"http://testserver/collections/{collection['id']}/items",
            "rel": "items",
            "type": "application/geo+json",
            "title": items[0]["title"],
        }
        queryables = rel(collection, "http://www.opengis.net/def/rel/ogc/1.0/queryables")
        assert queryables[0]["type"] == "application/schema+json"
    events = listing["collections"][0]
    x0, y0, x1, y1 = events["extent"]["spatial"]["bbox"][0]
    assert x0 <= 36.2 <= 40.1 <= x1 and y0 <= 33.5 <= 35.3 <= y1
    assert events["extent"]["temporal"]["interval"] == [
        ["2012-03-04T00:00:00Z", "2020-05-06T23:59:59Z"]
    ]
    assert "temporal" not in listing["collections"][1]["extent"]


async def test_unknown_collections_are_404s(client: httpx.AsyncClient) -> None:
    for url in ("/collections/nope", "/collections/nope/items", "/collections/events/items/x"):
        response = await client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"


async def test_queryables_are_a_json_schema(client: httpx.AsyncClient) -> None:
    for collection, some in (("events", "fatalities"), ("places", "kind")):
        url = f"/collections/{collection}/queryables"
        schema = await get_json(client, url, media="schema+json")
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"http://testserver{url}"
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert schema["properties"]["geometry"]["format"] == "geometry-point"
        assert some in schema["properties"]
    events = (await client.get("/collections/events/queryables")).json()["properties"]
    assert events["event_date"] == {
        "title": "event_date",
        "description": events["event_date"]["description"],
        "type": "string",
        "format": "date",
        "x-ogc-role": "primary-instant",
    }
    assert events["fatalities"]["type"] == "integer"


async def test_items_are_a_feature_collection_with_links(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    event = await add_event(session, "2017-09-05", 40.14, 35.33, fatalities=4)
    body = await get_json(client, ITEMS, media="geo+json")
    assert body["type"] == "FeatureCollection"
    assert body["numberReturned"] == body["numberMatched"] == 1
    assert body["timeStamp"].endswith("+00:00")
    [feature] = body["features"]
    assert feature["id"] == event.public_id
    assert feature["geometry"] == {"type": "Point", "coordinates": [40.14, 35.33]}
    assert feature["properties"]["fatalities"] == 4
    assert href(body, "self") == "http://testserver/collections/events/items"
    assert href(body, "collection") == "http://testserver/collections/events"
    alternates = {link["type"]: link["href"] for link in rel(body, "alternate")}
    assert alternates == {
        "text/csv": "http://testserver/collections/events/items?f=csv",
        "application/x-ndjson": "http://testserver/collections/events/items?f=ndjson",
        "application/vnd.apache.parquet": "http://testserver/collections/events/items?f=parquet",
        "application/flatgeobuf": "http://testserver/collections/events/items?f=fgb",
    }
    assert href(body, "next") is None and href(body, "prev") is None
    csv = await client.get(alternates["text/csv"])
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1].startswith(f"{event.public_id},2017-09-05,")
    ndjson = await client.get(alternates["application/x-ndjson"])
    assert ndjson.headers["content-type"] == "application/x-ndjson"
    assert ndjson.text.count("\n") == 1 and event.public_id in ndjson.text


async def walk(client: httpx.AsyncClient, url: str, direction: str) -> list[dict[str, Any]]:
    pages = []
    next_url: str | None = url
    while next_url:
        page = await get_json(client, next_url, media="geo+json")
        pages.append(page)
        next_url = href(page, direction)
        assert len(pages) < 20
    return pages


def ids(page: dict[str, Any]) -> list[str]:
    return [f["id"] for f in page["features"]]


async def test_next_and_prev_walk_every_page_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    expected = await _insert(session, 230)
    forward = await walk(client, f"{ITEMS}?limit=50&bbox=35,33,37,35", "next")
    assert [len(ids(p)) for p in forward] == [50, 50, 50, 50, 30]
    seen = [i for p in forward for i in ids(p)]
    assert len(seen) == len(set(seen)) == 230 and set(seen) == expected
    # Counted once, on the first page of the walk.
    assert forward[0]["numberMatched"] == 230
    assert all("numberMatched" not in p for p in forward[1:])
    # Each next link keeps the filters (as the client wrote them).
    assert all(
        parse_qs(urlsplit(link).query)["bbox"] == ["35,33,37,35"]
        for link in (href(p, "next") for p in forward)
        if link
    )
    backward = await walk(client, href(forward[-1], "self") or "", "prev")
    assert [ids(p) for p in backward] == [ids(p) for p in reversed(forward)]
    assert "cursor" not in (href(forward[1], "prev") or "")


async def test_number_matched_on_first_pages_or_when_asked(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _insert(session, 30)
    first = await get_json(client, f"{ITEMS}?limit=10", media="geo+json")
    assert first["numberMatched"] == 30
    second = await get_json(client, href(first, "next") or "", media="geo+json")
    assert "numberMatched" not in second
    counted = await get_json(client, (href(first, "next") or "") + "&count=true", "geo+json")
    assert counted["numberMatched"] == 30
    whole = await get_json(client, f"{ITEMS}?limit=100", media="geo+json")
    assert whole["numberMatched"] == whole["numberReturned"] == 30


async def test_a_count_past_its_budget_costs_the_page_nothing(conn: AsyncConnection) -> None:
    reader = Reader.within(conn)
    assert await reader.fetchval_within(20, "SELECT pg_sleep(0.2)") is None
    # The transaction goes on, with its own statement timeout back.
    timeout = (await conn.execute(text("SELECT current_setting('statement_timeout')"))).scalar()
    assert timeout == "15s"
    assert await reader.fetchval_within(1000, "SELECT 7") == 7


async def test_bbox_and_datetime(client: httpx.AsyncClient, session: AsyncSession) -> None:
    inside = await add_event(session, "2017-06-01", 40.1, 35.3)
    await add_event(session, "2017-06-01", 36.2, 33.5)  # outside the box
    await add_event(session, "2019-06-01", 40.2, 35.4)  # outside the dates
    body = await get_json(
        client, f"{ITEMS}?bbox=39,34,41,36&datetime=2017-01-01/2017-12-31", media="geo+json"
    )
    assert ids(body) == [inside.public_id]
    body = await get_json(client, f"{ITEMS}?datetime=../2018-01-01", media="geo+json")
    assert body["numberReturned"] == 2
    # As GDAL 3.6 writes the dates of a -where on a date field.
    gdal = await get_json(client, f"{ITEMS}?datetime=2017-01-01T/2017-12-31T", media="geo+json")
    assert gdal["numberReturned"] == 2


async def test_drafts_need_a_key(
    client: httpx.AsyncClient, session: AsyncSession, keys: Keys
) -> None:
    published = await add_event(session, "2017-06-01", 40.1, 35.3)
    draft = await add_event(session, "2017-06-02", 40.1, 35.3, status="draft", created_by="amal")
    assert ids(await get_json(client, ITEMS, media="geo+json")) == [published.public_id]
    refused = await client.get(f"{ITEMS}?status=draft")
    assert refused.status_code == 401
    mine = await client.get(f"{ITEMS}?status=draft", headers=keys.analyst)
    assert ids(mine.json()) == [draft.public_id]
    theirs = await client.get(f"{ITEMS}?status=draft", headers=keys.other_analyst)
    assert ids(theirs.json()) == []
    assert (await client.get(f"{ITEMS}/{draft.public_id}")).status_code == 404
    own = await client.get(f"{ITEMS}/{draft.public_id}", headers=keys.analyst)
    assert own.status_code == 200 and own.json()["properties"]["status"] == "draft"


async def test_single_items(client: httpx.AsyncClient, session: AsyncSession) -> None:
    event = await add_event(session, "2017-06-01", 40.1, 35.3)
    await add_place(session, "t-place", 38.0, 34.0, name_ar="مكان")
    response = await client.get(f"{ITEMS}/{event.public_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    detail = await client.get(f"/events/{event.public_id}")
    assert response.headers["etag"] == detail.headers["etag"], "as GET /events/{id}"
    feature = response.json()
    assert feature["id"] == event.public_id and feature["type"] == "Feature"
    assert href(feature, "self") == f"http://testserver{ITEMS}/{event.public_id}"
    assert href(feature, "collection") == "http://testserver/collections/events"
    place = await get_json(client, "/collections/places/items/t-place", media="geo+json")
    assert place["properties"]["name_ar"] == "مكان"
    assert href(place, "self") == "http://testserver/collections/places/items/t-place"
    for url in (f"{ITEMS}/ev_nope", "/collections/places/items/nope"):
        assert (await client.get(url)).status_code == 404


async def test_places_items_page_by_id(client: httpx.AsyncClient, session: AsyncSession) -> None:
    for n in range(25):
        await add_place(session, f"t-{n:02d}", 36 + n * 0.01, 34.0, kind="village")
    await add_place(session, "t-far", 42.0, 37.0, kind="village")
    url = "/collections/places/items?limit=10&bbox=35.9,33.9,36.5,34.1"
    pages = await walk(client, url, "next")
    assert [ids(p) for p in pages] == [
        [f"t-{n:02d}" for n in range(start, min(start + 10, 25))] for start in (0, 10, 20)
    ]
    assert pages[0]["numberMatched"] == 25
    assert "numberMatched" not in pages[1]
    back = await walk(client, href(pages[-1], "self") or "", "prev")
    assert [ids(p) for p in back] == [ids(p) for p in reversed(pages)]
    ndjson = await client.get(url + "&f=ndjson")
    assert ndjson.text.count("\n") == 10 and 'rel="next"' in ndjson.headers["link"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("bbox=1,2,3", "bbox"),
        ("datetime=yesterday", "datetime"),
        ("f=xml", "f"),
        ("cursor=junk", "cursor"),
        ("bbx=1,2,3,4", "bbx"),
        ("filter-lang=ecql", "filter-lang"),
        ("filter-crs=EPSG:4326", "filter-crs"),
        ("filter=nope", "filter"),
        ("type=Picnic", "type"),
    ],
)
async def test_bad_parameters_are_400s_naming_them(
    client: httpx.AsyncClient, query: str, name: str
) -> None:
    # type= is no places parameter: a 400 naming it too.
    for collection in ("events", "places"):
        response = await client.get(f"/collections/{collection}/items?{query}")
        assert response.status_code == 400, (collection, query, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["invalid_params"][0]["name"] == name


async def test_metadata_is_json_only(client: httpx.AsyncClient) -> None:
    assert (await client.get("/collections?f=json")).status_code == 200
    refused = await client.get("/collections?f=html")
    assert refused.status_code == 400
    assert refused.json()["invalid_params"][0]["name"] == "f"
