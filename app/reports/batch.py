"""Batch ingest from files: JSONL (one POST /reports object per line) or plain text files."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.db import Database
from app.errors import DomainError
from app.geoparse.cache import SnapshotCache
from app.reports.ingest import store_report
from app.reports.schemas import ReportIn
from app.settings import Settings


@dataclass
class IngestSummary:
    stored: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def _items_from_text(label: str, content: str) -> Iterator[tuple[str, object]]:
    if content.lstrip().startswith("{"):
        for number, line in enumerate(content.splitlines(), start=1):
            if line.strip():
                try:
                    yield f"{label}:{number}", orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    yield f"{label}:{number}", ValueError(f"not JSON: {exc}")
    elif content.strip():
        yield label, {"body": content}


def read_items(paths: list[str]) -> list[tuple[str, object]]:
    """(where, payload-or-error) for every report in the given files, folders or '-'."""
    items: list[tuple[str, object]] = []
    for raw in paths:
        if raw == "-":
            items += _items_from_text("stdin", sys.stdin.read())
            continue
        path = Path(raw)
        files = (
            sorted(p for p in path.rglob("*") if p.suffix in (".jsonl", ".txt"))
            if path.is_dir()
            else [path]
        )
        for file in files:
            try:
                content = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                items.append((str(file), ValueError(f"unreadable: {exc}")))
                continue
            items += _items_from_text(str(file), content)
    return items


async def ingest(settings: Settings, paths: list[str], console: Console) -> IngestSummary:
    """Store every report of these files, folders or stdin."""
    db = Database.of(settings)
    try:
        return await ingest_items(
            db, read_items(paths), console, max_drafts=settings.max_drafts_per_report
        )
    finally:
        await db.dispose()


async def ingest_items(
    db: Database,
    items: list[tuple[str, object]],
    console: Console,
    *,
    max_drafts: int | None = None,
) -> IngestSummary:
    """Store every report in its own transaction; one bad line never stops the rest.
    Geoparsing runs here, in this process: nothing else waits for it."""
    ceiling = Settings().max_drafts_per_report if max_drafts is None else max_drafts
    summary = IngestSummary()
    cache = SnapshotCache()
    columns = (TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("ingest", total=len(items))
        for where, payload in items:
            try:
                if isinstance(payload, Exception):
                    raise payload
                report = ReportIn.model_validate(payload)
                async with db.session() as session:
                    stored = await store_report(
                        session=session,
                        cache=cache,
                        report_in=report,
                        max_drafts=ceiling,
                        author="cli",
                    )
                if stored.created:
                    summary.stored += 1
                else:
                    summary.skipped += 1
            except (ValueError, ValidationError, DomainError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                summary.failed.append(f"{where}: {reason}")
            progress.advance(task)
    return summary
