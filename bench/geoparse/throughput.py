"""Geoparsing speed on one core: ~400-word reports, gazetteer loaded once."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from app.geoparse.events import propose_events
from app.geoparse.gazetteer import Snapshot
from app.geoparse.parser import geoparse


def documents(reports: list[dict[str, Any]], words: int = 400) -> list[str]:
    """Gold bodies joined into documents of about ``words`` words each."""
    docs: list[str] = []
    current: list[str] = []
    count = 0
    for report in reports * 4:
        current.append(report["body"])
        count += len(report["body"].split())
        if count >= words:
            docs.append("\n\n".join(current))
            current, count = [], 0
    return docs


def measure(snapshot: Snapshot, docs: list[str], seconds: float = 5.0) -> dict[str, float]:
    """Full pipeline per report (mentions, roles, focus, dates, draft events), sequentially."""
    done = words = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for doc in docs:
            parsed = geoparse(snapshot, doc)
            propose_events(
                parsed.folded, parsed.mentions, parsed.focus, date(2020, 1, 1), parsed.roles
            )
            done += 1
            words += len(doc.split())
    elapsed = time.perf_counter() - started
    return {
        "reports_per_s": round(done / elapsed, 1),
        "words_per_report": round(words / done, 1),
        "reports": done,
        "seconds": round(elapsed, 2),
    }
