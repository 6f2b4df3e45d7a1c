"""The summary of a battle (DESIGN.md's `--json` contract), of a batch of runs, and the rules it keeps.

`summarize` reads one battle's event log, once, into a frozen, typed `Summary`: sides (launched, lost,
returned, airborne, kills), Air Command's pilots and their fates, photos brought home, the carriers' decks,
the net, the raid, the front, event counts and the log's digest. `summarize_runs` gathers several into a `RunsSummary`
with an aggregate over them. The JSON summary is the models' serialisation (`to_json`), and the models'
validators are the invariant checker: building a summary that breaks a rule (the conservation identity
launched = returned + lost + airborne on each side, non-negative counts, known statuses, pilots that agree
with their side's totals…) raises. `check_summary` runs the same validators on anything that claims to be a
summary (a JSON file, a dict) and raises `ValueError` naming the first broken rule.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    PlainValidator,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from captainred.engine.events import EventKind, EventLog
from captainred.report.sorties import (
    HOME_STATUSES,
    LOST_STATUSES,
    PILOT_STATUSES,
    PilotStatus,
    Sortie,
    read_sorties,
)
from captainred.scenario.sides import AIR_COMMAND, SIDES, Side

SIDE_COUNTS = ("launched", "sorties", "lost", "returned", "airborne", "kills")
CARRIER_COUNTS = ("launched", "recovered", "bolters", "grounded", "hard_landings", "struck_off")
CAPTIVE_FATES = ("rescued", "dead", "still held")
MEMBER_FATES = ("out", "inside", "outside", "killed")

CaptiveFate = Literal["rescued", "dead", "still held"]
MemberFate = Literal["out", "inside", "outside", "killed"]


# --- the rules a value keeps ----------------------------------------------------------------------------


def _count(value: object) -> int:
    """A non-negative int; bools are not counts."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not a count: {value!r}")
    return value


def _amount(value: object) -> float:
    """A non-negative real (an int or a float, kept as it came); bools are not amounts."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{value!r} (must be >= 0)")
    return value


def _one_of(*allowed: str) -> PlainValidator:
    def check(value: object) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} not one of {', '.join(allowed)}")
        return str(value)

    return PlainValidator(check)


Count = Annotated[int, PlainValidator(_count)]
Amount = Annotated[float, PlainValidator(_amount)]


def _broken(message: str) -> PydanticCustomError:
    """A rule across fields broken; `message` starts with the path of what is wrong."""
    return PydanticCustomError("summary_rule", "{rule}", {"rule": message})


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- one battle -----------------------------------------------------------------------------------------


class SideCounts(_Record):
    """One side's aircraft: launched = returned + lost + airborne (at the end), each counted by how its
    last flight ended; sorties counts every flight (a relay's, an LGF's rearmed), at least one each."""

    launched: Count = 0
    sorties: Count = 0
    lost: Count = 0
    returned: Count = 0
    airborne: Count = 0
    kills: Count = 0

    @model_validator(mode="after")
    def _conserved(self) -> SideCounts:
        total = self.returned + self.lost + self.airborne
        if self.launched != total:
            raise _broken(f"launched {self.launched} != returned + lost + airborne = {total}")
        if self.sorties < self.launched:
            raise _broken(f"sorties {self.sorties} < launched {self.launched}: every aircraft launched flew once")
        return self


class Sides(_Record):
    air_command: SideCounts = SideCounts()
    lgf: SideCounts = SideCounts()

    def of(self, side: Side) -> SideCounts:
        return self.air_command if side == AIR_COMMAND else self.lgf

    def items(self) -> tuple[tuple[Side, SideCounts], ...]:
        return tuple((side, self.of(side)) for side in SIDES)


class PilotRecord(_Record):
    """One of Air Command's pilots and how her flight ended."""

    name: str
    callsign: str
    nickname: str | None
    squadron: str
    squadron_name: str
    aircraft: str
    craft: int
    status: Annotated[PilotStatus, _one_of(*PILOT_STATUSES)]
    wounded: bool
    kills: Count
    photo_aircraft: bool
    photos_taken: Count
    photos_returned: Count
    fuel_left_kg: float | None
    sorties: Count = 1

    @property
    def lost(self) -> bool:
        return self.status in LOST_STATUSES

    @property
    def home(self) -> bool:
        return self.status in HOME_STATUSES

    @model_validator(mode="after")
    def _fate_agrees(self) -> PilotRecord:
        fuel = self.fuel_left_kg
        if self.lost:
            if fuel is not None:
                raise _broken(f"fuel_left_kg: {fuel!r} for a lost aircraft (must be null)")
            if self.photos_returned:
                raise _broken("photos_returned: photos from a lost aircraft")
        elif fuel is None or fuel < 0:
            raise _broken(f"fuel_left_kg: {fuel!r} (must be >= 0)")
        if self.status == "wounded" and not self.wounded:
            raise _broken("wounded: status wounded but wounded is not true")
        return self


