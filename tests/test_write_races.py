"""Concurrent writers on real, committing transactions: If-Match lets exactly one win, and an
Idempotency-Key sent by many at once creates one event."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from tests.conftest import Live
from tests.test_event_writes import feature


async def test_fifty_patches_with_the_same_if_match_one_wins(live: Live) -> None:
    client, keys = live.client, live.keys
    created = await client.post("/events", json=feature(), headers=keys.editor)
    url, etag = f"/events/{created.json()['id']}", created.headers["etag"]

    async def patch(n: int) -> int:
        response = await client.patch(
            url,
            json={"properties": {"fatalities": n}},
            headers={**keys.editor, "If-Match": etag},
        )
        return response.status_code

    statuses = await asyncio.gather(*(patch(n) for n in range(100, 150)))
    assert sorted(statuses) == [200] + [412] * 49
    history = (await client.get(f"{url}/history", headers=keys.editor)).json()["versions"]
    assert [v["version"] for v in history] == [1, 2], "one change, one new version"
    winner = history[-1]["changes"]["fatalities"]["to"]
    current = (await client.get(url, headers=keys.editor)).json()
    assert current["properties"]["fatalities"] == winner


async def test_the_same_idempotency_key_at_once_creates_one_event(live: Live) -> None:
    client, keys = live.client, live.keys
    headers = {**keys.analyst, "Idempotency-Key": "burst-1"}
    responses = await asyncio.gather(
        *(client.post("/events", json=feature(), headers=headers) for _ in range(20))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 19
    async with live.database.read_connection() as conn:
        count = await conn.execute(text("SELECT count(*) FROM events"))
        assert count.scalar_one() == 1
