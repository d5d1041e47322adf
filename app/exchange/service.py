"""Imports of ACLED and UCDP exports: streamed, in batches of one transaction each.

A row is stored once per (source, source id). Re-importing it compares the source's version
(ACLED's ``timestamp``; for UCDP, a digest of what the row maps to): equal → nothing is
written; newer or different → the event is updated, one new version with the reason
"ACLED update <timestamp>" (or "UCDP update"), written by "import:acled" / "import:ucdp";
an ACLED timestamp older than the stored one is skipped. Events whose rows are missing from
a later file are left as they are: an export is a selection, not a list of deletions.

A batch is set-based: the stored versions of its ids in one query, new events with their
actors in one statement (so that each version 1 is written once, with its actors), updates
in one statement per reason. A row read exactly as it was when last imported (the same raw
values, by digest, under the same ``PARSER_VERSION``) is unchanged without being parsed
again; any other row is parsed, also one whose timestamp is the stored one, so that a row
that no longer reads is still reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import Database
from app.exchange import acled, repository, ucdp
from app.exchange.geography import PlaceIndex
from app.exchange.reader import CsvRows
from app.exchange.schemas import FileError, ImportSummary, Record, RowError, Skip
from app.stats.folding import fold_backlog

BATCH_ROWS = 1000
# Part of every row digest: bump it when parsing changes, so that every row is read again.
# "2": UCDP rows give low, high and civilian deaths (migration 0010).
PARSER_VERSION = "2"


@dataclass(frozen=True)
class Source:
    name: str  # the events' source
    label: str  # as the history and the summary say it
    author: str
    required: tuple[str, ...]
    parse: Callable[[dict[str, str], PlaceIndex], Record | Skip]
    # ACLED's timestamps are ordered: an older one is a stale row, not an update.
    ordered_versions: bool
    id_column: str  # the row's id, as parse reads it


SOURCES = {
    "acled": Source(
        "acled", "ACLED", acled.AUTHOR, acled.REQUIRED, acled.parse_row, True, "event_id_cnty"
    ),
    "ucdp": Source("ucdp", "UCDP", ucdp.AUTHOR, ucdp.REQUIRED, ucdp.parse_row, False, "id"),
}


def row_digest(row: dict[str, str]) -> bytes:
    """The row as read (columns and values, in file order), under this parser's version."""
    text = "\x1e".join(f"{k}\x1f{v}" for k, v in row.items())
    return hashlib.blake2b(f"{PARSER_VERSION}\x1d{text}".encode(), digest_size=16).digest()


def _compare(stored: str | None, new: str, ordered: bool) -> int:
    """-1 older, 0 the same, 1 newer (or different, when versions have no order)."""
    if stored == new:
        return 0
    if ordered and stored is not None and stored.isdigit() and new.isdigit():
        return 1 if int(new) > int(stored) else -1
    return 1


@dataclass
class _Batch:
    records: dict[str, Record] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # source_id -> "file:line"
    digests: dict[str, bytes] = field(default_factory=dict)  # source_id -> its row's


# Rows read and not yet judged: source id -> (where, the row).
_Pending = dict[str, tuple[str, dict[str, str]]]


