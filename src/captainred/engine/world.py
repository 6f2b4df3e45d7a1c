"""The World: every battle's state as one NumPy array per attribute (struct of arrays).

Rows are allocated once per run: one per craft that may ever fly, grouped by battle (Air Command's
squadrons in slot order, then the LGF swarm). Craft not yet launched and craft that are gone are rows
with a status, never deletions. Each battle also has a few per-battle arrays (clock, seed, the ship) and
its own event log. Nothing here is global: two Worlds never share state.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.engine.events import Event, EventKind, EventLog
from captainred.engine.fields import Kind, Scope, allocate, field_table, per_battle, per_carrier, per_row, per_squadron
from captainred.scenario import sides
from captainred.scenario.maps import Theatre
from captainred.scenario.model import AircraftType, ResolvedScenario, Scenario

if TYPE_CHECKING:
    from captainred.engine.front import Front
    from captainred.engine.party import Party

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
I8 = NDArray[np.int8]
B = NDArray[np.bool_]

AIR_COMMAND = sides.side_number(sides.AIR_COMMAND)  # the sides' numbers in `side` (captainred.scenario.sides)
LGF = sides.side_number(sides.LGF)
G = 9.80665


class Status(IntEnum):
    """Where a craft is. Array code compares `int(Status.X)`: handed an enum member, a NumPy comparison
    first probes the member's class attribute by attribute, which costs microseconds each time (Python
    3.11), more than the comparison itself on a battle's rows. The same holds for every enum here."""

    READY = 0  # on deck, or inside the mother ship
    AIRBORNE = 1
    RETURNED = 2  # recovered aboard a carrier, or back inside the ship
    LOST = 3  # destroyed, crashed, ditched or down in a street


_AIRBORNE = int(Status.AIRBORNE)  # a plain int: NumPy compares it without probing an enum member


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


# Per row: x, y, z, speed, heading, flight-path angle, and the sines and cosines of the two angles.
FlightState = tuple[F64, F64, F64, F64, F64, F64, F64, F64, F64, F64]


