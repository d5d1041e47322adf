"""Each role gets exactly what it may do: a matrix of routes × callers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import Keys
from tests.test_event_writes import feature

ROLES = ("anonymous", "analyst", "other_analyst", "editor", "admin")


@dataclass
class World:
    """One draft by the analyst, one published event, and the callers' headers."""

    client: httpx.AsyncClient
    keys: Keys
    draft: str
    published: str

    def as_(self, role: str) -> dict[str, str]:
        return {} if role == "anonymous" else dict(getattr(self.keys, role))


@pytest.fixture
async def world(client: httpx.AsyncClient, keys: Keys) -> World:
    draft = await client.post("/events", json=feature(), headers=keys.analyst)
    published = await client.post("/events", json=feature(status="published"), headers=keys.editor)
    return World(client, keys, draft.json()["id"], published.json()["id"])


Call = Callable[[World, dict[str, str]], Awaitable[httpx.Response]]


def call(
    method: str, path: str, json: object = None, headers: dict[str, str] | None = None
) -> Call:
    async def run(w: World, caller: dict[str, str]) -> httpx.Response:
        url = path.format(draft=w.draft, published=w.published)
        body = {"into": w.published} if json == "merge" else json
        return await w.client.request(method, url, json=body, headers={**caller, **(headers or {})})

    return run


MATCH = {"If-Match": "*"}
PATCH = {"properties": {"fatalities": 9}}

# route: expected status for anonymous, analyst, other analyst, editor, admin
MATRIX: dict[str, tuple[Call, tuple[int, int, int, int, int]]] = {
    "list published": (call("GET", "/events"), (200, 200, 200, 200, 200)),
    "list drafts": (call("GET", "/events?status=draft"), (401, 200, 200, 200, 200)),
    "read a draft": (call("GET", "/events/{draft}"), (404, 200, 404, 200, 200)),
    "read published": (call("GET", "/events/{published}"), (200, 200, 200, 200, 200)),
    "history of a draft": (call("GET", "/events/{draft}/history"), (404, 200, 404, 200, 200)),
    "create a draft": (call("POST", "/events", json=feature()), (401, 201, 201, 201, 201)),
    "create published": (
        call("POST", "/events", json=feature(status="published")),
        (401, 403, 403, 201, 201),
    ),
    "patch the draft": (
        call("PATCH", "/events/{draft}", PATCH, MATCH),
        (401, 200, 404, 200, 200),
    ),
    "patch published": (
        call("PATCH", "/events/{published}", PATCH, MATCH),
        (401, 403, 403, 200, 200),
    ),
    "retract the draft": (
        call("DELETE", "/events/{draft}?reason=x", headers=MATCH),
        (401, 200, 404, 200, 200),
    ),
    "retract published": (
        call("DELETE", "/events/{published}?reason=x", headers=MATCH),
        (401, 403, 403, 200, 200),
    ),
    "publish the draft": (call("POST", "/events/{draft}/publish"), (401, 403, 403, 200, 200)),
    "merge": (call("POST", "/events/{draft}/merge", "merge"), (401, 403, 403, 200, 200)),
    "submit a report": (
        call("POST", "/reports", json={"body": "Shelling hit the outskirts of Hama."}),
        (401, 201, 201, 201, 201),
    ),
    "list keys": (call("GET", "/keys"), (401, 403, 403, 403, 200)),
    "create a key": (
        call("POST", "/keys", json={"name": "newcomer", "role": "analyst"}),
        (401, 403, 403, 403, 201),
    ),
    "revoke a key": (call("DELETE", "/keys/999999999"), (401, 403, 403, 403, 404)),
}


@pytest.mark.parametrize("route", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
async def test_role_matrix(world: World, route: str, role: str) -> None:
    run, expected = MATRIX[route]
    response = await run(world, world.as_(role))
    assert response.status_code == expected[ROLES.index(role)], response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


async def test_an_analyst_sees_only_its_own_drafts(world: World) -> None:
    mine = await world.client.get("/events?status=draft", headers=world.as_("analyst"))
    theirs = await world.client.get("/events?status=draft", headers=world.as_("other_analyst"))
    assert [f["id"] for f in mine.json()["features"]] == [world.draft]
    assert theirs.json()["features"] == []


async def test_a_revoked_key_is_refused_at_once(client: httpx.AsyncClient, keys: Keys) -> None:
    created = await client.post(
        "/keys", json={"name": "temp", "role": "editor"}, headers=keys.admin
    )
    assert created.status_code == 201
    secret, key_id = created.json()["key"], created.json()["id"]
    assert secret.startswith("se_")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert (await client.post("/events", json=feature(), headers=bearer)).status_code == 201
    listed = (await client.get("/keys", headers=keys.admin)).json()
    entry = next(k for k in listed if k["id"] == key_id)
    assert "key" not in entry and entry["last_used_at"] is not None
    assert (await client.delete(f"/keys/{key_id}", headers=keys.admin)).status_code == 200
    assert (await client.post("/events", json=feature(), headers=bearer)).status_code == 401
    again = await client.post("/keys", json={"name": "temp", "role": "analyst"}, headers=keys.admin)
    assert again.status_code == 201, "a revoked name can be given to a new key"
