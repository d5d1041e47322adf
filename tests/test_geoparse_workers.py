"""Geoparsing in worker processes gives exactly what it gives in the server's own process, and
a worker rebuilds its snapshot when the gazetteer changes (and only then)."""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from app.gazetteer.loader import builtin_places, upsert_places
from app.geoparse.analysis import Job, analyse
from app.geoparse.cache import Gazetteer, SnapshotCache
from app.geoparse.pool import GeoparsePool
from tests.long_reports import long_report

GOLD = Path(__file__).resolve().parents[1] / "bench" / "geoparse"


def _jobs() -> list[Job]:
    """The labelled reports of both languages, and a long report in each."""
    jobs = []
    for name in ("gold_ar.jsonl", "gold_en.jsonl"):
        for line in (GOLD / name).read_text(encoding="utf-8").splitlines():
            item = orjson.loads(line)
            published = date.fromisoformat(item["published_at"][:10])
            jobs.append(Job(item["body"], item.get("title"), published, 300))
    for language in ("ar", "en"):
        jobs.append(Job(long_report(50_000, language), None, date(2018, 9, 30), 300))
    return jobs


@pytest.fixture
async def gazetteer(session: AsyncSession, conn: AsyncConnection) -> Gazetteer:
    await upsert_places(session, builtin_places())
    await session.flush()
    return await SnapshotCache().gazetteer(conn)


@pytest.fixture
async def pool() -> AsyncIterator[GeoparsePool]:
    pool = GeoparsePool(2)
    try:
        yield pool
    finally:
        await pool.close()


async def test_a_worker_analyses_exactly_as_this_process_does(
    gazetteer: Gazetteer, pool: GeoparsePool
) -> None:
    snapshot = gazetteer.sources.build()
    jobs = _jobs()
    assert len(jobs) > 100
    for job in jobs:
        assert await pool.analyse(gazetteer, job) == analyse(snapshot, job)
    long_one = await pool.analyse(gazetteer, jobs[-1])
    assert len(long_one.mentions.place_id) > 1000 and len(long_one.drafts) > 10


async def test_a_worker_rebuilds_its_snapshot_when_the_gazetteer_changes(
    gazetteer: Gazetteer, pool: GeoparsePool
) -> None:
    job = Job("Warplanes struck Saraqib and Douma on Monday.", None, date(2019, 2, 9), 300)
    before = await pool.analyse(gazetteer, job)
    assert before.mentions.place_id == ["sy-saraqib", "sy-douma"]

    sources = gazetteer.sources
    without_saraqib = Gazetteer(
        f"{gazetteer.revision}+edited",
        replace(
            sources,
            places={k: v for k, v in sources.places.items() if k != "sy-saraqib"},
            names=[n for n in sources.names if n[0] != "sy-saraqib"],
        ),
    )
    edited = await pool.analyse(without_saraqib, job)
    assert edited == analyse(without_saraqib.sources.build(), job)
    assert edited.mentions.place_id == ["sy-douma"]

    # Back to the first revision: rebuilt from it again, not the edited one kept.
    assert await pool.analyse(gazetteer, job) == before


def test_a_worker_is_sent_the_sources_not_the_snapshot(gazetteer: Gazetteer) -> None:
    """What a snapshot is built from pickles to a small part of the snapshot itself."""
    sent = len(pickle.dumps(gazetteer.sources))
    assert sent * 10 < len(pickle.dumps(gazetteer.sources.build()))
