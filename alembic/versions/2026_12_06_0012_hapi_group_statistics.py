"""Extended statistics on how many (month, governorate, district) groups events make, for
the HAPI-shaped aggregate.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

``/hapi/v1/coordination-context/conflict-event`` groups every published event by month,
governorate and district. Without statistics on that combination PostgreSQL guessed 800,000
groups for 1M bench events (there are 11,000), sorted all 900,000 rows on disk and took
3.3 s; with them it hashes the groups in memory: 1.7 s (EXPLAIN ANALYZE, same query). The
expression must stay the one ``app/hapi/repository.py`` groups by. Nothing is written on
events' write path: ANALYZE (autovacuum's too) keeps the numbers.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE STATISTICS st_events_month_governorate_district (ndistinct)"
        " ON (date_trunc('month', event_date::timestamp)::date), governorate_pcode,"
        " district_pcode FROM events"
    )
    op.execute("ANALYZE events")


def downgrade() -> None:
    op.execute("DROP STATISTICS st_events_month_governorate_district")
