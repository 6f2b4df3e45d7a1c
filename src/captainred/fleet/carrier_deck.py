"""The carriers' deck cycle: launch, recovery, turnaround and repair, for every carrier of every battle.

Launch: when aircraft are due (`World.launch_at_s`) and the deck is clear, the deck is cleared and the
all-clear flag given; after the pre-flight checks they go one at a time at the deck's launch interval:
full thrust on the brakes, the run, the drop off the bow, which a damaged or overloaded aircraft may not
recover from (it ditches). Recovery: one aircraft at a time, lowest fuel first, when the deck is clear and
no launch is running. Each approach is a draw shaped by skill, the state of the tail and rudder and the fuel
left: the hook catches one of four wires (a pilot short of fuel flies it in long, toward the last), or
skips them all (a bolter: round the circuit again if the fuel allows, else into the sea), and some
landings are hard enough to damage the airframe. Aboard: an aircraft with little damage is refuelled and
rearmed by a deck crew (one aircraft per crew at a time, never quicker than the catalog's minimum), one
with real damage is struck below and grounded until a team of mechanics has repaired it (hours of work by
subsystem), one beyond repair is struck off; a wounded pilot goes to the sick bay for days.

All state lives in the World (`deck_place`, `deck_work_s`, `deck_ready_s`, `landed_s`, `sorties`,
`sick_bay_until_s` per row; `deck_free_s`, `all_clear_s`, `next_launch_s` per battle and carrier): one
per-row "ready at" clock serves every deck job, and a job waiting for hands is one whose clock is still
infinite. Draws come from the counter-based generator, so a battle's deck runs the same alone or in a batch.
`deck_counts` and `check_deck` state and check the conservation law: for each carrier of each battle,
aircraft on deck + in the hangar + airborne + lost + diverted = aircraft it started with.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numba
import numpy as np

from captainred.doctrine.modes import Mode
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.checks import WorldInvariantError
from captainred.engine.damage import lose
from captainred.engine.events import EventKind
from captainred.engine.kinematics import burn_rate_kg_s, cruise_throttle, keep_angles
from captainred.engine.launch import heading_to, put_in_air
from captainred.engine.radio import start_call
from captainred.engine.rng import Purpose, uniform
from captainred.engine.sensing import within_m
from captainred.engine.setup import rocket_load, type_rockets
from captainred.engine.world import F64, I32, I64, B, Status, Sub, World, emit, emit_battle

# --- launch
LAUNCH_SPEED_FACTOR = 1.25  # off the bow at this multiple of stall speed
BOW_CLIMB_RAD = 0.08
BOW_DROP_RISK = 0.5  # chance of not recovering from the drop with no engine, wing or tail left, scaled down
BOW_DROP_SOUND = 0.8  # ... above this condition (engine power, wings, tail) the drop is always survived
OVERLOAD_RISK_PER_ROCKET = 0.08  # each rocket hung beyond the type's load

# --- recovery
GROOVE_RADIUS_M = 1500.0  # in the landing pattern: this close to the carrier ...
GROOVE_ALTITUDE_M = 400.0  # ... and this low
WIRES = 4
TARGET_WIRE = 2.6  # where a good approach puts the hook (between the second and third wires)
LOW_FUEL_KG = 150.0  # below this a pilot flies the approach long, to be sure of getting aboard
LOW_FUEL_LONG = 0.6  # wires further along
DAMAGED_TAIL_LONG = 0.5  # wires further along, with no tail and rudder at all
SPREAD_BASE = 1.0  # +- wires about the aim point, for a perfect pilot in a whole aircraft
SPREAD_SKILL = 1.0
SPREAD_TAIL = 1.0
HOOK_SKIP_BASE = 0.03  # the hook bounces over every wire
HOOK_SKIP_TAIL = 0.12
HARD_LANDING_BASE = 0.02
HARD_LANDING_TAIL = 0.2
HARD_LANDING_SKILL = 0.05
HARD_LANDING_SHORT_WIRES = 1.0  # a hook this short of the first wire slams her down
HARD_LANDING_SEVERITY = (0.15, 0.35)  # airframe health lost, min and spread
CIRCUIT_S = 120.0  # once round the pattern after a bolter
CIRCUIT_THROTTLE = 0.7  # of the cruise setting
DIVERT_DECISION_M = 8000.0  # a pilot this close to her carrier sees whether its deck is foul

# --- aboard
# Hours of mechanics' work per unit of damage to each subsystem (Sub order); the pilot is the sick bay's.
REPAIR_HOURS_PER_DAMAGE = np.array([30.0, 30.0, 24.0, 24.0, 16.0, 10.0, 2.0, 8.0, 0.0, 60.0])
GROUNDED_MIN_HOURS = 1.0  # less is patched by the deck crew during the turnaround
BEYOND_REPAIR_HOURS = 150.0
BEYOND_REPAIR_AIRFRAME = 0.2
SICK_BAY_DAYS = (3.0, 25.0)  # a wounded pilot: min, plus this many for a pilot hit to nothing


class DeckPlace(IntEnum):
    """Where a carrier's aircraft is (World.deck_place); with the row's status, one place each."""

    ON_DECK = 0  # on the flight deck: spotted for launch, turning around, or ready
    HANGAR = 1  # below, grounded until repaired
    IN_AIR = 2  # launched: airborne, or lost in the air (the status says which)
    STRUCK_OFF = 3  # came back beyond repair, or with no room below: lost to the carrier
    DIVERTED = 4  # landed elsewhere, her own deck foul: on the other carrier, or the camp's runway


READY, AIRBORNE, ON_DECK = int(Status.READY), int(Status.AIRBORNE), int(DeckPlace.ON_DECK)  # for the kernels
RETURNED, HANGAR = int(Status.RETURNED), int(DeckPlace.HANGAR)


@dataclass(frozen=True)
class Approach:
    """What each approach came to: the wire caught (1-4; 0 for a bolter) and whether it was hard."""

    wire: I64
    hard: B
    severity: F64  # airframe health lost in a hard landing (0 otherwise)


def approach(skill: F64, control: F64, fuel_kg: F64, u_wire: F64, u_hook: F64, u_hard: F64) -> Approach:
    """The landing draw: where the hook comes down, as wires from the round-down, is uniform about an aim
    point pushed long by low fuel and a shot-up tail, and spread by poor skill and poor control; past the
    last wire, or with the hook skipping, it is a bolter. Short of the first wire, or by bad luck (more with
    a shot-up tail), the landing is hard."""
    lack = 1.0 - np.clip(control, 0.0, 1.0)
    aim = TARGET_WIRE + DAMAGED_TAIL_LONG * lack + np.where(fuel_kg < LOW_FUEL_KG, LOW_FUEL_LONG, 0.0)
    spread = SPREAD_BASE + SPREAD_SKILL * (1.0 - skill) + SPREAD_TAIL * lack
    touchdown = aim + spread * (2.0 * u_wire - 1.0)
    bolter = (touchdown >= WIRES + 0.5) | (u_hook < HOOK_SKIP_BASE + HOOK_SKIP_TAIL * lack)
    wire = np.where(bolter, 0, np.clip(np.floor(touchdown + 0.5), 1, WIRES)).astype(np.int64)
    p_hard = HARD_LANDING_BASE + HARD_LANDING_TAIL * lack + HARD_LANDING_SKILL * (1.0 - skill)
    hard = ~bolter & ((u_hard < p_hard) | (touchdown < HARD_LANDING_SHORT_WIRES))
    how_bad = np.clip(u_hard / np.maximum(p_hard, 1e-9), 0.0, 1.0)
    severity = np.where(hard, HARD_LANDING_SEVERITY[0] + HARD_LANDING_SEVERITY[1] * how_bad, 0.0)
    return Approach(wire=wire, hard=hard, severity=severity)


def repair_hours(health: F64) -> F64:
    """Hours of mechanics' work to make each aircraft whole, from its subsystem health (rows, len(Sub))."""
    hours: F64 = (1.0 - np.clip(health, 0.0, 1.0)) @ REPAIR_HOURS_PER_DAMAGE
    return hours


