"""Air Command's rules for each pilot, compiled: when she must turn for home, when her aircraft is in
trouble, and how she flies home. `air_command.py` calls them in the order of its rules and keeps what
needs Python (events and radio calls) for the few pilots a kernel marks.

Each kernel loops over the pilots in the air (rows ascending) and writes only each pilot's own row; the
arithmetic is that of the NumPy rules it replaced, in the same order, so a battle's events are the same.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from captainred.doctrine.modes import Mode
from captainred.doctrine.steering import aim, orbit_point
from captainred.engine import threads
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.kinematics import (
    ENGINE_PORT,
    ENGINE_STARBOARD,
    RUDDER,
    TAIL,
    WING_PORT,
    WING_STARBOARD,
    _burn_rate,
    cruise_setting,
    power_of,
)
from captainred.engine.world import F64, I8, I32, I64, B, Flag, World, constant

CRIPPLED, RETURN = int(Mode.CRIPPLED), int(Mode.RETURN)
# The doctrine's fuel figures: a fixed bingo (NaN: computed), the reserve, a photo pilot's reserve (NaN:
# none) and the pictures wanted (`fuel_rules`).
FuelRules = tuple[float, float, float, int]
# The arrays the bingo rule reads (`fuel_state`): x, y, battle, home carrier, the carriers' positions, top
# and cruise speed, health, engines, whether fuel limits her, fuel, burn rates, camera, photos taken.
FuelState = tuple[F64, F64, I32, I32, F64, F64, F64, F64, F64, B, F64, F64, B, I32]
OUT_ON_THE_MISSION = tuple(int(m) for m in (Mode.TRANSIT, Mode.ENGAGE, Mode.PHOTO, Mode.COVER))
MAYDAY = int(Flag.MAYDAY)
APPROACH_ALTITUDE_M = 250.0
GAP_LEAD_M = 1500.0  # steering along the gap's line: aim this far further along it
HOME_LOW_M = 1200.0  # a damaged aircraft comes home this low; everyone is this low within 40 km
FINAL_ORBIT_M = 6000.0  # within this of her deck a pilot circles it, waiting her turn

# Why a pilot turns for home (`going_home`), in the order a pilot names them.
HOME_FUEL, HOME_AMMUNITION, HOME_DAMAGE, HOME_PHOTOS, HOME_TIME = 1, 2, 3, 4, 5


@numba.njit(cache=True, error_model="numpy")
def bingo_kg(
    distance_m: float,
    max_speed_mps: float,
    cruise_speed_mps: float,
    power: float,
    burn_idle: float,
    burn_cruise: float,
    burn_full: float,
    burn_redline: float,
    port: float,
    starboard: float,
    two_engines: bool,
    reserve_kg: float,
) -> float:
    """Fuel at which a pilot must turn for home: the trip home at the cruise setting with a fifth more,
    and the reserve. At the cruise setting a damaged aircraft flies slower (level speed goes as the root
    of thrust)."""
    throttle = cruise_setting(cruise_speed_mps, max_speed_mps)
    speed = max_speed_mps * math.sqrt(throttle * max(power, 0.05))
    burn = _burn_rate(throttle, burn_idle, burn_cruise, burn_full, burn_redline, throttle, port, starboard, two_engines)
    trip = distance_m / speed * burn
    return 1.2 * trip + reserve_kg


@numba.njit(cache=True, error_model="numpy")
def bingo_of(r: int, rules: FuelRules, fuel: FuelState) -> float:
    """`bingo_kg` of row r: home is her carrier; a photo pilot still short of her pictures keeps her own
    reserve (NaN: none); a scenario's fixed figure (not NaN) replaces the computed one.
    `rules` and `fuel` as `fuel_rules` and `fuel_state` give them."""
    fixed_bingo_kg, reserve_kg, photo_reserve_kg, photos_wanted = rules
    (
        x,
        y,
        battle,
        home_carrier,
        carrier_xy,
        max_speed,
        cruise_speed,
        health,
        engines,
        fuel_limited,
        fuel_kg,
        burn,
        camera,
        photos,
    ) = fuel
    # Every number first, in one straight run, so that the compiled code's counts of references on the
    # arrays cancel out (a branch between a read and the end leaves them counted at every call).
    b, c = battle[r], home_carrier[r]
    home_x, home_y = carrier_xy[b, c, 0], carrier_xy[b, c, 1]
    at_x, at_y = x[r], y[r]
    limited, left_kg = fuel_limited[r], fuel_kg[r]
    port, starboard, engine_count = health[r, ENGINE_PORT], health[r, ENGINE_STARBOARD], engines[r]
    has_camera, taken = camera[r], photos[r]
    top_speed, cruise_speed_r = max_speed[r], cruise_speed[r]
    idle, cruise, full, redline = burn[r, 0], burn[r, 1], burn[r, 2], burn[r, 3]
    if not math.isnan(fixed_bingo_kg):
        return fixed_bingo_kg
    distance = math.hypot(at_x - home_x, at_y - home_y)
    power = power_of(port, starboard, engine_count, limited and left_kg <= 0.0)
    reserve = reserve_kg
    if not math.isnan(photo_reserve_kg) and has_camera and taken < photos_wanted:
        reserve = photo_reserve_kg
    return bingo_kg(
        distance,
        top_speed,
        cruise_speed_r,
        power,
        idle,
        cruise,
        full,
        redline,
        port,
        starboard,
        engine_count >= 2,
        reserve,
    )


def bingo_fuel_kg(world: World, rows: I64) -> F64:
    """Fuel at which each of `rows` must turn for home (`bingo_kg`; the doctrine's reserves, or its fixed
    bingo_fuel_kg, which a sweep may vary)."""
    out = np.empty(len(rows))
    _bingos(np.ascontiguousarray(rows, dtype=np.int64), fuel_rules(world), arrays_of(world), out)
    return out


@numba.njit(cache=True, error_model="numpy")
def fuel_state(w: WorldArrays) -> FuelState:
    """The arrays the bingo rule reads, in `FuelState`'s order."""
    return (
        w.x_m,
        w.y_m,
        w.battle,
        w.home_carrier,
        w.carrier_xy,
        w.max_speed_mps,
        w.cruise_speed_mps,
        w.health,
        w.engines,
        w.fuel_limited,
        w.fuel_kg,
        w.burn_kg_s,
        w.camera,
        w.photos,
    )


