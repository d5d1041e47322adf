"""``python -m bench.topology [--events N]``: the scaled-out topology under load.

The topology of deploy/ as processes on loopback (tests/topology.py: a primary and its
streaming standby, PgBouncer, Redis, two API processes, nginx), filled with N bench events
(bench/load.py, on the primary; the standby replays them). Then, on this one machine:

1. req/s (wrk) of a page, a statistic and a z6 tile: one API process straight; nginx without
   its cache in front of one process, then two; nginx with its cache in front of two;
2. the standby's lag while clients write 100 events a second through the API
   (``pg_stat_replication.replay_lag`` on the primary, and the API's own /readyz figure);
3. a standby stopped under readers: how long until the API reads elsewhere, how slow the
   reads caught in between were, whether any failed; and how long after its restart it is
   used again.

Everything runs on the same cores (the database, nginx, the API processes and the load
generator), so the scale-out figures show what the topology costs and saves here, not what two
machines would do. Writes ``bench/results/topology-N.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench import wrk
from bench.load import load
from bench.report import write_json
from bench.server import ROOT, machine
from tests.cluster import free_port
from tests.topology import Server, Topology, nginx_conf, topology

RESULTS = ROOT / "bench" / "results"
SCENARIOS = {
    "page": "/events?bbox=35.5,32.5,42.5,37.5&datetime=2017-01-01/2017-12-31&limit=10",
    "statistic": "/stats/timeseries?group_by=type",
    "tile_z6": "/tiles/6/38/25.mvt",
}
WRITES_PER_S = 100
WRITE_SECONDS = 15
ENV = {"SE_REPLICA_CHECK_S": "0.5"}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.topology", description=__doc__)
    parser.add_argument("--events", type=int, default=200_000, help="bench events (200,000)")
    parser.add_argument("--seconds", type=int, default=8, help="seconds per wrk run (8)")
    return parser.parse_args(argv)


def _nginx(stack: ExitStack, topo: Topology, name: str, apis: int, cache: bool) -> str:
    """Another nginx of deploy/nginx.conf in front of the first ``apis`` processes."""
    folder = topo.root / name
    (folder / "cache").mkdir(parents=True)
    port = free_port()
    upstreams = [a.base_url.removeprefix("http://") for a in topo.apis[:apis]]
    text = nginx_conf(folder, topo.root / "logs", port, upstreams).replace(
        "nginx-access.log", f"{name}-access.log"
    )
    if not cache:
        text = text.replace("proxy_cache api;", "proxy_cache off;")
    conf = folder / "nginx.conf"
    conf.write_text(text)
    argv = [topo.nginx.argv[0], "-p", str(folder), "-c", str(conf), "-g", "daemon off;"]
    server = Server(name, argv, port, topo.root / "logs" / f"{name}.log")
    server.start()
    stack.callback(server.stop)
    return f"http://127.0.0.1:{port}"


def throughput(topo: Topology, seconds: int, log: Any) -> dict[str, Any]:
    load_shape = wrk.Load(duration_s=seconds)
    results: dict[str, Any] = {}
    with ExitStack() as stack:
        setups = {
            "one process, direct": topo.apis[0].base_url,
            "nginx, no cache, one process": _nginx(stack, topo, "nocache1", 1, cache=False),
            "nginx, no cache, two processes": _nginx(stack, topo, "nocache2", 2, cache=False),
            "nginx with its cache, two processes": topo.nginx_url,
        }
        for setup, base in setups.items():
            for scenario, path in SCENARIOS.items():
                httpx.get(base + path, timeout=120).raise_for_status()  # warm, and cached
                log(f"  {setup}: {scenario} ...")
                figures = wrk.run(base, [path], load_shape, f"{setup} {scenario}")
                results.setdefault(scenario, {})[setup] = {
                    k: figures[k] for k in ("requests_per_s", "p50_ms", "p99_ms", "requests")
                }
    return results


async def _writes(topo: Topology, key: str, stop_at: float) -> int:
    """Events written through both API processes (to the primary), paced at WRITES_PER_S."""
    headers = {"Authorization": f"Bearer {key}"}
    written = 0
    clients = [httpx.AsyncClient(base_url=api.base_url, timeout=30) for api in topo.apis]

    async def one(n: int) -> None:
        nonlocal written
        body = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [36.2 + n % 100 / 1000, 35.1]},
            "properties": {
                "event_date": "2024-06-01",
                "event_type": "Battles",
                "sub_event_type": "Armed clash",
                "status": "published",
                "description": f"lag probe {n}",
            },
        }
        response = await clients[n % len(clients)].post("/events", json=body, headers=headers)
        response.raise_for_status()
        written += 1

    try:
        started, n, pending = time.monotonic(), 0, set()
        while time.monotonic() < stop_at:
            # Paced: the n-th write starts at n / WRITES_PER_S seconds.
            await asyncio.sleep(max(0.0, started + n / WRITES_PER_S - time.monotonic()))
            pending.add(asyncio.create_task(one(n)))
            pending = {t for t in pending if not t.done()}
            n += 1
        await asyncio.gather(*pending)
    finally:
        for client in clients:
            await client.aclose()
    return written


def lag_under_writes(topo: Topology, log: Any) -> dict[str, Any]:
    key = topo.primary.create_key("bench-lag", "editor")
    replay_ms: list[float] = []
    readyz_s: list[float] = []
    done = threading.Event()

    def sample() -> None:
        query = "SELECT extract(epoch FROM coalesce(replay_lag, '0'))*1000 FROM pg_stat_replication"
        while not done.is_set():
            replay_ms.append(float(topo.primary.fetchval(query)))
            replica = httpx.get(f"{topo.apis[1].base_url}/readyz").json()["replicas"][0]
            readyz_s.append(replica["lag_s"] or 0.0)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    log(f"  {WRITES_PER_S} writes/s for {WRITE_SECONDS} s ...")
    sampler.start()
    started = time.monotonic()
    try:
        written = asyncio.run(_writes(topo, key, started + WRITE_SECONDS))
    finally:
        done.set()
        sampler.join()
    elapsed = time.monotonic() - started
    ordered = sorted(replay_ms)
    return {
        "writes": written,
        "writes_per_s": round(written / elapsed, 1),
        "samples": len(ordered),
        "replay_lag_p50_ms": round(statistics.median(ordered), 1),
        "replay_lag_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "replay_lag_max_ms": round(ordered[-1], 1),
        "api_reported_lag_max_s": round(max(readyz_s), 2),
        "note": "replay_lag: pg_stat_replication on the primary (WAL replayed on the standby);"
        " the API's figure is an upper bound at its check interval (SE_REPLICA_CHECK_S=0.5)",
    }


def _state(base: str) -> str:
    state: str = httpx.get(f"{base}/readyz", timeout=5).json()["replicas"][0]["state"]
    return state


def stopped_replica(topo: Topology, log: Any) -> dict[str, Any]:
    base = topo.apis[0].base_url
    reads: list[tuple[float, float, int]] = []  # (started, ms, status)
    done = threading.Event()

    def read() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while not done.is_set():
                t = time.monotonic()
                status = client.get(SCENARIOS["page"]).status_code
                reads.append((t, (time.monotonic() - t) * 1000, status))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    try:
        time.sleep(2)
        log("  stopping the standby under 4 readers ...")
        stopped = time.monotonic()
        topo.standby.stop()
        stop_s = time.monotonic() - stopped
        while _state(base) != "down":
            time.sleep(0.02)
        marked_down_s = time.monotonic() - stopped
        time.sleep(2)
        restarted = time.monotonic()
        topo.standby.start()
        while _state(base) != "ok":
            time.sleep(0.05)
        back_s = time.monotonic() - restarted
        time.sleep(1)
    finally:
        done.set()
        for thread in readers:
            thread.join()
    before = [ms for t, ms, _ in reads if t < stopped]
    around = [ms for t, ms, _ in reads if stopped <= t < stopped + stop_s + 1]
    return {
        "reads": len(reads),
        "failed_reads": sum(1 for *_, status in reads if status != 200),
        "pg_ctl_stop_s": round(stop_s, 2),
        "marked_down_after_s": round(marked_down_s, 2),
        "reads_before_p50_ms": round(statistics.median(before), 1),
        "reads_during_stop_max_ms": round(max(around), 1) if around else None,
        "used_again_after_restart_s": round(back_s, 2),
    }


def print_tables(console: Console, data: dict[str, Any]) -> None:
    setups = list(next(iter(data["throughput"].values())))
    grid = Table(title=f"Scaled out on one machine, {data['events']:,} events (req/s, p99 ms)")
    grid.add_column("scenario")
    for setup in setups:
        grid.add_column(setup, justify="right")
    for scenario, by_setup in data["throughput"].items():
        cells = [f"{r['requests_per_s']:,.0f} ({r['p99_ms']:,.0f})" for r in by_setup.values()]
        grid.add_row(scenario, *cells)
    console.print(grid)
    lag, stop = data["replica_lag"], data["stopped_replica"]
    console.print(
        f"Standby lag at {lag['writes_per_s']} writes/s: replay p50 {lag['replay_lag_p50_ms']} "
        f"ms, p95 {lag['replay_lag_p95_ms']} ms, max {lag['replay_lag_max_ms']} ms "
        f"(API's figure at most {lag['api_reported_lag_max_s']} s)."
    )
    console.print(
        f"Standby stopped under readers: {stop['failed_reads']} of {stop['reads']} reads "
        f"failed; reads left it at once, /readyz said down after {stop['marked_down_after_s']} "
        f"s; slowest read meanwhile {stop['reads_during_stop_max_ms']} ms (p50 before "
        f"{stop['reads_before_p50_ms']} ms); used again {stop['used_again_after_restart_s']} s "
        "after its restart."
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    console = Console(width=max(Console().width, 140))
    started = time.perf_counter()
    console.print("Starting the topology (primary, standby, PgBouncer, Redis, 2 APIs, nginx) ...")
    with topology(apis=2, env=ENV) as topo:
        console.print(f"Loading {args.events:,} bench events on the primary ...")
        timings = asyncio.run(load(topo.primary.url, args.events, console.print))
        topo.wait_for_standby(within_s=600)
        console.print("Throughput ...")
        data: dict[str, Any] = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "events": args.events,
            "load_s": timings,
            "throughput": throughput(topo, args.seconds, console.print),
        }
        console.print("Replica lag under writes ...")
        data["replica_lag"] = lag_under_writes(topo, console.print)
        console.print("A stopped replica ...")
        data["stopped_replica"] = stopped_replica(topo, console.print)
    data["run_seconds"] = round(time.perf_counter() - started, 1)
    write_json(RESULTS / f"topology-{args.events}.json", data)
    print_tables(console, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
