"""The LGF swarm and its mother ship: held back until the intruders are committed, then a swarm from the
doors in the ship's side; attackers chase from the tail with blue fire; a few herd a struggling pilot
down rather than kill her; those whose emitters are spent go home to rearm; the rest guard the ship
until the intruders have been gone a while, and then go back in through the doors.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.doctrine.modes import Mode
from captainred.doctrine.outside import can_be_flown_from_outside
from captainred.doctrine.steering import aim, avoid_terrain, orbit_point, pull_up
from captainred.engine import threads
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.events import EventKind
from captainred.engine.launch import put_in_air
from captainred.engine.rng import Purpose, uniform
from captainred.engine.sensing import Picture, angle_off_from, range_to, within_m
from captainred.engine.weapons import BULLET_SPEED_MPS, SNAP_SHOT_FACTOR, Armoury, lead_from
from captainred.engine.world import (
    AIR_COMMAND,
    F64,
    I64,
    LGF,
    B,
    FlightState,
    Status,
    World,
    constant,
    emit,
    emit_battle,
)
from captainred.scenario.maps import Ground

# Plain ints for the compiled kernels.
READY, AIRBORNE, RETURNED = int(Status.READY), int(Status.AIRBORNE), int(Status.RETURNED)
RETURN, GUARD, ATTACK, HERD = int(Mode.RETURN), int(Mode.GUARD), int(Mode.ATTACK), int(Mode.HERD)
STRIKE = int(Mode.STRIKE)

LEASH_M = 16000.0  # an LGF does not follow a pilot further than this from its ship
SIGHT_M = 12000.0
GUARD_RADIUS_M = 2500.0
GUARD_ALTITUDE_M = 1200.0
DOOR_CLEARANCE_M = 40.0
DOCK_RANGE_M = 500.0
LOOKAHEAD_S = 2.5  # short: an LGF copying a pull-out may not make it
HEARD_MEMORY_S = 60.0  # the swarm hunts a caller the ship heard for this long after it heard her
HOMING_M = 2000.0  # an LGF this close to a pilot of its own stays on her rather than hunt a caller
# Strikes on the front (design values): a racetrack over the unit struck, in at STRIKE_ALTITUDE_M, a
# diving run from STRIKE_RUN_M out aimed a little above it, firing once in reach, and out again.
STRIKE_ALTITUDE_M = 1000.0
STRIKE_RUN_M = 4000.0
STRIKE_AIM_M = 60.0
STRIKE_RUN_IN_COS = 0.5  # heading within 60 degrees of the unit: the run is on
STRIKE_LEASH_M = 8000.0  # a striker fighting a pilot breaks off this far from its unit, and goes back to it


def decide_swarm(world: World, picture: Picture, armoury: Armoury, active: B) -> None:
    if world.ship_xyz is None:
        return
    _listen(world, active)
    if not threads.in_parallel(world.n):
        # A few hundred craft: the rules in one compiled call, unless the swarm is committed or recalled
        # or LGFs go out of the doors this tick (whose events Python writes), which it finds before it
        # changes anything.
        docked = _swarm_rows(
            arrays_of(world),
            active,
            picture.ship_range_m,
            _decision_inputs(world, picture, armoury),
            world.theatre.ground,
            _swarm_constants(world),
        )
        if docked >= 0:
            if docked:
                _dock(world)
                _look_out(world, active)
            return
    _recall(world, active)
    _commit(world, active, picture)
    _launch_from_doors(world, active)
    if _decide(world.n, arrays_of(world), active, *_decision_inputs(world, picture, armoury)):
        _dock(world)
    _look_out(world, active)


def _front_arrays(world: World) -> tuple[F64, F64, B]:
    """Where each unit of the front is (x, y), and whether it is lost; arrays never read without a front."""
    front = world.front
    return (front.x_m, front.y_m, front.lost) if front is not None else _NO_FRONT


@constant
def _swarm_constants(
    world: World,
) -> tuple[bool, float, float, float, float, float, int, int, int, float, float, float, float]:
    """What `_swarm_rows` takes of the scenario, in its order: whether there is a ship; its centre and half
    sizes; its doors and the first slot to come out of them; the front's units; the swarm's fight-back
    range, the reach that keeps it committed, how long before a recall, and its commit range."""
    assert world.ship_xyz is not None
    sx, sy, sz = world.ship_xyz
    hx, hy, _ = world.ship_half_m
    enemy = world.plan.enemy
    doors = world.scenario.catalog.ships[enemy.ship].doors if enemy.ship else 1
    units = world.front.g if world.front is not None else 0
    fight_back_m = enemy.waves.fight_back_m if enemy.waves is not None else 0.0
    reach_m = max(LEASH_M, enemy.commit_range_m)
    return (
        bool(enemy.ship),
        sx,
        sy,
        sz,
        hx,
        hy,
        doors,
        enemy.airborne,
        units,
        fight_back_m,
        reach_m,
        enemy.recall_after_s,
        enemy.commit_range_m,
    )


def _decision_inputs(world: World, picture: Picture, armoury: Armoury) -> tuple[Any, ...]:
    """What `_decide_rows` takes after the World's arrays and the rows being fought, in its order."""
    _, sx, sy, sz, hx, hy, doors, first_door_slot, units, fight_back_m, *_ = _swarm_constants(world)
    return (
        picture.nearest_enemy,
        picture.nearest_range_m,
        picture.nearest_prey,
        armoury.spec["energy_range"],
        armoury.spec["energy_cone"],
        sx,
        sy,
        sz,
        hx,
        hy,
        doors,
        first_door_slot,
        units,
        *_front_arrays(world),
        fight_back_m,
    )


