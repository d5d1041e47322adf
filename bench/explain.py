"""EXPLAIN (ANALYZE, BUFFERS) of the API's own SQL, and which indexes the plans use.

The SQL is not copied here: the query string is parsed by the API's own ``parse_filters`` /
``parse_page`` and the statement is the one the repository builds for it (``page_query``,
``export_query``). So a change to ``app/events/repository.py`` shows up here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request

from app.connecting import make_engine
from app.db import Reader
from app.events import repository
from app.events.filters import CURSOR_KIND, parse_filters, parse_page
from app.events.sql import CSV_SELECT
from app.settings import Settings
from app.web.cursor import encode_cursor
from bench.database import connect
from bench.scenarios import BBOX, QUERIES, YEAR_2017

_INDEX = re.compile(r"(?:Bitmap Index Scan on|Index(?: Only)? Scan(?: Backward)? using) (\S+)")
_SEQ = re.compile(r"Seq Scan on (\S+)")
_EXEC = re.compile(r"Execution Time: ([\d.]+) ms")
# Tables that are not the project's (PostGIS, alembic).
_FOREIGN_TABLES = ("spatial_ref_sys", "alembic_version")


@dataclass(frozen=True)
class Shape:
    name: str
    params: dict[str, str]
    kind: str  # "page" (fetch_features, LIMIT) or "export_csv" / "export_ndjson" (stream)
    path: str = "/events"  # what the request names, for explain.txt


@dataclass
class Plan:
    shape: Shape
    sql: str
    params: dict[str, Any]
    lines: list[str] = field(default_factory=list)

    @property
    def indexes(self) -> list[str]:
        return sorted({m.group(1) for line in self.lines for m in _INDEX.finditer(line)})

    @property
    def seq_scans(self) -> list[str]:
        return sorted({m.group(1) for line in self.lines for m in _SEQ.finditer(line)})

    @property
    def execution_ms(self) -> float | None:
        found = [float(m.group(1)) for line in self.lines for m in _EXEC.finditer(line)]
        return found[0] if found else None


def shapes(cursor: str) -> list[Shape]:
    """The main SQL shapes of the read path; ``cursor`` positions the keyset page."""
    return [
        Shape("bbox_year", {"bbox": BBOX, "datetime": YEAR_2017, "f": "csv"}, "export_csv"),
        Shape("bbox_year_limit", QUERIES["bbox_2017_limit100"], "page"),
        Shape("governorate_type", QUERIES["governorate_type"], "page"),
        Shape("q_trigram", QUERIES["q_common_en"], "page"),
        Shape("q_trigram_rare", QUERIES["q_rare_en"], "page"),
        Shape("q_trigram_two_words", QUERIES["q_two_words"], "page"),
        Shape("q_trigram_arabic", QUERIES["q_arabic"], "page"),
        Shape("keyset_after_cursor", {"limit": "500", "cursor": cursor}, "page"),
        Shape("place_radius", QUERIES["place_radius_25km"], "page"),
        Shape("country_since_2015", QUERIES["country_since_2015"], "page"),
        Shape("export_all_csv", {"f": "csv"}, "export_csv"),
        Shape("export_all_ndjson", {"f": "ndjson"}, "export_ndjson"),
    ]


def _request(params: dict[str, str]) -> Request:
    query = urlencode(params).encode()
    return Request({"type": "http", "method": "GET", "path": "/events", "query_string": query,
                    "headers": []})  # fmt: skip


async def _capture(conn: AsyncConnection, settings: Settings, shape: Shape) -> Plan:
    request = _request(shape.params)
    filters = parse_filters(request)
    page = parse_page(request, settings.default_limit, settings.max_limit,
                      export=shape.kind != "page")  # fmt: skip
    place = None
    if filters.place_id:
        place = await repository.find_place(Reader.within(conn), filters.place_id)
    if shape.kind != "page":
        select = CSV_SELECT if shape.kind == "export_csv" else None
        sql, params = repository.export_query(filters, place, csv_select=select)
    else:
        sql, params = repository.page_query(filters, place, page)
    return Plan(shape=shape, sql=sql, params=params)


async def mid_cursor(url: str) -> str:
    """A real cursor half-way down the newest-first list of published events."""
    conn = await connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT event_date, id FROM events WHERE status = 'published'"
            " ORDER BY event_date DESC, id DESC"
            " OFFSET (SELECT count(*) / 2 FROM events WHERE status = 'published') LIMIT 1"
        )
    finally:
        await conn.close()
    assert row is not None
    return encode_cursor(CURSOR_KIND, [row["event_date"].isoformat(), row["id"]])


async def explain_all(url: str, log: Callable[[str], None]) -> list[Plan]:
    """EXPLAIN (ANALYZE, BUFFERS) each read shape."""
    return await explain_each(url, shapes(await mid_cursor(url)), log)


async def explain_each(
    url: str, wanted: Sequence[Shape | Plan], log: Callable[[str], None]
) -> list[Plan]:
    """EXPLAIN (ANALYZE, BUFFERS) on a connection set up as the app sets it up: of each
    shape's SQL as ``GET /events`` builds it, or of a plan whose ``sql`` is given."""
    # The API's own settings but the statement timeout: a whole export of a million events
    # runs longer than the API lets a single statement run (it streams by COPY, unbounded).
    settings = Settings(DATABASE_URL=url, statement_timeout_ms=3_600_000)
    engine = make_engine(settings, pool_size=1)
    plans: list[Plan] = []
    try:
        async with engine.connect() as conn:
            for item in wanted:
                if isinstance(item, Plan):
                    plan = item
                else:
                    plan = await _capture(conn, settings, item)
                result = await conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {plan.sql}"),
                                            plan.params)  # fmt: skip
                plan.lines = [str(r[0]) for r in result]
                plans.append(plan)
                log(f"  {plan.shape.name}: {plan.execution_ms} ms, "
                    f"{', '.join(plan.indexes) or '-'}")  # fmt: skip
    finally:
        await engine.dispose()
    return plans