class Landing(_Record):
    """One recovery aboard a carrier, and what became of the aircraft after it."""

    callsign: str
    time_s: float
    wire: int | None
    fuel_kg: float
    bolters: Count
    turnaround_s: float | None
    grounded_h: float | None
    struck_off: bool


class DeckRecord(_Record):
    """One carrier's deck through the battle."""

    launched: Count = 0
    recovered: Count = 0
    bolters: Count = 0
    grounded: Count = 0
    hard_landings: Count = 0
    struck_off: Count = 0
    wires: tuple[Count, Count, Count, Count] = (0, 0, 0, 0)
    landings: tuple[Landing, ...] = ()
    first_launch_s: float | None = None
    last_launch_s: float | None = None

    @model_validator(mode="after")
    def _wires_caught(self) -> DeckRecord:
        if sum(self.wires) > self.recovered:
            raise _broken(f"wires: {sum(self.wires)} wires caught > {self.recovered} recovered")
        return self


class NetRecord(_Record):
    """The net over the fleet: whether it held, the strength it has left, the blows it absorbed."""

    held: bool
    strength_left: float
    hits_absorbed: Count


class PartyMember(_Record):
    """One of the raiding party, her kit, and her fate."""

    name: str
    callsign: str
    squadron: str
    weapon: str
    sidearm: str | None
    first_aid_kit: bool
    load_kg: float
    fate: Annotated[MemberFate, _one_of(*MEMBER_FATES)]
    cause: str | None
    wounded: bool
    stripped: bool


class RaidRecord(_Record):
    """The night raid: the captive's fate and her secret, the time taken, the party's fates."""

    captive_name: str
    captive: Annotated[CaptiveFate, _one_of(*CAPTIVE_FATES)]
    captive_state: str
    secret_kept: bool
    trapped_inside: bool
    minutes: Amount
    searched_h: float
    spotted: Count
    firefights: Count
    killed: Count
    wounded: Count
    party: tuple[PartyMember, ...]

    @model_validator(mode="after")
    def _fates_agree(self) -> RaidRecord:
        fates = [m.fate for m in self.party]
        if self.killed != fates.count("killed"):
            raise _broken(f"killed: {self.killed} != {fates.count('killed')} killed")
        if self.captive == "rescued":
            if "out" not in fates:
                raise _broken("the captive rescued, but nobody of the party came out")
            if self.trapped_inside and "inside" not in fates:
                raise _broken("trapped_inside: nobody is inside")
        return self