@dataclass(eq=False)
class World:
    """All state of a batch of battles. Build it with `captainred.engine.setup.build_world`.

    The arrays are the field table (`captainred.engine.fields`): each is declared once below with its
    scope, dtype and initial value, and `__post_init__` allocates them all. The rest are the run's
    constants (the scenario, the theatre, the aircraft types, the ship's box) and its Python-side state
    (event logs, callsigns, radio calls in progress, the raid's party).
    """

    scenario: ResolvedScenario
    theatre: Theatre
    n_battles: int
    n: int
    types: tuple[AircraftType, ...]
    squadrons_per_battle: int
    n_carriers: int
    types_have_subsystems: B = field(repr=False)
    types_cannon: B = field(repr=False)
    ship_xyz: tuple[float, float, float] | None = field(repr=False)
    ship_half_m: tuple[float, float, float] = field(repr=False)  # half width (x), length (y), height (z)
    carrier_start_xy: F64 = field(repr=False)  # (n_carriers, 2): where each carrier was at time 0
    fleet_velocity_mps: F64 = field(repr=False)  # (2,): the fleet steams at this velocity (x east, y north)
    net_radius_m: float = field(repr=False)  # 0: no net in this scenario

    # --- per battle
    seed: NDArray[np.uint64] = per_battle(np.uint64, 0, kind=Kind.IDENTITY)
    time_s: F64 = per_battle(np.float64, 0.0)
    tick: I64 = per_battle(np.int64, 0)
    dt_s: F64 = per_battle(np.float64, 0.0)
    tick_start_s: F64 = per_battle(np.float64, 0.0)  # the clock when this tick began (time_s - dt_s, exactly)
    done: B = per_battle(np.bool_, False)
    committed_s: F64 = per_battle(np.float64, np.inf)  # when the swarm was committed; inf before, and once recalled
    in_reach_s: F64 = per_battle(np.float64, -np.inf)  # when Air Command was last within the swarm's reach
    contact: B = per_battle(np.bool_, False)
    heard_s: F64 = per_battle(np.float64, -np.inf)  # when the ship last heard Air Command on the radio
    heard_craft: I32 = per_battle(np.int32, -1)  # who the ship heard last (a craft of the battle; -1: none)
    row_start: I64 = per_battle(np.int64, 0, kind=Kind.IDENTITY)
    row_stop: I64 = per_battle(np.int64, 0, kind=Kind.IDENTITY)
    # The net over the fleet: a dome on the fleet's centre (it moves with the fleet).
    net_strength_t: F64 = per_battle(np.float64, 0.0)  # what it can still absorb, tonnes of TNT
    net_open: B = per_battle(np.bool_, False)  # parted for aircraft to file through
    net_up: B = per_battle(np.bool_, False)  # standing (False once broken, or with no net)

    # --- per row: identity (constant through a run)
    battle: I32 = per_row(np.int32, 0, kind=Kind.IDENTITY)
    craft: I32 = per_row(np.int32, 0, kind=Kind.IDENTITY)
    side: I8 = per_row(np.int8, 0, kind=Kind.IDENTITY)
    type_index: I32 = per_row(np.int32, 0, kind=Kind.IDENTITY)
    squadron: I32 = per_row(np.int32, -1, kind=Kind.IDENTITY)  # battle * squadrons_per_battle + order, -1
    slot: I32 = per_row(np.int32, 0, kind=Kind.IDENTITY)
    skill: F64 = per_row(np.float64, 0.0, kind=Kind.IDENTITY)
    susceptibility: F64 = per_row(np.float64, 0.0, kind=Kind.IDENTITY)
    camera: B = per_row(np.bool_, False, kind=Kind.IDENTITY)
    force_down_role: B = per_row(np.bool_, False, kind=Kind.IDENTITY)
    target_spread: F64 = per_row(np.float64, 0.0, kind=Kind.IDENTITY)
    row_seed: NDArray[np.uint64] = per_row(np.uint64, 0, kind=Kind.IDENTITY)
    home_carrier: I32 = per_row(np.int32, -1, kind=Kind.IDENTITY)  # -1 for LGFs
    launch_offset_s: F64 = per_row(np.float64, 0.0, kind=Kind.IDENTITY)  # after the order to launch
    stand_by: B = per_row(np.bool_, False, kind=Kind.IDENTITY)  # aboard at readiness, never launched

    # --- per row: type parameters, copied out so rules stay vectorised
    engines: F64 = per_row(np.float64, 0.0, kind=Kind.IDENTITY)
    max_speed_mps: F64 = per_row(np.float64, 0.0, kind=Kind.IDENTITY)
    cruise_speed_mps: F64 = per_row(np.float64, 0.0, kind=Kind.IDENTITY)
    stall_speed_mps: F64 = per_row(np.float64, 0.0, kind=Kind.IDENTITY)
    max_g: F64 = per_row(np.float64, 0.0, kind=Kind.IDENTITY)
    ceiling_m: F64 = per_row(np.float64, 0.0, kind=Kind.IDENTITY)
    fuel_limited: B = per_row(np.bool_, False, kind=Kind.IDENTITY)
    burn_kg_s: F64 = per_row(np.float64, 0.0, kind=Kind.IDENTITY, width=4)  # idle, cruise, full, redline

    # --- per row: state
    launch_at_s: F64 = per_row(np.float64, np.inf)
    status: I8 = per_row(np.int8, 0)  # Status.READY
    x_m: F64 = per_row(np.float64, 0.0)
    y_m: F64 = per_row(np.float64, 0.0)
    z_m: F64 = per_row(np.float64, 0.0)
    speed_mps: F64 = per_row(np.float64, 0.0)
    heading_rad: F64 = per_row(np.float64, 0.0)
    gamma_rad: F64 = per_row(np.float64, 0.0)
    # The sines and cosines of heading_rad and gamma_rad, written with them (`kinematics.keep_angles`, and
    # the flight kernel): the rules read them here instead of working them out again, each several times
    # a tick.
    sin_heading: F64 = per_row(np.float64, 0.0)
    cos_heading: F64 = per_row(np.float64, 1.0)
    sin_gamma: F64 = per_row(np.float64, 0.0)
    cos_gamma: F64 = per_row(np.float64, 1.0)
    throttle: F64 = per_row(np.float64, 0.0)
    load_g: F64 = per_row(np.float64, 1.0)
    fuel_kg: F64 = per_row(np.float64, 0.0)
    leak_kg_s: F64 = per_row(np.float64, 0.0)
    rounds: F64 = per_row(np.float64, 0.0)
    rockets: I32 = per_row(np.int32, 0)
    heat_s: F64 = per_row(np.float64, 0.0)
    overheated: B = per_row(np.bool_, False)
    bursts_left: I32 = per_row(np.int32, 0)
    health: F64 = per_row(np.float64, 1.0, width=len(Sub))  # 1 = whole, 0 = gone
    smoking: B = per_row(np.bool_, False)
    wounded: B = per_row(np.bool_, False)
    pilot_dead: B = per_row(np.bool_, False)
    photos: I32 = per_row(np.int32, 0)
    next_photo_s: F64 = per_row(np.float64, 0.0)
    kills: I32 = per_row(np.int32, 0)
    kills_called: I32 = per_row(np.int32, 0)  # kills a pilot has called on the radio (or let pass)
    blackout_s: F64 = per_row(np.float64, 0.0)  # seconds of blackout left
    spinning: B = per_row(np.bool_, False)
    spin_until_s: F64 = per_row(np.float64, 0.0)  # when the pilot has fought out of the spin
    forced_down: B = per_row(np.bool_, False)  # herded down by LGFs: will be taken if she lands
    landing_intent: B = per_row(np.bool_, False)  # a crippled aircraft making for a street or the sea
    firing: B = per_row(np.bool_, False)
    rocket_ready_s: F64 = per_row(np.float64, 0.0)
    # A radial patrol's progress round the fleet (accumulated and last bearing), and the route out.
    circuit_rad: F64 = per_row(np.float64, 0.0)
    circuit_bearing_rad: F64 = per_row(np.float64, np.nan)
    waypoint: I32 = per_row(np.int32, 0)  # the next waypoint of the route out (index into the mission's)
    # The front's day: the unit of the front an LGF is sent against (-1: none, it fights in the air),
    # where an aircraft whose deck is foul diverts to, when one turned around on deck goes out again (a
    # relay; inf: she does not), and when
    # this sortie came on station over the mission's target (inf: not yet).
    strike_at: I64 = per_row(np.int64, -1)
    divert_to: I32 = per_row(np.int32, -1)  # where she diverts: another carrier, n_carriers the camp; -1 home
    next_sortie_s: F64 = per_row(np.float64, np.inf)
    on_station_s: F64 = per_row(np.float64, np.inf)

    # --- per row: decisions (written by doctrine, read by the physics and weapons)
    mode: I8 = per_row(np.int8, 0)
    target: I64 = per_row(np.int64, -1, holds_rows=True)  # row index, -1 for none
    covering: I64 = per_row(np.int64, -1, holds_rows=True)  # the squadron mate she covers out, -1 for none
    cmd_heading_rad: F64 = per_row(np.float64, 0.0)
    cmd_gamma_rad: F64 = per_row(np.float64, 0.0)
    cmd_throttle: F64 = per_row(np.float64, 0.0)
    trigger: B = per_row(np.bool_, False)
    fire_rockets: B = per_row(np.bool_, False)
    mode_since_s: F64 = per_row(np.float64, 0.0)
    flags: I32 = per_row(np.int32, 0)  # one-shot reports already made (see Flag)
    # Marked by a driver of the step for the rows its command hook flies this step (an RL policy's):
    # the doctrine's flying rules pass them by while they can be flown (`doctrine.outside`).
    flown_from_outside: B = per_row(np.bool_, False)

    # --- the carriers' decks (captainred.fleet.carrier_deck): per row, where a carrier's aircraft is
    # (DeckPlace), the deck job in hand (turnaround or repair: its seconds of work, and when it is done;
    # inf while it waits for hands; for an aircraft in the air, the earliest it may fly its next
    # approach), when it came aboard, sorties flown, and when its pilot is out of the sick bay.
    deck_place: I8 = per_row(np.int8, 0)  # every carrier aircraft starts on deck (DeckPlace.ON_DECK)
    deck_work_s: F64 = per_row(np.float64, 0.0)
    deck_ready_s: F64 = per_row(np.float64, 0.0)
    landed_s: F64 = per_row(np.float64, np.inf)
    sorties: I32 = per_row(np.int32, 0)
    sick_bay_until_s: F64 = per_row(np.float64, 0.0)
    # --- kernels' scratch, cleared by whoever reads it
    docked: B = per_row(np.bool_, False, kind=Kind.SCRATCH)  # LGFs that docked this tick (the swarm)
    struck: B = per_row(np.bool_, False, kind=Kind.SCRATCH)  # hit something solid this tick (terrain)
    struck_ground_m: F64 = per_row(np.float64, 0.0, kind=Kind.SCRATCH)  # the height of what it hit
    ready_weapons: I8 = per_row(np.int8, 0, kind=Kind.SCRATCH)  # what each craft may fire this tick (bits)
    was_firing: B = per_row(np.bool_, False, kind=Kind.SCRATCH)  # in a burst last tick
    inside_net: B = per_row(np.bool_, False, kind=Kind.SCRATCH)  # LGFs that flew into the dome this tick
    prey: B = per_row(np.bool_, False, kind=Kind.SCRATCH)  # Air Command craft the force-down LGFs go after
    first_at_gap: I64 = per_battle(np.int64, -1, kind=Kind.SCRATCH)  # the net: who it parts for (-1: none)

    # --- per squadron
    squadron_formed: B = per_squadron(np.bool_, False)
    squadron_contact: B = per_squadron(np.bool_, False)
    contact_s: F64 = per_squadron(np.float64, np.inf)  # when the squadron broke for contact; inf before
    position_reported_s: F64 = per_squadron(np.float64, -np.inf)  # the leader's last report in transit

    # --- per battle and carrier: where each carrier is now, when its deck can take the next one, when
    # the running launch sequence's all-clear was given (inf: none running), and when the next aircraft
    # may go off the bow.
    carrier_xy: F64 = per_carrier(np.float64, 0.0, width=2)  # (n_battles, n_carriers, 2): x, y
    deck_free_s: F64 = per_carrier(np.float64, 0.0)
    all_clear_s: F64 = per_carrier(np.float64, np.inf)
    next_launch_s: F64 = per_carrier(np.float64, 0.0)

    # --- Python-side state: event logs, names for the radio and the log, the radio call in progress
    # per row (rare, so a dict), the raid's party on foot and the front when the scenario has them.
    logs: list[EventLog] = field(default_factory=list, repr=False)
    callsigns: list[str] = field(default_factory=list, repr=False)
    calls: dict[int, tuple[str, float, float, str]] = field(default_factory=dict, repr=False)
    party: Party | None = field(default=None, repr=False)
    front: Front | None = field(default=None, repr=False)
    # What rules take of the scenario every tick, gathered once for the run (`constant`).
    constants: dict[str, Any] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        """What a copy or a pickle of the World takes (`copy.deepcopy` of a battle under way, to branch
        it): everything but what is compiled over this World's own arrays (`OWN_ARRAYS_KEYS`), which
        the copy builds again over its own when it is first stepped."""
        state = dict(self.__dict__)
        state["constants"] = {k: v for k, v in self.constants.items() if k not in OWN_ARRAYS_KEYS}
        return state

    def __post_init__(self) -> None:
        allocate(self, self.sizes())
        if not self.logs:
            self.logs = [EventLog() for _ in range(self.n_battles)]

    def sizes(self) -> dict[Scope, tuple[int, ...]]:
        """Each scope's leading dimensions in this World (what the field table allocates)."""
        return {
            Scope.ROW: (self.n,),
            Scope.BATTLE: (self.n_battles,),
            Scope.SQUADRON: (self.n_battles * self.squadrons_per_battle,),
            Scope.CARRIER: (self.n_battles, self.n_carriers),
        }

    @property
    def plan(self) -> Scenario:
        """The scenario as written (timing, squadrons, the enemy, bombardments, the raid…), without the
        catalog entries it names (those are `scenario.catalog`)."""
        return self.scenario.scenario

    def flight_state(self) -> FlightState:
        """The arrays of where each craft is and how it moves, in the order the flight kernels take them:
        x, y, z, speed, heading, flight-path angle, and the sine and cosine of the heading and of the
        flight-path angle."""
        return (
            self.x_m,
            self.y_m,
            self.z_m,
            self.speed_mps,
            self.heading_rad,
            self.gamma_rad,
            self.sin_heading,
            self.cos_heading,
            self.sin_gamma,
            self.cos_gamma,
        )

    @property
    def airborne(self) -> B:
        up: B = self.status == _AIRBORNE
        return up

    def rows_of(self, battle: int) -> slice:
        return slice(int(self.row_start[battle]), int(self.row_stop[battle]))

    @cached_property
    def flight_sides(self) -> F64:
        """Per squadron order of the plan: the side its slots are to, +1 starboard, -1 port (fixed for the
        run, so read every tick without building it again)."""
        sides: F64 = np.array([1.0 if s.flight == "starboard" else -1.0 for s in self.plan.squadrons])
        return sides

    @cached_property
    def air_command_rows(self) -> I64:
        """Air Command's rows, ascending (fixed for the run: a row's side never changes). Rules that only
        Air Command's craft can meet (the ship's reach into minds, cameras, wings tearing off) look at
        these, never at the swarm's rows."""
        rows: I64 = np.flatnonzero(self.side == AIR_COMMAND)
        return rows