class Importer:
    """One run over some files of one source; ``summary`` is what it did."""

    def __init__(self, db: Database, source: Source, console: Console) -> None:
        self.db = db
        self.source = source
        self.console = console
        self.summary = ImportSummary()
        self.places = PlaceIndex()

    async def run(self, paths: list[Path]) -> ImportSummary:
        async with self.db.read_connection() as conn:
            self.places = PlaceIndex.from_rows(await repository.load_places(conn))
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]} rows"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=self.console) as progress:
            for path in paths:
                try:
                    await self._file(path, progress)
                except FileError as exc:
                    self.summary.problems.append(f"{path}: {exc}")
        return self.summary

    async def _file(self, path: Path, progress: Progress) -> None:
        pending: _Pending = {}
        rows = 0
        try:
            with CsvRows(path, self.source.required) as reader:
                label = f"{self.source.label} {path.name}"
                task = progress.add_task(label, total=reader.size, rows=0)
                for line, row in reader:
                    rows += 1
                    where = f"{path}:{line}"
                    if isinstance(row, str):
                        self._parse(where, row)  # reported as a bad row
                        continue
                    source_id = row[self.source.id_column].strip()
                    # A second row of one id waits for the first to be stored.
                    if source_id in pending or len(pending) >= BATCH_ROWS:
                        await self._judge(pending)
                        pending = {}
                    pending[source_id] = (where, row)
                    if rows % 200 == 0:
                        progress.update(task, completed=reader.position, rows=rows)
        except FileError:
            # The rows read before a broken line are kept, like the good rows of a file.
            await self._judge(pending)
            raise
        await self._judge(pending)
        progress.update(task, completed=reader.size, rows=rows)

    async def _judge(self, pending: _Pending) -> None:
        """Rows read as they were last imported are unchanged; the others are parsed, and
        those that read are stored."""
        if not pending:
            return
        digests = {source_id: row_digest(row) for source_id, (_, row) in pending.items()}
        async with self.db.read_connection() as conn:
            stored = await repository.row_digests(conn, self.source.name, list(digests))
        batch = _Batch()
        for source_id, (where, row) in pending.items():
            if stored.get(source_id) == digests[source_id]:
                self.summary.unchanged += 1
                continue
            record = self._parse(where, row)
            if record is not None:
                batch.records[record.source_id] = record
                batch.where[record.source_id] = where
                batch.digests[record.source_id] = digests[source_id]
        if batch.records:
            await self._store(batch)

    def _parse(self, where: str, row: dict[str, str] | str) -> Record | None:
        try:
            if isinstance(row, str):
                raise RowError(row)
            parsed = self.source.parse(row, self.places)
        except RowError as exc:
            self.summary.skipped["bad row"] += 1
            self.summary.problems.append(f"{where}: {exc}")
            return None
        if isinstance(parsed, Skip):
            self.summary.skipped[parsed.reason] += 1
            self.summary.other_countries[parsed.detail] += 1
            return None
        return parsed

    async def _store(self, batch: _Batch) -> None:
        """One transaction: the stored versions, new events, updates; each set-based."""
        async with self.db.session() as session:
            conn = await session.connection()
            label, author = self.source.label, self.source.author
            await repository.set_context(conn, author, f"{label} import")
            ids = list(batch.records)
            stored = await repository.existing(conn, self.source.name, ids)
            new = [batch.records[i] for i in ids if i not in stored]
            updates: list[tuple[int, Record]] = []
            for source_id, row in stored.items():
                record = batch.records[source_id]
                order = _compare(
                    row.source_version, record.source_version, self.source.ordered_versions
                )
                if order == 0:
                    self.summary.unchanged += 1
                elif order > 0:
                    updates.append((row.id, record))
                else:
                    self.summary.skipped["older than the stored version"] += 1
                    self.summary.notes.append(
                        f"{batch.where[source_id]}: {label} timestamp {record.source_version}"
                        f" is older than the stored {row.source_version}; kept the stored one"
                    )
                    del batch.digests[source_id]  # read again next time, and told again
            await self._locate(conn, [*new, *(r for _, r in updates)])
            if new:
                await self._create(conn, new)
            if updates:
                await self._update(conn, updates)
            await repository.keep_digests(conn, self.source.name, batch.digests)

    async def _locate(self, conn: AsyncConnection, records: list[Record]) -> None:
        # An admin1 the tables do not know (or none): the governorate and district whose
        # boundaries hold the point, else those of the nearest place (as POST /events).
        for record in records:
            if record.governorate_pcode is None:
                found = await repository.locate(conn, record.lon, record.lat)
                record.governorate_pcode = found.governorate_pcode
                record.district_pcode = record.district_pcode or found.district_pcode

    async def _create(self, conn: AsyncConnection, records: list[Record]) -> None:
        await repository.upsert_actors(conn, [a for r in records for a in r.actors])
        created = await repository.insert_events(conn, records, self.source.author)
        self.summary.created += created
        self.summary.unchanged += len(records) - created

    def _reason(self, record: Record) -> str:
        label = self.source.label
        if self.source.ordered_versions:
            return f"{label} update {record.source_version}"
        return f"{label} update (the row changed)"

    async def _update(self, conn: AsyncConnection, updates: list[tuple[int, Record]]) -> None:
        # The triggers take a version's reason from se.reason, one per statement: one
        # UPDATE per reason (an ACLED revision stamps many events with one timestamp).
        by_reason: dict[str, list[tuple[int, Record]]] = {}
        for event_id, record in updates:
            by_reason.setdefault(self._reason(record), []).append((event_id, record))
        for reason, group in by_reason.items():
            await repository.set_reason(conn, reason)
            await repository.update_events(conn, group, self.source.author)
        # Links written by this change complete the versions just written.
        current = await repository.actors_of(conn, [event_id for event_id, _ in updates])
        relinked = [
            (event_id, record)
            for event_id, record in updates
            if current[event_id] != {(a.name, a.side) for a in record.actors}
        ]
        if relinked:
            await repository.unlink_actors(conn, [event_id for event_id, _ in relinked])
            await repository.link_actors(
                conn, [(event_id, a) for event_id, r in relinked for a in r.actors]
            )
        self.summary.updated += len(updates)


async def import_files(
    db: Database, source: str, paths: list[Path], console: Console
) -> ImportSummary:
    """Import these exports of ``source`` ("acled" or "ucdp"), then fold the statistics'
    pending changes, so that the first statistics after a large import read folded roll-ups."""
    summary = await Importer(db, SOURCES[source], console).run(paths)
    if summary.created or summary.updated:
        await fold_backlog(db)
    return summary


def summary_lines(summary: ImportSummary, label: str) -> list[str]:
    """The summary as the CLI prints it."""
    lines = [
        f"{label}: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged."
    ]
    for reason, count in summary.skipped.most_common():
        detail = ""
        if reason == "not in Syria":
            top = ", ".join(f"{c} {n}" for c, n in summary.other_countries.most_common(5))
            detail = f" ({top}{', …' if len(summary.other_countries) > 5 else ''})"
        lines.append(f"  skipped, {reason}: {count}{detail}")
    return lines
