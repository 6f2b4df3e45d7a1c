"""The campaign's game: starting a campaign from the story, and flying its next operation with the campaign's
own pilots, airframes and plan, then writing what happened (fates, logbooks, airframes lost or under repair,
intelligence, the after-action report, time passing) in one transaction. The battle is the engine's, untouched:
this module only turns the campaign's state into a scenario (the built-in one, its squadrons re-ordered with
the fit pilots at their current skill and the ready airframes) and reads the battle back through its summary.

The battle is flown outside any transaction, so a campaign is never locked for the seconds a battle takes;
the transaction that writes its results first checks that no other captainred has moved the campaign on
meanwhile. Seeds come from the campaign's name and the operation's place in it: the same campaign, played
again, gives the same battles."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import math
import os
import socket
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from captainred import __version__
from captainred.campaign.schema import (
    Aircraft,
    Campaign,
    Intelligence,
    LogbookEntry,
    Operation,
    Pilot,
    RosterEntry,
    Squadron,
)
from captainred.campaign.store import Store
from captainred.campaign.story import Interlude, OperationPlan, Story, StoryOperation, load_story
from captainred.scenario.loader import load_catalog, resolve
from captainred.scenario.model import PilotSpec, ResolvedScenario, SquadronSpec

SKILL_PER_SORTIE: Final = 0.01  # a pilot who comes home learns a little; skill never passes 1
WOUND_DAYS: Final = 21  # in sick bay after a wound the ship's doctor did not see (she came down elsewhere)
REPAIR_HOURS_PER_DAY: Final = 16.0  # the hangar's working day, for GROUNDED's hours of repair work
SECONDS_PER_DAY: Final = 86_400
LOST_FATES: Final = ("killed", "missing", "captured")


class CampaignError(Exception):
    """What the player asked cannot be done to this campaign (unknown, already exists, the story is over…)."""


@dataclass(frozen=True)
class OperationResult:
    """What `fly_next` did, in a few numbers and names, for the player to read."""

    sequence: int
    name: str
    chapter: str
    interlude: bool
    flown_on_day: int
    day_after: int
    digest: str
    flew: tuple[str, ...] = ()
    killed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    captured: tuple[str, ...] = ()
    wounded: tuple[str, ...] = ()
    kills: int = 0
    photos_returned: int = 0
    aircraft_lost: tuple[str, ...] = ()
    aircraft_under_repair: tuple[str, ...] = ()
    trained: int = 0
    re_equipped: tuple[str, ...] = ()
    rescued: tuple[str, ...] = ()  # a raid on foot: the captive brought home
    secret_kept: bool | None = None  # a raid on foot: whether the captive's secret held (None: no raid)
    remaining: int = 0


@dataclass(frozen=True)
class _Slot:
    """One pilot the battle flies and the airframe she flies it in."""

    pilot_id: int
    aircraft_id: int
    squadron: str


def operation_seed(campaign_name: str, sequence: int) -> int:
    """The battle seed of a campaign's operation: a function of the campaign's name and the operation's place."""
    digest = hashlib.sha256(f"captainred-campaign\x00{campaign_name}\x00{sequence}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def story_operation(row: Operation) -> StoryOperation:
    """The orders an operation row was planned with (its briefing, days, plan or interlude), validated."""
    orders = json.loads(row.plan_json)
    return StoryOperation.model_validate({"name": row.name, "scenario": row.scenario or None, **orders})


def find_campaign(session: Session, name: str, store: Store) -> Campaign:
    campaign = session.scalars(select(Campaign).where(Campaign.name == name)).one_or_none()
    if campaign is None:
        names = list(session.scalars(select(Campaign.name).order_by(Campaign.name)))
        known = (
            f" (campaigns: {', '.join(names)})" if names else " (it holds no campaign: start one with `campaign new`)"
        )
        raise CampaignError(f"no campaign named {name!r} in {store.name}{known}")
    return campaign


MAX_NAME = 200  # characters in a campaign's name


# --- a new campaign -----------------------------------------------------------------------------------------


def new_campaign(store: Store, name: str, story: Story | None = None) -> int:
    """Start a campaign from the story (the package's own unless another is given): its squadrons with their
    pilots and rosters from the catalog, their airframes aboard their carrier, and every operation planned.
    Returns the campaign's id."""
    if not name.strip():
        raise CampaignError("a campaign needs a name")
    if len(name) > MAX_NAME:
        raise CampaignError(f"a campaign's name is at most {MAX_NAME} characters, not {len(name):,}")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in name):
        raise CampaignError("a campaign's name holds a control character (such as ESC): it is printed and stored")
    story = story or load_story()
    catalog = load_catalog()
    try:
        with store.transaction() as session:
            if session.scalars(select(Campaign.id).where(Campaign.name == name)).first() is not None:
                raise CampaignError(f"a campaign named {name!r} already exists in {store.name}")
            campaign = Campaign(
                name=name, story=story is load_story(), day=0, next_operation=0, created_version=__version__
            )
            session.add(campaign)
            session.flush()
            for planned in story.squadrons:
                spec = catalog.squadrons[planned.id]
                squadron = Squadron(
                    campaign_id=campaign.id, code=spec.id, name=spec.name, carrier=spec.carrier, colour=spec.colour
                )
                pilots = [
                    Pilot(
                        campaign_id=campaign.id,
                        name=p.name,
                        callsign=p.callsign,
                        nickname=p.nickname,
                        skill=p.skill,
                        susceptibility=p.susceptibility,
                        status="fit",
                    )
                    for p in spec.pilots
                ]
                session.add_all([squadron, *pilots])
                session.flush()
                session.add_all(
                    RosterEntry(pilot_id=p.id, campaign_id=campaign.id, squadron_id=squadron.id, pilot_status="fit")
                    for p in pilots
                )
                session.add_all(
                    _airframes(campaign.id, squadron, planned.aircraft_type, planned.aircraft, planned.serial_prefix)
                )
            for sequence, operation in enumerate(story.operations):
                orders = operation.model_dump(mode="json", exclude={"name", "scenario"})
                session.add(
                    Operation(
                        campaign_id=campaign.id,
                        sequence=sequence,
                        name=operation.name,
                        scenario=operation.scenario or "",
                        seed=operation_seed(name, sequence),
                        state="planned",
                        plan_json=json.dumps(orders, sort_keys=True),
                    )
                )
            return campaign.id
    except IntegrityError:  # another captainred created it between our check and our insert
        raise CampaignError(f"a campaign named {name!r} already exists in {store.name}") from None