WORLD_FIELDS = field_table(World)

# Keys of `World.constants` whose values are compiled over the World's own arrays rather than gathered from
# the scenario (`captainred.engine.arrays` puts its key here): a copy of the World leaves them out.
OWN_ARRAYS_KEYS: set[str] = set()

T = TypeVar("T")


def constant(gather: Callable[[World], T]) -> Callable[[World], T]:
    """`gather(world)` once for each World, then kept (in `World.constants`): for what a rule takes of the
    scenario, which a run never changes, but which costs microseconds to gather again every tick."""
    key = f"{gather.__module__}.{gather.__qualname__}"

    @functools.wraps(gather)
    def once(world: World) -> T:
        try:
            kept: T = world.constants[key]
        except KeyError:
            kept = world.constants[key] = gather(world)
        return kept

    return once


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
    """(n_battles, 2): the middle of each battle's carriers, where the fleet is now (`_mean_of_carriers`)."""
    centre: F64 = np.empty((world.n_battles, 2))
    _mean_of_carriers(world.carrier_xy, centre)
    return centre


@numba.njit(cache=True, error_model="numpy")
def _mean_of_carriers(carrier_xy: F64, out: F64) -> None:
    """Each battle's carriers' positions summed in their order and divided by their number (NumPy's
    `sum(axis=1) / n`, to the bit)."""
    n_battles, n_carriers, _ = carrier_xy.shape
    for b in range(n_battles):
        for k in range(2):
            if n_carriers == 0:
                out[b, k] = math.nan  # no carriers: no fleet, as NumPy's 0 / 0
                continue
            total = carrier_xy[b, 0, k]
            for c in range(1, n_carriers):
                total += carrier_xy[b, c, k]
            out[b, k] = total / n_carriers


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