def _dock(world: World) -> None:
    """The LGFs that docked this tick (`_decide_rows` marked them): back inside; those back from the
    front rearmed (`_rearm`), and those of a recalled swarm with their emitters not spent held ready to
    come out again (`_hold`)."""
    docked = np.flatnonzero(world.docked)
    for row in docked.tolist():
        world.docked[row] = False
        emit(world, row, EventKind.RETURNED_TO_SHIP)
    _rearm(world, docked[world.strike_at[docked] >= 0])
    _hold(world, docked[(world.strike_at[docked] < 0) & (world.bursts_left[docked] > 0)])


def _hold(world: World, rows: I64) -> None:
    """LGFs of a recalled swarm back aboard: held at the doors, ready to come out with the swarm when
    intruders are committed again."""
    world.status[rows] = Status.READY
    world.launch_at_s[rows] = np.inf
    world.mode[rows] = Mode.WAITING


@numba.njit(cache=True, error_model="numpy")
def _swarm_rows(
    w: WorldArrays,
    active: B,
    ship_range_m: F64,
    inputs: tuple[Any, ...],
    ground: Ground,
    constants: tuple[bool, float, float, float, float, float, int, int, int, float, float, float, float],
) -> int:
    """The swarm's tick in one call where nothing is committed, recalled or launched: -1 if a swarm is to
    be recalled (`_out_of_reach`, which notes when intruders were last within reach, and nothing else) or
    committed (`_intruded`; both only with a ship in the scenario) or LGFs are due out of the doors
    (`_due_at_the_doors`), with nothing else changed; otherwise its decisions (`_decide_rows`), then, if
    none docked, the look-ahead (`_look_out_rows`). Returns how many docked. (`inputs`:
    `_decision_inputs`; `constants`: `_swarm_constants`.)"""
    has_ship, sx, sy, _, _, _, _, _, _, _, reach_m, recall_s, commit_m = constants
    status, side, battle, time_s = w.status, w.side, w.battle, w.time_s
    row_start, row_stop, committed_s = w.row_start, w.row_stop, w.committed_s
    x, y, z = w.x_m, w.y_m, w.z_m
    if has_ship and len(
        _out_of_reach(
            active,
            status,
            side,
            x,
            y,
            sx,
            sy,
            reach_m,
            recall_s,
            time_s,
            committed_s,
            w.in_reach_s,
            row_start,
            row_stop,
        )
    ):
        return -1
    if has_ship and len(_intruded(active, status, side, ship_range_m, commit_m, committed_s, row_start, row_stop)):
        return -1
    if len(_due_at_the_doors(active, side, status, w.launch_at_s, battle, time_s)):
        return -1
    docked: int = _decide_in_turn(w, active, *inputs)
    if docked:
        return docked
    state = (x, y, z, w.speed_mps, w.heading_rad, w.gamma_rad, w.sin_heading, w.cos_heading, w.sin_gamma, w.cos_gamma)
    _look_out_rows(
        active,
        status,
        side,
        w.mode,
        w.flown_from_outside,
        w.pilot_dead,
        w.spinning,
        LOOKAHEAD_S,
        state,
        w.max_g,
        w.stall_speed_mps,
        w.cmd_heading_rad,
        ground,
        w.cmd_gamma_rad,
        w.cmd_throttle,
    )
    return 0


