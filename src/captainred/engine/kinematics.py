"""Flight: a 3-D point mass with speed, heading, flight-path angle and throttle.

Turn and pitch rates are limited by the load factor the wings can give at the present speed
(n = (V / V_stall)^2, capped at the type's g limit, less for holed wings and shot-up tail surfaces);
thrust comes from working engines with fuel, and drag is set so that full throttle holds the type's top
speed in level flight. An aircraft with no thrust glides and cannot climb; one below stall speed drops
its nose; one in a spin falls until its pilot fights out of it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.engine import threads
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.world import F64, I64, B, G, Status, Sub, World

# Subsystem columns of `health`, as plain ints for the compiled kernels.
ENGINE_PORT, ENGINE_STARBOARD = int(Sub.ENGINE_PORT), int(Sub.ENGINE_STARBOARD)
WING_PORT, WING_STARBOARD = int(Sub.WING_PORT), int(Sub.WING_STARBOARD)
TAIL, RUDDER = int(Sub.TAIL), int(Sub.RUDDER)

THRUST_ACCEL_MPS2 = 6.0  # full throttle, all engines, level: design value for every type
HEADING_GAIN = 3.0  # 1/s: how briskly a pilot turns toward the commanded heading
GAMMA_GAIN = 3.0
GLIDE_GAMMA_RAD = -0.06  # best glide, about 3.5 degrees down
SPIN_GAMMA_RAD = -1.0
SPIN_RATE_RAD_S = 2.0
REDLINE_THROTTLE = 1.15
TANK_SEAL_S = 240.0  # time constant of a holed tank sealing itself
CRUISE_THROTTLE_FLOOR = 0.05


TWO_PI = 2 * math.pi
AIRBORNE = int(Status.AIRBORNE)


def wrap_angle(a: F64) -> F64:
    """Angles into [-pi, pi): a turn or an angle off, the short way round."""
    return np.mod(a + np.pi, TWO_PI) - np.pi


def wrap_heading(a: F64) -> F64:
    """Headings into [0, 2 pi)."""
    return np.mod(a, TWO_PI)


@numba.njit(cache=True, error_model="numpy")
def wrap(a: float) -> float:
    """`wrap_angle` of one number, for the compiled kernels (the same arithmetic)."""
    return remainder_of_turn(a + math.pi) - math.pi


@numba.njit(cache=True, error_model="numpy")
def heading_of(a: float) -> float:
    """`wrap_heading` of one number, for the compiled kernels (the same arithmetic)."""
    return remainder_of_turn(a)


@numba.njit(cache=True, error_model="numpy")
def remainder_of_turn(a: float) -> float:
    """`a % TWO_PI`, bit for bit, without the C library's remainder (a twentieth of a batch's step when
    every angle paid for it) for the angles within a turn of [0, 2 pi), which are nearly all of them.

    There the remainder is exact: the angle itself, or the angle less one turn (exact, since the two are
    within a factor of two of each other); a negative one then has a turn added, as `%` adds it. Zeros,
    whose sign `%` sets, and everything else go to `%`."""
    if 0.0 < a < TWO_PI:
        return a
    if -TWO_PI < a < 0.0:
        return a + TWO_PI
    if TWO_PI <= a < 2.0 * TWO_PI:
        return a - TWO_PI
    return a % TWO_PI


@numba.njit(cache=True, error_model="numpy")
def cruise_setting(cruise_speed_mps: float, max_speed_mps: float) -> float:
    """The throttle that holds cruise speed in level flight: drag grows as the square of speed, and full
    throttle holds top speed."""
    return (cruise_speed_mps / max_speed_mps) ** 2


def cruise_throttle(world: World, rows: I64) -> F64:
    """`cruise_setting` of rows `rows` (their types' cruise and top speeds)."""
    setting: F64 = (world.cruise_speed_mps[rows] / world.max_speed_mps[rows]) ** 2
    return setting


@numba.njit(cache=True, error_model="numpy")
def power_of(port_health: float, starboard_health: float, engines: float, dry: bool) -> float:
    """Fraction of full thrust an aircraft's engines can give: each engine's health (within 0 and 1),
    the mean of two for a twin; nothing with dry tanks."""
    port = min(max(port_health, 0.0), 1.0)
    starboard = min(max(starboard_health, 0.0), 1.0)
    power: float = 0.5 * (port + starboard) if engines >= 2 else port
    return 0.0 if dry else power


def engine_power(world: World, rows: I64 | None = None) -> F64:
    """`power_of` each craft (or each of `rows`)."""
    at = np.arange(world.n) if rows is None else np.ascontiguousarray(rows, dtype=np.int64)
    power = np.empty(len(at))
    _engine_powers(at, world.health, world.engines, world.fuel_limited, world.fuel_kg, power)
    return power


@numba.njit(cache=True, error_model="numpy")
def _engine_powers(rows: I64, health: F64, engines: F64, fuel_limited: B, fuel_kg: F64, out: F64) -> None:
    for k in range(len(rows)):
        r = rows[k]
        dry = fuel_limited[r] and fuel_kg[r] <= 0.0
        out[k] = power_of(health[r, ENGINE_PORT], health[r, ENGINE_STARBOARD], engines[r], dry)


def control_authority(world: World) -> F64:
    """How much of the type's g the airframe and pilot can use: wings, tail plane and rudder."""
    wings = np.clip(np.minimum(world.health[:, Sub.WING_PORT], world.health[:, Sub.WING_STARBOARD]), 0, 1)
    tail = np.clip(np.minimum(world.health[:, Sub.TAIL], world.health[:, Sub.RUDDER]), 0, 1)
    return (0.45 + 0.55 * wings) * (0.3 + 0.7 * tail)


def burn_rate_kg_s(world: World, idx: I64, throttle: F64) -> F64:
    """Fuel flow of the working engines of rows `idx` at a throttle (idle-cruise-full-redline, linear)."""
    flow = np.empty(len(idx))
    _burn_rates(
        idx,
        np.asarray(throttle, dtype=np.float64),
        world.burn_kg_s,
        world.cruise_speed_mps,
        world.max_speed_mps,
        world.health,
        world.engines,
        flow,
    )
    return flow


@numba.njit(cache=True, error_model="numpy")
def _burn_rate(
    throttle: float,
    burn_idle: float,
    burn_cruise: float,
    burn_full: float,
    burn_redline: float,
    cruise_throttle: float,
    port: float,
    starboard: float,
    two_engines: bool,
) -> float:
    """Fuel flow, kg/s: per engine, linear from idle to cruise to full to redline in the throttle; a
    damaged engine gives less thrust and burns less with it, and a dead one burns nothing."""
    if throttle <= cruise_throttle:
        per_engine = burn_idle + (burn_cruise - burn_idle) * throttle / cruise_throttle
    elif throttle <= 1.0:
        per_engine = burn_cruise + (burn_full - burn_cruise) * (throttle - cruise_throttle) / (1.0 - cruise_throttle)
    else:
        per_engine = burn_full + (burn_redline - burn_full) * min(
            max((throttle - 1.0) / (REDLINE_THROTTLE - 1.0), 0.0), 1.0
        )
    working = min(max(port, 0.0), 1.0)
    working = working + (min(max(starboard, 0.0), 1.0) if two_engines else 0.0)
    flow: float = per_engine * working
    return flow


@numba.njit(cache=True, error_model="numpy")
def _burn_rates(
    idx: I64, throttle: F64, burn: F64, cruise: F64, vmax: F64, health: F64, engines: F64, out: F64
) -> None:
    for k in range(len(idx)):
        r = idx[k]
        out[k] = _burn_rate(
            throttle[k],
            burn[r, 0],
            burn[r, 1],
            burn[r, 2],
            burn[r, 3],
            cruise_setting(cruise[r], vmax[r]),
            health[r, ENGINE_PORT],
            health[r, ENGINE_STARBOARD],
            engines[r] >= 2,
        )


def keep_angles(world: World, rows: I64 | Sequence[int] | None = None) -> None:
    """After a rule outside the flight kernel sets the heading or the flight-path angle of `rows` (every
    row: None): their sines and cosines, as the World keeps them (`sines_and_cosines`)."""
    which = np.arange(world.n, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64).reshape(-1)
    sines_and_cosines(
        which,
        world.heading_rad,
        world.gamma_rad,
        world.sin_heading,
        world.cos_heading,
        world.sin_gamma,
        world.cos_gamma,
    )


@numba.njit(cache=True, error_model="numpy")
def sines_and_cosines(rows: I64, heading: F64, gamma: F64, sin_h: F64, cos_h: F64, sin_g: F64, cos_g: F64) -> None:
    """The sine and cosine of each row's heading and flight-path angle, from the C library's functions as
    every kernel calls them (its `sincos` gives the bits of its `sin` and `cos`)."""
    for r in rows:
        sin_h[r], cos_h[r] = math.sin(heading[r]), math.cos(heading[r])
        sin_g[r], cos_g[r] = math.sin(gamma[r]), math.cos(gamma[r])


def fly(world: World, moving: B, dt: F64) -> None:
    """Advance every airborne craft in `moving` by its battle's dt (per row)."""
    fly_rows(world, np.flatnonzero(moving), dt)


def moving_rows(world: World, active: B) -> tuple[I64, F64, F64, F64]:
    """The rows that fly this tick (in the air, in battles being fought: `active` per row), ascending,
    and where each is before it flies (x, y, z), for the rules that judge the move (`_moving_rows`)."""
    moving: tuple[I64, F64, F64, F64] = _moving_rows(active, world.status, world.x_m, world.y_m, world.z_m)
    return moving


@numba.njit(cache=True, error_model="numpy")
def _moving_rows(active: B, status: NDArray[np.int8], x: F64, y: F64, z: F64) -> tuple[I64, F64, F64, F64]:
    """Each row in the air whose battle is being fought, in row order, with its position."""
    n = 0
    for r in range(len(status)):
        if active[r] and status[r] == AIRBORNE:
            n += 1
    rows, x0, y0, z0 = np.empty(n, dtype=np.int64), np.empty(n), np.empty(n), np.empty(n)
    k = 0
    for r in range(len(status)):
        if active[r] and status[r] == AIRBORNE:
            rows[k], x0[k], y0[k], z0[k] = r, x[r], y[r], z[r]
            k += 1
    return rows, x0, y0, z0


def fly_rows(world: World, idx: I64, dt: F64) -> None:
    """Advance the airborne craft of rows `idx` (ascending) by their battles' dt (per row)."""
    if not len(idx):
        return
    _fly(len(idx), arrays_of(world), idx, dt)


def _fly_rows(w: WorldArrays, idx: I64, dt: F64) -> None:
    """One tick of flight for each row of `idx`: the rule of the module docstring. Each craft writes
    only its own row, the sines and cosines of its new heading and flight-path angle with them."""
    health = w.health
    engines = w.engines
    fuel_limited = w.fuel_limited
    fuel_kg = w.fuel_kg
    leak_kg_s = w.leak_kg_s
    burn = w.burn_kg_s
    cruise = w.cruise_speed_mps
    vmax_all = w.max_speed_mps
    vstall_all = w.stall_speed_mps
    max_g = w.max_g
    ceiling_m = w.ceiling_m
    spinning = w.spinning
    cmd_throttle = w.cmd_throttle
    cmd_gamma = w.cmd_gamma_rad
    cmd_heading = w.cmd_heading_rad
    throttle_out = w.throttle
    load_g = w.load_g
    x = w.x_m
    y = w.y_m
    z = w.z_m
    speed = w.speed_mps
    heading = w.heading_rad
    gamma = w.gamma_rad
    sin_heading = w.sin_heading
    cos_heading = w.cos_heading
    sin_gamma = w.sin_gamma
    cos_gamma = w.cos_gamma
    for k in numba.prange(len(idx)):
        r = idx[k]
        h = dt[r]
        v, psi, gam = speed[r], heading[r], gamma[r]
        vmax, vstall = vmax_all[r], vstall_all[r]

        # Thrust from the working engines, none with dry tanks; drag holds full throttle at top speed.
        dry = fuel_limited[r] and fuel_kg[r] <= 0.0
        power = power_of(health[r, ENGINE_PORT], health[r, ENGINE_STARBOARD], engines[r], dry)
        throttle = min(max(cmd_throttle[r], 0.0), REDLINE_THROTTLE)
        throttle_out[r] = throttle
        thrust = THRUST_ACCEL_MPS2 * throttle * power
        drag_k = THRUST_ACCEL_MPS2 / vmax**2

        # Commanded turn and pitch rates, then limited by the available load factor.
        commanded_gamma = cmd_gamma[r]
        if power <= 0.0:
            commanded_gamma = min(commanded_gamma, GLIDE_GAMMA_RAD)
        if z[r] >= ceiling_m[r] - 30.0:
            commanded_gamma = min(commanded_gamma, 0.0)
        heading_error = wrap(cmd_heading[r] - psi)
        # Gains are held below 1/dt so that long transit ticks settle on the command, not overshoot.
        psi_rate = min(HEADING_GAIN, 0.8 / h) * heading_error
        gamma_rate = min(GAMMA_GAIN, 0.8 / h) * (commanded_gamma - gam)
        cos_g = cos_gamma[r]
        a_lateral = v * psi_rate * max(cos_g, 0.05)
        a_vertical = v * gamma_rate + G * cos_g
        wings = min(max(min(health[r, WING_PORT], health[r, WING_STARBOARD]), 0.0), 1.0)
        tail = min(max(min(health[r, TAIL], health[r, RUDDER]), 0.0), 1.0)
        authority = (0.45 + 0.55 * wings) * (0.3 + 0.7 * tail)
        n_avail = min(max_g[r] * authority, (v / vstall) ** 2)
        # The pitch command has first call on the available g (a pilot near the ground keeps her nose
        # up before she turns); the turn gets what is left.
        a_limit = n_avail * G
        a_vertical = min(max(a_vertical, -a_limit), a_limit)
        a_turn = math.sqrt(max(a_limit**2 - a_vertical**2, 0.0))
        a_lateral = min(max(a_lateral, -a_turn), a_turn)
        load = math.hypot(a_lateral, a_vertical) / G
        psi_rate = a_lateral / (v * max(cos_g, 0.05))
        gamma_rate = (a_vertical - G * cos_g) / v

        # A spin: the nose falls and the aircraft autorotates whatever the stick says.
        if spinning[r]:
            psi_rate = SPIN_RATE_RAD_S
            gamma_rate = 2.0 * (SPIN_GAMMA_RAD - gam)
            load = 1.0

        induced = 0.04 * G * max(load - 1.0, 0.0)
        accel = thrust - drag_k * v**2 - induced - G * sin_gamma[r]
        v_new = min(max(v + accel * h, 0.5 * vstall), vmax)
        if spinning[r]:
            v_new = min(max(v_new, 0.5 * vstall), 1.3 * vstall)
        gam_new = min(max(gam + gamma_rate * h, -1.45), 1.45)
        psi_new = heading_of(psi + psi_rate * h)

        cos_new, sin_new = math.cos(gam_new), math.sin(gam_new)
        sin_psi, cos_psi = math.sin(psi_new), math.cos(psi_new)
        x[r] += v_new * cos_new * sin_psi * h
        y[r] += v_new * cos_new * cos_psi * h
        z[r] = min(z[r] + v_new * sin_new * h, ceiling_m[r])
        speed[r] = v_new
        gamma[r] = gam_new
        heading[r] = psi_new
        sin_gamma[r], cos_gamma[r] = sin_new, cos_new
        sin_heading[r], cos_heading[r] = sin_psi, cos_psi
        load_g[r] = load

        flow = (
            _burn_rate(
                throttle,
                burn[r, 0],
                burn[r, 1],
                burn[r, 2],
                burn[r, 3],
                cruise_setting(cruise[r], vmax),
                health[r, ENGINE_PORT],
                health[r, ENGINE_STARBOARD],
                engines[r] >= 2,
            )
            + leak_kg_s[r]
        )
        # A holed tank seals itself over minutes: the leak dies away (a sound tank has nothing to seal).
        if leak_kg_s[r] != 0.0:
            leak_kg_s[r] *= math.exp(-h / TANK_SEAL_S)
        if fuel_limited[r]:
            fuel_kg[r] = max(fuel_kg[r] - flow * h, 0.0)


_fly = threads.twins(_fly_rows)


def move(world: World, active: B, dt: F64) -> tuple[I64, F64, F64, F64]:
    """The tick's flight: the rows that fly (in the air, in battles being fought), where each was before
    (`moving_rows`), then each flown by its battle's dt (`fly_rows`). In one compiled call
    (`_move_in_turn`) unless the World is large enough for the flight to spread over threads."""
    if threads.in_parallel(world.n):
        moving = moving_rows(world, active)
        fly_rows(world, moving[0], dt)
        return moving
    flown: tuple[I64, F64, F64, F64] = _move_in_turn(active, arrays_of(world), dt)
    return flown


_fly_in_turn = _fly.in_turn  # as a compiled function calls it, by name


@numba.njit(cache=True, error_model="numpy")
def _move_in_turn(active: B, w: WorldArrays, dt: F64) -> tuple[I64, F64, F64, F64]:
    """`_moving_rows`, then `_fly_rows` over them, in turn."""
    moving = _moving_rows(active, w.status, w.x_m, w.y_m, w.z_m)
    if len(moving[0]):
        _fly_in_turn(w, moving[0], dt)
    return moving
