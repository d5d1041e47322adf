"""Rate limits: a minute's and a burst's window per client address and per API key, 429 with
Retry-After past either; counted in this process (memory://) or shared through Redis."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI

from app.auth.keys import Role
from app.auth.service import create_key, revoke_key
from app.main import create_app
from app.settings import Settings
from app.web.ratelimit import BURST_S, RETRY_S, RateLimiter
from tests.conftest import RolledBackDatabase
from tests.test_bad_input import assert_problem

if TYPE_CHECKING:
    from tests.redis_server import RedisServer

pytest_plugins = ["tests.redis_server"]

# Bursts are a tenth of a minute's worth: 3 anonymous requests in 6 s, 6 with a key.
ANON_PER_MIN, KEY_PER_MIN = 30, 60
ANON_POLICY = '"anon";q=30;w=60, "anon-burst";q=3;w=6'
KEY_POLICY = '"key";q=60;w=60, "key-burst";q=6;w=6'


def limited_app(database_url: str, db: RolledBackDatabase, storage: str = "memory://") -> FastAPI:
    settings = Settings(
        database_url=database_url,
        rate_limit_anon_per_min=ANON_PER_MIN,
        rate_limit_key_per_min=KEY_PER_MIN,
        rate_limit_storage=storage,
    )
    return create_app(settings, database=db)


@pytest.fixture
def app(database_url: str, db: RolledBackDatabase) -> FastAPI:
    return limited_app(database_url, db)


@asynccontextmanager
async def client_at(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def clear_of_window_ends() -> None:
    """In memory the windows are whole 6 s (and minutes) since the epoch; a window ending
    amid a test's burst would let the decayed count admit one more. So start well inside one."""
    left = BURST_S - time.time() % BURST_S
    if left < 1.5:
        await asyncio.sleep(left + 0.01)


def remaining(answer: httpx.Response) -> dict[str, int]:
    """The ``r`` of each window in the RateLimit field."""
    items = (item.split(";") for item in answer.headers["ratelimit"].split(", "))
    return {name.strip('"'): int(r.removeprefix("r=")) for name, r, _ in items}


def reset_s(answer: httpx.Response, window: str) -> int:
    for item in answer.headers["ratelimit"].split(", "):
        name, _, t = item.split(";")
        if name == f'"{window}"':
            return int(t.removeprefix("t="))
    raise AssertionError(f"no {window} in {answer.headers['ratelimit']}")


def with_key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_the_request_past_the_burst_is_a_429_with_retry_after(app: FastAPI) -> None:
    await clear_of_window_ends()
    async with client_at(app, "192.0.2.1") as client, client_at(app, "192.0.2.2") as other:
        answers = [await client.get("/events") for _ in range(3)]
        refused = await client.get("/events")
        elsewhere = await other.get("/events")

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert {a.headers["ratelimit-policy"] for a in answers} == {ANON_POLICY}
    assert [remaining(a) for a in answers] == [
        {"anon": 29, "anon-burst": 2},
        {"anon": 28, "anon-burst": 1},
        {"anon": 27, "anon-burst": 0},
    ]
    assert_problem(refused, 429)
    assert refused.json()["type"] == "/problems/rate-limited"
    assert refused.headers["ratelimit-policy"] == ANON_POLICY
    assert remaining(refused) == {"anon": 27, "anon-burst": 0}
    # The burst window is the one refusing: its next decrease is the Retry-After.
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= BURST_S
    assert reset_s(refused, "anon-burst") == retry_after
    # Another address has its own windows.
    assert elsewhere.status_code == 200
    assert remaining(elsewhere) == {"anon": 29, "anon-burst": 2}


async def test_a_refused_client_gets_in_again_at_retry_after_a_request_at_a_time(
    app: FastAPI,
) -> None:
    await clear_of_window_ends()
    async with client_at(app, "192.0.2.1") as client:
        for _ in range(3):
            await client.get("/events")
        refused = await client.get("/events")
        assert (await client.get("/events")).status_code == 429
        await asyncio.sleep(int(refused.headers["retry-after"]))
        # The last window's count now weighs a little less than all three: one more request,
        # not a new burst (the next comes after a sixth of the window, as the bucket refilled).
        assert [(await client.get("/events")).status_code for _ in range(2)] == [200, 429]


