"""report_mentions.role and focus_weight, reports.focus_scores: why the focus is what it is.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

Each mention keeps what it does in its report (the place of an event, a speaker, a dateline,
an item of a list, the start or end of a journey...) and its vote for the report's focus;
the report keeps each governorate's total, title included. An analyst can then see why a
focus won. Reports parsed before this revision have no roles: their rows stay NULL rather
than be given roles they were never parsed with.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ROLES = (
    "event",
    "province",
    "transit",
    "mention",
    "origin",
    "destination",
    "list",
    "speaker",
    "dateline",
    "byline",
    "tag",
)


def upgrade() -> None:
    op.add_column("report_mentions", sa.Column("role", sa.Text, nullable=True))
    op.add_column("report_mentions", sa.Column("focus_weight", sa.Float, nullable=True))
    op.create_check_constraint(
        "ck_report_mentions_role",
        "report_mentions",
        "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")",
    )
    op.create_check_constraint(
        "ck_report_mentions_focus_weight", "report_mentions", "focus_weight >= 0"
    )
    op.add_column("reports", sa.Column("focus_scores", JSONB, nullable=True))


def downgrade() -> None:
    op.drop_column("reports", "focus_scores")
    op.drop_constraint("ck_report_mentions_focus_weight", "report_mentions", type_="check")
    op.drop_constraint("ck_report_mentions_role", "report_mentions", type_="check")
    op.drop_column("report_mentions", "focus_weight")
    op.drop_column("report_mentions", "role")
