"""SQL fragments shared by every event query: PostGIS writes each Feature's JSON.

An event comes from one of two sources, both aliased ``e`` with the columns of ``events``:
the live table, or its history (``event_versions``: each version's row rebuilt with
``jsonb_populate_record``, and the version's whole snapshot as ``e._data``). Actors and
linked places come from the link tables for the one and from the snapshot for the other, so
that every list, detail, export and the change feed are the same SQL over either source.
"""

from __future__ import annotations

from app.web.columnar import Column, Kind

ACTORS_LIVE = """
LEFT JOIN LATERAL (
  SELECT json_agg(json_build_object('name', a.name, 'side', ea.side)
                  ORDER BY ea.side, a.name) AS actors,
         string_agg(a.name, '; ' ORDER BY a.name) FILTER (WHERE ea.side = 'actor1') AS actor1,
         string_agg(a.name, '; ' ORDER BY a.name) FILTER (WHERE ea.side = 'actor2') AS actor2
  FROM event_actors ea JOIN actors a ON a.id = ea.actor_id
  WHERE ea.event_id = e.id
) ac ON true
LEFT JOIN places p ON p.id = e.place_id
"""

# From the version's snapshot; for a live row of HISTORICAL_SOURCE (``_data`` NULL), from
# the link tables.
ACTORS_HISTORICAL = """
LEFT JOIN LATERAL (
  SELECT json_agg(json_build_object('name', x.name, 'side', x.side)
                  ORDER BY x.side, x.name) AS actors,
         string_agg(x.name, '; ' ORDER BY x.name) FILTER (WHERE x.side = 'actor1') AS actor1,
         string_agg(x.name, '; ' ORDER BY x.name) FILTER (WHERE x.side = 'actor2') AS actor2
  FROM (SELECT y.name, y.side FROM jsonb_to_recordset(e._data->'actors') AS y(name text, side text)
        UNION ALL
        SELECT a.name, ea.side FROM event_actors ea JOIN actors a ON a.id = ea.actor_id
        WHERE e._data IS NULL AND ea.event_id = e.id) x
) ac ON true
LEFT JOIN places p ON p.id = e.place_id
"""

# The events as they stood at :as_of. An event not changed since then is its live row
# (every change moves updated_at: the version triggers); only events changed since are
# rebuilt from their latest version at :as_of, so the live indexes serve both (bench/:
# 1.9 s when every version was rebuilt, 18 ms so). ``_data`` is that version's snapshot,
# NULL for live rows.
HISTORICAL_SOURCE = """(
  SELECT ev.*, NULL::jsonb AS _data FROM events ev WHERE ev.updated_at <= :as_of
  UNION ALL
  SELECT r.*, v.data AS _data
  FROM events cur
  CROSS JOIN LATERAL (
    SELECT data FROM event_versions
    WHERE event_id = cur.id AND changed_at <= :as_of ORDER BY version DESC LIMIT 1
  ) v
  CROSS JOIN LATERAL jsonb_populate_record(NULL::events, v.data) r
  WHERE cur.updated_at > :as_of
) e"""

# Each property of an event's Feature and the SQL that writes it, in the Features' order.
FEATURE_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("event_date", "e.event_date"),
    ("time_precision", "e.time_precision"),
    ("event_type", "e.event_type"),
    ("sub_event_type", "e.sub_event_type"),
    ("description", "e.description"),
    ("fatalities", "e.fatalities"),
    ("fatalities_low", "e.fatalities_low"),
    ("fatalities_high", "e.fatalities_high"),
    ("civilian_fatalities", "e.civilian_fatalities"),
    ("geo_precision", "e.geo_precision"),
    ("governorate_pcode", "e.governorate_pcode"),
    ("place_id", "e.place_id"),
    ("place_name", "p.name_en"),
    ("place_name_ar", "p.name_ar"),
    ("actor1", "ac.actor1"),
    ("actor2", "ac.actor2"),
    ("actors", "coalesce(ac.actors, '[]'::json)"),
    ("source", "e.source"),
    ("status", "e.status"),
    ("version", "e.version"),
    ("created_at", "e.created_at"),
    ("updated_at", "e.updated_at"),
)


def properties_sql(names: tuple[str, ...] | None = None) -> str:
    """The arguments of json_build_object for these properties (all when None)."""
    chosen = (
        FEATURE_PROPERTIES
        if names is None
        else [(n, sql) for n, sql in FEATURE_PROPERTIES if n in names]
    )
    return ", ".join(f"'{name}', {sql}" for name, sql in chosen)


def feature_sql(names: tuple[str, ...] | None = None, *, geometry: bool = True) -> str:
    """An event's Feature JSON text: its properties ``names`` (all when None), its geometry
    unless not wanted (null then, as RFC 7946 allows)."""
    shape = "ST_AsGeoJSON(e.geom, 6)::json" if geometry else "NULL::json"
    return f"""
json_build_object(
  'type', 'Feature', 'id', e.public_id,
  'geometry', {shape},
  'properties', json_build_object({properties_sql(names)})
)::text
"""


PROPERTIES = properties_sql()
FEATURE = feature_sql()

