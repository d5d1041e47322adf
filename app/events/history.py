"""An event's history: every version, who made it, when, why and what it changed."""

from __future__ import annotations

from typing import Any

from app.auth.service import Principal
from app.db import Database
from app.errors import NotFound
from app.events import policy, repository
from app.events.schemas import FieldChange, HistoryOut, VersionOut

# What a reader of the history cares about, in the order a diff lists it; bookkeeping
# (ids, search text, timestamps, version numbers) is in the version's own fields.
FIELDS = (
    "status",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "description",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "civilian_fatalities",
    "geometry",
    "geo_precision",
    "place_id",
    "governorate_pcode",
    "district_pcode",
    "actors",
    "places",
    "reports",
    "source",
    "source_id",
    "source_version",
    "retraction_reason",
    "merged_into",
)


def _fields(data: dict[str, Any], merged_into: str | None) -> dict[str, Any]:
    geom = data.get("geom") or {}
    values = {name: data.get(name) for name in FIELDS}
    values["geometry"] = {"type": geom.get("type"), "coordinates": geom.get("coordinates")}
    values["merged_into"] = merged_into
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, FieldChange]:
    # A new event lists what it has: no empty link lists.
    return {
        name: FieldChange.model_validate({"from": before.get(name), "to": after[name]})
        for name in FIELDS
        if before.get(name) != after[name] and (before or after[name] != [])
    }


async def get_history(
    *, db: Database, public_id: str, principal: Principal | None = None
) -> HistoryOut:
    """Every version of an event, oldest first, each with what it changed."""
    async with db.read_connection() as conn:
        event, rows = await repository.fetch_versions(conn, public_id)
    if event is None:
        raise NotFound(f"no event with id '{public_id}'")
    policy.check_visible(public_id, principal, event.status, event.created_by)
    versions: list[VersionOut] = []
    previous: dict[str, Any] = {}
    for row in rows:
        current = _fields(row.data, row.merged_into)
        versions.append(
            VersionOut(
                version=row.version,
                op=row.op,
                changed_at=row.changed_at,
                changed_by=row.changed_by,
                reason=row.change_reason,
                changes=diff(previous, current),
            )
        )
        previous = current
    return HistoryOut(id=public_id, versions=versions)
