"""Event writes: create, patch, retract, publish and merge; authorised, conditional, versioned.

Each write is one transaction: the row lock, the checks, the change, the version the
database's triggers record (who: the key's name; why: ``reason``) and, for POST, the stored
idempotent response. The answer is built inside it, so it is exactly what was committed.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.service import Principal
from app.db import Database, Reader
from app.errors import Conflict, InvalidBody, NotFound
from app.events import editing_repository as repo
from app.events import policy
from app.events.etags import check_if_match, etag
from app.events.merge_patch import merge_patch
from app.events.repository import fetch_detail
from app.events.schemas import EventIn, EventPatch, EventPropertiesIn
from app.idempotency import service as idempotency
from app.idempotency.service import StoredResponse
from app.taxonomy import EVENT_TYPES, canonical

Links = tuple[dict[str, Any], list[tuple[str, str]], list[tuple[int, str | None]]]


async def _resolve(
    conn: AsyncConnection, props: EventPropertiesIn, lon: float, lat: float
) -> Links:
    """Column values and links of the written properties, checked against the taxonomy and
    the gazetteer; governorate and district follow the place or the boundaries."""
    event_type = canonical(props.event_type, list(EVENT_TYPES))
    if event_type is None:
        raise InvalidBody.at(
            "properties.event_type", f"'{props.event_type}' is not an ACLED event type"
        )
    sub_type = canonical(props.sub_event_type, list(EVENT_TYPES[event_type]))
    if sub_type is None:
        raise InvalidBody.at(
            "properties.sub_event_type",
            f"'{props.sub_event_type}' is not a sub-event type of {event_type}",
        )
    place = None
    if props.place_id is not None:
        place = await repo.find_place(conn, props.place_id)
        if place is None:
            raise InvalidBody.at("properties.place_id", f"no place with id '{props.place_id}'")
    located = await repo.locate(conn, lon, lat)
    values: dict[str, Any] = {
        "event_date": props.event_date,
        "time_precision": props.time_precision,
        "event_type": event_type,
        "sub_event_type": sub_type,
        "description": props.description,
        "fatalities": props.fatalities,
        "fatalities_low": props.fatalities_low,
        "fatalities_high": props.fatalities_high,
        "civilian_fatalities": props.civilian_fatalities,
        "geo_precision": props.geo_precision,
        "place_id": props.place_id,
        "governorate_pcode": props.governorate_pcode
        or (place.governorate_pcode if place else None)
        or located.governorate_pcode,
        "district_pcode": (place.district_pcode if place else None) or located.district_pcode,
        "source": props.source,
        "source_id": props.source_id,
    }
    actors: list[tuple[str, str]] = [(a.name.strip(), a.side) for a in props.actors or []]
    for side, name in (("actor1", props.actor1), ("actor2", props.actor2)):
        if name is not None:
            actors = [a for a in actors if a[1] != side] + [(name.strip(), side)]
    reports: list[tuple[int, str | None]] = []
    if props.reports:
        known = await repo.find_reports(conn, [r.id for r in props.reports])
        for link in props.reports:
            if link.id not in known:
                raise InvalidBody.at("properties.reports", f"no report with id '{link.id}'")
            reports.append((known[link.id], link.quote))
    return values, sorted(set(actors), key=lambda a: (a[1], a[0])), reports


async def _answer(
    conn: AsyncConnection, public_id: str, status: int, **headers: str
) -> StoredResponse:
    row = await fetch_detail(Reader.within(conn), public_id)
    assert row is not None
    feature = row["feature"]
    return StoredResponse(status, feature, {"ETag": etag(row["version"], feature), **headers})


async def create_event(
    *, db: Database, principal: Principal, event_in: EventIn, idempotency_key: str | None
) -> StoredResponse:
    """A new event (a draft unless an editor publishes it at once)."""
    props = event_in.properties
    policy.check_status_change(principal, props.status)
    async with db.session() as session:
        conn = await session.connection()
        if idempotency_key is not None:
            request = idempotency.fingerprint("POST", "/events", event_in.model_dump_json())
            replay = await idempotency.replay_or_claim(
                conn, principal.key_id, idempotency_key, request
            )
            if replay is not None:
                return replay
        await repo.set_context(conn, principal.name, None)
        lon, lat = event_in.geometry.coordinates[:2]
        values, actors, reports = await _resolve(conn, props, lon, lat)
        if props.source_id is not None:
            existing = await repo.find_by_source(conn, props.source, props.source_id)
            if existing is not None:
                raise Conflict(
                    f"source '{props.source}' id '{props.source_id}' is event '{existing}'",
                    existing=existing,
                )
        values["status"] = props.status or "draft"
        row = await repo.insert(conn, values, lon, lat, principal.name)
        if actors:
            await repo.replace_actors(conn, row.id, actors)
        if reports:
            await repo.replace_reports(conn, row.id, reports)
        response = await _answer(conn, row.public_id, 201, Location=f"/events/{row.public_id}")
        if idempotency_key is not None:
            await idempotency.remember(conn, principal.key_id, idempotency_key, response)
    return response


def _representation(state: Any) -> dict[str, Any]:
    """The event as a merge patch sees it: what EventIn accepts, nothing the server sets."""
    props = {c: getattr(state, c) for c in repo.COLUMNS if c not in ("status", "district_pcode")}
    props["event_date"] = state.event_date.isoformat()
    props["actors"] = state.actors
    props["reports"] = state.reports
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [state.lon, state.lat]},
        "properties": props,
    }


def _validated(document: dict[str, Any]) -> EventIn:
    try:
        return EventIn.model_validate(document)
    except ValidationError as exc:
        params = [
            {"name": ".".join(str(p) for p in e["loc"]) or "body", "reason": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
        raise InvalidBody(
            f"the patched event is invalid: {detail}", invalid_params=params
        ) from None


async def patch_event(
    *,
    db: Database,
    principal: Principal,
    public_id: str,
    patch: EventPatch,
    if_match: str | None,
    reason: str | None,
) -> StoredResponse:
    """Apply a JSON merge patch to an event the caller may change, at the version it read."""
    changes = patch.model_dump(exclude_unset=True)
    props_patch = changes.get("properties") or {}
    if "status" in props_patch:
        raise InvalidBody.at(
            "properties.status", "use POST /events/{id}/publish or DELETE /events/{id}"
        )
    async with db.session() as session:
        conn = await session.connection()
        row = await _locked(conn, public_id)
        policy.check_editable(
            public_id, principal, row.status, row.created_by, row.retraction_reason
        )
        check_if_match(if_match, row.version)
        state = await repo.state(conn, row.id)
        document = _representation(state)
        if ("place_id" in props_patch or "geometry" in changes) and (
            "governorate_pcode" not in props_patch
        ):
            del document["properties"]["governorate_pcode"]  # follows the new location
        event_in = _validated(merge_patch(document, changes))
        lon, lat = event_in.geometry.coordinates[:2]
        values, actors, reports = await _resolve(conn, event_in.properties, lon, lat)
        await repo.set_context(conn, principal.name, reason)
        changed = {k: v for k, v in values.items() if v != getattr(state, k)}
        point = (lon, lat) if (lon, lat) != (state.lon, state.lat) else None
        if changed or point:
            await repo.update(conn, row.id, changed, point, principal.name)
        if actors != [(a["name"], a["side"]) for a in state.actors]:
            await repo.replace_actors(conn, row.id, actors)
        old_reports = await repo.find_reports(conn, [r["id"] for r in state.reports])
        quotes = {old_reports[r["id"]]: r["quote"] for r in state.reports}
        if dict(reports) != quotes:
            await repo.replace_reports(conn, row.id, reports)
        return await _answer(conn, public_id, 200)


async def _locked(conn: AsyncConnection, public_id: str) -> Any:
    row = await repo.lock(conn, public_id)
    if row is None:
        raise NotFound(f"no event with id '{public_id}'")
    return row


async def retract_event(
    *, db: Database, principal: Principal, public_id: str, if_match: str | None, reason: str
) -> StoredResponse:
    """Retract (never erase) an event; it stays in the history and the change feed."""
    async with db.session() as session:
        conn = await session.connection()
        row = await _locked(conn, public_id)
        policy.check_editable(
            public_id, principal, row.status, row.created_by, row.retraction_reason
        )
        check_if_match(if_match, row.version)
        await repo.set_context(conn, principal.name, reason)
        await repo.retract(conn, row.id, reason, principal.name, merged_into=None)
        return await _answer(conn, public_id, 200)


async def publish_event(
    *,
    db: Database,
    principal: Principal,
    public_id: str,
    if_match: str | None,
    reason: str | None,
) -> StoredResponse:
    """Publish a draft (an editor's call); publishing a published event changes nothing."""
    async with db.session() as session:
        conn = await session.connection()
        row = await _locked(conn, public_id)
        policy.check_editable(
            public_id, principal, row.status, row.created_by, row.retraction_reason
        )
        check_if_match(if_match, row.version, required=False)
        if row.status == "draft":
            await repo.set_context(conn, principal.name, reason)
            await repo.publish(conn, row.id, principal.name)
        return await _answer(conn, public_id, 200)


async def merge_event(
    *,
    db: Database,
    principal: Principal,
    public_id: str,
    into: str,
    if_match: str | None,
    reason: str | None,
) -> StoredResponse:
    """Merge a duplicate into its original: the original gains its sources, places and
    actors; the duplicate is retracted pointing at it; both keep their histories."""
    if into == public_id:
        raise InvalidBody.at("into", "an event cannot be merged into itself")
    async with db.session() as session:
        conn = await session.connection()
        # Both rows locked in one order, so that two crossed merges cannot deadlock.
        rows = {pid: await _locked(conn, pid) for pid in sorted((public_id, into))}
        duplicate, original = rows[public_id], rows[into]
        policy.check_editable(
            public_id,
            principal,
            duplicate.status,
            duplicate.created_by,
            duplicate.retraction_reason,
        )
        if original.status == "retracted":
            raise Conflict(f"event '{into}' was retracted; merge into the event that stands")
        check_if_match(if_match, duplicate.version, required=False)
        why = f"duplicate of {into}" + (f": {reason}" if reason else "")
        await repo.set_context(conn, principal.name, why)
        await repo.absorb(conn, original.id, duplicate.id)
        await repo.retract(conn, duplicate.id, why, principal.name, merged_into=original.id)
        return await _answer(conn, into, 200)