def emit_rows(world: World, rows: I64, kind: EventKind, targets: I64, details: Sequence[Mapping[str, Any]]) -> None:
    """`emit` for each of `rows` in turn, about `targets[k]` (-1: none) with `details[k]`: the same events,
    their numbers read from the World's arrays in one compiled pass (`_event_numbers`) rather than one
    at a time (a tick of 10,000 craft opens dozens of bursts, and `emit` spent most of its time reading
    single numbers) or in a dozen NumPy gathers (which cost more than the events in a batch's tick)."""
    if not len(rows):
        return
    whole, real = _event_numbers(
        rows, targets, world.battle, world.tick, world.time_s, world.craft, world.x_m, world.y_m, world.z_m
    )
    logs = world.logs
    for (b, tick, actor, target), (time_s, x, y, z), said in zip(whole.tolist(), real.tolist(), details, strict=True):
        logs[b].append(Event(tick, time_s, kind, actor, target, (x, y, z), said))  # in field order: a third cheaper


@numba.njit(cache=True, error_model="numpy")
def _event_numbers(
    rows: I64,
    targets: I64,
    battle: NDArray[np.int32],
    tick: I64,
    time_s: F64,
    craft: NDArray[np.int32],
    x: F64,
    y: F64,
    z: F64,
) -> tuple[I64, F64]:
    """What `emit_rows` writes of each row's event: its battle, the battle's tick, the actor's craft number
    and the target's (-1: none); the battle's time and where the actor is."""
    whole = np.empty((len(rows), 4), np.int64)
    real = np.empty((len(rows), 4))
    for k in range(len(rows)):
        r = rows[k]
        b = battle[r]
        whole[k, 0] = b
        whole[k, 1] = tick[b]
        whole[k, 2] = craft[r]
        whole[k, 3] = craft[targets[k]] if targets[k] >= 0 else -1
        real[k, 0] = time_s[b]
        real[k, 1] = x[r]
        real[k, 2] = y[r]
        real[k, 3] = z[r]
    return whole, real


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
