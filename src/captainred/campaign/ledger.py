"""The campaign's books: finding a campaign and the orders of its operations, who is fighting its next one,
time passing (wounds healing, repairs done), striking a pilot off her roster, and recording an operation
once it is over (its summary and report on its row, its days passed, the result for the player).

Every kind of operation writes through here: the battles (`campaign.battle`), the raids on foot
(`campaign.raid`) and the interludes (`campaign.interlude`); `campaign.game` only decides which one flies.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from captainred.campaign.schema import Aircraft, Campaign, Operation, Pilot, RosterEntry, Squadron
from captainred.campaign.store import Store
from captainred.campaign.story import StoryOperation
from captainred.engine.events import EventKind
from captainred.fight import Fought
from captainred.report import build_timeline, render_markdown
from captainred.report.sorties import read_sorties
from captainred.report.summary import Summary

SKILL_PER_SORTIE: Final = 0.01  # a pilot who comes home learns a little; skill never passes 1
WOUND_DAYS: Final = 21  # in sick bay after a wound the ship's doctor did not see (she came down elsewhere)
REPAIR_HOURS_PER_DAY: Final = 16.0  # the hangar's working day, for GROUNDED's hours of repair work
SECONDS_PER_DAY: Final = 86_400
LOST_FATES: Final = ("killed", "missing", "captured")
FIGHT_STALE_S: Final = 24 * 3600.0  # a fight recorded by another machine this long ago is taken as abandoned


class CampaignError(Exception):
    """What the player asked cannot be done to this campaign (unknown, already exists, the story is over…)."""


@dataclass(frozen=True)
class OperationResult:
    """What flying an operation did, in a few numbers and names, for the player to read."""

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


# --- finding things -------------------------------------------------------------------------------------------


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


def fit_on(pilot: Pilot, day: int) -> bool:
    """Whether a pilot can fly on `day`: fit, or her wound healed by then."""
    return pilot.status == "fit" or (
        pilot.status == "wounded" and pilot.wounded_until_day is not None and pilot.wounded_until_day <= day
    )


def ready_on(airframe: Aircraft, day: int) -> bool:
    """Whether an airframe can fly on `day`: ready, or its repair done by then."""
    return airframe.state == "ready" or (
        airframe.state == "repair" and airframe.repair_until_day is not None and airframe.repair_until_day <= day
    )


# --- changing things ------------------------------------------------------------------------------------------


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


def strike_off(session: Session, pilot: Pilot) -> None:
    """Take a pilot off her roster (before her status leaves the fit and the wounded, which the roster's
    constraint admits only)."""
    entry = session.get(RosterEntry, pilot.id)
    if entry is not None:
        session.delete(entry)
        session.flush()


def new_airframes(campaign_id: int, squadron: Squadron, aircraft_type: str, count: int, prefix: str) -> list[Aircraft]:
    """A squadron's new airframes, ready aboard its carrier, serials `prefix01`, `prefix02`, …"""
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


# --- recording an operation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FoughtOperation:
    """A battle (or a raid) fought for the campaign, as the books need it: its summary and report, and what
    its log says of each craft (by craft id) that the summary does not."""

    summary: Summary
    report_md: str
    seconds_flown: dict[int, float]
    grounded_hours: dict[int, float]
    struck_off: frozenset[int]
    sick_bay_days: dict[int, float]  # the doctor's days for a pilot who came back wounded

    @classmethod
    def of(cls, battle: Fought) -> FoughtOperation:
        log = battle.log
        sorties = read_sorties(log)
        return cls(
            summary=battle.summary,
            report_md=render_markdown(battle.summary, build_timeline(log)),
            seconds_flown={craft: s.ending.time_s - s.launched_s for craft, s in sorties.items()},
            grounded_hours={e.actor: float(e.details.get("hours", 0.0)) for e in log.of_kind(EventKind.GROUNDED)},
            struck_off=frozenset(e.actor for e in log.of_kind(EventKind.STRUCK_OFF)),
            sick_bay_days={e.actor: float(e.details.get("days", WOUND_DAYS)) for e in log.of_kind(EventKind.SICK_BAY)},
        )


def record_fought(
    session: Session,
    campaign: Campaign,
    row: Operation,
    orders: StoryOperation,
    fought: FoughtOperation,
    flight_day: int,
    end_day: int,
    **outcome: Any,
) -> OperationResult:
    """Record a fought operation (a battle or a raid) on its row, and close it."""
    digest = fought.summary.digest
    row.state, row.digest, row.flown_on_day = "flown", digest, flight_day
    row.summary_json = json.dumps(fought.summary.to_json(), allow_nan=False)
    row.report_md = fought.report_md
    return close_operation(
        session, campaign, row, orders, flight_day, end_day, interlude=False, digest=digest, **outcome
    )


def close_operation(
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
