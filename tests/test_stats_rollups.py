"""Statistics from the roll-ups: the same documents, byte for byte, as from the events, before
and after every kind of write, with the deltas pending or folded."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.events.filters import EventFilters
from app.exchange.service import import_files
from app.models import Actor, EventActor
from app.stats import rollup_repository
from app.stats.folding import fold_backlog, keep_folded
from app.stats.rollup_repository import ACTORS, EVENTS, Family
from app.web.params import BBox
from tests.conftest import Keys, Live, RolledBackDatabase
from tests.exchange_data import acled_row, ucdp_row, write_acled, write_ucdp
from tests.factories import add_event
from tests.test_event_writes import create, feature
from tests.test_exchange_import import QUIET

TYPES = {
    "Battles": ("Armed clash", "Government regains territory"),
    "Explosions/Remote violence": ("Air/drone strike", "Shelling/artillery/missile attack"),
    "Riots": ("Mob violence",),
}
ACTOR_NAMES = ("Islamic State (Syria)", "Syrian Democratic Forces", "Civilians (Syria)")
GOVERNORATES = ("SY02", "SY07", "SY11", None)
INTERVALS = ("day", "week", "month", "year")
GROUPS = (None, "type", "sub_type", "governorate", "actor")
# Ranges with ends inside months, on month edges, within one month, open, and empty.
RANGES = (
    None,
    "2016-12-15/2017-02-10",
    "2017-01-01/2017-01-31",
    "2017-01-05/2017-01-20",
    "2016-12-31/..",
    "../2017-01-31",
    "2010-01-01/2010-02-01",
    "2017-02-28/2017-02-28",
)


def _range(rng: random.Random, best: int | None) -> dict[str, int | None]:
    """Low, high and civilian deaths for an event of toll ``best``: each known or not, as
    the checks of migration 0010 allow (a range without a best figure too)."""
    low = rng.choice((None, None, 0, best // 2)) if best is not None else rng.choice((None, 1))
    high = rng.choice((None, None, best, best + 5)) if best is not None else rng.choice((None, 6))
    ceiling = high if high is not None else best
    civilians = rng.choice((None, 0, ceiling)) if ceiling is not None else None
    return {"fatalities_low": low, "fatalities_high": high, "civilian_fatalities": civilians}


async def _events(session: AsyncSession, seed: int, count: int) -> list[int]:
    """``count`` events from late 2016 to early 2017 of every status, some without a
    governorate, a toll, a range of tolls or actors; drafts by two analysts and by nobody."""
    rng = random.Random(seed)
    ranges = random.Random(seed + 1)  # its own draws: the other fields stay as they were
    actors = []
    for name in ACTOR_NAMES:
        actor = (await session.exec(select(Actor).where(Actor.name == name))).first()
        if actor is None:
            actor = Actor(name=name)
            session.add(actor)
            await session.flush()
        actors.append(actor.id)
    ids = []
    for _ in range(count):
        event_type = rng.choice(list(TYPES))
        status = rng.choice(("published", "published", "draft", "retracted"))
        fatalities = rng.choice((None, 0, 1, 3, 12))
        event = await add_event(
            session,
            f"201{rng.choice((6, 7, 7))}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if rng.random() < 0.2
            else f"2017-0{rng.randint(1, 3)}-{rng.randint(1, 28):02d}",
            36.6,
            35.9,
            event_type=event_type,
            sub_event_type=rng.choice(TYPES[event_type]),
            governorate=rng.choice(GOVERNORATES),
            status=status,
            fatalities=fatalities,
            created_by=rng.choice(("amal", "omar", None)),
            **_range(ranges, fatalities),
        )
        assert event.id is not None
        for actor_id in rng.sample(actors, rng.randint(0, 2)):
            for side in rng.sample(("actor1", "actor2", "assoc_actor_1"), rng.randint(1, 2)):
                session.add(EventActor(event_id=event.id, actor_id=actor_id, side=side))
        ids.append(event.id)
    await session.flush()
    return ids


async def _agree(
    client: httpx.AsyncClient, path: str, params: dict[str, str], headers: dict[str, str]
) -> bytes:
    """The roll-ups' answer, checked against the events' (today's GROUP BY) byte for byte."""
    rolled = await client.get(path, params=params, headers=headers)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rollup_repository, "covers", lambda *args: False)
        plain = await client.get(path, params=params, headers=headers)
    assert rolled.status_code == 200, (path, params, rolled.text)
    assert rolled.content == plain.content, (path, params)
    return rolled.content