def _look_out(world: World, active: B) -> None:
    """The LGFs out of the ship look `LOOKAHEAD_S` ahead for the ground (`_out_of_the_ship`,
    `steering.avoid_terrain`): in one compiled call (`_look_out_rows`), or, in a World of thousands,
    spread over threads (a cached compiled function cannot call a threaded one)."""
    if threads.in_parallel(world.n):
        rows = _out_of_the_ship(
            active, world.status, world.side, world.mode, world.flown_from_outside, world.pilot_dead, world.spinning
        )
        avoid_terrain(world, rows, np.full(len(rows), LOOKAHEAD_S))
        return
    _look_out_rows(*_look_out_args(world, active))


def _look_out_args(world: World, active: B) -> tuple[Any, ...]:
    """What `_look_out_rows` takes, in its order."""
    return (
        active,
        world.status,
        world.side,
        world.mode,
        world.flown_from_outside,
        world.pilot_dead,
        world.spinning,
        LOOKAHEAD_S,
        world.flight_state(),
        world.max_g,
        world.stall_speed_mps,
        world.cmd_heading_rad,
        world.theatre.ground,
        world.cmd_gamma_rad,
        world.cmd_throttle,
    )


_pull_up_in_turn = pull_up.in_turn  # as a compiled function calls it, by name


@numba.njit(cache=True, error_model="numpy")
def _look_out_rows(
    active: B,
    status: NDArray[np.int8],
    side: NDArray[np.int8],
    mode: NDArray[np.int8],
    flown_from_outside: B,
    pilot_dead: B,
    spinning: B,
    lookahead_s: float,
    state: FlightState,
    max_g: F64,
    stall_speed: F64,
    cmd_heading: F64,
    ground: Ground,
    cmd_gamma: F64,
    cmd_throttle: F64,
) -> None:
    """`_out_of_the_ship`, then each of them looks `lookahead_s` ahead (`steering._pull_up_rows`)."""
    rows = _out_of_the_ship(active, status, side, mode, flown_from_outside, pilot_dead, spinning)
    lookahead = np.full(len(rows), lookahead_s)
    _pull_up_in_turn(rows, lookahead, state, max_g, stall_speed, cmd_heading, ground, cmd_gamma, cmd_throttle)


