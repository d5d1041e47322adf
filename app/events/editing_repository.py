"""All SQL of event writes. History is not written here: the database's triggers write a
version for every change, in the same transaction, under ``se.actor`` and ``se.reason``."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

COLUMNS = (
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "description",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "civilian_fatalities",
    "geo_precision",
    "place_id",
    "governorate_pcode",
    "district_pcode",
    "source",
    "source_id",
    "status",
)
_POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"


async def set_context(conn: AsyncConnection, actor: str, reason: str | None) -> None:
    """Who writes and why, for the versions the triggers record (this transaction only);
    ``se.write`` names this one change, so that each request makes its own version."""
    await conn.execute(
        text(
            "SELECT set_config('se.actor', :a, true), set_config('se.reason', :r, true),"
            " set_config('se.write', :w, true)"
        ),
        {"a": actor, "r": reason or "", "w": uuid.uuid4().hex},
    )


async def lock(conn: AsyncConnection, public_id: str) -> Row[Any] | None:
    """The event's row, locked until commit: concurrent writers queue here."""
    sql = (
        "SELECT id, public_id, status, version, created_by, retraction_reason, merged_into_id"
        " FROM events WHERE public_id = :id FOR UPDATE"
    )
    return (await conn.execute(text(sql), {"id": public_id})).first()


async def find_place(conn: AsyncConnection, place_id: str) -> Row[Any] | None:
    sql = "SELECT id, governorate_pcode, district_pcode FROM places WHERE id = :id"
    return (await conn.execute(text(sql), {"id": place_id})).first()


async def locate(conn: AsyncConnection, lon: float, lat: float) -> Row[Any]:
    """Governorate and district whose imported boundaries contain the point; without
    boundaries, the governorate of the nearest Syrian place within about 30 km."""
    sql = f"""
    SELECT
      coalesce(
        (SELECT coalesce(pcode, governorate_pcode) FROM places
          WHERE kind = 'governorate' AND area IS NOT NULL AND ST_Intersects(area, {_POINT})
          LIMIT 1),
        (SELECT governorate_pcode FROM places
          WHERE governorate_pcode IS NOT NULL AND geom && ST_Expand({_POINT}, 0.3)
          ORDER BY geom <-> {_POINT} LIMIT 1)) AS governorate_pcode,
      (SELECT pcode FROM places
        WHERE kind = 'district' AND area IS NOT NULL AND ST_Intersects(area, {_POINT})
        LIMIT 1) AS district_pcode
    """
    return (await conn.execute(text(sql), {"lon": lon, "lat": lat})).one()


async def find_reports(conn: AsyncConnection, public_ids: list[str]) -> dict[str, int]:
    sql = "SELECT public_id, id FROM reports WHERE public_id = ANY(:ids)"
    rows = (await conn.execute(text(sql), {"ids": public_ids})).all()
    return {r.public_id: r.id for r in rows}


async def find_id(conn: AsyncConnection, public_id: str) -> Row[Any] | None:
    sql = "SELECT id, status, created_by FROM events WHERE public_id = :id"
    return (await conn.execute(text(sql), {"id": public_id})).first()


async def insert(
    conn: AsyncConnection, values: dict[str, Any], lon: float, lat: float, author: str
) -> Row[Any]:
    names = ", ".join(values)
    binds = ", ".join(f":{n}" for n in values)
    sql = (
        f"INSERT INTO events ({names}, geom, created_by, updated_by)"
        f" VALUES ({binds}, {_POINT}, :author, :author) RETURNING id, public_id"
    )
    params = {**values, "lon": lon, "lat": lat, "author": author}
    return (await conn.execute(text(sql), params)).one()


async def update(
    conn: AsyncConnection,
    event_id: int,
    values: dict[str, Any],
    point: tuple[float, float] | None,
    author: str,
) -> None:
    sets = [f"{n} = :{n}" for n in values]
    params: dict[str, Any] = {**values, "id": event_id, "author": author}
    if point is not None:
        sets.append(f"geom = {_POINT}")
        params.update(lon=point[0], lat=point[1])
    sql = f"UPDATE events SET {', '.join(sets)}, updated_by = :author WHERE id = :id"
    await conn.execute(text(sql), params)