def write_text(plans: list[Plan], path: Path) -> None:
    parts: list[str] = []
    for plan in plans:
        parts += [
            "=" * 100,
            f"{plan.shape.name}  (GET {plan.shape.path}?{urlencode(plan.shape.params)})",
            f"indexes: {', '.join(plan.indexes) or '-'}; seq scans: "
            f"{', '.join(plan.seq_scans) or '-'}",
            "-" * 100,
            plan.sql.strip(),
            f"-- params: {plan.params}",
            "-" * 100,
            *plan.lines,
            "",
        ]
    path.write_text("\n".join(parts))


async def matched(url: str, queries: dict[str, dict[str, str]]) -> dict[str, int]:
    """How many events each query matches in all (``repository.count``, as ``count=true``)."""
    settings = Settings(DATABASE_URL=url, statement_timeout_ms=3_600_000)
    engine = make_engine(settings, pool_size=1)
    out: dict[str, int] = {}
    try:
        async with engine.connect() as conn:
            for name, params in queries.items():
                filters = parse_filters(_request(params))
                place_id = filters.place_id
                reader = Reader.within(conn)
                place = await repository.find_place(reader, place_id) if place_id else None
                out[name] = await repository.count(reader, filters, place)
    finally:
        await engine.dispose()
    return out


async def reset_index_stats(url: str) -> None:
    conn = await connect(url)
    try:
        await conn.execute("SELECT pg_stat_reset()")
    finally:
        await conn.close()


async def index_usage(url: str) -> list[dict[str, Any]]:
    """Every index of the schema with its scans since ``reset_index_stats``."""
    conn = await connect(url)
    try:
        rows = await conn.fetch(
            "SELECT relname, indexrelname, idx_scan FROM pg_stat_user_indexes"
            " WHERE NOT relname = ANY($1::text[]) ORDER BY relname, indexrelname",
            list(_FOREIGN_TABLES),
        )
    finally:
        await conn.close()
    return [{"table": r["relname"], "index": r["indexrelname"], "scans": r["idx_scan"]}
            for r in rows]  # fmt: skip
