"""No single client can take the service down: exports and dashboards have budgets of their
own, slow downloads hold no database connection, and light reads always get through.

Against a real ``syria-events serve`` on a committed database of 20,000 events (a CSV export
of some 6 MB, so that a client that does not read leaves most of it in the read-ahead).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.cluster import CLI, Api, environment, running_api
from tests.conftest import asyncpg_dsn

EVENTS = 20_000

SEED = f"""
INSERT INTO events (event_date, event_type, sub_event_type, description, fatalities, geom,
                    governorate_pcode, status, source, source_id)
SELECT date '2012-01-01' + (n % 4000), 'Battles', 'Armed clash',
       'Clashes between armed groups reported near the town, event number ' || n
         || repeat(' with a longer account of what happened', 4),
       n % 7, ST_SetSRID(ST_MakePoint(36 + (n % 500) / 100.0, 33 + (n % 300) / 100.0), 4326),
       'SY02', 'published', 'fair-use-test', n::text
FROM generate_series(1, {EVENTS}) n
"""


@pytest.fixture(scope="module")
def seeded_url(module_committed_database_url: str) -> str:
    async def seed() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(module_committed_database_url))
        try:
            await conn.execute(SEED)
            await conn.execute("ANALYZE events")
        finally:
            await conn.close()

    asyncio.run(seed())
    return module_committed_database_url


def serving(url: str, log_dir: Path, idle_s: int) -> AbstractContextManager[Api]:
    return running_api(
        url,
        log_dir,
        SE_EXPORT_SLOTS="4",
        SE_EXPORT_SLOTS_PER_CLIENT="2",
        SE_EXPORT_BUFFER_BYTES=str(256 * 1024),
        SE_EXPORT_IDLE_S=str(idle_s),
    )


@pytest.fixture(scope="module")
def api(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with serving(seeded_url, tmp_path_factory.mktemp("fair-use"), idle_s=120) as api:
        yield api


@pytest.fixture
def impatient_api(seeded_url: str, tmp_path: Path) -> Iterator[Api]:
    """Cuts off a download whose client reads nothing for 3 s."""
    with serving(seeded_url, tmp_path, idle_s=3) as api:
        yield api


def keys(url: str, n: int) -> list[str]:
    made = []
    for i in range(n):
        out = subprocess.run(
            [str(CLI), "keys", "create", "--name", f"reader{i}", "--role", "analyst"],
            env=environment(url),
            capture_output=True,
            text=True,
            check=True,
        )
        made.append(out.stdout.strip().splitlines()[-1])
    return made


class StalledDownload:
    """A client that asks for an export, reads the status line and then stops reading."""

    def __init__(self, api: Api, path: str, key: str | None = None) -> None:
        host, port = api.base_url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        # A tiny receive buffer, so the server's writes back up at once.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        auth = f"Authorization: Bearer {key}\r\n" if key else ""
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n".encode())
        self.head = self.sock.recv(2048).decode(errors="replace")

    @property
    def status(self) -> int:
        return int(self.head.split(" ", 2)[1])

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def stalled(api: Api) -> Iterator[list[StalledDownload]]:
    made: list[StalledDownload] = []
    yield made
    for download in made:
        download.close()


async def exporting_connections(url: str) -> int:
    """Connections of the API running a COPY or holding a transaction open."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        found: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'syria-events'"
            " AND datname = current_database() AND pid <> pg_backend_pid()"
            " AND (query ILIKE 'COPY%' AND state = 'active' OR state LIKE 'idle in transaction%')"
        )
        return found
    finally:
        await conn.close()