async def state(conn: AsyncConnection, event_id: int) -> Row[Any]:
    """What a merge patch applies to: the writable fields, the point and the links."""
    sql = f"""
    SELECT {", ".join(f"e.{c}" for c in COLUMNS)}, ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat,
      coalesce((SELECT json_agg(json_build_object('name', a.name, 'side', ea.side)
                                ORDER BY ea.side, a.name)
                FROM event_actors ea JOIN actors a ON a.id = ea.actor_id
                WHERE ea.event_id = e.id), '[]'::json) AS actors,
      coalesce((SELECT json_agg(json_build_object('id', r.public_id, 'quote', er.quote)
                                ORDER BY r.public_id)
                FROM event_reports er JOIN reports r ON r.id = er.report_id
                WHERE er.event_id = e.id), '[]'::json) AS reports
    FROM events e WHERE e.id = :id
    """
    return (await conn.execute(text(sql), {"id": event_id})).one()


async def replace_actors(
    conn: AsyncConnection, event_id: int, actors: list[tuple[str, str]]
) -> None:
    await conn.execute(text("DELETE FROM event_actors WHERE event_id = :id"), {"id": event_id})
    if not actors:
        return
    names = sorted({name for name, _ in actors})
    await conn.execute(
        text(
            "INSERT INTO actors (name) SELECT unnest(CAST(:names AS text[]))"
            " ON CONFLICT (name) DO NOTHING"
        ),
        {"names": names},
    )
    await conn.execute(
        text(
            "INSERT INTO event_actors (event_id, actor_id, side)"
            " SELECT :id, a.id, x.side"
            " FROM unnest(CAST(:names AS text[]), CAST(:sides AS text[])) AS x(name, side)"
            " JOIN actors a ON a.name = x.name ON CONFLICT DO NOTHING"
        ),
        {"id": event_id, "names": [n for n, _ in actors], "sides": [s for _, s in actors]},
    )


async def replace_reports(
    conn: AsyncConnection, event_id: int, links: list[tuple[int, str | None]]
) -> None:
    await conn.execute(
        text("DELETE FROM event_reports WHERE event_id = :id AND NOT report_id = ANY(:keep)"),
        {"id": event_id, "keep": [r for r, _ in links]},
    )
    for report_id, quote in links:
        await conn.execute(
            text(
                "INSERT INTO event_reports (event_id, report_id, quote) VALUES (:id, :r, :q)"
                " ON CONFLICT (event_id, report_id) DO UPDATE SET quote = EXCLUDED.quote"
                " WHERE event_reports.quote IS DISTINCT FROM EXCLUDED.quote"
            ),
            {"id": event_id, "r": report_id, "q": quote},
        )


async def retract(
    conn: AsyncConnection, event_id: int, reason: str, author: str, merged_into: int | None
) -> None:
    await conn.execute(
        text(
            "UPDATE events SET status = 'retracted', retraction_reason = :reason,"
            " merged_into_id = :into, updated_by = :author WHERE id = :id"
        ),
        {"id": event_id, "reason": reason, "into": merged_into, "author": author},
    )


async def publish(conn: AsyncConnection, event_id: int, author: str) -> None:
    await conn.execute(
        text("UPDATE events SET status = 'published', updated_by = :author WHERE id = :id"),
        {"id": event_id, "author": author},
    )


async def absorb(conn: AsyncConnection, original: int, duplicate: int) -> None:
    """The original gains the duplicate's sources, places and actors (one new version)."""
    params = {"o": original, "d": duplicate}
    await conn.execute(
        text(
            "INSERT INTO event_reports (event_id, report_id, quote, quote_start, quote_end)"
            " SELECT :o, report_id, quote, quote_start, quote_end FROM event_reports"
            " WHERE event_id = :d ON CONFLICT DO NOTHING"
        ),
        params,
    )
    await conn.execute(
        text(
            "INSERT INTO event_places (event_id, place_id, role)"
            " SELECT :o, place_id, CASE WHEN role = 'primary' THEN 'mentioned' ELSE role END"
            " FROM event_places WHERE event_id = :d"
            " AND place_id IS DISTINCT FROM (SELECT place_id FROM events WHERE id = :o)"
            " ON CONFLICT DO NOTHING"
        ),
        params,
    )
    await conn.execute(
        text(
            "INSERT INTO event_actors (event_id, actor_id, side)"
            " SELECT :o, actor_id, side FROM event_actors WHERE event_id = :d"
            " ON CONFLICT DO NOTHING"
        ),
        params,
    )


async def find_by_source(conn: AsyncConnection, source: str, source_id: str) -> str | None:
    sql = "SELECT public_id FROM events WHERE source = :s AND source_id = :i"
    found = (await conn.execute(text(sql), {"s": source, "i": source_id})).scalar_one_or_none()
    return str(found) if found is not None else None