def _decide_rows(
    w: WorldArrays,
    active: B,
    nearest_enemy: I64,
    nearest_range_m: F64,
    nearest_prey: I64,
    energy_range_m: F64,
    energy_cone_rad: F64,
    sx: float,
    sy: float,
    sz: float,
    hx: float,
    hy: float,
    doors: int,
    first_door_slot: int,
    units: int,
    ground_x: F64,
    ground_y: F64,
    ground_lost: B,
    fight_back_m: float,
) -> int:
    """Each LGF in the air, in order of the rules: those whose emitters are spent go home to rearm (and
    dock at their door); an LGF sent against the front flies a racetrack over its unit (in high, a diving
    run from a few kilometres out, firing once the unit is in reach, then out and up to turn in again)
    unless a pilot comes within `fight_back_m`, whom it then fights within STRIKE_LEASH_M of its unit,
    and with its unit gone it goes home; force-down LGFs close around a struggling pilot within the leash, one above
    and one on each side; the rest go for the pilot sensing chose for them, coming in behind her from
    far off and leading her close in, firing when she is in reach (an LGF not already close on a pilot of
    its own hunts a caller the ship heard lately, if she is within its sight); those with nobody in
    reach circle the ship. The swarm's LGFs from the doors go home while it is recalled (its time of
    commitment is then inf; not the patrols, nor those sent against the front), and turn back out if it is
    committed again before they are in. Beyond the way home, an LGF the step's command hook flies is
    passed by (`doctrine.outside`). Each LGF writes only its own row (`docked` marks those that docked
    this tick, and the kernel returns how many did)."""
    status = w.status
    side = w.side
    mode = w.mode
    bursts_left = w.bursts_left
    slot = w.slot
    force_down_role = w.force_down_role
    x = w.x_m
    y = w.y_m
    z = w.z_m
    heading = w.heading_rad
    sin_heading = w.sin_heading
    cos_heading = w.cos_heading
    sin_gamma = w.sin_gamma
    cos_gamma = w.cos_gamma
    speed = w.speed_mps
    target = w.target
    battle = w.battle
    time_s = w.time_s
    row_start = w.row_start
    heard_s = w.heard_s
    heard_craft = w.heard_craft
    cmd_heading = w.cmd_heading_rad
    cmd_gamma = w.cmd_gamma_rad
    cmd_throttle = w.cmd_throttle
    trigger = w.trigger
    docked = w.docked
    committed_s = w.committed_s
    strike_at = w.strike_at
    flown_from_outside = w.flown_from_outside
    pilot_dead = w.pilot_dead
    spinning = w.spinning
    docked_count = 0
    for r in numba.prange(len(status)):
        if not active[r] or status[r] != AIRBORNE or side[r] != LGF:
            continue
        trigger[r] = False
        # Spent: home to the door to rearm. Of a swarm recalled: home to the door, to come out again.
        if bursts_left[r] <= 0:
            mode[r] = RETURN
        elif strike_at[r] < 0 and slot[r] >= first_door_slot:
            if not math.isfinite(committed_s[battle[r]]):
                mode[r] = RETURN
            elif mode[r] == RETURN:
                mode[r] = GUARD
        if mode[r] == RETURN:
            door_x, door_y, _ = door_position(slot[r], first_door_slot, doors, sx, sy, hx, hy)
            cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], door_x, door_y, sz, 300.0)
            cmd_throttle[r] = 0.7
            target[r] = -1
            if within_m(door_x - x[r], door_y - y[r], DOCK_RANGE_M):
                status[r] = RETURNED
                speed[r] = 0.0
                docked[r] = True
                docked_count += 1
            continue
        if flown_from_outside[r] and can_be_flown_from_outside(status[r], pilot_dead[r], spinning[r], mode[r]):
            continue  # the step's command hook flies her (`doctrine.outside`)
        u = strike_at[r]
        if u >= 0:
            e, e_range = nearest_enemy[r], nearest_range_m[r]
            gu = battle[r] * units + u
            if ground_lost[gu]:
                mode[r] = RETURN  # the next tick takes it home
                target[r] = -1
                continue
            gx, gy = ground_x[gu], ground_y[gu]
            d = math.hypot(gx - x[r], gy - y[r])
            fight = e >= 0 and e_range < fight_back_m and d < STRIKE_LEASH_M
            if not fight:
                mode[r] = STRIKE
                target[r] = -1
                toward = (sin_heading[r] * (gx - x[r]) + cos_heading[r] * (gy - y[r])) / max(d, 1.0)
                if d > STRIKE_RUN_M:
                    cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], gx, gy, STRIKE_ALTITUDE_M, 1500.0)
                    cmd_throttle[r] = 0.9
                elif toward > STRIKE_RUN_IN_COS:
                    cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], gx, gy, STRIKE_AIM_M, 150.0)
                    cmd_throttle[r] = 0.8
                    # The angle off only counts in range (an arc cosine spared most ticks).
                    range_m = range_to(x[r], y[r], z[r], gx, gy, 0.0)
                    trigger[r] = range_m < energy_range_m[r] and (
                        angle_off_from(
                            x[r],
                            y[r],
                            z[r],
                            sin_heading[r],
                            cos_heading[r],
                            sin_gamma[r],
                            cos_gamma[r],
                            gx,
                            gy,
                            0.0,
                            range_m,
                        )
                        < SNAP_SHOT_FACTOR * energy_cone_rad[r]
                    )
                else:  # off the target: out straight and up, to turn in again from STRIKE_RUN_M
                    cmd_heading[r] = heading[r]
                    cmd_gamma[r] = min(max(math.atan2(STRIKE_ALTITUDE_M - z[r], 1500.0), -0.3), 0.3)
                    cmd_throttle[r] = 0.9
                continue
        else:
            # Force-down: herd a struggling pilot down (and stay with her till she is on the ground).
            prey = nearest_prey[r]
            if force_down_role[r] and prey >= 0 and within_m(x[prey] - sx, y[prey] - sy, LEASH_M):
                mode[r] = HERD
                target[r] = prey
                role = slot[r] % 3
                fx, fy = sin_heading[prey], cos_heading[prey]
                right = 90.0 if role == 1 else (-90.0 if role == 2 else 0.0)
                above = 70.0 if role == 0 else 10.0
                back = 30.0
                lead_m = speed[prey] * 1.0
                px = x[prey] + right * fy - back * fx + fx * lead_m
                py = y[prey] - right * fx - back * fy + fy * lead_m
                cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], px, py, z[prey] + above, 200.0)
                gap = math.hypot(px - x[r], py - y[r])
                cmd_throttle[r] = min(max(0.5 + gap / 600.0, 0.2), 1.1)
                continue
            if mode[r] == HERD:
                mode[r] = GUARD
            # Attack the pilot sensing chose, or a caller the ship heard, if she is within sight and the leash.
            e, e_range = nearest_enemy[r], nearest_range_m[r]
            b = battle[r]
            if heard_craft[b] >= 0 and time_s[b] - heard_s[b] < HEARD_MEMORY_S and e_range > HOMING_M:
                c = row_start[b] + heard_craft[b]
                c_range = math.sqrt((x[c] - x[r]) ** 2 + (y[c] - y[r]) ** 2 + (z[c] - z[r]) ** 2)
                if status[c] == AIRBORNE and c_range < SIGHT_M:
                    e, e_range = c, c_range
            fight = e >= 0 and e_range < SIGHT_M and within_m(x[e] - sx, y[e] - sy, LEASH_M)
        if fight:
            mode[r] = ATTACK
            target[r] = e
            ax, ay, az = lead_from(
                x[r],
                y[r],
                z[r],
                x[e],
                y[e],
                z[e],
                speed[e],
                sin_heading[e],
                cos_heading[e],
                sin_gamma[e],
                cos_gamma[e],
                BULLET_SPEED_MPS,
            )
            # The trigger at the lead point; the angle off only counts in range (an arc cosine spared most ticks).
            range_m = range_to(x[r], y[r], z[r], ax, ay, az)
            trigger[r] = range_m < energy_range_m[r] and (
                angle_off_from(
                    x[r], y[r], z[r], sin_heading[r], cos_heading[r], sin_gamma[r], cos_gamma[r], ax, ay, az, range_m
                )
                < SNAP_SHOT_FACTOR * energy_cone_rad[r]
            )
            if range_m > 1200.0:  # from far off, come in behind her
                ax = x[e] - 600.0 * sin_heading[e]
                ay = y[e] - 600.0 * cos_heading[e]
                az = z[e]
            cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], ax, ay, az, 150.0)
            cmd_throttle[r] = 1.1 if range_m > 500.0 else 0.8
            continue
        # Nobody in reach: guard the ship.
        mode[r] = GUARD
        target[r] = -1
        px, py = orbit_point(x[r], y[r], sx, sy, GUARD_RADIUS_M, True)
        cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], px, py, GUARD_ALTITUDE_M, 1500.0)
        cmd_throttle[r] = 0.6
    return docked_count


