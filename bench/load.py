"""Synthetic events, places and actors, generated in SQL (INSERT ... SELECT generate_series).

Every random pick happens in PostgreSQL; Python only sends the weights and word pools as
array parameters. Events go in through the real ``events`` table, so the version triggers and
every index are maintained as in production. Each batch of events and its actors is one
statement (a data-modifying WITH), as one API write is one transaction: migration 0005's
statement-level trigger on ``events`` fires after the actors are in, so each event's version
1 is written once, with its actors.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

import asyncpg

from app.stats.folding import FOLD_ROWS
from bench import seed
from bench.database import connect

# Events (and their actors) per statement. Since migration 0005 a batch costs what its rows
# cost, so larger ones gain nothing: 2,226 events/s in batches of 1,000 (20,000 events),
# 1,894 in batches of 10,000 (30,000 events), on the shared 2-core machine.
BATCH = 1_000
LOG_EVERY = 25_000
WORKERS = max(1, min(4, os.cpu_count() or 1))
VILLAGES_PER_CENTRE = 44  # 45 centres * (1 + 44) = 2,025 places

_HELPERS = (
    # A standard normal draw (Box-Muller).
    "CREATE FUNCTION pg_temp.bench_gauss() RETURNS float8 LANGUAGE sql VOLATILE AS"
    " $$ SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) $$",
    # An element of an array; skew > 1 favours the head of the array.
    "CREATE FUNCTION pg_temp.bench_pick(arr anyarray, skew float8) RETURNS anyelement"
    " LANGUAGE sql VOLATILE AS"
    " $$ SELECT arr[1 + floor(power(random(), skew) * cardinality(arr))::int] $$",
    """CREATE TEMP TABLE bench_centres (
         idx int PRIMARY KEY, slug text, name_en text, name_ar text, kind text,
         lon float8, lat float8, governorate text, weight float8, sigma float8)""",
)

_PLACES = """
INSERT INTO places (id, name_en, name_ar, kind, geom, governorate_pcode, population,
                    source, source_id)
SELECT p.id, p.name_en, p.name_ar, p.kind, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326),
       (SELECT c.governorate FROM bench_centres c
         ORDER BY (c.lon - p.lon) ^ 2 + (c.lat - p.lat) ^ 2 LIMIT 1),
       p.population, 'bench', p.id