def _airframes(campaign_id: int, squadron: Squadron, aircraft_type: str, count: int, prefix: str) -> list[Aircraft]:
    return [
        Aircraft(
            campaign_id=campaign_id,
            squadron_id=squadron.id,
            aircraft_type=aircraft_type,
            serial=f"{prefix}{n:02d}",
            state="ready",
            carrier=squadron.carrier,
        )
        for n in range(1, count + 1)
    ]


# --- time -----------------------------------------------------------------------------------------------------


def pass_time(session: Session, campaign: Campaign, day: int) -> None:
    """Bring the campaign to `day`: the wounded whose day has come are fit, the repairs due are done."""
    if day < campaign.day:
        raise ValueError(f"time runs forwards: day {day} is before the campaign's day {campaign.day}")
    elapsed_days = day - campaign.day
    campaign.day = day
    for pilot in campaign.pilots:
        if pilot.status == "wounded" and pilot.wounded_until_day is not None and pilot.wounded_until_day <= day:
            pilot.status, pilot.wounded_until_day = "fit", None
    for airframe in campaign.aircraft:
        if airframe.state != "repair" or airframe.repair_until_day is None:
            continue
        if airframe.repair_until_day <= day:
            airframe.state, airframe.repair_until_day, airframe.repair_hours_left = "ready", None, None
        elif airframe.repair_hours_left is not None:
            # Days pass in the hangar: a working day's hours off the work left (never to zero before its day).
            airframe.repair_hours_left = max(1.0, airframe.repair_hours_left - elapsed_days * REPAIR_HOURS_PER_DAY)


def fit_on(pilot: Pilot, day: int) -> bool:
    return pilot.status == "fit" or (
        pilot.status == "wounded" and pilot.wounded_until_day is not None and pilot.wounded_until_day <= day
    )


def ready_on(airframe: Aircraft, day: int) -> bool:
    return airframe.state == "ready" or (
        airframe.state == "repair" and airframe.repair_until_day is not None and airframe.repair_until_day <= day
    )


# --- the next operation ---------------------------------------------------------------------------------------


FIGHT_STALE_S = 24 * 3600.0  # a fight recorded by another machine this long ago is taken as abandoned


def fight_mark() -> str:
    """How this process marks the operation it is fighting: host, process id, and when it began."""
    return f"{socket.gethostname()} {os.getpid()} {int(time.time())}"


