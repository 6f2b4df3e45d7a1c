"""The timeline of a battle: what mattered, when, and who did it, read from the event log.

A battle logs thousands of events; a reader wants a few dozen lines. This module picks and condenses them:
launches become one line per squadron (per wave, for the ship's doors), the first contact and each swarm
launch one line each, photo passes one line per aircraft (its first photo), hits that broke something one
line per target and tick with what they broke (scratches are left out), then kills, losses, forced
landings, pilots wounded or killed, blackouts and spins, force-downs, bingo calls, recoveries with their
fuel, and every radio call and mayday in the pilot's own callsign and words (a call cut off mid-sentence
ends in a dash). Times are sim time on a clock face.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from captainred.engine.events import Event, EventKind, EventLog
from captainred.report.sorties import Sortie, read_sorties
from captainred.scenario.sides import AIR_COMMAND, LGF

# Launches of one squadron (or from one door-side base) more than this far apart are separate waves.
LAUNCH_WAVE_GAP_S = 60.0
FEET_PER_METRE = 1 / 0.3048
CUT_OFF = "—"


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One line of the timeline: at `time_s` of sim time, `who` did or suffered `what`.

    `kind` is the event behind the line and `side` the side of `who` ("air_command", "lgf", or "" for
    neither: the battle itself, the mother ship), so a renderer can colour losses and calls.
    """

    time_s: float
    who: str
    what: str
    kind: EventKind
    side: str = ""

    @property
    def clock(self) -> str:
        return format_clock(self.time_s)


def format_clock(time_s: float) -> str:
    """Sim time as mm:ss, h:mm:ss from the first hour on, and with days (2d 03:04:05) from the first day."""
    total = max(0, int(time_s))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def build_timeline(log: EventLog) -> list[TimelineRow]:
    """The rows that matter, in the order they happened."""
    return _TimelineReader(log).rows()


