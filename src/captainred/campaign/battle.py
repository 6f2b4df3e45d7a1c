"""A battle in the campaign: the built-in scenario with the campaign applied (the fit pilots, at their current
skill, in the ready airframes, as the plan orders), and its results written back into the books (fates,
logbooks, airframes lost or under repair, photographs as intelligence).

The battle is the engine's, untouched: this module only turns the campaign's state into a scenario and reads
the battle back through its summary.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from captainred.campaign.ledger import (
    LOST_FATES,
    REPAIR_HOURS_PER_DAY,
    SECONDS_PER_DAY,
    SKILL_PER_SORTIE,
    WOUND_DAYS,
    CampaignError,
    FoughtOperation,
    OperationResult,
    fit_on,
    ready_on,
    record_fought,
    strike_off,
)
from captainred.campaign.schema import Aircraft, Campaign, Intelligence, LogbookEntry, Operation, Pilot, RosterEntry
from captainred.campaign.story import OperationPlan, StoryOperation
from captainred.scenario.loader import load_catalog, read_scenario_data, resolve
from captainred.scenario.model import PilotSpec, ResolvedScenario, SquadronSpec


@dataclass(frozen=True)
class Slot:
    """One pilot the battle flies and the airframe she flies it in."""

    pilot_id: int
    aircraft_id: int
    squadron: str


def builtin_data(scenario: str) -> dict[str, Any]:
    """A built-in scenario's raw tables, a copy the campaign may change before it resolves them."""
    data, _ = read_scenario_data(scenario)
    return copy.deepcopy(data)


def with_pilots(spec: SquadronSpec, pilots: Sequence[Pilot]) -> SquadronSpec:
    """A catalog squadron whose roster is the campaign's pilots as they are now (skill grown, and so on)."""
    roster = tuple(
        PilotSpec(name=p.name, callsign=p.callsign, nickname=p.nickname, skill=p.skill, susceptibility=p.susceptibility)
        for p in pilots
    )
    return spec.model_copy(update={"pilots": roster})


def scenario_for(
    session: Session, campaign: Campaign, scenario: str, plan: OperationPlan, day: int, operation: str
) -> tuple[ResolvedScenario, dict[str, Slot]]:
    """The built-in scenario with the campaign applied: each planned squadron flies its fit pilots (at their
    current skill) in its ready airframes, as many as it has of both and the plan asks for, with the plan's
    loadouts; bingo fuel and radio as planned. Returns it with each flying pilot's slot, by pilot name."""
    catalog = load_catalog()
    data = builtin_data(scenario)
    base = {order["id"]: order for order in data["squadrons"]}
    squadrons = {s.code: s for s in campaign.squadrons}
    roster = {
        entry.pilot_id: entry.squadron_id
        for entry in session.scalars(select(RosterEntry).where(RosterEntry.campaign_id == campaign.id))
    }
    specs = dict(catalog.squadrons)
    orders: list[dict[str, Any]] = []
    slots: dict[str, Slot] = {}
    for planned in plan.squadrons:
        squadron = squadrons[planned.squadron]
        pilots = [p for p in campaign.pilots if roster.get(p.id) == squadron.id and fit_on(p, day)]
        airframes = sorted(
            (a for a in campaign.aircraft if a.squadron_id == squadron.id and ready_on(a, day)), key=lambda a: a.serial
        )
        if airframes:
            airframes = [a for a in airframes if a.aircraft_type == airframes[0].aircraft_type]
        count = min(planned.aircraft, len(pilots), len(airframes))
        if count == 0:
            continue
        kind = catalog.aircraft[airframes[0].aircraft_type]
        order = dict(base.get(squadron.code, {"id": squadron.code}))
        order.update(
            aircraft_type=kind.name,
            aircraft=count,
            pilots=[p.name for p in pilots[:count]],
            photo_aircraft=min(planned.photo_aircraft, count) if kind.camera else 0,
        )
        if planned.rockets is not None:
            order["rockets"] = min(planned.rockets, kind.rockets.count if kind.rockets else 0)
        orders.append(order)
        specs[squadron.code] = with_pilots(specs[squadron.code], pilots)
        for pilot, airframe in zip(pilots[:count], airframes[:count], strict=True):
            slots[pilot.name] = Slot(pilot.id, airframe.id, squadron.code)
    if not orders:
        raise CampaignError(f"{operation}: no squadron of the plan has both fit pilots and ready aircraft")
    data["squadrons"] = orders
    if plan.radio is not None:
        data["mission"]["radio"] = plan.radio
    if plan.bingo_fuel_kg is not None:
        data.setdefault("doctrine", {})["bingo_fuel_kg"] = plan.bingo_fuel_kg
    source = f"campaign {campaign.name}: {operation}"
    return resolve(data, source=source, catalog=catalog.model_copy(update={"squadrons": specs})), slots


