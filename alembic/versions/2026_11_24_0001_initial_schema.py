"""Initial schema: gazetteer, reports, events, their links and the event version history.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql as pg

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies: a migration must not change when app code does (tests compare them).
EVENT_TYPES = {
    "Battles": [
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ],
    "Explosions/Remote violence": [
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ],
    "Violence against civilians": ["Sexual violence", "Attack", "Abduction/forced disappearance"],
    "Protests": [
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ],
    "Riots": ["Violent demonstration", "Mob violence"],
    "Strategic developments": [
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ],
}
GOVERNORATES = [
    ("SY01", "Damascus", "دمشق"),
    ("SY02", "Aleppo", "حلب"),
    ("SY03", "Rural Damascus", "ريف دمشق"),
    ("SY04", "Homs", "حمص"),
    ("SY05", "Hama", "حماة"),
    ("SY06", "Lattakia", "اللاذقية"),
    ("SY07", "Idleb", "إدلب"),
    ("SY08", "Al-Hasakeh", "الحسكة"),
    ("SY09", "Deir-ez-Zor", "دير الزور"),
    ("SY10", "Tartous", "طرطوس"),
    ("SY11", "Ar-Raqqa", "الرقة"),
    ("SY12", "Dar'a", "درعا"),
    ("SY13", "As-Sweida", "السويداء"),
    ("SY14", "Quneitra", "القنيطرة"),
]

NORMALIZE_FN = r"""
CREATE FUNCTION se_normalize(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  -- Mirrors app/text/normalize.py: drop harakat and tatweel, fold hamza forms,
  -- taa marbuta and alef maqsura; lower-case, fold the diacritics of transliteration
  -- (Ḥimṣ, Jisr ash-Shughūr), hyphens to spaces, apostrophes and ayn/hamza marks away.
  SELECT translate(lower(translate(
    regexp_replace(t, '[\u064B-\u065F\u0670\u0640]', '', 'g'),
    'أإآٱؤئىةیک', 'ااااوييهيك')),
    'āáàâäīíìîïūúùûüēéèêëōóòôöḥṣṭḍẓġšçşğıḩţẕ-''’‘`ʿʾ',
    'aaaaaiiiiiuuuuueeeeeooooohstdzgscsgihtz ')
$$;
"""

PUBLIC_ID_FN = """
CREATE FUNCTION se_public_id(prefix text) RETURNS text
LANGUAGE sql VOLATILE AS $$
  -- Opaque, unguessable, URL-safe; never reused, never derived from the row.
  SELECT prefix || '_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 16)
$$;
"""

# Every insert or update of an event writes a version row in the same transaction, also for
# direct SQL. The writer may name itself and a reason with SET LOCAL se.actor / se.reason.
VERSION_TRIGGERS = [
    """
CREATE FUNCTION se_events_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Generated columns are not computed yet in a BEFORE trigger: compare without them.
  IF to_jsonb(NEW) - '{search_text,version,updated_at}'::text[]
     IS DISTINCT FROM to_jsonb(OLD) - '{search_text,version,updated_at}'::text[] THEN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END $$
""",
    """
CREATE FUNCTION se_events_record_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN
    RETURN NULL;
  END IF;
  INSERT INTO event_versions (event_id, version, op, data, changed_by, change_reason)
  VALUES (
    NEW.id, NEW.version,
    CASE WHEN TG_OP = 'INSERT' THEN 'create'
         WHEN NEW.status = 'retracted' AND OLD.status <> 'retracted' THEN 'retract'
         ELSE 'update' END,
    to_jsonb(NEW) - 'search_text',
    coalesce(NULLIF(current_setting('se.actor', true), ''), NEW.updated_by, NEW.created_by),
    NULLIF(current_setting('se.reason', true), '')
  );
  RETURN NULL;
END $$
""",
    """
CREATE TRIGGER trg_events_bump_version BEFORE UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION se_events_bump_version()
""",
    """
CREATE TRIGGER trg_events_record_version AFTER INSERT OR UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION se_events_record_version()
""",
]


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(NORMALIZE_FN)
    op.execute(PUBLIC_ID_FN)

    op.create_table(
        "governorates",
        sa.Column("pcode", sa.Text, primary_key=True),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("name_ar", sa.Text, nullable=False),
        sa.CheckConstraint("pcode ~ '^SY(0[1-9]|1[0-4])$'", name="ck_governorates_pcode"),
    )
    op.bulk_insert(
        sa.table("governorates", sa.column("pcode"), sa.column("name_en"), sa.column("name_ar")),
        [{"pcode": p, "name_en": en, "name_ar": ar} for p, en, ar in GOVERNORATES],
    )

    op.create_table(
        "event_types",
        sa.Column("event_type", sa.Text, primary_key=True),
        sa.Column("sub_event_type", sa.Text, primary_key=True),
        sa.UniqueConstraint("sub_event_type", name="uq_event_types_sub_event_type"),
    )
    op.bulk_insert(
        sa.table("event_types", sa.column("event_type"), sa.column("sub_event_type")),
        [{"event_type": t, "sub_event_type": s} for t, subs in EVENT_TYPES.items() for s in subs],
    )

    op.create_table(
        "places",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("name_ar", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("area", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)),
        sa.Column("pcode", sa.Text, unique=True),
        sa.Column("governorate_pcode", sa.Text, sa.ForeignKey("governorates.pcode")),
        sa.Column("district_pcode", sa.Text),
        sa.Column("country_code", sa.Text, nullable=False, server_default="SY"),
        sa.Column("population", sa.Integer),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_id", sa.Text),
        sa.Column("source_note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.UniqueConstraint("source", "source_id", name="uq_places_source_source_id"),
        sa.CheckConstraint("id ~ '^[a-z0-9][a-z0-9._:-]*$'", name="ck_places_id"),
        sa.CheckConstraint("population IS NULL OR population >= 0", name="ck_places_population"),
    )
    op.create_index("ix_places_geom", "places", ["geom"], postgresql_using="gist")
    op.create_index("ix_places_area", "places", ["area"], postgresql_using="gist")
    op.create_index("ix_places_kind", "places", ["kind"])
    op.create_index("ix_places_governorate_pcode", "places", ["governorate_pcode"])

    op.create_table(
        "place_names",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "place_id", sa.Text, sa.ForeignKey("places.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("lang", sa.Text, nullable=False, server_default="und"),
        sa.Column("name_norm", sa.Text, sa.Computed("se_normalize(name)", persisted=True)),
        sa.Column("is_preferred", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("place_id", "name", name="uq_place_names_place_id_name"),
    )
    op.create_index("ix_place_names_name_norm", "place_names", ["name_norm"])
    op.create_index(
        "ix_place_names_name_norm_trgm",
        "place_names",
        ["name_norm"],
        postgresql_using="gin",
        postgresql_ops={"name_norm": "gin_trgm_ops"},
    )

    op.create_table(
        "actors",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("name_ar", sa.Text),
        sa.Column("inter_code", sa.SmallInteger),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("inter_code BETWEEN 0 AND 8", name="ck_actors_inter_code"),
    )
    op.create_index(
        "ix_actors_name_trgm",
        "actors",
        [sa.text("se_normalize(name)")],
        postgresql_using="gin",
        postgresql_ops={"se_normalize(name)": "gin_trgm_ops"},
    )

    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "public_id",
            sa.Text,
            nullable=False,
            unique=True,
            server_default=sa.text("se_public_id('rp')"),
        ),
        sa.Column("title", sa.Text),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("language", sa.Text, nullable=False, server_default="und"),
        sa.Column("url", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("content_hash", sa.Text, nullable=False, unique=True),
        sa.Column("focus_place_id", sa.Text, sa.ForeignKey("places.id")),
        sa.Column("focus_governorate_pcode", sa.Text, sa.ForeignKey("governorates.pcode")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("created_by", sa.Text),
        sa.CheckConstraint("length(body) > 0", name="ck_reports_body"),
    )
    op.create_index(
        "uq_reports_url",
        "reports",
        ["url"],
        unique=True,
        postgresql_where=sa.text("url IS NOT NULL"),
    )
    op.create_index("ix_reports_published_at", "reports", ["published_at"])

    op.create_table(
        "report_mentions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "report_id",
            sa.BigInteger,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("place_id", sa.Text, sa.ForeignKey("places.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("start_offset", sa.Integer, nullable=False),
        sa.Column("end_offset", sa.Integer, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.CheckConstraint(
            "start_offset >= 0 AND end_offset > start_offset", name="ck_report_mentions_offsets"
        ),
        sa.CheckConstraint("confidence BETWEEN 0 AND 1", name="ck_report_mentions_confidence"),
    )
    op.create_index(
        "ix_report_mentions_report_id", "report_mentions", ["report_id", "start_offset"]
    )
    op.create_index("ix_report_mentions_place_id", "report_mentions", ["place_id"])

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "public_id",
            sa.Text,
            nullable=False,
            unique=True,
            server_default=sa.text("se_public_id('ev')"),
        ),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("time_precision", sa.SmallInteger, nullable=False, server_default="1"),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("sub_event_type", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("search_text", sa.Text, sa.Computed("se_normalize(description)", persisted=True)),
        sa.Column("fatalities", sa.Integer),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("geo_precision", sa.SmallInteger, nullable=False, server_default="1"),
        sa.Column("place_id", sa.Text, sa.ForeignKey("places.id")),
        sa.Column("governorate_pcode", sa.Text, sa.ForeignKey("governorates.pcode")),
        sa.Column("district_pcode", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default="draft"),
        sa.Column("retraction_reason", sa.Text),
        sa.Column("merged_into_id", sa.BigInteger, sa.ForeignKey("events.id")),
        sa.Column("source", sa.Text, nullable=False, server_default="analyst"),
        sa.Column("source_id", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_by", sa.Text),
        sa.Column("updated_by", sa.Text),
        sa.ForeignKeyConstraint(
            ["event_type", "sub_event_type"],
            ["event_types.event_type", "event_types.sub_event_type"],
            name="fk_events_event_type_event_types",
        ),
        sa.UniqueConstraint("source", "source_id", name="uq_events_source_source_id"),
        sa.CheckConstraint("time_precision BETWEEN 1 AND 3", name="ck_events_time_precision"),
        sa.CheckConstraint("geo_precision BETWEEN 1 AND 3", name="ck_events_geo_precision"),
        sa.CheckConstraint("fatalities IS NULL OR fatalities >= 0", name="ck_events_fatalities"),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'retracted')", name="ck_events_status"
        ),
        sa.CheckConstraint(
            "ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90",
            name="ck_events_geom_lonlat",
        ),
        sa.CheckConstraint(
            "status <> 'retracted' OR retraction_reason IS NOT NULL",
            name="ck_events_retraction_reason",
        ),
    )
    # What EXPLAIN on 200k events used (bench/explain.py): paged lists walk ix_events_date_id
    # backwards (keyset), bbox exports and radius queries use ix_events_geom, rare words the
    # trigram index. Governorate/type/updated_at indexes went unused and are not created;
    # ix_events_place_id serves foreign-key checks when a place is changed or removed.
    op.create_index("ix_events_geom", "events", ["geom"], postgresql_using="gist")
    op.create_index("ix_events_date_id", "events", ["event_date", "id"])
    op.create_index("ix_events_place_id", "events", ["place_id"])
    op.create_index(
        "ix_events_search_text_trgm",
        "events",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )

    op.create_table(
        "event_reports",
        sa.Column(
            "event_id",
            sa.BigInteger,
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("reports.id"), primary_key=True),
        sa.Column("quote", sa.Text),
        sa.Column("quote_start", sa.Integer),
        sa.Column("quote_end", sa.Integer),
        sa.CheckConstraint(
            "quote_start IS NULL OR quote_end > quote_start", name="ck_event_reports_quote_offsets"
        ),
    )
    op.create_index("ix_event_reports_report_id", "event_reports", ["report_id"])

    op.create_table(
        "event_places",
        sa.Column(
            "event_id",
            sa.BigInteger,
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("place_id", sa.Text, sa.ForeignKey("places.id"), primary_key=True),
        sa.Column("role", sa.Text, primary_key=True),
        sa.CheckConstraint(
            "role IN ('primary', 'mentioned', 'target', 'origin')", name="ck_event_places_role"
        ),
    )
    op.create_index("ix_event_places_place_id", "event_places", ["place_id"])

    op.create_table(
        "event_actors",
        sa.Column(
            "event_id",
            sa.BigInteger,
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("actor_id", sa.BigInteger, sa.ForeignKey("actors.id"), primary_key=True),
        sa.Column("side", sa.Text, primary_key=True),
        sa.CheckConstraint(
            "side IN ('actor1', 'actor2', 'assoc_actor_1', 'assoc_actor_2')",
            name="ck_event_actors_side",
        ),
    )
    op.create_index("ix_event_actors_actor_id", "event_actors", ["actor_id"])

    op.create_table(
        "event_versions",
        sa.Column("event_id", sa.BigInteger, sa.ForeignKey("events.id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("op", sa.Text, nullable=False),
        sa.Column("data", pg.JSONB, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("changed_by", sa.Text),
        sa.Column("change_reason", sa.Text),
        # The writing transaction, so that a change feed can be ordered by commit later.
        sa.Column(
            "txid", sa.Text, nullable=False, server_default=sa.text("pg_current_xact_id()::text")
        ),
        sa.CheckConstraint(
            "op IN ('create', 'update', 'retract', 'merge')", name="ck_event_versions_op"
        ),
    )
    for statement in VERSION_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for table in (
        "event_versions",
        "event_actors",
        "event_places",
        "event_reports",
        "events",
        "report_mentions",
        "reports",
        "actors",
        "place_names",
        "places",
        "event_types",
        "governorates",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS se_events_record_version()")
    op.execute("DROP FUNCTION IF EXISTS se_events_bump_version()")
    op.execute("DROP FUNCTION IF EXISTS se_public_id(text)")
    op.execute("DROP FUNCTION IF EXISTS se_normalize(text)")