def _queries(seed: int, count: int, keys: Keys) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """Seeded random statistics requests over every interval, group, range and status."""
    rng = random.Random(seed)
    who = {"published": {}, "draft": keys.analyst, "retracted": {}, "published,draft": keys.editor,
           "draft,retracted": keys.other_analyst}  # fmt: skip
    queries = []
    for _ in range(count):
        params: dict[str, str] = {}
        if (dates := rng.choice(RANGES)) is not None:
            params["datetime"] = dates
        statuses = rng.choice(list(who))
        if statuses != "published":
            params["status"] = statuses
        if rng.random() < 0.3:
            params["type"] = ",".join(rng.sample(list(TYPES), rng.randint(1, 2)))
        if rng.random() < 0.2:
            params["sub_type"] = rng.choice(("Armed clash", "Air/drone strike,Mob violence"))
        if rng.random() < 0.3:
            params["governorate"] = ",".join(rng.sample(("SY02", "SY07", "SY11"), 2))
        if rng.random() < 0.3:
            queries.append(("/stats/summary", params, who[statuses]))
            continue
        params["interval"] = rng.choice(INTERVALS)
        if (group := rng.choice(GROUPS)) is not None:
            params["group_by"] = group
            params["top"] = rng.choice(("1", "2", "50"))
        if rng.random() < 0.3:
            params["f"] = "csv"
        queries.append(("/stats/timeseries", params, who[statuses]))
    return queries


# Each sum a roll-up keeps and what an event adds to it (README, Statistics): low and high
# where known, else the best figure; civilian deaths where known; unknown as 0.
SUMS = {
    "fatalities": "coalesce(e.fatalities, 0)",
    "fatalities_low": "coalesce(e.fatalities_low, e.fatalities, 0)",
    "fatalities_high": "coalesce(e.fatalities_high, e.fatalities, 0)",
    "civilian_fatalities": "coalesce(e.civilian_fatalities, 0)",
}


async def _levels_hold_the_events(conn: AsyncConnection) -> None:
    """Every roll-up plus its pending deltas equals a fresh GROUP BY of the events, in its
    count and in each of its sums."""
    owner = "CASE WHEN e.status = 'draft' THEN coalesce(e.created_by, '') ELSE '' END"
    columns = {
        "event_type": "e.event_type",
        "sub_event_type": "e.sub_event_type",
        "governorate_pcode": "coalesce(e.governorate_pcode, '')",
        "actor_id": "coalesce(l.actor_id, 0)",
    }
    links = (
        "LEFT JOIN (SELECT DISTINCT event_id, actor_id FROM event_actors) l ON l.event_id = e.id"
    )
    family: Family
    for family in (EVENTS, ACTORS):
        for level in family.levels:
            dims = sorted(level.dims)
            period = f"date_trunc('{level.unit}', {{}}::timestamp)::date"
            keys = ", ".join(str(i) for i in range(1, len(dims) + 4))
            sums = ", ".join(SUMS)
            expected = f"""
SELECT {period.format("e.event_date")}, e.status, {owner}, {", ".join(columns[d] for d in dims)},
       count(*), {", ".join(f"sum({rule})" for rule in SUMS.values())}
FROM events e {links if family is ACTORS else ""} GROUP BY {keys}"""
            held = f"""
SELECT {period.format("x.period")}, status, owner, {", ".join(dims)}, sum(n),
       {", ".join(f"sum({name})" for name in SUMS)}
FROM (SELECT period, status, owner, {", ".join(dims)}, n, {sums} FROM {level.table}
      UNION ALL
      SELECT period, status, owner, {", ".join(dims)}, n, {sums} FROM {family.deltas}) x
GROUP BY {keys} HAVING {" OR ".join(f"sum({name}) <> 0" for name in ("n", *SUMS))}"""
            want = sorted(tuple(r) for r in (await conn.execute(text(expected))).all())
            have = sorted(tuple(r) for r in (await conn.execute(text(held))).all())
            assert have == want, level.table


async def test_every_statistic_equals_the_events_answer_pending_or_folded(
    client: httpx.AsyncClient,
    session: AsyncSession,
    conn: AsyncConnection,
    keys: Keys,
) -> None:
    await _events(session, seed=7, count=160)
    queries = _queries(seed=11, count=160, keys=keys)
    for path, params, headers in queries:
        await _agree(client, path, params, headers)
    await _levels_hold_the_events(conn)
    for path, params, headers in queries[:60]:
        await rollup_repository.fold(conn, 10_000)  # as the background fold would
        await _agree(client, path, params, headers)
    pending = "SELECT count(*) FROM stats_event_deltas"
    assert (await conn.execute(text(pending))).scalar_one() == 0
    await _levels_hold_the_events(conn)


