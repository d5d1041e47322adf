"""History written per statement (migration 0005): one version per event and change, whatever
the number of rows a statement writes, each with the whole event as se_event_snapshot() has it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

EVENTS = 40

_INSERT = """
INSERT INTO events (event_date, event_type, sub_event_type, geom, status, source, source_id)
SELECT DATE '2017-01-01' + g, 'Battles', 'Armed clash',
       ST_SetSRID(ST_MakePoint(36 + g / 100.0, 35), 4326), 'published', 'set-test', g::text
FROM generate_series(1, :n) g
"""
_LINK_ALL = """
INSERT INTO event_actors (event_id, actor_id, side)
SELECT e.id, a.id, side FROM events e, actors a, unnest(ARRAY['actor1', 'actor2']) side
WHERE e.source = 'set-test' AND a.name = 'Unit 9'
"""


async def _rows(conn: AsyncConnection, sql: str, **params: Any) -> list[Any]:
    return list((await conn.execute(text(sql), params)).all())


async def _versions(conn: AsyncConnection) -> list[Any]:
    return await _rows(
        conn,
        "SELECT v.event_id, v.version, v.op, v.change_reason,"
        " jsonb_array_length(v.data->'actors') AS actors FROM event_versions v"
        " JOIN events e ON e.id = v.event_id WHERE e.source = 'set-test'"
        " ORDER BY v.event_id, v.version",
    )


async def _actor(conn: AsyncConnection) -> None:
    await conn.execute(text("INSERT INTO actors (name) VALUES ('Unit 9')"))


async def test_one_insert_of_many_events_writes_one_version_1_each(conn: AsyncConnection) -> None:
    await conn.execute(text("SELECT set_config('se.reason', 'bulk load', true)"))
    await conn.execute(text(_INSERT), {"n": EVENTS})
    versions = await _versions(conn)
    assert len(versions) == EVENTS
    assert {(v.version, v.op, v.change_reason, v.actors) for v in versions} == {
        (1, "create", "bulk load", 0)
    }
    differing = await _rows(
        conn,
        "SELECT v.event_id FROM event_versions v JOIN events e ON e.id = v.event_id"
        " WHERE e.source = 'set-test' AND v.data IS DISTINCT FROM se_event_snapshot(e)",
    )
    assert differing == [], "the snapshot is 0002's, row and links"


async def test_links_of_the_same_write_complete_version_1(conn: AsyncConnection) -> None:
    await _actor(conn)
    await conn.execute(text(_INSERT), {"n": EVENTS})
    await conn.execute(text(_LINK_ALL))
    versions = await _versions(conn)
    assert {(v.version, v.op, v.actors) for v in versions} == {(1, "create", 2)}
    assert len(versions) == EVENTS


async def test_events_and_links_in_one_statement_write_version_1_once(
    conn: AsyncConnection,
) -> None:
    await _actor(conn)
    await conn.execute(
        text(
            f"WITH inserted AS ({_INSERT} RETURNING id)"
            " INSERT INTO event_actors (event_id, actor_id, side)"
            " SELECT i.id, a.id, 'actor1' FROM inserted i, actors a WHERE a.name = 'Unit 9'"
        ),
        {"n": EVENTS},
    )
    versions = await _versions(conn)
    assert {(v.version, v.op, v.actors) for v in versions} == {(1, "create", 1)}
    assert len(versions) == EVENTS


async def test_links_of_a_later_write_make_one_new_version_each(conn: AsyncConnection) -> None:
    await _actor(conn)
    await conn.execute(text(_INSERT), {"n": EVENTS})
    await conn.execute(text("SELECT set_config('se.write', 'later', true)"))
    await conn.execute(text("SELECT set_config('se.reason', 'actors found', true)"))
    await conn.execute(text(_LINK_ALL))
    versions = await _versions(conn)
    assert len(versions) == 2 * EVENTS
    assert {(v.version, v.op, v.change_reason, v.actors) for v in versions if v.version == 2} == {
        (2, "update", "actors found", 2)
    }
    await conn.execute(
        text(
            "DELETE FROM event_actors WHERE side = 'actor2' AND event_id IN"
            " (SELECT id FROM events WHERE source = 'set-test')"
        )
    )
    versions = await _versions(conn)
    assert len(versions) == 2 * EVENTS, "the same write completes its versions"
    assert {v.actors for v in versions if v.version == 2} == {1}


async def test_an_update_of_many_events_writes_one_version_each(conn: AsyncConnection) -> None:
    await conn.execute(text(_INSERT), {"n": EVENTS})
    await conn.execute(text("SELECT set_config('se.write', 'later', true)"))
    await conn.execute(text("SELECT set_config('se.reason', 'toll revised', true)"))
    await conn.execute(
        text(
            "UPDATE events SET fatalities = CASE WHEN source_id::int % 2 = 0 THEN 3 END"
            " WHERE source = 'set-test'"
        )
    )
    await conn.execute(
        text(
            "UPDATE events SET status = 'retracted', retraction_reason = 'duplicate'"
            " WHERE source = 'set-test' AND source_id IN ('1', '2')"
        )
    )
    versions = await _versions(conn)
    changed = [v for v in versions if v.version > 1]
    updated = [v.version for v in changed if v.op == "update"]
    assert updated == [2] * (EVENTS // 2), "a row whose values did not change keeps its version"
    assert sorted((v.version, v.op) for v in changed if v.op == "retract") == [
        (2, "retract"),
        (3, "retract"),
    ]
    assert {v.change_reason for v in changed} == {"toll revised"}
    stale = await _rows(
        conn,
        "SELECT e.id FROM events e WHERE e.source = 'set-test' AND e.version <>"
        " (SELECT max(version) FROM event_versions v WHERE v.event_id = e.id)",
    )
    assert stale == [], "every event's current version is in its history"
