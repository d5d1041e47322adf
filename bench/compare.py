"""``python -m bench.compare [--events N] [--duration S] [--connections C]``: ours, tipg, floor.

The same ``events`` table of the bench database (``bench.database.prepare``, shared with
``python -m bench.run``), served three ways, each by one uvicorn process on a free port:

1. this API (``syria-events``);
2. tipg 1.6.1, the OGC API - Features server a GIS user would pick instead, from its own
   venv (bench/contenders.py says how it is configured and why);
3. the floor: this project's own SQL on a bare asyncpg pool, no framework (bench/floor.py).

Requests/s under wrk (the way users compare servers) for bbox + one year at three page
sizes and for one event by id; rows/s of the unpaged exports, read by one fast client,
against ``COPY`` of the same SELECT. A table on the terminal and
bench/results/compare-<N>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
from rich.console import Console

from app.db import positional
from app.events.repository import filtered
from bench import database, floor, report, scenarios, wrk
from bench.contenders import (
    TIPG_COLLECTION,
    TIPG_ENV,
    TIPG_REQUIREMENTS,
    TIPG_SESSION,
    TipgUnavailable,
    ensure_tipg,
    running_floor,
    running_tipg,
)
from bench.run import RESULTS, prepared_database, stop_on_sigterm
from bench.server import ROOT, Api, machine, memory_kib, running_api

DEFAULT_EVENTS = 200_000
BBOX = "35.5,32.5,42.5,37.5"  # most of Syria's populated west and north
DATES = "2017-01-01/2017-12-31"
# tipg takes RFC 3339 instants only and ends a closed interval with `<`; a date column
# compares as its midnight, so this is the whole of 2017 as well (same counts, checked).
TIPG_DATES = "2017-01-01T00:00:00Z/2017-12-31T23:59:59Z"
LIMITS = (10, 100, 1000)
SAMPLE_IDS = 20
EXPORT_FORMATS = ("csv", "ndjson", "acled", "parquet", "fgb")
# The database has no GeoParquet or FlatGeobuf writer: the bulk formats are set against COPY of
# the same rows as CSV, its fastest way out.
FLOOR_FORMAT = {"parquet": "csv", "fgb": "csv"}
EXPORT_SCOPES = {"bbox_2017": {"bbox": BBOX, "datetime": DATES}, "all": {}}
# A 20,000-row export takes under a second, where one busy moment of the machine shows: three
# runs each, the median kept. Everything (900,000 rows at 1M events) runs long enough once.
EXPORT_REPS = {"bbox_2017": 3, "all": 1}
SERVERS = ("api", "tipg", "floor")


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    paths: dict[str, list[str]]  # per server; several are cycled
    features: int | None  # features in each list answer; None: one Feature
    matched: int | None = None  # numberMatched, where an answer has it


def _q(params: dict[str, str]) -> str:
    return urlencode(params, safe=",/:")


def _tipg_query(limit: int) -> str:
    # status=published: tipg then answers the rows our API shows (a table server knows
    # nothing of drafts); an equality filter on a column, as any tipg user would write it.
    return _q({"bbox": BBOX, "datetime": TIPG_DATES, "status": "published", "limit": str(limit)})


def request_scenarios(matched: int, sample: list[tuple[int, str]]) -> list[Scenario]:
    """bbox + 2017 at each page size (and once with our count, which tipg always runs), then
    one event by id (cycling through ``sample``)."""
    items = f"/collections/{TIPG_COLLECTION}/items"
    out = []
    for limit in LIMITS:
        ours = _q({"bbox": BBOX, "datetime": DATES, "limit": str(limit)})
        out.append(
            Scenario(
                name=f"bbox_2017_limit{limit}",
                label=f"bbox + 2017, limit {limit} (req/s)",
                paths={
                    "api": [f"/events?{ours}"],
                    "tipg": [f"{items}?{_tipg_query(limit)}"],
                    "floor": [f"/?{ours}"],
                },
                features=min(limit, matched),
                matched=matched,
            )
        )
    # tipg sends numberMatched with every page (a COUNT(*) per request); ours on count=true.
    counted = _q({"bbox": BBOX, "datetime": DATES, "limit": "100", "count": "true"})
    out.append(
        Scenario(
            name="bbox_2017_limit100_count",
            label="bbox + 2017, limit 100, numberMatched (req/s)",
            paths={"api": [f"/events?{counted}"], "tipg": [f"{items}?{_tipg_query(100)}"]},
            features=min(100, matched),
            matched=matched,
        )
    )
    out.append(
        Scenario(
            name="event_by_id",
            label=f"one event by id, {len(sample)} cycled (req/s)",
            paths={
                "api": [f"/events/{public_id}" for _, public_id in sample],
                "tipg": [f"{items}/{row_id}" for row_id, _ in sample],
                "floor": [f"/events/{public_id}" for _, public_id in sample],
            },
            features=None,
        )
    )
    return out


async def _facts(url: str) -> dict[str, Any]:
    """What the database holds, the counts the scenarios must answer, and events by id."""
    conn = await database.connect(url)
    try:
        matched = {}
        for scope, query in EXPORT_SCOPES.items():
            source, where, params = filtered(floor.filters_of(query), None)
            sql, args = positional(f"SELECT count(*) FROM {source} WHERE {where}", params)
            matched[scope] = int(await conn.fetchval(sql, *args))
        sample = await conn.fetch(
            "SELECT id, public_id FROM events WHERE status = 'published'"
            " ORDER BY md5(public_id) LIMIT $1",
            SAMPLE_IDS,
        )
    finally:
        await conn.close()
    return {
        "server": await database.describe(url),
        "matched": matched,
        "sample": [(r["id"], r["public_id"]) for r in sample],
    }


def _warm_up(client: httpx.Client, api: Api, server: str, scenario: Scenario) -> None:
    """Each path once, untimed; each must be a 200 with the features the others send."""
    for path in scenario.paths[server]:
        response = client.get(api.base_url + path)
        if response.status_code != 200:
            raise RuntimeError(
                f"{scenario.name} on {server}: GET {path} answered {response.status_code}: "
                f"{response.text[:300]}"
            )
        body = orjson.loads(response.content)
        got = len(body["features"]) if scenario.features is not None else None
        if got != scenario.features or (got is None and body.get("type") != "Feature"):
            raise RuntimeError(
                f"{scenario.name} on {server}: GET {path} sent {got} features, "
                f"expected {scenario.features}"
            )
        if "numberMatched" in body and body["numberMatched"] != scenario.matched:
            raise RuntimeError(
                f"{scenario.name} on {server}: GET {path} matched {body['numberMatched']}, "
                f"expected {scenario.matched}"
            )


def _requests(
    servers: dict[str, Api], plan: list[Scenario], load: wrk.Load, console: Console
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with httpx.Client(timeout=scenarios.TIMEOUT) as client:
        for scenario in plan:
            figures = {}
            for server, api in servers.items():
                if server not in scenario.paths:
                    continue
                _warm_up(client, api, server, scenario)
                label = f"{scenario.name} on {server}"
                figures[server] = wrk.run(api.base_url, scenario.paths[server], load, label)
                console.print(
                    f"  {label}: {figures[server]['requests_per_s']:,.0f} req/s, "
                    f"p50 {figures[server].get('p50_ms', 0):.1f} ms"
                )
            results[scenario.name] = {
                "label": scenario.label,
                "unit": "req/s",
                "features_per_answer": scenario.features,
                "matched": scenario.matched,
                "paths": {s: p for s, p in scenario.paths.items() if s in servers},
                "wrk": figures,
                "value": {s: f["requests_per_s"] for s, f in figures.items()},
            }
    return results


def _exports(api: Api, url: str, console: Console) -> dict[str, Any]:
    """Each unpaged export of the API beside ``COPY`` of the same SELECT, taken in turns
    (``EXPORT_REPS`` times each; the median run of each side is kept); rows must agree."""
    results: dict[str, Any] = {}
    # Untimed: the whole table once through the fastest reader, so that neither side of the
    # first pair pays for a cold cache.
    asyncio.run(floor.copy_export(url, {}, "csv"))
    with httpx.Client(base_url=api.base_url, timeout=scenarios.TIMEOUT) as client:
        for scope, query in EXPORT_SCOPES.items():
            for fmt in EXPORT_FORMATS:
                name = f"export_{fmt}_{scope}"
                runs: list[tuple[dict[str, Any], dict[str, Any]]] = []
                for _ in range(EXPORT_REPS[scope]):
                    ours = scenarios.export(client, api, fmt, query)
                    copy = asyncio.run(floor.copy_export(url, query, FLOOR_FORMAT.get(fmt, fmt)))
                    if ours["rows"] != copy["rows"]:
                        raise RuntimeError(
                            f"{name}: the API sent {ours['rows']:,} rows, COPY {copy['rows']:,}"
                        )
                    runs.append((ours, copy))
                ours = _median([r[0] for r in runs])
                copy = _median([r[1] for r in runs])
                where = "bbox + 2017" if query else "everything"
                results[name] = {
                    "label": f"export f={fmt}, {where} (rows/s)",
                    "unit": "rows/s",
                    "runs": len(runs),
                    "api": ours,
                    "floor_copy": copy,
                    "value": {"api": ours["rows_per_s"], "floor": copy["rows_per_s"]},
                }
                console.print(
                    f"  {name}: API {ours['rows_per_s']:,} rows/s (peak RSS "
                    f"{ours['server_hwm_mib_after']} MiB), COPY {copy['rows_per_s']:,} rows/s"
                )
    return results


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median speed (a whole run, so that its figures belong together)."""
    return sorted(runs, key=lambda r: r["rows_per_s"])[len(runs) // 2]


def _pins() -> list[str]:
    lines = TIPG_REQUIREMENTS.read_text().splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    first_line = __doc__.split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=first_line)
    parser.add_argument(
        "--events",
        type=int,
        default=DEFAULT_EVENTS,
        help=f"events in the bench database (default {DEFAULT_EVENTS:,})",
    )
    parser.add_argument(
        "--duration",
        type=int,
        default=wrk.Load.duration_s,
        help="seconds of each wrk run (default %(default)s)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=wrk.Load.connections,
        help="wrk's open connections (default %(default)s)",
    )
    parser.add_argument(
        "--threads", type=int, default=wrk.Load.threads, help="wrk's threads (default %(default)s)"
    )
    parser.add_argument("--fresh", action="store_true", help="reload even if the data is there")
    parser.add_argument("--no-tipg", action="store_true", help="this API and the floor only")
    args = parser.parse_args(argv)  # fmt: skip
    if args.events < 1_000 or args.duration < 1 or args.threads < 1:
        parser.error("--events must be at least 1000, --duration and --threads at least 1")
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads (wrk's rule)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    console = Console(width=max(Console().width, 120))
    stop_on_sigterm()
    started = time.perf_counter()
    load = wrk.Load(args.duration, args.connections, args.threads)
    wrk_version = wrk.version()  # a one-line error now if wrk is missing
    tipg_uvicorn = None
    if not args.no_tipg:
        console.print(f"tipg's own venv ({TIPG_REQUIREMENTS.relative_to(ROOT)}) ...")
        try:
            tipg_uvicorn = ensure_tipg(RESULTS / "tipg-install.log")
        except TipgUnavailable as exc:
            console.print(f"[bold red]tipg:[/] {exc}")
            return 1
    url, note, reused = prepared_database(console, args.events, args.fresh)
    facts = asyncio.run(_facts(url))
    plan = request_scenarios(facts["matched"]["bbox_2017"], facts["sample"])

    console.print(
        f"wrk -t{load.threads} -c{load.connections} -d{load.duration_s}s per scenario and "
        "server, after a warm-up request; then the exports ..."
    )
    try:
        with ExitStack() as stack:
            servers = {"api": stack.enter_context(running_api(url, RESULTS / "compare-api.log"))}
            if tipg_uvicorn is not None:
                servers["tipg"] = stack.enter_context(
                    running_tipg(url, tipg_uvicorn, RESULTS / "compare-tipg.log")
                )
            servers["floor"] = stack.enter_context(
                running_floor(url, RESULTS / "compare-floor.log")
            )
            requests = _requests(servers, plan, load, console)
            exports = _exports(servers["api"], url, console)
            memory = {name: memory_kib(api.pid) for name, api in servers.items()}
    except RuntimeError as exc:
        console.print(f"[bold red]compare failed:[/] {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("[bold red]interrupted:[/] the servers are stopped; nothing written.")
        return 130

    data: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine(), **facts["server"]},
        "events": args.events,
        "reused_database": reused,
        "load": note,
        "matched": facts["matched"],
        "wrk": {"version": wrk_version, **asdict(load)},
        "tipg": None
        if tipg_uvicorn is None
        else {"pins": _pins(), "env": TIPG_ENV, "session_settings_as_ours": TIPG_SESSION},
        "scenarios": {**requests, **exports},
        "server_memory_kib_at_end": memory,
        "run_seconds": round(time.perf_counter() - started, 1),
    }
    path = RESULTS / f"compare-{args.events}.json"
    report.write_json(path, data)
    report.print_compare(console, data, SERVERS)
    console.print(f"Whole run {data['run_seconds']} s. Wrote {path.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