def beyond_repair(health: F64) -> B:
    out: B = (repair_hours(health) >= BEYOND_REPAIR_HOURS) | (health[:, Sub.AIRFRAME] < BEYOND_REPAIR_AIRFRAME)
    return out


class CarrierDeck:
    """The deck cycle of every carrier, as `captainred.simulation.Simulation` drives it:

    sim = Simulation(world, deck=CarrierDeck(world))

    The object holds only the catalog's numbers for the World's carriers and each row's full load;
    everything that changes lives in the World.
    """

    def __init__(self, world: World) -> None:
        scenario, catalog = world.plan, world.scenario.catalog
        specs = [catalog.carriers[c.name] for c in scenario.carriers]
        self.names = tuple(c.name for c in scenario.carriers)
        self.n_carriers = len(specs)
        self.deck_altitude_m = np.array([s.deck_altitude_m for s in specs])
        self.launch_interval_s = np.array([s.launch_interval_s for s in specs])
        self.recovery_interval_s = np.array([s.recovery_interval_s for s in specs])
        self.preflight_s = np.array([s.preflight_s for s in specs])
        self.hangar_capacity = np.array([s.hangar_capacity for s in specs], dtype=np.int64)
        self.hands = {
            DeckPlace.ON_DECK: np.array([s.deck_crews for s in specs], dtype=np.int64),
            DeckPlace.HANGAR: np.array([s.mechanics for s in specs], dtype=np.int64),
        }
        self.turnaround_min_s = np.array([s.turnaround_min_s for s in specs])
        self.refuel_kg_s = np.array([s.refuel_kg_s for s in specs])
        self.rearm_s = np.array([s.rearm_s for s in specs])
        self.full_fuel_kg, self.full_rounds, self.full_rockets = full_load(world)
        # Who flies from a deck, and whose deck (fixed for the run): the rules below look at these rows
        # only, never at the swarm's.
        self.key: I64 = np.where(
            world.home_carrier >= 0, world.battle.astype(np.int64) * self.n_carriers + world.home_carrier, -1
        )
        self.ours: I64 = np.flatnonzero(world.home_carrier >= 0)

    # ------------------------------------------------------------------------------------------ launch

    def launch(self, world: World, active: B) -> None:
        """Start a launch sequence where aircraft are due and the deck is clear; send the next one off."""
        w, nc, ours = world, self.n_carriers, self.ours
        if not _anything_due(ours, active, arrays_of(w)):
            return  # every sequence running is away, and the kernel has lifted its all-clear (most ticks)
        now = w.time_s[w.battle[ours]]
        status, sorties, launch_at_s = w.status[ours], w.sorties[ours], w.launch_at_s[ours]
        next_sortie_s = w.next_sortie_s[ours]
        due = (
            active[ours]
            & (status == int(Status.READY))
            & (w.deck_place[ours] == int(DeckPlace.ON_DECK))
            & (((sorties == 0) & (launch_at_s <= now)) | (next_sortie_s <= now))
            & (w.sick_bay_until_s[ours] <= now)
        )
        if not due.any():  # nothing waits on any deck: every sequence running is away (most ticks)
            w.all_clear_s[np.isfinite(w.all_clear_s)] = np.inf
            return
        key = self.key[ours]
        waiting = np.bincount(key[due], minlength=w.n_battles * nc).reshape(w.n_battles, nc)
        ordered = (status == int(Status.READY)) & (
            ((sorties == 0) & np.isfinite(launch_at_s)) | np.isfinite(next_sortie_s)
        )
        spotted = np.bincount(key[ordered], minlength=w.n_battles * nc).reshape(w.n_battles, nc)
        running = np.isfinite(w.all_clear_s)
        w.all_clear_s[running & (waiting == 0)] = np.inf  # every aircraft of the sequence is away
        t = w.time_s[:, None]
        start = (waiting > 0) & ~running & (w.deck_free_s <= t)
        for battle, carrier in np.argwhere(start).tolist():
            name = self.names[carrier]
            emit_battle(w, battle, EventKind.DECK_CLEARED, carrier=name, aircraft=int(spotted[battle, carrier]))
            emit_battle(w, battle, EventKind.ALL_CLEAR, carrier=name)
            w.all_clear_s[battle, carrier] = w.time_s[battle]
            w.next_launch_s[battle, carrier] = w.time_s[battle] + self.preflight_s[carrier]
        go = (np.isfinite(w.all_clear_s) & (w.next_launch_s <= t)).ravel()
        rows = ours[due & go[key]]
        if not len(rows):
            return
        key = self.key
        # The first due on each deck (earliest launch time, then slot order) goes.
        when = np.where(w.sorties[rows] == 0, w.launch_at_s[rows], w.next_sortie_s[rows])
        order = np.lexsort((rows, when, key[rows]))
        rows = rows[order]
        _, first = np.unique(key[rows], return_index=True)
        rows = np.sort(rows[first])
        b, c = w.battle[rows], w.home_carrier[rows]
        w.next_launch_s[b, c] = w.time_s[b] + self.launch_interval_s[c]
        for deck in np.unique(c).tolist():
            self._off_the_bow(w, rows[c == deck], deck)

    def _off_the_bow(self, w: World, rows: I64, carrier: int) -> None:
        b = w.battle[rows]
        cx, cy = w.carrier_xy[b, carrier, 0].copy(), w.carrier_xy[b, carrier, 1].copy()
        scenario = w.plan
        if scenario.mission.target_m is not None:
            heading = heading_to(cx, cy, *scenario.mission.target_m)
        else:
            heading = np.full(len(rows), np.radians(scenario.fleet.course_deg))
        altitude = np.full(len(rows), self.deck_altitude_m[carrier] + 5.0)
        speed = LAUNCH_SPEED_FACTOR * w.stall_speed_mps[rows]
        relay = rows[w.sorties[rows] > 0]
        if len(relay):  # out again: her one-shot reports and this sortie's time on station start afresh
            w.flags[relay] = 0
            w.on_station_s[relay] = np.inf
            w.next_sortie_s[relay] = np.inf
            w.waypoint[relay] = 0
            w.photos[relay] = 0
        put_in_air(w, rows, cx, cy, altitude, heading, speed, base=self.names[carrier])
        w.gamma_rad[rows] = BOW_CLIMB_RAD
        keep_angles(w, rows)
        w.sorties[rows] += 1
        w.deck_place[rows] = DeckPlace.IN_AIR
        w.deck_ready_s[rows] = 0.0
        u = uniform(w.row_seed[rows], w.craft[rows], w.tick[b], Purpose.BOW_DROP)
        for row in rows[u < self.bow_drop_risk(w, rows)].tolist():
            lose(w, row, EventKind.DITCHED, None, cause="did not recover from the drop off the bow")

    def bow_drop_risk(self, w: World, rows: I64) -> F64:
        """Chance of not recovering from the drop off the bow: none for a sound aircraft at its load."""
        h = w.health[rows]
        engines = np.where(
            w.engines[rows] >= 2, 0.5 * (h[:, Sub.ENGINE_PORT] + h[:, Sub.ENGINE_STARBOARD]), h[:, Sub.ENGINE_PORT]
        )
        wings = np.minimum(h[:, Sub.WING_PORT], h[:, Sub.WING_STARBOARD])
        tail = np.minimum(h[:, Sub.TAIL], h[:, Sub.RUDDER])
        condition = np.minimum.reduce([engines, wings, tail, h[:, Sub.AIRFRAME]])
        damaged = BOW_DROP_RISK * np.clip((BOW_DROP_SOUND - condition) / BOW_DROP_SOUND, 0.0, 1.0)
        overload = OVERLOAD_RISK_PER_ROCKET * np.maximum(w.rockets[rows] - self.full_rockets_of_type(w, rows), 0)
        risk: F64 = np.clip(damaged + overload, 0.0, 1.0)
        return risk

    @staticmethod
    def full_rockets_of_type(w: World, rows: I64) -> F64:
        out: F64 = type_rockets(w, rows).astype(np.float64)
        return out

    # ---------------------------------------------------------------------------------------- recovery

    def recover(self, world: World, active: B, returning: B) -> None:
        """Divert those whose deck is foul and whose fuel will not wait; land those at the camp's runway
        that are over it; then land at most one aircraft per clear deck: of those in its pattern and not
        going round, the one with the least fuel."""
        w = world
        rows = self._near_a_deck(w, active, returning)
        if not len(rows):
            return
        self._divert(w, rows)
        camp = rows[w.divert_to[rows] == self.n_carriers]
        if len(camp):
            self._land_at_camp(w, camp)
            rows = rows[w.status[rows] == int(Status.AIRBORNE)]
        rows = rows[w.divert_to[rows] < self.n_carriers]
        b, c = w.battle[rows], self.deck_of(w, rows)
        now = w.time_s[b]
        dist = np.hypot(w.x_m[rows] - w.carrier_xy[b, c, 0], w.y_m[rows] - w.carrier_xy[b, c, 1])
        in_groove = (dist < GROOVE_RADIUS_M) & (w.z_m[rows] < GROOVE_ALTITUDE_M) & (w.deck_ready_s[rows] <= now)
        deck_clear = (w.deck_free_s[b, c] <= now) & ~np.isfinite(w.all_clear_s[b, c])
        rows, c = rows[in_groove & deck_clear], c[in_groove & deck_clear]
        if not len(rows):
            return
        key = np.zeros(w.n, dtype=np.int64)
        key[rows] = w.battle[rows].astype(np.int64) * self.n_carriers + c  # the deck she lands on
        rows = rows[np.lexsort((rows, w.fuel_kg[rows], key[rows]))]
        _, first = np.unique(key[rows], return_index=True)
        rows = np.sort(rows[first])
        b = w.battle[rows]
        tick = w.tick[b]
        h = w.health[rows]
        outcome = approach(
            w.skill[rows],
            np.minimum(h[:, Sub.TAIL], h[:, Sub.RUDDER]),
            w.fuel_kg[rows],
            uniform(w.row_seed[rows], w.craft[rows], tick, Purpose.ARRESTOR_WIRE),
            uniform(w.row_seed[rows], w.craft[rows], tick, Purpose.HOOK_SKIP),
            uniform(w.row_seed[rows], w.craft[rows], tick, Purpose.HARD_LANDING),
        )
        for k, row in enumerate(rows.tolist()):
            wire = int(outcome.wire[k])
            if wire == 0:
                self._bolter(w, row)
            else:
                self.land(w, row, wire, float(outcome.severity[k]) if outcome.hard[k] else 0.0)

    def _near_a_deck(self, w: World, active: B, returning: B) -> I64:
        """Those of ours in the air, going home, in battles being fought, whom the rules of recovery can
        touch this tick (`_near_a_deck_rows`); the others fly on."""
        ours = self.ours
        marked = np.empty(len(ours), dtype=np.int64)
        n = _near_a_deck_rows(ours, active, returning, arrays_of(w), self.n_carriers, marked)
        return marked[:n]

    def deck_of(self, w: World, rows: I64) -> I64:
        """The carrier each aircraft lands on: the one she diverted to, else her own."""
        divert = w.divert_to[rows]
        deck: I64 = np.where((divert >= 0) & (divert < self.n_carriers), divert, w.home_carrier[rows]).astype(np.int64)
        return deck

    def _divert(self, w: World, rows: I64) -> None:
        """Diverting: a pilot in her own carrier's pattern makes for the nearest other carrier of the fleet
        whose deck is clear, else the camp's runway, and lands there, when her deck is foul (a launch under
        way, or the last landing still being cleared) and her fuel is below `doctrine.divert_fuel_kg`, or
        when it is full (her aircraft needs the hangar, and the hangar has no room: she would be struck
        off). Only a scenario with a divert fuel diverts at all."""
        limit = w.plan.doctrine.divert_fuel_kg
        if limit <= 0:
            return
        if not _anyone_may_divert(
            rows, arrays_of(w), limit, self.ours, self.key, self.hangar_capacity, self.n_carriers
        ):
            return  # most ticks: the rules below would find nobody
        rows = rows[w.divert_to[rows] < 0]
        b, c = w.battle[rows], w.home_carrier[rows]
        now = w.time_s[b]
        near = np.hypot(w.x_m[rows] - w.carrier_xy[b, c, 0], w.y_m[rows] - w.carrier_xy[b, c, 1]) < DIVERT_DECISION_M
        rows, b, c, now = rows[near], b[near], c[near], now[near]
        if not len(rows):
            return
        short = (w.fuel_kg[rows] < limit) & w.fuel_limited[rows]
        foul = short & ((w.deck_free_s[b, c] > now) | np.isfinite(w.all_clear_s[b, c]))
        needs_hangar = repair_hours(w.health[rows]) >= GROUNDED_MIN_HOURS
        full = needs_hangar & (self._below(w)[b, c] >= self.hangar_capacity[c])
        camp = w.front.camp_xy if w.front is not None and w.front.camp is not None else None
        why = dict(zip(rows[full].tolist(), ["hangar full"] * int(full.sum()), strict=True))
        for row in rows[foul | full].tolist():
            battle, home = int(w.battle[row]), int(w.home_carrier[row])
            t = float(w.time_s[battle])
            clear = [
                k
                for k in range(self.n_carriers)
                if k != home and w.deck_free_s[battle, k] <= t and not np.isfinite(w.all_clear_s[battle, k])
            ]
            if clear:
                x, y = float(w.x_m[row]), float(w.y_m[row])
                to = min(clear, key=lambda k: (np.hypot(*(w.carrier_xy[battle, k] - (x, y))), k))
                name = self.names[to]
            elif camp is not None:
                to, name = self.n_carriers, w.front.camp.name if w.front and w.front.camp else "the camp"
            else:
                continue
            w.divert_to[row] = to
            reason = why.get(row, "deck foul")
            fuel = float(w.fuel_kg[row])
            emit(w, row, EventKind.DIVERTED, carrier=self.names[home], to=name, reason=reason, fuel_kg=fuel)
            start_call(
                w,
                row,
                f"{w.callsigns[row]}, {'no room below' if why.get(row) else 'deck is foul'}, diverting to {name}.",
            )

    def _below(self, w: World) -> I64:
        """(battles, carriers): aircraft of each carrier in its hangar now."""
        ours = self.ours
        below = ours[(w.deck_place[ours] == int(DeckPlace.HANGAR)) & (w.status[ours] == int(Status.RETURNED))]
        counts: I64 = np.bincount(self.key[below], minlength=w.n_battles * self.n_carriers).reshape(
            w.n_battles, self.n_carriers
        )
        return counts

    def _land_at_camp(self, w: World, rows: I64) -> None:
        """Down on the camp's runway (no wires: a strip long enough for a Guardian): she stays there for
        the day, and a wounded pilot goes to the hospital tent."""
        front = w.front
        assert front is not None and front.camp is not None and front.camp_xy is not None
        cx, cy = front.camp_xy
        over = (np.hypot(w.x_m[rows] - cx, w.y_m[rows] - cy) < GROOVE_RADIUS_M) & (w.z_m[rows] < GROOVE_ALTITUDE_M)
        for row in rows[over].tolist():
            fuel = float(w.fuel_kg[row])
            self._come_to_rest(w, row, (cx, cy, 0.0))
            w.deck_place[row] = DeckPlace.DIVERTED
            emit(w, row, EventKind.RECOVERED, at=front.camp.name, fuel_kg=fuel, photos=int(w.photos[row]))
            _sick_bay(w, row, at=f"{front.camp.name}'s hospital tent")

    @staticmethod
    def _come_to_rest(w: World, row: int, xyz: tuple[float, float, float]) -> None:
        """Down and stopped at a place: out of the air, nothing in her hands."""
        now = float(w.time_s[w.battle[row]])
        w.status[row] = Status.RETURNED
        w.x_m[row], w.y_m[row], w.z_m[row] = xyz
        w.speed_mps[row] = 0.0
        w.gamma_rad[row] = 0.0
        keep_angles(w, np.array([row]))
        w.throttle[row] = w.cmd_throttle[row] = 0.0
        w.trigger[row] = w.firing[row] = w.fire_rockets[row] = False
        w.target[row] = -1
        w.mode[row] = Mode.WAITING
        w.mode_since_s[row] = now
        w.landing_intent[row] = False
        w.landed_s[row] = now

    def _bolter(self, w: World, row: int) -> None:
        b, c = int(w.battle[row]), int(self.deck_of(w, np.array([row]))[0])
        now = float(w.time_s[b])
        one_row = np.array([row])
        cruise = float(cruise_throttle(w, one_row)[0])
        circuit_kg = float(burn_rate_kg_s(w, one_row, np.array([CIRCUIT_THROTTLE * cruise]))[0]) * CIRCUIT_S
        go_around = bool(w.fuel_kg[row] >= circuit_kg) or not bool(w.fuel_limited[row])
        emit(w, row, EventKind.BOLTER, carrier=self.names[c], fuel_kg=float(w.fuel_kg[row]), go_around=go_around)
        w.deck_free_s[b, c] = now + 0.5 * self.recovery_interval_s[c]
        if go_around:
            w.deck_ready_s[row] = now + CIRCUIT_S
        else:
            lose(w, row, EventKind.DITCHED, None, cause="bolter with no fuel to go round")

    def land(self, w: World, row: int, wire: int, hard_severity: float = 0.0) -> None:
        """Bring aircraft `row` aboard its carrier on `wire` (hard: airframe health lost), and send it to
        the deck crew, the hangar or the scrap heap; its pilot, if wounded, to the sick bay."""
        b, c = int(w.battle[row]), int(self.deck_of(w, np.array([row]))[0])
        now = float(w.time_s[b])
        name = self.names[c]
        x, y = w.carrier_xy[b, c]
        self._come_to_rest(w, row, (float(x), float(y), float(self.deck_altitude_m[c])))
        diverted = c != w.home_carrier[row]
        w.deck_place[row] = DeckPlace.DIVERTED if diverted else DeckPlace.ON_DECK
        w.deck_free_s[b, c] = now + self.recovery_interval_s[c]
        fuel = float(w.fuel_kg[row])
        emit(w, row, EventKind.WIRE_CAUGHT, carrier=name, wire=wire, fuel_kg=fuel)
        if hard_severity > 0.0:
            w.health[row, Sub.AIRFRAME] = max(0.0, float(w.health[row, Sub.AIRFRAME]) - hard_severity)
            emit(w, row, EventKind.HARD_LANDING, carrier=name, severity=hard_severity)
        emit(w, row, EventKind.RECOVERED, carrier=name, fuel_kg=fuel, photos=int(w.photos[row]), wire=wire)
        if diverted:  # aboard another carrier for the day: her own deck crews and hangar never see her
            _sick_bay(w, row, carrier=name)
            return
        self._assess(w, row)

    def _assess(self, w: World, row: int) -> None:
        """Aboard: the sick bay for a wounded pilot; the hangar, the deck crew or the scrap heap for her
        aircraft."""
        b, c = int(w.battle[row]), int(w.home_carrier[row])
        name = self.names[c]
        _sick_bay(w, row, carrier=name)
        health = w.health[row : row + 1]
        hours = float(repair_hours(health)[0])
        w.deck_ready_s[row] = np.inf  # waiting for hands
        if bool(beyond_repair(health)[0]):
            w.deck_place[row] = DeckPlace.STRUCK_OFF
            emit(w, row, EventKind.STRUCK_OFF, carrier=name, reason="beyond repair")
        elif hours >= GROUNDED_MIN_HOURS:
            span = w.rows_of(b)
            below = (w.deck_place[span] == int(DeckPlace.HANGAR)) & (w.home_carrier[span] == c)
            below &= w.status[span] == int(Status.RETURNED)
            if int(np.count_nonzero(below)) >= self.hangar_capacity[c]:
                w.deck_place[row] = DeckPlace.STRUCK_OFF
                emit(w, row, EventKind.STRUCK_OFF, carrier=name, reason="no room in the hangar")
                return
            w.deck_place[row] = DeckPlace.HANGAR
            w.deck_work_s[row] = hours * 3600.0
            emit(w, row, EventKind.GROUNDED, carrier=name, hours=hours)
        else:
            refuel_s = (self.full_fuel_kg[row] - w.fuel_kg[row]) / self.refuel_kg_s[c]
            spent = (w.rounds[row] < self.full_rounds[row]) | (w.rockets[row] < self.full_rockets[row])
            w.deck_work_s[row] = max(self.turnaround_min_s[c], refuel_s, self.rearm_s[c] if spent else 0.0)

    # -------------------------------------------------------------------------------------- turnaround

    def turnaround(self, world: World, active: B) -> None:
        """Finish the jobs whose time has come, then put free crews and mechanics on the aircraft that
        have waited longest."""
        w, nc, ours = world, self.n_carriers, self.ours
        crews, mechanics = self.hands[DeckPlace.ON_DECK], self.hands[DeckPlace.HANGAR]
        if not _any_deck_job(ours, active, arrays_of(w), self.key, crews, mechanics):
            return  # no job to finish, and nobody aboard waiting where hands are free
        aboard = ours[active[ours] & (w.status[ours] == int(Status.RETURNED))]
        worked = aboard[np.isin(w.deck_place[aboard], (int(DeckPlace.ON_DECK), int(DeckPlace.HANGAR)))]
        for row in worked[w.deck_ready_s[worked] <= w.time_s[w.battle[worked]]].tolist():
            self._ready(w, row)
        aboard = aboard[w.status[aboard] == int(Status.RETURNED)]
        key = self.key
        for place, hands in self.hands.items():
            here = aboard[w.deck_place[aboard] == place]
            waiting = here[~np.isfinite(w.deck_ready_s[here])]
            if not len(waiting):
                continue
            busy = np.bincount(key[here[np.isfinite(w.deck_ready_s[here])]], minlength=w.n_battles * nc)
            free = hands[np.arange(w.n_battles * nc) % nc] - busy
            waiting = waiting[np.lexsort((waiting, w.landed_s[waiting], key[waiting]))]
            k = key[waiting]
            starts = np.searchsorted(k, k)  # first place of each deck's queue (k is sorted)
            take = waiting[np.arange(len(waiting)) - starts < free[k]]
            w.deck_ready_s[take] = w.time_s[w.battle[take]] + w.deck_work_s[take]

    def _ready(self, w: World, row: int) -> None:
        """A job done: refuelled and rearmed (small damage patched), or repaired; READY on deck again."""
        c = int(w.home_carrier[row])
        repaired = w.deck_place[row] == int(DeckPlace.HANGAR)
        w.fuel_kg[row] = self.full_fuel_kg[row]
        w.rounds[row] = self.full_rounds[row]
        w.rockets[row] = self.full_rockets[row]
        w.health[row] = 1.0
        w.leak_kg_s[row] = 0.0
        w.smoking[row] = w.spinning[row] = False
        w.status[row] = Status.READY
        w.deck_place[row] = DeckPlace.ON_DECK
        since = float(w.deck_ready_s[row] - w.landed_s[row])  # when the job was due done, not when seen
        if repaired:
            emit(w, row, EventKind.REPAIRED, carrier=self.names[c], hours=since / 3600.0)
        else:
            emit(w, row, EventKind.REFUELLED, carrier=self.names[c], seconds=since)
            self._relay(w, row)
        w.deck_ready_s[row] = np.inf

    @staticmethod
    def _relay(w: World, row: int) -> None:
        """Relays: an aircraft turned around goes out again as soon as the deck can launch her, while her
        pilot has sorties left in the day (`doctrine.sorties_per_day`) and is fit to fly. One repaired
        below stays down for the day, and so does a wounded pilot."""
        fit = not (w.wounded[row] or w.pilot_dead[row]) and w.sick_bay_until_s[row] <= w.deck_ready_s[row]
        if fit and int(w.sorties[row]) < w.plan.doctrine.sorties_per_day:
            w.next_sortie_s[row] = w.deck_ready_s[row]


