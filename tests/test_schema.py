"""The store's own guarantees: taxonomy, governorates, constraints and version history."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.taxonomy import EVENT_TYPES, GOVERNORATES

INSERT = (
    "INSERT INTO events (event_date, event_type, sub_event_type, geom, status{extra_cols})"
    " VALUES ('2017-01-01', :t, :s, ST_SetSRID(ST_MakePoint(:x, :y), 4326), :status{extra})"
    " RETURNING id"
)


async def _insert(
    conn: AsyncConnection,
    t: str = "Battles",
    s: str = "Armed clash",
    x: float = 36.3,
    y: float = 33.5,
    status: str = "published",
) -> int:
    sql = INSERT.format(extra_cols="", extra="")
    return int(
        (
            await conn.execute(text(sql), {"t": t, "s": s, "x": x, "y": y, "status": status})
        ).scalar_one()
    )


async def test_taxonomy_in_the_database_matches_the_code(conn: AsyncConnection) -> None:
    rows = (await conn.execute(text("SELECT event_type, sub_event_type FROM event_types"))).all()
    assert {(t, s) for t, s in rows} == {(t, s) for t, subs in EVENT_TYPES.items() for s in subs}
    govs = (await conn.execute(text("SELECT pcode, name_en, name_ar FROM governorates"))).all()
    assert {p: (en, ar) for p, en, ar in govs} == GOVERNORATES


@pytest.mark.parametrize(
    ("kwargs", "constraint"),
    [
        ({"t": "Battles", "s": "Air/drone strike"}, "fk_events_event_type_event_types"),
        ({"x": 200.0}, "ck_events_geom_lonlat"),
        ({"status": "deleted"}, "ck_events_status"),
        ({"status": "retracted"}, "ck_events_retraction_reason"),
    ],
)
async def test_the_database_refuses_invalid_events(
    conn: AsyncConnection, kwargs: dict[str, object], constraint: str
) -> None:
    with pytest.raises(IntegrityError, match=constraint):
        async with conn.begin_nested():
            await _insert(conn, **kwargs)  # type: ignore[arg-type]


async def test_every_change_is_a_version_also_by_direct_sql(conn: AsyncConnection) -> None:
    event_id = await _insert(conn)
    await conn.execute(text("SET LOCAL se.actor = 'analyst-7'"))
    await conn.execute(text("SET LOCAL se.reason = 'fatalities confirmed'"))
    await conn.execute(text("UPDATE events SET fatalities = 4 WHERE id = :id"), {"id": event_id})
    await conn.execute(text("UPDATE events SET fatalities = 4 WHERE id = :id"), {"id": event_id})
    await conn.execute(
        text("UPDATE events SET status = 'retracted', retraction_reason = 'dup' WHERE id = :id"),
        {"id": event_id},
    )
    rows = (
        await conn.execute(
            text(
                "SELECT version, op, data->>'fatalities', changed_by, change_reason"
                " FROM event_versions WHERE event_id = :id ORDER BY version"
            ),
            {"id": event_id},
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        (1, "create", None, None, None),
        (2, "update", "4", "analyst-7", "fatalities confirmed"),
        (3, "retract", "4", "analyst-7", "fatalities confirmed"),
    ]
    version = (
        await conn.execute(text("SELECT version FROM events WHERE id = :id"), {"id": event_id})
    ).scalar_one()
    assert version == 3


async def _versions(conn: AsyncConnection, event_id: int) -> list[tuple[int, str, list[str]]]:
    rows = await conn.execute(
        text(
            "SELECT version, op, ARRAY(SELECT jsonb_array_elements(data->'actors')->>'name')"
            " FROM event_versions WHERE event_id = :id ORDER BY version"
        ),
        {"id": event_id},
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def test_a_link_changed_by_direct_sql_is_a_version_too(conn: AsyncConnection) -> None:
    event_id = await _insert(conn)
    actor = (
        await conn.execute(text("INSERT INTO actors (name) VALUES ('Unit 9') RETURNING id"))
    ).scalar_one()
    # A later change (another se.write) gets a version of its own...
    await conn.execute(text("SELECT set_config('se.write', 'later', true)"))
    await conn.execute(
        text("INSERT INTO event_actors (event_id, actor_id, side) VALUES (:e, :a, 'actor1')"),
        {"e": event_id, "a": actor},
    )
    assert await _versions(conn, event_id) == [(1, "create", []), (2, "update", ["Unit 9"])]
    # ...while links written with the change that made the version complete it.
    await conn.execute(
        text("INSERT INTO event_actors (event_id, actor_id, side) VALUES (:e, :a, 'actor2')"),
        {"e": event_id, "a": actor},
    )
    assert await _versions(conn, event_id) == [
        (1, "create", []),
        (2, "update", ["Unit 9", "Unit 9"]),
    ]


async def test_history_cannot_be_rewritten(conn: AsyncConnection) -> None:
    event_id = await _insert(conn)
    await conn.execute(text("SELECT set_config('se.write', 'later', true)"))
    await conn.execute(text("UPDATE events SET fatalities = 1 WHERE id = :id"), {"id": event_id})
    role = (await conn.execute(text("SELECT current_user"))).scalar_one()
    assert role == "syria_events_app", "the API runs as the role that may not write history"
    for statement in (
        "UPDATE event_versions SET change_reason = 'forged' WHERE event_id = :id",
        "DELETE FROM event_versions WHERE event_id = :id",
        "INSERT INTO event_versions (event_id, version, op, data) VALUES (:id, 99, 'update', '{}')",
        "DELETE FROM events WHERE id = :id",
        "TRUNCATE event_versions",
    ):
        with pytest.raises(DBAPIError, match="permission denied"):
            async with conn.begin_nested():
                await conn.execute(text(statement), {"id": event_id})


async def test_history_is_append_only_even_for_its_owner(conn: AsyncConnection) -> None:
    event_id = await _insert(conn)
    await conn.execute(text("SELECT set_config('se.write', 'later', true)"))
    await conn.execute(text("UPDATE events SET fatalities = 1 WHERE id = :id"), {"id": event_id})
    await conn.execute(text("SET ROLE NONE"))  # the session user: the owner, a superuser here
    try:
        for statement in (
            "UPDATE event_versions SET change_reason = 'forged' WHERE event_id = :id",
            "DELETE FROM event_versions WHERE event_id = :id",
            "TRUNCATE event_versions CASCADE",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with conn.begin_nested():
                    await conn.execute(text(statement), {"id": event_id})
    finally:
        await conn.execute(text("SET ROLE syria_events_app"))
