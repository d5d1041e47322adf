"""Event writes: create, patch, retract, publish, merge; conditional, idempotent, versioned."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.conftest import Keys
from tests.factories import add_place, add_report


def feature(**properties: Any) -> dict[str, Any]:
    props = {
        "event_date": "2024-03-02",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Air/drone strike",
        "description": "Drone strike on a vehicle near Hazano",
        "fatalities": 2,
        **properties,
    }
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [36.78, 36.13]},
        "properties": props,
    }


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], **props: Any
) -> httpx.Response:
    response = await client.post("/events", json=feature(**props), headers=headers)
    assert response.status_code == 201, response.text
    return response


async def test_an_analyst_creates_a_draft_with_location_and_etag(
    client: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    await add_place(session, "sy-hazano", 36.78, 36.13, name_en="Hazano", governorate="SY07")
    response = await create(
        client,
        keys.analyst,
        place_id="sy-hazano",
        actors=[{"name": "Unidentified Military Forces", "side": "actor1"}],
        actor2="Civilians (Syria)",
    )
    body = response.json()
    assert response.headers["location"] == f"/events/{body['id']}"
    assert response.headers["etag"].startswith('"1-'), "the version, then a digest of the body"
    assert response.headers["content-type"] == "application/geo+json"
    props = body["properties"]
    assert props["status"] == "draft" and props["version"] == 1
    assert props["governorate_pcode"] == "SY07", "the place's governorate when none is given"
    assert props["geometry"] if False else body["geometry"]["coordinates"] == [36.78, 36.13]
    assert {(a["name"], a["side"]) for a in props["actors"]} == {
        ("Unidentified Military Forces", "actor1"),
        ("Civilians (Syria)", "actor2"),
    }
    again = await client.get(body["id"].join(("/events/", "")), headers=keys.analyst)
    assert again.status_code == 200 and again.headers["etag"] == response.headers["etag"]


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"status": "published"}, None),
        ({"version": 7}, "version"),
        ({"created_by": "someone"}, "created_by"),
        ({"updated_at": "2024-01-01T00:00:00Z"}, "updated_at"),
        ({"sub_event_type": "Armed clash"}, "properties.sub_event_type"),
        ({"event_type": "War"}, "properties.event_type"),
        ({"place_id": "sy-nowhere"}, "properties.place_id"),
        ({"reports": [{"id": "rp_missing"}]}, "properties.reports"),
        ({"fatalities": -1}, "properties.fatalities"),
        ({"colour": "red"}, "properties.colour"),
    ],
)
async def test_an_analyst_cannot_write_what_it_may_not(
    client: httpx.AsyncClient, keys: Keys, change: dict[str, Any], name: str | None
) -> None:
    response = await client.post("/events", json=feature(**change), headers=keys.analyst)
    if name is None:
        assert response.status_code == 403
    else:
        assert response.status_code == 400, response.text
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert name.split(".")[-1] in problem["detail"]


async def test_geometry_must_be_a_lon_lat_point(client: httpx.AsyncClient, keys: Keys) -> None:
    for geometry in (
        {"type": "Point", "coordinates": [36.1, 95.0]},
        {"type": "LineString", "coordinates": [[36.1, 35.0], [36.2, 35.1]]},
        {"type": "Point", "coordinates": [36.1]},
    ):
        body = {**feature(), "geometry": geometry}
        response = await client.post("/events", json=body, headers=keys.editor)
        assert response.status_code == 400, geometry


async def test_patch_needs_if_match_and_refuses_a_stale_one(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    event_id = (await create(client, keys.analyst)).json()["id"]
    url = f"/events/{event_id}"
    read = await client.get(url, headers=keys.analyst)
    patch = {"properties": {"fatalities": 3}}
    missing = await client.patch(url, json=patch, headers=keys.analyst)
    assert missing.status_code == 428
    ok = await client.patch(
        url, json=patch, headers={**keys.analyst, "If-Match": read.headers["etag"]}
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"].startswith('"2-')
    assert ok.json()["properties"]["fatalities"] == 3
    for stale_tag in (read.headers["etag"], '"1"'):  # a bare version, as ETags were before
        stale = await client.patch(
            url,
            json={"properties": {"fatalities": 9}},
            headers={**keys.analyst, "If-Match": stale_tag},
        )
        assert stale.status_code == 412
        assert stale.json()["current_version"] == 2
        assert "version 2" in stale.json()["detail"]
    weak = await client.patch(
        url, json=patch, headers={**keys.analyst, "If-Match": f"W/{ok.headers['etag']}"}
    )
    assert weak.status_code == 412, "If-Match compares strongly"
    chained = await client.patch(url, json=patch, headers={**keys.analyst, "If-Match": '"2"'})
    assert chained.status_code == 200, "a bare version still names it"


async def test_merge_patch_replaces_removes_and_keeps(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    created = (await create(client, keys.editor, actor1="Islamic State (Syria)")).json()
    response = await client.patch(
        f"/events/{created['id']}",
        json={
            "geometry": {"type": "Point", "coordinates": [36.7, 36.1]},
            "properties": {"fatalities": None, "description": "Corrected: two vehicles"},
        },
        headers={**keys.editor, "If-Match": '"1"', "Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    props = response.json()["properties"]
    assert props["fatalities"] is None, "null removes"
    assert props["description"] == "Corrected: two vehicles"
    assert props["actor1"] == "Islamic State (Syria)", "untouched members stay"
    assert response.json()["geometry"]["coordinates"] == [36.7, 36.1]
    assert props["version"] == 2


async def test_a_patch_that_changes_nothing_makes_no_version(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    created = await create(client, keys.editor)
    response = await client.patch(
        f"/events/{created.json()['id']}",
        json={"properties": {"fatalities": 2}},
        headers={**keys.editor, "If-Match": "*"},
    )
    assert response.status_code == 200
    assert response.headers["etag"] == created.headers["etag"]


async def test_patching_status_or_read_only_fields_is_refused(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    event_id = (await create(client, keys.editor)).json()["id"]
    headers = {**keys.editor, "If-Match": '"1"'}
    for patch in (
        {"properties": {"status": "published"}},
        {"properties": {"version": 5}},
        {"properties": {"created_by": "x"}},
        {"properties": {"event_date": "yesterday"}},
        {"geometry": None},
    ):
        response = await client.patch(f"/events/{event_id}", json=patch, headers=headers)
        assert response.status_code == 400, (patch, response.text)


async def test_delete_retracts_with_a_reason_and_get_answers_410(
    client: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    event_id = (await create(client, keys.editor, status="published")).json()["id"]
    url = f"/events/{event_id}"
    no_reason = await client.delete(url, headers={**keys.editor, "If-Match": '"1"'})
    assert no_reason.status_code == 400
    response = await client.delete(
        f"{url}?reason=duplicate%20report", headers={**keys.editor, "If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["status"] == "retracted"
    gone = await client.get(url)
    assert gone.status_code == 410
    assert "duplicate report" in gone.json()["detail"]
    conn = await session.connection()
    stored = await conn.execute(
        text("SELECT count(*) FROM events WHERE public_id = :id"), {"id": event_id}
    )
    assert stored.scalar_one() == 1, "retracted, never erased"
    listed = await client.get("/events?status=retracted")
    assert event_id in {f["id"] for f in listed.json()["features"]}


async def test_publish_is_for_editors(client: httpx.AsyncClient, keys: Keys) -> None:
    event_id = (await create(client, keys.analyst)).json()["id"]
    url = f"/events/{event_id}/publish"
    assert (await client.post(url, headers=keys.analyst)).status_code == 403
    assert (await client.get(f"/events/{event_id}")).status_code == 404
    published = await client.post(url, headers={**keys.editor, "If-Match": '"1"'})
    assert published.status_code == 200
    assert published.json()["properties"]["status"] == "published"
    assert (await client.get(f"/events/{event_id}")).status_code == 200
    listed = await client.get("/events")
    assert event_id in {f["id"] for f in listed.json()["features"]}


async def test_merge_keeps_both_histories_and_moves_the_sources(
    client: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    report = await add_report(session, "Two vehicles were hit near Hazano.")
    original = (await create(client, keys.editor, status="published")).json()["id"]
    duplicate = (
        await create(
            client,
            keys.editor,
            status="published",
            reports=[{"id": report.public_id, "quote": "Two vehicles were hit"}],
            actor2="Civilians (Syria)",
        )
    ).json()["id"]
    response = await client.post(
        f"/events/{duplicate}/merge",
        json={"into": original, "reason": "same strike"},
        headers=keys.editor,
    )
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["id"] == original
    assert [r["id"] for r in merged["properties"]["reports"]] == [report.public_id]
    assert merged["properties"]["actor2"] == "Civilians (Syria)"
    gone = await client.get(f"/events/{duplicate}")
    assert gone.status_code == 410
    assert gone.json()["merged_into"] == original
    dup_history = (await client.get(f"/events/{duplicate}/history")).json()["versions"]
    assert [v["op"] for v in dup_history] == ["create", "merge"]
    assert dup_history[-1]["changes"]["merged_into"] == {"from": None, "to": original}
    orig_history = (await client.get(f"/events/{original}/history")).json()["versions"]
    assert [v["op"] for v in orig_history] == ["create", "update"]
    assert "same strike" in orig_history[-1]["reason"]
    into_itself = await client.post(
        f"/events/{original}/merge", json={"into": original}, headers=keys.editor
    )
    assert into_itself.status_code == 400


async def test_idempotency_key_creates_once_and_replays(
    client: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    headers = {**keys.analyst, "Idempotency-Key": "f2b9c1de-retry-1"}
    first = await client.post("/events", json=feature(), headers=headers)
    again = await client.post("/events", json=feature(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == first.headers["location"]
    conn = await session.connection()
    count = await conn.execute(text("SELECT count(*) FROM events WHERE source = 'analyst'"))
    assert count.scalar_one() == 1
    other = await client.post("/events", json=feature(fatalities=5), headers=headers)
    assert other.status_code == 422, "the same key for another request"
    # Keys are per API key: another caller's same key is another request.
    mine = await client.post(
        "/events", json=feature(), headers={**keys.editor, "Idempotency-Key": "f2b9c1de-retry-1"}
    )
    assert mine.status_code == 201 and mine.json()["id"] != first.json()["id"]


async def test_a_duplicate_source_id_is_a_conflict(client: httpx.AsyncClient, keys: Keys) -> None:
    await create(client, keys.editor, source="acled", source_id="SYR1234")
    again = await client.post(
        "/events", json=feature(source="acled", source_id="SYR1234"), headers=keys.editor
    )
    assert again.status_code == 409
    assert again.json()["existing"].startswith("ev_")


async def test_writes_need_a_valid_key(client: httpx.AsyncClient, keys: Keys) -> None:
    assert (await client.post("/events", json=feature())).status_code == 401
    bad = await client.post(
        "/events", json=feature(), headers={"Authorization": "Bearer se_not-a-key"}
    )
    assert bad.status_code == 401
    basic = await client.post("/events", json=feature(), headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401
    assert (
        await client.get("/events", headers={"Authorization": "Bearer nope"})
    ).status_code == 401


async def test_governorate_follows_the_nearest_place_without_boundaries(
    client: httpx.AsyncClient, keys: Keys, session: AsyncSession
) -> None:
    await add_place(session, "sy-mayadin-test", 40.45, 35.02, governorate="SY09")
    near = feature()
    near["geometry"]["coordinates"] = [40.5, 35.0]
    response = await client.post("/events", json=near, headers=keys.editor)
    assert response.json()["properties"]["governorate_pcode"] == "SY09"
    far = feature()
    far["geometry"]["coordinates"] = [44.4, 33.3]  # Baghdad: no Syrian place within 30 km
    response = await client.post("/events", json=far, headers=keys.editor)
    assert response.json()["properties"]["governorate_pcode"] is None