_decide = threads.twins(_decide_rows)
_decide_in_turn = _decide.in_turn  # as a compiled function calls it, by name


@numba.njit(cache=True, error_model="numpy")
def _out_of_the_ship(
    active: B,
    status: NDArray[np.int8],
    side: NDArray[np.int8],
    mode: NDArray[np.int8],
    flown_from_outside: B,
    pilot_dead: B,
    spinning: B,
) -> I64:
    """The LGFs of the battles being fought that are in the air, not on their way home, and not flown by
    the step's command hook (`doctrine.outside`): those who look ahead for the ground and the roofs,
    ascending."""
    rows = np.empty(len(status), np.int64)
    count = 0
    for r in range(len(status)):
        if active[r] and status[r] == AIRBORNE and side[r] == LGF and mode[r] != RETURN:
            if flown_from_outside[r] and can_be_flown_from_outside(status[r], pilot_dead[r], spinning[r], mode[r]):
                continue
            rows[count] = r
            count += 1
    return rows[:count]


@numba.njit(cache=True, error_model="numpy")
def _due_at_the_doors(
    active: B,
    side: NDArray[np.int8],
    status: NDArray[np.int8],
    launch_at_s: F64,
    battle: NDArray[np.int32],
    time_s: F64,
) -> I64:
    """The LGFs of the battles being fought still aboard the ship whose time to go out has come, ascending."""
    rows = np.empty(len(status), np.int64)
    count = 0
    for r in range(len(status)):
        if active[r] and side[r] == LGF and status[r] == READY and launch_at_s[r] <= time_s[battle[r]]:
            rows[count] = r
            count += 1
    return rows[:count]


