"""Vector tile and statistics scenarios, measured over HTTP like the /events ones (sequential
requests after a warm-up, the body read whole)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import mapbox_vector_tile
import orjson
from rich.console import Console
from rich.table import Table

from bench.scenarios import TIMEOUT, YEAR_2017, summary, timed

HAPI = "/hapi/v1/coordination-context/conflict-event"
# name -> (path, query). Tiles of WebMercatorQuad: 6/38/25 spans western Syria from Dar'a to
# Aleppo (three quarters of the bench events), 10/617/401 is Aleppo city and its countryside,
# 14/9883/6422 a quarter of Aleppo.
SCENARIOS: dict[str, tuple[str, dict[str, str]]] = {
    "tile_z6_syria": ("/tiles/6/38/25.mvt", {}),
    "tile_z6_syria_2017": ("/tiles/6/38/25.mvt", {"datetime": YEAR_2017}),
    "tile_z10_aleppo": ("/tiles/10/617/401.mvt", {}),
    "tile_z14_aleppo": ("/tiles/14/9883/6422.mvt", {}),
    "timeseries_month_by_type": ("/stats/timeseries", {"group_by": "type"}),
    "timeseries_week_2017_by_gov": (
        "/stats/timeseries",
        {"interval": "week", "group_by": "governorate", "datetime": YEAR_2017},
    ),
    "timeseries_month_by_actor": ("/stats/timeseries", {"group_by": "actor", "top": "10"}),
    "timeseries_year_by_sub_type": (
        "/stats/timeseries",
        {"interval": "year", "group_by": "sub_type"},
    ),
    "timeseries_day_2017_by_type": (
        "/stats/timeseries",
        {"interval": "day", "group_by": "type", "datetime": YEAR_2017},
    ),
    "timeseries_month_by_gov_csv": ("/stats/timeseries", {"group_by": "governorate", "f": "csv"}),
    "summary": ("/stats/summary", {}),
    "summary_aleppo_2017": ("/stats/summary", {"governorate": "SY02", "datetime": YEAR_2017}),
    # HDX HAPI's shape: every published event tagged, grouped by month, district and type
    # (no roll-up holds districts or civilian targets: these scan the events they cover).
    "hapi_conflict_events": (HAPI, {}),
    "hapi_aleppo_2017": (
        HAPI,
        {"admin1_code": "SY02", "start_date": "2017-01-01", "end_date": "2017-12-31"},
    ),
    "hapi_admin1_csv": (HAPI, {"admin_level": "1", "output_format": "csv"}),
    "grid_hexagon_10km": ("/stats/grid", {}),
    "grid_square_2km_2017": (
        "/stats/grid",
        {"shape": "square", "size_km": "2", "datetime": YEAR_2017},
    ),
}


def _url(path: str, params: dict[str, str]) -> str:
    return path + (f"?{urlencode(params)}" if params else "")


def _contents(response: httpx.Response) -> dict[str, Any]:
    """What a response holds: features and events of a tile, cells, periods, totals."""
    if response.status_code == 204:
        return {"features": 0, "events": 0, "clusters": 0}
    if response.headers["content-type"].startswith("application/vnd.mapbox-vector-tile"):
        found = mapbox_vector_tile.decode(response.content)["events"]["features"]
        return {
            "features": len(found),
            "events": sum(f["properties"]["count"] for f in found),
            "clusters": sum(1 for f in found if f["properties"]["count"] > 1),
        }
    if response.headers["content-type"].startswith("text/csv"):
        return {"rows": response.content.count(b"\n") - 1}
    body = orjson.loads(response.content)
    if "data" in body:  # HAPI's envelope
        return {"rows": len(body["data"]), "events": sum(r["events"] for r in body["data"])}
    if "features" in body:
        return {"cells": body["numberReturned"],
                "events": sum(c["properties"]["count"] for c in body["features"])}  # fmt: skip
    if "periods" in body:
        return {"periods": len(body["periods"]), "series": len(body["series"]),
                "events": sum(body["totals"]["count"])}  # fmt: skip
    return {"events": body["total"]["count"]}


def measure(client: httpx.Client, url: str, reps: int, warmup: int) -> dict[str, Any]:
    samples, response = timed(client, url, reps, warmup)
    etag = response.headers.get("etag")
    revalidated = client.get(url, headers={"If-None-Match": etag}) if etag else None
    return {
        "path": url,
        "reps": reps,
        **summary(samples),
        "bytes": len(response.content),
        **_contents(response),
        **({"revalidated_status": revalidated.status_code} if revalidated else {}),
    }


def run_all(
    base_url: str, reps: int, warmup: int, log: Callable[[str], None]
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as client:
        for name, (path, params) in SCENARIOS.items():
            results[name] = measure(client, _url(path, params), reps, warmup)
            log(f"  {name}: p50 {results[name]['p50_ms']} ms, {results[name]['bytes']:,} B")
    return results


def print_table(console: Console, results: dict[str, dict[str, Any]]) -> None:
    table = Table(title="Tiles and statistics, sequential, after warm-up (ms)")
    for col in ("scenario", "p50", "p95", "max", "KB", "contents"):
        table.add_column(col, justify="left" if col in ("scenario", "contents") else "right")
    skip = {"path", "reps", "p50_ms", "p95_ms", "max_ms", "mean_ms", "bytes"}
    for name, r in results.items():
        contents = ", ".join(f"{k} {v:,}" for k, v in r.items() if k not in skip)
        table.add_row(name, f"{r['p50_ms']:,.1f}", f"{r['p95_ms']:,.1f}", f"{r['max_ms']:,.1f}",
                      f"{r['bytes'] / 1000:,.1f}", contents)  # fmt: skip
    console.print(table)
