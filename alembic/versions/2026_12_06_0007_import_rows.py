"""import_rows: a digest of each imported row as it was read, so that a re-import skips rows
that did not change without parsing them again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

A re-import parsed every row again (some 28,000 rows/s in Python) to learn that most had not
changed. The digest is of the raw values in file order and of the parser's version
(``app/exchange/service.py``, ``PARSER_VERSION``): a row whose bytes are those of the row stored
is the row stored; any other (a new timestamp, an edited cell, a row that no longer reads) is
parsed and judged as before. Kept apart from ``events``, whose rows history snapshots whole.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

APP_ROLE = "syria_events_app"


def upgrade() -> None:
    op.execute(
        "CREATE TABLE import_rows (source text NOT NULL, source_id text NOT NULL,"
        " digest bytea NOT NULL, CONSTRAINT pk_import_rows PRIMARY KEY (source, source_id))"
    )
    op.execute(f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    GRANT SELECT, INSERT, UPDATE ON import_rows TO {APP_ROLE};
  END IF;
END $$""")


def downgrade() -> None:
    op.execute("DROP TABLE import_rows")