@numba.njit(cache=True, error_model="numpy")
def _intruded(
    active: B,
    status: NDArray[np.int8],
    side: NDArray[np.int8],
    ship_range_m: F64,
    commit_range_m: float,
    committed_s: F64,
    row_start: I64,
    row_stop: I64,
) -> I64:
    """The battles, ascending, whose swarm is not yet committed and where an Air Command craft of a battle
    being fought is in the air inside the commit range."""
    battles = np.empty(len(row_start), np.int64)
    count = 0
    for b in range(len(row_start)):
        if math.isfinite(committed_s[b]):
            continue
        for r in range(row_start[b], row_stop[b]):
            if active[r] and status[r] == AIRBORNE and side[r] == AIR_COMMAND and ship_range_m[r] < commit_range_m:
                battles[count] = b
                count += 1
                break
    return battles[:count]


def _reach_args(world: World, active: B) -> tuple[Any, ...]:
    """What `_out_of_reach` takes, in its order."""
    assert world.ship_xyz is not None
    sx, sy, _ = world.ship_xyz
    enemy = world.plan.enemy
    reach_m = max(LEASH_M, enemy.commit_range_m)
    return (
        active,
        world.status,
        world.side,
        world.x_m,
        world.y_m,
        sx,
        sy,
        reach_m,
        enemy.recall_after_s,
        world.time_s,
        world.committed_s,
        world.in_reach_s,
        world.row_start,
        world.row_stop,
    )


