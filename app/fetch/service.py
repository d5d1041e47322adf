"""``syria-events fetch``: download each source's published file, verify it, import it.

Every file is downloaded (or found unchanged in the cache) and checked before anything is
written: a failure leaves the database as it was. Then the files are imported in one
transaction, through the existing importers, in the order the data needs: GeoNames' places,
OCHA's boundaries (then governorates and districts by containment), UCDP's events (whose
places and governorates the first two give). A re-fetch writes only what changed:

- GeoNames: places whose stored row or names differ from the dump's;
- OCHA: boundaries whose stored polygon differs; containment then changes only the events
  and places whose governorate or district moves (a version each, naming OCHA's boundaries);
- UCDP: the importer's rules (a row read as it was last imported is unchanged; a changed
  row is one new version, written by ``import:ucdp``).

Each file imported is recorded in ``sources`` (once per SHA-256) with its licence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import Database, OneTransaction
from app.exchange.schemas import ImportSummary
from app.exchange.service import SOURCES as IMPORTS
from app.exchange.service import Importer
from app.fetch import catalog, formats, repository
from app.fetch.catalog import GEONAMES, OCHA, UCDP, Remote, Source
from app.fetch.download import Cached, FetchError, download, progress_bar
from app.gazetteer.boundaries import Boundary, BoundaryError, read_boundaries
from app.gazetteer.geonames import read_dump
from app.gazetteer.importers import assign_by_containment, store_boundaries
from app.gazetteer.loader import _names, _row, upsert_places
from app.settings import Settings
from app.sources import repository as sources
from app.stats.folding import fold_backlog

USER_AGENT = "syria-events/0.1 (syria-events fetch)"


@dataclass
class Prepared:
    """A verified file and what the importers will read from it."""

    source: Source
    remote: Remote
    cached: Cached
    version: str
    rows: int
    csv: Path | None = None  # UCDP: Syria's rows
    places: list[dict[str, Any]] = field(default_factory=list)  # GeoNames
    boundaries: list[Boundary] = field(default_factory=list)  # OCHA


@dataclass
class Outcome:
    prepared: Prepared
    changed: int = 0  # places or boundaries written (GeoNames, OCHA)
    containment: dict[str, int] = field(default_factory=dict)
    events: ImportSummary | None = None  # UCDP
    recorded: bool = False  # a new row of ``sources``


def prepare(
    settings: Settings,
    names: list[str],
    *,
    version: str | None,
    cache: Path,
    console: Console,
) -> list[Prepared]:
    """Download (or reuse) and verify each source's file; raise ``FetchError`` at the first
    that fails, before anything is imported."""
    prepared: list[Prepared] = []
    timeout = httpx.Timeout(settings.fetch_timeout_s)
    with (
        httpx.Client(
            timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}
        ) as client,
        progress_bar(console) as progress,
    ):
        for name in names:
            source = catalog.SOURCES[name]
            if source is UCDP:
                remote = catalog.ucdp_remote(settings, version)
            elif source is GEONAMES:
                remote = catalog.geonames_remote(settings)
            else:
                remote = catalog.ocha_remote(client, settings)
            hint = f"{source.manual} (file: {remote.url})"
            label = f"{source.title} {remote.version}".strip()
            got = download(
                client,
                remote.url,
                cache / source.name / remote.file_name,
                label=label,
                progress=progress,
                expected=remote.expected,
                check=partial(_check, source, label, hint),
                hint=hint,
            )
            prepared.append(_read(source, remote, got, label, hint))
    return prepared


def _check(source: Source, label: str, hint: str, path: Path) -> None:
    source.check(path, label, hint)


def _read(source: Source, remote: Remote, got: Cached, label: str, hint: str) -> Prepared:
    """What the importers will read, taken out of the verified archive."""
    folder = got.path.parent
    version = remote.version or got.modified_day or got.downloaded_at.date().isoformat()
    try:
        if source is UCDP:
            target = folder / f"{got.path.name.split('.')[0].removesuffix('-csv')}-syria.csv"
            rows = formats.extract_ucdp_syria(got.path, target)
            return Prepared(source, remote, got, version, rows, csv=target)
        if source is GEONAMES:
            dump = formats.extract_member(got.path, "SY.txt", folder / "SY.txt")
            places = list(read_dump(dump))
            return Prepared(source, remote, got, version, len(places), places=places)
        layers = formats.extract_boundaries(got.path, folder / got.path.name.split(".")[0])
        found: dict[str, Boundary] = {}
        for layer in layers:
            found.update((b.pcode, b) for b in read_boundaries(layer))
        return Prepared(source, remote, got, version, len(found), boundaries=list(found.values()))
    except (BoundaryError, ValueError, KeyError, UnicodeDecodeError) as exc:
        raise FetchError(f"{label}: unreadable ({exc})", hint) from None


def _place_state(entry: dict[str, Any]) -> tuple[Any, ...]:
    """A dump's place as ``repository.stored_places`` reads it back."""
    row = _row(entry)
    names = frozenset((n["name"], n["lang"], n["is_preferred"]) for n in _names(entry))
    return (
        row["name_en"],
        row["name_ar"],
        row["kind"],
        float(entry["lon"]),
        float(entry["lat"]),
        row["pcode"],
        row["country_code"],
        row["population"],
        row["source"],
        row["source_id"],
        row["source_note"],
        names,
    )