def fighting_now(campaign: Campaign) -> str | None:
    """Who is fighting the campaign's next operation, in words, or None if nobody is. A mark left by a
    process that has died (on this machine), or by another machine more than a day ago, counts as nobody."""
    if not campaign.fighting:
        return None
    try:
        host, pid_text, since_text = campaign.fighting.rsplit(" ", 2)
        pid, since = int(pid_text), int(since_text)
    except ValueError:
        return None
    if host == socket.gethostname():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, another user's
    elif time.time() - since > FIGHT_STALE_S:
        return None
    return f"captainred process {pid} on {host}"


def fly_next(store: Store, name: str) -> OperationResult:
    """Fly the campaign's next operation (or live through its interlude) and record the result.

    While the battle is fought the campaign is marked as fighting it, so that `set_plan` refuses to change
    the plan under it; and the plan recorded with the result is the plan that was flown.
    """
    mark = fight_mark()
    with store.transaction() as session:
        campaign = find_campaign(session, name, store)
        operations = campaign.operations
        if campaign.next_operation >= len(operations):
            raise CampaignError(f"campaign {name!r} is over: all {len(operations)} operations have been flown")
        row = operations[campaign.next_operation]
        busy = fighting_now(campaign)
        if busy is not None:
            raise CampaignError(f"campaign {name!r}: {row.name} is being fought now by {busy}; wait for it")
        campaign.fighting = mark
        flown_plan = row.plan_json
        orders = story_operation(row)
        campaign_id, day, sequence = campaign.id, campaign.day, row.sequence
        flight_day = day + orders.days_before
        battle: tuple[ResolvedScenario, Any, int] | None = None
        if orders.scenario is not None and orders.raid is not None:
            from captainred.campaign.raid import raid_for

            raid = raid_for(session, campaign, orders.scenario, orders.raid, flight_day, row.name)
            battle = None if raid is None else (*raid, row.seed)
        elif orders.scenario is not None:
            assert orders.plan is not None
            resolved, slots = scenario_for(session, campaign, orders.scenario, orders.plan, flight_day, row.name)
            battle = (resolved, slots, row.seed)
    try:
        return _fight_and_record(store, name, mark, (campaign_id, day, sequence), flown_plan, orders, battle)
    except BaseException:
        with contextlib.suppress(Exception), store.transaction(campaign_id) as session:
            campaign = find_campaign(session, name, store)
            if campaign.fighting == mark:
                campaign.fighting = None
        raise


def _fight_and_record(
    store: Store,
    name: str,
    mark: str,
    where: tuple[int, int, int],
    flown_plan: str,
    orders: StoryOperation,
    battle: tuple[ResolvedScenario, Any, int] | None,
) -> OperationResult:
    campaign_id, day, sequence = where
    flight_day = day + orders.days_before
    fought = None if battle is None else _fight(*battle)
    with store.transaction(campaign_id) as session:
        campaign = find_campaign(session, name, store)
        if (
            campaign.id != campaign_id
            or campaign.next_operation != sequence
            or campaign.day != day
            or campaign.fighting != mark
        ):
            raise CampaignError(f"campaign {name!r} was moved on by another captainred meanwhile: nothing recorded")
        row = campaign.operations[sequence]
        row.plan_json = flown_plan  # what was flown is what is recorded, whatever was written since
        campaign.fighting = None
        pass_time(session, campaign, flight_day)
        if orders.raid is not None:
            from captainred.campaign.raid import not_mounted, record_raid

            result = (
                not_mounted(session, campaign, row, orders)
                if fought is None
                else record_raid(session, campaign, row, orders, *fought)
            )
        elif fought is None:
            assert orders.interlude is not None
            result = _live_through(session, campaign, row, orders, orders.interlude)
        else:
            result = _record_battle(session, campaign, row, orders, *fought)
        campaign.next_operation = sequence + 1
        return result


def _builtin_data(scenario: str) -> dict[str, Any]:
    folder = resources.files("captainred.scenario") / "builtin"
    return tomllib.loads((folder / f"{scenario}.toml").read_text("utf-8"))