@numba.njit(cache=True, error_model="numpy")
def _out_of_reach(
    active: B,
    status: NDArray[np.int8],
    side: NDArray[np.int8],
    x: F64,
    y: F64,
    sx: float,
    sy: float,
    reach_m: float,
    recall_after_s: float,
    time_s: F64,
    committed_s: F64,
    in_reach_s: F64,
    row_start: I64,
    row_stop: I64,
) -> I64:
    """The battles, ascending, whose swarm is committed and where no Air Command craft in the air has been
    within its reach of the ship (`reach_m`: the leash, or the commit range if that is longer) for
    `recall_after_s` (the scenario's `enemy.recall_after_s`; 0: never) since it was committed: there the swarm
    is to be recalled. Notes in `in_reach_s` when one last was. No LGF fights a pilot beyond its leash, so
    until one comes back a recalled swarm would only have circled the ship."""
    battles = np.empty(len(row_start), np.int64)
    count = 0
    for b in range(len(row_start)):
        lo, hi = row_start[b], row_stop[b]
        if recall_after_s <= 0.0 or not math.isfinite(committed_s[b]) or lo == hi or not active[lo]:
            continue
        for r in range(lo, hi):
            if status[r] == AIRBORNE and side[r] == AIR_COMMAND and within_m(x[r] - sx, y[r] - sy, reach_m):
                in_reach_s[b] = time_s[b]
                break
        if time_s[b] - max(in_reach_s[b], committed_s[b]) > recall_after_s:
            battles[count] = b
            count += 1
    return battles[:count]


def _recall(world: World, active: B) -> None:
    """Swarms with nobody within reach a while (`_out_of_reach`) are recalled: no longer committed, so
    their LGFs go home (`_decide_rows`), and any still aboard and due out stay in."""
    if world.ship_xyz is None:
        return
    for b in _out_of_reach(*_reach_args(world, active)).tolist():
        world.committed_s[b] = np.inf
        rows = np.arange(world.row_start[b], world.row_stop[b])
        doors = (
            (world.side[rows] == LGF) & (world.strike_at[rows] < 0) & (world.slot[rows] >= world.plan.enemy.airborne)
        )
        swarm = rows[doors]
        world.launch_at_s[swarm[world.status[swarm] == int(Status.READY)]] = np.inf
        out = int(np.sum(world.status[swarm] == int(Status.AIRBORNE)))
        emit_battle(world, b, EventKind.SWARM_RECALLED, craft=out)


_NO_GROUND = np.zeros(1)  # what the kernel reads for the front in a scenario without one (never indexed)
_NO_GROUND_LOST = np.zeros(1, dtype=np.bool_)
_NO_FRONT = (_NO_GROUND, _NO_GROUND, _NO_GROUND_LOST)


