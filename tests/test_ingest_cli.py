"""syria-events ingest: JSONL and text files, folders; bad lines reported, re-runs skip."""

from __future__ import annotations

from pathlib import Path

import orjson
from rich.console import Console
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.gazetteer.loader import builtin_places, upsert_places
from app.reports.batch import ingest_items, read_items
from tests.conftest import RolledBackDatabase


def _files(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    lines = [
        orjson.dumps(
            {"body": "Shelling hit Aleppo on Monday.", "published_at": "2019-02-05T10:00:00Z"}
        ).decode(),
        "{not json",
        orjson.dumps({"body": ""}).decode(),
        orjson.dumps({"body": "قصفت الطائرات مدينة إدلب صباح اليوم.", "language": "ar"}).decode(),
    ]
    (folder / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "one.txt").write_text("Clashes were reported in Deir ez-Zor.", encoding="utf-8")
    (folder / "ignored.csv").write_text("not a report", encoding="utf-8")
    return folder


def test_items_are_read_from_jsonl_and_text_files(tmp_path: Path) -> None:
    items = read_items([str(_files(tmp_path))])
    where = [w.split("/")[-1] for w, _ in items]
    assert where == ["batch.jsonl:1", "batch.jsonl:2", "batch.jsonl:3", "batch.jsonl:4", "one.txt"]
    assert isinstance(items[1][1], ValueError)


async def test_ingest_stores_good_reports_reports_bad_ones_and_skips_on_rerun(
    tmp_path: Path, db: RolledBackDatabase, session: AsyncSession
) -> None:
    await upsert_places(session, builtin_places())
    items = read_items([str(_files(tmp_path))])
    quiet = Console(quiet=True)
    first = await ingest_items(db, items, quiet)
    assert (first.stored, first.skipped) == (3, 0)
    assert [f.split(": ", 1)[0].split("/")[-1] for f in first.failed] == [
        "batch.jsonl:2",
        "batch.jsonl:3",
    ]
    again = await ingest_items(db, items, quiet)
    assert (again.stored, again.skipped) == (0, 3)
    conn = await session.connection()
    assert (await conn.execute(text("SELECT count(*) FROM reports"))).scalar_one() == 3
    linked = (
        await conn.execute(
            text("SELECT array_agg(DISTINCT m.place_id ORDER BY m.place_id) FROM report_mentions m")
        )
    ).scalar_one()
    assert linked == ["sy-aleppo", "sy-deir-ez-zor", "sy-idlib"]
