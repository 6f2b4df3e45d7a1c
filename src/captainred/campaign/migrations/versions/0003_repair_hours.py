"""An airframe under repair keeps the hangar hours of work it still needs: `repair_hours_left`, set exactly
while it is under repair. Repairs begun before this revision are given the hangar's full days until the day
they were due (16 working hours a day).

Revision ID: 0003_repair_hours
Revises: 0002_logbook_hours
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_repair_hours"
down_revision: str | None = "0002_logbook_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HANGAR_HOURS_PER_DAY = 16


def upgrade() -> None:
    with op.batch_alter_table("aircraft") as aircraft:
        aircraft.add_column(sa.Column("repair_hours_left", sa.Float(), nullable=True))
    op.execute(
        "UPDATE aircraft SET repair_hours_left = "
        f"CASE WHEN repair_until_day > (SELECT day FROM campaigns WHERE campaigns.id = aircraft.campaign_id) "
        f"THEN (repair_until_day - (SELECT day FROM campaigns WHERE campaigns.id = aircraft.campaign_id)) "
        f"* {HANGAR_HOURS_PER_DAY} ELSE 1 END "
        "WHERE state = 'repair'"
    )
    with op.batch_alter_table("aircraft") as aircraft:
        aircraft.create_check_constraint(
            op.f("ck_aircraft_repair_hours_exactly_when_repair"),
            "(state = 'repair') = (repair_hours_left IS NOT NULL)",
        )
        aircraft.create_check_constraint(
            op.f("ck_aircraft_repair_hours_positive"), "repair_hours_left IS NULL OR repair_hours_left > 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("aircraft") as aircraft:
        aircraft.drop_constraint(op.f("ck_aircraft_repair_hours_positive"), type_="check")
        aircraft.drop_constraint(op.f("ck_aircraft_repair_hours_exactly_when_repair"), type_="check")
        aircraft.drop_column("repair_hours_left")