def scenario_for(
    session: Session, campaign: Campaign, scenario: str, plan: OperationPlan, day: int, operation: str
) -> tuple[ResolvedScenario, dict[str, _Slot]]:
    """The built-in scenario with the campaign applied: each planned squadron flies its fit pilots (at their
    current skill) in its ready airframes, as many as it has of both and the plan asks for, with the plan's
    loadouts; bingo fuel and radio as planned. Returns it with each flying pilot's slot, by pilot name."""
    catalog = load_catalog()
    data = copy.deepcopy(_builtin_data(scenario))
    base = {order["id"]: order for order in data["squadrons"]}
    squadrons = {s.code: s for s in campaign.squadrons}
    roster = {
        entry.pilot_id: entry.squadron_id
        for entry in session.scalars(select(RosterEntry).where(RosterEntry.campaign_id == campaign.id))
    }
    specs = dict(catalog.squadrons)
    orders: list[dict[str, Any]] = []
    slots: dict[str, _Slot] = {}
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
            slots[pilot.name] = _Slot(pilot.id, airframe.id, squadron.code)
    if not orders:
        raise CampaignError(f"{operation}: no squadron of the plan has both fit pilots and ready aircraft")
    data["squadrons"] = orders
    if plan.radio is not None:
        data["mission"]["radio"] = plan.radio
    if plan.bingo_fuel_kg is not None:
        data.setdefault("doctrine", {})["bingo_fuel_kg"] = plan.bingo_fuel_kg
    source = f"campaign {campaign.name}: {operation}"
    return resolve(data, source=source, catalog=catalog.model_copy(update={"squadrons": specs})), slots


def with_pilots(spec: SquadronSpec, pilots: Sequence[Pilot]) -> SquadronSpec:
    """A catalog squadron whose roster is the campaign's pilots as they are now (skill grown, and so on)."""
    roster = tuple(
        PilotSpec(name=p.name, callsign=p.callsign, nickname=p.nickname, skill=p.skill, susceptibility=p.susceptibility)
        for p in pilots
    )
    return spec.model_copy(update={"pilots": roster})


@dataclass(frozen=True)
class _Fought:
    summary: dict[str, Any]
    report_md: str
    seconds_flown: dict[int, float]  # by craft
    grounded_hours: dict[int, float]  # by craft
    struck_off: frozenset[int]
    sick_bay_days: dict[int, float]  # by craft: the doctor's days for a pilot who came back wounded


def _fight(resolved: ResolvedScenario, slots: Any, seed: int) -> tuple[_Fought, Any]:
    from captainred.engine.events import EventKind
    from captainred.report import build_timeline, check_summary, render_markdown, summarize
    from captainred.report.sorties import read_sorties
    from captainred.simulation import run_battles

    [battle] = run_battles(resolved, [seed])
    summary = summarize(battle.log, scenario=resolved.scenario.name, seed=seed)
    check_summary(summary)
    sorties = read_sorties(battle.log)
    fought = _Fought(
        summary=summary,
        report_md=render_markdown(summary, build_timeline(battle.log)),
        seconds_flown={craft: s.ending.time_s - s.launched_s for craft, s in sorties.items()},
        grounded_hours={e.actor: float(e.details.get("hours", 0.0)) for e in battle.log.of_kind(EventKind.GROUNDED)},
        struck_off=frozenset(e.actor for e in battle.log.of_kind(EventKind.STRUCK_OFF)),
        sick_bay_days={
            e.actor: float(e.details.get("days", WOUND_DAYS)) for e in battle.log.of_kind(EventKind.SICK_BAY)
        },
    )
    return fought, slots


