"""HTTP caching of public reads: validators from the data version, 304s that run no query of
the data, Cache-Control that a shared cache may honour, and writes that make the next
revalidation miss. Keyed and draft reads are never shared."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import asyncpg
import httpx
import morecantile
import pytest
from rich.console import Console
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.keys import Role
from app.auth.service import create_key
from app.caching import repository
from app.caching import service as caching
from app.connecting import asyncpg_dsn
from app.db import Database
from app.exchange.service import import_files
from app.main import create_app
from app.settings import Settings
from tests.conftest import Keys, RolledBackDatabase
from tests.exchange_data import acled_row, write_acled
from tests.factories import add_event, add_place
from tests.test_event_writes import feature

ALEPPO = (37.1343, 36.2021)
TILE = morecantile.tms.get("WebMercatorQuad").tile(*ALEPPO, 8)
TILE_URL = f"/tiles/{TILE.z}/{TILE.x}/{TILE.y}.mvt"
PLACE = "sy-aleppo-test"

# Every kind of public read whose validators come from the data version.
READS = {
    "events": "/events?limit=5",
    "events-csv": "/events?f=csv&limit=5",
    "events-ndjson": "/events?f=ndjson&limit=5",
    "place-events": f"/places/{PLACE}/events?limit=5",
    "items": "/collections/events/items?limit=5",
    "items-csv": "/collections/events/items?f=csv&limit=5",
    "summary": "/stats/summary",
    "timeseries": "/stats/timeseries?interval=month",
    "grid": "/stats/grid",
    "tile": TILE_URL,
}
SHOWN = ("etag", "last-modified", "cache-control", "vary")


@pytest.fixture
async def arranged(session: AsyncSession) -> list[str]:
    """A place at Aleppo and three published events there, and a draft."""
    await add_place(session, PLACE, *ALEPPO, name_en="Aleppo", governorate="SY02")
    made = [
        await add_event(session, f"2018-01-0{i}", *ALEPPO, place=PLACE, governorate="SY02")
        for i in (1, 2, 3)
    ]
    await add_event(session, "2018-01-04", *ALEPPO, status="draft", created_by="amal")
    return [e.public_id for e in made if e.public_id]


def varies(response: httpx.Response) -> set[str]:
    """The request headers a response varies on (CORS adds Origin)."""
    return {name.strip() for name in response.headers.get("vary", "").split(",")} - {"Origin"}


def _max_age(path: str) -> int:
    return 300 if path.startswith("/tiles/") else 10


@pytest.mark.parametrize("path", READS.values(), ids=READS.keys())
async def test_a_public_read_carries_validators_and_answers_304_while_nothing_changed(
    client: httpx.AsyncClient, arranged: list[str], path: str
) -> None:
    first = await client.get(path)
    assert first.status_code == 200, first.text
    tag = first.headers["etag"]
    assert tag.startswith('W/"') and len(tag) == 36
    assert parsedate_to_datetime(first.headers["last-modified"]).tzinfo is not None
    assert first.headers["cache-control"] == f"public, max-age={_max_age(path)}"
    assert "Authorization" in varies(first)
    assert (await client.get(path)).headers["etag"] == tag, "nothing changed, same tag"

    again = await client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert [again.headers[h] for h in SHOWN] == [first.headers[h] for h in SHOWN]
    listed = await client.get(path, headers={"If-None-Match": f'W/"other", {tag}'})
    assert listed.status_code == 304, "any of the tags listed"


async def test_lists_vary_on_accept_and_tag_each_format(
    client: httpx.AsyncClient, arranged: list[str]
) -> None:
    geojson = await client.get("/events?limit=5")
    csv = await client.get("/events?limit=5", headers={"Accept": "text/csv"})
    acled = await client.get("/events?limit=5", headers={"Accept": "text/csv; profile=acled"})
    assert varies(geojson) == {"Accept", "Authorization"}
    assert len({geojson.headers["etag"], csv.headers["etag"], acled.headers["etag"]}) == 3
    same_url = await client.get(
        "/events?limit=5", headers={"Accept": "text/csv", "If-None-Match": geojson.headers["etag"]}
    )
    assert same_url.status_code == 200, "the GeoJSON's tag does not name the CSV"
    tile = await client.get(TILE_URL)
    assert varies(tile) == {"Authorization"}, "a tile is the same whatever is accepted"


@pytest.mark.parametrize("path", ["/events/{id}", "/collections/events/items/{id}"])
async def test_details_keep_their_exact_etag_and_gain_cache_control(
    client: httpx.AsyncClient, arranged: list[str], keys: Keys, path: str
) -> None:
    url = path.format(id=arranged[0])
    first = await client.get(url)
    tag = first.headers["etag"]
    assert tag.startswith('"1-'), "the event's version and the digest of its body"
    assert first.headers["cache-control"] == "public, max-age=10"
    assert varies(first) == {"Authorization"}
    cached = await client.get(url, headers={"If-None-Match": tag})
    assert cached.status_code == 304 and cached.content == b""
    assert [cached.headers[h] for h in ("etag", "cache-control", "vary")] == [
        first.headers[h] for h in ("etag", "cache-control", "vary")
    ]
    await client.patch(f"/places/{PLACE}", json={"name_en": "Halab"}, headers=keys.editor)
    renamed = await client.get(url, headers={"If-None-Match": tag})
    assert renamed.status_code == 200, "the body names the place"
    keyed = await client.get(url, headers=keys.editor)
    assert keyed.headers["cache-control"] == "private, no-cache"


async def _create(client: httpx.AsyncClient, keys: Keys, ids: list[str]) -> None:
    created = await client.post(
        "/events",
        json=feature(status="published", place_id=PLACE, event_date="2018-01-05"),
        headers=keys.editor,
    )
    assert created.status_code == 201, created.text


async def _patch(client: httpx.AsyncClient, keys: Keys, ids: list[str]) -> None:
    url = f"/events/{ids[-1]}"
    tag = (await client.get(url)).headers["etag"]
    patched = await client.patch(
        url, json={"properties": {"fatalities": 7}}, headers={**keys.editor, "If-Match": tag}
    )
    assert patched.status_code == 200, patched.text


async def _rename(client: httpx.AsyncClient, keys: Keys, ids: list[str]) -> None:
    renamed = await client.patch(f"/places/{PLACE}", json={"name_en": "Halab"}, headers=keys.editor)
    assert renamed.status_code == 200, renamed.text


Write = Callable[[httpx.AsyncClient, Keys, list[str]], Awaitable[None]]
WRITES: tuple[Write, ...] = (_create, _patch, _rename)


@pytest.mark.parametrize("path", READS.values(), ids=READS.keys())
async def test_a_write_through_the_api_makes_the_next_revalidation_miss(
    client: httpx.AsyncClient, arranged: list[str], keys: Keys, path: str
) -> None:
    tag = (await client.get(path)).headers["etag"]
    for write in WRITES:
        await write(client, keys, arranged)
        again = await client.get(path, headers={"If-None-Match": tag})
        assert again.status_code == 200, f"{write.__name__}: a stale copy was kept"
        assert again.headers["etag"] != tag
        tag = again.headers["etag"]
        assert (await client.get(path, headers={"If-None-Match": tag})).status_code == 304


async def test_an_acled_import_makes_the_next_revalidation_miss(
    client: httpx.AsyncClient, db: RolledBackDatabase, arranged: list[str], tmp_path: Path
) -> None:
    tag = (await client.get("/events?limit=5")).headers["etag"]
    path = write_acled(tmp_path / "acled.csv", [acled_row(event_id_cnty="SYR900001")])
    summary = await import_files(db, "acled", [path], Console(quiet=True))
    assert summary.created == 1, summary
    again = await client.get("/events?limit=5", headers={"If-None-Match": tag})
    assert again.status_code == 200 and again.headers["etag"] != tag


async def test_keyed_and_draft_reads_are_private_with_tags_of_their_own(
    client: httpx.AsyncClient, arranged: list[str], keys: Keys
) -> None:
    anonymous = await client.get("/events?limit=5")
    public_tag = anonymous.headers["etag"]
    for path in ("/events?limit=5", TILE_URL, "/stats/summary", "/collections/events/items"):
        keyed = await client.get(path, headers=keys.analyst)
        assert keyed.status_code == 200, keyed.text
        assert keyed.headers["cache-control"] == "private, no-cache", path
    keyed = await client.get("/events?limit=5", headers=keys.analyst)
    assert keyed.headers["etag"] != public_tag, "a keyed read's tag never names a public copy"
    leaked = await client.get(
        "/events?limit=5", headers={**keys.analyst, "If-None-Match": public_tag}
    )
    assert leaked.status_code == 200
    mine = {**keys.analyst, "If-None-Match": keyed.headers["etag"]}
    own = await client.get("/events?limit=5", headers=mine)
    assert own.status_code == 304 and own.headers["cache-control"] == "private, no-cache"

    drafts = await client.get("/events?status=draft", headers=keys.analyst)
    other = await client.get("/events?status=draft", headers=keys.other_analyst)
    assert len(drafts.json()["features"]) == 1 and other.json()["features"] == []
    assert drafts.headers["cache-control"] == other.headers["cache-control"] == "private, no-cache"
    assert drafts.headers["etag"] != other.headers["etag"], "each key's drafts, each key's tag"
    crossed = await client.get(
        "/events?status=draft",
        headers={**keys.other_analyst, "If-None-Match": drafts.headers["etag"]},
    )
    assert crossed.status_code == 200
    tile = await client.get(TILE_URL + "?status=draft", headers=keys.editor)
    assert tile.headers["cache-control"] == "private, no-cache"


async def test_if_modified_since_when_no_if_none_match_is_sent(
    client: httpx.AsyncClient, arranged: list[str], keys: Keys
) -> None:
    path = "/events?limit=5"
    first = await client.get(path)
    stamp = first.headers["last-modified"]
    when = parsedate_to_datetime(stamp)
    earlier = format_datetime(when.replace(year=when.year - 1), usegmt=True)
    later = format_datetime(when.replace(year=when.year + 1), usegmt=True)
    assert (await client.get(path, headers={"If-Modified-Since": stamp})).status_code == 304
    assert (await client.get(path, headers={"If-Modified-Since": later})).status_code == 304
    assert (await client.get(path, headers={"If-Modified-Since": earlier})).status_code == 200
    assert (await client.get(path, headers={"If-Modified-Since": "yesterday"})).status_code == 200
    # RFC 9110 13.1.3: with If-None-Match, If-Modified-Since is not evaluated.
    stale_tag = {"If-None-Match": 'W/"other"', "If-Modified-Since": later}
    assert (await client.get(path, headers=stale_tag)).status_code == 200
    current_tag = {"If-None-Match": first.headers["etag"], "If-Modified-Since": earlier}
    assert (await client.get(path, headers=current_tag)).status_code == 304

    await _create(client, keys, arranged)
    changed = await client.get(path, headers={"If-Modified-Since": earlier})
    assert changed.status_code == 200
    assert parsedate_to_datetime(changed.headers["last-modified"]) >= when


async def test_unpaged_exports_have_validators_but_no_cache_keeps_them(
    client: httpx.AsyncClient, arranged: list[str]
) -> None:
    export = await client.get("/events?f=csv")
    assert export.status_code == 200
    assert export.headers["cache-control"] == "no-store"
    assert export.text.count("\n") == 4, "a header and three events"
    again = await client.get("/events?f=csv", headers={"If-None-Match": export.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["cache-control"] == "no-store"


async def test_errors_are_not_made_cacheable(client: httpx.AsyncClient) -> None:
    failing = ("/events?limit=0", "/events/ev_missing", "/stats/summary?type=No", TILE_URL + "?x=1")
    for path in failing:
        response = await client.get(path)
        assert response.status_code >= 400
        assert "public" not in response.headers.get("cache-control", ""), path
        assert "etag" not in response.headers


async def test_every_rendered_table_records_its_writes_and_only_triggers_write(
    conn: AsyncConnection, db: RolledBackDatabase
) -> None:
    found = await conn.execute(
        text(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE '%_data_changed'"
        )
    )
    assert {r[0] for r in found} == {
        "events", "event_places", "event_reports", "event_actors", "places", "place_names",
        "actors", "reports", "governorates", "event_types",
    }  # fmt: skip
    before = await repository.data_version(db.reader)
    # Any write, through the API or not (here plain SQL, as a migration or psql would).
    await conn.execute(text("INSERT INTO actors (name) VALUES ('Someone new')"))
    after = await repository.data_version(db.reader)
    assert after != before
    async with conn.begin_nested() as nested:
        await conn.execute(text("SET LOCAL ROLE syria_events_app"))
        assert await repository.data_version(db.reader) == after, "the API reads it"
        with pytest.raises(ProgrammingError, match="permission denied"):
            await conn.execute(text("DELETE FROM data_changes"))
        await nested.rollback()


# Committed data: the reads below run on their own connections, as in production.


@dataclass
class Served:
    client: httpx.AsyncClient
    database: Database
    dsn: str


@pytest.fixture
async def served(committed_database_url: str) -> AsyncIterator[Served]:
    """An app on a database whose writes commit: a place and an event at Aleppo."""
    settings = Settings(
        database_url=committed_database_url,
        rate_limit_anon_per_min=0,
        rate_limit_key_per_min=0,
        # A query that waits on a lock fails fast (503) rather than hanging the test.
        statement_timeout_ms=1000,
    )
    dsn = asyncpg_dsn(committed_database_url)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO places (id, name_en, kind, geom, governorate_pcode, source)"
            " VALUES ($1, 'Aleppo', 'city', ST_SetSRID(ST_MakePoint($2, $3), 4326), 'SY02',"
            " 'test')",
            PLACE,
            *ALEPPO,
        )
        await conn.execute(
            "INSERT INTO events (event_date, event_type, sub_event_type, geom, status, place_id,"
            " governorate_pcode, source) VALUES ('2018-01-01', 'Battles', 'Armed clash',"
            " ST_SetSRID(ST_MakePoint($1, $2), 4326), 'published', $3, 'SY02', 'test')",
            *ALEPPO,
            PLACE,
        )
    finally:
        await conn.close()
    database = Database.of(settings)
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield Served(c, database, dsn)
    finally:
        await database.dispose()


async def _tag(client: httpx.AsyncClient, path: str = "/events?limit=5") -> str:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


LOCKED = (
    "events, event_actors, event_places, places, actors, stats_days, stats_days_by_type,"
    " stats_days_by_governorate, stats_months, stats_months_by_type,"
    " stats_months_by_governorate, stats_event_deltas, stats_actor_days, stats_actor_months,"
    " stats_actor_deltas"
)


async def test_a_304_runs_no_query_of_the_data(served: Served) -> None:
    paths = [READS[k] for k in ("events", "items", "summary", "timeseries", "grid", "tile")]
    tags = {path: await _tag(served.client, path) for path in paths}
    locker = await asyncpg.connect(served.dsn)
    locked = locker.transaction()
    await locked.start()
    try:
        # Every table the bodies read, locked: a query of any of them waits, then times out.
        await locker.execute(f"LOCK TABLE {LOCKED} IN ACCESS EXCLUSIVE MODE")
        for path, tag in tags.items():
            cached = await served.client.get(path, headers={"If-None-Match": tag})
            assert cached.status_code == 304, (path, cached.text)
        for path in (TILE_URL, "/events?limit=5"):
            blocked = await served.client.get(path)
            assert blocked.status_code == 503, "without validators the query runs, and waits"
    finally:
        await locked.rollback()
        await locker.close()


async def test_transactions_committing_out_of_order_each_change_the_version(
    served: Served,
) -> None:
    first = await asyncpg.connect(served.dsn)
    second = await asyncpg.connect(served.dsn)
    try:
        early, late = first.transaction(), second.transaction()
        await early.start()
        await first.execute(f"UPDATE places SET name_en = 'Halab' WHERE id = '{PLACE}'")
        await late.start()
        await second.execute("UPDATE events SET fatalities = 3")
        txid = "SELECT pg_current_xact_id()::text::bigint"
        assert await first.fetchval(txid) < await second.fetchval(txid)
        before = await _tag(served.client)

        await late.commit()  # the later transaction first
        after_late = await _tag(served.client)
        assert after_late != before
        # A prune folds committed rows only: the version, and so the tag, stays as it is.
        assert await caching.prune(served.database) >= 1
        assert await _tag(served.client) == after_late

        await early.commit()  # then the earlier one, below the row the prune kept
        after_early = await _tag(served.client)
        assert after_early not in (before, after_late)
        body = (await served.client.get("/events?limit=5")).json()
        assert body["features"][0]["properties"]["place_name"] == "Halab"
    finally:
        await first.close()
        await second.close()
    await caching.prune(served.database)
    assert await _tag(served.client) == after_early
    remaining = await served.database.reader.fetchval("SELECT count(*) FROM data_changes")
    assert remaining == 1, "every committed write folded into one row"


async def test_a_write_to_another_table_leaves_the_tags_alone(served: Served) -> None:
    before = await _tag(served.client)
    rows = "SELECT count(*) FROM data_changes"
    counted = await served.database.reader.fetchval(rows)
    # An API key: a write (a transaction id consumed, the snapshots' xmin moved) that no
    # public read shows.
    await create_key(db=served.database, name="someone", role=Role.analyst)
    assert await served.database.reader.fetchval(rows) == counted
    assert await _tag(served.client) == before
    assert (
        await served.client.get("/events?limit=5", headers={"If-None-Match": before})
    ).status_code == 304
