"""The scaled-out topology at work (tests/topology.py: a primary and its streaming standby,
PgBouncer, Redis, two API processes, nginx): anonymous reads reach the replica, a client reads
its own write, a lagging or stopped replica is left without a failed request, the change feed
stays exact on the replica while writers run, rate limits hold across processes, and nginx
serves repeats from its cache until a write makes the next revalidation miss."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.cluster import start_api, stop, wait_until_ready
from tests.test_changes import Mirror, published, versions
from tests.test_event_writes import feature
from tests.topology import Topology, topology

# Checks five times a second (tests wait on them); a replica further than 60 s behind is
# skipped (only the test that wants a lagging replica starts a stricter API); the cache may
# serve a page for a second without asking. Rate limits are off but in their own test.
ENV = {"SE_REPLICA_CHECK_S": "0.2", "SE_REPLICA_MAX_LAG_S": "60", "SE_CACHE_MAX_AGE_S": "1"}


@pytest.fixture(scope="module")
def topo() -> Iterator[Topology]:
    with topology(apis=2, env=ENV) as started:
        for api in started.apis:
            replica_state(api.base_url, "ok")
        yield started


@pytest.fixture(scope="module")
def editor(topo: Topology) -> dict[str, str]:
    return {"Authorization": f"Bearer {topo.primary.create_key('editor', 'editor')}"}


def readyz(base_url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{base_url}/readyz", timeout=5).json()
    return body


def replica_state(base_url: str, state: str, within_s: float = 20) -> dict[str, Any]:
    """/readyz's view of the (one) replica, once it is in ``state``."""
    deadline = time.monotonic() + within_s
    while True:
        replica: dict[str, Any] = readyz(base_url)["replicas"][0]
        if replica["state"] == state:
            return replica
        assert time.monotonic() < deadline, f"replica still {replica} after {within_s} s"
        time.sleep(0.1)


def until(probe: Any, done: Any, within_s: float = 10) -> Any:
    deadline = time.monotonic() + within_s
    while not done(value := probe()):
        assert time.monotonic() < deadline, f"still {value} after {within_s} s"
        time.sleep(0.1)
    return value


def create(base_url: str, headers: dict[str, str], **props: Any) -> httpx.Response:
    response = httpx.post(f"{base_url}/events", json=feature(**props), headers=headers)
    assert response.status_code == 201, response.text
    return response


def test_reads_reach_the_replica_and_a_client_reads_its_own_write(
    topo: Topology, editor: dict[str, str]
) -> None:
    api = topo.apis[0].base_url
    topo.standby.execute("SELECT pg_wal_replay_pause()")
    try:
        written = create(api, editor, status="published", description="own write")
        token = written.headers["Commit-LSN"]
        path = f"{api}/events/{written.json()['id']}"
        # The replica has stopped replaying: an anonymous read there cannot see the event.
        assert httpx.get(path).status_code == 404
        behind = until(lambda: readyz(api)["replicas"][0], lambda r: r["lag_bytes"] > 0)
        assert behind["state"] == "ok"  # 60 s allowed
        # With the write's token it is served where the write is visible: the primary.
        assert httpx.get(path, headers={"Commit-LSN": token}).status_code == 200
        # Keyed reads are the primary's.
        assert httpx.get(path, headers=editor).status_code == 200
        bad = httpx.get(path, headers={"Commit-LSN": "yesterday"})
        assert bad.status_code == 400 and "Commit-LSN" in bad.json()["detail"]
    finally:
        topo.standby.execute("SELECT pg_wal_replay_resume()")
    topo.wait_for_standby()
    until(lambda: httpx.get(path).status_code, lambda status: status == 200)
    # Once replayed, the token is no reason to leave the replica.
    assert httpx.get(path, headers={"Commit-LSN": token}).status_code == 200


def test_a_lagging_replica_is_skipped_until_it_catches_up(
    topo: Topology, editor: dict[str, str]
) -> None:
    env = {**topo.api_env, "SE_REPLICA_MAX_LAG_S": "1"}
    strict = start_api(topo.api_database_url, topo.root / "logs", env)
    try:
        wait_until_ready(strict)
        replica_state(strict.base_url, "ok")
        topo.standby.execute("SELECT pg_wal_replay_pause()")
        try:
            written = create(strict.base_url, editor, status="published", description="lag")
            path = f"/events/{written.json()['id']}"
            lagging = replica_state(strict.base_url, "lagging")
            assert lagging["lag_s"] > 1
            # The strict process reads on the primary; the lenient one still on the replica.
            assert httpx.get(strict.base_url + path).status_code == 200
            assert httpx.get(topo.apis[0].base_url + path).status_code == 404
        finally:
            topo.standby.execute("SELECT pg_wal_replay_resume()")
        replica_state(strict.base_url, "ok")
        assert "replica" in strict.output() and "skipped" in strict.output()
    finally:
        stop(strict.proc, within_s=15)