@constant
def fuel_rules(world: World) -> FuelRules:
    """The doctrine's fuel figures, in `FuelRules`' order."""
    doctrine = world.plan.doctrine
    fixed = math.nan if doctrine.bingo_fuel_kg is None else float(doctrine.bingo_fuel_kg)
    photo = math.nan if doctrine.photo_reserve_fuel_kg is None else float(doctrine.photo_reserve_fuel_kg)
    return fixed, float(doctrine.reserve_fuel_kg), photo, int(world.plan.mission.photos_wanted)


@numba.njit(cache=True, error_model="numpy")
def _bingos(rows: I64, rules: FuelRules, w: WorldArrays, out: F64) -> None:
    fuel = fuel_state(w)
    for k in range(len(rows)):
        out[k] = bingo_of(rows[k], rules, fuel)


@constant
def break_off_rules(world: World) -> tuple[float, float, float, bool, bool, bool, bool, bool]:
    """What `_going_home_rows` takes of the scenario: the doctrine's engage range and joker fuel, the
    mission's time over the target, and which of its `break_off` rules hold (fuel, ammunition, photos,
    time, damage)."""
    doctrine, mission = world.plan.doctrine, world.plan.mission
    rules = set(mission.break_off)
    return (
        float(doctrine.engage_range_m),
        float(doctrine.joker_fuel_kg),
        float(mission.time_over_target_s),
        "fuel" in rules,
        "ammunition" in rules,
        "photos" in rules,
        "time" in rules,
        "damage" in rules,
    )


def going_home(world: World, up: I64, nearest_range_m: F64) -> tuple[I64, I64]:
    """Which pilots of `up` out on the mission (in transit, fighting, taking pictures or covering) must
    turn for home now, and why (`HOME_*`), under the mission's `break_off` rules (`_going_home_rows`)."""
    engage_range_m, joker_fuel_kg, time_over_target_s, fuel, ammunition, photos, time, damage = break_off_rules(world)
    rows = np.ascontiguousarray(up, dtype=np.int64)
    reasons = np.empty(len(rows), dtype=np.int64)
    _going_home(
        world.n,  # each pilot's rules cost a flight step or more: threads by the World's size (`engine.threads`)
        rows,
        nearest_range_m,
        engage_range_m,
        joker_fuel_kg,
        time_over_target_s,
        fuel,
        ammunition,
        photos,
        time,
        damage,
        fuel_rules(world),
        world.types_cannon,
        arrays_of(world),
        reasons,
    )
    turning = np.flatnonzero(reasons)
    return rows[turning], reasons[turning]


