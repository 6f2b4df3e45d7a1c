"""The player's plan for the next operation: which squadrons fly with how many aircraft, how many of them
carry cameras, the rockets each carries, bingo fuel and radio discipline, kept within what the fleet will have
fit and ready on the day it flies. A plan is checked twice before it is stored: against the squadrons (pilots
fit, airframes ready, the type's cameras and rocket rails) and by building the very scenario the battle will
fly, so a plan that is stored is a plan that flies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from captainred.campaign.battle import scenario_for
from captainred.campaign.ledger import (
    CampaignError,
    fighting_now,
    find_campaign,
    fit_on,
    ready_on,
    story_operation,
)
from captainred.campaign.schema import Campaign, RosterEntry
from captainred.campaign.store import Store
from captainred.campaign.story import OperationPlan
from captainred.scenario.loader import load_catalog


@dataclass(frozen=True)
class SquadronReadiness:
    """What a squadron can put up on the day of the next operation."""

    code: str
    name: str
    aircraft_type: str | None
    pilots_fit: int
    aircraft_ready: int
    camera: bool
    rockets_max: int

    @property
    def can_fly(self) -> int:
        return min(self.pilots_fit, self.aircraft_ready)


@dataclass(frozen=True)
class NextPlan:
    operation: str
    scenario: str
    day: int  # the day it will fly
    plan: OperationPlan
    readiness: tuple[SquadronReadiness, ...]


def _readiness(session: Session, campaign: Campaign, day: int) -> tuple[SquadronReadiness, ...]:
    catalog = load_catalog()
    entries = session.scalars(select(RosterEntry).filter_by(campaign_id=campaign.id))
    roster = {entry.pilot_id: entry.squadron_id for entry in entries}
    out = []
    for squadron in campaign.squadrons:
        airframes = sorted(
            (a for a in campaign.aircraft if a.squadron_id == squadron.id and ready_on(a, day)), key=lambda a: a.serial
        )
        kind = catalog.aircraft[airframes[0].aircraft_type] if airframes else None
        out.append(
            SquadronReadiness(
                code=squadron.code,
                name=squadron.name,
                aircraft_type=kind.name if kind else None,
                pilots_fit=sum(roster.get(p.id) == squadron.id and fit_on(p, day) for p in campaign.pilots),
                aircraft_ready=sum(a.aircraft_type == airframes[0].aircraft_type for a in airframes),
                camera=bool(kind and kind.camera),
                rockets_max=kind.rockets.count if kind and kind.rockets else 0,
            )
        )
    return tuple(out)


def next_plan(store: Store, name: str) -> NextPlan:
    """The next operation's plan, with what each squadron can put up on the day it flies."""
    with store.transaction() as session:
        campaign = find_campaign(session, name, store)
        return _next_plan(session, campaign)


def _next_plan(session: Session, campaign: Campaign) -> NextPlan:
    if campaign.next_operation >= len(campaign.operations):
        raise CampaignError(f"campaign {campaign.name!r} is over: there is nothing left to plan")
    row = campaign.operations[campaign.next_operation]
    orders = story_operation(row)
    if orders.raid is not None:
        raise CampaignError(
            f"the next operation, {row.name}, is a raid on foot: the best {orders.raid.party} fit pilots go; "
            "there is no plan of squadrons to make"
        )
    if orders.plan is None or orders.scenario is None:
        raise CampaignError(f"the next operation, {row.name}, is an interlude: there is nothing to plan")
    day = campaign.day + orders.days_before
    return NextPlan(row.name, orders.scenario, day, orders.plan, _readiness(session, campaign, day))


def set_plan(store: Store, name: str, plan: OperationPlan) -> NextPlan:
    """Store `plan` for the next operation, if the fleet can fly it; raise CampaignError saying why not."""
    with store.transaction() as session:
        campaign = find_campaign(session, name, store)
    with store.transaction(campaign.id) as session:
        campaign = find_campaign(session, name, store)
        current = _next_plan(session, campaign)
        busy = fighting_now(campaign)
        if busy is not None:
            raise CampaignError(
                f"{current.operation} is being fought now by {busy}: its plan cannot change under it; "
                "plan the next operation once this one is recorded"
            )
        readiness = {r.code: r for r in current.readiness}
        for planned in plan.squadrons:
            where = f"squadron '{planned.squadron}'"
            if planned.squadron not in readiness:
                raise CampaignError(f"{where}: not a squadron of this campaign (known: {', '.join(readiness)})")
            ready = readiness[planned.squadron]
            if planned.aircraft > ready.can_fly:
                raise CampaignError(
                    f"{where}: {planned.aircraft} aircraft, but on day {current.day} the {ready.name} have "
                    f"{ready.pilots_fit} fit pilots and {ready.aircraft_ready} ready aircraft (at most {ready.can_fly})"
                )
            if planned.photo_aircraft and not ready.camera:
                raise CampaignError(f"{where}: a {ready.aircraft_type} carries no camera")
            if planned.rockets is not None and planned.rockets > ready.rockets_max:
                raise CampaignError(
                    f"{where}: {planned.rockets} rockets, but a {ready.aircraft_type} carries "
                    f"at most {ready.rockets_max}"
                )
        row = campaign.operations[campaign.next_operation]
        scenario_for(session, campaign, current.scenario, plan, current.day, row.name)  # raises if it cannot fly
        orders = story_operation(row).model_copy(update={"plan": plan})
        row.plan_json = orders.model_dump_json(exclude={"name", "scenario"})
        return NextPlan(row.name, current.scenario, current.day, plan, current.readiness)