FROM (
  SELECT 'bench-' || c.slug AS id, c.name_en, c.name_ar, c.kind, c.lon, c.lat,
         CASE WHEN c.kind IN ('city', 'town') THEN (c.weight * 40000)::int END AS population
  FROM bench_centres c
  UNION ALL
  SELECT format('bench-%s-%s', c.slug, lpad(k::text, 3, '0')),
         format('%s %s %s', ($1::text[])[1 + k % cardinality($1::text[])], c.name_en, k),
         format('%s %s %s', ($2::text[])[1 + k % cardinality($2::text[])], c.name_ar, k),
         'village',
         least(greatest(c.lon + c.sigma * pg_temp.bench_gauss(), $4), $5),
         least(greatest(c.lat + c.sigma * pg_temp.bench_gauss(), $6), $7),
         (200 + random() * 8000)::int
  FROM bench_centres c CROSS JOIN generate_series(1, $3::int) k
) p
"""

# $1 centre slots, $2 type slots (event_type), $3 (sub_event_type), $4 year slots,
# $5 English words, $6 Arabic words, $7 retraction reasons, $8/$9 first/last number,
# $10 villages per centre, $11..$14 Syria's extent (lon, lon, lat, lat), $15 actor ids.
# Each event gets one actor1 and, for about 55% of them, an actor2 (a different actor).
_EVENTS = """
WITH s AS MATERIALIZED (
  SELECT g, pg_temp.bench_pick($1::int[], 1) AS ci,
         1 + floor(random() * cardinality($2::text[]))::int AS tj,
         pg_temp.bench_pick($4::int[], 1) AS yr,
         random() AS r_place, random() AS r_status, random() AS r_prec,
         10 + floor(random() * 11)::int AS n_en, 6 + floor(random() * 9)::int AS n_ar,
         1 + floor(random() * $10::int)::int AS village
  FROM generate_series($8::int, $9::int) g
), x AS MATERIALIZED (
  SELECT s.*, c.name_en AS c_en, c.name_ar AS c_ar,
         CASE WHEN s.r_place < 0.25 THEN 'bench-' || c.slug
              ELSE format('bench-%s-%s', c.slug, lpad(s.village::text, 3, '0')) END AS place_id
  FROM s JOIN bench_centres c ON c.idx = s.ci
), inserted AS (
  INSERT INTO events (event_date, time_precision, event_type, sub_event_type, description,
                      fatalities, geom, geo_precision, place_id, governorate_pcode, status,
                      retraction_reason, source, source_id, created_by)
  SELECT make_date(x.yr, 1, 1)
           + floor(random() * (make_date(x.yr + 1, 1, 1) - make_date(x.yr, 1, 1)))::int,
         CASE WHEN x.r_prec < 0.8 THEN 1 WHEN x.r_prec < 0.95 THEN 2 ELSE 3 END,
         ($2::text[])[x.tj], ($3::text[])[x.tj],
         'Near ' || x.c_en || ': '
           || (SELECT string_agg(pg_temp.bench_pick($5::text[], 1.8), ' ')
                 FROM generate_series(1, x.n_en)) || '. '
           || (SELECT string_agg(pg_temp.bench_pick($6::text[], 1.8), ' ')
                 FROM generate_series(1, x.n_ar)) || ' في ' || x.c_ar || '.',
         CASE WHEN random() < 0.35 THEN 0 ELSE floor(-ln(1 - random()) * 4)::int END,
         ST_SetSRID(ST_MakePoint(
           least(greatest(ST_X(p.geom) + 0.004 * pg_temp.bench_gauss(), $11), $12),
           least(greatest(ST_Y(p.geom) + 0.004 * pg_temp.bench_gauss(), $13), $14)), 4326),
         CASE WHEN x.r_prec < 0.7 THEN 1 WHEN x.r_prec < 0.93 THEN 2 ELSE 3 END,
         p.id, p.governorate_pcode,
         CASE WHEN x.r_status < 0.90 THEN 'published'
              WHEN x.r_status < 0.97 THEN 'draft' ELSE 'retracted' END,
         CASE WHEN x.r_status >= 0.97 THEN pg_temp.bench_pick($7::text[], 1) END,
         'bench', 'bench-' || x.g, 'bench'
  FROM x JOIN places p ON p.id = x.place_id
  RETURNING id
), t AS MATERIALIZED (
  SELECT i.id, pg_temp.bench_pick($15::bigint[], 2.2) AS a1,
         pg_temp.bench_pick($15::bigint[], 1.6) AS a2, random() AS r
  FROM inserted i
)
INSERT INTO event_actors (event_id, actor_id, side)
SELECT t.id, v.actor_id, v.side
FROM t CROSS JOIN LATERAL (VALUES (t.a1, 'actor1'),
  (CASE WHEN t.r < 0.55 AND t.a2 <> t.a1 THEN t.a2 END, 'actor2')) AS v(actor_id, side)
WHERE v.actor_id IS NOT NULL
"""


async def _type_slots(conn: asyncpg.Connection) -> tuple[list[str], list[str]]:
    """(event_type, sub_event_type) pairs from the table, weighted by the seed's skew."""
    rows = await conn.fetch("SELECT event_type, sub_event_type FROM event_types ORDER BY 1, 2")
    per_type: dict[str, float] = {}
    for r in rows:
        sub_weight = seed.SUB_TYPE_WEIGHTS.get(r["sub_event_type"], 1.0)
        per_type[r["event_type"]] = per_type.get(r["event_type"], 0.0) + sub_weight
    weights = [
        seed.TYPE_WEIGHTS.get(r["event_type"], 1.0)
        * seed.SUB_TYPE_WEIGHTS.get(r["sub_event_type"], 1.0)
        / per_type[r["event_type"]]
        for r in rows
    ]
    picks = seed.slots(weights)
    return (
        [rows[i - 1]["event_type"] for i in picks],
        [rows[i - 1]["sub_event_type"] for i in picks],
    )


