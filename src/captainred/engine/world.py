"""The World: every battle's state as one NumPy array per attribute (struct of arrays).

Rows are allocated once per run: one per craft that may ever fly, grouped by battle (Air Command's
squadrons in slot order, then the LGF swarm). Craft not yet launched and craft that are gone are rows
with a status, never deletions. Each battle also has a few per-battle arrays (clock, seed, the ship) and
its own event log. Nothing here is global: two Worlds never share state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from captainred.engine.events import Event, EventKind, EventLog
from captainred.scenario.maps import Theatre, build_theatre
from captainred.scenario.model import AircraftType, ResolvedScenario

if TYPE_CHECKING:
    from captainred.engine.party import Party

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
I8 = NDArray[np.int8]
B = NDArray[np.bool_]

AIR_COMMAND = 0
LGF = 1
SIDE_NAMES = ("air_command", "lgf")
G = 9.80665


class Status(IntEnum):
    READY = 0  # on deck, or inside the mother ship
    AIRBORNE = 1
    RETURNED = 2  # recovered aboard a carrier, or back inside the ship
    LOST = 3  # destroyed, crashed, ditched or down in a street


class Sub(IntEnum):
    """Subsystems of an aircraft that can be hit. LGFs use only AIRFRAME."""

    ENGINE_PORT = 0
    ENGINE_STARBOARD = 1
    WING_PORT = 2
    WING_STARBOARD = 3
    TAIL = 4
    RUDDER = 5
    RADIO = 6
    FUEL_TANK = 7
    PILOT = 8
    AIRFRAME = 9


SUBSYSTEM_NAMES = tuple(s.name.lower() for s in Sub)


@dataclass(eq=False)
class World:
    """All state of a batch of battles. Build it with `World.build`."""

    scenario: ResolvedScenario
    theatre: Theatre
    n_battles: int
    n: int
    types: tuple[AircraftType, ...]
    squadrons_per_battle: int
    types_have_subsystems: B = field(repr=False)
    types_cannon: B = field(repr=False)
    ship_xyz: tuple[float, float, float] | None = field(repr=False)
    ship_half_m: tuple[float, float, float] = field(repr=False)  # half width (x), length (y), height (z)

    # --- per battle
    seed: NDArray[np.uint64] = field(repr=False)
    time_s: F64 = field(repr=False)
    tick: I64 = field(repr=False)
    dt_s: F64 = field(repr=False)
    tick_start_s: F64 = field(repr=False)  # the clock when this tick began (time_s - dt_s, exactly)
    done: B = field(repr=False)
    committed_s: F64 = field(repr=False)  # when the swarm was committed; inf before
    contact: B = field(repr=False)
    row_start: I64 = field(repr=False)
    row_stop: I64 = field(repr=False)
    logs: list[EventLog] = field(repr=False)

    # --- per row: identity (constant through a run)
    battle: I32 = field(repr=False)
    craft: I32 = field(repr=False)
    side: I8 = field(repr=False)
    type_index: I32 = field(repr=False)
    squadron: I32 = field(repr=False)  # global squadron index (battle * squadrons_per_battle + order), -1
    slot: I32 = field(repr=False)
    skill: F64 = field(repr=False)
    susceptibility: F64 = field(repr=False)
    camera: B = field(repr=False)
    launch_at_s: F64 = field(repr=False)
    force_down_role: B = field(repr=False)
    target_spread: F64 = field(repr=False)
    row_seed: NDArray[np.uint64] = field(repr=False)

    # --- per row: type parameters, copied out so rules stay vectorised
    engines: F64 = field(repr=False)
    max_speed_mps: F64 = field(repr=False)
    cruise_speed_mps: F64 = field(repr=False)
    stall_speed_mps: F64 = field(repr=False)
    max_g: F64 = field(repr=False)
    ceiling_m: F64 = field(repr=False)
    fuel_limited: B = field(repr=False)
    burn_kg_s: F64 = field(repr=False)  # (n, 4): idle, cruise, full, redline, per engine

    # --- per row: state
    status: I8 = field(repr=False)
    x_m: F64 = field(repr=False)
    y_m: F64 = field(repr=False)
    z_m: F64 = field(repr=False)
    speed_mps: F64 = field(repr=False)
    heading_rad: F64 = field(repr=False)
    gamma_rad: F64 = field(repr=False)
    throttle: F64 = field(repr=False)
    load_g: F64 = field(repr=False)
    fuel_kg: F64 = field(repr=False)
    leak_kg_s: F64 = field(repr=False)
    rounds: F64 = field(repr=False)
    rockets: I32 = field(repr=False)
    heat_s: F64 = field(repr=False)
    overheated: B = field(repr=False)
    bursts_left: I32 = field(repr=False)
    health: NDArray[np.float64] = field(repr=False)  # (n, len(Sub)), 1 = whole, 0 = gone
    smoking: B = field(repr=False)
    wounded: B = field(repr=False)
    pilot_dead: B = field(repr=False)
    photos: I32 = field(repr=False)
    next_photo_s: F64 = field(repr=False)
    kills: I32 = field(repr=False)
    blackout_s: F64 = field(repr=False)  # seconds of blackout left
    spinning: B = field(repr=False)
    forced_down: B = field(repr=False)  # herded down by LGFs: will be taken if she lands
    landing_intent: B = field(repr=False)  # a crippled aircraft making for a street or the sea
    firing: B = field(repr=False)
    rocket_ready_s: F64 = field(repr=False)

    # --- per row: decisions (written by doctrine, read by the physics and weapons)
    mode: I8 = field(repr=False)
    target: I64 = field(repr=False)  # row index, -1 for none
    cmd_heading_rad: F64 = field(repr=False)
    cmd_gamma_rad: F64 = field(repr=False)
    cmd_throttle: F64 = field(repr=False)
    trigger: B = field(repr=False)
    fire_rockets: B = field(repr=False)
    mode_since_s: F64 = field(repr=False)
    flags: NDArray[np.int32] = field(repr=False)  # one-shot reports already made (see Flag)

    # --- per squadron (global index battle * squadrons_per_battle + order)
    squadron_formed: B = field(repr=False)
    squadron_contact: B = field(repr=False)

    # --- carriers (index into scenario.carriers) and their decks, per battle
    carrier_xy: F64 = field(repr=False)  # (n_battles, n_carriers, 2): where each carrier is now
    carrier_start_xy: F64 = field(repr=False)  # (n_carriers, 2): where each carrier was at time 0
    fleet_velocity_mps: F64 = field(repr=False)  # (2,): the fleet steams at this velocity (x east, y north)
    home_carrier: I32 = field(repr=False)  # per row, -1 for LGFs
    deck_free_s: F64 = field(repr=False)  # (n_battles, n_carriers): when the deck can take the next one
    # The deck cycle (captainred.fleet.carrier_deck), per battle and carrier: when the running launch
    # sequence's all-clear was given (inf: none running), and when the next aircraft may go off the bow.
    all_clear_s: F64 = field(repr=False)  # (n_battles, n_carriers)
    next_launch_s: F64 = field(repr=False)  # (n_battles, n_carriers)
    # ... and per row: where a carrier's aircraft is (DeckPlace), the deck job in hand (turnaround or
    # repair: its seconds of work, and when it is done; inf while it waits for hands; for an aircraft in
    # the air, the earliest it may fly its next approach), when it came aboard, sorties flown, and when
    # its pilot is out of the sick bay.
    deck_place: I8 = field(repr=False)
    deck_work_s: F64 = field(repr=False)
    deck_ready_s: F64 = field(repr=False)
    landed_s: F64 = field(repr=False)
    sorties: I32 = field(repr=False)
    sick_bay_until_s: F64 = field(repr=False)

    # --- per row: a spin's end (the pilot has fought out of it) and the launch door of an LGF
    spin_until_s: F64 = field(repr=False)

    # --- per row: a radial patrol's progress round the fleet (accumulated and last bearing)
    circuit_rad: F64 = field(repr=False)
    circuit_bearing_rad: F64 = field(repr=False)
    launch_offset_s: F64 = field(repr=False)  # launch time after the order to launch is given
    stand_by: B = field(repr=False)  # aboard at readiness, never launched in this battle
    waypoint: I32 = field(repr=False)  # the next waypoint of the route out (index into the mission's)

    # --- the net over the fleet, per battle: a dome on the fleet's centre (it moves with the fleet)
    net_radius_m: float = field(repr=False)  # 0: no net in this scenario
    net_strength_t: F64 = field(repr=False)  # (n_battles,): what it can still absorb, tonnes of TNT
    net_open: B = field(repr=False)  # (n_battles,): parted for aircraft to file through
    net_up: B = field(repr=False)  # (n_battles,): standing (False once broken, or with no net)

    # --- per row: names, for the radio and the log
    callsigns: list[str] = field(default_factory=list, repr=False)

    # --- per row: the radio call in progress ("" when silent); calls are rare, so a dict suffices
    calls: dict[int, tuple[str, float, float, str]] = field(default_factory=dict, repr=False)

    # --- the raid's party on foot, when the scenario has one (captainred.engine.party)
    party: Party | None = field(default=None, repr=False)

    @property
    def airborne(self) -> B:
        up: B = self.status == Status.AIRBORNE
        return up

    def rows_of(self, battle: int) -> slice:
        return slice(int(self.row_start[battle]), int(self.row_stop[battle]))

    def row_time(self) -> F64:
        return self.time_s[self.battle]

    @classmethod
    def build(cls, resolved: ResolvedScenario, seeds: list[int]) -> World:
        """Allocate one battle per seed, every row of every craft that may fly."""
        from captainred.engine.party import build_party
        from captainred.engine.setup import populate

        world = populate(
            cls,
            resolved,
            seeds,
            build_theatre(resolved.scenario.map, resolved.catalog.maps[resolved.scenario.map].kind),
        )
        world.party = build_party(world)
        return world


class Flag(IntEnum):
    """Bits of World.flags: things each craft reports once."""

    WOUNDED = 1 << 0
    MAYDAY = 1 << 1
    BINGO = 1 << 2
    WINCHESTER = 1 << 3
    ENGINE_PORT_OUT = 1 << 4
    ENGINE_STARBOARD_OUT = 1 << 5
    WING_HOLED = 1 << 6
    TAIL_HIT = 1 << 7
    RUDDER_HIT = 1 << 8
    RADIO_DEAD = 1 << 9
    LEAKING = 1 << 10
    PHOTOS_DONE = 1 << 11
    CHECKED_IN = 1 << 12
    FORCE_DOWN = 1 << 13


def fleet_centre(world: World) -> F64:
    """(n_battles, 2): the middle of each battle's carriers, where the fleet is now."""
    centre: F64 = world.carrier_xy.mean(axis=1)
    return centre


def emit(world: World, row: int, kind: EventKind, target: int = -1, **details: Any) -> None:
    """Append an event about craft `row` (and optionally a target row) to its battle's log."""
    b = int(world.battle[row])
    world.logs[b].append(
        Event(
            tick=int(world.tick[b]),
            time_s=float(world.time_s[b]),
            kind=kind,
            actor=int(world.craft[row]),
            target=int(world.craft[target]) if target >= 0 else -1,
            position_m=(float(world.x_m[row]), float(world.y_m[row]), float(world.z_m[row])),
            details=details,
        )
    )


def emit_battle(
    world: World,
    battle: int,
    kind: EventKind,
    position_m: tuple[float, float, float] = (0.0, 0.0, 0.0),
    **details: Any,
) -> None:
    """Append an event about a whole battle (no actor), optionally at a place."""
    world.logs[battle].append(
        Event(
            tick=int(world.tick[battle]),
            time_s=float(world.time_s[battle]),
            kind=kind,
            position_m=position_m,
            details=details,
        )
    )
