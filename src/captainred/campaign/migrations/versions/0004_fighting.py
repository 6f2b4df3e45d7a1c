"""A campaign records who is fighting its next operation while the battle is fought (`fighting`: the host,
the process id and the time it began), so that its plan cannot be changed under it. Empty when nothing is
being fought, as every campaign is when this revision is applied.

Revision ID: 0004_fighting
Revises: 0003_repair_hours
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_fighting"
down_revision: str | None = "0003_repair_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as campaigns:
        campaigns.add_column(sa.Column("fighting", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as campaigns:
        campaigns.drop_column("fighting")