def full_load(world: World) -> tuple[F64, F64, I32]:
    """Each row's full tanks, cannon rounds and rocket loadout (the squadron's, else the type's)."""
    fuel = np.array([t.fuel_kg or 0.0 for t in world.types])[world.type_index]
    rounds = np.array([float(t.cannon.rounds) if t.cannon else 0.0 for t in world.types])[world.type_index]
    return fuel, rounds, rocket_load(world)


def _sick_bay(w: World, row: int, carrier: str = "", at: str = "") -> None:
    """A wounded pilot home (aboard, or at the camp) is out of the fight for days, by how badly she is hit."""
    if not w.wounded[row] or w.pilot_dead[row]:
        return
    days = SICK_BAY_DAYS[0] + SICK_BAY_DAYS[1] * (1.0 - float(w.health[row, Sub.PILOT]))
    w.sick_bay_until_s[row] = float(w.time_s[w.battle[row]]) + days * 86400.0
    where: dict[str, Any] = {"carrier": carrier} if carrier else {"at": at}
    emit(w, row, EventKind.SICK_BAY, pilot=_pilot_name(w, row), days=days, **where)


def _pilot_name(w: World, row: int) -> str:
    order = int(w.squadron[row]) % w.squadrons_per_battle
    return w.scenario.crews[order][int(w.slot[row])].name


