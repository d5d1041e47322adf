"""Every invalid parameter is a 400 problem+json naming it; unknown ids are 404; never a 500."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.web.cursor import encode_cursor
from tests.conftest import Keys
from tests.factories import add_event

BAD_EVENT_QUERIES = [
    ("bbox=38,33,41.5", "bbox"),  # three numbers
    ("bbox=38,33,41.5,95", "bbox"),  # latitude 95
    ("bbox=41.5,33,38,36", "bbox"),  # minLon > maxLon
    ("bbox=38,36,41.5,33", "bbox"),  # minLat > maxLat
    ("bbox=a,b,c,d", "bbox"),
    ("bbox=38,33,nan,36", "bbox"),
    ("bbox=38,33,inf,36", "bbox"),
    ("bbox=", "bbox"),
    ("datetime=yesterday", "datetime"),
    ("datetime=2017-13-01", "datetime"),  # month 13
    ("datetime=2017-02-30", "datetime"),
    ("datetime=2017-01-01T25:00:00Z", "datetime"),
    ("datetime=2017-01-01T10:00:00", "datetime"),  # RFC 3339 needs an offset
    ("datetime=2018-01-01/2017-01-01", "datetime"),
    ("datetime=../..", "datetime"),
    ("datetime=0001-01-01T00:00:00%2B01:00", "datetime"),  # its UTC day is in year 0
    ("datetime=2017-01-01/9999-12-31T23:00:00-01:00", "datetime"),  # and this one in 10000
    ("updated_since=0001-01-01T00:00:00%2B01:00", "updated_since"),
    ("as_of=9999-12-31T23:59:59-01:00", "as_of"),
    ("datetime=2017-01-01/2017-02-01/2017-03-01", "datetime"),
    ("limit=0", "limit"),
    ("limit=-5", "limit"),
    ("limit=ten", "limit"),
    ("cursor=garbage", "cursor"),
    ("governorate=SY15", "governorate"),
    ("governorate=Homs", "governorate"),
    ("type=Skirmish", "type"),
    ("sub_type=Drone", "sub_type"),
    ("status=deleted", "status"),
    ("place=no-such-place", "place"),
    ("radius_km=10", "radius_km"),  # without a place
    ("q=", "q"),
    ("actor=%20", "actor"),
    ("count=maybe", "count"),
    ("f=xml", "f"),
    ("bbx=38,33,41.5,36", "bbx"),  # a typo is not silently ignored
]


def assert_problem(response: httpx.Response, status: int, name: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"] and problem["detail"] and problem["type"]
    assert "Traceback" not in response.text
    if name is not None:
        assert [p["name"] for p in problem["invalid_params"]] == [name]
        assert name in problem["detail"]


@pytest.mark.parametrize(("query", "name"), BAD_EVENT_QUERIES)
async def test_bad_event_parameters_are_400_naming_the_parameter(
    client: httpx.AsyncClient, query: str, name: str
) -> None:
    assert_problem(await client.get(f"/events?{query}"), 400, name)


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
async def test_bad_parameters_fail_before_an_export_stream_starts(
    client: httpx.AsyncClient, fmt: str
) -> None:
    assert_problem(await client.get(f"/events?f={fmt}&place=nowhere"), 400, "place")
    assert_problem(await client.get(f"/events?f={fmt}&bbox=1,2,3"), 400, "bbox")


async def test_a_tampered_cursor_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for day in ("2017-01-01", "2017-01-02", "2017-01-03"):
        await add_event(session, day, 36.3, 33.5)
    body = (await client.get("/events?limit=1")).json()
    next_url = next(link["href"] for link in body["links"] if link["rel"] == "next")
    cursor = next_url.split("cursor=")[1]
    token, check = cursor.split(".")
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB") + "." + check
    assert_problem(await client.get(f"/events?limit=1&cursor={tampered}"), 400, "cursor")
    assert_problem(await client.get(f"/events?limit=1&cursor={token}"), 400, "cursor")
    # a well-formed cursor of another endpoint, or with a wrong shape, is refused too
    assert_problem(
        await client.get(f"/events?cursor={encode_cursor('places', ['x'])}"), 400, "cursor"
    )
    assert_problem(
        await client.get(f"/events?cursor={encode_cursor('events', ['x', 1])}"), 400, "cursor"
    )


async def test_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    for path in (
        "/events/ev_0000000000000000",
        "/places/nowhere",
        "/reports/rp_0000",
        "/places/nowhere/events",
        "/no/such/path",
    ):
        assert_problem(await client.get(path), 404)


async def test_overlong_ids_are_400(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/events/" + "x" * 200), 400)


async def test_a_retracted_event_is_410_with_its_reason(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    event = await add_event(session, "2017-01-01", 36.3, 33.5, status="retracted")
    response = await client.get(f"/events/{event.public_id}")
    assert_problem(response, 410)
    assert "test retraction" in response.json()["detail"]


async def test_a_body_that_is_not_json_is_400_naming_the_body(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    response = await client.post(
        "/reports",
        content=b'{"body": "x",',
        headers={"content-type": "application/json", **keys.analyst},
    )
    assert_problem(response, 400, "body")
    assert "character 13" in response.json()["invalid_params"][0]["reason"]


async def test_wrong_method_is_405_problem_with_the_allowed_ones(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/places")
    assert_problem(response, 405)
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("near=38", "near"),
        ("near=200,34", "near"),
        ("radius_km=5", "radius_km"),
        ("kind=castle", "kind"),
        ("bbox=1,2,3", "bbox"),
        ("limit=0", "limit"),
        ("cursor=abc", "cursor"),
        ("q=%20", "q"),
        ("near=38,34&radius_km=-1", "radius_km"),
        ("sort=name", "sort"),
    ],
)
async def test_bad_place_parameters_are_400(
    client: httpx.AsyncClient, query: str, name: str
) -> None:
    assert_problem(await client.get(f"/places?{query}"), 400, name)


@pytest.mark.parametrize(
    "path",
    [
        "/events/ev_x?foo=1",
        "/events/ev_x/history?as_off=2024",
        "/keys?foo=1",
        "/places/x?q=1",
        "/healthz?x",
    ],
)
async def test_unknown_parameters_are_400_on_every_route(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 400, response.text
    assert response.json()["invalid_params"][0]["reason"] == "unknown parameter"
