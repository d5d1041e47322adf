"""The change feed: what a mirror of the published events must apply, in commit order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from app.changes import repository
from app.db import Database
from app.errors import InvalidParameter
from app.web.cursor import decode_cursor, encode_cursor

CURSOR_KIND = "changes"
START = (0, 0)


@dataclass
class ChangePage:
    changes: list[dict[str, Any]]
    cursor: str


def parse_since(raw: str | None) -> tuple[int, int]:
    if raw is None:
        return START
    position = decode_cursor(raw, CURSOR_KIND, name="since")
    try:
        txid, seq = int(position[0]), int(position[1])
    except (ValueError, TypeError, IndexError):
        raise InvalidParameter("since", "not a cursor from this feed") from None
    if not (0 <= txid < 2**63 and 0 <= seq < 2**63):
        raise InvalidParameter("since", "not a cursor from this feed")
    return txid, seq


def _change(row: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "change": row.change,
        "id": row.public_id,
        "version": row.version,
        "changed_at": row.changed_at,
        "reason": row.reason,
    }
    if row.change == "retracted":
        item["retraction_reason"] = row.retraction_reason
        item["merged_into"] = row.merged_into
    else:
        item["feature"] = orjson.Fragment(row.feature)
    return item


async def list_changes(*, db: Database, since: tuple[int, int], limit: int) -> ChangePage:
    """Changes after ``since``, oldest first, and the cursor to ask for the next ones."""
    async with db.read_connection() as conn:
        rows = await repository.fetch_page(conn, since[0], since[1], limit)
    position = [int(rows[-1].txid), rows[-1].seq] if rows else [since[0], since[1]]
    return ChangePage([_change(r) for r in rows], encode_cursor(CURSOR_KIND, position))
