"""sources: each published file fetched and imported, with its licence, so that attribution
travels with the data.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

One row per file imported (``syria-events fetch``): the source's name (``ucdp``,
``geonames``, ``ocha``), its licence and the citation users owe, the release, where it came
from, its SHA-256 and size, when it was downloaded and imported, and how many rows it gave.
A file whose SHA-256 is stored for that source was imported already: a re-fetch of it writes
nothing. The application's role may read and add rows (imports run as it, as with
``import_rows``), not change or delete them. ``GET /sources`` lists them; exports name them in ``X-Data-Sources``.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

APP_ROLE = "syria_events_app"


def upgrade() -> None:
    op.execute("""
CREATE TABLE sources (
  id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_sources PRIMARY KEY,
  name text NOT NULL,
  title text NOT NULL,
  licence text NOT NULL,
  citation text NOT NULL,
  version text NOT NULL,
  url text NOT NULL,
  sha256 text NOT NULL CONSTRAINT ck_sources_sha256 CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes bigint NOT NULL CONSTRAINT ck_sources_bytes CHECK (bytes >= 0),
  downloaded_at timestamptz NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  rows integer NOT NULL CONSTRAINT ck_sources_rows CHECK (rows >= 0),
  CONSTRAINT uq_sources_name_sha256 UNIQUE (name, sha256)
)""")
    op.execute(f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    GRANT SELECT, INSERT ON sources TO {APP_ROLE};
  END IF;
END $$""")


def downgrade() -> None:
    op.execute("DROP TABLE sources")