# ------------------------------------------------------------------------------------ conservation law


@dataclass(frozen=True)
class DeckCounts:
    """Each carrier's aircraft by where they are, as (n_battles, n_carriers) arrays."""

    carriers: tuple[str, ...]
    started: I64
    on_deck: I64
    hangar: I64
    airborne: I64
    lost: I64
    diverted: I64

    @property
    def accounted(self) -> I64:
        total: I64 = self.on_deck + self.hangar + self.airborne + self.lost + self.diverted
        return total

    def of(self, battle: int, carrier: str) -> dict[str, int]:
        c = self.carriers.index(carrier)
        fields = ("started", "on_deck", "hangar", "airborne", "lost", "diverted")
        return {f: int(getattr(self, f)[battle, c]) for f in fields}


def deck_counts(world: World) -> DeckCounts:
    """Count each carrier's aircraft (by home carrier) on deck, in the hangar, airborne, lost and diverted.

    Each place asks for a status that goes with it, so an aircraft that left a deck or came aboard by
    some other road than the deck cycle is counted nowhere, and the law below catches it.
    """
    w = world
    names = tuple(c.name for c in w.plan.carriers)
    nc = len(names)
    ours = w.home_carrier >= 0
    key = np.where(ours, w.battle.astype(np.int64) * nc + w.home_carrier, 0)
    aboard = (w.status == int(Status.READY)) | (w.status == int(Status.RETURNED))
    place = w.deck_place
    in_air = place == int(DeckPlace.IN_AIR)

    def count(mask: B) -> I64:
        out: I64 = np.bincount(key[ours & mask], minlength=w.n_battles * nc).reshape(w.n_battles, nc)
        return out

    lost = ((w.status == int(Status.LOST)) & in_air) | (
        (w.status == int(Status.RETURNED)) & (place == int(DeckPlace.STRUCK_OFF))
    )
    return DeckCounts(
        carriers=names,
        started=count(np.ones(w.n, dtype=bool)),
        on_deck=count(aboard & (place == int(DeckPlace.ON_DECK))),
        hangar=count(aboard & (place == int(DeckPlace.HANGAR))),
        airborne=count((w.status == int(Status.AIRBORNE)) & in_air),
        lost=count(lost),
        diverted=count(aboard & (place == int(DeckPlace.DIVERTED))),
    )


