"""``python -m bench.exchange [--rows N]``: import rate and memory of ``import acled``.

Writes an ACLED-shaped file (synthetic rows: nine in ten in Syria, located at gazetteer
towns, actors on both sides, one in a hundred bad), makes ``syria_events_exchange_bench``
anew with the built-in gazetteer, and runs the real CLI three times under /usr/bin/time:
the first import, the same file again (all unchanged), and a file in which every tenth row
has a newer timestamp. Prints rows/s and the peak resident memory of each run.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

from app.db import Database
from app.exchange.acled import COLUMNS
from app.exchange.geography import ACLED_ADMIN1
from app.gazetteer.loader import builtin_places, upsert_places
from app.settings import Settings
from bench.database import connect, with_dbname

DB = "syria_events_exchange_bench"
RESULTS = Path(__file__).resolve().parent / "results"
CLI = Path(sys.executable).with_name("syria-events")
TYPES = (
    ("Battles", "Armed clash", "Political violence"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", "Political violence"),
    ("Explosions/Remote violence", "Air/drone strike", "Political violence"),
    ("Violence against civilians", "Attack", "Political violence"),
    ("Protests", "Peaceful protest", "Demonstrations"),
    ("Strategic developments", "Looting/property destruction", "Strategic developments"),
)


def write_file(path: Path, rows: int, newer_every: int = 0) -> None:
    """``rows`` synthetic rows; with ``newer_every``, every n-th row has a later timestamp."""
    rng = random.Random(7)
    towns = [
        p for p in builtin_places() if p["kind"] in ("city", "town") and p.get("governorate_pcode")
    ]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(rows):
            town = rng.choice(towns)
            kind, sub, disorder = rng.choice(TYPES)
            syria = n % 10 != 9
            stamp = 1_700_000_000 + (86_400 if newer_every and n % newer_every == 0 else 0)
            day = f"{2012 + n % 12}-{1 + n % 12:02d}-{1 + n % 28:02d}"
            values = {
                "event_id_cnty": f"{'SYR' if syria else 'IRQ'}{n + 1}",
                "event_date": day,
                "year": day[:4],
                "time_precision": "1",
                "disorder_type": disorder,
                "event_type": kind,
                "sub_event_type": sub,
                "actor1": f"Bench Force {n % 40}",
                "inter1": str(1 + n % 3),
                "actor2": f"Bench Group {n % 70}" if n % 3 else "",
                "inter2": str(2 + n % 5) if n % 3 else "",
                "assoc_actor_1": f"Bench Ally {n % 9}" if n % 4 == 0 else "",
                "iso": "760" if syria else "368",
                "region": "Middle East",
                "country": "Syria" if syria else "Iraq",
                "admin1": ACLED_ADMIN1[town["governorate_pcode"]],
                "location": town["name_en"],
                "latitude": "north" if n % 100 == 50 else f"{town['lat']:.4f}",
                "longitude": f"{town['lon']:.4f}",
                "geo_precision": str(1 + n % 3),
                "source": "Bench Wire",
                "source_scale": "National",
                "notes": f"Synthetic bench event {n} near {town['name_en']}.",
                "fatalities": str(n % 7),
                "timestamp": str(stamp),
            }
            writer.writerow([values.get(c, "") for c in COLUMNS])


async def recreate(base: str) -> None:
    admin = await connect(with_dbname(base, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DB}"')
    finally:
        await admin.close()


async def load_gazetteer(url: str) -> None:
    database = Database.of(Settings(database_url=url))
    try:
        async with database.session() as session:
            await upsert_places(session, builtin_places())
    finally:
        await database.dispose()


def fresh_database(settings: Settings) -> str:
    """The bench database, anew: migrated, with the built-in gazetteer."""
    from app.cli.main import migrate

    base = settings.effective_database_url
    asyncio.run(recreate(base))
    url = with_dbname(base, DB)
    migrate(url)  # alembic runs its own event loop
    asyncio.run(load_gazetteer(url))
    return url


def timed_import(url: str, path: Path) -> tuple[float, float, str]:
    """Seconds, peak RSS in MiB and the summary line of one CLI run."""
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", str(CLI), "import", "acled", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    summary = next((line for line in done.stderr.splitlines() if "created," in line), "")
    return seconds, int(peak[1]) / 1024 if peak else float("nan"), summary.strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.exchange")
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    first, newer = RESULTS / "acled-bench.csv", RESULTS / "acled-bench-newer.csv"
    write_file(first, args.rows)
    write_file(newer, args.rows, newer_every=10)
    url = fresh_database(Settings())
    size_mb = first.stat().st_size / 2**20
    print(f"{args.rows:,} rows, {size_mb:.1f} MiB")
    for label, path in (("first import", first), ("same file again", first), ("10% newer", newer)):
        seconds, peak, summary = timed_import(url, path)
        print(
            f"{label:16} {seconds:7.1f} s  {args.rows / seconds:8,.0f} rows/s"
            f"  peak RSS {peak:6.1f} MiB  {summary}"
        )


if __name__ == "__main__":
    main()