async def test_every_interval_and_group_on_edges_and_empty_ranges(
    client: httpx.AsyncClient, session: AsyncSession, conn: AsyncConnection
) -> None:
    await _events(session, seed=3, count=60)
    await rollup_repository.fold(conn, 10_000)  # the edges of a range come from the day level
    for dates in RANGES:
        params = {"datetime": dates} if dates else {}
        await _agree(client, "/stats/summary", params, {})
        for interval in INTERVALS:
            for group in GROUPS:
                query = {**params, "interval": interval, **({"group_by": group} if group else {})}
                await _agree(client, "/stats/timeseries", query, {})
                await _agree(client, "/stats/timeseries", {**query, "f": "csv"}, {})


async def test_answers_stay_equal_after_corrections_retractions_merges_and_links(
    client: httpx.AsyncClient, session: AsyncSession, conn: AsyncConnection, keys: Keys
) -> None:
    await _events(session, seed=5, count=30)
    await rollup_repository.fold(conn, 10_000)  # then the writes' deltas on folded roll-ups
    editor = keys.editor
    first = (await create(client, editor, status="published", actor1=ACTOR_NAMES[0])).json()
    second = (await create(client, editor, status="published", governorate_pcode="SY07")).json()
    draft = (
        await create(
            client, keys.analyst, event_date="2017-01-31", fatalities_low=1, fatalities_high=4
        )
    ).json()
    queries = _queries(seed=17, count=40, keys=keys)
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("PATCH", first["id"], {"properties": {"event_date": "2017-02-01", "fatalities": 9}}),
        ("PATCH", first["id"], {"properties": {"fatalities_low": 5, "fatalities_high": 14,
                                               "civilian_fatalities": 2}}),
        ("PATCH", first["id"], {"properties": {"event_type": "Riots",
                                               "sub_event_type": "Mob violence"}}),
        ("PATCH", second["id"], {"properties": {"governorate_pcode": "SY11", "fatalities": None}}),
        ("PATCH", second["id"], {"properties": {"fatalities_high": 3, "civilian_fatalities": 1}}),
        ("PATCH", first["id"], {"properties": {"fatalities_low": None}}),
        ("PATCH", first["id"], {"properties": {"actors": [
            {"name": ACTOR_NAMES[1], "side": "actor1"}, {"name": "New Brigade", "side": "actor2"},
            {"name": ACTOR_NAMES[1], "side": "actor2"}]}}),
        ("PATCH", second["id"], {"properties": {"actor1": ACTOR_NAMES[2]}}),
        ("PATCH", first["id"], {"properties": {"actors": []}}),
        ("PATCH", draft["id"], {"properties": {"fatalities": 4, "event_date": "2017-03-01"}}),
        ("publish", draft["id"], None),
        ("merge", second["id"], {"into": first["id"], "reason": "same clash"}),
        ("DELETE", first["id"], None),
    ]  # fmt: skip
    for method, event_id, body in writes:
        who = keys.analyst if event_id == draft["id"] and method == "PATCH" else editor
        url = f"/events/{event_id}"
        if method == "PATCH":
            response = await client.patch(url, json=body, headers={**who, "If-Match": "*"})
        elif method == "DELETE":
            response = await client.delete(f"{url}?reason=wrong", headers={**who, "If-Match": "*"})
        else:
            response = await client.post(
                f"{url}/{method}", json=body, headers={**who, "If-Match": "*"}
            )
        assert response.status_code == 200, (method, body, response.text)
        await _levels_hold_the_events(conn)
        for path, params, headers in queries:
            await _agree(client, path, params, headers)