async def test_the_change_feed_is_exact_on_the_replica_while_writers_run(
    topo: Topology, editor: dict[str, str]
) -> None:
    api = topo.apis[1].base_url
    async with httpx.AsyncClient(base_url=api, timeout=30) as client:
        mirror = Mirror()
        await mirror.drain(client)

        async def write(n: int) -> None:
            body = feature(description=f"feed on a replica {n}", fatalities=n,
                           status="published" if n % 4 else "draft")  # fmt: skip
            response = await client.post("/events", json=body, headers=editor)
            assert response.status_code == 201, response.text
            if n % 3 == 0:
                patch = {"properties": {"fatalities": n + 1000}}
                headers = {**editor, "If-Match": response.headers["etag"]}
                r = await client.patch(f"/events/{response.json()['id']}", json=patch,
                                       headers=headers)  # fmt: skip
                assert r.status_code == 200, r.text

        done = asyncio.Event()

        async def reader() -> None:
            while not done.is_set():
                await mirror.pull(client)  # anonymous: the replica answers

        reading = asyncio.create_task(reader())
        for batch in range(8):
            await asyncio.gather(*(write(batch * 8 + i) for i in range(8)))
        done.set()
        await reading
        await asyncio.to_thread(topo.wait_for_standby)
        # What the primary publishes (a keyed list is read there) is what the mirror holds.
        server = await published_on_primary(client, editor)
        await mirror.catch_up(client, versions(server))
        assert len(server) > 40
        assert versions(mirror.events) == versions(server)


async def published_on_primary(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> dict[str, dict[str, Any]]:
    client.headers.update(editor)
    try:
        return await published(client)
    finally:
        del client.headers["Authorization"]


def test_rate_limits_hold_across_two_processes(topo: Topology, editor: dict[str, str]) -> None:
    """Two more API processes counting in the topology's Redis: 60 requests a minute in bursts
    of 6, per key and per address, whichever process a request reaches."""
    limited = {
        **topo.api_env,
        "SE_RATE_LIMIT_KEY_PER_MIN": "60",
        "SE_RATE_LIMIT_ANON_PER_MIN": "60",
    }
    apis = [start_api(topo.api_database_url, topo.root / "logs", limited) for _ in range(2)]
    try:
        for api in apis:
            wait_until_ready(api)
        allowed = 0
        for headers in (editor, {}):
            statuses = [
                httpx.get(f"{apis[i % 2].base_url}/events?limit=1", headers=headers).status_code
                for i in range(24)
            ]
            assert set(statuses) == {200, 429}, statuses
            allowed += statuses.count(200)
        # One burst of 6 for the key and one for the address, whichever process counted them
        # (the key's first request counts against the address, until it has earned its own);
        # with a count per process, twice as many would have passed.
        assert allowed == 12
    finally:
        for api in apis:
            stop(api.proc, within_s=15)


def test_nginx_serves_repeats_and_revalidates_after_a_write(
    topo: Topology, editor: dict[str, str]
) -> None:
    with topo.client(timeout=10) as nginx:
        page = "/events?limit=3&datetime=2005-01-01/2005-12-31"
        first = nginx.get(page)
        assert first.status_code == 200 and first.headers["X-Cache-Status"] == "MISS"
        again = nginx.get(page)
        assert again.headers["X-Cache-Status"] == "HIT" and again.content == first.content
        # Keyed requests pass the cache both ways.
        keyed = nginx.get(page, headers=editor)
        assert keyed.headers["X-Cache-Status"] == "BYPASS"
        assert "private" in keyed.headers["Cache-Control"]

        # Past max-age (nginx counts whole seconds: a 1 s entry may live up to 2 s): nginx
        # asks again, and nothing changed.
        time.sleep(2.1)
        unchanged = nginx.get(page)
        assert unchanged.headers["X-Cache-Status"] == "REVALIDATED"
        assert unchanged.content == first.content

        create(topo.nginx_url, editor, status="published", event_date="2005-05-01")
        topo.wait_for_standby()
        time.sleep(2.1)
        changed = nginx.get(page)
        assert changed.headers["X-Cache-Status"] == "EXPIRED"
        assert changed.json()["numberReturned"] == first.json()["numberReturned"] + 1
        assert nginx.get(page).headers["X-Cache-Status"] == "HIT"


def test_a_stopped_replica_costs_no_failed_request(topo: Topology) -> None:
    statuses: list[int] = []
    done = threading.Event()

    def read(base_url: str) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            while not done.is_set():
                statuses.append(client.get("/events?limit=5").status_code)
                statuses.append(client.get("/stats/summary").status_code)

    readers = [threading.Thread(target=read, args=(api.base_url,)) for api in topo.apis]
    for thread in readers:
        thread.start()
    try:
        time.sleep(0.5)
        topo.standby.stop()
        for api in topo.apis:
            replica_state(api.base_url, "down")
        time.sleep(0.5)
        topo.standby.start()
        for api in topo.apis:
            replica_state(api.base_url, "ok")
        time.sleep(0.5)
    finally:
        done.set()
        for thread in readers:
            thread.join()
    assert len(statuses) > 50
    logs = "\n".join(api.output()[-6000:] for api in topo.apis)
    assert set(statuses) == {200}, ({s: statuses.count(s) for s in set(statuses)}, logs)
