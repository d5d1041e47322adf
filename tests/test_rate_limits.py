"""Rate limits: a bucket per client address and per API key, 429 with Retry-After past it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from app.auth.keys import Role
from app.auth.service import create_key
from app.main import create_app
from app.settings import Settings
from app.web.ratelimit import TokenBuckets
from tests.conftest import RolledBackDatabase
from tests.test_bad_input import assert_problem

# Bursts are a tenth of a minute's worth: 3 anonymous requests, 6 with a key.
ANON_PER_MIN, KEY_PER_MIN = 30, 60


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(database_url: str, db: RolledBackDatabase, clock: FakeClock) -> FastAPI:
    settings = Settings(
        database_url=database_url,
        rate_limit_anon_per_min=ANON_PER_MIN,
        rate_limit_key_per_min=KEY_PER_MIN,
    )
    app = create_app(settings, database=db)
    app.state.rate_limiter.clock = clock
    return app


@asynccontextmanager
async def client_at(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_the_request_past_the_burst_is_a_429_with_retry_after(app: FastAPI) -> None:
    async with client_at(app, "192.0.2.1") as client:
        answers = [await client.get("/events") for _ in range(3)]
        refused = await client.get("/events")

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].headers["ratelimit-policy"] == '"anon";q=30;w=60'
    assert [a.headers["ratelimit"] for a in answers] == [
        '"anon";r=2;t=2',
        '"anon";r=1;t=4',
        '"anon";r=0;t=6',
    ]
    assert_problem(refused, 429)
    assert refused.json()["type"] == "/problems/rate-limited"
    # Half a request a second: the next one is allowed in 2 s.
    assert refused.headers["retry-after"] == "2"
    assert refused.headers["ratelimit-policy"] == '"anon";q=30;w=60'
    assert refused.headers["ratelimit"] == '"anon";r=0;t=2'


async def test_another_address_has_its_own_bucket(app: FastAPI) -> None:
    async with client_at(app, "192.0.2.1") as first, client_at(app, "192.0.2.2") as second:
        for _ in range(3):
            await first.get("/events")
        assert (await first.get("/events")).status_code == 429
        assert (await second.get("/events")).status_code == 200


async def test_health_endpoints_are_never_limited(app: FastAPI) -> None:
    async with client_at(app, "192.0.2.1") as client:
        for _ in range(3):
            await client.get("/events")
        for path in ("/healthz", "/readyz") * 3:
            answer = await client.get(path)
            assert answer.status_code == 200
            assert "ratelimit" not in answer.headers


async def test_the_bucket_refills_at_the_per_minute_rate(app: FastAPI, clock: FakeClock) -> None:
    async with client_at(app, "192.0.2.1") as client:
        for _ in range(3):
            await client.get("/events")
        clock.now += 1.9
        assert (await client.get("/events")).status_code == 429
        clock.now += 0.1
        assert (await client.get("/events")).status_code == 200
        assert (await client.get("/events")).status_code == 429
        clock.now += 60
        assert [(await client.get("/events")).status_code for _ in range(4)] == [200] * 3 + [429]


async def test_each_key_has_its_own_bucket_past_its_address_limit(
    app: FastAPI, db: RolledBackDatabase
) -> None:
    first = await create_key(db=db, name="rl-first", role=Role.admin)
    second = await create_key(db=db, name="rl-second", role=Role.admin)

    def with_key(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    async with client_at(app, "192.0.2.1") as client:
        # The key's first request draws from its address, the next six from the key's bucket.
        for _ in range(7):
            assert (await client.get("/keys", headers=with_key(first.key))).status_code == 200
        refused = await client.get("/keys", headers=with_key(first.key))
        assert_problem(refused, 429)
        assert refused.headers["ratelimit-policy"] == '"key";q=60;w=60'
        assert refused.headers["retry-after"] == "1"

        assert (await client.get("/keys", headers=with_key(second.key))).status_code == 200
        assert (await client.get("/keys", headers=with_key(second.key))).status_code == 200
        # Anonymous requests still have the address's last token.
        assert (await client.get("/events")).status_code == 200


async def test_made_up_keys_count_against_their_address(app: FastAPI) -> None:
    async with client_at(app, "192.0.2.1") as client:
        answers = [
            await client.get("/keys", headers={"Authorization": f"Bearer se_madeup{n}"})
            for n in range(4)
        ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]


async def test_zero_disables_the_limit(database_url: str, db: RolledBackDatabase) -> None:
    settings = Settings(database_url=database_url, rate_limit_anon_per_min=0)
    async with client_at(create_app(settings, database=db), "192.0.2.1") as client:
        answers = [await client.get("/events") for _ in range(30)]
    assert {a.status_code for a in answers} == {200}
    assert "ratelimit" not in answers[0].headers


def test_idle_buckets_are_dropped_and_their_number_is_capped() -> None:
    buckets = TokenBuckets("anon", 600, idle_s=600, max_buckets=100)
    for n in range(50):
        buckets.take(f"198.51.100.{n}", now=0.0)
    buckets.take("203.0.113.1", now=300.0)
    assert len(buckets) == 51
    buckets.take("203.0.113.2", now=601.0)
    assert len(buckets) == 2  # the fifty idle since 0 are full again: nothing is lost
    for n in range(500):
        buckets.take(f"2001:db8::{n:x}", now=700.0)
    assert len(buckets) == 100


async def test_a_made_up_key_is_a_401_on_every_route(client: httpx.AsyncClient) -> None:
    bearer = {"Authorization": "Bearer se_made-up"}
    for path in ("/places", "/events", "/changes", "/healthz"):
        assert (await client.get(path, headers=bearer)).status_code == 401, path