def _require_every_carrier(ok: B, rule: str, carriers: tuple[str, ...], says: Callable[[int, int], str]) -> None:
    """Raise `rule` for the first (battle, carrier) where `ok` is False, with what `says` of it."""
    broken = np.argwhere(~ok)
    if len(broken):
        b, c = (int(v) for v in broken[0])
        raise WorldInvariantError(rule, f"battle {b} carrier {carriers[c]}: {says(b, c)}")


def check_deck(world: World) -> DeckCounts:
    """Raise `WorldInvariantError` unless every carrier of every battle accounts for all its aircraft
    (on deck + hangar + airborne + lost + diverted = started) and its hangar holds no more than it can."""
    counts = deck_counts(world)
    carriers = counts.carriers

    def conserved(b: int, c: int) -> str:
        accounted, started = int(counts.accounted[b, c]), int(counts.started[b, c])
        return f"{counts.of(b, carriers[c])} accounts for {accounted} of {started} aircraft"

    capacity = np.array([world.scenario.catalog.carriers[n].hangar_capacity for n in carriers])
    _require_every_carrier(counts.accounted == counts.started, "deck_conservation", carriers, conserved)
    _require_every_carrier(
        counts.hangar <= capacity[None, :],
        "hangar_capacity",
        carriers,
        lambda b, c: f"{int(counts.hangar[b, c])} aircraft in a hangar for {int(capacity[c])}",
    )
    return counts