def _going_home_rows(
    rows: I64,
    nearest_range_m: F64,
    engage_range_m: float,
    joker_fuel_kg: float,
    time_over_target_s: float,
    on_fuel: bool,
    on_ammunition: bool,
    on_photos: bool,
    on_time: bool,
    on_damage: bool,
    rules: FuelRules,
    types_cannon: B,
    w: WorldArrays,
    reasons: I64,
) -> None:
    """What sends a pilot home, each where the mission's rules name it, the first that applies giving
        the reason: bingo fuel (in a fight, joker fuel above it: the way out of a fight is paid for at full
        throttle), guns and rockets empty, her pictures taken, damage (an engine out, the tail or rudder or
        a wing half gone, wounded, or a bad leak), time over the target (from her squadron's contact, or a
        relay's coming on station). Writes each pilot's reason in her slot of `reasons` (0: she flies on). Each
    pilot writes only her own slot, so a World of thousands spreads them over threads."""
    photos_wanted = rules[3]
    fuel = fuel_state(w)
    battle = w.battle
    health = w.health
    fuel_limited = w.fuel_limited
    fuel_kg = w.fuel_kg
    camera = w.camera
    photos = w.photos
    type_index = w.type_index
    rounds = w.rounds
    rockets = w.rockets
    sorties = w.sorties
    on_station_s = w.on_station_s
    contact_s = w.contact_s
    squadron = w.squadron
    time_s = w.time_s
    wounded = w.wounded
    leak_kg_s = w.leak_kg_s
    mode = w.mode
    for k in numba.prange(len(rows)):
        r = rows[k]
        reasons[k] = 0
        if mode[r] not in OUT_ON_THE_MISSION:
            continue
        home_for = 0
        if on_fuel and fuel_limited[r]:
            joker = joker_fuel_kg if nearest_range_m[r] < engage_range_m else 0.0
            bingo = bingo_of(r, rules, fuel)
            if fuel_kg[r] <= bingo + joker:
                home_for = HOME_FUEL
        if home_for == 0 and on_ammunition and types_cannon[type_index[r]] and rounds[r] < 1.0 and rockets[r] == 0:
            home_for = HOME_AMMUNITION
        if (
            home_for == 0
            and on_damage
            and (
                health[r, ENGINE_PORT] <= 0
                or health[r, ENGINE_STARBOARD] <= 0
                or health[r, TAIL] < 0.5
                or health[r, RUDDER] < 0.5
                or min(health[r, WING_PORT], health[r, WING_STARBOARD]) < 0.5
                or wounded[r]
                or leak_kg_s[r] > 0.4
            )
        ):
            home_for = HOME_DAMAGE
        if home_for == 0 and on_photos and camera[r] and photos[r] >= photos_wanted:
            home_for = HOME_PHOTOS
        if home_for == 0 and on_time:
            since = on_station_s[r] if sorties[r] > 1 else contact_s[squadron[r]]
            if time_s[battle[r]] - since > time_over_target_s:
                home_for = HOME_TIME
        reasons[k] = home_for


_going_home = threads.twins(_going_home_rows)


@numba.njit(cache=True, error_model="numpy")
def trouble_rows(
    rows: I64,
    health: F64,
    engines: F64,
    fuel_limited: B,
    fuel_kg: F64,
    mode: I8,
    mode_since_s: F64,
    time_s: F64,
    battle: I32,
    flags: I32,
    wounded: B,
    leak_kg_s: F64,
    marked: I64,
) -> int:
    """Of `rows` (Air Command's pilots in the air): an aircraft that cannot fly (no power: both engines
    gone, or dry tanks) comes down (`Mode.CRIPPLED`) from now on.
    Serious trouble, worth a mayday once: an engine out, crippled, wounded, the tail or rudder half gone,
    a bad leak. Marks those not yet called in `marked`; returns how many."""
    n = 0
    for k in range(len(rows)):
        r = rows[k]
        port, starboard = health[r, ENGINE_PORT], health[r, ENGINE_STARBOARD]
        dry = fuel_limited[r] and fuel_kg[r] <= 0.0
        if power_of(port, starboard, engines[r], dry) <= 0.0 and mode[r] != CRIPPLED:
            mode[r] = CRIPPLED
            mode_since_s[r] = time_s[battle[r]]
        serious = (
            port <= 0
            or starboard <= 0
            or mode[r] == CRIPPLED
            or wounded[r]
            or health[r, TAIL] < 0.5
            or health[r, RUDDER] < 0.5
            or leak_kg_s[r] > 0.4
        )
        if serious and not flags[r] & MAYDAY > 0:
            marked[n] = r
            n += 1
    return n


