"""All SQL of imports. Versions are the triggers' work, under ``se.actor``/``se.reason``:
a batch of new events and their actors is one statement of arrays; updates are one
statement per reason, so that each version carries its event's own reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events import bulk
from app.events.editing_repository import locate, set_context
from app.exchange.schemas import ActorLink, Record

__all__ = [
    "actors_of",
    "existing",
    "insert_events",
    "keep_digests",
    "link_actors",
    "load_places",
    "locate",
    "row_digests",
    "set_context",
    "set_reason",
    "unlink_actors",
    "update_events",
    "upsert_actors",
]

_PLACES = """
SELECT p.id, p.kind, p.pcode, p.governorate_pcode, p.district_pcode, p.source, p.population,
       n.name
FROM places p JOIN place_names n ON n.place_id = p.id
WHERE p.governorate_pcode IS NOT NULL
"""


async def load_places(conn: AsyncConnection) -> list[Row[Any]]:
    """Every name of every place in a governorate (for ``PlaceIndex``)."""
    return list((await conn.execute(text(_PLACES))).all())


async def set_reason(conn: AsyncConnection, reason: str) -> None:
    """The reason of the versions written from now on in this transaction."""
    await conn.execute(text("SELECT set_config('se.reason', :r, true)"), {"r": reason})


async def existing(
    conn: AsyncConnection, source: str, source_ids: list[str]
) -> dict[str, Row[Any]]:
    """The stored events of these source ids: id and source_version."""
    sql = (
        "SELECT id, source_id, source_version FROM events"
        " WHERE source = :s AND source_id = ANY(CAST(:ids AS text[]))"
    )
    rows = (await conn.execute(text(sql), {"s": source, "ids": source_ids})).all()
    return {r.source_id: r for r in rows}


_COLUMNS = list(bulk.COLUMN_TYPES)
# New events and their actor links in one statement: the statement-level trigger on events
# fires after the links are in, so version 1 is written once, with its actors (migration
# 0005); separate statements rewrote every version once more.
_INSERT = f"""
WITH inserted AS ({
    bulk.insert_events(
        _COLUMNS,
        {
            "status": "'published'",
            "source": ":source",
            "created_by": ":author",
            "updated_by": ":author",
        },
    )
}
  ON CONFLICT (source, source_id) DO NOTHING
  RETURNING id, source_id
), linked AS (
  INSERT INTO event_actors (event_id, actor_id, side)
  SELECT i.id, a.id, x.side
  FROM unnest(CAST(:link_source_id AS text[]), CAST(:link_name AS text[]),
              CAST(:link_side AS text[])) AS x(source_id, name, side)
  JOIN inserted i ON i.source_id = x.source_id JOIN actors a ON a.name = x.name
)
SELECT count(*) FROM inserted
"""


async def insert_events(conn: AsyncConnection, records: Sequence[Record], author: str) -> int:
    """New published events with their actors (stored already), in one statement; how many
    were inserted (one a concurrent import stored first is left as it is)."""
    params: dict[str, Any] = {c: [getattr(r, c) for r in records] for c in _COLUMNS}
    links = [(r.source_id, a) for r in records for a in r.actors]
    params.update(
        source=records[0].source,
        author=author,
        link_source_id=[source_id for source_id, _ in links],
        link_name=[a.name for _, a in links],
        link_side=[a.side for _, a in links],
    )
    return int((await conn.execute(text(_INSERT), params)).scalar_one())


_UPDATE = bulk.update_events(_COLUMNS, {"updated_by": ":author"})


async def update_events(
    conn: AsyncConnection, updates: Sequence[tuple[int, Record]], author: str
) -> None:
    """The source's new state of these events; their status (a retraction, a merge) stays."""
    params: dict[str, Any] = {c: [getattr(r, c) for _, r in updates] for c in _COLUMNS}
    params.update(id=[event_id for event_id, _ in updates], author=author)
    await conn.execute(text(_UPDATE), params)


async def actors_of(conn: AsyncConnection, event_ids: list[int]) -> dict[int, set[tuple[str, str]]]:
    """(name, side) of the actors of these events."""
    sql = (
        "SELECT ea.event_id, a.name, ea.side FROM event_actors ea"
        " JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = ANY(CAST(:ids AS bigint[]))"
    )
    found: dict[int, set[tuple[str, str]]] = {i: set() for i in event_ids}
    for r in (await conn.execute(text(sql), {"ids": event_ids})).all():
        found[r.event_id].add((r.name, r.side))
    return found


async def unlink_actors(conn: AsyncConnection, event_ids: list[int]) -> None:
    sql = "DELETE FROM event_actors WHERE event_id = ANY(CAST(:ids AS bigint[]))"
    await conn.execute(text(sql), {"ids": event_ids})


async def upsert_actors(conn: AsyncConnection, actors: Sequence[ActorLink]) -> None:
    """Actors, created when new; an inter code fills one not known yet."""
    codes: dict[str, int | None] = {}
    for actor in actors:
        if codes.get(actor.name) is None:
            codes[actor.name] = actor.inter_code
    if not codes:
        return
    await conn.execute(
        text(
            "INSERT INTO actors (name, inter_code)"
            " SELECT * FROM unnest(CAST(:names AS text[]), CAST(:codes AS smallint[]))"
            " ON CONFLICT (name) DO UPDATE SET inter_code = EXCLUDED.inter_code"
            " WHERE actors.inter_code IS NULL AND EXCLUDED.inter_code IS NOT NULL"
        ),
        {"names": list(codes), "codes": list(codes.values())},
    )


async def link_actors(conn: AsyncConnection, links: list[tuple[int, ActorLink]]) -> None:
    """Actors (as ``upsert_actors``) and their links to these events."""
    if not links:
        return
    await upsert_actors(conn, [a for _, a in links])
    await conn.execute(
        text(
            "INSERT INTO event_actors (event_id, actor_id, side)"
            " SELECT x.event_id, a.id, x.side"
            " FROM unnest(CAST(:ids AS bigint[]), CAST(:names AS text[]), CAST(:sides AS text[]))"
            " AS x(event_id, name, side) JOIN actors a ON a.name = x.name"
            " ON CONFLICT DO NOTHING"
        ),
        {
            "ids": [event_id for event_id, _ in links],
            "names": [a.name for _, a in links],
            "sides": [a.side for _, a in links],
        },
    )


async def row_digests(
    conn: AsyncConnection, source: str, source_ids: list[str]
) -> dict[str, bytes]:
    """The digests of the rows these source ids were last imported from."""
    sql = (
        "SELECT source_id, digest FROM import_rows"
        " WHERE source = :s AND source_id = ANY(CAST(:ids AS text[]))"
    )
    rows = (await conn.execute(text(sql), {"s": source, "ids": source_ids})).all()
    return {r.source_id: bytes(r.digest) for r in rows}


async def keep_digests(conn: AsyncConnection, source: str, digests: dict[str, bytes]) -> None:
    """Remember the rows these source ids were imported from (one statement)."""
    if not digests:
        return
    sql = (
        "INSERT INTO import_rows (source, source_id, digest)"
        " SELECT :s, i, d FROM unnest(CAST(:ids AS text[]), CAST(:ds AS bytea[])) AS u(i, d)"
        " ON CONFLICT (source, source_id) DO UPDATE SET digest = EXCLUDED.digest"
        " WHERE import_rows.digest <> EXCLUDED.digest"
    )
    params = {"s": source, "ids": list(digests), "ds": list(digests.values())}
    await conn.execute(text(sql), params)
