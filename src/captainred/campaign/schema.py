"""The campaign's tables, as SQLAlchemy typed declarative models: campaigns, their squadrons, pilots and the
roster that puts pilots in squadrons, the aircraft (one row per airframe), the operations planned and flown,
the pilots' logbooks and the intelligence brought home. The constraints live here and in the database, not in
the game logic: a killed, missing or captured pilot cannot stand on a roster (the roster's composite foreign key
follows the pilot's status, and its CHECK admits only the fit and the wounded), a wounded pilot has a day she is
fit again and no one else has, an airframe has one state and one place, and an operation has a digest exactly
when it has been flown. This module describes the newest revision; the migrations build it step by step."""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

PILOT_STATUSES: Final = ("fit", "wounded", "killed", "missing", "captured")
ROSTERABLE_STATUSES: Final = ("fit", "wounded")
AIRCRAFT_STATES: Final = ("ready", "repair", "lost")
OPERATION_STATES: Final = ("planned", "flown")

# Every constraint gets a predictable name, so that a migration can name the one it alters on any database.
NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Campaign(Base):
    """One war: the day it has reached and the number the next operation will carry."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("day >= 0", name="day_not_negative"),
        CheckConstraint("next_operation >= 0", name="next_operation_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    story: Mapped[bool] = mapped_column(Boolean)
    day: Mapped[int] = mapped_column(Integer, default=0)  # days since the campaign began
    next_operation: Mapped[int] = mapped_column(Integer, default=0)
    created_version: Mapped[str] = mapped_column(Text)
    # Who is fighting the next operation now ("HOST PID UNIX_TIME"), so that its plan cannot change under it.
    fighting: Mapped[str | None] = mapped_column(Text, default=None)

    squadrons: Mapped[list[Squadron]] = relationship(back_populates="campaign", order_by="Squadron.id")
    pilots: Mapped[list[Pilot]] = relationship(back_populates="campaign", order_by="Pilot.id")
    aircraft: Mapped[list[Aircraft]] = relationship(back_populates="campaign", order_by="Aircraft.id")
    operations: Mapped[list[Operation]] = relationship(back_populates="campaign", order_by="Operation.sequence")


class Squadron(Base):
    """A squadron of the fleet ('devils', 'slayers'), based on one carrier, flying in its colours."""

    __tablename__ = "squadrons"
    __table_args__ = (
        UniqueConstraint("campaign_id", "code"),
        UniqueConstraint("campaign_id", "id"),  # the target of the roster's and the aircraft's foreign keys
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    carrier: Mapped[str] = mapped_column(Text)
    colour: Mapped[str] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship(back_populates="squadrons")


class Pilot(Base):
    """A pilot of the campaign, alive or not; she stays a row for ever, her status says where she is."""

    __tablename__ = "pilots"
    __table_args__ = (
        CheckConstraint("skill >= 0 AND skill <= 1", name="skill_in_unit_range"),
        CheckConstraint("susceptibility >= 0 AND susceptibility <= 1", name="susceptibility_in_unit_range"),
        CheckConstraint(_one_of("status", PILOT_STATUSES), name="status_known"),
        CheckConstraint(
            "(status = 'wounded') = (wounded_until_day IS NOT NULL)", name="wounded_exactly_when_until_day"
        ),
        CheckConstraint("wounded_until_day >= 0", name="wounded_until_day_not_negative"),
        # The target of the roster's foreign key: the roster follows (id, campaign, status) together.
        UniqueConstraint("id", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    callsign: Mapped[str] = mapped_column(Text)
    nickname: Mapped[str | None] = mapped_column(Text)
    skill: Mapped[float] = mapped_column(Float)
    susceptibility: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(Text, default="fit")
    wounded_until_day: Mapped[int | None] = mapped_column(Integer)

    campaign: Mapped[Campaign] = relationship(back_populates="pilots")


class RosterEntry(Base):
    """A pilot standing on a squadron's roster. `pilot_status` is the pilot's own status, kept equal to it by
    the database (ON UPDATE CASCADE): killing, losing or capturing a rostered pilot fails the CHECK, so the
    game logic must strike her off first."""

    __tablename__ = "roster"
    __table_args__ = (
        ForeignKeyConstraint(
            ["pilot_id", "campaign_id", "pilot_status"],
            ["pilots.id", "pilots.campaign_id", "pilots.status"],
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["campaign_id", "squadron_id"], ["squadrons.campaign_id", "squadrons.id"], ondelete="CASCADE"
        ),
        CheckConstraint(_one_of("pilot_status", ROSTERABLE_STATUSES), name="only_fit_or_wounded"),
    )

    pilot_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # one squadron at a time
    campaign_id: Mapped[int] = mapped_column(Integer)
    squadron_id: Mapped[int] = mapped_column(Integer)
    pilot_status: Mapped[str] = mapped_column(Text)


class Aircraft(Base):
    """One airframe, by serial: ready, under repair (the hangar hours of work left, and the day they will be
    done), or lost; with one squadron and one carrier at most, because it is one row."""

    __tablename__ = "aircraft"
    __table_args__ = (
        UniqueConstraint("campaign_id", "serial"),
        ForeignKeyConstraint(["campaign_id", "squadron_id"], ["squadrons.campaign_id", "squadrons.id"]),
        CheckConstraint(_one_of("state", AIRCRAFT_STATES), name="state_known"),
        CheckConstraint("(state = 'repair') = (repair_until_day IS NOT NULL)", name="repair_exactly_when_until_day"),
        CheckConstraint("repair_until_day >= 0", name="repair_until_day_not_negative"),
        CheckConstraint(
            "(state = 'repair') = (repair_hours_left IS NOT NULL)", name="repair_hours_exactly_when_repair"
        ),
        CheckConstraint("repair_hours_left IS NULL OR repair_hours_left > 0", name="repair_hours_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    squadron_id: Mapped[int | None] = mapped_column(Integer)
    aircraft_type: Mapped[str] = mapped_column(Text)
    serial: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text, default="ready")
    repair_until_day: Mapped[int | None] = mapped_column(Integer)
    repair_hours_left: Mapped[float | None] = mapped_column(Float)  # hangar hours of work still to do
    carrier: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship(back_populates="aircraft")


class Operation(Base):
    """An operation of the campaign, in order: planned (a scenario, a seed and the player's plan) and then
    flown (the event log's digest, the JSON summary, the after-action report, the day it was flown)."""

    __tablename__ = "operations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "sequence"),
        UniqueConstraint("campaign_id", "id"),  # the target of the intelligence's foreign key
        CheckConstraint(_one_of("state", OPERATION_STATES), name="state_known"),
        CheckConstraint("(state = 'flown') = (digest IS NOT NULL)", name="digest_exactly_when_flown"),
        CheckConstraint("(state = 'flown') = (flown_on_day IS NOT NULL)", name="day_exactly_when_flown"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        CheckConstraint("seed >= 0", name="seed_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(Text)
    seed: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(Text, default="planned")
    plan_json: Mapped[str] = mapped_column(Text)
    digest: Mapped[str | None] = mapped_column(Text)
    summary_json: Mapped[str | None] = mapped_column(Text)
    report_md: Mapped[str | None] = mapped_column(Text)
    flown_on_day: Mapped[int | None] = mapped_column(Integer)

    campaign: Mapped[Campaign] = relationship(back_populates="operations")


class LogbookEntry(Base):
    """One line of a pilot's logbook: what she flew in one operation, with which squadron."""

    __tablename__ = "logbook"
    __table_args__ = (
        CheckConstraint("sorties >= 0", name="sorties_not_negative"),
        CheckConstraint("kills >= 0", name="kills_not_negative"),
        CheckConstraint("photos >= 0", name="photos_not_negative"),
        CheckConstraint("seconds_flown >= 0", name="seconds_flown_not_negative"),
    )

    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"), primary_key=True)
    squadron_code: Mapped[str] = mapped_column(Text)
    sorties: Mapped[int] = mapped_column(Integer, default=0)
    seconds_flown: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))
    kills: Mapped[int] = mapped_column(Integer, default=0)
    photos: Mapped[int] = mapped_column(Integer, default=0)
    wounded: Mapped[bool] = mapped_column(Boolean, default=False)


class Intelligence(Base):
    """What an operation brought home (photos of the mother ship, sightings) for the briefings that follow."""

    __tablename__ = "intelligence"
    __table_args__ = (
        ForeignKeyConstraint(
            ["campaign_id", "operation_id"], ["operations.campaign_id", "operations.id"], ondelete="CASCADE"
        ),
        CheckConstraint("photos >= 0", name="photos_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    operation_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Text)
    photos: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text)