@numba.njit(cache=True, error_model="numpy")
def _anything_due(ours: I64, active: B, w: WorldArrays) -> bool:
    """Whether any aircraft waits on a deck to launch now (its first sortie's time, or its next one's,
    has come, and its pilot is out of the sick bay): `CarrierDeck.launch`'s `due`, for any row. Where
    none does, every launch sequence running is away: its all-clear is lifted here (`all_clear_s` back to
    inf), as the launch would, without another call."""
    status, deck_place, sorties, launch_at_s = w.status, w.deck_place, w.sorties, w.launch_at_s
    next_sortie_s, sick_bay_until_s, time_s, battle = w.next_sortie_s, w.sick_bay_until_s, w.time_s, w.battle
    all_clear_s = w.all_clear_s
    for k in range(len(ours)):
        r = ours[k]
        if not active[r] or status[r] != READY or deck_place[r] != ON_DECK:
            continue
        now = time_s[battle[r]]
        if ((sorties[r] == 0 and launch_at_s[r] <= now) or next_sortie_s[r] <= now) and sick_bay_until_s[r] <= now:
            return True
    for b in range(all_clear_s.shape[0]):
        for c in range(all_clear_s.shape[1]):
            if math.isfinite(all_clear_s[b, c]):
                all_clear_s[b, c] = math.inf
    return False


