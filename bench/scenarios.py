"""The read scenarios, measured over real HTTP: sequential requests after a warm-up."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from bench.server import Api, memory_kib, reset_peak

BBOX = "38,33,41.5,36"
YEAR_2017 = "2017-01-01/2017-12-31"
PLACE = "bench-aleppo"  # a centre of the synthetic gazetteer (bench/seed.py)
WORD_EN = "shelling"  # in ~45% of descriptions
WORD_EN_RARE = "arnabah"  # only in events near Khan Arnabah: ~0.3%
TWO_WORDS = "khan arnabah"
WORD_AR = "قصف"  # "shelling", in ~65%

# name -> query parameters of GET /events; bench/explain.py plans the same queries.
QUERIES: dict[str, dict[str, str]] = {
    "bbox_2017_limit100": {"bbox": BBOX, "datetime": YEAR_2017, "limit": "100"},
    "bbox_2017_limit1000": {"bbox": BBOX, "datetime": YEAR_2017, "limit": "1000"},
    "bbox_2017_limit10000": {"bbox": BBOX, "datetime": YEAR_2017, "limit": "10000"},
    "governorate_type": {"governorate": "SY09", "type": "Battles"},
    "q_common_en": {"q": WORD_EN},
    "q_rare_en": {"q": WORD_EN_RARE},
    "q_two_words": {"q": TWO_WORDS},
    "q_arabic": {"q": WORD_AR},
    "place_radius_25km": {"place": PLACE, "radius_km": "25"},
    "country_since_2015": {"datetime": "2015-01-01/..", "limit": "100"},
}
PAGE_LIMIT = 500
PAGES = 20
TIMEOUT = httpx.Timeout(60.0, read=300.0)


def path_of(params: dict[str, str]) -> str:
    return "/events?" + urlencode(params)


def summary(samples_ms: list[float]) -> dict[str, float]:
    """p50 (median), p95 (nearest rank), max and mean, in ms."""
    ordered = sorted(samples_ms)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
        "mean_ms": round(statistics.fmean(ordered), 1),
    }


def _get(client: httpx.Client, url: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in (200, 204):  # 204: a tile with no events
        raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:500]}")
    return response, elapsed


def timed(
    client: httpx.Client, url: str, reps: int, warmup: int
) -> tuple[list[float], httpx.Response]:
    """``reps`` timed GETs (response fully read) after ``warmup`` untimed ones: the samples in
    ms and the last response."""
    for _ in range(warmup):
        _get(client, url)
    samples: list[float] = []
    response: httpx.Response | None = None
    for _ in range(reps):
        response, elapsed = _get(client, url)
        samples.append(elapsed)
    assert response is not None
    return samples, response


def measure(client: httpx.Client, params: dict[str, str], reps: int, warmup: int) -> dict[str, Any]:
    """``reps`` timed GETs of ``/events`` with ``params`` after ``warmup`` untimed ones."""
    path = path_of(params)
    samples, response = timed(client, path, reps, warmup)
    body = orjson.loads(response.content)
    return {
        "path": path,
        "reps": reps,
        **summary(samples),
        "rows": body["numberReturned"],
        "bytes": len(response.content),
        "has_next": any(link["rel"] == "next" for link in body["links"]),
    }


def paging(client: httpx.Client, pages: int = PAGES, limit: int = PAGE_LIMIT) -> dict[str, Any]:
    """Follow ``next`` links from the newest events; ids must never repeat, dates never rise."""
    url: str | None = path_of({"limit": str(limit)})
    ids: list[str] = []
    samples: list[float] = []
    ordered = True
    last_date = "9999-12-31"
    started = time.perf_counter()
    for _ in range(pages):
        if url is None:
            break
        response, elapsed = _get(client, url)
        samples.append(elapsed)
        body = orjson.loads(response.content)
        for feature in body["features"]:
            ids.append(feature["id"])
            day = feature["properties"]["event_date"]
            ordered = ordered and day <= last_date
            last_date = day
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    return {
        "path": path_of({"limit": str(limit)}) + f" then {pages - 1} next links",
        "pages": len(samples),
        "total_s": round(time.perf_counter() - started, 3),
        **summary(samples),
        "rows": len(ids),
        "duplicate_ids": len(ids) - len(set(ids)),
        "newest_first": ordered,
    }


def _parquet_rows(data: bytes) -> int:
    return int(pq.ParquetFile(pa.BufferReader(data)).metadata.num_rows)


def _flatgeobuf_rows(data: bytes) -> int:
    """Features after the magic bytes and the size-prefixed header: each is size-prefixed
    too (a stream has no index and leaves the header's ``features_count`` at 0)."""
    at = 8
    at += 4 + int.from_bytes(data[at : at + 4], "little")
    rows = 0
    while at < len(data):
        at += 4 + int.from_bytes(data[at : at + 4], "little")
        rows += 1
    if at != len(data):
        raise RuntimeError("a FlatGeobuf export ends inside a feature")
    return rows


# Formats whose rows are counted from the whole body (read after the clock stops).
BINARY_ROWS: dict[str, Callable[[bytes], int]] = {
    "parquet": _parquet_rows,
    "fgb": _flatgeobuf_rows,
}


def export(
    client: httpx.Client, api: Api, fmt: str, filters: dict[str, str] | None = None
) -> dict[str, Any]:
    """Stream ``/events?f=<fmt>`` (no limit: every published row matching ``filters``) and
    watch server memory."""
    path = path_of({**(filters or {}), "f": fmt})
    before = memory_kib(api.pid)
    peak_was_reset = reset_peak(api.pid)
    at_start = memory_kib(api.pid)
    header = 0 if fmt == "ndjson" else 1  # CSV (and ACLED's) sends a header line first
    binary = fmt in BINARY_ROWS
    body = bytearray()
    size = lines = 0
    started = time.perf_counter()
    first_row_s: float | None = None
    with client.stream("GET", path) as response:
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        for chunk in response.iter_raw():
            size += len(chunk)
            if binary:
                body += chunk
                # The first batch: GeoParquet and FlatGeobuf send nothing before it.
                if first_row_s is None and size > 0:
                    first_row_s = time.perf_counter() - started
                continue
            lines += chunk.count(b"\n")
            if first_row_s is None and lines > header:
                first_row_s = time.perf_counter() - started
    seconds = time.perf_counter() - started
    after = memory_kib(api.pid)
    rows = BINARY_ROWS[fmt](bytes(body)) if binary else lines - header
    return {
        "path": path,
        "seconds": round(seconds, 2),
        "first_row_ms": round((first_row_s or 0.0) * 1000, 1),
        "rows": rows,
        "rows_per_s": round(rows / seconds),
        "mb": round(size / 1e6, 1),
        "mb_per_s": round(size / 1e6 / seconds, 1),
        "server_rss_mib_before": round(before["VmRSS"] / 1024, 1),
        "server_hwm_mib_before": round(before["VmHWM"] / 1024, 1),
        "peak_reset_before_export": peak_was_reset,
        "server_hwm_mib_at_start": round(at_start["VmHWM"] / 1024, 1),
        "server_hwm_mib_after": round(after["VmHWM"] / 1024, 1),
        "server_rss_mib_after": round(after["VmRSS"] / 1024, 1),
    }


def run_all(
    api: Api, reps: int, warmup: int, log: Callable[[str], None]
) -> dict[str, dict[str, Any]]:
    """Every scenario against one running API; a bounded number of requests each."""
    results: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=api.base_url, timeout=TIMEOUT) as client:
        for name, params in QUERIES.items():
            results[name] = measure(client, params, reps, warmup)
            log(f"  {name}: p50 {results[name]['p50_ms']} ms")
        results["paging_20x500"] = paging(client)
        log(f"  paging: {results['paging_20x500']['total_s']} s")
        for fmt in ("csv", "ndjson"):
            results[f"export_{fmt}"] = export(client, api, fmt)
            log(f"  export {fmt}: {results[f'export_{fmt}']['seconds']} s")
    return results