@pytest.fixture
async def client(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as c:
        yield c


async def test_slow_exports_take_no_connection_and_light_reads_stay_fast(
    api: Api, seeded_url: str, stalled: list[StalledDownload], client: httpx.AsyncClient
) -> None:
    readers = keys(seeded_url, 10)
    # 20 slow exports from 10 clients (two each): 4 get the slots, the rest an immediate answer.
    started = time.monotonic()
    for i in range(20):
        stalled.append(StalledDownload(api, "/events?f=csv", readers[i // 2]))
    refused_in = time.monotonic() - started
    statuses = sorted(d.status for d in stalled)
    assert statuses.count(200) == 4
    assert set(statuses) <= {200, 429, 503} and statuses.count(503) == 16
    assert all("retry-after" in d.head.lower() for d in stalled if d.status != 200)
    assert refused_in < 10  # 16 refusals, none of them waiting for a slot
    # One more export past the overall cap: a 503 problem at once.
    r = await client.get("/events?f=ndjson", headers={"Authorization": f"Bearer {readers[0]}"})
    assert r.status_code == 429  # the first client holds its two already
    r = await client.get("/events?f=ndjson")
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert int(r.headers["retry-after"]) > 0

    # The exports are in the read-ahead already: no connection is held for the stalled clients.
    await asyncio.sleep(1.0)
    assert await exporting_connections(seeded_url) == 0

    # 200 paged reads, 4 at a time, while the slow clients still hold their downloads.
    timings: list[float] = []

    async def read(n: int) -> None:
        t0 = time.monotonic()
        r = await client.get("/events", params={"limit": 10, "bbox": "36,33,41,36"})
        timings.append(time.monotonic() - t0)
        assert r.status_code == 200, r.text

    for batch in range(50):
        await asyncio.gather(*(read(batch * 4 + i) for i in range(4)))
    timings.sort()
    assert len(timings) == 200
    assert timings[int(len(timings) * 0.99) - 1] < 0.25, timings[-5:]
    # The slow clients were never cut off (SE_EXPORT_IDLE_S=120): still all four slots held.
    assert (await client.get("/events?f=csv")).status_code == 503

    # When the slow clients vanish, their slots come back.
    for download in stalled:
        download.close()
    stalled.clear()
    await _until_export_admitted(client)


async def test_a_client_past_its_share_gets_a_429_and_a_freed_slot_comes_back(
    api: Api, stalled: list[StalledDownload], client: httpx.AsyncClient
) -> None:
    stalled.extend(StalledDownload(api, "/events?f=csv") for _ in range(2))
    assert [d.status for d in stalled] == [200, 200]
    r = await client.get("/events?f=csv")
    assert r.status_code == 429
    assert r.json()["type"] == "/problems/too-many-at-once"
    assert "at most 2" in r.json()["detail"]
    # Paged exports are never budgeted.
    assert (await client.get("/events?f=csv&limit=5")).status_code == 200

    for download in stalled:
        download.close()
    stalled.clear()
    await _until_export_admitted(client)


async def test_a_client_that_stops_reading_is_cut_off_and_its_slot_freed(
    impatient_api: Api, stalled: list[StalledDownload]
) -> None:
    api = impatient_api
    stalled.extend(StalledDownload(api, "/events?f=csv") for _ in range(2))
    assert [d.status for d in stalled] == [200, 200]
    # SE_EXPORT_IDLE_S=3: the server cuts both off and frees their slots while they still
    # hold their sockets open.
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as client:
        await _until_export_admitted(client, within_s=20)
    assert "cut off: the client read nothing" in api.output()
    # ... without the last chunk of the chunked encoding: clients see an incomplete
    # transfer, never a short file that looks whole.
    assert "returned without completing response" in api.output()


async def test_an_export_read_to_the_end_is_whole(client: httpx.AsyncClient) -> None:
    async with client.stream("GET", "/events?f=csv") as r:
        assert r.status_code == 200
        lines = [line async for line in r.aiter_lines()]
    assert lines[0].startswith("id,event_date,")
    assert len([x for x in lines[1:] if x]) == EVENTS
    r = await client.get("/events?f=ndjson&datetime=2012-01-01/2012-01-31")
    assert r.status_code == 200
    assert len(r.text.splitlines()) == 31 * EVENTS // 4000


async def _until_export_admitted(client: httpx.AsyncClient, within_s: float = 10) -> None:
    deadline = time.monotonic() + within_s
    while True:
        r = await client.get("/events?f=csv&datetime=2012-01-01")
        if r.status_code == 200:
            return
        assert r.status_code == 429, r.text
        assert time.monotonic() < deadline, "the slots were never given back"
        await asyncio.sleep(0.25)
