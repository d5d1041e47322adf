"""The results: rich tables on the terminal and ``bench/results/read.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.explain import Plan

SLOW_P50_MS = 300.0


def plans_json(plans: list[Plan]) -> dict[str, Any]:
    return {
        p.shape.name: {
            "query": p.shape.params,
            "execution_ms": p.execution_ms,
            "indexes": p.indexes,
            "seq_scans": p.seq_scans,
        }
        for p in plans
    }


def unused_indexes(
    plans: list[Plan], usage: list[dict[str, Any]]
) -> dict[str, dict[str, list[str]]]:
    """Indexes no plan used, and those the whole HTTP run never scanned, per table."""
    in_plans = {i for p in plans for i in p.indexes}
    by_plans: dict[str, list[str]] = {}
    by_http: dict[str, list[str]] = {}
    for row in usage:
        if row["index"] not in in_plans:
            by_plans.setdefault(row["table"], []).append(row["index"])
        if not row["scans"]:
            by_http.setdefault(row["table"], []).append(row["index"])
    return {"not_in_any_plan": by_plans, "not_scanned_during_http": by_http}


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _ms(value: float) -> str:
    text = f"{value:,.1f}"
    return f"[bold red]{text}[/]" if value > SLOW_P50_MS else text


def print_tables(console: Console, http: dict[str, Any], matched: dict[str, int],
                 plans: list[Plan], unused: dict[str, dict[str, list[str]]]) -> None:  # fmt: skip
    requests = Table(title="GET /events, sequential, after warm-up (ms)")
    for col in ("scenario", "p50", "p95", "max", "rows", "matched", "KB"):
        requests.add_column(col, justify="left" if col == "scenario" else "right")
    for name, r in http.items():
        if "p50_ms" not in r or name.startswith("paging"):
            continue
        requests.add_row(name, _ms(r["p50_ms"]), f"{r['p95_ms']:,.1f}", f"{r['max_ms']:,.1f}",
                         f"{r['rows']:,}", f"{matched.get(name, 0):,}",
                         f"{r['bytes'] / 1000:,.0f}")  # fmt: skip
    console.print(requests)

    page = http["paging_20x500"]
    console.print(
        f"paging: {page['pages']} pages x 500 in {page['total_s']} s (per page p50 "
        f"{page['p50_ms']} ms, p95 {page['p95_ms']} ms, max {page['max_ms']} ms); "
        f"{page['rows']:,} rows, {page['duplicate_ids']} duplicate ids, newest first: "
        f"{page['newest_first']}"
    )

    exports = Table(title="Exports (no limit: every published event)")
    for col in ("format", "seconds", "rows", "rows/s", "MB", "MB/s", "first row ms",
                "RSS before MiB", "peak during MiB", "RSS after MiB"):  # fmt: skip
        exports.add_column(col, justify="right")
    for fmt in ("csv", "ndjson"):
        e = http[f"export_{fmt}"]
        exports.add_row(fmt, f"{e['seconds']}", f"{e['rows']:,}", f"{e['rows_per_s']:,}",
                        f"{e['mb']}", f"{e['mb_per_s']}", f"{e['first_row_ms']}",
                        f"{e['server_rss_mib_before']}", f"{e['server_hwm_mib_after']}",
                        f"{e['server_rss_mib_after']}")  # fmt: skip
    console.print(exports)
    if not all(http[f"export_{fmt}"]["peak_reset_before_export"] for fmt in ("csv", "ndjson")):
        console.print("(VmHWM could not be reset: 'peak during' is the process's lifetime peak)")

    explain = Table(title="EXPLAIN (ANALYZE, BUFFERS): see bench/results/explain.txt")
    for col in ("shape", "exec ms", "indexes used", "seq scans"):
        explain.add_column(col)
    for p in plans:
        explain.add_row(p.shape.name, f"{p.execution_ms}", ", ".join(p.indexes) or "-",
                        ", ".join(p.seq_scans) or "-")  # fmt: skip
    console.print(explain)
    slow = [n for n, r in http.items() if r.get("p50_ms", 0) > SLOW_P50_MS and "pages" not in r]
    console.print(f"p50 over {SLOW_P50_MS:.0f} ms: {', '.join(slow) or 'none'}")
    for title, per_table in unused.items():
        events_only = {t: i for t, i in per_table.items() if t.startswith("event")}
        console.print(f"{title} (event tables): {events_only}")


WRITE_ROWS = {
    "create": "POST /events",
    "create_replay": "POST /events, replayed",
    "create_concurrent": "POST /events, concurrent",
    "patch": "PATCH /events/{id}",
    "retract": "DELETE /events/{id}",
    "history": "GET /events/{id}/history",
    "changes_first_page": "GET /changes, first page",
    "changes_near_end": "GET /changes, near the end",
    "changes_drain": "GET /changes, drain (per page)",
    "as_of_list": "GET /events?as_of=",
    "live_list": "GET /events (live)",
    "as_of_detail": "GET /events/{id}?as_of=",
    "live_detail": "GET /events/{id} (live)",
    "updated_since": "GET /events?updated_since=",
}


def print_writes(console: Console, writes: dict[str, Any]) -> None:
    table = Table(title="Writes, history, change feed and as_of (ms; sequential unless noted)")
    for col in ("scenario", "requests", "p50", "p95", "max", "rows", "how"):
        table.add_column(col, justify="left" if col in ("scenario", "how") else "right")
    for name, label in WRITE_ROWS.items():
        r = writes["scenarios"].get(name)
        if r is None:
            continue
        rows = r.get("changes", r.get("rows"))
        table.add_row(label, f"{r['requests']:,}", _ms(r["p50_ms"]), f"{r['p95_ms']:,.1f}",
                      f"{r['max_ms']:,.1f}", "-" if rows is None else f"{rows:,}",
                      r["note"])  # fmt: skip
    console.print(table)
    slow = [WRITE_ROWS[n] for n, r in writes["scenarios"].items()
            if n in WRITE_ROWS and r["p50_ms"] > SLOW_P50_MS]  # fmt: skip
    console.print(f"p50 over {SLOW_P50_MS:.0f} ms: {', '.join(slow) or 'none'}")
    for name, p in writes.get("plans", {}).items():
        console.print(f"EXPLAIN {name}: {p['execution_ms']} ms; indexes "
                      f"{', '.join(p['indexes']) or '-'}; seq scans "
                      f"{', '.join(p['seq_scans']) or '-'}")  # fmt: skip


def _ratio(ours: float | None, other: float | None) -> str:
    return "-" if not ours or not other else f"{ours / other:.2f}"


def _cells(values: dict[str, float], servers: tuple[str, ...], fmt: str = "{:,.0f}") -> list[str]:
    return ["-" if values.get(s) is None else fmt.format(values[s]) for s in servers]


def print_compare(console: Console, data: dict[str, Any], servers: tuple[str, ...]) -> None:
    """This API beside tipg and the floor: throughput, then latency and size per answer."""
    w = data["wrk"]
    main = Table(
        title=f"This API, tipg and the floor on {data['events']:,} events "
        f"(wrk -t{w['threads']} -c{w['connections']} -d{w['duration_s']}s; exports: one client)"
    )
    for col in ("scenario", "this API", "tipg", "floor", "API/tipg", "API/floor"):
        main.add_column(col, justify="left" if col == "scenario" else "right")
    for r in data["scenarios"].values():
        v = r["value"]
        ratios = _ratio(v.get("api"), v.get("tipg")), _ratio(v.get("api"), v.get("floor"))
        main.add_row(r["label"], *_cells(v, servers), *ratios)
    console.print(main)

    latency = Table(title="Under wrk: latency and size of one answer (this API / tipg / floor)")
    for col in ("scenario", "p50 ms", "p99 ms", "KB per answer"):
        latency.add_column(col, justify="left" if col == "scenario" else "right")
    for r in data["scenarios"].values():
        if "wrk" not in r:
            continue
        runs = r["wrk"]
        p50 = {s: f.get("p50_ms") for s, f in runs.items()}
        p99 = {s: f.get("p99_ms") for s, f in runs.items()}
        size = {s: f.get("bytes_per_response", 0) / 1000 for s, f in runs.items()}
        latency.add_row(r["label"].removesuffix(" (req/s)"),
                        " / ".join(_cells(p50, servers, "{:,.1f}")),
                        " / ".join(_cells(p99, servers, "{:,.1f}")),
                        " / ".join(_cells(size, servers, "{:,.1f}")))  # fmt: skip
    console.print(latency)

    peaks = [
        f"{r['label'].removeprefix('export ').removesuffix(' (rows/s)')} "
        f"{r['api']['server_hwm_mib_after']}"
        for r in data["scenarios"].values()
        if "api" in r
    ]
    console.print(f"API peak RSS during each export (MiB): {'; '.join(peaks)}")
    console.print(
        "tipg has no unpaged export (at most 10,000 features an answer), so its export cells "
        "are empty; the exports' floor is COPY of the same SELECT in the bench process."
    )
