"""A raid on foot in the campaign: its party drawn from the campaign's pilots, its captive the pilot the
enemy took, and its results written back: the killed struck off, the wounded to the hospital, those trapped
in the ship taken, the captive home (or dead), and a broken secret handed to the enemy as intelligence."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from captainred.campaign.battle import builtin_data, with_pilots
from captainred.campaign.ledger import (
    SKILL_PER_SORTIE,
    CampaignError,
    FoughtOperation,
    OperationResult,
    close_operation,
    fit_on,
    record_fought,
    strike_off,
)
from captainred.campaign.schema import Campaign, Intelligence, LogbookEntry, Operation, Pilot, RosterEntry
from captainred.campaign.story import RaidPlan, StoryOperation
from captainred.scenario.loader import load_catalog, resolve
from captainred.scenario.model import ResolvedScenario

RAID_WOUND_DAYS: Final = 21  # in the camp's hospital tent after a wound on the raid
HELD_DAYS: Final = 30  # a rescued captive's days in hospital after her memories were searched


@dataclass(frozen=True)
class RaidParty:
    """Who goes (pilot ids by name, with their squadrons) and whom they go for."""

    members: dict[str, tuple[int, str]]
    captive_id: int
    captive_squadron: str


def captive_of(session: Session, campaign: Campaign) -> tuple[Pilot, str] | None:
    """The pilot the enemy took most recently, with the squadron she flew with; None if nobody is held."""
    taken = {p.id: p for p in campaign.pilots if p.status == "captured"}
    if not taken:
        return None
    entries = session.scalars(
        select(LogbookEntry).where(LogbookEntry.pilot_id.in_(taken)).order_by(LogbookEntry.operation_id.desc())
    ).all()
    if not entries:
        return None
    return taken[entries[0].pilot_id], entries[0].squadron_code


def raid_for(
    session: Session, campaign: Campaign, scenario: str, plan: RaidPlan, day: int, operation: str
) -> tuple[ResolvedScenario, RaidParty] | None:
    """The raid scenario with the campaign's party and captive; None when nobody is held to go for."""
    held = captive_of(session, campaign)
    if held is None:
        return None
    captive, captive_squadron = held
    catalog = load_catalog()
    roster = {
        entry.pilot_id: entry.squadron_id
        for entry in session.scalars(select(RosterEntry).where(RosterEntry.campaign_id == campaign.id))
    }
    codes = {s.id: s.code for s in campaign.squadrons}
    on_roster = [p for p in campaign.pilots if p.id in roster]
    fit = sorted((p for p in on_roster if fit_on(p, day)), key=lambda p: (-p.skill, p.name))
    hurt = sorted((p for p in on_roster if not fit_on(p, day)), key=lambda p: (-p.skill, p.name))
    going = fit[: plan.party] + (hurt[: plan.party - len(fit)] if plan.hospital and len(fit) < plan.party else [])
    if not going:
        raise CampaignError(f"{operation}: nobody is fit to go")
    data = builtin_data(scenario)
    members: list[dict[str, Any]] = []
    for i, pilot in enumerate(going):
        member: dict[str, Any] = {"pilot": pilot.name, "wounded": not fit_on(pilot, day)}
        if plan.insists_on_bren in (pilot.name, pilot.nickname):
            member["weapon"] = "Bren gun"
        if i == 0:  # the senior pilot leads: a revolver besides her Tommy gun, and the first-aid kit
            member |= {"sidearm": "Webley", "first_aid_kit": True}
        members.append(member)
    data["raid"]["party"] = members
    data["raid"]["captive"] = captive.name
    # The catalog's squadrons hold the campaign's pilots as they are now, so that names resolve to them.
    specs = dict(catalog.squadrons)
    for squadron in campaign.squadrons:
        pilots = [p for p in campaign.pilots if roster.get(p.id) == squadron.id or p.id == captive.id]
        if squadron.code in specs and pilots:
            specs[squadron.code] = with_pilots(specs[squadron.code], pilots)
    source = f"campaign {campaign.name}: {operation}"
    resolved = resolve(data, source=source, catalog=catalog.model_copy(update={"squadrons": specs}))
    party = RaidParty(
        members={p.name: (p.id, codes[roster[p.id]]) for p in going},
        captive_id=captive.id,
        captive_squadron=captive_squadron,
    )
    return resolved, party


