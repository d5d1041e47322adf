"""The SELECT of ``f=acled``: our events in ACLED's columns, written by PostgreSQL.

It runs where the events' CSV select runs (``app.events.repository``): over ``e`` (live or as
of ``as_of``), ``ac`` (the event's actors, with ``ac.actors`` a JSON list of name and side)
and ``p`` (its primary place). Values follow ACLED's codebook; what the store does not know
(admin3, source, source_scale, tags) is left blank.
"""

from __future__ import annotations

from app.exchange.acled import (
    COLUMNS,
    DISORDER_BOTH,
    DISORDER_BY_EVENT_TYPE,
    SOURCE,
    SYRIA_ISO,
)
from app.exchange.geography import ACLED_ADMIN1

__all__ = ["ACLED_COLUMNS", "ACLED_SELECT"]

ACLED_COLUMNS = COLUMNS


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _case(expression: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in mapping.items())
    return f"CASE {expression} {whens} END"


def _names(side: str) -> str:
    return (
        "(SELECT string_agg(x->>'name', '; ' ORDER BY x->>'name')"
        f" FROM json_array_elements(ac.actors) x WHERE x->>'side' = '{side}')"
    )


def _inter(side: str) -> str:
    # An actor's type is the actor's (actors.inter_code), known for actors imported from ACLED.
    return (
        "(SELECT min(a.inter_code) FROM json_array_elements(ac.actors) x"
        f" JOIN actors a ON a.name = x->>'name' WHERE x->>'side' = '{side}')"
    )


_INTER1, _INTER2 = _inter("actor1"), _inter("actor2")
# ACLED's interaction: the two actor types, lower first (12); one actor alone: its type
# times ten (10); unknown when a type is.
_INTERACTION = (
    f"CASE WHEN ac.actor2 IS NULL THEN {_INTER1} * 10"
    f" ELSE least({_INTER1}, {_INTER2}) * 10 + greatest({_INTER1}, {_INTER2}) END"
)
_DISORDER = (
    f"CASE WHEN e.sub_event_type IN ({', '.join(map(_literal, DISORDER_BOTH))})"
    f" THEN 'Political violence; Demonstrations'"
    f" ELSE {_case('e.event_type', DISORDER_BY_EVENT_TYPE)} END"
)

ACLED_SELECT = f"""
CASE WHEN e.source = '{SOURCE}' AND e.source_id IS NOT NULL THEN e.source_id
     ELSE e.public_id END AS event_id_cnty,
e.event_date, extract(year FROM e.event_date)::int AS year, e.time_precision,
{_DISORDER} AS disorder_type, e.event_type, e.sub_event_type,
ac.actor1, {_names("assoc_actor_1")} AS assoc_actor_1, {_INTER1} AS inter1,
ac.actor2, {_names("assoc_actor_2")} AS assoc_actor_2, {_INTER2} AS inter2,
{_INTERACTION} AS interaction,
CASE WHEN e.event_type = 'Violence against civilians' THEN 'Civilian targeting' END
  AS civilian_targeting,
{SYRIA_ISO} AS iso, 'Middle East' AS region, 'Syria' AS country,
{_case("e.governorate_pcode", ACLED_ADMIN1)} AS admin1,
(SELECT d.name_en FROM places d WHERE d.pcode = e.district_pcode) AS admin2,
NULL AS admin3, p.name_en AS location,
trim_scale(round(ST_Y(e.geom)::numeric, 6)) AS latitude,
trim_scale(round(ST_X(e.geom)::numeric, 6)) AS longitude,
e.geo_precision, NULL AS source, NULL AS source_scale, e.description AS notes,
coalesce(e.fatalities, 0) AS fatalities, NULL AS tags,
floor(extract(epoch FROM e.updated_at))::bigint AS timestamp
"""
