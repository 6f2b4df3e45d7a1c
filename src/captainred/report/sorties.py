"""Who flew and how each flight ended, read from the event log alone.

A sortie record is one launched craft's battle: from its first LAUNCH event to its last terminal event
(a loss, a return, or still airborne at the end), with what happened to its pilot on the way (wounded,
killed), the kills credited to it and the photos it took and brought home. A craft that came home may
launch again (a relay off a carrier's deck, an LGF rearmed in the ship): each flight ends in a terminal
event, and the record counts its flights and ends with the last. Both the summary and the timeline read the
battle through these records, so a craft's name and fate are worked out in one place. A log that breaks the
event contract (a craft launched while still flying or after it was lost, a terminal event for a craft not
in the air, a craft with no ending) raises `BrokenEventLog`: that is a bug upstream, and a report that
quietly miscounts it would hide it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from captainred.engine.events import LOSS_KINDS, RETURN_KINDS, TERMINAL_KINDS, Event, EventKind, EventLog
from captainred.scenario.sides import SIDES, Side

PilotStatus = Literal["returned", "killed", "missing", "captured", "wounded", "airborne"]
PILOT_STATUSES: tuple[PilotStatus, ...] = ("returned", "wounded", "airborne", "killed", "missing", "captured")
HOME_STATUSES: frozenset[str] = frozenset({"returned", "wounded"})
LOST_STATUSES: frozenset[str] = frozenset({"killed", "missing", "captured"})


class BrokenEventLog(ValueError):
    """The event log breaks its contract (see `captainred.engine.events`)."""


@dataclass(frozen=True, slots=True)
class Sortie:
    """One craft's flight: its LAUNCH details, its ending and what befell its pilot."""

    craft: int
    side: Side
    aircraft: str
    squadron: str
    squadron_name: str
    pilot: str
    callsign: str
    nickname: str | None
    photo_aircraft: bool
    base: str
    launched_s: float
    ending: Event
    pilot_killed: bool
    wounded: bool
    kills: int
    photos_taken: int
    flights: int = 1
    photos_home: int = 0  # photos brought home by the flights before the last

    @property
    def lost(self) -> bool:
        return self.ending.kind in LOSS_KINDS

    @property
    def airborne_at_end(self) -> bool:
        return self.ending.kind is EventKind.AIRBORNE_AT_END

    @property
    def returned(self) -> bool:
        return not self.lost and not self.airborne_at_end

    @property
    def status(self) -> PilotStatus:
        """The pilot's fate, by the rules of the JSON summary (DESIGN.md)."""
        kind, details = self.ending.kind, self.ending.details
        if self.pilot_killed or kind in (EventKind.DESTROYED, EventKind.CRASH):
            return "killed"
        if kind is EventKind.FORCED_LANDING:
            if details.get("outcome") == "crashed":
                return "killed"
            return "captured" if details.get("captured") else "missing"
        if kind is EventKind.DITCHED:
            return "missing"
        if kind is EventKind.AIRBORNE_AT_END:
            return "airborne"
        return "wounded" if self.wounded else "returned"

    @property
    def fuel_left_kg(self) -> float | None:
        """Fuel in the tanks on the deck (or still in the air at the end); None if the aircraft was lost."""
        if self.lost:
            return None
        fuel = self.ending.details.get("fuel_kg")
        return float(fuel) if fuel is not None else None

    @property
    def photos_returned(self) -> int:
        """Photos count only when the aircraft gets home (from each flight that did)."""
        if self.ending.kind is not EventKind.RECOVERED:
            return self.photos_home
        return self.photos_home + int(self.ending.details.get("photos", 0))


@dataclass(slots=True)
class _Flight:
    """A sortie still being read: what the log has said about one craft so far."""

    launch: Event
    ending: Event | None = None
    pilot_killed: bool = False
    wounded: bool = False
    kills: int = 0
    photos_taken: int = 0
    flights: int = 1
    photos_home: int = 0
    photos_earlier: int = 0


def read_sorties(log: EventLog) -> dict[int, Sortie]:
    """Every craft that flew, keyed by craft id, in order of first launch."""
    flights: dict[int, _Flight] = {}
    for event in log:
        if event.kind is EventKind.LAUNCH:
            flight = flights.get(event.actor)
            if flight is None:
                flights[event.actor] = _Flight(launch=event)
                continue
            ending = flight.ending
            if ending is None or ending.kind not in RETURN_KINDS:
                why = "while still flying" if ending is None else f"after {ending.kind}"
                raise BrokenEventLog(f"craft {event.actor} launched again at {event.time_s:.1f} s {why}")
            if ending.kind is EventKind.RECOVERED:
                flight.photos_home += int(ending.details.get("photos", 0))
            flight.photos_earlier += max(flight.photos_taken, int(ending.details.get("photos", 0)))
            flight.photos_taken = 0
            flight.ending = None
            flight.flights += 1
            continue
        flight = flights.get(event.actor)
        if event.kind in TERMINAL_KINDS:
            if flight is None:
                raise BrokenEventLog(f"{event.kind} at {event.time_s:.1f} s for craft {event.actor}, never launched")
            if flight.ending is not None:
                raise BrokenEventLog(f"craft {event.actor} has two endings: {flight.ending.kind} and {event.kind}")
            flight.ending = event
        elif flight is None:
            continue  # events about things that are not craft (the ship, the battle) or unknown shooters
        elif event.kind is EventKind.KILLED:
            flight.pilot_killed = True
        elif event.kind is EventKind.WOUNDED:
            flight.wounded = True
        elif event.kind is EventKind.KILL:
            flight.kills += 1
        elif event.kind is EventKind.PHOTO:
            flight.photos_taken = max(flight.photos_taken + 1, int(event.details.get("number", 0)))
    return {craft: _sortie(craft, flight) for craft, flight in flights.items()}


def _sortie(craft: int, flight: _Flight) -> Sortie:
    if flight.ending is None:
        raise BrokenEventLog(f"craft {craft} launched at {flight.launch.time_s:.1f} s but never ends")
    d: Mapping[str, Any] = flight.launch.details
    side = next((known for known in SIDES if known == d.get("side")), None)
    if side is None:
        raise BrokenEventLog(f"craft {craft} launched for an unknown side {d.get('side', '')!r}")
    nickname = d.get("nickname")
    return Sortie(
        craft=craft,
        side=side,
        aircraft=str(d.get("type", "")),
        squadron=str(d.get("squadron", "")),
        squadron_name=str(d.get("squadron_name", "") or d.get("squadron", "")),
        pilot=str(d.get("pilot", "")),
        callsign=str(d.get("callsign", "") or f"craft {craft}"),
        nickname=str(nickname) if nickname else None,
        photo_aircraft=bool(d.get("photo", False)),
        base=str(d.get("base", d.get("carrier", ""))),
        launched_s=flight.launch.time_s,
        ending=flight.ending,
        pilot_killed=flight.pilot_killed,
        wounded=flight.wounded,
        kills=flight.kills,
        photos_taken=flight.photos_earlier + max(flight.photos_taken, int(flight.ending.details.get("photos", 0))),
        flights=flight.flights,
        photos_home=flight.photos_home,
    )
