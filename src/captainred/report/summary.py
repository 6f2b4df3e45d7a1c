"""The JSON summary of a battle (DESIGN.md's `--json` contract), of a batch of runs, and its checker.

`summarize` turns one battle's event log into a plain dict ready for `json.dumps`: sides (launched, lost,
returned, airborne, kills), Air Command's pilots and their fates, photos brought home, event counts and the
log's digest. `summarize_runs` gathers several such summaries with an aggregate over them. `check_summary`
is the reusable invariant checker: it raises `ValueError` on the first broken rule (the conservation
identity launched = returned + lost + airborne on each side, non-negative counts, known statuses, pilots
that agree with their side's totals), so tests and tools can run it on anything that claims to be a summary.
"""

from __future__ import annotations

import copy
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from captainred.engine.events import EventKind, EventLog
from captainred.report.sorties import (
    AIR_COMMAND,
    HOME_STATUSES,
    LGF,
    LOST_STATUSES,
    PILOT_STATUSES,
    Sortie,
    read_sorties,
)

SIDES = (AIR_COMMAND, LGF)
SIDE_COUNTS = ("launched", "lost", "returned", "airborne", "kills")
CARRIER_COUNTS = ("launched", "recovered", "bolters", "grounded", "hard_landings", "struck_off")


def summarize(log: EventLog, *, scenario: str, seed: int) -> dict[str, Any]:
    """One battle's summary, from its event log alone."""
    sorties = read_sorties(log)
    sides = {side: dict.fromkeys(SIDE_COUNTS, 0) for side in SIDES}
    for sortie in sorties.values():
        counts = sides[sortie.side]
        counts["launched"] += 1
        counts["lost" if sortie.lost else "airborne" if sortie.airborne_at_end else "returned"] += 1
        counts["kills"] += sortie.kills
    pilots = [_pilot_record(s) for s in sorties.values() if s.side == AIR_COMMAND]
    end = log.of_kind(EventKind.END)
    return {
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
    } | ({"raid": raid} if (raid := _raid(log)) is not None else {})


CAPTIVE_FATES = ("rescued", "dead", "still held")
MEMBER_FATES = ("out", "inside", "outside", "killed")


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
    }


def summarize_runs(summaries: Sequence[Mapping[str, Any]], *, scenario: str, seed: int) -> dict[str, Any]:
    """Several runs of one scenario (`--runs B`): each run's summary, and what they add up to.

    A pilot is matched across runs by name and callsign; `came_home` is the share of the runs she flew in
    that ended with her back aboard (returned or wounded).
    """
    if not summaries:
        raise ValueError("summarize_runs needs at least one run")
    losses = {side: [int(s["sides"][side]["lost"]) for s in summaries] for side in SIDES}
    kills = {side: [int(s["sides"][side].get("kills", 0)) for s in summaries] for side in SIDES}
    return {
        "scenario": scenario,
        "seed": seed,
        "runs": [copy.deepcopy(dict(s)) for s in summaries],  # each run its own record, unshared
        "aggregate": {
            "runs": len(summaries),
            "losses": {side: {"mean": statistics.fmean(v), "min": min(v), "max": max(v)} for side, v in losses.items()},
            "kills_mean": {side: statistics.fmean(v) for side, v in kills.items()},
            "photos_returned_mean": statistics.fmean(int(s["photos_returned"]) for s in summaries),
            "sim_seconds_mean": statistics.fmean(float(s["sim_seconds"]) for s in summaries),
            "pilots": _pilots_across_runs(summaries),
        },
    }


def _pilots_across_runs(summaries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    flown: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for summary in summaries:
        for pilot in summary["pilots"]:
            flown.setdefault((pilot["name"], pilot["callsign"]), []).append(pilot)
    out = []
    for (name, callsign), records in flown.items():
        statuses: dict[str, int] = {s: sum(r["status"] == s for r in records) for s in PILOT_STATUSES}
        out.append(
            {
                "name": name,
                "callsign": callsign,
                "squadron": records[0]["squadron"],
                "runs_flown": len(records),
                "came_home": sum(statuses[s] for s in HOME_STATUSES) / len(records),
                "statuses": {s: n for s, n in statuses.items() if n},
                "kills_mean": statistics.fmean(int(r["kills"]) for r in records),
            }
        )
    return out


def check_summary(summary: Mapping[str, Any]) -> None:
    """Raise `ValueError` naming the first broken invariant of a summary (single run or `--runs`).

    A summary of the wrong shape (a missing field, a list where a table belongs) is reported the same way.
    """
    try:
        _check(summary)
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"malformed summary: {type(error).__name__}: {error}") from error