@numba.njit(cache=True, error_model="numpy")
def _any_deck_job(ours: I64, active: B, w: WorldArrays, key: I64, crews: I64, mechanics: I64) -> bool:
    """Whether `CarrierDeck.turnaround` has anything to do: an aircraft aboard, on deck or in the hangar,
    whose job is done (its ready time has come), or one waiting for hands (no job yet) where some are
    free (of the deck's `crews` or the hangar's `mechanics`, per carrier, fewer those at work on a job
    there). Aircraft waiting where every pair of hands is busy wait on: nothing changes."""
    status, deck_place, deck_ready_s, time_s, battle = w.status, w.deck_place, w.deck_ready_s, w.time_s, w.battle
    n_carriers = len(crews)
    n_keys = len(time_s) * n_carriers
    busy = np.zeros((2, n_keys), dtype=np.int64)
    waiting = np.zeros((2, n_keys), dtype=np.bool_)
    for r in ours:
        if not active[r] or status[r] != RETURNED:
            continue
        if deck_place[r] == ON_DECK:
            place = 0
        elif deck_place[r] == HANGAR:
            place = 1
        else:
            continue
        ready = deck_ready_s[r]
        if ready <= time_s[battle[r]]:
            return True
        if math.isfinite(ready):
            busy[place, key[r]] += 1
        else:
            waiting[place, key[r]] = True
    for k in range(n_keys):
        if waiting[0, k] and crews[k % n_carriers] > busy[0, k]:
            return True
        if waiting[1, k] and mechanics[k % n_carriers] > busy[1, k]:
            return True
    return False


