"""``syria-events fetch``: what it prints, and its one-line errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from app.db import Database
from app.settings import Settings

if TYPE_CHECKING:
    from app.fetch.service import Outcome, Prepared

# The command's words, and the sources they fetch (in the order the data needs them).
TARGETS = {
    "ucdp": ["ucdp"],
    "geonames": ["geonames"],
    "boundaries": ["ocha"],
    "all": ["geonames", "ocha", "ucdp"],
}


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MiB" if n >= 1_048_576 else f"{n / 1024:.1f} KiB"


def run(what: str, version: str | None, cache: Path | None, console: Console) -> None:
    from app.exchange.service import summary_lines
    from app.fetch.download import FetchError
    from app.fetch.service import prepare

    settings = Settings()
    folder = (cache or settings.download_dir).expanduser().resolve()
    try:
        try:
            prepared = prepare(
                settings, TARGETS[what], version=version, cache=folder, console=console
            )
        except OSError as exc:  # the cache folder, not the database
            raise FetchError(f"cannot write the download cache {folder}: {exc}") from None
        outcomes = asyncio.run(_import(settings, prepared, console))
    except FetchError as exc:
        console.print(f"[red]error:[/red] {escape(exc.line())}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None
    for o in outcomes:
        item = o.prepared
        got = item.cached
        how = "unchanged, from the cache" if got.reused else "downloaded"
        console.print(
            f"{item.source.title} {item.version}: {got.path.name}, {_size(got.bytes)}, {how} "
            f"(sha256 {got.sha256[:12]}…)",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
        if o.events is not None:
            for line in summary_lines(o.events, item.source.title):
                console.print(f"  {line}", highlight=False, markup=False)
            for problem in o.events.problems[:20]:
                console.print(f"  skipped {problem}", highlight=False, markup=False)
        else:
            kind = "places" if item.source.name == "geonames" else "boundaries"
            moved = ", ".join(f"{n} {t}" for t, n in o.containment.items())
            console.print(
                f"  {item.rows} {kind} read, {o.changed} written"
                + (f"; governorate and district by containment: {moved}" if moved else ""),
                highlight=False,
                markup=False,
            )
    console.print("Licences and what to cite: GET /sources, and the README's Credits.")


async def _import(settings: Settings, prepared: list[Prepared], console: Console) -> list[Outcome]:
    from app.fetch.service import import_prepared

    database = Database.of(settings)
    try:
        return await import_prepared(database, prepared, console)
    finally:
        await database.dispose()