async def test_direct_sql_updates_and_link_moves_keep_the_roll_ups_exact(
    session: AsyncSession, conn: AsyncConnection
) -> None:
    ids = await _events(session, seed=9, count=40)
    statements = [
        # many events at once, across months, statuses and owners
        "UPDATE events SET event_date = event_date + 20 WHERE id % 3 = 0",
        "UPDATE events SET status = 'published' WHERE status = 'draft' AND id % 2 = 0",
        "UPDATE events SET created_by = 'omar' WHERE status = 'draft'",
        "UPDATE events SET fatalities = coalesce(fatalities, 0) + 1,"
        " fatalities_high = fatalities_high + 1, governorate_pcode = NULL WHERE id % 4 = 1",
        # a range given, changed and taken away, the best figure as it is
        "UPDATE events SET fatalities_high = coalesce(fatalities, 0) + 2, civilian_fatalities = 1"
        " WHERE id % 3 = 2",
        "UPDATE events SET fatalities_low = NULL, civilian_fatalities = NULL WHERE id % 6 = 5",
        "UPDATE event_actors SET event_id = :b WHERE event_id = :a",
        "DELETE FROM event_actors WHERE event_id % 5 = 0",
        "INSERT INTO event_actors (event_id, actor_id, side)"
        " SELECT e.id, a.id, 'assoc_actor_2' FROM events e CROSS JOIN actors a"
        " WHERE e.id % 7 = 0 ON CONFLICT DO NOTHING",
        "UPDATE events SET description = 'no count changes'",
    ]
    for statement in statements:
        await conn.execute(text("SELECT set_config('se.write', :w, true)"), {"w": statement})
        await conn.execute(text(statement), {"a": ids[0], "b": ids[1]})
        await _levels_hold_the_events(conn)
    assert await rollup_repository.fold(conn, 7) > 0, "a fold of 7 rows of each kind"
    await _levels_hold_the_events(conn)
    while await rollup_repository.fold(conn, 1000):
        pass
    await _levels_hold_the_events(conn)


async def test_an_acled_import_keeps_the_answers_equal(
    tmp_path: Path,
    db: RolledBackDatabase,
    client: httpx.AsyncClient,
    conn: AsyncConnection,
    session: AsyncSession,
    keys: Keys,
) -> None:
    await _events(session, seed=13, count=20)
    rows = [
        acled_row(
            event_id_cnty=f"SYR97{i:04d}",
            event_date=f"2017-0{1 + i % 3}-{1 + i % 28:02d}",
            year="2017",
            fatalities=str(i % 5),
            assoc_actor_1="Test Militia A; Test Militia B" if i % 2 else "",
        )
        for i in range(40)
    ]
    summary = await import_files(db, "acled", [write_acled(tmp_path / "a.csv", rows)], QUIET)
    assert summary.created == 40
    await _levels_hold_the_events(conn)
    for path, params, headers in _queries(seed=19, count=40, keys=keys):
        await _agree(client, path, params, headers)
    # A re-import with new tolls and dates updates the same events.
    again = [{**r, "fatalities": "7", "event_date": "2017-03-03", "timestamp": "1900000000"}
             for r in rows[:10]]  # fmt: skip
    summary = await import_files(db, "acled", [write_acled(tmp_path / "b.csv", again)], QUIET)
    assert summary.updated == 10
    await _levels_hold_the_events(conn)
    for path, params, headers in _queries(seed=23, count=40, keys=keys):
        await _agree(client, path, params, headers)


