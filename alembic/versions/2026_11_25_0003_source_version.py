"""events.source_version: the source's own version of an imported record.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

ACLED stamps every record with a ``timestamp`` that changes whenever ACLED revises it; UCDP
has none, so the importer stores a digest of what it took from the row. Kept on the event
row (not in a side table) so that a newer source version is itself a change the version
triggers record, with the importer's reason, even when no other field moved; an equal one
lets a re-import skip the row without writing anything.
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("source_version", sa.Text))


def downgrade() -> None:
    op.drop_column("events", "source_version")