def record_battle(
    session: Session,
    campaign: Campaign,
    row: Operation,
    orders: StoryOperation,
    fought: FoughtOperation,
    slots: dict[str, Slot],
) -> OperationResult:
    """Write a battle's results: fates, logbooks, airframes, intelligence, the operation itself, and the days
    the battle lasted (the convoy's steaming) passing."""
    summary = fought.summary
    flight_day = campaign.day
    end_day = flight_day + int(summary.sim_seconds // SECONDS_PER_DAY)
    fates: dict[str, list[str]] = {fate: [] for fate in (*LOST_FATES, "wounded")}
    lost: list[str] = []
    repair: list[str] = []
    for record in summary.pilots:
        slot = slots[record.name]
        craft, status = record.craft, record.status
        pilot = session.get_one(Pilot, slot.pilot_id)
        airframe = session.get_one(Aircraft, slot.aircraft_id)
        session.add(
            LogbookEntry(
                pilot_id=pilot.id,
                operation_id=row.id,
                squadron_code=slot.squadron,
                sorties=record.sorties,
                seconds_flown=round(fought.seconds_flown.get(craft, 0.0), 3),
                kills=record.kills,
                photos=record.photos_returned,
                wounded=record.wounded,
            )
        )
        if record.lost:
            # The roster admits only the fit and the wounded: strike her off before her fate is written.
            strike_off(session, pilot)
            pilot.status, pilot.wounded_until_day = status, None
            fates[status].append(pilot.name)
        else:  # returned, wounded, or still in the air when the battle ended (she lands after it)
            pilot.skill = min(1.0, round(pilot.skill + SKILL_PER_SORTIE, 4))
            if status == "wounded":
                days = math.ceil(fought.sick_bay_days.get(craft, WOUND_DAYS))
                pilot.status, pilot.wounded_until_day = "wounded", end_day + days
                fates["wounded"].append(pilot.name)
            else:
                pilot.status, pilot.wounded_until_day = "fit", None
        if record.lost or craft in fought.struck_off:
            airframe.state, airframe.repair_until_day, airframe.carrier = "lost", None, None
            airframe.repair_hours_left = None
            lost.append(airframe.serial)
        elif craft in fought.grounded_hours:
            hours = max(1.0, round(fought.grounded_hours[craft], 1))
            days = max(1, math.ceil(hours / REPAIR_HOURS_PER_DAY))
            airframe.state, airframe.repair_until_day = "repair", end_day + days
            airframe.repair_hours_left = hours
            repair.append(airframe.serial)
    photos = summary.photos_returned
    if photos:
        session.add(
            Intelligence(
                campaign_id=campaign.id,
                operation_id=row.id,
                kind="photographs",
                photos=photos,
                summary=f"{photos} photographs brought home from {row.name} (day {flight_day})",
            )
        )
    outcome = {fate: tuple(names) for fate, names in fates.items()}
    return record_fought(
        session,
        campaign,
        row,
        orders,
        fought,
        flight_day,
        end_day,
        flew=tuple(r.name for r in summary.pilots),
        **outcome,
        kills=sum(r.kills for r in summary.pilots),
        photos_returned=photos,
        aircraft_lost=tuple(lost),
        aircraft_under_repair=tuple(repair),
    )
