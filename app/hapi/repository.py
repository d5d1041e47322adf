"""HAPI conflict-event SQL: PostgreSQL tags each published event with HAPI's event types,
groups them by month, governorate and district, and writes the JSON; no event reaches Python.

ACLED's event types map to HAPI's three as ACLED's disorder types do (the HDX datasets HAPI
loads are cut by them): political violence is Battles, Explosions/Remote violence, Violence
against civilians, Mob violence and Excessive force against protesters; demonstrations are
Protests and Violent demonstrations (so Excessive force against protesters is in both, as
ACLED codes it "Political violence; Demonstrations"); civilian targeting is the political
violence whose primary target is civilians: every Violence against civilians, and any other
whose actor2 is of ACLED's civilians type (inter code 7). Strategic developments are none of
them. An event may therefore count under two types, as in HAPI: do not add types up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from asyncpg import Record

from app.db import Reader
from app.hapi.schemas import COLUMNS, AdminLevel, HapiEventType
from app.taxonomy import EVENT_TYPES

POLITICAL_VIOLENCE: tuple[str, ...] = (
    *EVENT_TYPES["Battles"],
    *EVENT_TYPES["Explosions/Remote violence"],
    *EVENT_TYPES["Violence against civilians"],
    "Mob violence",
    "Excessive force against protesters",
)
DEMONSTRATION: tuple[str, ...] = (*EVENT_TYPES["Protests"], "Violent demonstration")
CIVILIANS_INTER_CODE = 7

LOCATION_REF, LOCATION_CODE, LOCATION_NAME = 1, "SYR", "Syrian Arab Republic"

_PV = "e.sub_event_type = ANY(:pv)"
# Whether an event's actor2 is civilians. Over many events, every civilian-targeted event is
# hashed once (65,000 links of 1.5M at 1M events: about 250 ms) and joined; probing
# event_actors for each event instead cost 4 s of 9.7 for the whole country. For a narrow
# selection (a governorate, or a year at most) the probes are the cheaper: 18,000 of them
# cost less than hashing the whole table.
_CIVILIANS = (
    "JOIN actors a ON a.id = ea.actor_id WHERE ea.side = 'actor2' AND a.inter_code = :civilians"
)
_CIVILIANS_HASHED = (
    f"LEFT JOIN (SELECT DISTINCT ea.event_id FROM event_actors ea {_CIVILIANS}) civ"
    " ON civ.event_id = e.id"
)
_CIVILIANS_PROBED = (
    f"LEFT JOIN LATERAL (SELECT ea.event_id FROM event_actors ea {_CIVILIANS}"
    " AND ea.event_id = e.id LIMIT 1) civ ON true"
)
_NARROW_DAYS = 366
_CT = f"e.event_type = 'Violence against civilians' OR ({_PV} AND civ.event_id IS NOT NULL)"
_DEMO = "e.sub_event_type = ANY(:demo)"
# The row's position: oldest month first, then by pcode (none first), then type.
_ORDER = "g.period, g.admin1_code NULLS FIRST, g.admin2_code NULLS FIRST, g.event_type"
_LEVELS = {
    AdminLevel.country: "g.admin1_code IS NULL",
    AdminLevel.admin1: "g.admin1_code IS NOT NULL AND g.admin2_code IS NULL",
    AdminLevel.admin2: "g.admin2_code IS NOT NULL",
}
# A ref is the pcode's number; a pcode of another shape (never written by this project) has none.
_REF = "CASE WHEN {code} ~ '^SY[0-9]+$' THEN substr({code}, 3)::int END"

# The events are grouped first by month, area and the three tags (a hash aggregate of a few
# thousand groups), and only those groups are spread over HAPI's types: an event is never
# multiplied, and nothing of a million rows is sorted. The month expression is the one of
# migration 0012's extended statistics, which let PostgreSQL count the groups (and hash them).
_ROWS = f"""
WITH tagged AS (
  SELECT date_trunc('month', e.event_date::timestamp)::date AS period,
         e.governorate_pcode AS admin1_code, e.district_pcode AS admin2_code,
         {_PV} AS pv, {_CT} AS ct, {_DEMO} AS demo,
         count(*) AS n, sum(coalesce(e.fatalities, 0)) AS fatalities
  FROM events e {{civilians}}
  WHERE {{events}}
  GROUP BY 1, 2, 3, 4, 5, 6
), g AS (
  SELECT b.period, b.admin1_code, b.admin2_code, t.event_type, sum(b.n)::bigint AS events,
         CASE WHEN t.event_type <> 'demonstration' THEN sum(b.fatalities)::bigint END
           AS fatalities
  FROM tagged b
  CROSS JOIN LATERAL unnest(array_remove(ARRAY[
      CASE WHEN b.pv THEN 'political_violence' END,
      CASE WHEN b.ct THEN 'civilian_targeting' END,
      CASE WHEN b.demo THEN 'demonstration' END]::text[], NULL)) AS t(event_type)
  WHERE {{types}}
  GROUP BY 1, 2, 3, 4
)
SELECT {LOCATION_REF} AS location_ref, '{LOCATION_CODE}' AS location_code,
       '{LOCATION_NAME}' AS location_name,
       {_REF.format(code="g.admin1_code")} AS admin1_ref, g.admin1_code,
       a1.name_en AS admin1_name,
       {_REF.format(code="g.admin2_code")} AS admin2_ref, g.admin2_code,
       a2.name_en AS admin2_name,
       NULL::text AS resource_hdx_id, g.event_type, g.events, g.fatalities,
       to_char(g.period, 'YYYY-MM-DD"T00:00:00"') AS reference_period_start,
       to_char(g.period + interval '1 month' - interval '1 day', 'YYYY-MM-DD"T23:59:59"')
         AS reference_period_end,
       row_number() OVER (ORDER BY {_ORDER}) AS n
