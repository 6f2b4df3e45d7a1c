"""The first campaign schema: campaigns, squadrons, pilots and their roster, aircraft, operations, the pilots'
logbooks (without the hours flown) and intelligence.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("story", sa.Boolean(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("next_operation", sa.Integer(), nullable=False),
        sa.Column("created_version", sa.Text(), nullable=False),
        sa.CheckConstraint("day >= 0", name=op.f("ck_campaigns_day_not_negative")),
        sa.CheckConstraint("next_operation >= 0", name=op.f("ck_campaigns_next_operation_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    op.create_table(
        "operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("plan_json", sa.Text(), nullable=False),
        sa.Column("digest", sa.Text(), nullable=True),
        sa.Column("summary_json", sa.Text(), nullable=True),
        sa.Column("report_md", sa.Text(), nullable=True),
        sa.Column("flown_on_day", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(state = 'flown') = (digest IS NOT NULL)", name=op.f("ck_operations_digest_exactly_when_flown")
        ),
        sa.CheckConstraint(
            "(state = 'flown') = (flown_on_day IS NOT NULL)", name=op.f("ck_operations_day_exactly_when_flown")
        ),
        sa.CheckConstraint("state IN ('planned', 'flown')", name=op.f("ck_operations_state_known")),
        sa.CheckConstraint("seed >= 0", name=op.f("ck_operations_seed_not_negative")),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_operations_sequence_not_negative")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_operations_campaign_id_campaigns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations")),
        sa.UniqueConstraint("campaign_id", "id", name=op.f("uq_operations_campaign_id_id")),
        sa.UniqueConstraint("campaign_id", "sequence", name=op.f("uq_operations_campaign_id_sequence")),
    )
    op.create_table(
        "pilots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("callsign", sa.Text(), nullable=False),
        sa.Column("nickname", sa.Text(), nullable=True),
        sa.Column("skill", sa.Float(), nullable=False),
        sa.Column("susceptibility", sa.Float(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("wounded_until_day", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(status = 'wounded') = (wounded_until_day IS NOT NULL)",
            name=op.f("ck_pilots_wounded_exactly_when_until_day"),
        ),
        sa.CheckConstraint(
            "status IN ('fit', 'wounded', 'killed', 'missing', 'captured')", name=op.f("ck_pilots_status_known")
        ),
        sa.CheckConstraint("skill >= 0 AND skill <= 1", name=op.f("ck_pilots_skill_in_unit_range")),
        sa.CheckConstraint(
            "susceptibility >= 0 AND susceptibility <= 1", name=op.f("ck_pilots_susceptibility_in_unit_range")
        ),
        sa.CheckConstraint("wounded_until_day >= 0", name=op.f("ck_pilots_wounded_until_day_not_negative")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_pilots_campaign_id_campaigns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilots")),
        sa.UniqueConstraint("id", "campaign_id", "status", name=op.f("uq_pilots_id_campaign_id_status")),
    )
    op.create_table(
        "squadrons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("carrier", sa.Text(), nullable=False),
        sa.Column("colour", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_squadrons_campaign_id_campaigns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_squadrons")),
        sa.UniqueConstraint("campaign_id", "code", name=op.f("uq_squadrons_campaign_id_code")),
        sa.UniqueConstraint("campaign_id", "id", name=op.f("uq_squadrons_campaign_id_id")),
    )
    op.create_table(
        "aircraft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("squadron_id", sa.Integer(), nullable=True),
        sa.Column("aircraft_type", sa.Text(), nullable=False),
        sa.Column("serial", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("repair_until_day", sa.Integer(), nullable=True),
        sa.Column("carrier", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(state = 'repair') = (repair_until_day IS NOT NULL)",
            name=op.f("ck_aircraft_repair_exactly_when_until_day"),
        ),
        sa.CheckConstraint("state IN ('ready', 'repair', 'lost')", name=op.f("ck_aircraft_state_known")),
        sa.CheckConstraint("repair_until_day >= 0", name=op.f("ck_aircraft_repair_until_day_not_negative")),
        sa.ForeignKeyConstraint(
            ["campaign_id", "squadron_id"],
            ["squadrons.campaign_id", "squadrons.id"],
            name=op.f("fk_aircraft_campaign_id_squadron_id_squadrons"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_aircraft_campaign_id_campaigns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aircraft")),
        sa.UniqueConstraint("campaign_id", "serial", name=op.f("uq_aircraft_campaign_id_serial")),
    )
    op.create_table(
        "intelligence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("photos", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.CheckConstraint("photos >= 0", name=op.f("ck_intelligence_photos_not_negative")),
        sa.ForeignKeyConstraint(
            ["campaign_id", "operation_id"],
            ["operations.campaign_id", "operations.id"],
            name=op.f("fk_intelligence_campaign_id_operation_id_operations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_intelligence_campaign_id_campaigns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence")),
    )
    op.create_table(
        "logbook",
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("squadron_code", sa.Text(), nullable=False),
        sa.Column("sorties", sa.Integer(), nullable=False),
        sa.Column("kills", sa.Integer(), nullable=False),
        sa.Column("photos", sa.Integer(), nullable=False),
        sa.Column("wounded", sa.Boolean(), nullable=False),
        sa.CheckConstraint("kills >= 0", name=op.f("ck_logbook_kills_not_negative")),
        sa.CheckConstraint("photos >= 0", name=op.f("ck_logbook_photos_not_negative")),
        sa.CheckConstraint("sorties >= 0", name=op.f("ck_logbook_sorties_not_negative")),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"], name=op.f("fk_logbook_operation_id_operations"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["pilot_id"], ["pilots.id"], name=op.f("fk_logbook_pilot_id_pilots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("pilot_id", "operation_id", name=op.f("pk_logbook")),
    )
    op.create_table(
        "roster",
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("squadron_id", sa.Integer(), nullable=False),
        sa.Column("pilot_status", sa.Text(), nullable=False),
        sa.CheckConstraint("pilot_status IN ('fit', 'wounded')", name=op.f("ck_roster_only_fit_or_wounded")),
        sa.ForeignKeyConstraint(
            ["campaign_id", "squadron_id"],
            ["squadrons.campaign_id", "squadrons.id"],
            name=op.f("fk_roster_campaign_id_squadron_id_squadrons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pilot_id", "campaign_id", "pilot_status"],
            ["pilots.id", "pilots.campaign_id", "pilots.status"],
            name=op.f("fk_roster_pilot_id_campaign_id_pilot_status_pilots"),
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pilot_id", name=op.f("pk_roster")),
    )


def downgrade() -> None:
    op.drop_table("roster")
    op.drop_table("logbook")
    op.drop_table("intelligence")
    op.drop_table("aircraft")
    op.drop_table("squadrons")
    op.drop_table("pilots")
    op.drop_table("operations")
    op.drop_table("campaigns")