class _TimelineReader:
    """One pass over a log, holding what the condensed lines need: names, and what each hit broke."""

    def __init__(self, log: EventLog) -> None:
        self.events = list(log)
        self.sorties = read_sorties(log)
        # (tick, craft) → its SUBSYSTEM events that tick, with their places in the log
        self.broken: dict[tuple[int, int], list[tuple[int, Event]]] = defaultdict(list)
        self.smoking: set[tuple[int, int]] = set()
        self.hit_at: set[tuple[int, int]] = set()
        self.kill_at: set[tuple[int, int]] = set()
        for index, event in enumerate(self.events):
            key = (event.tick, event.actor)
            if event.kind is EventKind.SUBSYSTEM:
                self.broken[key].append((index, event))
            elif event.kind is EventKind.SMOKING:
                self.smoking.add(key)
            elif event.kind is EventKind.HIT:
                self.hit_at.add((event.tick, event.target))
            elif event.kind is EventKind.KILL:
                self.kill_at.add((event.tick, event.target))

    def rows(self) -> list[TimelineRow]:
        placed: list[tuple[int, TimelineRow]] = []  # (index of the first event behind the row, row)
        placed += self._launch_waves()
        placed += self._hits()
        placed += self._swarm_launches()
        firsts: set[tuple[EventKind, int]] = set()
        for index, event in enumerate(self.events):
            line = _LINES.get(event.kind)
            if line is None:
                continue
            if event.kind in _FIRST_ONLY:
                first_key = (event.kind, event.actor if _FIRST_ONLY[event.kind] == "craft" else 0)
                if first_key in firsts:
                    continue
                firsts.add(first_key)
            what = line(self, event)
            if what:
                placed.append((index, self._row(event, what)))
        placed.sort(key=lambda item: item[0])
        return [row for _, row in placed]

    # -- names ---------------------------------------------------------------------------------------

    def who(self, craft: int) -> str:
        sortie = self.sorties.get(craft)
        if sortie is not None:
            return sortie.callsign
        return "—" if craft < 0 else f"craft {craft}"

    def side(self, craft: int) -> str:
        sortie = self.sorties.get(craft)
        return sortie.side if sortie is not None else ""

    def _row(self, event: Event, what: str) -> TimelineRow:
        details = event.details
        who = str(details.get("callsign") or details.get("name") or details.get("unit") or self.who(event.actor))
        if event.actor < 0 and event.details.get("carrier"):
            who = str(event.details["carrier"])  # the deck itself
        if event.kind is EventKind.END:
            who = "battle"
        elif event.kind in _FLEET_KINDS:
            who = "the fleet"
        elif event.kind in _SHIP_KINDS or event.kind is EventKind.SWARM_WAVE:
            who = "mother ship"
        elif event.kind in _PARTY_KINDS:
            who = "the party"
        elif event.kind in _CAPTIVE_KINDS:
            who = "the captive"
        return TimelineRow(event.time_s, who, what, event.kind, self.side(event.actor))

    # -- condensed lines -----------------------------------------------------------------------------

    def _launch_waves(self) -> list[tuple[int, TimelineRow]]:
        waves: dict[tuple[str, str, str], list[list[tuple[int, Sortie]]]] = {}
        for index, event in enumerate(self.events):
            if event.kind is not EventKind.LAUNCH:
                continue
            sortie = self.sorties[event.actor]
            group = waves.setdefault((sortie.side, sortie.squadron, sortie.base), [])
            if not group or sortie.launched_s - group[-1][-1][1].launched_s > LAUNCH_WAVE_GAP_S:
                group.append([])
            group[-1].append((index, sortie))
        rows = []
        for (side, _, base), group in waves.items():
            for wave in group:
                first, last = wave[0][1], wave[-1][1]
                aircraft = plural(len(wave), first.aircraft or "aircraft")
                where = f"from the {base}" if base == "mother-ship" else f"from {base}" if base else ""
                what = " ".join(part for part in ("launched", aircraft, where) if part)
                if len(wave) > 1:
                    what += f", last away at {format_clock(last.launched_s)}"
                who = first.squadron_name or ("LGFs" if side == LGF else "Air Command")
                rows.append((wave[0][0], TimelineRow(first.launched_s, who, what, EventKind.LAUNCH, side)))
        return rows

    def _swarm_launches(self) -> list[tuple[int, TimelineRow]]:
        by_tick: dict[int, tuple[int, Event, int, int]] = {}
        for index, event in enumerate(self.events):
            if event.kind is EventKind.SWARM_LAUNCH:
                first_index, first, craft, doors = by_tick.get(event.tick, (index, event, 0, 0))
                by_tick[event.tick] = (
                    first_index,
                    first,
                    craft + int(event.details.get("craft", 0)),
                    doors + 1,
                )
        rows = []
        for first_index, first, craft, doors in by_tick.values():
            what = f"the swarm comes out: {plural(craft, 'LGF')} from {plural(doors, 'door')}"
            rows.append((first_index, TimelineRow(first.time_s, "mother ship", what, first.kind, LGF)))
        return rows

    def _hits(self) -> list[tuple[int, TimelineRow]]:
        """One line per target and tick: who hit it, with what, and what broke."""
        bursts: dict[tuple[int, int], tuple[int, list[Event]]] = {}
        for index, event in enumerate(self.events):
            if event.kind is EventKind.HIT:
                bursts.setdefault((event.tick, event.target), (index, []))[1].append(event)
        rows = []
        for key, (index, hits) in bursts.items():
            target = key[1]
            broke = [_damage(e) for _, e in self.broken.get(key, [])]
            if key in self.smoking:
                broke.append("smoking")
            if not broke:
                continue  # a scratch: in a dogfight there are dozens; the kill line (if any) says the rest
            shooters = list(dict.fromkeys(self.who(e.actor) for e in hits))
            weapons = list(dict.fromkeys(str(e.details.get("weapon", "")) for e in hits if e.details.get("weapon")))
            what = f"hits {self.who(target)}"
            if weapons:
                what += " with " + _weapon_words(weapons)
            if broke:
                what += ": " + "; ".join(broke)
            first = hits[0]
            who = ", ".join(shooters)
            rows.append((index, TimelineRow(first.time_s, who, what, EventKind.HIT, self.side(first.actor))))
        # Damage with no hit behind it (falling masonry, a pull-out too hard, a leak running dry).
        for key, broken in self.broken.items():
            if key in self.hit_at:
                continue
            index, first = broken[0]
            what = "; ".join(_damage(e) for _, e in broken)
            side = self.side(first.actor)
            rows.append((index, TimelineRow(first.time_s, self.who(first.actor), what, EventKind.SUBSYSTEM, side)))
        return rows


