"""The event log: the one record of a battle that everything downstream reads.

An event is a typed record (tick, time, kind, actor, target, position, details). Each battle has its own
log; its canonical serialisation is one JSON array per line with positions rounded to decimetres and
times to milliseconds, and the log's digest is the SHA-256 of those bytes. The battle's index inside a
batch is deliberately not part of an event, so a battle has the same digest alone or in any batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from json.encoder import encode_basestring_ascii
from typing import Any


class EventKind(StrEnum):
    """Everything that can happen in a battle and be worth a line in the report."""

    LAUNCH = "launch"  # details: side, type, squadron, squadron_name, pilot, callsign, nickname, photo, base
    FORMED_UP = "formed_up"  # details: squadron
    COURSE_SET = "course_set"  # details: squadron, toward
    RADIO = "radio"  # details: callsign, text, cut (bool)
    MAYDAY = "mayday"  # details: callsign, text, cut (bool)
    CONTACT = "contact"  # details: squadron, sighted ("LGFs" or "target"), range_m
    SWARM_LAUNCH = "swarm_launch"  # details: door, craft
    SWARM_RECALLED = "swarm_recalled"  # battle event: no intruder within the swarm's reach for a while, and
    #   the LGFs out of the doors go home (they come out again if the intruders come back); details: craft
    HEARD = "heard"  # the mother ship heard a call: actor, the caller; details: range_m
    PHOTO = "photo"  # details: callsign, number (the aircraft's running count), range_m
    SHOT = "shot"  # details: weapon (cannon, rocket, blue_fire), rounds
    HIT = "hit"  # details: weapon, subsystem, severity
    SUBSYSTEM = "subsystem"  # details: subsystem, state (e.g. engine_out, smoking, holed, dead, leaking)
    SMOKING = "smoking"  # an LGF hit but still flying
    KILL = "kill"  # actor: who gets the credit, target: what went down; details: weapon
    DESTROYED = "destroyed"  # details: cause
    CRASH = "crash"  # details: cause (ground, building, ship, spin, wing_failure)
    BLACKOUT = "blackout"  # details: seconds
    SPIN_RECOVERED = "spin_recovered"  # details: altitude_m
    FORCE_DOWN = "force_down"  # details: escorts (how many LGFs close around her)
    FORCED_LANDING = "forced_landing"  # details: where, outcome (landed, crashed), captured (bool)
    WOUNDED = "wounded"
    KILLED = "killed"  # the pilot, not the aircraft
    BINGO = "bingo"  # details: fuel_kg, reason (fuel, ammunition, damage)
    COVER = "cover"  # a wingman covers a pilot out of the fight: actor, the wingman; target, the pilot
    RECOVERED = "recovered"  # details: carrier, fuel_kg, photos
    DITCHED = "ditched"  # details: cause
    RETURNED_TO_SHIP = "returned_to_ship"  # an LGF back aboard the mother ship (terminal, not a loss)
    AIRBORNE_AT_END = "airborne_at_end"  # details: fuel_kg, photos (still flying when the battle ends)
    END = "end"  # details: reason, sim_seconds
    # The carriers' deck cycle (captainred.fleet.carrier_deck). Battle events have no actor.
    DECK_CLEARED = "deck_cleared"  # battle event; details: carrier, aircraft (ordered off)
    ALL_CLEAR = "all_clear"  # battle event: the all-clear flag, launches follow; details: carrier
    WIRE_CAUGHT = "wire_caught"  # details: carrier, wire (1-4, 4 the last), fuel_kg
    BOLTER = "bolter"  # the hook missed every wire; details: carrier, fuel_kg, go_around (bool)
    HARD_LANDING = "hard_landing"  # details: carrier, severity (airframe health lost)
    REFUELLED = "refuelled"  # refuelled and rearmed, READY again; details: carrier, seconds (wire to ready)
    GROUNDED = "grounded"  # struck below for repairs; details: carrier, hours (of repair work)
    REPAIRED = "repaired"  # out of the hangar, READY again; details: carrier, hours (since the wire)
    STRUCK_OFF = "struck_off"  # beyond repair (or no room below); details: carrier, reason
    DIVERTED = "diverted"  # her deck foul or her hangar full, she makes for another deck or the camp's
    #   runway; details: carrier (her own), to, reason (deck foul, hangar full), fuel_kg. She lands there
    #   (RECOVERED with that carrier, or at: the camp) and stays for the day.
    SICK_BAY = "sick_bay"  # the pilot came back wounded; details: carrier, pilot, days
    NET_RAISED = "net_raised"  # the net over the fleet, at the start; details: radius_m, strength_t
    NET_OPENED = "net_opened"  # it parts for aircraft to file through; details: bearing_deg, gap_m, reason
    NET_CLOSED = "net_closed"  # it closes behind them
    NET_HIT = "net_hit"  # something struck the net and was absorbed; actor: an LGF or -1 for a shell;
    #   details: what (craft, blue_fire, shell), energy_t, strength_left_t
    NET_BROKEN = "net_broken"  # the net gave way; details: strength_left_t
    SALVO = "salvo"  # ships fire; details: bombardment, salvo, shells, flight_s
    IMPACT = "impact"  # a shell lands; details: bombardment, struck (ground, sea, hull), tnt_kg, danger_m
    BREACH = "breach"  # a shell tears the mother ship's hull; details: breach, seals_at_s
    BREACH_SEALED = "breach_sealed"  # the plates have closed it; details: breach
    # The night raid on foot (captainred.engine.raid). Actors are the party's members (MEMBER_ID_BASE + i).
    PARTY_SET_OUT = "party_set_out"  # battle event; details: members (name, callsign, weapon, load_kg, ...)
    PARTY_SPOTTED = "party_spotted"  # battle event: a patrol or the ship's guards open fire; details: by, foes
    FIREFIGHT_OVER = "firefight_over"  # battle event; details: by, foes_down, seconds
    PARTY_HIT = "party_hit"  # details: name, cause (fire, shell, wall, plate, wounds), outcome (wounded, killed)
    PATCHED = "patched"  # a wound dressed from the first-aid kit; details: name, uses_left, seconds
    WALL_COLLAPSE = "wall_collapse"  # battle event: a shell brings a standing wall down; details: reach_m
    AT_RUBBLE = "at_rubble"  # battle event: the party is in the rubble by the hull; details: minutes, alive
    SPRINT = "sprint"  # battle event: the party runs for a breach; details: breach, range_m, seals_at_s
    THROUGH_BREACH = "through_breach"  # into (or out of) the ship; details: name, breach, way (in, out)
    STRIPPED = "stripped"  # the plate tore away her pack and weapon; details: name
    LEFT_OUTSIDE = "left_outside"  # the breach closed before she reached it; details: name
    CAPTIVE_FOUND = "captive_found"  # battle event: the party reaches the cell; details: captive, broken
    SECRET_BROKEN = "secret_broken"  # battle event: the captive's secret is torn from her; details: captive
    CAPTIVE_DIED = "captive_died"  # battle event; details: captive
    SWARM_WAVE = "swarm_wave"  # battle event: a wave leaves the ship for the front; details: craft, wave
    # The front (captainred.front). A unit's actor is GROUND_ID_BASE + its number; details: unit, kind
    # (position, battery), garrison (its soldiers, or a battery's crew, left).
    POUNDED = "pounded"  # another quarter of a unit's strength is gone; details: strength_left
    POSITION_LOST = "position_lost"  # a position pounded into dust
    BATTERY_SILENCED = "battery_silenced"  # details: reason (destroyed, out of shells), guns, shells_left,
    #   rounds_fired, kills
    FRONT_BROKEN = "front_broken"  # battle event: enough positions lost; details: positions_lost, positions
    FRONT_STATE = "front_state"  # each unit as the battle ends; details: strength_left, full_strength, lost,
    #   bursts_taken, bolts_taken (and a battery's tally)
    RAID_OVER = "raid_over"  # battle event; details: captive, captive_state, secret_kept, trapped, minutes


# Every launched craft ends with exactly one of these: a loss, a return, or still airborne at the end.
LOSS_KINDS = frozenset({EventKind.DESTROYED, EventKind.CRASH, EventKind.DITCHED, EventKind.FORCED_LANDING})
RETURN_KINDS = frozenset({EventKind.RECOVERED, EventKind.RETURNED_TO_SHIP})
TERMINAL_KINDS = LOSS_KINDS | RETURN_KINDS | {EventKind.AIRBORNE_AT_END}


# The canonical line's encoder: keys sorted, no spaces, ASCII only, and no infinite or NaN (one in an
# event is a bug upstream, not a value to log). The line is written piece by piece as it writes them.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
_KIND_JSON: dict[str, str] = {kind: _CANONICAL.encode(str(kind)) for kind in EventKind}


def _details_json(details: Mapping[str, Any]) -> str:
    """What `_CANONICAL` writes for `_canonical_details(details)`: its keys in order, numbers rounded as
    there, strings through the encoder's own escaping, and a value of any other kind (or a key that is
    not a string) by the encoder itself."""
    parts = []
    for key in sorted(details):
        if type(key) is not str:
            return _CANONICAL.encode(_canonical_details(details))
        value = details[key]
        if isinstance(value, (list, tuple)):
            text = "[" + ",".join(_value_json(v) for v in value) + "]"
        else:
            text = _value_json(value)
        parts.append(f"{encode_basestring_ascii(key)}:{text}")
    return "{" + ",".join(parts) + "}"


def _value_json(value: Any) -> str:
    """What `_CANONICAL` writes for a detail's value (or an item of a list of them), a float rounded to
    the thousandth as `_canonical_details` rounds it."""
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if value is None or isinstance(value, bool):
        return _CANONICAL.encode(value)
    if isinstance(value, float):
        return _rounded(value, ".3f", 3)
    if isinstance(value, int):
        return int.__repr__(value)
    return _CANONICAL.encode(value)


def _kind_json(kind: str) -> str:
    """What `_CANONICAL` writes for `str(kind)`: looked up for the kinds the engine logs."""
    known = _KIND_JSON.get(kind)
    return known if known is not None else _CANONICAL.encode(str(kind))


def _whole(value: int) -> str:
    """What `_CANONICAL` writes for an int (its digits); anything else, the encoder's way."""
    return int.__repr__(value) if type(value) is int else _CANONICAL.encode(value)


