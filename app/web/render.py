"""Serialisation of ready-made rows: Feature JSON from PostGIS is joined, never re-parsed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson


def feature_collection(
    features: Sequence[str],
    links: list[dict[str, str]],
    number_matched: int | None = None,
    number_estimated: int | None = None,
    citation: dict[str, str] | None = None,
) -> bytes:
    """A FeatureCollection of Feature JSON texts. ``numberMatched`` is only ever exact; the
    planner's estimate is ``numberMatchedEstimate``, named so that no client takes it for
    a count."""
    head: dict[str, Any] = {
        "numberReturned": len(features),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "links": links,
    }
    if number_matched is not None:
        head["numberMatched"] = number_matched
    if number_estimated is not None:
        head["numberMatchedEstimate"] = number_estimated
    if citation:
        head["links"] = [
            *links,
            {"href": citation["href"], "rel": "cite-as", "type": links[0]["type"]},
        ]
        head["citation"] = citation["text"]
    tail = orjson.dumps(head)
    return b"".join(
        (
            b'{"type":"FeatureCollection","features":[',
            ",".join(features).encode(),
            b"],",
            tail[1:],
        )
    )


def total_headers(number_matched: int | None, number_estimated: int | None) -> dict[str, str]:
    """The same counts for CSV and NDJSON pages, as headers."""
    headers = {}
    if number_matched is not None:
        headers["X-Total-Count"] = str(number_matched)
    if number_estimated is not None:
        headers["X-Total-Count-Estimate"] = str(number_estimated)
    return headers


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return "" if value is None else value


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]], header: bool = True) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue()
