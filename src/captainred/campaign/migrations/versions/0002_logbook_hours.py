"""The pilots' logbooks keep the hours flown: `seconds_flown`, 0 for every operation flown before.

Revision ID: 0002_logbook_hours
Revises: 0001_initial
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_logbook_hours"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a CHECK constraint to a table, so the table is copied; PostgreSQL alters it.
    with op.batch_alter_table("logbook") as logbook:
        logbook.add_column(sa.Column("seconds_flown", sa.Float(), server_default=sa.text("0"), nullable=False))
        logbook.create_check_constraint(op.f("ck_logbook_seconds_flown_not_negative"), "seconds_flown >= 0")


def downgrade() -> None:
    with op.batch_alter_table("logbook") as logbook:
        logbook.drop_constraint(op.f("ck_logbook_seconds_flown_not_negative"), type_="check")
        logbook.drop_column("seconds_flown")
