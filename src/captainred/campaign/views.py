"""Read-only views of a campaign, as typed records: its status (the fleet, squadrons, pilots with their
logbooks' totals, airframes, intelligence, the next operation and its briefing), its history (each operation
with its result and after-action report), and the whole campaign as one JSON-ready document for export.
Each is read in one transaction, so it is a consistent picture even while another captainred writes."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from captainred.campaign.ledger import find_campaign, story_operation
from captainred.campaign.schema import Campaign, Intelligence, LogbookEntry, Operation, RosterEntry
from captainred.campaign.store import Store


@dataclass(frozen=True)
class PilotView:
    name: str
    callsign: str
    nickname: str | None
    squadron: str | None  # the squadron whose roster she stands on (None: struck off)
    status: str
    days_left: int | None  # wounded: days until she is fit
    skill: float
    sorties: int
    hours_flown: float
    kills: int
    photos: int
    wounds: int


@dataclass(frozen=True)
class AircraftView:
    serial: str
    aircraft_type: str
    squadron: str | None
    carrier: str | None  # where it is (a carrier, or ashore where it was handed back); None when lost
    state: str
    days_left: int | None  # under repair: days until it is ready
    hours_left: float | None  # under repair: hangar hours of work still to do


@dataclass(frozen=True)
class SquadronView:
    code: str
    name: str
    carrier: str
    aircraft_type: str | None
    pilots_fit: int
    pilots_wounded: int
    aircraft_ready: int
    aircraft_under_repair: int


@dataclass(frozen=True)
class CarrierView:
    name: str
    squadrons: tuple[str, ...]
    aircraft_ready: int
    aircraft_under_repair: int


@dataclass(frozen=True)
class IntelligenceView:
    operation: str
    kind: str
    photos: int
    summary: str


@dataclass(frozen=True)
class OperationView:
    sequence: int
    name: str
    chapter: str
    scenario: str | None  # None: an interlude
    briefing: str
    days_before: int
    state: str
    flown_on_day: int | None
    digest: str | None


@dataclass(frozen=True)
class CampaignStatus:
    name: str
    day: int
    fleet: tuple[CarrierView, ...]
    squadrons: tuple[SquadronView, ...]
    pilots: tuple[PilotView, ...]
    aircraft: tuple[AircraftView, ...]
    intelligence: tuple[IntelligenceView, ...]
    operations: tuple[OperationView, ...]
    next_operation: OperationView | None  # None: the campaign is over


@dataclass(frozen=True)
class HistoryEntry:
    operation: OperationView
    summary: dict[str, Any] | None
    report_md: str | None


def _operation_view(row: Operation) -> OperationView:
    orders = story_operation(row)
    return OperationView(
        sequence=row.sequence,
        name=row.name,
        chapter=orders.chapter,
        scenario=orders.scenario,
        briefing=orders.briefing,
        days_before=orders.days_before,
        state=row.state,
        flown_on_day=row.flown_on_day,
        digest=row.digest,
    )


def _status(session: Session, campaign: Campaign) -> CampaignStatus:
    squadron_of = {s.id: s for s in campaign.squadrons}
    roster: dict[int, int] = {
        pilot_id: squadron_id
        for pilot_id, squadron_id in session.execute(
            select(RosterEntry.pilot_id, RosterEntry.squadron_id).where(RosterEntry.campaign_id == campaign.id)
        )
    }
    totals = {
        row.pilot_id: row
        for row in session.execute(
            select(
                LogbookEntry.pilot_id,
                func.sum(LogbookEntry.sorties).label("sorties"),
                func.sum(LogbookEntry.seconds_flown).label("seconds"),
                func.sum(LogbookEntry.kills).label("kills"),
                func.sum(LogbookEntry.photos).label("photos"),
                func.sum(cast(LogbookEntry.wounded, Integer)).label("wounds"),
            )
            .join(Operation, Operation.id == LogbookEntry.operation_id)
            .where(Operation.campaign_id == campaign.id)
            .group_by(LogbookEntry.pilot_id)
        )
    }
    pilots = []
    for p in campaign.pilots:
        t = totals.get(p.id)
        squadron = squadron_of.get(roster[p.id]) if p.id in roster else None
        pilots.append(
            PilotView(
                name=p.name,
                callsign=p.callsign,
                nickname=p.nickname,
                squadron=squadron.code if squadron else None,
                status=p.status,
                days_left=None if p.wounded_until_day is None else max(0, p.wounded_until_day - campaign.day),
                skill=p.skill,
                sorties=int(t.sorties) if t else 0,
                hours_flown=round(float(t.seconds) / 3600, 2) if t else 0.0,
                kills=int(t.kills) if t else 0,
                photos=int(t.photos) if t else 0,
                wounds=int(t.wounds) if t else 0,
            )
        )
    aircraft = [
        AircraftView(
            serial=a.serial,
            aircraft_type=a.aircraft_type,
            squadron=squadron_of[a.squadron_id].code if a.squadron_id in squadron_of else None,
            carrier=a.carrier,
            state=a.state,
            days_left=None if a.repair_until_day is None else max(0, a.repair_until_day - campaign.day),
            hours_left=a.repair_hours_left,
        )
        for a in sorted(campaign.aircraft, key=lambda a: a.serial)
    ]
    squadrons = []
    for s in campaign.squadrons:
        own = [a for a in aircraft if a.squadron == s.code and a.state != "lost"]
        mine = [p for p in pilots if p.squadron == s.code]
        squadrons.append(
            SquadronView(
                code=s.code,
                name=s.name,
                carrier=s.carrier,
                aircraft_type=own[0].aircraft_type if own else None,
                pilots_fit=sum(p.status == "fit" for p in mine),
                pilots_wounded=sum(p.status == "wounded" for p in mine),
                aircraft_ready=sum(a.state == "ready" for a in own),
                aircraft_under_repair=sum(a.state == "repair" for a in own),
            )
        )
    fleet = []
    for carrier in dict.fromkeys(s.carrier for s in campaign.squadrons):
        aboard = [a for a in aircraft if a.carrier == carrier]
        fleet.append(
            CarrierView(
                name=carrier,
                squadrons=tuple(s.name for s in campaign.squadrons if s.carrier == carrier),
                aircraft_ready=sum(a.state == "ready" for a in aboard),
                aircraft_under_repair=sum(a.state == "repair" for a in aboard),
            )
        )
    names = {o.id: o.name for o in campaign.operations}
    intelligence = [
        IntelligenceView(operation=names[i.operation_id], kind=i.kind, photos=i.photos, summary=i.summary)
        for i in session.scalars(
            select(Intelligence).where(Intelligence.campaign_id == campaign.id).order_by(Intelligence.id)
        )
    ]
    operations = tuple(_operation_view(o) for o in campaign.operations)
    upcoming = operations[campaign.next_operation] if campaign.next_operation < len(operations) else None
    return CampaignStatus(
        name=campaign.name,
        day=campaign.day,
        fleet=tuple(fleet),
        squadrons=tuple(squadrons),
        pilots=tuple(pilots),
        aircraft=tuple(aircraft),
        intelligence=tuple(intelligence),
        operations=operations,
        next_operation=upcoming,
    )


def campaign_status(store: Store, name: str) -> CampaignStatus:
    """Where the campaign stands now."""
    with store.transaction() as session:
        return _status(session, find_campaign(session, name, store))


def campaign_history(store: Store, name: str) -> tuple[HistoryEntry, ...]:
    """Every operation flown, in order, with its JSON summary and after-action report."""
    with store.transaction() as session:
        campaign = find_campaign(session, name, store)
        return tuple(
            HistoryEntry(
                operation=_operation_view(row),
                summary=json.loads(row.summary_json) if row.summary_json else None,
                report_md=row.report_md,
            )
            for row in campaign.operations
            if row.state == "flown"
        )


def export_campaign(store: Store, name: str) -> dict[str, Any]:
    """The whole campaign as one JSON-ready document: its status, each pilot's logbook line by line, and
    every operation with its orders, summary and report."""
    with store.transaction() as session:
        campaign = find_campaign(session, name, store)
        status = _status(session, campaign)
        pilot_names = {p.id: p.name for p in campaign.pilots}
        operation_names = {o.id: o.name for o in campaign.operations}
        logbook = [
            {
                "pilot": pilot_names[entry.pilot_id],
                "operation": operation_names[entry.operation_id],
                "squadron": entry.squadron_code,
                "sorties": entry.sorties,
                "seconds_flown": entry.seconds_flown,
                "kills": entry.kills,
                "photos": entry.photos,
                "wounded": entry.wounded,
            }
            for entry in session.scalars(
                select(LogbookEntry)
                .join(Operation, Operation.id == LogbookEntry.operation_id)
                .where(Operation.campaign_id == campaign.id)
                .order_by(Operation.sequence, LogbookEntry.pilot_id)
            )
        ]
        operations = [
            {
                **asdict(_operation_view(row)),
                "seed": row.seed,
                "orders": json.loads(row.plan_json),
                "summary": json.loads(row.summary_json) if row.summary_json else None,
                "report_md": row.report_md,
            }
            for row in campaign.operations
        ]
        document = asdict(status)
        document.pop("operations")
        return {
            "campaign": campaign.name,
            "story": campaign.story,
            "created_version": campaign.created_version,
            **document,
            "logbook": logbook,
            "operations": operations,
        }
