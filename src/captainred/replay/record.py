"""Recording a battle as it is fought: the replay's header from the World, then frames and events.

A `Recorder` is a step observer (the `progress` callback of `run_battles`): after each step it copies
the new events of its battle and, every `every_s` seconds of sim time, samples its battle's rows into a
frame (and a raid's party, and the front's units when any of them changed since the last sample). It
only reads the World (the sampled tracks DESIGN.md allows the replay), so a recorded battle has the same
event log, digest and all, as an unrecorded one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from captainred import __version__
from captainred.doctrine.modes import Mode
from captainred.engine.front import GROUND_ID_BASE, Unit
from captainred.engine.party import Phase
from captainred.engine.world import SUBSYSTEM_NAMES, Status, World
from captainred.replay.format import DEFAULT_EVERY_S, FORMAT_VERSION, FRAME_COLUMNS, STATE_BITS, Frame, ReplayWriter
from captainred.replay.ground import FRONT_BITS, PARTY_BITS, FrontFrame, PartyFrame
from captainred.scenario.sides import side_name
from captainred.simulation import Simulation


def replay_header(world: World, battle: int, every_s: float) -> dict[str, Any]:
    """The HEAD chunk: the scenario, the theatre and every craft of one battle, in column order."""
    resolved = world.scenario
    scenario, catalog = resolved.scenario, resolved.catalog
    theatre = world.theatre
    has_ground = theatre.max_height_m > 0
    orders = scenario.squadrons
    squadrons = []
    for order in orders:
        spec = catalog.squadrons[order.id]
        squadrons.append(
            {
                "id": spec.id,
                "name": spec.name,
                "colour": spec.colour,
                "insignia": spec.insignia,
                "callsign": spec.callsign,
                "carrier": order.carrier or spec.carrier,
            }
        )
    pilots = [p for crew in resolved.crews for p in crew]
    rows = range(*world.rows_of(battle).indices(world.n))
    craft = []
    for row in rows:
        order_index = int(world.squadron[row]) - battle * world.squadrons_per_battle if world.squadron[row] >= 0 else -1
        pilot = pilots[int(world.craft[row])] if order_index >= 0 else None
        craft.append(
            {
                "id": int(world.craft[row]),
                "side": side_name(int(world.side[row])),
                "squadron": order_index,
                "type": world.types[int(world.type_index[row])].name,
                "callsign": world.callsigns[row],
                "pilot": pilot.name if pilot else None,
                "nickname": pilot.nickname if pilot else None,
                "photo": bool(world.camera[row]),
                "carrier": squadrons[order_index]["carrier"] if order_index >= 0 else None,
            }
        )
    ship = catalog.ships[scenario.enemy.ship] if scenario.enemy.ship else None
    return {
        "format": "captainred-replay",
        "version": FORMAT_VERSION,
        "captainred": __version__,
        "scenario": scenario.name,
        "title": scenario.description,
        "seed": int(world.seed[battle]),
        "sample_s": every_s,
        "map": {
            "name": theatre.name,
            "kind": theatre.kind,
            "origin_m": list(theatre.origin_m),
            "cell_m": theatre.cell_m,
            "shape": list(theatre.heights_m.shape) if has_ground else None,
            "park_m": list(theatre.park) if has_ground else None,
            "island_m": list(theatre.island) if has_ground else None,
            "coastline_m": [list(p) for p in theatre.coastline_m()],
            "max_height_m": theatre.max_height_m,
        },
        "ship": (
            {"name": ship.name, "centre_m": list(world.ship_xyz), "half_m": list(world.ship_half_m)}
            if ship is not None and world.ship_xyz is not None
            else None
        ),
        "net": {"radius_m": world.net_radius_m, "strength_t": float(world.net_strength_t[battle])},
        "carriers": [
            {"name": c.name, "deck_altitude_m": catalog.carriers[c.name].deck_altitude_m} for c in scenario.carriers
        ],
        "squadrons": squadrons,
        "craft": craft,
        "subsystems": list(SUBSYSTEM_NAMES),
        "statuses": [s.name.lower() for s in Status],
        "modes": [m.name.lower() for m in Mode],
        "state_bits": list(STATE_BITS),
        "frame_columns": [list(c) for c in FRAME_COLUMNS],
        **({"party": _party_header(world)} if world.party is not None else {}),
        **({"front": _front_header(world, battle)} if world.front is not None else {}),
    }


def _party_header(world: World) -> dict[str, Any]:
    """A raid's party for the viewer: who goes with what, the route, the hull's side and the corridors."""
    party = world.party
    assert party is not None
    every = max(1, len(party.route_xy) // 200)
    return {
        "members": [
            {
                "name": issue.pilot.name,
                "callsign": issue.pilot.callsign,
                "nickname": issue.pilot.nickname,
                "squadron": issue.squadron,
                "weapon": issue.weapon.name,
                "sidearm": issue.sidearm.name if issue.sidearm else None,
            }
            for issue in party.kit
        ],
        "captive": party.raid.captive,
        "route_m": [[round(float(x), 1), round(float(y), 1)] for x, y in party.route_xy[::every]],
        "rubble_m": list(party.raid.rubble_m),
        "flank_x_m": party.flank_x_m,
        "corridor_m": party.raid.corridor_m,
        "phases": [p.name.lower() for p in Phase],
        "bits": list(PARTY_BITS),
    }


def _front_header(world: World, battle: int) -> dict[str, Any]:
    """The front's units for the viewer, in the order of every FRNT chunk (positions along the line, then
    the batteries), and how to name them from an event's actor."""
    front = world.front
    assert front is not None
    spec = front.spec
    u = front.units_of(battle)
    battery = front.battery_type
    return {
        "line_m": [[float(x), float(y)] for x, y in spec.line_m],
        "positions": spec.positions,
        "breaks_at": spec.breaks_at,
        "position_type": spec.position_type,
        "battery_type": spec.battery_type if battery is not None else None,
        "battery_range_m": battery.range_m if battery is not None else None,
        "actor_base": GROUND_ID_BASE,
        "units": [
            {
                "name": front.names[i],
                "kind": "battery" if kind == int(Unit.BATTERY) else "position",
                "x_m": round(float(x), 1),
                "y_m": round(float(y), 1),
                "full_strength": float(full),
                "garrison": int(garrison),
                "guns": int(guns),
            }
            for i, (kind, x, y, full, garrison, guns) in enumerate(
                zip(
                    front.kind[u],
                    front.x_m[u],
                    front.y_m[u],
                    front.full_strength[u],
                    front.garrison[u],
                    front.guns[u],
                    strict=True,
                )
            )
        ],
        "bits": list(FRONT_BITS),
    }


