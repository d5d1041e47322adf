"""Budgets of heavy work: per-client and overall caps, immediate or bounded answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.errors import TooManyAtOnce
from app.main import create_app
from app.settings import Settings
from app.web.budgets import Budget, Busy
from tests.conftest import RolledBackDatabase


async def test_a_client_past_its_share_is_refused_at_once() -> None:
    budget = Budget("b", total=4, per_client=2, wait_s=5)
    async with budget.slot("a"), budget.slot("a"):
        started = time.monotonic()
        with pytest.raises(TooManyAtOnce) as refused:
            async with budget.slot("a"):
                pass
        assert time.monotonic() - started < 0.1
        assert refused.value.headers["Retry-After"]
        async with budget.slot("b"):  # another client still gets in
            assert budget.in_use == 3
    assert budget.in_use == 0 and budget.holders("a") == 0


async def test_without_a_wait_a_full_budget_is_busy_at_once() -> None:
    budget = Budget("exports", total=2, per_client=2, wait_s=0, retry_after_s=30)
    async with budget.slot("a"), budget.slot("b"):
        with pytest.raises(Busy) as busy:
            async with budget.slot("c"):
                pass
        assert busy.value.headers == {"Retry-After": "30"}
        assert budget.holders("c") == 0  # a refused request holds nothing


async def test_with_a_wait_a_request_queues_for_a_slot_then_gives_up() -> None:
    budget = Budget("dash", total=1, per_client=4, wait_s=0.3)
    order: list[str] = []

    async def hold(seconds: float) -> None:
        async with budget.slot("a"):
            order.append("first in")
            await asyncio.sleep(seconds)

    holder = asyncio.create_task(hold(0.1))
    await asyncio.sleep(0.01)
    async with budget.slot("b"):  # waits 0.1 s for the slot
        order.append("second in")
    await holder
    assert order == ["first in", "second in"]

    holder = asyncio.create_task(hold(1.0))
    await asyncio.sleep(0.01)
    started = time.monotonic()
    with pytest.raises(Busy):
        async with budget.slot("b"):
            pass
    assert 0.25 < time.monotonic() - started < 0.9
    await holder
    assert budget.in_use == 0


async def test_a_failure_inside_a_slot_gives_it_back() -> None:
    budget = Budget("b", total=1, per_client=1)
    with pytest.raises(RuntimeError):
        async with budget.slot("a"):
            raise RuntimeError("boom")
    async with budget.slot("a"):
        assert budget.in_use == 1


@pytest.fixture
async def app(test_settings: Settings, db: RolledBackDatabase) -> FastAPI:
    settings = test_settings.model_copy(
        update={"dashboard_slots": 2, "dashboard_slots_per_client": 1, "dashboard_wait_s": 0.2}
    )
    return create_app(settings, database=db)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("192.0.2.7", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_statistics_tiles_and_counts_draw_on_the_dashboard_budget(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    dashboards: Budget = app.state.budgets.dashboards
    assert (await client.get("/stats/summary")).status_code == 200
    async with dashboards.slot("ip:192.0.2.7"):  # this client's one slot, taken
        for path in ("/stats/summary", "/tiles/6/38/25.mvt", "/events?count=true&limit=1"):
            r = await client.get(path)
            assert r.status_code == 429, path
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["budget"] == "dashboards"
        # A plain page never waits for a dashboard slot.
        assert (await client.get("/events?limit=1")).status_code == 200
        async with dashboards.slot("ip:198.51.100.1"):  # every slot taken by someone
            other = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
            async with httpx.AsyncClient(transport=other, base_url="http://testserver") as c:
                r = await c.get("/stats/summary")
            assert r.status_code == 503
            assert r.headers["retry-after"] == "1"