def _check(summary: Mapping[str, Any]) -> None:
    if not isinstance(summary, Mapping):
        raise ValueError(f"a summary is a mapping, not {type(summary).__name__}")
    if "runs" in summary:
        runs = summary["runs"]
        _require(isinstance(runs, list) and runs, "runs: must be a non-empty list")
        for i, run in enumerate(runs):
            try:
                _check(run)
            except ValueError as error:
                raise ValueError(f"runs[{i}].{error}") from None
        aggregate = summary.get("aggregate")
        if not isinstance(aggregate, Mapping):
            raise ValueError("aggregate: missing")
        _require(aggregate["runs"] == len(runs), f"aggregate.runs: {aggregate['runs']} != {len(runs)} runs")
        for pilot in aggregate.get("pilots", []):
            _require(0.0 <= pilot["came_home"] <= 1.0, f"aggregate.pilots: came_home out of [0, 1]: {pilot}")
        return
    for key in ("scenario", "seed", "digest", "sim_seconds", "sides", "pilots", "photos_returned", "events"):
        _require(key in summary, f"{key}: missing")
    _require(_count(summary["sim_seconds"], number=True), f"sim_seconds: {summary['sim_seconds']!r}")
    sides = summary["sides"]
    for side, counts in sides.items():
        for key in ("launched", "lost", "returned", "airborne"):
            _require(_count(counts.get(key)), f"sides.{side}.{key}: not a count: {counts.get(key)!r}")
        total = counts["returned"] + counts["lost"] + counts["airborne"]
        _require(
            counts["launched"] == total,
            f"sides.{side}: launched {counts['launched']} != returned + lost + airborne = {total}",
        )
    for kind, n in summary["events"].items():
        _require(_count(n), f"events.{kind}: not a count: {n!r}")
    launched = sum(c["launched"] for c in sides.values())
    launches = summary["events"].get(str(EventKind.LAUNCH), 0)
    _require(launches == launched, f"events.launch: {launches} launch events != {launched} launched")
    _check_pilots(summary["pilots"], sides.get(AIR_COMMAND, dict.fromkeys(SIDE_COUNTS, 0)))
    for name, deck in summary.get("carriers", {}).items():
        for key in CARRIER_COUNTS:
            if key in deck:
                _require(_count(deck[key]), f"carriers.{name}.{key}: not a count: {deck[key]!r}")
        if "wires" in deck:
            _require(
                sum(deck["wires"]) <= deck["recovered"],
                f"carriers.{name}.wires: {sum(deck['wires'])} wires caught > {deck['recovered']} recovered",
            )
    if "raid" in summary:
        _check_raid(summary["raid"])
    photos = sum(p["photos_returned"] for p in summary["pilots"])
    _require(
        summary["photos_returned"] == photos,
        f"photos_returned: {summary['photos_returned']!r} != {photos} summed over the pilots",
    )


def _check_raid(raid: Mapping[str, Any]) -> None:
    _require(raid["captive"] in CAPTIVE_FATES, f"raid.captive: {raid['captive']!r} not one of {CAPTIVE_FATES}")
    fates = [m["fate"] for m in raid["party"]]
    for i, fate in enumerate(fates):
        _require(fate in MEMBER_FATES, f"raid.party[{i}].fate: {fate!r} not one of {MEMBER_FATES}")
    _require(
        raid["killed"] == fates.count("killed"), f"raid.killed: {raid['killed']} != {fates.count('killed')} killed"
    )
    _require(raid["minutes"] >= 0, f"raid.minutes: {raid['minutes']!r}")
    if raid["captive"] == "rescued":
        _require("out" in fates, "raid: the captive rescued, but nobody of the party came out")
        _require(not raid["trapped_inside"] or "inside" in fates, "raid.trapped_inside: nobody is inside")


def _check_pilots(pilots: Sequence[Mapping[str, Any]], air_command: Mapping[str, int]) -> None:
    for i, pilot in enumerate(pilots):
        where = f"pilots[{i}] ({pilot.get('callsign', '?')})"
        status = pilot.get("status")
        _require(status in PILOT_STATUSES, f"{where}.status: {status!r} not one of {', '.join(PILOT_STATUSES)}")
        for key in ("kills", "photos_returned"):
            _require(_count(pilot.get(key)), f"{where}.{key}: not a count: {pilot.get(key)!r}")
        fuel = pilot.get("fuel_left_kg")
        if status in LOST_STATUSES:
            _require(fuel is None, f"{where}.fuel_left_kg: {fuel!r} for a lost aircraft (must be null)")
            _require(pilot["photos_returned"] == 0, f"{where}.photos_returned: photos from a lost aircraft")
        else:
            _require(_count(fuel, number=True), f"{where}.fuel_left_kg: {fuel!r} (must be >= 0)")
        if status == "wounded":
            _require(pilot.get("wounded") is True, f"{where}.wounded: status wounded but wounded is not true")
    by_fate = {
        "returned": sum(p["status"] in HOME_STATUSES for p in pilots),
        "lost": sum(p["status"] in LOST_STATUSES for p in pilots),
        "airborne": sum(p["status"] == "airborne" for p in pilots),
        "launched": len(pilots),
    }
    for key, n in by_fate.items():
        _require(
            air_command.get(key, 0) == n,
            f"sides.{AIR_COMMAND}.{key}: {air_command.get(key, 0)} but the pilots' statuses say {n}",
        )


def _count(value: object, *, number: bool = False) -> bool:
    """A non-negative int (or, with `number`, any non-negative real); bools are not counts."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return number and isinstance(value, float) and value >= 0


def _require(condition: object, message: str) -> None:
    if not condition:
        raise ValueError(message)