def _rounded(value: float, fixed: str, places: int) -> str:
    """What `_CANONICAL` writes for `round(value, places)`, in one formatting rather than a rounding and
    then the shortest text of the result (`fixed` is the format of `places` decimals: ".1f" or ".3f").

    A float below 1e12 in size, written correctly rounded to 1 or 3 decimals, has at most 15 significant
    digits. Such a text reads back as one double (the rounded value: `round` rounds the same way), and
    no other text of as few digits reads back as it, so once its trailing zeros are dropped (but one
    after the point) it is that double's shortest text, which is what the encoder writes. Any other
    value (an int, a float beyond 1e12, an infinite or NaN, which the encoder refuses) goes the long
    way."""
    if type(value) is float and -1e12 < value < 1e12:
        text = format(value, fixed).rstrip("0")
        return text + "0" if text[-1] == "." else text
    return _CANONICAL.encode(round(value, places))


@dataclass(frozen=True, slots=True)
class Event:
    tick: int
    time_s: float
    kind: EventKind
    actor: int = -1
    target: int = -1
    position_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    details: Mapping[str, Any] = field(default_factory=dict)

    def canonical(self) -> str:
        """One line of the canonical serialisation (stable across runs, batches and machines): the JSON
        of `[tick, round(time_s, 3), kind, actor, target, [x, y, z] each rounded to 1, details]` (the
        details' floats rounded to 3), keys sorted, no spaces, ASCII only (`_CANONICAL`). Written piece by
        piece as the encoder writes each, at 55% of the cost of encoding the list (a battle's log is
        thousands of lines): a property test holds it to `json.dumps`, character for character."""
        x, y, z = self.position_m
        return (
            f"[{_whole(self.tick)},{_rounded(self.time_s, '.3f', 3)},{_kind_json(self.kind)},"
            f"{_whole(self.actor)},{_whole(self.target)},"
            f"[{_rounded(x, '.1f', 1)},{_rounded(y, '.1f', 1)},{_rounded(z, '.1f', 1)}],"
            f"{_details_json(self.details)}]"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "tick": self.tick,
            "time_s": round(self.time_s, 3),
            "kind": str(self.kind),
            "actor": self.actor,
            "target": self.target,
            "position_m": [round(v, 1) for v in self.position_m],
            "details": _canonical_details(self.details),
        }


def _canonical_details(details: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in sorted(details):
        value = details[key]
        if isinstance(value, float):
            value = round(value, 3)
        elif isinstance(value, (list, tuple)):
            value = [round(v, 3) if isinstance(v, float) else v for v in value]
        out[key] = value
    return out


class EventLog:
    """The ordered events of one battle."""

    __slots__ = ("_events",)

    def __init__(self, events: Iterable[Event] = ()) -> None:
        self._events: list[Event] = list(events)

    def append(self, event: Event) -> None:
        self._events.append(event)

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, index: int) -> Event:
        return self._events[index]

    def of_kind(self, *kinds: EventKind) -> list[Event]:
        wanted = set(kinds)
        return [e for e in self._events if e.kind in wanted]

    def canonical_lines(self) -> Iterator[str]:
        for event in self._events:
            yield event.canonical()

    def digest(self) -> str:
        """SHA-256 of the canonical serialisation, as hex."""
        h = hashlib.sha256()
        for line in self.canonical_lines():
            h.update(line.encode("ascii"))
            h.update(b"\n")
        return h.hexdigest()

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for event in self._events:
            counts[str(event.kind)] = counts.get(str(event.kind), 0) + 1
        return dict(sorted(counts.items()))