class UnitRecord(_Record):
    """One unit of the front (a position of the line or a battery) as the battle left it."""

    unit: str
    kind: Literal["position", "battery"]
    strength_left: Amount
    full_strength: Amount
    lost: bool
    garrison: Count
    bursts_taken: Count
    bolts_taken: Count
    guns: Count | None = None
    shells_left: Count | None = None
    rounds_fired: Count | None = None
    kills: Count | None = None

    @model_validator(mode="after")
    def _within_strength(self) -> UnitRecord:
        if self.strength_left > self.full_strength:
            raise _broken(f"{self.unit}: strength_left {self.strength_left} > full_strength {self.full_strength}")
        if self.lost != (self.strength_left <= 0):
            raise _broken(f"{self.unit}: lost is {self.lost} with strength_left {self.strength_left}")
        return self


class FrontRecord(_Record):
    """The army's front (chapter III's day): how long it held, what it lost, what brought the swarm down,
    and each unit as the battle left it."""

    held: bool
    broken_s: float | None
    positions: Count
    positions_lost: Count
    batteries: Count
    batteries_silenced: Count
    strength_left: float  # of the line's positions together, as a share of their full strength
    waves: Count
    lgfs_sent: Count  # LGFs in the waves that left the ship for the front
    lgfs_down_by_batteries: Count
    lgfs_down_by_fighters: Count  # credited to Air Command's pilots, wherever they fell
    relaunches: Count  # Air Command's sorties after the first of each aircraft
    diverted: Count  # landed on the other carrier or the camp's runway, their own deck foul
    pilots_lost: Count
    units: tuple[UnitRecord, ...]

    @model_validator(mode="after")
    def _units_agree(self) -> FrontRecord:
        kinds = [u.kind for u in self.units]
        if kinds.count("position") != self.positions or kinds.count("battery") != self.batteries:
            raise _broken(
                f"units: {len(self.units)} units for {self.positions} positions and {self.batteries} batteries"
            )
        lost = sum(u.lost for u in self.units if u.kind == "position")
        if lost != self.positions_lost:
            raise _broken(f"positions_lost: {self.positions_lost} but {lost} positions are lost")
        if self.held != (self.broken_s is None):
            raise _broken(f"held: {self.held} with broken_s {self.broken_s}")
        if not 0.0 <= self.strength_left <= 1.0:
            raise _broken(f"strength_left: {self.strength_left} is not a share")
        return self