# Every value as PostgreSQL writes it, so that COPY (exports) and a page (rows through the
# csv module) give the same text; updated_at as in the Features (RFC 3339).
CSV_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "e.public_id"),
    ("event_date", "e.event_date"),
    ("time_precision", "e.time_precision"),
    ("event_type", "e.event_type"),
    ("sub_event_type", "e.sub_event_type"),
    ("actor1", "ac.actor1"),
    ("actor2", "ac.actor2"),
    ("governorate_pcode", "e.governorate_pcode"),
    ("place_id", "e.place_id"),
    ("place_name", "p.name_en"),
    ("latitude", "round(ST_Y(e.geom)::numeric, 6)"),
    ("longitude", "round(ST_X(e.geom)::numeric, 6)"),
    ("geo_precision", "e.geo_precision"),
    ("fatalities", "e.fatalities"),
    ("fatalities_low", "e.fatalities_low"),
    ("fatalities_high", "e.fatalities_high"),
    ("civilian_fatalities", "e.civilian_fatalities"),
    ("description", "e.description"),
    ("status", "e.status"),
    ("version", "e.version"),
    ("updated_at", "to_json(e.updated_at) #>> '{}'"),
)
CSV_COLUMNS = tuple(name for name, _ in CSV_FIELDS)


def csv_sql(names: tuple[str, ...] | None = None) -> tuple[tuple[str, ...], str]:
    """The CSV columns of these names (all when None) and their SELECT list."""
    chosen = [(n, sql) for n, sql in CSV_FIELDS if names is None or n in names]
    return tuple(n for n, _ in chosen), ", ".join(f"{sql} AS {name}" for name, sql in chosen)


CSV_SELECT = csv_sql()[1]

# The CSV columns with types of their own, for the columnar formats (GeoParquet, FlatGeobuf):
# a day, counts, coordinates and an instant as themselves rather than as text.
_TYPED_SQL = {
    "latitude": "round(ST_Y(e.geom)::numeric, 6)::float8",
    "longitude": "round(ST_X(e.geom)::numeric, 6)::float8",
    "updated_at": "e.updated_at",
}
# Every CSV column's kind: a column added to CSV_FIELDS without one fails at import (below).
_KINDS: dict[str, Kind] = {
    "id": "string",
    "event_date": "date",
    "time_precision": "int",
    "event_type": "string",
    "sub_event_type": "string",
    "actor1": "string",
    "actor2": "string",
    "governorate_pcode": "string",
    "place_id": "string",
    "place_name": "string",
    "latitude": "float",
    "longitude": "float",
    "geo_precision": "int",
    "fatalities": "int",
    "fatalities_low": "int",
    "fatalities_high": "int",
    "civilian_fatalities": "int",
    "description": "string",
    "status": "string",
    "version": "int",
    "updated_at": "timestamp",
}
# Each row ends with the point (lon, lat), which the formats write as their geometry.
_POINT = "ST_X(e.geom) AS _lon, ST_Y(e.geom) AS _lat"


def typed_sql(names: tuple[str, ...] | None = None) -> tuple[tuple[Column, ...], str]:
    """The typed columns of these CSV names (all when None) and their SELECT list, which
    ends with the point's longitude and latitude."""
    chosen = [(n, _TYPED_SQL.get(n, sql)) for n, sql in CSV_FIELDS if names is None or n in names]
    columns = tuple(Column(n, _KINDS[n]) for n, _ in chosen)
    return columns, ", ".join([*(f"{sql} AS {name}" for name, sql in chosen), _POINT])


TYPED_COLUMNS = typed_sql()[0]


_PLACES_LIVE = """SELECT ep.place_id, ep.role, 1 FROM event_places ep
              WHERE ep.event_id = e.id AND ep.role <> 'primary'"""
_PLACES_HISTORICAL = """SELECT x.id, x.role, 1
              FROM jsonb_to_recordset(e._data->'places') AS x(id text, role text)
              WHERE x.role <> 'primary'"""
_REPORTS_LIVE = "event_reports er JOIN reports r ON r.id = er.report_id WHERE er.event_id = e.id"
_REPORTS_HISTORICAL = """jsonb_array_elements_text(e._data->'reports') AS hr(public_id)
      JOIN reports r ON r.public_id = hr.public_id
      LEFT JOIN event_reports er ON er.event_id = e.id AND er.report_id = r.id"""


def detail_feature(*, historical: bool) -> str:
    """One event with its places, reports (quotes) and actors, as Feature JSON text."""
    places = _PLACES_HISTORICAL if historical else _PLACES_LIVE
    reports = _REPORTS_HISTORICAL if historical else _REPORTS_LIVE
    return f"""json_build_object(
  'type', 'Feature', 'id', e.public_id,
  'geometry', ST_AsGeoJSON(e.geom, 6)::json,
  'properties', json_build_object({PROPERTIES},
    'places', coalesce((
      SELECT json_agg(json_build_object(
        'role', x.role, 'id', pl.id, 'name_en', pl.name_en, 'name_ar', pl.name_ar,
        'kind', pl.kind, 'longitude', round(ST_X(pl.geom)::numeric, 6),
        'latitude', round(ST_Y(pl.geom)::numeric, 6),
        'governorate_pcode', pl.governorate_pcode) ORDER BY x.ord, pl.id)
      FROM (SELECT e.place_id AS place_id, 'primary' AS role, 0 AS ord
              WHERE e.place_id IS NOT NULL
            UNION
            {places}) x
      JOIN places pl ON pl.id = x.place_id), '[]'::json),
    'reports', coalesce((
      SELECT json_agg(json_build_object(
        'id', r.public_id, 'title', r.title, 'url', r.url, 'source', r.source,
        'language', r.language, 'published_at', r.published_at,
        'quote', er.quote, 'quote_start', er.quote_start, 'quote_end', er.quote_end)
        ORDER BY r.published_at, r.id)
      FROM {reports}), '[]'::json),
    'retraction_reason', e.retraction_reason,
    'merged_into', (SELECT m.public_id FROM events m WHERE m.id = e.merged_into_id)
  )
)::text"""
