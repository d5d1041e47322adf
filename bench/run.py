"""``python -m bench.run [--events N] [--quick]``: load (or reuse), serve, measure, explain.

1. ``syria_events_bench_<size>`` on the configured server: reused when it holds N bench events,
   else made anew, migrated and filled (bench/load.py).
2. The real API in a uvicorn subprocess, measured over HTTP (bench/scenarios.py).
3. EXPLAIN (ANALYZE, BUFFERS) of the same queries (bench/explain.py).
4. Writes, history, the change feed and as_of, on a fresh API process (bench/writes.py),
   and EXPLAIN of their reads.
5. Tables on the terminal; bench/results/read.json and bench/results/explain.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from rich.console import Console

from app.settings import Settings
from bench import database, explain, report, scenarios, tiles_stats, writes
from bench.load import load
from bench.server import ROOT, machine, running_api

RESULTS = ROOT / "bench" / "results"
DEFAULT_EVENTS = 200_000
QUICK_EVENTS = 20_000


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--events", type=int, help=f"events to generate (default {DEFAULT_EVENTS:,})"
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_EVENTS:,} events, 10 reps")
    parser.add_argument("--reps", type=int, help="timed requests per scenario (default 30)")
    parser.add_argument("--fresh", action="store_true", help="reload even if the data is there")
    parser.add_argument("--no-writes", action="store_true", help="the read scenarios only")
    args = parser.parse_args(argv)
    args.events = args.events or (QUICK_EVENTS if args.quick else DEFAULT_EVENTS)
    args.reps = args.reps or (10 if args.quick else 30)
    if args.events < 1_000 or args.reps < 1:
        parser.error("--events must be at least 1000 and --reps at least 1")
    return args


def stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the uvicorn subprocess is stopped too."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def prepared_database(
    console: Console, events: int, fresh: bool
) -> tuple[str, dict[str, Any], bool]:
    """The bench database's URL and how (and how fast) its data was loaded."""
    prepared = database.prepare(Settings().effective_database_url, events, fresh=fresh)
    if prepared.reused:
        console.print(f"Reusing {database.bench_db(events)} ({events:,} events, loaded "
                      f"{prepared.note.get('loaded_at')}).")  # fmt: skip
        return prepared.url, prepared.note, True
    console.print(f"Loading {events:,} events into {database.bench_db(events)} ...")
    timings = asyncio.run(load(prepared.url, events, console.print))
    note = {
        "events": events,
        "load_s": {k: round(v, 2) for k, v in timings.items()},
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "migrations": database.migration_hashes(),
    }
    asyncio.run(database.write_note(prepared.url, note))
    console.print(f"Loaded in {timings['total_s']:.1f} s.")
    return prepared.url, note, False


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    console = Console(width=max(Console().width, 140))
    stop_on_sigterm()
    started = time.perf_counter()
    url, note, reused = prepared_database(console, args.events, args.fresh)
    server = asyncio.run(database.describe(url))

    console.print(f"Measuring over HTTP ({args.reps} reps per scenario after 3 warm-ups) ...")
    asyncio.run(explain.reset_index_stats(url))
    with running_api(url, RESULTS / "uvicorn.log") as api:
        http = scenarios.run_all(api, args.reps, 3, console.print)
        console.print("Tiles and statistics ...")
        faces = tiles_stats.run_all(api.base_url, args.reps, 3, console.print)
    time.sleep(1.0)  # the server's backends have exited and flushed their statistics
    usage = asyncio.run(explain.index_usage(url))

    console.print("EXPLAIN (ANALYZE, BUFFERS) ...")
    plans = asyncio.run(explain.explain_all(url, console.print))
    matched = asyncio.run(explain.matched(url, scenarios.QUERIES))
    written, write_plans = ({}, []) if args.no_writes else _writes(console, url, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    explain.write_text(plans + write_plans, RESULTS / "explain.txt")
    unused = report.unused_indexes(plans, usage)

    for name, count in matched.items():
        http[name]["matched"] = count
    slow = [n for n, r in http.items() if r.get("p50_ms", 0) > report.SLOW_P50_MS
            and "pages" not in r]  # fmt: skip
    data: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine(), **server},
        "events": args.events,
        "reused_database": reused,
        "load": note,
        "reps": args.reps,
        "scenarios": http,
        "tiles_and_stats": faces,
        "slow_p50_over_ms": {"threshold": report.SLOW_P50_MS, "scenarios": slow},
        "plans": report.plans_json(plans),
        "index_scans_during_http": {
            "note": "pg_stat_user_indexes.idx_scan; it also counts the planner's min/max probes"
            " (get_actual_variable_range) on join keys, so an index can show scans here"
            " without any plan using it (e.g. ix_events_place_id, pk_actors)",
            "scans": {f"{u['table']}.{u['index']}": u["scans"] for u in usage},
        },
        "unused_indexes": unused,
        "writes": written,
        "run_seconds": round(time.perf_counter() - started, 1),
    }
    report.write_json(RESULTS / "read.json", data)
    # Kept per size too: bench/scale.py sets the sizes side by side.
    report.write_json(RESULTS / f"read-{args.events}.json", data)
    report.print_tables(console, http, matched, plans, unused)
    tiles_stats.print_table(console, faces)
    if written:
        report.print_writes(console, written)
    console.print(
        f"{args.events:,} events; load {note['load_s']['total_s']} s "
        f"(events {note['load_s']['events_s']} s); whole run {data['run_seconds']} s. "
        f"Wrote {_rel(RESULTS / 'read.json')} and {_rel(RESULTS / 'explain.txt')}."
    )
    return 0


def _writes(
    console: Console, url: str, args: argparse.Namespace
) -> tuple[dict[str, Any], list[explain.Plan]]:
    """The write scenarios on a fresh API process (after the read ones: they change the data
    only in ways the read scenarios do not see), and EXPLAIN of their reads."""
    sizes = writes.QUICK_SIZES if args.quick else writes.Sizes()
    console.print(
        f"Writes, history, change feed, as_of ({sizes.creates} + {sizes.concurrent} creates,"
        f" {sizes.clients} concurrent clients, {sizes.patches} patches) ..."
    )
    with running_api(url, RESULTS / "uvicorn-writes.log") as api:
        written = writes.run_all(api, url, args.reps, 3, console.print, sizes)
    console.print("EXPLAIN (ANALYZE, BUFFERS) of as_of, the feed and updated_since ...")
    plans = asyncio.run(explain.explain_each(url, writes.plans(written), console.print))
    written["plans"] = report.plans_json(plans)
    return written, plans


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


if __name__ == "__main__":
    raise SystemExit(main())