FROM g
LEFT JOIN governorates a1 ON a1.pcode = g.admin1_code
LEFT JOIN places a2 ON a2.pcode = g.admin2_code AND a2.kind = 'district'
WHERE {{areas}}
ORDER BY n OFFSET :offset LIMIT :limit"""

_JSON = (
    "SELECT json_build_object('data', coalesce(json_agg(json_build_object({fields}) ORDER BY"
    " r.n), '[]'::json))::text FROM ({rows}) r"
)
_FIELDS = ", ".join(f"'{c}', r.{c}" for c in COLUMNS)
_COLUMNS = ", ".join(f"r.{c}" for c in COLUMNS)


@dataclass(frozen=True)
class Selection:
    """Which rows: published events of ``event_type`` in the months from ``first`` up to
    (not including) ``stop``, in the areas named; then which page of the rows."""

    event_type: HapiEventType | None = None
    first: date | None = None
    stop: date | None = None
    admin1_codes: tuple[str, ...] = ()
    admin2_codes: tuple[str, ...] = ()
    admin1_name: str | None = None
    admin2_name: str | None = None
    admin_level: AdminLevel | None = None
    offset: int = 0
    limit: int = 10_000


def _rows(s: Selection) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {
        "pv": list(POLITICAL_VIOLENCE),
        "demo": list(DEMONSTRATION),
        "civilians": CIVILIANS_INTER_CODE,
        "offset": s.offset,
        "limit": s.limit,
    }
    events = ["e.status = 'published'"]
    types = "true"
    if s.event_type is not None:
        types = "t.event_type = :event_type"
        params["event_type"] = s.event_type.value
    if s.first is not None:
        events.append("e.event_date >= :first")
        params["first"] = s.first
    if s.stop is not None:
        events.append("e.event_date < :stop")
        params["stop"] = s.stop
    for i, code in enumerate(s.admin1_codes):
        events.append(f"e.governorate_pcode = :admin1_{i}")
        params[f"admin1_{i}"] = code
    for i, code in enumerate(s.admin2_codes):
        events.append(f"e.district_pcode = :admin2_{i}")
        params[f"admin2_{i}"] = code
    areas = ["true"]
    if s.admin1_name is not None:
        areas.append("strpos(lower(a1.name_en), lower(:admin1_name)) > 0")
        params["admin1_name"] = s.admin1_name
    if s.admin2_name is not None:
        areas.append("strpos(lower(a2.name_en), lower(:admin2_name)) > 0")
        params["admin2_name"] = s.admin2_name
    if s.admin_level is not None:
        areas.append(_LEVELS[s.admin_level])
    narrow = bool(s.admin1_codes or s.admin2_codes) or (
        s.first is not None and s.stop is not None and (s.stop - s.first).days <= _NARROW_DAYS
    )
    sql = _ROWS.format(
        civilians=_CIVILIANS_PROBED if narrow else _CIVILIANS_HASHED,
        events=" AND ".join(events),
        types=types,
        areas=" AND ".join(areas),
    )
    return sql, params


async def conflict_events_json(reader: Reader, s: Selection) -> str:
    """The page as HAPI's JSON document, ``{"data": [...]}``, written by PostgreSQL."""
    rows, params = _rows(s)
    body: str = await reader.fetchval(_JSON.format(fields=_FIELDS, rows=rows), params)
    return body


async def conflict_events_rows(reader: Reader, s: Selection) -> list[Record]:
    """The page's rows, each with ``COLUMNS`` in order (for CSV)."""
    rows, params = _rows(s)
    return await reader.fetch(f"SELECT {_COLUMNS} FROM ({rows}) r ORDER BY r.n", params)
