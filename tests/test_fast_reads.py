"""The fast path for anonymous reads (app/web/fastpath.py) answers exactly what the full app
answers: the same status, headers and bytes, for good requests and bad ones alike; and what it
cannot take (a key, another method) goes to the app."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import Receive, Scope, Send

from app.events.router import FAST_READS as EVENT_READS
from app.main import CHECKS, create_app
from app.ogc.router import FAST_READS as ITEM_READS
from app.settings import Settings
from app.web.fastpath import FastReads
from tests.conftest import Keys, RolledBackDatabase
from tests.factories import add_event

# Headers that differ between two responses to the same request whatever the path.
VARYING = {"date", "ratelimit", "ratelimit-policy"}


@pytest.fixture
async def both(
    test_settings: Settings, db: RolledBackDatabase
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """A client of the app with the fast path, and one of the app without it."""
    clients = []
    for fast in (True, False):
        app = create_app(replace_settings(test_settings, fast_reads=fast), database=db)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
    try:
        yield clients[0], clients[1]
    finally:
        for c in clients:
            await c.aclose()


def replace_settings(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update=changes)


# OGC pages carry the second they were made; two requests may straddle a second.
_STAMP = re.compile(rb'"timeStamp":"[^"]+"')


def _same(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code, (a.status_code, b.status_code, a.text, b.text)
    assert _STAMP.sub(b"", a.content) == _STAMP.sub(b"", b.content)
    strip = lambda r: sorted((k, v) for k, v in r.headers.items() if k not in VARYING)  # noqa: E731
    assert strip(a) == strip(b)


@pytest.fixture
async def events(session: AsyncSession) -> list[str]:
    made = []
    for i in range(12):
        e = await add_event(
            session, f"2017-03-{i + 1:02d}", 36.2 + i / 100, 35.1, fatalities=i, place=None
        )
        made.append(e.public_id)
    retracted = await add_event(session, "2017-04-01", 36.3, 35.2, status="retracted")
    draft = await add_event(session, "2017-04-02", 36.3, 35.2, status="draft")
    await session.flush()
    return [*made, retracted.public_id, draft.public_id]


LIST_QUERIES = [
    "",
    "?limit=5",
    "?bbox=36,35,37,36&datetime=2017-01-01/2017-12-31&limit=3",
    "?bbox=36,35,37,36&limit=3&f=geojson",
    "?limit=5&count=true",
    "?q=clash&type=battles",
    "?f=csv&limit=4",
    "?f=ndjson&limit=2",
    "?bbox=1,2,3",  # 400
    "?limit=0",  # 400
    "?bogus=1",  # 400, unknown
    "?status=draft",  # 401 without a key
    "?place=nowhere",  # 400, unknown place
    "?q=%00",  # 400, unstorable
    "?datetime=2017-13-01",  # 400
]


async def test_lists_answer_the_same(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient], events: list[str]
) -> None:
    fast, full = both
    for path in ("/events", "/collections/events/items"):
        for query in LIST_QUERIES:
            _same(await fast.get(path + query), await full.get(path + query))
    first = (await fast.get("/events?limit=5")).json()
    next_url = next(link["href"] for link in first["links"] if link["rel"] == "next")
    _same(await fast.get(next_url), await full.get(next_url))


async def test_revalidations_answer_the_same(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient], events: list[str]
) -> None:
    fast, full = both
    for path in ("/events?limit=5", "/events?f=csv&limit=4", "/collections/events/items?limit=5"):
        read = await full.get(path)
        tag, stamp = read.headers["etag"], read.headers["last-modified"]
        for headers, status in (
            ({"If-None-Match": tag}, 304),
            ({"If-None-Match": 'W/"other"'}, 200),
            ({"If-Modified-Since": stamp}, 304),
            ({"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, 200),
            ({"If-None-Match": 'W/"other"', "If-Modified-Since": stamp}, 200),  # the tag decides
        ):
            answers = await fast.get(path, headers=headers), await full.get(path, headers=headers)
            assert answers[0].status_code == status, (path, headers)
            _same(*answers)
        assert answers[0].headers["etag"] == tag
    export = await full.get("/events?f=ndjson")
    headers = {"If-None-Match": export.headers["etag"]}
    _same(await fast.get("/events?f=ndjson", headers=headers),
          await full.get("/events?f=ndjson", headers=headers))  # fmt: skip


async def test_single_events_answer_the_same(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient], events: list[str]
) -> None:
    fast, full = both
    published, retracted, draft = events[0], events[-2], events[-1]
    tag = (await full.get(f"/events/{published}")).headers["etag"]
    for path, headers in [
        (f"/events/{published}", {}),
        (f"/events/{published}", {"If-None-Match": tag}),
        (f"/events/{published}?as_of=2999-01-01T00:00:00Z", {}),
        (f"/events/{published}?as_of=yesterday", {}),  # 400
        (f"/events/{published}?bogus=1", {}),  # 400
        (f"/events/{retracted}", {}),  # 410
        (f"/events/{draft}", {}),  # 404 to anyone but its owner and editors
        ("/events/ev_missing", {}),  # 404
        ("/events/" + "x" * 65, {}),  # 400: longer than an id can be
    ]:
        _same(await fast.get(path, headers=headers), await full.get(path, headers=headers))


async def test_keys_and_writes_go_to_the_app(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient], events: list[str], keys: Keys
) -> None:
    fast, full = both
    draft = events[-1]
    bad_key = {"Authorization": "Bearer nope"}
    for headers in (keys.editor, bad_key, {"Authorization": "Basic eDp5"}):
        _same(await fast.get("/events?status=draft", headers=headers),
              await full.get("/events?status=draft", headers=headers))  # fmt: skip
        _same(await fast.get(f"/events/{draft}", headers=headers),
              await full.get(f"/events/{draft}", headers=headers))  # fmt: skip
    assert (await fast.get(f"/events/{draft}", headers=keys.editor)).status_code == 200
    _same(await fast.head("/events"), await full.head("/events"))
    _same(await fast.post("/events", json={}), await full.post("/events", json={}))


async def test_the_fast_path_answers_without_the_app(
    test_settings: Settings, db: RolledBackDatabase, events: list[str]
) -> None:
    app = create_app(test_settings, database=db)

    async def never(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError(f"{scope['path']} went to the app")

    fast = FastReads(never, reads=(*EVENT_READS, *ITEM_READS), checks=CHECKS)

    async def outer(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = app  # as Starlette sets it before its middleware
        await fast(scope, receive, send)

    transport = httpx.ASGITransport(app=outer)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        page = await c.get("/events?limit=3")
        assert page.status_code == 200 and len(page.json()["features"]) == 3
        items = await c.get("/collections/events/items?limit=2")
        assert items.status_code == 200 and len(items.json()["features"]) == 2
        one = await c.get(f"/events/{events[0]}")
        assert one.status_code == 200 and one.json()["id"] == events[0]
        bad = await c.get("/events?limit=-1")
        assert bad.status_code == 400 and bad.json()["invalid_params"][0]["name"] == "limit"
        assert (await c.get("/events/ev_missing")).status_code == 404
        with pytest.raises(AssertionError, match="went to the app"):
            await c.get("/places")
