"""Text PostgreSQL cannot store (U+0000, lone surrogates) is a 400 problem naming where it came
from, on every write route and in every kind of input: the JSON body at any depth (member
names too), query and path parameters, and the stored Idempotency-Key header. Never a 500."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.conftest import Keys
from tests.factories import add_event, add_place
from tests.test_bad_input import assert_problem
from tests.test_event_writes import feature

NUL = "\x00"
EVENT = "ev_stored"
PLACE = "sy-stored-test"


@pytest.fixture(autouse=True)
async def stored(session: AsyncSession) -> None:
    """An event and a place, so that a request let through would reach the database."""
    await add_place(session, PLACE, 36.78, 36.13, name_en="Hazano", aliases=("Hazzano",))
    await add_event(session, "2024-03-02", 36.78, 36.13, place=PLACE, public_id=EVENT)


def actors(name: str) -> dict[str, Any]:
    return feature(actors=[{"name": name, "side": "actor1"}])


# (method, path, JSON body with NUL deep inside, the member that holds it); the routes without
# a body are only in the other lists.
BODIES = [
    ("POST", "/events", actors(f"Rebels{NUL}"), "properties.actors.0.name"),
    ("PATCH", f"/events/{EVENT}", {"properties": {"description": NUL}}, "properties.description"),
    ("POST", f"/events/{EVENT}/merge", {"into": f"ev_{NUL}x"}, "into"),
    ("POST", "/places", {"id": "sy-x", "aliases": ["ok", f"a{NUL}"]}, "aliases.1"),
    ("PATCH", f"/places/{PLACE}", {"aliases": [f"Hazano{NUL}"]}, "aliases.0"),
    ("POST", "/reports", {"body": "Shelling in Hazano.", "title": NUL}, "title"),
    ("POST", "/keys", {"name": f"k{NUL}", "role": "analyst"}, "name"),
]
WRITES = [
    ("POST", "/events"),
    ("PATCH", f"/events/{EVENT}"),
    ("DELETE", f"/events/{EVENT}"),
    ("POST", f"/events/{EVENT}/publish"),
    ("POST", f"/events/{EVENT}/merge"),
    ("POST", "/places"),
    ("PATCH", f"/places/{PLACE}"),
    ("POST", "/reports"),
    ("POST", "/keys"),
    ("DELETE", "/keys/1"),
]
# (method, path with %00 in a path parameter, the parameter)
PATHS = [
    ("PATCH", "/events/ev_%00", "event_id"),
    ("DELETE", "/events/ev_%00", "event_id"),
    ("POST", "/events/ev_%00/publish", "event_id"),
    ("POST", "/events/ev_%00/merge", "event_id"),
    ("PATCH", "/places/sy-%00", "place_id"),
    ("DELETE", "/keys/1%00", "key_id"),
]


async def send(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    keys: Keys,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    # json.dumps writes what cannot be stored as \u escapes, as any JSON client would.
    content = json.dumps(body) if body is not None else None
    headers = {**keys.admin, "Content-Type": "application/json", "If-Match": "*", **(headers or {})}
    return await client.request(method, path, content=content, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "name"), BODIES)
async def test_nul_in_a_json_body_is_a_400_naming_the_member(
    client: httpx.AsyncClient, keys: Keys, method: str, path: str, body: Any, name: str
) -> None:
    assert_problem(await send(client, method, path, keys, body), 400, name)


@pytest.mark.parametrize(("method", "path"), WRITES)
async def test_nul_in_a_query_parameter_is_a_400_naming_it(
    client: httpx.AsyncClient, keys: Keys, method: str, path: str
) -> None:
    response = await send(client, method, f"{path}?reason=dup%00licate", keys)
    assert_problem(response, 400, "reason")
    assert "U+0000" in response.json()["invalid_params"][0]["reason"]


@pytest.mark.parametrize(("method", "path", "name"), PATHS)
async def test_nul_in_a_path_parameter_is_a_400_naming_it(
    client: httpx.AsyncClient, keys: Keys, method: str, path: str, name: str
) -> None:
    assert_problem(await send(client, method, path, keys, {}), 400, name)


@pytest.mark.parametrize(("method", "path"), WRITES)
async def test_nul_in_the_idempotency_key_is_a_400_naming_it(
    client: httpx.AsyncClient, keys: Keys, method: str, path: str
) -> None:
    response = await send(client, method, path, keys, {}, {"Idempotency-Key": f"k{NUL}1"})
    assert_problem(response, 400, "Idempotency-Key")


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"aliases": ["\ud800"]}, "aliases.0"),  # a lone surrogate: no UTF-8 at all
        ({"aliases": ["\udfff x"]}, "aliases.0"),
        ({"name_en": "Hazano", f"name{NUL}": "x"}, "name\\u0000"),  # a member's name
        ({"geometry": {"type": "Point", "\ud83d": 1}}, "geometry.\\ud83d"),
    ],
)
async def test_lone_surrogates_and_member_names_are_checked_too(
    client: httpx.AsyncClient, keys: Keys, body: Any, name: str
) -> None:
    assert_problem(await send(client, "PATCH", f"/places/{PLACE}", keys, body), 400, name)


async def test_a_refused_write_changes_nothing(client: httpx.AsyncClient, keys: Keys) -> None:
    """The issue's two 500s, now 400s before anything is looked up or written."""
    patch = {"name_en": "Hazanu", "aliases": [f"Hazano{NUL}"]}
    assert_problem(await send(client, "PATCH", f"/places/{PLACE}", keys, patch), 400, "aliases.0")
    place = (await client.get(f"/places/{PLACE}")).json()["properties"]
    assert (place["name_en"], place["aliases"]) == ("Hazano", ["Hazzano"])
    merge = {"into": f"{EVENT}{NUL}"}
    assert_problem(await send(client, "POST", f"/events/{EVENT}/merge", keys, merge), 400, "into")
    assert (await client.get(f"/events/{EVENT}", headers=keys.admin)).status_code == 200


async def test_reads_refuse_it_too(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/events?q=a%00b"), 400, "q")
    assert_problem(await client.get("/places/sy-%00"), 400, "place_id")
    assert_problem(await client.get("/events?x%00=1"), 400, "x\\u0000")
    # Valid text, even with escapes and pairs of surrogates, is not refused.
    ok = await client.get("/places", params={"q": "حزانو 😀"})
    assert ok.status_code == 200, ok.text


async def test_surrogate_pairs_and_arabic_escapes_pass(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    patch = {"aliases": ["حزانو", "😀 Hazano", "a\\u0000 is only text"]}
    response = await send(client, "PATCH", f"/places/{PLACE}", keys, patch)
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["aliases"] == patch["aliases"]


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800"])
async def test_a_cql2_json_string_is_checked_after_its_own_escapes(
    client: httpx.AsyncClient, escape: str
) -> None:
    """The query parameter is plain text; only the filter's JSON turns the escape into U+0000
    or a lone surrogate, which the CQL2 compiler refuses as the request's check would."""
    cql = '{"op": "=", "args": [{"property": "description"}, "a' + escape + 'b"]}'
    params = {"filter": cql, "filter-lang": "cql2-json"}
    response = await client.get("/collections/events/items", params=params)
    assert_problem(response, 400, "filter")