def plural(n: int, noun: str) -> str:
    """ "1 photo", "3 photos": a count with its noun, as the report writes it."""
    return f"{n} {noun}" if n == 1 or noun.endswith("aircraft") else f"{n} {noun}s"


def _words(name: str) -> str:
    return name.replace("_", " ")


def _weapon_words(weapons: list[str]) -> str:
    return " and ".join(_words(w) for w in weapons)


def _damage(event: Event) -> str:
    subsystem, state = event.details.get("subsystem", "?"), event.details.get("state", "")
    return f"{_words(str(subsystem))}: {_words(str(state))}" if state else _words(str(subsystem))


def _km_or_m(metres: object) -> str:
    m = float(metres) if isinstance(metres, (int, float)) else 0.0
    return f"{m / 1000:.1f} km" if m >= 1000 else f"{m:.0f} m"


def _said(event: Event) -> str:
    """A radio call in the caller's own words; a call cut off ends in a dash where the words stop."""
    text = str(event.details.get("text", "")).strip()
    if event.details.get("cut"):
        return f"“{text.rstrip(' .,!?;:')}{CUT_OFF}” (cut off)"
    return f"“{text}”"


def _kill(reader: _TimelineReader, e: Event) -> str:
    weapon = e.details.get("weapon")
    return f"shoots down {reader.who(e.target)}" + (f" ({_words(str(weapon))})" if weapon else "")


def _destroyed(reader: _TimelineReader, e: Event) -> str:
    if (e.tick, e.actor) in reader.kill_at:
        return ""  # the kill line already says it
    return "destroyed" + _cause(e)


def _cause(e: Event) -> str:
    cause = e.details.get("cause")
    return f" ({_words(str(cause))})" if cause else ""


def _forced_landing(reader: _TimelineReader, e: Event) -> str:
    d = e.details
    where = f" on {d['where']}" if d.get("where") else ""
    if d.get("outcome") == "crashed":
        return f"forced landing{where}: crashes"
    return f"forced landing{where}: down safely" + (", taken captive" if d.get("captured") else ", missing")


def _force_down(reader: _TimelineReader, e: Event) -> str:
    escorts = e.details.get("escorts")
    # The contract names the escorts (craft ids); a bare count is read as well.
    n = len(escorts) if isinstance(escorts, (list, tuple)) else escorts if isinstance(escorts, int) else 0
    return f"boxed in by {plural(n, 'LGF')}, forced down" if n else "forced down"


def _recovered(reader: _TimelineReader, e: Event) -> str:
    d = e.details
    what = f"recovered aboard {d['carrier']}" if d.get("carrier") else "recovered"
    wire = d.get("wire")
    if isinstance(wire, int) and 1 <= wire <= 4:
        what += " on the " + ("last" if wire == 4 else ("first", "second", "third")[wire - 1]) + " wire"
    what += f", {float(d.get('fuel_kg', 0.0)):.0f} kg of fuel left"
    photos = int(d.get("photos", 0))
    return what + (f", {plural(photos, 'photo')} home" if photos else "")


def _airborne_at_end(reader: _TimelineReader, e: Event) -> str:
    if reader.side(e.actor) != AIR_COMMAND:
        return ""
    return f"still airborne at the end, {float(e.details.get('fuel_kg', 0.0)):.0f} kg of fuel left"


def _first_photo(reader: _TimelineReader, e: Event) -> str:
    range_m = e.details.get("range_m")
    return "photo pass: first picture" + (f" at {_km_or_m(range_m)}" if range_m is not None else "")