def _record_battle(
    session: Session,
    campaign: Campaign,
    row: Operation,
    orders: StoryOperation,
    fought: _Fought,
    slots: dict[str, _Slot],
) -> OperationResult:
    """Write a battle's results: fates, logbooks, airframes, intelligence, the operation itself, and the days
    the battle lasted (the convoy's steaming) passing."""
    summary = fought.summary
    flight_day = campaign.day
    end_day = flight_day + int(float(summary["sim_seconds"]) // SECONDS_PER_DAY)
    fates: dict[str, list[str]] = {fate: [] for fate in (*LOST_FATES, "wounded")}
    lost: list[str] = []
    repair: list[str] = []
    for record in summary["pilots"]:
        slot = slots[record["name"]]
        craft = int(record["craft"])
        status = str(record["status"])
        pilot = session.get_one(Pilot, slot.pilot_id)
        airframe = session.get_one(Aircraft, slot.aircraft_id)
        session.add(
            LogbookEntry(
                pilot_id=pilot.id,
                operation_id=row.id,
                squadron_code=slot.squadron,
                sorties=1,
                seconds_flown=round(fought.seconds_flown.get(craft, 0.0), 3),
                kills=int(record["kills"]),
                photos=int(record["photos_returned"]),
                wounded=bool(record["wounded"]),
            )
        )
        if status in LOST_FATES:
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
        if status in LOST_FATES or craft in fought.struck_off:
            airframe.state, airframe.repair_until_day, airframe.carrier = "lost", None, None
            airframe.repair_hours_left = None
            lost.append(airframe.serial)
        elif craft in fought.grounded_hours:
            hours = max(1.0, round(fought.grounded_hours[craft], 1))
            days = max(1, math.ceil(hours / REPAIR_HOURS_PER_DAY))
            airframe.state, airframe.repair_until_day = "repair", end_day + days
            airframe.repair_hours_left = hours
            repair.append(airframe.serial)
    photos = int(summary["photos_returned"])
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
    return close_fought(
        session,
        campaign,
        row,
        orders,
        fought,
        flight_day,
        end_day,
        flew=tuple(str(r["name"]) for r in summary["pilots"]),
        killed=tuple(fates["killed"]),
        missing=tuple(fates["missing"]),
        captured=tuple(fates["captured"]),
        wounded=tuple(fates["wounded"]),
        kills=sum(int(r["kills"]) for r in summary["pilots"]),
        photos_returned=photos,
        aircraft_lost=tuple(lost),
        aircraft_under_repair=tuple(repair),
    )


def strike_off(session: Session, pilot: Pilot) -> None:
    """Take a pilot off her roster (before her status leaves the fit and the wounded, which the roster's
    constraint admits only)."""
    entry = session.get(RosterEntry, pilot.id)
    if entry is not None:
        session.delete(entry)
        session.flush()


def close_fought(
    session: Session,
    campaign: Campaign,
    row: Operation,
    orders: StoryOperation,
    fought: _Fought,
    flight_day: int,
    end_day: int,
    **outcome: Any,
) -> OperationResult:
    """Record a fought operation (a battle or a raid) on its row, and close it."""
    digest = str(fought.summary["digest"])
    row.state, row.digest, row.flown_on_day = "flown", digest, flight_day
    row.summary_json = json.dumps(fought.summary, allow_nan=False)
    row.report_md = fought.report_md
    return _close_operation(
        session, campaign, row, orders, flight_day, end_day, interlude=False, digest=digest, **outcome
    )


def _live_through(
    session: Session, campaign: Campaign, row: Operation, orders: StoryOperation, interlude: Interlude
) -> OperationResult:
    """An interlude: the pilots on the rosters train, the squadrons named re-equip (the old airframes stay
    behind at the interlude's place), and its days pass. Its 'digest' is that of what it changed."""
    flight_day = campaign.day
    rostered = set(session.scalars(select(RosterEntry.pilot_id).where(RosterEntry.campaign_id == campaign.id)))
    trained = [p for p in campaign.pilots if p.id in rostered]
    for pilot in trained:
        pilot.skill = min(1.0, round(pilot.skill + interlude.training_skill, 4))
    squadrons = {s.code: s for s in campaign.squadrons}
    re_equipped = []
    for change in interlude.re_equip:
        squadron = squadrons[change.squadron]
        for airframe in campaign.aircraft:
            if airframe.squadron_id == squadron.id and airframe.state != "lost":
                airframe.squadron_id, airframe.carrier = None, interlude.place
        new = _airframes(campaign.id, squadron, change.aircraft_type, change.aircraft, change.serial_prefix)
        session.add_all(new)
        re_equipped.append(f"{squadron.name}: {change.aircraft} {change.aircraft_type}s")
    end_day = flight_day + interlude.days
    record = {
        "interlude": interlude.place,
        "from_day": flight_day,
        "days": interlude.days,
        "trained": sorted(p.name for p in trained),
        "training_skill": interlude.training_skill,
        "re_equipped": re_equipped,
    }
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"))
    row.state, row.flown_on_day = "flown", flight_day
    row.digest = hashlib.sha256(canonical.encode()).hexdigest()
    row.summary_json = json.dumps(record)
    lines = [f"# {row.name}", "", f"Days {flight_day}–{end_day} at {interlude.place}.", ""]
    lines.append(f"- {len(trained)} pilots trained (skill +{interlude.training_skill:g})")
    lines += [f"- re-equipped: {item}" for item in re_equipped]
    row.report_md = "\n".join(lines) + "\n"
    return _close_operation(
        session,
        campaign,
        row,
        orders,
        flight_day,
        end_day,
        interlude=True,
        digest=row.digest,
        trained=len(trained),
        re_equipped=tuple(re_equipped),
    )


def _close_operation(
    session: Session,
    campaign: Campaign,
    row: Operation,
    orders: StoryOperation,
    flight_day: int,
    end_day: int,
    **outcome: Any,
) -> OperationResult:
    """Close an operation or an interlude whose record is written: its days pass, and the result says which
    one it was, when, what it did and what is left."""
    session.flush()
    pass_time(session, campaign, end_day)
    return OperationResult(
        sequence=row.sequence,
        name=row.name,
        chapter=orders.chapter,
        flown_on_day=flight_day,
        day_after=end_day,
        remaining=len(campaign.operations) - row.sequence - 1,
        **outcome,
    )