def sample_front(world: World, battle: int) -> FrontFrame:
    """The front's units in one battle, now: strength left, lost, a battery laying its guns, and a unit
    under the swarm's blue fire this moment."""
    front = world.front
    assert front is not None
    u = front.units_of(battle)
    r = world.rows_of(battle)
    striking = (world.status[r] == int(Status.AIRBORNE)) & (world.mode[r] == int(Mode.STRIKE)) & world.firing[r]
    targets = world.strike_at[r][striking & (world.strike_at[r] >= 0)]
    under_fire = np.zeros(front.g, dtype=bool)
    under_fire[targets[targets < front.g]] = True
    bits = np.zeros(front.g, dtype=np.uint8)
    for bit, on in enumerate((front.lost[u], front.laying_on[u] >= 0, under_fire)):
        bits |= on.astype(np.uint8) << np.uint8(bit)
    return FrontFrame(
        time_s=float(world.time_s[battle]),
        broken=bool(np.isfinite(front.broken_s[battle])),
        strength=front.strength[u].astype(np.float32),
        bits=bits,
    )


def sample_party(world: World, battle: int) -> PartyFrame:
    """The raid's party in one battle, now."""
    party = world.party
    assert party is not None
    rows = party.members_of(battle)
    bits = np.zeros(party.m, dtype=np.uint8)
    flags = (
        party.alive[rows],
        party.wounded[rows],
        party.bleeding[rows],
        party.stripped[rows],
        party.inside[rows],
        party.outside_for_good[rows],
        party.came_out[rows],
    )
    for bit, on in enumerate(flags):
        bits |= on.astype(np.uint8) << np.uint8(bit)
    return PartyFrame(
        time_s=float(world.time_s[battle]),
        phase=int(party.phase[battle]),
        captive_held=bool(party.captive_held[battle]),
        secret_broken=bool(party.secret_broken[battle]),
        corridor_m=float(party.corridor_m[battle]),
        x_m=party.x_m[rows].astype(np.float32),
        y_m=party.y_m[rows].astype(np.float32),
        bits=bits,
    )