def _end(reader: _TimelineReader, e: Event) -> str:
    reason = e.details.get("reason")
    return "the battle ends" + (f": {reason}" if reason else "")


def _formed_up(reader: _TimelineReader, e: Event) -> str:
    aircraft = e.details.get("aircraft")
    return "formed up" + (f", {int(aircraft)} aircraft" if aircraft else "")


def _course_set(reader: _TimelineReader, e: Event) -> str:
    toward = e.details.get("toward")
    return "course set" + (f" for {_words(str(toward))}" if toward else "")


def _contact(reader: _TimelineReader, e: Event) -> str:
    sighted = "the target" if e.details.get("sighted") == "target" else "LGFs"
    return f"first contact: {sighted}" + (f" at {_km_or_m(e.details['range_m'])}" if "range_m" in e.details else "")


def _blackout(reader: _TimelineReader, e: Event) -> str:
    seconds = e.details.get("seconds")
    return "blacks out" + (f" for {float(seconds):.0f} s" if seconds is not None else "")


def _spin_recovered(reader: _TimelineReader, e: Event) -> str:
    altitude_m = e.details.get("altitude_m")
    if altitude_m is None:
        return "recovers from a spin"
    return f"recovers from a spin at {float(altitude_m) * FEET_PER_METRE:.0f} ft"


def _bingo(reader: _TimelineReader, e: Event) -> str:
    reason = _words(str(e.details.get("reason", "fuel")))
    return f"bingo ({reason}), {float(e.details.get('fuel_kg', 0.0)):.0f} kg of fuel"


def _bolter(reader: _TimelineReader, e: Event) -> str:
    fuel = f"{float(e.details.get('fuel_kg', 0.0)):.0f} kg of fuel"
    return f"bolter, goes round again ({fuel})" if e.details.get("go_around") else f"bolter, {fuel}: no going round"


def _grounded(reader: _TimelineReader, e: Event) -> str:
    hours = float(e.details.get("hours", 0.0))
    return f"struck below, grounded: {hours:.0f} h of repairs" if hours < 48 else f"grounded: {hours / 24:.1f} days"


_Line = Callable[[_TimelineReader, Event], str]
_FLEET_KINDS = frozenset(
    {
        EventKind.NET_RAISED,
        EventKind.NET_OPENED,
        EventKind.NET_CLOSED,
        EventKind.NET_HIT,
        EventKind.NET_BROKEN,
        EventKind.SALVO,
        EventKind.IMPACT,
    }
)
_SHIP_KINDS = frozenset({EventKind.BREACH, EventKind.BREACH_SEALED, EventKind.SWARM_RECALLED})

_RAID_CAUSES: Mapping[str, str] = {
    "fire": "hit by blue fire",
    "shell": "caught in a shell's blast",
    "wall": "a wall comes down on her",
    "plate": "crushed by the closing plate",
    "wounds": "dies of her wounds",
}