async def _geonames(session: AsyncSession, places: list[dict[str, Any]]) -> int:
    conn = await session.connection()
    changed: list[dict[str, Any]] = []
    for start in range(0, len(places), 5000):
        batch = places[start : start + 5000]
        stored = await repository.stored_places(conn, [p["id"] for p in batch])
        changed += [p for p in batch if stored.get(p["id"]) != _place_state(p)]
    if changed:
        await upsert_places(session, changed)
    return len(changed)


async def _boundaries(session: AsyncSession, boundaries: list[Boundary]) -> int:
    conn = await session.connection()
    same = await repository.stored_boundaries(conn, boundaries)
    changed = [b for b in boundaries if b.pcode not in same]
    if changed:
        await store_boundaries(session, changed)
    return len(changed)


async def import_prepared(
    db: Database, prepared: list[Prepared], console: Console
) -> list[Outcome]:
    """Import the verified files in one transaction and record them in ``sources``."""
    outcomes: list[Outcome] = []
    async with db.session() as session:
        conn = await session.connection()
        places: Outcome | None = None  # the last gazetteer file, until containment ran
        for item in prepared:
            outcome = Outcome(item)
            if item.source is GEONAMES:
                outcome.changed = await _geonames(session, item.places)
            elif item.source is OCHA:
                outcome.changed = await _boundaries(session, item.boundaries)
            if item.source is not UCDP:
                if outcome.changed or places is not None:
                    places = outcome  # containment runs once, after the gazetteer's files
            else:
                if places is not None:  # events take their governorate from the polygons
                    places.containment = await assign_by_containment(session)
                    places = None
                assert item.csv is not None
                importer = Importer(OneTransaction(db, conn), IMPORTS["ucdp"], console)
                summary = await importer.run([item.csv])
                if summary.imported == 0 and summary.problems:
                    raise FetchError(
                        f"{item.source.title} {item.version}: nothing could be imported "
                        f"({summary.problems[0]})",
                        f"{item.source.manual} (file: {item.remote.url})",
                    )
                outcome.events = summary
            outcome.recorded = await sources.record(conn, _source_row(item))
            outcomes.append(outcome)
        if places is not None:
            places.containment = await assign_by_containment(session)
    if any(o.events and (o.events.created or o.events.updated) for o in outcomes):
        await fold_backlog(db)
    return outcomes


def _source_row(item: Prepared) -> dict[str, Any]:
    got = item.cached
    return {
        "name": item.source.name,
        "title": item.source.title,
        "licence": item.source.licence,
        "citation": item.source.citation,
        "version": item.version,
        "url": got.url,
        "sha256": got.sha256,
        "bytes": got.bytes,
        "downloaded_at": got.downloaded_at,
        "rows": item.rows,
    }