def sample_frame(world: World, battle: int) -> Frame:
    """Every row of one battle, now."""
    r = world.rows_of(battle)
    state = np.zeros(r.stop - r.start, dtype=np.uint8)
    for bit, on in enumerate(
        (
            world.smoking[r],
            world.wounded[r],
            world.pilot_dead[r],
            world.firing[r],
            world.spinning[r],
            world.forced_down[r],
            world.blackout_s[r] > 0,
        )
    ):
        state |= on.astype(np.uint8) << np.uint8(bit)
    columns = {
        "x_m": world.x_m[r],
        "y_m": world.y_m[r],
        "z_m": world.z_m[r],
        "heading_rad": world.heading_rad[r],
        "speed_mps": world.speed_mps[r],
        "fuel_kg": world.fuel_kg[r],
        "rounds": np.clip(np.rint(world.rounds[r]), 0, 65535),
        "rockets": np.clip(world.rockets[r], 0, 255),
        "photos": np.clip(world.photos[r], 0, 255),
        "kills": np.clip(world.kills[r], 0, 255),
        "status": world.status[r],
        "mode": world.mode[r],
        "state": state,
        "health": np.rint(np.clip(world.health[r], 0.0, 1.0) * 255.0),
    }
    return Frame(
        time_s=float(world.time_s[battle]),
        columns=columns,
        carriers_xy=world.carrier_xy[battle].astype(np.float32),
        net_strength_t=float(world.net_strength_t[battle]),
        net_up=bool(world.net_up[battle]),
        net_open=bool(world.net_open[battle]),
    )


class Recorder:
    """Writes one battle of a World to a replay as the simulation steps: pass it as `observe` to
    `run_battles`. The first call (before the first step) writes the header and the opening frame."""

    def __init__(self, writer: ReplayWriter, every_s: float = DEFAULT_EVERY_S, battle: int = 0) -> None:
        if not every_s > 0:
            raise ValueError("every_s must be positive")
        self.writer, self.every_s, self.battle = writer, every_s, battle
        self._logged = 0
        self._next_s = 0.0
        self._front: FrontFrame | None = None  # the front as last written
        self.started = False
        self.finished = False

    def _start(self, world: World) -> None:
        heights = None
        if world.theatre.max_height_m > 0:
            heights = np.ceil(world.theatre.heights_m).astype(np.uint16)
        self.writer.head(replay_header(world, self.battle, self.every_s), heights)
        self.started = True

    def _sample(self, world: World) -> None:
        log = world.logs[self.battle]
        if len(log) > self._logged:
            self.writer.event_lines([log[i].canonical() for i in range(self._logged, len(log))])
            self._logged = len(log)
        self.writer.frame(sample_frame(world, self.battle))
        if world.party is not None:
            self.writer.party(sample_party(world, self.battle))
        if world.front is not None:
            front = sample_front(world, self.battle)
            if not front.same_state(self._front):
                self.writer.front(front)
                self._front = front
        self._next_s = float(world.time_s[self.battle]) + self.every_s

    def __call__(self, sim: Simulation) -> None:
        if self.finished:
            return
        w = sim.world
        if not self.started:
            self._start(w)
            self._sample(w)
            return
        done = bool(w.done[self.battle])
        if done or w.time_s[self.battle] >= self._next_s - 1e-9:
            self._sample(w)
        if done:
            log = w.logs[self.battle]
            reason = str(log[-1].details.get("reason", "")) if len(log) else ""
            self.writer.end(float(w.time_s[self.battle]), reason)
            self.finished = True