_LINES: Mapping[EventKind, _Line] = {
    EventKind.FORMED_UP: _formed_up,
    EventKind.COURSE_SET: _course_set,
    EventKind.CONTACT: _contact,
    EventKind.RADIO: lambda r, e: _said(e),
    EventKind.MAYDAY: lambda r, e: "MAYDAY " + _said(e),
    EventKind.HEARD: lambda r, e: f"heard on the radio by the mother ship, {_km_or_m(e.details['range_m'])} off",
    EventKind.PHOTO: _first_photo,
    EventKind.KILL: _kill,
    EventKind.DESTROYED: _destroyed,
    EventKind.CRASH: lambda r, e: "crashes" + _cause(e),
    EventKind.DITCHED: lambda r, e: "ditches" + _cause(e),
    EventKind.FORCED_LANDING: _forced_landing,
    EventKind.FORCE_DOWN: _force_down,
    EventKind.WOUNDED: lambda r, e: "pilot wounded",
    EventKind.KILLED: lambda r, e: "pilot killed",
    EventKind.BLACKOUT: _blackout,
    EventKind.SPIN_RECOVERED: _spin_recovered,
    EventKind.BINGO: _bingo,
    EventKind.COVER: lambda r, e: f"covers {r.who(e.target)} out of the fight",
    EventKind.RECOVERED: _recovered,
    EventKind.AIRBORNE_AT_END: _airborne_at_end,
    EventKind.END: _end,
    EventKind.DECK_CLEARED: lambda r, e: (
        "deck cleared" + (f" for {plural(int(e.details['aircraft']), 'aircraft')}" if e.details.get("aircraft") else "")
    ),
    EventKind.ALL_CLEAR: lambda r, e: "the all-clear flag",
    EventKind.BOLTER: _bolter,
    EventKind.HARD_LANDING: lambda r, e: "hard landing",
    EventKind.REFUELLED: lambda r, e: (
        f"refuelled and rearmed, ready in {format_clock(float(e.details.get('seconds', 0.0)))}"
    ),
    EventKind.GROUNDED: _grounded,
    EventKind.REPAIRED: lambda r, e: "repaired, back on deck",
    EventKind.STRUCK_OFF: lambda r, e: "struck off" + (f" ({e.details['reason']})" if e.details.get("reason") else ""),
    EventKind.SICK_BAY: lambda r, e: f"pilot to the sick bay for {float(e.details.get('days', 0.0)):.0f} days",
    EventKind.NET_RAISED: lambda r, e: (
        f"the net over the fleet: {_km_or_m(e.details['radius_m'])} across, "
        f"{float(e.details['strength_t']):,.0f} t strong"
    ),
    EventKind.NET_OPENED: lambda r, e: (
        f"the net parts ({float(e.details['gap_m']):.0f} m, bearing {float(e.details['bearing_deg']):03.0f}) "
        f"for the {e.details['reason']}"
    ),
    EventKind.NET_CLOSED: lambda r, e: "the net closes",
    EventKind.NET_HIT: lambda r, e: f"the net takes its first blow ({e.details['what'].replace('_', ' ')}), and holds",
    EventKind.NET_BROKEN: lambda r, e: "THE NET GIVES WAY",
    EventKind.SALVO: lambda r, e: (
        f"{e.details['bombardment']} opens fire: salvos of {e.details['shells']}, "
        f"{float(e.details['flight_s']):.0f} s in flight"
    ),
    EventKind.SWARM_RECALLED: lambda r, e: f"the swarm is called home: {plural(int(e.details['craft']), 'LGF')} out",
    EventKind.BREACH: lambda r, e: "a shell tears open the mother ship's hull",
    EventKind.BREACH_SEALED: lambda r, e: "the hull's plates close the breach",
    EventKind.IMPACT: lambda r, e: f"the first shell lands ({e.details['struck']})",
    # The night raid on foot.
    EventKind.PARTY_SET_OUT: lambda r, e: _set_out(e),
    EventKind.PARTY_SPOTTED: lambda r, e: (
        f"spotted by a patrol of {e.details['foes']} at {float(e.details['range_m']):.0f} m: a firefight"
        if e.details["by"] == "patrol"
        else f"{e.details['foes']} of the ship's guards in a corridor: a firefight"
    ),
    EventKind.FIREFIGHT_OVER: lambda r, e: (
        f"the firefight is over after {float(e.details['seconds']):.0f} s, {e.details['foes_down']} of them down"
    ),
    EventKind.PARTY_HIT: lambda r, e: f"{e.details['outcome']}: {_RAID_CAUSES[str(e.details['cause'])]}",
    EventKind.PATCHED: lambda r, e: (
        f"wound dressed from the first-aid kit ({plural(int(e.details['uses_left']), 'dressing')} left)"
    ),
    EventKind.WALL_COLLAPSE: lambda r, e: "a shell brings a standing wall down on the party",
    EventKind.AT_RUBBLE: lambda r, e: (
        f"in the rubble by the hull after {float(e.details['minutes']):.0f} min, {e.details['alive']} of them"
    ),
    EventKind.SPRINT: lambda r, e: (
        f"a breach opens {float(e.details['range_m']):.0f} m away: the party sprints across the open ground"
    ),
    EventKind.THROUGH_BREACH: lambda r, e: (
        "climbs up into the breach" if e.details["way"] == "in" else "out through a breach, into the night"
    ),
    EventKind.STRIPPED: lambda r, e: "the plate closes on her: pack and weapon torn away, but she is through",
    EventKind.LEFT_OUTSIDE: lambda r, e: "the breach closes before she reaches it: left outside",
    EventKind.CAPTIVE_FOUND: lambda r, e: (
        f"the party reaches {e.details['captive']}'s cell" + ("" if e.details["alive"] else ": she is dead")
    ),
    EventKind.SECRET_BROKEN: lambda r, e: (
        f"{e.details['captive']}'s secret is torn from her after {float(e.details['searched_h']):.0f} h"
    ),
    EventKind.CAPTIVE_DIED: lambda r, e: f"{e.details['captive']} dies in her cell",
    EventKind.SWARM_WAVE: lambda r, e: f"the swarm leaves for the front, {e.details['craft']} a wave, wave after wave",
    EventKind.DIVERTED: lambda r, e: f"her deck foul, diverts to {e.details['to']}",
    # The front.
    EventKind.POUNDED: lambda r, e: (
        f"pounded by blue fire: {float(e.details['strength_left']):.0f} of its strength left, "
        f"{e.details['garrison']} still holding it"
    ),
    EventKind.POSITION_LOST: lambda r, e: "lost, pounded into dust",
    EventKind.BATTERY_SILENCED: lambda r, e: (
        f"falls silent ({e.details['reason']}) after {e.details['rounds_fired']} rounds, "
        f"{plural(int(e.details['kills']), 'LGF')} brought down"
    ),
    EventKind.FRONT_BROKEN: lambda r, e: (
        f"THE FRONT BREAKS: {e.details['positions_lost']} of {e.details['positions']} positions lost"
    ),
    EventKind.RAID_OVER: lambda r, e: (
        f"the raid is over after {float(e.details['minutes']):.0f} min: the captive {e.details['captive']}, "
        + ("her secret kept" if e.details["secret_kept"] else "her secret broken")
        + (", the party trapped inside" if e.details["trapped"] else "")
    ),
}