def fly_home(world: World, up: I64, centre: F64, gap_bearing: F64) -> None:
    """Every pilot of `up` going home flies there (`_fly_home_rows`); the fleet's centre, which is the
    net's, and the bearing on which the net parts are given per battle."""
    cruise_altitude_m, n_carriers, has_camp, camp_x, camp_y, net_radius_m = home_rules(world)
    fly_home_kernel(
        world.n,  # threads by the World's size (`engine.threads`)
        np.ascontiguousarray(up, dtype=np.int64),
        cruise_altitude_m,
        n_carriers,
        has_camp,
        camp_x,
        camp_y,
        net_radius_m,
        world.net_up,
        centre,
        gap_bearing,
        world.mode,
        world.battle,
        world.home_carrier,
        world.divert_to,
        world.carrier_xy,
        world.x_m,
        world.y_m,
        world.z_m,
        world.health,
        world.engines,
        world.fuel_limited,
        world.fuel_kg,
        world.cruise_speed_mps,
        world.max_speed_mps,
        world.cmd_heading_rad,
        world.cmd_gamma_rad,
        world.cmd_throttle,
        world.target,
    )


HomeRules = tuple[float, int, bool, float, float, float]


def home_rules(world: World) -> HomeRules:
    """What `_fly_home_rows` takes of the scenario: the mission's cruise height, the carriers, the front's
    camp (whether there is one, x, y) and the net's radius."""
    camp = world.front.camp_xy if world.front is not None and world.front.camp_xy is not None else None
    return (
        float(world.plan.mission.cruise_altitude_m),
        world.n_carriers,
        camp is not None,
        float(camp[0]) if camp is not None else 0.0,
        float(camp[1]) if camp is not None else 0.0,
        float(world.net_radius_m),
    )


def _fly_home_rows(
    up: I64,
    cruise_altitude_m: float,
    n_carriers: int,
    has_camp: bool,
    camp_x: float,
    camp_y: float,
    net_radius_m: float,
    net_up: B,
    net_centre: F64,
    gap_bearing: F64,
    mode: I8,
    battle: I32,
    home_carrier: I32,
    divert_to: I32,
    carrier_xy: F64,
    x: F64,
    y: F64,
    z: F64,
    health: F64,
    engines: F64,
    fuel_limited: B,
    fuel_kg: F64,
    cruise_speed: F64,
    max_speed: F64,
    cmd_heading: F64,
    cmd_gamma: F64,
    cmd_throttle: F64,
    target: I64,
) -> None:
    """A pilot going home makes for where she lands: her carrier, or where she diverted to (the other
    carrier, or the camp's runway). At cruise height until 40 km out (a damaged aircraft low, at 1,200 m,
    where the cruise setting costs least fuel a kilometre), then 1,200 m, and the approach height from
    8 km; within 6 km she circles her deck at 1 km waiting her turn, at 70% of the cruise setting. She
    drops any target. Coming home to a carrier under the net from outside it, she makes for the gap's
    mouth and in along its line (aiming `GAP_LEAD_M` further along it): elsewhere the net would hold her.
    Each pilot writes only her own row."""
    for k in numba.prange(len(up)):
        r = up[k]
        if mode[r] != RETURN:
            continue
        b, divert = battle[r], divert_to[r]
        c = divert if 0 <= divert < n_carriers else home_carrier[r]
        cx, cy = carrier_xy[b, c, 0], carrier_xy[b, c, 1]
        if has_camp and divert == n_carriers:
            cx, cy = camp_x, camp_y
        distance = math.hypot(x[r] - cx, y[r] - cy)
        dry = fuel_limited[r] and fuel_kg[r] <= 0.0
        power = max(power_of(health[r, ENGINE_PORT], health[r, ENGINE_STARBOARD], engines[r], dry), 0.05)
        cruise_alt = cruise_altitude_m if power >= 1.0 else HOME_LOW_M
        if distance > 40000.0:
            altitude = cruise_alt
        elif distance > 8000.0:
            altitude = HOME_LOW_M
        else:
            altitude = APPROACH_ALTITUDE_M
        cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], cx, cy, altitude, 3000.0)
        near = distance < FINAL_ORBIT_M
        if near:
            px, py = orbit_point(x[r], y[r], cx, cy, 1000.0, True)
            cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], px, py, APPROACH_ALTITUDE_M, 1500.0)
        cmd_throttle[r] = cruise_setting(cruise_speed[r], max_speed[r]) * (0.7 if near else 1.0)
        target[r] = -1
        if net_radius_m <= 0 or divert >= n_carriers or not net_up[b]:
            continue
        dx, dy = x[r] - net_centre[b, 0], y[r] - net_centre[b, 1]
        from_centre = math.sqrt(dx * dx + dy * dy + max(z[r], 0.0) ** 2)
        if net_radius_m <= from_centre < net_radius_m + 9000.0:
            reach = max(math.hypot(dx, dy) - GAP_LEAD_M, 0.0)
            gx = net_centre[b, 0] + reach * math.sin(gap_bearing[b])
            gy = net_centre[b, 1] + reach * math.cos(gap_bearing[b])
            cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], gx, gy, APPROACH_ALTITUDE_M, 600.0)


fly_home_kernel = threads.twins(_fly_home_rows)