# One signature, given: called with an int32 slot from a kernel and an int64 one from Python, it would
# otherwise be compiled for each.
@numba.njit(
    "UniTuple(float64, 3)(int64, int64, int64, float64, float64, float64, float64)", cache=True, error_model="numpy"
)
def door_position(
    slot: int, first_door_slot: int, doors: int, sx: float, sy: float, hx: float, hy: float
) -> tuple[float, float, float]:
    """Where the ship's door of an LGF's slot is (just outside the hull, east doors at even numbers,
    spread along the ship's length), and the heading out of it."""
    door = (slot - first_door_slot) % doors
    east = door % 2 == 0
    along = ((door // 2) - (doors - 1) // 4) * (hy / max(1, doors // 2))
    x = sx + hx + DOOR_CLEARANCE_M if east else sx - hx - DOOR_CLEARANCE_M
    heading = math.pi / 2 if east else 3 * math.pi / 2
    return x, sy + along, heading


def _listen(world: World, active: B) -> None:
    """The ship listens (the reason for radio silence): while an Air Command craft within the enemy's
    listen range is transmitting, each second brings a chance (`hear_per_s`) that the ship hears her, and
    the swarm hunts her (`_decide_rows`): LGFs not already close on a pilot of their own go for her."""
    enemy = world.plan.enemy
    if not world.calls or enemy.listen_range_m <= 0 or enemy.hear_per_s <= 0:
        return
    assert world.ship_xyz is not None
    sx, sy, _ = world.ship_xyz
    # Who is on the air within range, and whom the ship hears this tick; then, in row order, what it does.
    calling = np.array(sorted(world.calls), dtype=np.int64)
    on_air = active[calling] & (world.side[calling] == AIR_COMMAND) & (world.status[calling] == int(Status.AIRBORNE))
    calling = calling[on_air]
    calling = calling[np.hypot(world.x_m[calling] - sx, world.y_m[calling] - sy) <= enemy.listen_range_m]
    b = world.battle[calling]
    chance = 1.0 - np.exp(-enemy.hear_per_s * world.dt_s[b])
    heard = uniform(world.row_seed[calling], world.craft[calling], world.tick[b], Purpose.HEARD) < chance
    for row, battle in zip(calling[heard].tolist(), b[heard].tolist(), strict=True):
        fresh = world.time_s[battle] - world.heard_s[battle] >= HEARD_MEMORY_S
        if world.heard_craft[battle] != world.craft[row] or fresh:
            distance = math.hypot(float(world.x_m[row]) - sx, float(world.y_m[row]) - sy)
            emit(world, row, EventKind.HEARD, range_m=distance)
        world.heard_s[battle] = world.time_s[battle]
        world.heard_craft[battle] = world.craft[row]


def _commit(world: World, active: B, picture: Picture) -> None:
    """Intruders inside the commit range: the doors open and the swarm comes out."""
    assert world.ship_xyz is not None
    enemy = world.plan.enemy
    ship = world.scenario.catalog.ships[enemy.ship] if enemy.ship else None
    if ship is None:
        return
    battles = _intruded(
        active,
        world.status,
        world.side,
        picture.ship_range_m,
        enemy.commit_range_m,
        world.committed_s,
        world.row_start,
        world.row_stop,
    )
    for b in battles.tolist():
        now = float(world.time_s[b])
        world.committed_s[b] = now
        rows = np.arange(world.row_start[b], world.row_stop[b])
        held = rows[(world.side[rows] == LGF) & (world.status[rows] == int(Status.READY)) & (world.strike_at[rows] < 0)]
        k = np.arange(len(held))
        world.launch_at_s[held] = now + (k // ship.doors) / ship.launch_per_door_per_s
        for door in range(ship.doors):
            emit_battle(world, b, EventKind.SWARM_LAUNCH, door=door, craft=int(np.sum(k % ship.doors == door)))


def _launch_from_doors(world: World, active: B) -> None:
    due = _due_at_the_doors(active, world.side, world.status, world.launch_at_s, world.battle, world.time_s)
    if not len(due):
        return
    assert world.ship_xyz is not None
    sx, sy, sz = world.ship_xyz
    hx, hy, _ = world.ship_half_m
    enemy = world.plan.enemy
    doors = world.scenario.catalog.ships[enemy.ship].doors if enemy.ship else 1
    placed = np.array([door_position(int(s), enemy.airborne, doors, sx, sy, hx, hy) for s in world.slot[due]])
    x, y, heading = placed[:, 0], placed[:, 1], placed[:, 2]
    put_in_air(world, due, x, y, np.full(len(due), sz), heading, 0.8 * world.cruise_speed_mps[due], base="mother-ship")
    world.mode[due] = np.where(world.strike_at[due] >= 0, int(Mode.STRIKE), int(Mode.GUARD))
    world.sorties[due] += 1


def _rearm(world: World, rows: I64) -> None:
    """LGFs back from the front are rearmed aboard (`waves.rearm_s`) and go out again, for as long as
    something of the front still stands; a smoking one is made good meanwhile."""
    waves, front = world.plan.enemy.waves, world.front
    if not len(rows) or waves is None or front is None:
        return
    standing = ~np.all(front.lost.reshape(world.n_battles, front.g), axis=1)
    rows = rows[standing[world.battle[rows]]]
    full = np.array([t.energy_weapon.bursts_before_rearm if t.energy_weapon else 0 for t in world.types])
    world.status[rows] = Status.READY
    world.launch_at_s[rows] = world.time_s[world.battle[rows]] + waves.rearm_s
    world.bursts_left[rows] = full[world.type_index[rows]]
    world.heat_s[rows] = 0.0
    world.overheated[rows] = False
    world.health[rows] = 1.0
    world.smoking[rows] = False
    world.mode[rows] = Mode.WAITING