_PARTY_KINDS = frozenset(
    {
        EventKind.PARTY_SET_OUT,
        EventKind.PARTY_SPOTTED,
        EventKind.FIREFIGHT_OVER,
        EventKind.WALL_COLLAPSE,
        EventKind.AT_RUBBLE,
        EventKind.SPRINT,
        EventKind.CAPTIVE_FOUND,
        EventKind.RAID_OVER,
    }
)
_CAPTIVE_KINDS = frozenset({EventKind.SECRET_BROKEN, EventKind.CAPTIVE_DIED})


def _set_out(e: Event) -> str:
    members = e.details["members"]
    weapons: dict[str, int] = {}
    for m in members:
        weapons[m["weapon"]] = weapons.get(m["weapon"], 0) + 1
    arms = ", ".join(plural(n, w) for w, n in weapons.items())
    sidearms = sum(1 for m in members if m.get("sidearm"))
    loads = [float(m["load_kg"]) for m in members]
    return (
        f"{len(members)} set out on foot at dusk: {arms}"
        + (f", {plural(sidearms, 'sidearm')}" if sidearms else "")
        + f"; {min(loads):.0f}–{max(loads):.0f} kg a head"
    )


# Kinds worth one line at most, however often they are logged: per craft, or in the whole battle.
_FIRST_ONLY: Mapping[EventKind, str] = {
    EventKind.NET_HIT: "battle",
    EventKind.SALVO: "battle",
    EventKind.IMPACT: "battle",
    EventKind.BREACH: "battle",
    EventKind.BREACH_SEALED: "battle",
    EventKind.SWARM_WAVE: "battle",
    EventKind.PHOTO: "craft",
    EventKind.FORCE_DOWN: "craft",
    EventKind.BINGO: "craft",
    EventKind.CONTACT: "battle",
}
