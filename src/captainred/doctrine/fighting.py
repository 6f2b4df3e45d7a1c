"""Air Command's pilots in the fight, compiled: pursuing an LGF with lead and firing when the sight is on,
covering a squadron mate out, and flying the photo passes. `air_command.py` calls `fight` among its
flying rules, after the formation and before the flight home; each pilot follows the rule of her mode.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.doctrine.formation import flight_sides, keep_station_row
from captainred.doctrine.modes import Mode
from captainred.doctrine.piloting import FuelRules, bingo_of, fuel_rules, fuel_state
from captainred.doctrine.steering import aim, orbit_point
from captainred.engine import threads
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.kinematics import cruise_setting
from captainred.engine.sensing import Picture, range_and_angle_off, within_m
from captainred.engine.weapons import BULLET_SPEED_MPS, SNAP_SHOT_FACTOR, Armoury, lead
from captainred.engine.world import F64, I8, I32, I64, B, Status, World, constant

ENGAGE, PHOTO, RETURN, COVER = int(Mode.ENGAGE), int(Mode.PHOTO), int(Mode.RETURN), int(Mode.COVER)
AIRBORNE = int(Status.AIRBORNE)
COVER_RADIUS_M = 5000.0  # a pilot with nothing to fight circles the mission's point this far out
IDLE_ALTITUDE_M = 2500.0
PHOTO_ALTITUDE_M = 900.0
PHOTO_SNAP_RANGE_M = 700.0  # a photo pilot shoots at an LGF this close that wanders into her sights
PHOTO_SNAP_CONE_RAD = math.radians(4.0)
COVER_THREAT_M = 3000.0  # an LGF this close behind a pilot going home is one her cover goes for
COVER_OUT_M = 25000.0  # a pilot this far from the target is out of the fight: her cover goes back to it


def fight(world: World, up: I64, picture: Picture, armoury: Armoury, centre: F64) -> None:
    """Every pilot of `up` who is fighting, covering a mate out or taking pictures flies and fires by her
    mode's rule (`_fight_rows`); `centre` is each battle's fleet, the point a patrol's mission is."""
    keep_range_m, sight_range_m, photo_orbit_m, has_target, target_x, target_y = fight_rules(world)
    spec = armoury.spec
    fight_kernel(
        world.n,  # threads by the World's size (`engine.threads`)
        np.ascontiguousarray(up, dtype=np.int64),
        keep_range_m,
        sight_range_m,
        photo_orbit_m,
        has_target,
        target_x,
        target_y,
        centre,
        picture.nearest_enemy,
        picture.nearest_range_m,
        picture.tail_threat,
        picture.tail_range_m,
        spec["cannon_range"],
        spec["cannon_cone"],
        spec["rocket_min"],
        spec["rocket_max"],
        spec["rocket_cone"],
        flight_sides(world),
        world.squadrons_per_battle,
        world.mode,
        world.status,
        world.battle,
        world.squadron,
        world.slot,
        world.covering,
        world.rounds,
        world.rockets,
        world.smoking,
        world.x_m,
        world.y_m,
        world.z_m,
        world.speed_mps,
        world.heading_rad,
        world.gamma_rad,
        world.cruise_speed_mps,
        world.max_speed_mps,
        world.target,
        world.cmd_heading_rad,
        world.cmd_gamma_rad,
        world.cmd_throttle,
        world.trigger,
        world.fire_rockets,
    )


FightRules = tuple[float, float, float, bool, float, float]


@constant
def fight_rules(world: World) -> FightRules:
    """What `_fight_rows` takes of the scenario: the range a fighter keeps to the target (1.5 engage
    ranges) and sees enemies at (2), the radius of the photo orbit (0.7 of the photo range), and the
    mission's target (whether there is one, x, y)."""
    mission, doctrine = world.plan.mission, world.plan.doctrine
    target = mission.target_m
    return (
        1.5 * doctrine.engage_range_m,
        2 * doctrine.engage_range_m,
        0.7 * mission.photo_range_m,
        target is not None,
        float(target[0]) if target is not None else 0.0,
        float(target[1]) if target is not None else 0.0,
    )


