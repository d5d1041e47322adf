"""reports.drafts_omitted: draft events a report proposed past the ceiling per report.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

A long report (a UN Commission of Inquiry report runs to 100 pages) can propose thousands of
draft events; at most ``SE_MAX_DRAFTS_PER_REPORT`` are stored, repeats collapsed. The report
keeps how many more there were, so that nobody takes the stored ones for all of them.
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "reports",
        sa.Column("drafts_omitted", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_check_constraint("ck_reports_drafts_omitted", "reports", "drafts_omitted >= 0")


def downgrade() -> None:
    op.drop_constraint("ck_reports_drafts_omitted", "reports", type_="check")
    op.drop_column("reports", "drafts_omitted")
