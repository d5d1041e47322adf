"""The change feed: applied from the start, it rebuilds exactly the published events, also
while writes happen; it never skips a change committed behind a cursor."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import asyncpg
import httpx

from tests.conftest import Live, asyncpg_dsn
from tests.test_event_writes import feature


class Mirror:
    """What a sync client keeps: the published events, by id."""

    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self.since: str | None = None

    async def pull(self, client: httpx.AsyncClient, limit: int = 7) -> int:
        params = {"limit": str(limit)} | ({"since": self.since} if self.since else {})
        response = await client.get("/changes", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        for change in body["changes"]:
            if change["change"] == "retracted":
                self.events.pop(change["id"], None)
            else:
                assert change["feature"]["id"] == change["id"]
                self.events[change["id"]] = change["feature"]
        self.since = body["cursor"]
        return len(body["changes"])

    async def drain(self, client: httpx.AsyncClient) -> None:
        while await self.pull(client, limit=50):
            pass

    async def catch_up(self, client: httpx.AsyncClient, target: dict[str, int]) -> None:
        """Poll as a sync client does until it holds ``target``; the feed holds changes back
        while any older write transaction on the server is open (other tests' too)."""
        for _ in range(100):
            await self.drain(client)
            if versions(self.events) == target:
                return
            await asyncio.sleep(0.1)


async def published(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    body = (await client.get("/events", params={"limit": "10000"})).json()
    return {f["id"]: f for f in body["features"]}


def versions(events: dict[str, dict[str, Any]]) -> dict[str, int]:
    return {i: f["properties"]["version"] for i, f in events.items()}


async def test_the_feed_rebuilds_the_published_set_while_writes_happen(live: Live) -> None:
    client, keys = live.client, live.keys
    rng = random.Random(7)
    mirror = Mirror()
    assert await mirror.pull(client) == 0
    created: list[str] = []

    async def write(n: int) -> None:
        status = "published" if n % 3 else "draft"
        body = feature(description=f"feed {n}", fatalities=n, status=status)
        response = await client.post("/events", json=body, headers=keys.editor)
        assert response.status_code == 201, response.text
        event_id = response.json()["id"]
        created.append(event_id)
        await asyncio.sleep(rng.random() / 100)
        action = rng.choice(["patch", "publish", "retract", "merge", "none"])
        headers = {**keys.editor, "If-Match": response.headers["etag"]}
        if action == "patch":
            r = await client.patch(
                f"/events/{event_id}", json={"properties": {"fatalities": n + 100}}, headers=headers
            )
        elif action == "publish":
            r = await client.post(f"/events/{event_id}/publish", headers=headers)
        elif action == "retract":
            r = await client.delete(f"/events/{event_id}?reason=test", headers=headers)
        elif action == "merge" and len(created) > 1 and created[0] != event_id:
            r = await client.post(
                f"/events/{event_id}/merge", json={"into": created[0]}, headers=keys.editor
            )
        else:
            return
        assert r.status_code in (200, 409), r.text

    async def writers() -> None:
        for batch in range(6):
            await asyncio.gather(*(write(batch * 10 + i) for i in range(10)))

    async def reader(done: asyncio.Event) -> None:
        while not done.is_set():
            await mirror.pull(client)
            await asyncio.sleep(0)

    done = asyncio.Event()
    reading = asyncio.create_task(reader(done))
    await writers()
    done.set()
    await reading
    server = await published(client)
    await mirror.catch_up(client, versions(server))
    assert len(server) > 20, "the scenario publishes most events"
    assert versions(mirror.events) == versions(server)
    for event_id, feat in server.items():
        assert mirror.events[event_id]["properties"] == feat["properties"]
        assert mirror.events[event_id]["geometry"] == feat["geometry"]


async def test_a_change_committed_late_is_not_skipped(
    live: Live, committed_database_url: str
) -> None:
    """A transaction that began first but commits last must still reach a client that has
    already read past the changes committed in the meantime."""
    client, keys = live.client, live.keys
    mirror = Mirror()
    slow = await asyncpg.connect(asyncpg_dsn(committed_database_url))
    try:
        transaction = slow.transaction()
        await transaction.start()
        await slow.execute(
            "INSERT INTO events (event_date, event_type, sub_event_type, geom, status, source)"
            " VALUES ('2024-01-01', 'Battles', 'Armed clash',"
            " ST_SetSRID(ST_MakePoint(36.2, 33.5), 4326), 'published', 'direct-sql')"
        )
        quick = await client.post("/events", json=feature(status="published"), headers=keys.editor)
        assert quick.status_code == 201
        await mirror.drain(client)
        assert mirror.events == {}, "held back while an older transaction is open"
        await transaction.commit()
    finally:
        await slow.close()
    server = versions(await published(client))
    await mirror.catch_up(client, server)
    assert versions(mirror.events) == server
    assert len(server) == 2


async def test_the_feed_refuses_a_bad_cursor(live: Live) -> None:
    response = await live.client.get("/changes", params={"since": "bm90LWEtY3Vyc29y.abc"})
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "since"
    assert (await live.client.get("/changes", params={"limit": "0"})).status_code == 400
    assert (await live.client.get("/changes", params={"sinse": "x"})).status_code == 400