async def test_health_endpoints_are_never_limited(app: FastAPI) -> None:
    async with client_at(app, "192.0.2.1") as client:
        for _ in range(3):
            await client.get("/events")
        for path in ("/healthz", "/readyz") * 3:
            answer = await client.get(path)
            assert answer.status_code == 200
            assert "ratelimit" not in answer.headers


async def test_each_key_has_its_own_limit_past_its_address_limit(
    app: FastAPI, db: RolledBackDatabase
) -> None:
    first = await create_key(db=db, name="rl-first", role=Role.admin)
    second = await create_key(db=db, name="rl-second", role=Role.admin)
    await clear_of_window_ends()
    async with client_at(app, "192.0.2.1") as client:
        # The key's first request counts against its address, the next six against the key.
        answers = [await client.get("/keys", headers=with_key(first.key)) for _ in range(7)]
        assert [a.status_code for a in answers] == [200] * 7
        assert answers[0].headers["ratelimit-policy"] == ANON_POLICY
        assert {a.headers["ratelimit-policy"] for a in answers[1:]} == {KEY_POLICY}
        refused = await client.get("/keys", headers=with_key(first.key))
        assert_problem(refused, 429)
        assert refused.headers["ratelimit-policy"] == KEY_POLICY
        assert remaining(refused) == {"key": 54, "key-burst": 0}
        assert 1 <= int(refused.headers["retry-after"]) <= BURST_S

        assert (await client.get("/keys", headers=with_key(second.key))).status_code == 200
        assert (await client.get("/keys", headers=with_key(second.key))).status_code == 200
        # Anonymous requests still have the address's last one.
        assert (await client.get("/events")).status_code == 200
        assert (await client.get("/events")).status_code == 429


async def test_made_up_keys_count_against_their_address(app: FastAPI) -> None:
    await clear_of_window_ends()
    async with client_at(app, "192.0.2.1") as client:
        answers = [await client.get("/keys", headers=with_key(f"se_madeup{n}")) for n in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]


async def test_zero_disables_the_limit(database_url: str, db: RolledBackDatabase) -> None:
    settings = Settings(database_url=database_url, rate_limit_anon_per_min=0)
    async with client_at(create_app(settings, database=db), "192.0.2.1") as client:
        answers = [await client.get("/events") for _ in range(30)]
    assert {a.status_code for a in answers} == {200}
    assert "ratelimit" not in answers[0].headers


async def test_a_made_up_key_is_a_401_on_every_route(client: httpx.AsyncClient) -> None:
    bearer = {"Authorization": "Bearer se_made-up"}
    for path in ("/places", "/events", "/changes", "/healthz"):
        assert (await client.get(path, headers=bearer)).status_code == 401, path


async def test_in_memory_expired_counts_are_swept_now_and_then_not_after_every_request() -> None:
    # limits' own memory storage starts a sweep over every count after each request (a core's
    # worth with 10,000 clients); ours at most every SWEEP_S.
    limiter = RateLimiter(anon_per_min=600, key_per_min=0)
    sweeps = set()
    for n in range(200):
        assert await limiter.admit(f"198.51.100.{n}", None) is not None
        await asyncio.sleep(0)
        sweeps.add(limiter.storage.timer)  # type: ignore[attr-defined]
    assert len(sweeps) == 1


async def test_processes_counting_in_memory_each_allow_the_whole_limit(
    database_url: str, db: RolledBackDatabase
) -> None:
    """Why the README says that N processes without Redis allow N times the rate."""
    first, second = limited_app(database_url, db), limited_app(database_url, db)
    await clear_of_window_ends()
    async with client_at(first, "192.0.2.1") as a, client_at(second, "192.0.2.1") as b:
        assert [(await a.get("/events")).status_code for _ in range(4)] == [200, 200, 200, 429]
        answers = [await b.get("/events") for _ in range(3)]
    assert [x.status_code for x in answers] == [200, 200, 200]
    assert remaining(answers[0]) == {"anon": 29, "anon-burst": 2}