@numba.njit(cache=True, error_model="numpy")
def _pursue_row(
    r: int,
    t: int,
    cannon_range: F64,
    cannon_cone: F64,
    rocket_min: F64,
    rocket_max: F64,
    rocket_cone: F64,
    rounds: F64,
    rockets: I32,
    smoking: B,
    x: F64,
    y: F64,
    z: F64,
    speed: F64,
    heading: F64,
    gamma: F64,
    cmd_heading: F64,
    cmd_gamma: F64,
    cmd_throttle: F64,
    trigger: B,
    fire_rockets: B,
) -> None:
    """Lead pursuit of row t by row r: point at where the target will be (`lead`), close to about 350 m,
    thumb the cannon when the sight is on (within the snap-shot cone and range, with rounds left), and
    loose rockets at one not yet smoking, within their range and cone."""
    ax, ay, az = lead(x[r], y[r], z[r], x[t], y[t], z[t], speed[t], heading[t], gamma[t], BULLET_SPEED_MPS)
    cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], ax, ay, az, 150.0)
    range_m, off = range_and_angle_off(x[r], y[r], z[r], heading[r], gamma[r], ax, ay, az)
    cmd_throttle[r] = min(max(0.55 + (range_m - 350.0) / 700.0, 0.3), 1.12)
    trigger[r] = range_m < cannon_range[r] and off < SNAP_SHOT_FACTOR * cannon_cone[r] and rounds[r] >= 1.0
    fire_rockets[r] = (
        rockets[r] > 0
        and range_m > rocket_min[r]
        and range_m < 0.85 * rocket_max[r]
        and off < rocket_cone[r]
        and not smoking[t]
    )


def _fight_rows(
    up: I64,
    keep_range_m: float,
    sight_range_m: float,
    photo_orbit_m: float,
    has_target: bool,
    target_x: float,
    target_y: float,
    fleet_centre: F64,
    nearest_enemy: I64,
    nearest_range_m: F64,
    tail_threat: I64,
    tail_range_m: F64,
    cannon_range: F64,
    cannon_cone: F64,
    rocket_min: F64,
    rocket_max: F64,
    rocket_cone: F64,
    sides: F64,
    squadrons_per_battle: int,
    mode: I8,
    status: I8,
    battle: I32,
    squadron: I32,
    slot: I32,
    covering: I64,
    rounds: F64,
    rockets: I32,
    smoking: B,
    x: F64,
    y: F64,
    z: F64,
    speed: F64,
    heading: F64,
    gamma: F64,
    cruise_speed: F64,
    max_speed: F64,
    target: I64,
    cmd_heading: F64,
    cmd_gamma: F64,
    cmd_throttle: F64,
    trigger: B,
    fire_rockets: NDArray[np.bool_],
) -> None:
    """By mode:

    - fighting: she keeps her target while it flies within `keep_range_m`, else takes the nearest LGF in
      sight (`sight_range_m`), and pursues it (`_pursue_row`); with none she circles the mission's point
      (its target, or the fleet) at `COVER_RADIUS_M`, at the cruise setting;
    - covering a mate out: she goes for the LGF on her mate's tail within `COVER_THREAT_M`, and with none
      there keeps station on her, a little behind and to the side;
    - taking pictures: she circles the target at `photo_orbit_m` (clockwise from an even slot) a little
      above the cruise setting, and still shoots at an LGF that wanders into her sights close by.

    Each pilot writes only her own row."""
    for k in numba.prange(len(up)):
        r = up[k]
        m = mode[r]
        if m == ENGAGE:
            current = target[r]
            keep = False
            if current >= 0:
                apart = math.hypot(x[current] - x[r], y[current] - y[r])
                keep = status[current] == AIRBORNE and apart < keep_range_m
            if not keep:
                target[r] = nearest_enemy[r] if nearest_range_m[r] < sight_range_m else -1
            t = target[r]
            if t >= 0:
                _pursue_row(
                    r, t, cannon_range, cannon_cone, rocket_min, rocket_max, rocket_cone, rounds, rockets, smoking,
                    x, y, z, speed, heading, gamma, cmd_heading, cmd_gamma, cmd_throttle, trigger, fire_rockets,
                )  # fmt: skip
            else:
                b = battle[r]
                tx, ty = (target_x, target_y) if has_target else (fleet_centre[b, 0], fleet_centre[b, 1])
                px, py = orbit_point(x[r], y[r], tx, ty, COVER_RADIUS_M, True)
                cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], px, py, IDLE_ALTITUDE_M, 1500.0)
                cmd_throttle[r] = cruise_setting(cruise_speed[r], max_speed[r])
        elif m == COVER:
            charge = covering[r]
            threat = tail_threat[charge]
            if threat >= 0 and tail_range_m[charge] < COVER_THREAT_M:
                target[r] = threat
                _pursue_row(
                    r, threat, cannon_range, cannon_cone, rocket_min, rocket_max, rocket_cone, rounds, rockets,
                    smoking, x, y, z, speed, heading, gamma, cmd_heading, cmd_gamma, cmd_throttle, trigger,
                    fire_rockets,
                )  # fmt: skip
            else:
                target[r] = -1
                side = sides[squadron[r] % squadrons_per_battle]
                keep_station_row(
                    r, charge, side, 1.5, 2.0, x, y, z, speed, heading, cruise_speed, max_speed, cmd_heading,
                    cmd_gamma, cmd_throttle,
                )  # fmt: skip
        elif m == PHOTO:
            b = battle[r]
            tx, ty = (target_x, target_y) if has_target else (fleet_centre[b, 0], fleet_centre[b, 1])
            px, py = orbit_point(x[r], y[r], tx, ty, photo_orbit_m, slot[r] % 2 == 0)
            cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], px, py, PHOTO_ALTITUDE_M, 1500.0)
            cmd_throttle[r] = cruise_setting(cruise_speed[r], max_speed[r]) * 1.1
            e = nearest_enemy[r]
            if e >= 0 and nearest_range_m[r] < PHOTO_SNAP_RANGE_M:
                ax, ay, az = lead(x[r], y[r], z[r], x[e], y[e], z[e], speed[e], heading[e], gamma[e], BULLET_SPEED_MPS)
                _, off = range_and_angle_off(x[r], y[r], z[r], heading[r], gamma[r], ax, ay, az)
                target[r] = e
                trigger[r] = off < PHOTO_SNAP_CONE_RAD and rounds[r] >= 1.0


