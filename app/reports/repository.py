"""All report SQL."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_PLACE = """json_build_object(
  'id', {a}.id, 'name_en', {a}.name_en, 'name_ar', {a}.name_ar, 'kind', {a}.kind,
  'longitude', round(ST_X({a}.geom)::numeric, 6), 'latitude', round(ST_Y({a}.geom)::numeric, 6),
  'governorate_pcode', {a}.governorate_pcode)"""

_DETAIL = f"""
SELECT json_build_object(
  'id', r.public_id, 'title', r.title, 'body', r.body, 'language', r.language,
  'url', r.url, 'source', r.source, 'published_at', r.published_at,
  'created_at', r.created_at, 'content_hash', r.content_hash,
  'drafts_omitted', r.drafts_omitted,
  'focus', json_build_object(
    'place', (SELECT {_PLACE.format(a="fp")} FROM places fp WHERE fp.id = r.focus_place_id),
    'governorate_pcode', r.focus_governorate_pcode,
    'scores', (SELECT coalesce(json_agg(json_build_object('governorate_pcode', s.key,
                 'weight', s.value::float8) ORDER BY s.value::float8 DESC, s.key), '[]'::json)
               FROM jsonb_each(r.focus_scores) s)),
  'mentions', coalesce((
    SELECT json_agg(json_build_object(
      'text', m.text, 'start', m.start_offset, 'end', m.end_offset,
      'confidence', m.confidence, 'method', m.method,
      'role', m.role, 'focus_weight', m.focus_weight,
      'place', {_PLACE.format(a="mp")}) ORDER BY m.start_offset, m.id)
    FROM report_mentions m JOIN places mp ON mp.id = m.place_id
    WHERE m.report_id = r.id), '[]'::json),
  'events', coalesce((
    SELECT json_agg(json_build_object(
      'id', e.public_id, 'event_date', e.event_date, 'event_type', e.event_type,
      'sub_event_type', e.sub_event_type, 'status', e.status, 'quote', er.quote,
      'quote_start', er.quote_start, 'quote_end', er.quote_end)
      ORDER BY e.event_date, e.id)
    FROM event_reports er JOIN events e ON e.id = er.event_id
    WHERE er.report_id = r.id), '[]'::json)
)::text AS report
FROM reports r WHERE r.public_id = :id
"""


async def fetch_detail(conn: AsyncConnection, public_id: str) -> str | None:
    row = (await conn.execute(text(_DETAIL), {"id": public_id})).first()
    return row.report if row else None