async def test_processes_sharing_redis_share_one_limit(
    database_url: str, db: RolledBackDatabase, redis_server: RedisServer
) -> None:
    first = limited_app(database_url, db, redis_server.url)
    second = limited_app(database_url, db, redis_server.url)
    try:
        async with client_at(first, "192.0.2.1") as a, client_at(second, "192.0.2.1") as b:
            answers = [await a.get("/events"), await b.get("/events"), await a.get("/events")]
            refused = await b.get("/events")
            also_refused = await a.get("/events")
    finally:
        await first.state.rate_limiter.close()
        await second.state.rate_limiter.close()

    assert [x.status_code for x in answers] == [200, 200, 200]
    # One count, whichever process answers.
    assert [remaining(x) for x in answers] == [
        {"anon": 29, "anon-burst": 2},
        {"anon": 28, "anon-burst": 1},
        {"anon": 27, "anon-burst": 0},
    ]
    for x in (refused, also_refused):
        assert_problem(x, 429)
        assert remaining(x) == {"anon": 27, "anon-burst": 0}
        assert 1 <= int(x.headers["retry-after"]) <= BURST_S


async def test_a_key_earned_in_one_process_is_known_in_another_and_a_401_forgets_it(
    database_url: str, db: RolledBackDatabase, redis_server: RedisServer
) -> None:
    key = await create_key(db=db, name="rl-shared", role=Role.admin)
    first = limited_app(database_url, db, redis_server.url)
    second = limited_app(database_url, db, redis_server.url)
    try:
        async with client_at(first, "192.0.2.1") as a, client_at(second, "192.0.2.1") as b:
            earning = await a.get("/keys", headers=with_key(key.key))
            assert earning.status_code == 200
            assert earning.headers["ratelimit-policy"] == ANON_POLICY
            # More than the address's burst, all on the key's own limit.
            answers = [await b.get("/keys", headers=with_key(key.key)) for _ in range(4)]
            assert [x.status_code for x in answers] == [200] * 4
            assert {x.headers["ratelimit-policy"] for x in answers} == {KEY_POLICY}
            assert remaining(answers[-1]) == {"key": 56, "key-burst": 2}

            await revoke_key(db=db, key_id=key.id)
            assert (await b.get("/keys", headers=with_key(key.key))).status_code == 401
            # Forgotten in the first process too: the key counts against its address again.
            revoked = await a.get("/keys", headers=with_key(key.key))
            assert revoked.status_code == 401
            assert revoked.headers["ratelimit-policy"] == ANON_POLICY
    finally:
        await first.state.rate_limiter.close()
        await second.state.rate_limiter.close()


async def test_without_redis_requests_are_served_and_limited_again_when_it_is_back(
    database_url: str,
    db: RolledBackDatabase,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = limited_app(database_url, db, redis_server.url)
    caplog.set_level(logging.INFO, logger="app.ratelimit")

    def logged() -> list[tuple[int, str]]:
        return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "app.ratelimit"]

    try:
        async with client_at(app, "192.0.2.1") as client:
            assert (await client.get("/events")).status_code == 200
            redis_server.stop()
            outage = [await client.get("/events") for _ in range(6)]
            await asyncio.sleep(RETRY_S + 0.1)  # Redis is tried again, and is still away
            outage += [await client.get("/events") for _ in range(2)]

            assert [x.status_code for x in outage] == [200] * 8
            assert not any("ratelimit" in x.headers for x in outage)
            [(level, message)] = logged()
            assert level == logging.WARNING
            assert "unreachable" in message and redis_server.url.rsplit("/", 1)[0] in message

            redis_server.start()  # empty: it kept nothing on disk
            await asyncio.sleep(RETRY_S + 0.1)
            back = [await client.get("/events") for _ in range(4)]
    finally:
        await app.state.rate_limiter.close()

    assert [x.status_code for x in back] == [200, 200, 200, 429]
    assert remaining(back[0]) == {"anon": 29, "anon-burst": 2}
    [_, (level, message)] = logged()
    assert level == logging.WARNING and "answers again" in message