fight_kernel = threads.twins(_fight_rows)


def cover_out(world: World, up: I64, tail_threat: I64, tail_range_m: F64, centre: F64) -> tuple[I64, I64]:
    """Covers who are done go back to the fight, and pilots going home with an LGF on their tail get
    squadron mates to cover them out (`_cover_out_rows`). Returns the new (cover, pilot covered) pairs, in
    the order they were made, for the caller's calls."""
    doctrine, target = world.plan.doctrine, world.plan.mission.target_m
    rows = np.ascontiguousarray(up, dtype=np.int64)
    covers = np.empty(len(rows), dtype=np.int64)
    charges = np.empty(len(rows), dtype=np.int64)
    n = _cover_out_rows(
        rows,
        world.n_battles * world.squadrons_per_battle,
        int(doctrine.cover_wingmen),
        float(doctrine.joker_fuel_kg),
        target is not None,
        float(target[0]) if target is not None else 0.0,
        float(target[1]) if target is not None else 0.0,
        centre,
        tail_threat,
        tail_range_m,
        fuel_rules(world),
        arrays_of(world),
        covers,
        charges,
    )
    return covers[:n], charges[:n]


# One signature, given: a count that Numba can prove is 0 at one call is typed as that constant, and the
# search would be compiled again for it.
@numba.njit("int64(int64[::1], int64, int64)", cache=True, error_model="numpy")
def _place_in(ascending: I64, n: int, row: int) -> int:
    """Where `row` is in `ascending[:n]` (rows in ascending order, each once), or -1: a binary search."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if ascending[mid] < row:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < n and ascending[lo] == row else -1


@numba.njit(cache=True, error_model="numpy")
def _cover_out_rows(
    up: I64,
    n_squadrons: int,
    cover_wingmen: int,
    joker_fuel_kg: float,
    has_target: bool,
    target_x: float,
    target_y: float,
    fleet_centre: F64,
    tail_threat: I64,
    tail_range_m: F64,
    rules: FuelRules,
    w: WorldArrays,
    covers: I64,
    charges: I64,
) -> int:
    """Buffy and a wingman cover Captain Red out. A cover goes back to the fight once her charge is down,
    no longer going home, or out of it (`COVER_OUT_M` from the mission's point). Then each pilot going
    home with an LGF within `COVER_THREAT_M` on her tail, still in the fight, gets up to `cover_wingmen`
    squadron mates (counting those she has): the nearest first of those fighting with guns or rockets
    left and fuel above joker (unless fuel does not limit them), each covering one pilot at most.
    Writes the new pairs in `covers` and `charges`; returns how many."""
    fuel = fuel_state(w)
    x, y, battle, fuel_limited, fuel_kg = w.x_m, w.y_m, w.battle, w.fuel_limited, w.fuel_kg
    mode, mode_since_s, time_s, status, squadron = w.mode, w.mode_since_s, w.time_s, w.status, w.squadron
    rounds, rockets, covering = w.rounds, w.rockets, w.covering
    for k in range(len(up)):
        r = up[k]
        if mode[r] != COVER:
            continue
        charge = covering[r]
        b = battle[r]
        tx, ty = (target_x, target_y) if has_target else (fleet_centre[b, 0], fleet_centre[b, 1])
        out_of_it = math.hypot(x[charge] - tx, y[charge] - ty) > COVER_OUT_M
        if status[charge] != AIRBORNE or mode[charge] != RETURN or out_of_it:
            mode[r] = ENGAGE
            mode_since_s[r] = time_s[b]
            covering[r] = -1
    if cover_wingmen <= 0:
        return 0
    # Pilots going home with an LGF close on their tail, still in the fight.
    chased = np.empty(len(up), dtype=np.int64)
    n_chased = 0
    for k in range(len(up)):
        r = up[k]
        if mode[r] != RETURN or tail_threat[r] < 0 or not tail_range_m[r] < COVER_THREAT_M:
            continue
        b = battle[r]
        tx, ty = (target_x, target_y) if has_target else (fleet_centre[b, 0], fleet_centre[b, 1])
        if within_m(x[r] - tx, y[r] - ty, COVER_OUT_M):
            chased[n_chased] = r
            n_chased += 1
    if n_chased == 0:
        return 0
    # What each of them already has: the covers that stay, each counted to the chased pilot she covers.
    have = np.zeros(n_chased, dtype=np.int64)
    for k in range(len(up)):
        if mode[up[k]] == COVER:
            c = _place_in(chased, n_chased, covering[up[k]])
            if c >= 0:
                have[c] += 1
    # Who is free to give cover (fighting, armed, fuelled above joker where fuel limits her), chained by
    # squadron in ascending rows: `first[squadron]`, then `after[k]`.
    free = np.zeros(len(up), dtype=np.bool_)
    first = np.full(n_squadrons, -1, dtype=np.int64)
    after = np.full(len(up), -1, dtype=np.int64)
    for k in range(len(up) - 1, -1, -1):
        r = up[k]
        if mode[r] != ENGAGE or not (rounds[r] >= 1.0 or rockets[r] > 0):
            continue
        if fuel_limited[r]:
            bingo = bingo_of(r, rules, fuel)
            if not fuel_kg[r] > bingo + joker_fuel_kg:
                continue
        free[k] = True
        after[k] = first[squadron[r]]
        first[squadron[r]] = k
    n = 0
    for c in range(n_chased):
        r = chased[c]
        for _ in range(cover_wingmen - have[c]):
            nearest, nearest_m = -1, math.inf
            j = first[squadron[r]]
            while j >= 0:
                if free[j]:
                    mate = up[j]
                    apart = math.hypot(x[mate] - x[r], y[mate] - y[r])
                    if apart < nearest_m:
                        nearest, nearest_m = j, apart
                j = after[j]
            if nearest < 0:
                break
            mate = up[nearest]
            free[nearest] = False
            covering[mate] = r
            mode[mate] = COVER
            mode_since_s[mate] = time_s[battle[mate]]
            covers[n] = mate
            charges[n] = r
            n += 1
    return n
