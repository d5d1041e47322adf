"""Long reports (issue 9): a 200,000-character, place-dense report (the body limit; a UN
Commission of Inquiry report runs to 100 pages) is ingested whole, in seconds, while the API
keeps answering everyone else in milliseconds; what one report may propose is bounded.

The timing bounds are the behaviour the issue asks for, measured against a real uvicorn server
on a committed database over loopback, with room for a loaded 2-core machine (measured on
one, shared with other test runs: 1.5-3 s, polls 20-60 ms at p99). Polling runs in threads of
its own and the report is encoded before the clock starts: the client's own work is not
measured.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import httpx
import orjson
import pytest
from fastapi import FastAPI

from app.auth.keys import Role
from app.auth.service import create_key
from app.db import Database
from app.errors import TooManyAtOnce, Unavailable
from app.gazetteer.loader import builtin_places, upsert_places
from app.main import create_app
from app.reports.admission import IngestGate
from app.settings import Settings
from bench.server import running_api
from tests.conftest import Keys, RolledBackDatabase
from tests.long_reports import long_report

BODY_LIMIT = 200_000
INGEST_WITHIN_S = 5.0
POLL_P99_S = 0.100
POLLED = ("/readyz", "/events?limit=10")


@dataclass(frozen=True)
class Server:
    base_url: str
    key: str


async def _seed(url: str) -> str:
    """The built-in gazetteer and an analyst's key, committed."""
    database = Database.of(Settings(database_url=url))
    try:
        async with database.session() as session:
            await upsert_places(session, builtin_places())
        return (await create_key(db=database, name="long-reports", role=Role.analyst)).key
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
def server(
    module_committed_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    key = asyncio.run(_seed(module_committed_database_url))
    log = tmp_path_factory.mktemp("long-reports") / "server.log"
    with running_api(module_committed_database_url, log) as api:
        # As a server that has been up a while: its first report loads the gazetteer and has
        # the worker build a snapshot of it (once per gazetteer change, about a second), and
        # its first requests fill its caches, after which comes its first full collection of
        # garbage (~100 ms on a loaded machine, for any request then).
        with httpx.Client(base_url=api.base_url, timeout=60) as client:
            first = client.post(
                "/reports",
                json={"body": "Shelling hit Aleppo on Monday."},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert first.status_code == 201, first.text
            for path in POLLED * 60:
                assert client.get(path).status_code == 200
        yield Server(api.base_url, key)


@dataclass
class Polls:
    """Latencies (seconds) and statuses of each polled path."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, set[int]] = field(default_factory=dict)

    def p99(self, path: str) -> float:
        return statistics.quantiles(self.latencies[path], n=100, method="inclusive")[98]


def polled_while(base_url: str, work: Callable[[], httpx.Response]) -> tuple[httpx.Response, Polls]:
    """``work()``'s response, and what ``POLLED`` answered, each polled 10 ms after its last
    answer by a thread of its own (after one request that opens its connection) while
    ``work`` ran: about a hundred polls each, so that p99 is not just the slowest one."""
    polls = Polls({p: [] for p in POLLED}, {p: set() for p in POLLED})
    ready = threading.Barrier(len(POLLED) + 1)
    stop = threading.Event()

    def poll(path: str) -> None:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            client.get(path)
            ready.wait()
            while not stop.is_set():
                started = time.perf_counter()
                status = client.get(path).status_code
                polls.latencies[path].append(time.perf_counter() - started)
                polls.statuses[path].add(status)
                stop.wait(0.01)

    threads = [threading.Thread(target=poll, args=(path,)) for path in POLLED]
    for thread in threads:
        thread.start()
    try:
        ready.wait(timeout=30)
        response = work()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    return response, polls


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_200000_character_report_is_ingested_whole_while_the_api_keeps_answering(
    server: Server, language: str
) -> None:
    body = long_report(BODY_LIMIT, language)
    assert BODY_LIMIT - 300 < len(body) <= BODY_LIMIT
    payload = orjson.dumps({"body": body, "published_at": "2018-09-30T10:00:00Z"})
    headers = {"Authorization": f"Bearer {server.key}", "Content-Type": "application/json"}
    elapsed: list[float] = []

    def ingest() -> httpx.Response:
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            started = time.perf_counter()
            response = client.post("/reports", content=payload, headers=headers)
            elapsed.append(time.perf_counter() - started)
            return response

    response, polls = polled_while(server.base_url, ingest)

    assert response.status_code == 201, response.text
    assert elapsed[0] <= INGEST_WITHIN_S, f"ingest took {elapsed[0]:.1f} s"
    for path in POLLED:
        assert polls.statuses[path] == {200}, (path, polls.statuses[path])
        assert len(polls.latencies[path]) >= 50, "too few polls to say anything"
        assert polls.p99(path) < POLL_P99_S, (
            f"{path}: p99 {polls.p99(path) * 1000:.0f} ms over {len(polls.latencies[path])}"
            f" polls, worst {max(polls.latencies[path]) * 1000:.0f} ms"
        )
    report = response.json()
    assert report["body"] == body  # stored whole
    mentions = report["mentions"]
    assert len(mentions) > len(body) / 40  # place-dense: a place every few words
    assert all(body[m["start"] : m["end"]] == m["text"] for m in mentions)
    assert max(m["start"] for m in mentions) > len(body) - 1000  # parsed to its end
    # More distinct drafts than the ceiling: the first ones are kept, the rest counted.
    assert len(report["events"]) == Settings().max_drafts_per_report
    assert report["drafts_omitted"] > 0
    print(
        f"\n{language}: {len(body)} characters in {elapsed[0]:.2f} s, {len(mentions)} mentions, "
        f"{len(report['events'])} drafts ({report['drafts_omitted']} omitted); "
        + ", ".join(
            f"{p} p99 {polls.p99(p) * 1000:.0f} ms (max {max(polls.latencies[p]) * 1000:.0f},"
            f" {len(polls.latencies[p])} polls)"
            for p in POLLED
        )
    )


# What one report may propose: repeats collapsed, a ceiling, said in the report.

REPEATED = (
    "Warplanes struck Saraqib on Monday, killing four civilians. "
    "Government forces shelled Douma on Tuesday. "
    "Warplanes struck Saraqib on Monday, killing four civilians. "
    "Clashes broke out in Manbij on Wednesday between rebels and government forces. "
    "A roadside bomb exploded in Afrin on Thursday."
)


@pytest.fixture
async def app(test_settings: Settings, db: RolledBackDatabase) -> FastAPI:
    settings = test_settings.model_copy(update={"max_drafts_per_report": 2})
    return create_app(settings, database=db)


@pytest.fixture
async def client(app: FastAPI, keys: Keys) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=keys.analyst
    ) as c:
        yield c


@pytest.mark.usefixtures("gazetteer")
async def test_repeated_drafts_collapse_and_the_ceiling_is_said(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/reports", json={"body": REPEATED, "published_at": "2019-02-09T10:00:00Z"}
    )
    assert response.status_code == 201, response.text
    report = response.json()
    # Four distinct events (the third sentence repeats the first); the first two are kept.
    assert [(e["sub_event_type"], e["quote_start"]) for e in report["events"]] == [
        ("Air/drone strike", 0),
        ("Shelling/artillery/missile attack", REPEATED.index("Government")),
    ]
    assert report["drafts_omitted"] == 2
    assert [m["text"] for m in report["mentions"]] == [
        "Saraqib",
        "Douma",
        "Saraqib",
        "Manbij",
        "Afrin",
    ]
    again = await client.get(f"/reports/{report['id']}")
    assert again.json()["drafts_omitted"] == 2


@pytest.mark.usefixtures("gazetteer")
async def test_a_client_past_its_share_of_ingests_gets_a_429_at_once(
    client: httpx.AsyncClient, app: FastAPI, db: RolledBackDatabase
) -> None:
    gate: IngestGate = app.state.ingest_gate
    rima = await create_key(db=db, name="rima", role=Role.analyst)
    # Rima's share is taken (by ingests of hers still running, as far as the gate knows).
    async with AsyncExitStack() as running:
        for _ in range(gate.per_client):
            await running.enter_async_context(gate.admit(f"key:{rima.id}"))
        refused = await client.post(
            "/reports",
            json={"body": "Shelling hit Aleppo today."},
            headers={"Authorization": f"Bearer {rima.key}"},
        )
        other = await client.post("/reports", json={"body": "Shelling hit Homs today."})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"].isdigit()
    assert refused.json()["type"] == "/problems/too-many-at-once"
    assert other.status_code == 201, other.text  # another key is not held back
    again = await client.post(
        "/reports",
        json={"body": "Shelling hit Aleppo today."},
        headers={"Authorization": f"Bearer {rima.key}"},
    )
    assert again.status_code == 201, again.text


async def test_the_gate_refuses_past_its_caps_and_gives_turns_in_arrival_order() -> None:
    gate = IngestGate(workers=1, per_client=2)
    assert (gate.analysing, gate.capacity) == (1, 4)
    async with AsyncExitStack() as running:
        for n in range(gate.capacity):
            await running.enter_async_context(gate.admit(f"client-{n}"))
        with pytest.raises(Unavailable) as full:
            async with gate.admit("one-more"):
                pass
    assert full.value.headers["Retry-After"].isdigit()

    async with gate.admit("a"), gate.admit("a"):
        with pytest.raises(TooManyAtOnce):
            async with gate.admit("a"):
                pass

    order: list[int] = []
    first_in = asyncio.Event()

    async def take_turn(n: int) -> None:
        async with gate.turn():
            order.append(n)
            first_in.set()
            await asyncio.sleep(0.01)

    first = asyncio.create_task(take_turn(0))
    await first_in.wait()
    waiting = [asyncio.create_task(take_turn(n)) for n in range(1, 5)]
    await asyncio.gather(first, *waiting)
    assert order == [0, 1, 2, 3, 4]
