"""All SQL of the change feed.

Versions are read in (transaction id, sequence) order, and only below the oldest transaction
still running (``pg_snapshot_xmin``): a transaction that started earlier but commits later
can never slip in behind a cursor that a client already holds. A long-running writer holds
the feed back until it ends; it never makes the feed skip.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.events.sql import ACTORS_HISTORICAL, FEATURE

# What a version means to a client that mirrors the published events.
_CHANGE = """CASE
  WHEN r.status = 'published' AND coalesce(pv.status, '') <> 'published' THEN 'created'
  WHEN r.status = 'published' THEN 'updated'
  WHEN pv.status = 'published' THEN 'retracted'
END"""

# The filter, order and limit sit at the level of the version scan, so that a page reads
# ix_event_versions_txid_seq from the cursor on and stops at the limit (bench/: a page from
# the start of 200k versions took 1.4 s with the limit outside, 24 ms inside).
_PAGE = f"""
SELECT e._txid::text AS txid, e._seq AS seq, e._change AS change, e._changed_at AS changed_at,
       e._reason AS reason, e.public_id, e.version, e.retraction_reason,
       (SELECT m.public_id FROM events m WHERE m.id = e.merged_into_id) AS merged_into,
       CASE WHEN e._change <> 'retracted' THEN {FEATURE} END AS feature
FROM (
  SELECT r.*, v.data AS _data, v.txid AS _txid, v.seq AS _seq, v.changed_at AS _changed_at,
         v.change_reason AS _reason, c._change
  FROM event_versions v
  CROSS JOIN LATERAL jsonb_populate_record(NULL::events, v.data) r
  LEFT JOIN LATERAL (
    SELECT p.data->>'status' AS status FROM event_versions p
    WHERE p.event_id = v.event_id AND p.version = v.version - 1
  ) pv ON true
  CROSS JOIN LATERAL (SELECT {_CHANGE} AS _change) c
  WHERE v.txid < pg_snapshot_xmin(pg_current_snapshot())
    AND (v.txid, v.seq) > (CAST(:txid AS xid8), :seq)
    AND c._change IS NOT NULL
  ORDER BY v.txid, v.seq
  LIMIT :limit
) e {ACTORS_HISTORICAL}
ORDER BY e._txid, e._seq
"""


async def fetch_page(conn: AsyncConnection, txid: int, seq: int, limit: int) -> list[Row[Any]]:
    """Changes after position (txid, seq), oldest first."""
    params = {"txid": txid, "seq": seq, "limit": limit}
    return list((await conn.execute(text(_PAGE), params)).all())