def _seed(first: int) -> float:
    """PostgreSQL's random() seed for the batch starting at ``first``: every load of N events
    is the same data, whichever connection wrote which batch (a scenario names a z14 tile that
    one unseeded load left empty)."""
    return (first % 1_000_003) / 1_000_003


async def _setup(conn: asyncpg.Connection) -> None:
    for sql in _HELPERS:
        await conn.execute(sql)
    await conn.copy_records_to_table(
        "bench_centres",
        records=[
            (
                i,
                c.slug,
                c.name_en,
                c.name_ar,
                c.kind,
                c.lon,
                c.lat,
                c.governorate,
                c.weight,
                c.sigma,
            )
            for i, c in enumerate(seed.CENTRES, start=1)
        ],
    )


async def load(url: str, events: int, log: Callable[[str], None]) -> dict[str, float]:
    """Places, actors, ``events`` events and their actors, then VACUUM ANALYZE; timings."""
    timings: dict[str, float] = {}
    conn = await connect(url)
    try:
        await conn.execute("SET synchronous_commit = off")
        await _setup(conn)
        started = time.perf_counter()
        await conn.execute("SELECT setseed($1)", _seed(0))
        await conn.execute(
            _PLACES,
            list(seed.VILLAGE_PREFIXES_EN),
            list(seed.VILLAGE_PREFIXES_AR),
            VILLAGES_PER_CENTRE,
            *seed.LON_RANGE,
            *seed.LAT_RANGE,
        )
        await conn.executemany(
            "INSERT INTO actors (name, name_ar, inter_code) VALUES ($1, $2, $3)", seed.ACTORS
        )
        timings["places_actors_s"] = time.perf_counter() - started

        types, subs = await _type_slots(conn)
        centre_slots = seed.slots([c.weight for c in seed.CENTRES])
        years = list(seed.YEAR_WEIGHTS)
        year_slots = [years[i - 1] for i in seed.slots(list(seed.YEAR_WEIGHTS.values()))]
        actor_ids = [r["id"] for r in await conn.fetch("SELECT id FROM actors ORDER BY id")]
        args = (centre_slots, types, subs, year_slots, list(seed.WORDS_EN),
                list(seed.WORDS_AR), list(seed.RETRACTION_REASONS))  # fmt: skip
        batches = list(range(1, events + 1, BATCH))
        done = [0]
        started = time.perf_counter()

        async def worker(share: list[int]) -> None:
            own = await connect(url)
            try:
                await own.execute("SET synchronous_commit = off")
                await _setup(own)
                for first in share:
                    last = min(first + BATCH - 1, events)
                    await own.execute("SELECT setseed($1)", _seed(first))
                    await own.execute(_EVENTS, *args, first, last, VILLAGES_PER_CENTRE,
                                      *seed.LON_RANGE, *seed.LAT_RANGE, actor_ids)  # fmt: skip
                    before, done[0] = done[0], done[0] + last - first + 1
                    if before // LOG_EVERY != done[0] // LOG_EVERY or done[0] == events:
                        elapsed = time.perf_counter() - started
                        log(f"  events {done[0]:,}/{events:,} ({elapsed:.1f}s)")
            finally:
                await own.close()

        # One connection per core: the work is PostgreSQL's (index and history inserts), and
        # one backend uses one core.
        await asyncio.gather(*(worker(batches[i::WORKERS]) for i in range(WORKERS)))
        # Events with their actors and versions, one statement per batch.
        timings["events_s"] = time.perf_counter() - started

        # The statistics' roll-ups as the API would find them after its background fold.
        started = time.perf_counter()
        while await conn.fetchval("SELECT se_rollup_compact($1)", FOLD_ROWS):
            pass
        timings["rollups_fold_s"] = time.perf_counter() - started

        started = time.perf_counter()
        await conn.execute("VACUUM (ANALYZE)")
        timings["vacuum_analyze_s"] = time.perf_counter() - started
    finally:
        await conn.close()
    timings["total_s"] = sum(timings.values())
    return timings
