"""History and as_of on committed changes: every version with who, when, why and what."""

from __future__ import annotations

import httpx

from tests.conftest import Live
from tests.test_event_writes import feature


async def _history(client: httpx.AsyncClient, event_id: str) -> list[dict[str, object]]:
    response = await client.get(f"/events/{event_id}/history")
    assert response.status_code == 200, response.text
    versions: list[dict[str, object]] = response.json()["versions"]
    return versions


async def test_history_says_who_when_why_and_what(live: Live) -> None:
    client, keys = live.client, live.keys
    created = await client.post("/events", json=feature(fatalities=2), headers=keys.analyst)
    event_id = created.json()["id"]
    await client.patch(
        f"/events/{event_id}?reason=hospital%20toll",
        json={"properties": {"fatalities": 5, "actor1": "Islamic State (Syria)"}},
        headers={**keys.analyst, "If-Match": '"1"'},
    )
    await client.post(f"/events/{event_id}/publish", headers=keys.editor)
    await client.delete(
        f"/events/{event_id}?reason=wrong%20date", headers={**keys.editor, "If-Match": '"3"'}
    )
    versions = await _history(client, event_id)
    assert [(v["version"], v["op"], v["changed_by"], v["reason"]) for v in versions] == [
        (1, "create", "amal", None),
        (2, "update", "amal", "hospital toll"),
        (3, "publish", "edith", None),
        (4, "retract", "edith", "wrong date"),
    ]
    assert versions[1]["changes"] == {
        "fatalities": {"from": 2, "to": 5},
        "actors": {"from": [], "to": [{"name": "Islamic State (Syria)", "side": "actor1"}]},
    }
    assert versions[3]["changes"]["status"] == {"from": "published", "to": "retracted"}
    assert versions[0]["changes"]["geometry"] == {
        "from": None,
        "to": {"type": "Point", "coordinates": [36.78, 36.13]},
    }


async def test_as_of_answers_as_the_data_stood(live: Live) -> None:
    client, keys = live.client, live.keys
    created = await client.post(
        "/events", json=feature(fatalities=2, status="published"), headers=keys.editor
    )
    event_id = created.json()["id"]
    await client.patch(
        f"/events/{event_id}",
        json={"properties": {"fatalities": 7}},
        headers={**keys.editor, "If-Match": '"1"'},
    )
    await client.delete(
        f"/events/{event_id}?reason=duplicate", headers={**keys.editor, "If-Match": '"2"'}
    )
    first, second, _ = (v["changed_at"] for v in await _history(client, event_id))

    then = await client.get(f"/events/{event_id}", params={"as_of": first})
    assert then.status_code == 200
    assert then.json()["properties"]["fatalities"] == 2
    assert then.headers["etag"].startswith('"1-'), "the version it was then"
    assert (await client.get(f"/events/{event_id}", params={"as_of": second})).json()["properties"][
        "fatalities"
    ] == 7
    assert (await client.get(f"/events/{event_id}")).status_code == 410

    listed = await client.get("/events", params={"as_of": second, "bbox": "36,35,37,37"})
    assert [f["properties"]["fatalities"] for f in listed.json()["features"]] == [7]
    assert (await client.get("/events", params={"bbox": "36,35,37,37"})).json()["features"] == []
    csv = await client.get("/events", params={"as_of": first, "f": "csv"})
    assert csv.text.count("\n") == 2, "header and the one event"

    before = await client.get(f"/events/{event_id}", params={"as_of": "2001-01-01T00:00:00Z"})
    assert before.status_code == 404
    bad = await client.get("/events", params={"as_of": "last tuesday"})
    assert bad.status_code == 400
    assert bad.json()["invalid_params"][0]["name"] == "as_of"


async def test_updated_since_keeps_recent_changes(live: Live) -> None:
    client, keys = live.client, live.keys
    old = await client.post("/events", json=feature(status="published"), headers=keys.editor)
    old_id = old.json()["id"]
    new = await client.post("/events", json=feature(status="published"), headers=keys.editor)
    since = new.json()["properties"]["updated_at"]
    listed = await client.get("/events", params={"updated_since": since})
    assert [f["id"] for f in listed.json()["features"]] == [new.json()["id"]]
    await client.patch(
        f"/events/{old_id}",
        json={"properties": {"fatalities": 40}},
        headers={**keys.editor, "If-Match": '"1"'},
    )
    listed = await client.get("/events", params={"updated_since": since})
    assert {f["id"] for f in listed.json()["features"]} == {old_id, new.json()["id"]}


async def test_a_304_for_a_current_copy(live: Live) -> None:
    client, keys = live.client, live.keys
    created = await client.post("/events", json=feature(status="published"), headers=keys.editor)
    url = f"/events/{created.json()['id']}"
    etag = created.headers["etag"]
    cached = await client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.headers["etag"] == etag
    weak = await client.get(url, headers={"If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304, "If-None-Match compares weakly"
    for other in ('"0"', '"1"'):  # a bare version does not say which names the copy has
        assert (await client.get(url, headers={"If-None-Match": other})).status_code == 200


async def test_as_of_filters_by_the_actors_of_then(live: Live) -> None:
    client, keys = live.client, live.keys
    changed = await client.post(
        "/events",
        json=feature(status="published", actor1="Hayat Tahrir al-Sham"),
        headers=keys.editor,
    )
    steady = await client.post(
        "/events",
        json=feature(status="published", actor1="Hayat Tahrir al-Sham"),
        headers=keys.editor,
    )
    await client.patch(
        f"/events/{changed.json()['id']}",
        json={"properties": {"actor1": "Turkistan Islamic Party"}},
        headers={**keys.editor, "If-Match": '"1"'},
    )
    then = (await _history(client, steady.json()["id"]))[0]["changed_at"]

    async def ids(**params: str) -> set[str]:
        body = (await client.get("/events", params=params)).json()
        return {f["id"] for f in body["features"]}

    both = {changed.json()["id"], steady.json()["id"]}
    assert await ids(as_of=str(then), actor="tahrir") == both
    assert await ids(actor="tahrir") == {steady.json()["id"]}
    assert await ids(as_of=str(then), actor="turkistan") == set()
    listed = (await client.get("/events", params={"as_of": str(then)})).json()["features"]
    assert {f["properties"]["actor1"] for f in listed} == {"Hayat Tahrir al-Sham"}