def record_raid(
    session: Session,
    campaign: Campaign,
    row: Operation,
    orders: StoryOperation,
    fought: FoughtOperation,
    party: RaidParty,
) -> OperationResult:
    """Write the raid's results into the campaign, in the operation's one transaction."""
    raid = fought.summary.raid
    if raid is None:
        raise ValueError(f"{row.name}: the battle fought for a raid has no raid in its summary")
    day = campaign.day
    end_day = day + 1  # out at dusk, back (or not) before the next day's briefing
    fates: dict[str, list[str]] = {"killed": [], "captured": [], "wounded": []}
    for member in raid.party:
        pilot_id, code = party.members[member.name]
        pilot = session.get_one(Pilot, pilot_id)
        session.add(
            LogbookEntry(
                pilot_id=pilot.id,
                operation_id=row.id,
                squadron_code=code,
                sorties=0,
                seconds_flown=0.0,
                kills=0,
                photos=0,
                wounded=member.wounded,
            )
        )
        if member.fate in ("killed", "inside"):
            strike_off(session, pilot)
            fate = "killed" if member.fate == "killed" else "captured"  # trapped in the ship: taken
            pilot.status, pilot.wounded_until_day = fate, None
            fates[fate].append(pilot.name)
        elif member.wounded:
            pilot.status, pilot.wounded_until_day = "wounded", end_day + RAID_WOUND_DAYS
            fates["wounded"].append(pilot.name)
        elif pilot.status == "fit" or (pilot.wounded_until_day or 0) <= end_day:
            pilot.status, pilot.wounded_until_day = "fit", None
            pilot.skill = min(1.0, round(pilot.skill + SKILL_PER_SORTIE, 4))
    captive = session.get_one(Pilot, party.captive_id)
    rescued: tuple[str, ...] = ()
    if raid.captive == "rescued":
        captive.status, captive.wounded_until_day = "wounded", end_day + HELD_DAYS
        session.flush()  # her status first: the roster admits only the fit and the wounded
        squadron = next(s for s in campaign.squadrons if s.code == party.captive_squadron)
        session.add(
            RosterEntry(pilot_id=captive.id, campaign_id=campaign.id, squadron_id=squadron.id, pilot_status="wounded")
        )
        rescued = (captive.name,)
    elif raid.captive == "dead":
        captive.status = "killed"
        fates["killed"].append(captive.name)
    if not raid.secret_kept:
        session.add(
            Intelligence(
                campaign_id=campaign.id,
                operation_id=row.id,
                kind="lost to the enemy",
                photos=0,
                summary=f"{captive.name}'s secret was torn from her in the ship: the enemy knows it (day {day})",
            )
        )
    outcome: dict[str, object] = {fate: tuple(names) for fate, names in fates.items()}
    outcome.update(flew=tuple(m.name for m in raid.party), rescued=rescued, secret_kept=raid.secret_kept)
    return record_fought(session, campaign, row, orders, fought, day, end_day, **outcome)


def not_mounted(session: Session, campaign: Campaign, row: Operation, orders: StoryOperation) -> OperationResult:
    """Nobody is held: there is no one to go for, and the raid is not mounted; its days pass all the same."""
    record = {"raid": "not mounted", "reason": "no pilot of the campaign is held by the enemy"}
    row.state, row.flown_on_day = "flown", campaign.day
    row.digest = "0" * 64
    row.summary_json = json.dumps(record)
    row.report_md = f"# {row.name}\n\nNot mounted: no pilot of ours is held by the enemy.\n"
    return close_operation(
        session, campaign, row, orders, campaign.day, campaign.day, interlude=False, digest=row.digest
    )
