"""Writes, history, the change feed and historical reads, measured over real HTTP.

Runs after the read scenarios (bench/scenarios.py), on the same database, with an editor key
made for the run and revoked after it. Every event written here has ``source`` 'bench-writes'
(bench/database.py reuses the database by counting ``source = 'bench'``), lies south of the
read scenarios' bbox, far from their place, in 2011, with words no ``q`` scenario looks for,
and is retracted at the end (a measured scenario too): the published events the read
scenarios see are the same on every run. History and the change feed keep every run's
writes, as they must, so the feed grows by 1,414 changes a run (603 created, 208
updated, 603 retracted).

Each scenario is bounded: a fixed number of writes, ``reps`` timed reads after warm-ups, a
time budget for the slow historical reads and for draining the feed.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from app.auth.keys import Role
from app.auth.service import create_key, revoke_key
from app.changes import repository as changes_repository
from app.changes.service import CURSOR_KIND as CHANGES_CURSOR
from app.db import Database
from app.events import repository as events_repository
from app.settings import Settings
from app.web.cursor import encode_cursor
from bench.database import connect
from bench.explain import Plan, Shape
from bench.scenarios import QUERIES, TIMEOUT, summary
from bench.server import Api

SOURCE = "bench-writes"
PLACE = "bench-nawa"  # a centre of the synthetic gazetteer, far from the read scenarios'
HISTORY_VERSIONS = 10
FEED_PAGE = 1_000
DRAIN_LIMIT = 10_000
DRAIN_BUDGET_S = 300.0  # longer than this: a fixed number of pages, extrapolated
DRAIN_SAMPLE_PAGES = 5
SLOW_BUDGET_S = 90.0  # per historical-read scenario, after at least SLOW_MIN_REPS
SLOW_MIN_REPS = 5


@dataclass(frozen=True)
class Sizes:
    creates: int = 200
    concurrent: int = 400
    clients: int = 16
    patches: int = 200


QUICK_SIZES = Sizes(creates=50, concurrent=100, clients=16, patches=50)


@dataclass
class Written:
    id: str
    etag: str


def _feature(run: str, n: int) -> dict[str, Any]:
    """An event no read scenario matches: 2011, south of the bbox, near Nawa (Dar'a)."""
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [36.03 + (n % 50) * 0.0004, 32.86 + (n // 50 % 50) * 0.0004],
        },
        "properties": {
            "event_date": f"2011-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "event_type": "Protests",
            "sub_event_type": "Peaceful protest",
            "description": f"Bench write {n} of run {run}: a demonstration after Friday prayers.",
            "fatalities": 0,
            "place_id": PLACE,
            "actor1": "Protesters (Syria)",
            "actor2": "Civilians (Syria)",
            "source": SOURCE,
            "source_id": f"{run}-{n}",
            "status": "published",
        },
    }


def _send(
    client: httpx.Client, method: str, url: str, expect: int, **kwargs: Any
) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != expect:
        raise RuntimeError(f"{method} {url}: {response.status_code} {response.text[:500]}")
    return response, elapsed


def _result(samples: list[float], note: str, **extra: Any) -> dict[str, Any]:
    return {"requests": len(samples), **summary(samples), **extra, "note": note}


# --- set-up, clean-up and positions, straight from the database ------------------------------


async def _make_key(url: str, name: str) -> tuple[str, int]:
    db = Database.of(Settings(DATABASE_URL=url), pool_size=1)
    try:
        created = await create_key(db=db, name=name, role=Role.editor, by="bench")
    finally:
        await db.dispose()
    return created.key, created.id


async def _revoke(url: str, key_id: int) -> None:
    db = Database.of(Settings(DATABASE_URL=url), pool_size=1)
    try:
        await revoke_key(db=db, key_id=key_id)
    finally:
        await db.dispose()


async def _fetch(url: str, sql: str, *args: Any) -> list[Any]:
    conn = await connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def _query(url: str, sql: str, *args: Any) -> list[Any]:
    return asyncio.run(_fetch(url, sql, *args))


def _leftovers(url: str) -> list[Written]:
    """Events of an earlier run that stopped before retracting them."""
    rows = _query(
        url,
        "SELECT public_id, version FROM events WHERE source = $1 AND status <> 'retracted'",
        SOURCE,
    )
    return [Written(r["public_id"], f'"{r["version"]}"') for r in rows]


def _near_end_cursor(url: str, back: int) -> str:
    """The feed's cursor ``back`` versions before its end (below the oldest open write)."""
    rows = _query(
        url,
        "SELECT txid::text AS txid, seq FROM event_versions"
        " WHERE txid < pg_snapshot_xmin(pg_current_snapshot())"
        " ORDER BY txid DESC, seq DESC OFFSET $1 LIMIT 1",
        back,
    )
    position = [int(rows[0]["txid"]), rows[0]["seq"]] if rows else [0, 0]
    return encode_cursor(CHANGES_CURSOR, position)


# --- writes ----------------------------------------------------------------------------------


def create_sequential(
    client: httpx.Client, run: str, first: int, n: int
) -> tuple[dict[str, Any], dict[str, Any], list[Written]]:
    """``n`` POSTs one after another, each with its Idempotency-Key; then the same ``n``
    again, same keys and bodies: each must answer the stored response."""
    written: list[Written] = []
    samples: list[float] = []
    keys: list[tuple[str, dict[str, Any]]] = []
    for i in range(first, first + n):
        body = _feature(run, i)
        key = f"{run}-create-{i}"
        response, ms = _send(client, "POST", "/events", 201, json=body,
                             headers={"Idempotency-Key": key})  # fmt: skip
        samples.append(ms)
        written.append(Written(response.json()["id"], response.headers["ETag"]))
        keys.append((key, body))
    created = _result(samples, f"{n} sequential creates, each with an Idempotency-Key")
    replays: list[float] = []
    for (key, body), event in zip(keys, written, strict=True):
        response, ms = _send(client, "POST", "/events", 201, json=body,
                             headers={"Idempotency-Key": key})  # fmt: skip
        if response.headers.get("Idempotent-Replayed") != "true":
            raise RuntimeError(f"replay of {key} was not a replay")
        if response.json()["id"] != event.id:
            raise RuntimeError(f"replay of {key} answered another event")
        replays.append(ms)
    replayed = _result(replays, f"the same {n} POSTs again: stored answers, nothing created")
    return created, replayed, written


async def _create_concurrent(
    api: Api, headers: dict[str, str], run: str, first: int, n: int, clients: int
) -> tuple[list[float], list[Written], float]:
    todo = iter(range(first, first + n))
    samples: list[float] = []
    written: list[Written] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def worker(client: httpx.AsyncClient) -> None:
        for i in todo:
            started = time.perf_counter()
            response = await client.post(
                "/events",
                json=_feature(run, i),
                headers={"Idempotency-Key": f"{run}-concurrent-{i}"},
            )
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 201:
                raise RuntimeError(f"POST /events: {response.status_code} {response.text[:500]}")
            written.append(Written(response.json()["id"], response.headers["ETag"]))

    async with httpx.AsyncClient(
        base_url=api.base_url, headers=headers, timeout=TIMEOUT, limits=limits
    ) as client:
        await client.get("/readyz")
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        seconds = time.perf_counter() - started
    return samples, written, seconds


def create_concurrent(
    api: Api, headers: dict[str, str], run: str, first: int, n: int, clients: int
) -> tuple[dict[str, Any], list[Written]]:
    """``n`` POSTs from ``clients`` concurrent clients (one asyncio loop, ``clients``
    connections); throughput is ``n`` over the wall time of the whole batch."""
    samples, written, seconds = asyncio.run(
        _create_concurrent(api, headers, run, first, n, clients)
    )
    rate = n / seconds
    note = f"{clients} concurrent clients: {rate:,.1f} writes/s ({n} in {seconds:.1f} s)"
    return _result(samples, note, clients=clients, seconds=round(seconds, 2),
                   writes_per_s=round(rate, 1)), written  # fmt: skip


def patch_sequential(client: httpx.Client, events: list[Written], tag: str) -> dict[str, Any]:
    """One merge patch (If-Match: the ETag of the last write) per event, one after another."""
    samples: list[float] = []
    for n, event in enumerate(events):
        patch = {"properties": {"fatalities": 1 + n % 7, "description": f"Patched ({tag} {n})."}}
        response, ms = _send(
            client,
            "PATCH",
            f"/events/{event.id}?" + urlencode({"reason": "bench"}),
            200,
            content=orjson.dumps(patch),
            headers={"If-Match": event.etag, "Content-Type": "application/merge-patch+json"},
        )
        event.etag = response.headers["ETag"]
        samples.append(ms)
    return _result(samples, f"{len(events)} sequential patches on distinct events, If-Match")


def retract_all(client: httpx.Client, events: list[Written]) -> dict[str, Any]:
    """DELETE (retract) with If-Match, one after another: the run's clean-up, measured."""
    samples: list[float] = []
    for event in events:
        _, ms = _send(client, "DELETE", f"/events/{event.id}?" + urlencode({"reason": "bench"}),
                      200, headers={"If-Match": event.etag})  # fmt: skip
        samples.append(ms)
    return _result(samples, f"{len(events)} sequential retractions (every event of the run)")


# --- reads of history, the feed and the past -------------------------------------------------


def measure_get(
    client: httpx.Client,
    path: str,
    reps: int,
    warmup: int,
    note: str,
    count: Callable[[Any], int],
    budget_s: float | None = None,
) -> dict[str, Any]:
    """``reps`` timed GETs after ``warmup``; with a budget, stop once it is spent (after at
    least SLOW_MIN_REPS) and say how many were timed."""
    for _ in range(warmup):
        _send(client, "GET", path, 200)
    samples: list[float] = []
    started = time.perf_counter()
    response: httpx.Response | None = None
    for _ in range(reps):
        response, ms = _send(client, "GET", path, 200)
        samples.append(ms)
        spent = time.perf_counter() - started
        if budget_s is not None and len(samples) >= SLOW_MIN_REPS and spent > budget_s:
            break
    assert response is not None
    rows = count(orjson.loads(response.content))
    return _result(samples, note, path=path, rows=rows, bytes=len(response.content))


def _features(body: Any) -> int:
    return len(body["features"])


def _changes(body: Any) -> int:
    return len(body["changes"])


def _one(body: Any) -> int:
    return 1


def drain(client: httpx.Client, total_versions: int) -> dict[str, Any]:
    """The whole feed from the start at limit=10000, following ``cursor`` until an empty
    page; when the first pages say it would take over DRAIN_BUDGET_S, only
    DRAIN_SAMPLE_PAGES pages, and the whole drain extrapolated from them."""
    expected_pages = math.ceil(total_versions / DRAIN_LIMIT) + 1
    since: str | None = None
    samples: list[float] = []
    changes = size = 0
    extrapolated = False
    started = time.perf_counter()
    while True:
        params = {"limit": str(DRAIN_LIMIT), **({"since": since} if since else {})}
        response, ms = _send(client, "GET", "/changes?" + urlencode(params), 200)
        body = orjson.loads(response.content)
        samples.append(ms)
        size += len(response.content)
        if not body["changes"]:
            break
        changes += len(body["changes"])
        since = body["cursor"]
        elapsed = time.perf_counter() - started
        too_long = len(samples) >= 2 and elapsed / len(samples) * expected_pages > DRAIN_BUDGET_S
        if (too_long and len(samples) >= DRAIN_SAMPLE_PAGES) or elapsed > DRAIN_BUDGET_S:
            extrapolated = True
            break
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {
        **_result(samples, ""),
        "limit": DRAIN_LIMIT,
        "pages": len(samples),
        "changes": changes,
        "seconds": round(seconds, 2),
        "changes_per_s": round(changes / seconds),
        "mb": round(size / 1e6, 1),
        "extrapolated": extrapolated,
    }
    if extrapolated:
        estimate = seconds / changes * total_versions
        out["estimated_total_s"] = round(estimate, 1)
        out["note"] = (
            f"EXTRAPOLATED: {len(samples)} pages ({changes:,} changes) in {seconds:.1f} s; "
            f"all {total_versions:,} versions (fewer changes: drafts are not in the feed)"
            f" would take at most ~{estimate:.0f} s"
        )
    else:
        out["note"] = (
            f"whole feed: {changes:,} changes in {len(samples)} pages (the last one empty), "
            f"{seconds:.1f} s, {changes / seconds:,.0f} changes/s, {size / 1e6:,.0f} MB"
        )
    return out


def _timestamp(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


# --- all of it -------------------------------------------------------------------------------


def run_all(
    api: Api,
    url: str,
    reps: int,
    warmup: int,
    log: Callable[[str], None],
    sizes: Sizes | None = None,
) -> dict[str, Any]:
    """Every write, feed, history and historical-read scenario against one running API."""
    sizes = sizes or Sizes()
    now = _query(url, "SELECT now() AS t, extract(epoch FROM now())::bigint AS s")[0]
    before_writes: datetime = now["t"]
    run = f"w{now['s']}"
    key, key_id = asyncio.run(_make_key(url, f"bench-editor-{run}"))
    auth = {"Authorization": f"Bearer {key}"}
    results: dict[str, dict[str, Any]] = {}
    written: list[Written] = []
    try:
        with httpx.Client(base_url=api.base_url, timeout=TIMEOUT) as client:
            leftovers = _leftovers(url)
            if leftovers:
                log(f"  retracting {len(leftovers)} events left by an interrupted run")
                with httpx.Client(base_url=api.base_url, headers=auth, timeout=TIMEOUT) as w:
                    retract_all(w, leftovers)
            with httpx.Client(base_url=api.base_url, headers=auth, timeout=TIMEOUT) as w:
                _, _, warm = create_sequential(w, run, 0, warmup)  # warm-up, untimed
                written += warm
                created, replayed, events = create_sequential(w, run, warmup, sizes.creates)
                written += events
                results["create"], results["create_replay"] = created, replayed
                log(f"  POST /events: p50 {created['p50_ms']} ms; replay {replayed['p50_ms']} ms")
                first = warmup + sizes.creates
                results["create_concurrent"], more = create_concurrent(
                    api, auth, run, first, sizes.concurrent, sizes.clients
                )
                written += more
                log(f"  POST /events x{sizes.clients}: {results['create_concurrent']['note']}")
                results["patch"] = patch_sequential(w, events[: sizes.patches], run)
                log(f"  PATCH /events/{{id}}: p50 {results['patch']['p50_ms']} ms")
                target = events[0]  # now at version 2: 8 more patches make 10 versions
                patch_sequential(w, [target] * (HISTORY_VERSIONS - 2), f"{run}-history")

            results["history"] = measure_get(
                client, f"/events/{target.id}/history", reps, warmup,
                f"an event with {HISTORY_VERSIONS} versions", lambda b: len(b["versions"]),
            )  # fmt: skip
            log(f"  history: p50 {results['history']['p50_ms']} ms")

            total = _query(url, "SELECT count(*) AS n FROM event_versions")[0]["n"]
            results["changes_first_page"] = measure_get(
                client, "/changes?" + urlencode({"limit": FEED_PAGE}), reps, warmup,
                f"from the start, limit={FEED_PAGE}", _changes, budget_s=SLOW_BUDGET_S,
            )  # fmt: skip
            near_end = _near_end_cursor(url, FEED_PAGE // 2)
            results["changes_near_end"] = measure_get(
                client, "/changes?" + urlencode({"since": near_end, "limit": FEED_PAGE}),
                reps, warmup, f"{FEED_PAGE // 2} versions before the end, limit={FEED_PAGE}",
                _changes,
            )  # fmt: skip
            log(f"  GET /changes: first page p50 {results['changes_first_page']['p50_ms']} ms,"
                f" near the end {results['changes_near_end']['p50_ms']} ms")  # fmt: skip
            results["changes_drain"] = drain(client, total)
            log(f"  drain: {results['changes_drain']['note']}")

            as_of = _timestamp(before_writes)
            listed = {**QUERIES["bbox_2017_limit100"], "as_of": as_of}
            results["as_of_list"] = measure_get(
                client, "/events?" + urlencode(listed), reps, warmup,
                "bbox + 2017, limit 100, as it stood before the writes", _features,
                budget_s=SLOW_BUDGET_S,
            )  # fmt: skip
            results["live_list"] = measure_get(
                client, "/events?" + urlencode(QUERIES["bbox_2017_limit100"]), reps, warmup,
                "the same query, live (no as_of)", _features,
            )  # fmt: skip
            bench_event = _query(
                url,
                "SELECT public_id FROM events WHERE source = 'bench' AND status = 'published'"
                " ORDER BY id LIMIT 1 OFFSET 1000",
            )[0]["public_id"]
            results["as_of_detail"] = measure_get(
                client, f"/events/{bench_event}?" + urlencode({"as_of": as_of}), reps, warmup,
                "one event as it stood before the writes", _one, budget_s=SLOW_BUDGET_S,
            )  # fmt: skip
            results["live_detail"] = measure_get(
                client, f"/events/{bench_event}", reps, warmup,
                "the same event, live", _one,
            )  # fmt: skip
            log(f"  as_of: list p50 {results['as_of_list']['p50_ms']} ms (live "
                f"{results['live_list']['p50_ms']}), detail {results['as_of_detail']['p50_ms']}"
                f" ms (live {results['live_detail']['p50_ms']})")  # fmt: skip

            since = _timestamp(before_writes)
            results["updated_since"] = measure_get(
                client, "/events?" + urlencode({"updated_since": since, "limit": "100"}),
                reps, warmup, "updated since the writes began, limit 100", _features,
            )  # fmt: skip
            log(f"  updated_since: p50 {results['updated_since']['p50_ms']} ms")

            with httpx.Client(base_url=api.base_url, headers=auth, timeout=TIMEOUT) as w:
                results["retract"] = retract_all(w, written)
            log(f"  DELETE /events/{{id}}: p50 {results['retract']['p50_ms']} ms")
    finally:
        asyncio.run(_revoke(url, key_id))
    return {
        "sizes": sizes.__dict__,
        "as_of": _timestamp(before_writes),
        "history_event": target.id,
        "detail_event": bench_event,
        "feed_versions_at_drain": total,
        "scenarios": results,
    }


def plans(writes: dict[str, Any]) -> list[Plan | Shape]:
    """What to EXPLAIN for the write-path reads: the historical list and detail, the feed's
    first page and updated_since, as the API builds them."""
    as_of = writes["as_of"]
    feed = changes_repository._PAGE
    detail = events_repository._DETAIL_HISTORICAL
    when = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    return [
        Shape("as_of_bbox_year_limit", {**QUERIES["bbox_2017_limit100"], "as_of": as_of}, "page"),
        Plan(Shape("as_of_detail", {"as_of": as_of}, "detail",
                   path=f"/events/{writes['detail_event']}"),
             detail, {"id": writes["detail_event"], "as_of": when}),
        Plan(Shape("changes_first_page", {"limit": str(FEED_PAGE)}, "changes", path="/changes"),
             feed, {"txid": 0, "seq": 0, "limit": FEED_PAGE}),
        Plan(Shape("changes_drain_page", {"limit": str(DRAIN_LIMIT)}, "changes",
                   path="/changes"),
             feed, {"txid": 0, "seq": 0, "limit": DRAIN_LIMIT}),
        Shape("updated_since", {"updated_since": as_of, "limit": "100"}, "page"),
    ]  # fmt: skip


__all__ = ["QUICK_SIZES", "Sizes", "plans", "run_all"]
