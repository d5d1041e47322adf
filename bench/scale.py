"""``python -m bench.scale``: how each cost grows with the data, from the runs on record.

Every ``python -m bench.run --events N`` keeps its results as ``bench/results/read-N.json``
and every ``python -m bench.compare --events N`` as ``compare-N.json``; this prints one column
per size found (200k, 1M, 10M when they were run) and writes ``bench/results/scale.json``.
Nothing is measured here: each figure names the run it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from bench.report import write_json
from bench.server import ROOT

RESULTS = ROOT / "bench" / "results"

Row = tuple[str, Callable[[dict[str, Any], dict[str, Any]], float | None], str]


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _p50(group: str, name: str) -> Callable[[dict[str, Any], dict[str, Any]], float | None]:
    return lambda read, _: _get(read, group, name, "p50_ms")


def _api_rps(name: str) -> Callable[[dict[str, Any], dict[str, Any]], float | None]:
    return lambda _, compare: _get(compare, "scenarios", name, "wrk", "api", "requests_per_s")


def _load_rate(read: dict[str, Any], _: dict[str, Any]) -> float | None:
    seconds = _get(read, "load", "load_s", "events_s")
    events = _get(read, "load", "events")
    return round(events / seconds) if seconds and events else None


def _disk_mb(read: dict[str, Any], _: dict[str, Any]) -> float | None:
    total: float | None = _get(read, "machine", "database_mb")
    return total


def _export_rate(read: dict[str, Any], _: dict[str, Any]) -> float | None:
    return _get(read, "scenarios", "export_csv", "rows_per_s")


ROWS: list[Row] = [
    ("list: bbox + year, 100 a page, p50", _p50("scenarios", "bbox_2017_limit100"), "ms"),
    ("list: bbox + year, limit 10, 8 clients", _api_rps("bbox_2017_limit10"), "req/s"),
    ("list: 25 km around a place, p50", _p50("scenarios", "place_radius_25km"), "ms"),
    ("list: full-text, a rare word, p50", _p50("scenarios", "q_rare_en"), "ms"),
    ("one event by id, 8 clients", _api_rps("event_by_id"), "req/s"),
    ("export: CSV of every event", _export_rate, "rows/s"),
    ("tile: z6 over Syria (clusters), p50", _p50("tiles_and_stats", "tile_z6_syria"), "ms"),
    ("tile: z14 in Aleppo, p50", _p50("tiles_and_stats", "tile_z14_aleppo"), "ms"),
    ("statistics: month × type, p50", _p50("tiles_and_stats", "timeseries_month_by_type"), "ms"),
    ("statistics: summary, p50", _p50("tiles_and_stats", "summary"), "ms"),
    ("statistics: 10 km hexagons, p50", _p50("tiles_and_stats", "grid_hexagon_10km"), "ms"),
    ("ingest: bench loader", _load_rate, "events/s"),
    ("disk: the whole database", _disk_mb, "MB"),
]


def runs() -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    """Each size with a ``read-N.json``, with its ``compare-N.json`` when there is one."""
    found: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    for path in RESULTS.glob("read-*.json"):
        match = re.fullmatch(r"read-(\d+)\.json", path.name)
        if match is None:
            continue
        events = int(match[1])
        compare = RESULTS / f"compare-{events}.json"
        found[events] = (
            orjson.loads(path.read_bytes()),
            orjson.loads(compare.read_bytes()) if compare.exists() else {},
        )
    return dict(sorted(found.items()))


def table(found: dict[int, tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    sizes = list(found)
    rows = []
    for label, pick, unit in ROWS:
        values = [pick(*found[n]) for n in sizes]
        rows.append(
            {"cost": label, "unit": unit, "values": dict(zip(map(str, sizes), values, strict=True))}
        )
    sources = {
        str(n): {
            "read": f"read-{n}.json of {_get(read, 'generated_at')}",
            "compare": f"compare-{n}.json of {_get(compare, 'generated_at')}" if compare else None,
        }
        for n, (read, compare) in found.items()
    }
    return {"sizes": sizes, "rows": rows, "sources": sources}


def _cell(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def print_table(console: Console, data: dict[str, Any]) -> None:
    grid = Table(title="How each cost grows with the data (bench/results/read-N.json)")
    grid.add_column("cost")
    grid.add_column("unit")
    for n in data["sizes"]:
        grid.add_column(f"{n:,} events", justify="right")
    for row in data["rows"]:
        grid.add_row(row["cost"], row["unit"], *(_cell(v) for v in row["values"].values()))
    console.print(grid)


def main(argv: list[str] | None = None) -> int:
    console = Console(width=max(Console().width, 120))
    found = runs()
    if not found:
        console.print("No bench/results/read-N.json yet: run `python -m bench.run --events N`.")
        return 1
    data = table(found)
    write_json(RESULTS / "scale.json", data)
    print_table(console, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