class Summary(_Record):
    """One battle, as its event log tells it; serialised (`to_json`), it is the `--json` summary."""

    scenario: str
    seed: int
    digest: str
    sim_seconds: Amount
    end_reason: str = ""
    sides: Sides
    pilots: tuple[PilotRecord, ...]
    photos_returned: Count
    carriers: dict[str, DeckRecord] = {}
    net: NetRecord | None = None
    events: dict[str, Count]
    raid: RaidRecord | None = None  # absent from the JSON for a battle without a raid
    front: FrontRecord | None = None  # absent from the JSON for a battle without a front

    @model_validator(mode="after")
    def _totals_agree(self) -> Summary:
        sorties = sum(counts.sorties for _, counts in self.sides.items())
        launches = self.events.get(str(EventKind.LAUNCH), 0)
        if launches != sorties:
            raise _broken(f"events.launch: {launches} launch events != {sorties} sorties")
        ours = self.sides.air_command
        by_fate = {
            "returned": sum(p.home for p in self.pilots),
            "lost": sum(p.lost for p in self.pilots),
            "airborne": sum(p.status == "airborne" for p in self.pilots),
            "launched": len(self.pilots),
        }
        for key, n in by_fate.items():
            if getattr(ours, key) != n:
                raise _broken(f"sides.{AIR_COMMAND}.{key}: {getattr(ours, key)} but the pilots' statuses say {n}")
        photos = sum(p.photos_returned for p in self.pilots)
        if self.photos_returned != photos:
            raise _broken(f"photos_returned: {self.photos_returned!r} != {photos} summed over the pilots")
        return self

    @model_serializer(mode="wrap")
    def _without_absent_raid(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        document: dict[str, Any] = handler(self)
        for part in ("raid", "front"):
            if document.get(part) is None:
                document.pop(part, None)
        return document

    def to_json(self) -> dict[str, Any]:
        """The JSON summary, as plain data for `json.dumps`."""
        return self.model_dump(mode="json")


# --- several runs ---------------------------------------------------------------------------------------


class LossStats(_Record):
    mean: float
    min: Count
    max: Count


class PilotAcrossRuns(_Record):
    """A pilot over the runs she flew: `came_home` is the share of them that ended with her back aboard."""

    name: str
    callsign: str
    squadron: str
    runs_flown: Count
    came_home: float
    statuses: dict[str, Count]
    kills_mean: float

    @model_validator(mode="after")
    def _a_share(self) -> PilotAcrossRuns:
        if not 0.0 <= self.came_home <= 1.0:
            raise _broken(f"came_home out of [0, 1]: {self.came_home}")
        return self


class Aggregate(_Record):
    runs: Count
    losses: dict[Side, LossStats]
    kills_mean: dict[Side, float]
    photos_returned_mean: float
    sim_seconds_mean: float
    pilots: tuple[PilotAcrossRuns, ...]


class RunsSummary(_Record):
    """Several runs of one scenario (`--runs B`): each run's summary, and what they add up to."""

    scenario: str
    seed: int
    runs: tuple[Summary, ...]
    aggregate: Aggregate

    @model_validator(mode="after")
    def _every_run_counted(self) -> RunsSummary:
        if not self.runs:
            raise _broken("runs: must be a non-empty list")
        if self.aggregate.runs != len(self.runs):
            raise _broken(f"aggregate.runs: {self.aggregate.runs} != {len(self.runs)} runs")
        return self

    def to_json(self) -> dict[str, Any]:
        """The JSON summary of the runs, as plain data for `json.dumps`."""
        return self.model_dump(mode="json")


# --- reading the log ------------------------------------------------------------------------------------


def summarize(log: EventLog, *, scenario: str, seed: int) -> Summary:
    """One battle's summary, from its event log alone (raises if the log gives a summary that breaks a rule:
    that is a bug upstream)."""
    sorties = read_sorties(log)
    sides = {side: dict.fromkeys(SIDE_COUNTS, 0) for side in SIDES}
    for sortie in sorties.values():
        counts = sides[sortie.side]
        counts["launched"] += 1
        counts["sorties"] += sortie.flights
        counts["lost" if sortie.lost else "airborne" if sortie.airborne_at_end else "returned"] += 1
        counts["kills"] += sortie.kills
    pilots = [_pilot_record(s) for s in sorties.values() if s.side == AIR_COMMAND]
    end = log.of_kind(EventKind.END)
    return Summary.model_validate(
        {
            "scenario": scenario,
            "seed": seed,
            "digest": log.digest(),
            "sim_seconds": _sim_seconds(log),
            "end_reason": str(end[-1].details.get("reason", "")) if end else "",
            "sides": sides,
            "pilots": pilots,
            "photos_returned": sum(p["photos_returned"] for p in pilots),
            "carriers": _carriers(log, sorties),
            "net": _net(log),
            "events": log.counts(),
            "raid": _raid(log),
            "front": _front(log, sorties, sides[AIR_COMMAND]["kills"]),
        }
    )


def _front(log: EventLog, sorties: Mapping[int, Sortie], fighter_kills: int) -> dict[str, Any] | None:
    """The front: whether it held (and when it broke), the positions lost and batteries silenced, what
    brought LGFs down, the relays flown and the pilots lost, and each unit's end state (`front_state`)."""
    states = log.of_kind(EventKind.FRONT_STATE)
    if not states:
        return None
    keys = ("unit", "kind", "strength_left", "full_strength", "lost", "garrison", "bursts_taken", "bolts_taken")
    tally = ("guns", "shells_left", "rounds_fired", "kills")
    units = [{**{k: e.details[k] for k in keys}, **{k: e.details.get(k) for k in tally}} for e in states]
    positions = [u for u in units if u["kind"] == "position"]
    broken = log.of_kind(EventKind.FRONT_BROKEN)
    full = sum(float(u["full_strength"]) for u in positions)
    ours = [s for s in sorties.values() if s.side == AIR_COMMAND]
    return {
        "held": not broken,
        "broken_s": round(broken[0].time_s, 3) if broken else None,
        "positions": len(positions),
        "positions_lost": sum(bool(u["lost"]) for u in positions),
        "batteries": len(units) - len(positions),
        "batteries_silenced": sum(1 for u in units if u["kind"] == "battery" and (u["lost"] or u["shells_left"] == 0)),
        "strength_left": sum(float(u["strength_left"]) for u in positions) / full if full else 0.0,
        "waves": len(log.of_kind(EventKind.SWARM_WAVE)),
        "lgfs_sent": sum(int(e.details.get("craft", 0)) for e in log.of_kind(EventKind.SWARM_WAVE)),
        "lgfs_down_by_batteries": sum(
            1 for e in log.of_kind(EventKind.DESTROYED) if e.details.get("cause") == "anti-aircraft fire"
        ),
        "lgfs_down_by_fighters": fighter_kills,
        "relaunches": sum(s.flights - 1 for s in ours),
        "diverted": len({e.actor for e in log.of_kind(EventKind.DIVERTED)}),
        "pilots_lost": sum(s.status in LOST_STATUSES for s in ours),
        "units": units,
    }


def _raid(log: EventLog) -> dict[str, Any] | None:
    """The night raid: the captive's fate and her secret, the time taken, and each of the party's fates
    (killed; out of the ship again; still inside, trapped; or never got in), all from its events."""
    set_out = log.of_kind(EventKind.PARTY_SET_OUT)
    if not set_out:
        return None
    party = [
        {**member, "fate": "outside", "cause": None, "wounded": False, "stripped": False}
        for member in set_out[0].details["members"]
    ]
    by_name = {member["name"]: member for member in party}
    for event in log.of_kind(EventKind.PARTY_HIT, EventKind.STRIPPED, EventKind.THROUGH_BREACH, EventKind.LEFT_OUTSIDE):
        member = by_name[event.details["name"]]
        if event.kind is EventKind.PARTY_HIT:
            if event.details["outcome"] == "killed":
                member["fate"], member["cause"] = "killed", event.details["cause"]
            else:
                member["wounded"] = True
        elif event.kind is EventKind.STRIPPED:
            member["stripped"] = True
        elif event.kind is EventKind.THROUGH_BREACH and member["fate"] != "killed":
            member["fate"] = "inside" if event.details["way"] == "in" else "out"
    over = log.of_kind(EventKind.RAID_OVER)
    ending = over[-1].details if over else {}
    return {
        "captive_name": str(ending.get("who", "")),
        "captive": ending.get("captive", "still held"),
        "captive_state": ending.get("captive_state", "holding"),
        "secret_kept": bool(ending.get("secret_kept", True)),
        "trapped_inside": bool(ending.get("trapped", False)),
        "minutes": float(ending.get("minutes", 0.0)),
        "searched_h": float(ending.get("searched_h", 0.0)),
        "spotted": sum(e.details["by"] == "patrol" for e in log.of_kind(EventKind.PARTY_SPOTTED)),
        "firefights": len(log.of_kind(EventKind.FIREFIGHT_OVER)),
        "killed": sum(m["fate"] == "killed" for m in party),
        "wounded": sum(m["wounded"] and m["fate"] != "killed" for m in party),
        "party": party,
    }


def _net(log: EventLog) -> dict[str, Any] | None:
    """The net over the fleet: whether it held, what strength it has left, how many blows it absorbed."""
    raised = log.of_kind(EventKind.NET_RAISED)
    if not raised:
        return None
    hits = log.of_kind(EventKind.NET_HIT)
    strength = float(hits[-1].details["strength_left_t"]) if hits else float(raised[0].details["strength_t"])
    return {
        "held": not log.of_kind(EventKind.NET_BROKEN),
        "strength_left": strength,
        "hits_absorbed": len(hits),
    }


def _carriers(log: EventLog, sorties: Mapping[int, Sortie]) -> dict[str, dict[str, Any]]:
    """Each carrier's deck, from its events: launches, recoveries, bolters, groundings, and each landing
    (when, which wire, fuel left, bolters before it, turnaround or time grounded)."""
    carriers: dict[str, dict[str, Any]] = {}

    def deck(name: str) -> dict[str, Any]:
        return carriers.setdefault(
            name,
            {
                **dict.fromkeys(CARRIER_COUNTS, 0),
                "wires": [0] * 4,
                "launch_s": [],
                "landings": [],
            },
        )

    landing: dict[int, dict[str, Any]] = {}  # craft -> its landing record
    bolters: dict[int, int] = {}
    for event in log:
        d = event.details
        sortie = sorties.get(event.actor)
        if event.kind is EventKind.LAUNCH:
            if sortie is not None and sortie.side == AIR_COMMAND and sortie.base:
                entry = deck(sortie.base)
                entry["launched"] += 1
                entry["launch_s"].append(event.time_s)
            continue
        name = str(d.get("carrier", ""))
        if not name:
            continue
        if event.kind is EventKind.BOLTER:
            deck(name)["bolters"] += 1
            bolters[event.actor] = bolters.get(event.actor, 0) + 1
        elif event.kind is EventKind.RECOVERED:
            entry = deck(name)
            entry["recovered"] += 1
            wire = d.get("wire")
            if isinstance(wire, int) and 1 <= wire <= 4:
                entry["wires"][wire - 1] += 1
            record = {
                "callsign": sortie.callsign if sortie is not None else f"craft {event.actor}",
                "time_s": round(event.time_s, 3),
                "wire": wire,
                "fuel_kg": round(float(d.get("fuel_kg", 0.0)), 1),
                "bolters": bolters.get(event.actor, 0),
                "turnaround_s": None,
                "grounded_h": None,
                "struck_off": False,
            }
            entry["landings"].append(record)
            landing[event.actor] = record
        elif event.kind is EventKind.HARD_LANDING:
            deck(name)["hard_landings"] += 1
        elif event.kind is EventKind.GROUNDED:
            deck(name)["grounded"] += 1
            if event.actor in landing:
                landing[event.actor]["grounded_h"] = round(float(d.get("hours", 0.0)), 1)
        elif event.kind is EventKind.STRUCK_OFF:
            deck(name)["struck_off"] += 1
            if event.actor in landing:
                landing[event.actor]["struck_off"] = True
        elif event.kind is EventKind.REFUELLED and event.actor in landing:
            landing[event.actor]["turnaround_s"] = round(float(d.get("seconds", 0.0)), 1)
    for entry in carriers.values():
        times = entry.pop("launch_s")
        entry["first_launch_s"] = min(times) if times else None
        entry["last_launch_s"] = max(times) if times else None
    return carriers


def _sim_seconds(log: EventLog) -> float:
    end = log.of_kind(EventKind.END)
    if end:
        return float(end[-1].details.get("sim_seconds", end[-1].time_s))
    return float(log[len(log) - 1].time_s) if len(log) else 0.0


def _pilot_record(sortie: Sortie) -> dict[str, Any]:
    return {
        "name": sortie.pilot,
        "callsign": sortie.callsign,
        "nickname": sortie.nickname,
        "squadron": sortie.squadron,
        "squadron_name": sortie.squadron_name,
        "aircraft": sortie.aircraft,
        "craft": sortie.craft,
        "status": sortie.status,
        "wounded": sortie.wounded,
        "kills": sortie.kills,
        "photo_aircraft": sortie.photo_aircraft,
        "photos_taken": sortie.photos_taken,
        "photos_returned": sortie.photos_returned,
        "fuel_left_kg": None if sortie.fuel_left_kg is None else round(sortie.fuel_left_kg, 1),
        "sorties": sortie.flights,
    }


def summarize_runs(summaries: Sequence[Summary], *, scenario: str, seed: int) -> RunsSummary:
    """Several runs of one scenario (`--runs B`): each run's summary, and what they add up to.

    A pilot is matched across runs by name and callsign; `came_home` is the share of the runs she flew in
    that ended with her back aboard (returned or wounded).
    """
    if not summaries:
        raise ValueError("summarize_runs needs at least one run")
    losses = {side: [s.sides.of(side).lost for s in summaries] for side in SIDES}
    kills = {side: [s.sides.of(side).kills for s in summaries] for side in SIDES}
    aggregate = Aggregate(
        runs=len(summaries),
        losses={side: LossStats(mean=statistics.fmean(v), min=min(v), max=max(v)) for side, v in losses.items()},
        kills_mean={side: statistics.fmean(v) for side, v in kills.items()},
        photos_returned_mean=statistics.fmean(s.photos_returned for s in summaries),
        sim_seconds_mean=statistics.fmean(s.sim_seconds for s in summaries),
        pilots=tuple(_pilots_across_runs(summaries)),
    )
    return RunsSummary(scenario=scenario, seed=seed, runs=tuple(summaries), aggregate=aggregate)


def _pilots_across_runs(summaries: Sequence[Summary]) -> list[PilotAcrossRuns]:
    flown: dict[tuple[str, str], list[PilotRecord]] = {}
    for summary in summaries:
        for pilot in summary.pilots:
            flown.setdefault((pilot.name, pilot.callsign), []).append(pilot)
    out = []
    for (name, callsign), records in flown.items():
        statuses: dict[str, int] = {s: sum(r.status == s for r in records) for s in PILOT_STATUSES}
        out.append(
            PilotAcrossRuns(
                name=name,
                callsign=callsign,
                squadron=records[0].squadron,
                runs_flown=len(records),
                came_home=sum(statuses[s] for s in HOME_STATUSES) / len(records),
                statuses={s: n for s, n in statuses.items() if n},
                kills_mean=statistics.fmean(r.kills for r in records),
            )
        )
    return out


# --- the checker ----------------------------------------------------------------------------------------


def check_summary(summary: object) -> Summary | RunsSummary:
    """Raise `ValueError` naming the first broken rule of a summary (a single run, or `--runs`; a model or
    its JSON as plain data); return it as a model otherwise.

    A summary of the wrong shape (a missing field, a list where a table belongs) is reported the same way.
    """
    if isinstance(summary, Summary | RunsSummary):
        return summary  # a model is checked when it is built, and frozen after
    if not isinstance(summary, Mapping):
        raise ValueError(f"a summary is a mapping, not {type(summary).__name__}")
    model: type[Summary | RunsSummary] = RunsSummary if "runs" in summary else Summary
    try:
        return model.model_validate(summary)
    except ValidationError as error:
        raise ValueError(_first_broken_rule(error)) from None


_RELATIVE_PATH = re.compile(r"^[A-Za-z_][\w.\[\]]*: ")


def _first_broken_rule(error: ValidationError) -> str:
    """The first error, as `path: what is wrong` (`runs[1].sides.lgf: launched 4 != …`)."""
    first = error.errors(include_url=False)[0]
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]).lstrip(".")
    kind = first["type"]
    if kind == "missing":
        return f"{path}: missing"
    if kind == "summary_rule":
        rule = str(first["ctx"]["rule"])
        if not path:
            return rule
        return f"{path}.{rule}" if _RELATIVE_PATH.match(rule) else f"{path}: {rule}"
    if kind == "value_error":
        return f"{path}: {first['ctx']['error']}"
    return f"malformed summary: {path}: {first['msg']}"