async def test_a_ucdp_import_with_ranges_keeps_the_answers_equal(
    tmp_path: Path,
    db: RolledBackDatabase,
    client: httpx.AsyncClient,
    conn: AsyncConnection,
    session: AsyncSession,
    keys: Keys,
) -> None:
    await _events(session, seed=29, count=20)
    rows = [
        ucdp_row(
            id=f"97{i:04d}",
            date_start=f"2017-0{1 + i % 3}-{1 + i % 28:02d} 00:00:00.000",
            date_end=f"2017-0{1 + i % 3}-{1 + i % 28:02d} 00:00:00.000",
            best=str(i % 6),
            low=str(i % 6 // 2) if i % 4 else "",
            high=str(i % 6 + i % 3) if i % 5 else "",
            deaths_civilians=str(i % 2) if i % 6 else "",
        )
        for i in range(30)
    ]
    summary = await import_files(db, "ucdp", [write_ucdp(tmp_path / "g.csv", rows)], QUIET)
    assert (summary.created, summary.problems) == (30, [])
    await _levels_hold_the_events(conn)
    for path, params, headers in _queries(seed=31, count=40, keys=keys):
        await _agree(client, path, params, headers)
    # New estimates for a third of them: one new version each, the sums follow.
    again = [{**r, "low": "0", "high": "40", "deaths_civilians": "3"} for r in rows[:10]]
    summary = await import_files(db, "ucdp", [write_ucdp(tmp_path / "h.csv", again)], QUIET)
    assert summary.updated == 10
    await _levels_hold_the_events(conn)
    for path, params, headers in _queries(seed=37, count=40, keys=keys):
        await _agree(client, path, params, headers)


def test_only_filters_on_the_roll_ups_dimensions_use_them() -> None:
    plain = EventFilters(types=["Battles"], governorates=["SY02"], statuses=["draft"])
    plain.drafts_of = "amal"
    assert rollup_repository.covers(plain)
    assert rollup_repository.covers(EventFilters(), "actor")
    assert not rollup_repository.covers(EventFilters(types=["Battles"]), "actor")
    for outside in (
        EventFilters(actor="islamic"),
        EventFilters(terms=["shelling"]),
        EventFilters(place_id="sy-aleppo"),
        EventFilters(bbox=BBox(36.0, 35.0, 37.0, 36.0)),
        EventFilters(cql=("e.fatalities > 1", {})),
    ):
        assert not rollup_repository.covers(outside), outside


async def test_a_bbox_that_holds_every_event_is_answered_by_the_roll_ups(
    client: httpx.AsyncClient, session: AsyncSession, conn: AsyncConnection
) -> None:
    await _events(session, 11, 40)  # all at 36.6, 35.9
    country = BBox(35.0, 32.0, 43.0, 38.0)
    assert await rollup_repository.bbox_holds_every_event(conn, country)
    # An event on the edge counts as outside; so do events outside a small box.
    assert not await rollup_repository.bbox_holds_every_event(conn, BBox(36.6, 32.0, 43.0, 38.0))
    assert not await rollup_repository.bbox_holds_every_event(conn, BBox(30.0, 30.0, 31.0, 31.0))
    queries = (
        ("/stats/summary", {}),
        ("/stats/timeseries", {"interval": "month", "group_by": "type"}),
        ("/stats/timeseries", {"interval": "week", "governorate": "SY02,SY07", "f": "csv"}),
    )
    for path, params in queries:
        # The roll-ups' answer for the view equals the events' and the whole table's.
        boxed = await _agree(client, path, {**params, "bbox": "35,32,43,38"}, {})
        assert boxed == (await client.get(path, params=params)).content, (path, params)
    # One event east of the box: now the box filters, read from the events.
    await add_event(session, "2017-01-10", 44.5, 36.0, governorate=None, fatalities=2)
    await session.flush()
    assert not await rollup_repository.bbox_holds_every_event(conn, country)
    boxed = (await client.get("/stats/summary", params={"bbox": "35,32,43,38"})).json()
    everything = (await client.get("/stats/summary")).json()
    assert boxed["total"]["count"] == everything["total"]["count"] - 1


async def test_concurrent_writes_and_folds_stay_exact(live: Live) -> None:
    client, keys = live.client, live.keys
    headers = keys.editor
    created = [
        (await create(client, headers, status="published", event_date=f"2017-01-{1 + i:02d}",
                      actor1=ACTOR_NAMES[i % 3])).json()["id"]
        for i in range(12)
    ]  # fmt: skip

    async def correct(i: int, event_id: str) -> None:
        patch = {"properties": {"event_date": f"2017-02-{1 + i % 3:02d}", "fatalities": i,
                                "actor2": ACTOR_NAMES[(i + 1) % 3]}}  # fmt: skip
        response = await client.patch(
            f"/events/{event_id}", json=patch, headers={**headers, "If-Match": "*"}
        )
        assert response.status_code == 200, response.text

    async def fold() -> None:
        async with live.database.session() as session:
            await rollup_repository.fold(await session.connection(), 5)

    await asyncio.gather(
        *(correct(i, e) for i, e in enumerate(created)),
        *(fold() for _ in range(6)),
        *(client.post("/events", json=feature(status="published"), headers=headers)
          for _ in range(10)),
    )  # fmt: skip
    async with live.database.engine.connect() as conn:
        await _levels_hold_the_events(conn)
    for params in ({"group_by": "actor"}, {"interval": "day", "group_by": "type"}, {}):
        await _agree(client, "/stats/timeseries", params, {})
    await _agree(client, "/stats/summary", {}, {})


async def test_the_backlog_is_folded_in_the_background(
    db: RolledBackDatabase, session: AsyncSession, conn: AsyncConnection
) -> None:
    await _events(session, seed=3, count=30)
    await session.flush()
    pending = "SELECT (SELECT count(*) FROM stats_event_deltas)"
    pending += " + (SELECT count(*) FROM stats_actor_deltas)"
    assert (await conn.execute(text(pending))).scalar_one() > 0
    # Its first fold at once, its next in a minute: cancelled while it sleeps (the test's
    # connection is the folder's, so the test makes no query meanwhile).
    folder = asyncio.create_task(keep_folded(db, every_s=60))
    await asyncio.sleep(1.0)
    folder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await folder
    assert (await conn.execute(text(pending))).scalar_one() == 0
    await _levels_hold_the_events(conn)
    assert await fold_backlog(db) == 0