@numba.njit(cache=True, error_model="numpy")
def _anyone_may_divert(
    rows: I64, w: WorldArrays, limit_kg: float, ours: I64, key: I64, hangar_capacity: I64, n_carriers: int
) -> bool:
    """Whether `CarrierDeck._divert` can send anybody elsewhere this tick: of `rows`, a pilot not diverted
    yet, within `DIVERT_DECISION_M` of her own carrier, whose fuel is short (under `limit_kg`) while her
    deck is foul, or whose carrier's hangar is full. Whether she needs the hangar is left to `_divert`:
    with no room below anywhere near, it cannot matter, and with it `_divert` runs its rule whole. The
    hangar is counted (`_below`) only once somebody is near her deck with fuel to spare."""
    battle = w.battle
    home_carrier = w.home_carrier
    divert_to = w.divert_to
    carrier_xy = w.carrier_xy
    x = w.x_m
    y = w.y_m
    fuel_kg = w.fuel_kg
    fuel_limited = w.fuel_limited
    time_s = w.time_s
    deck_free_s = w.deck_free_s
    all_clear_s = w.all_clear_s
    deck_place = w.deck_place
    status = w.status
    below = np.zeros(0, np.int64)
    for k in range(len(rows)):
        r = rows[k]
        if divert_to[r] >= 0:
            continue
        b, c = battle[r], home_carrier[r]
        if not within_m(x[r] - carrier_xy[b, c, 0], y[r] - carrier_xy[b, c, 1], DIVERT_DECISION_M):
            continue
        short = fuel_kg[r] < limit_kg and fuel_limited[r]
        if short and (deck_free_s[b, c] > time_s[b] or math.isfinite(all_clear_s[b, c])):
            return True
        if not len(below):
            below = np.zeros(len(time_s) * n_carriers, np.int64)
            for j in range(len(ours)):
                o = ours[j]
                if deck_place[o] == HANGAR and status[o] == RETURNED:
                    below[key[o]] += 1
        if below[b * n_carriers + c] >= hangar_capacity[c]:
            return True
    return False


@numba.njit(cache=True, error_model="numpy")
def _near_a_deck_rows(ours: I64, active: B, returning: B, w: WorldArrays, n_carriers: int, marked: I64) -> int:
    """Of ours in the air going home in battles being fought, those recovery can touch: diverted to the
    camp, close enough to her own carrier to see its deck (`DIVERT_DECISION_M`), or in the pattern of the
    deck she lands on (`GROOVE_RADIUS_M`). Writes them, ascending, in `marked`; returns how many."""
    status, battle, home_carrier, divert_to = w.status, w.battle, w.home_carrier, w.divert_to
    carrier_xy, x, y = w.carrier_xy, w.x_m, w.y_m
    n = 0
    for k in range(len(ours)):
        r = ours[k]
        if not (active[r] and returning[r] and status[r] == AIRBORNE):
            continue
        b, home, divert = battle[r], home_carrier[r], divert_to[r]
        deck = divert if 0 <= divert < n_carriers else home
        near_home = within_m(x[r] - carrier_xy[b, home, 0], y[r] - carrier_xy[b, home, 1], DIVERT_DECISION_M)
        in_pattern = within_m(x[r] - carrier_xy[b, deck, 0], y[r] - carrier_xy[b, deck, 1], GROOVE_RADIUS_M)
        if divert == n_carriers or near_home or in_pattern:
            marked[n] = r
            n += 1
    return n
