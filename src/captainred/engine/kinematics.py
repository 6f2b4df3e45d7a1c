"""Flight: a 3-D point mass with speed, heading, flight-path angle and throttle.

Turn and pitch rates are limited by the load factor the wings can give at the present speed
(n = (V / V_stall)^2, capped at the type's g limit, less for holed wings and shot-up tail surfaces);
thrust comes from working engines with fuel, and drag is set so that full throttle holds the type's top
speed in level flight. An aircraft with no thrust glides and cannot climb; one below stall speed drops
its nose; one in a spin falls until its pilot fights out of it.
"""

from __future__ import annotations

import numpy as np

from captainred.engine.world import F64, I64, B, G, Sub, World

THRUST_ACCEL_MPS2 = 6.0  # full throttle, all engines, level: design value for every type
HEADING_GAIN = 3.0  # 1/s: how briskly a pilot turns toward the commanded heading
GAMMA_GAIN = 3.0
GLIDE_GAMMA_RAD = -0.06  # best glide, about 3.5 degrees down
SPIN_GAMMA_RAD = -1.0
SPIN_RATE_RAD_S = 2.0
REDLINE_THROTTLE = 1.15
TANK_SEAL_S = 240.0  # time constant of a holed tank sealing itself
CRUISE_THROTTLE_FLOOR = 0.05


def wrap_angle(a: F64) -> F64:
    """Angles into [-pi, pi)."""
    return np.mod(a + np.pi, 2 * np.pi) - np.pi


def engine_power(world: World) -> F64:
    """Fraction of full thrust each craft's engines can give (0 with no fuel)."""
    port = np.clip(world.health[:, Sub.ENGINE_PORT], 0.0, 1.0)
    starboard = np.clip(world.health[:, Sub.ENGINE_STARBOARD], 0.0, 1.0)
    two = world.engines >= 2
    power = np.where(two, 0.5 * (port + starboard), port)
    dry = world.fuel_limited & (world.fuel_kg <= 0.0)
    return np.where(dry, 0.0, power)


def control_authority(world: World) -> F64:
    """How much of the type's g the airframe and pilot can use: wings, tail plane and rudder."""
    wings = np.clip(np.minimum(world.health[:, Sub.WING_PORT], world.health[:, Sub.WING_STARBOARD]), 0, 1)
    tail = np.clip(np.minimum(world.health[:, Sub.TAIL], world.health[:, Sub.RUDDER]), 0, 1)
    return (0.45 + 0.55 * wings) * (0.3 + 0.7 * tail)


def burn_rate_kg_s(world: World, idx: I64, throttle: F64) -> F64:
    """Fuel flow of the working engines of rows `idx` at a throttle (idle-cruise-full-redline, linear)."""
    cruise_throttle = (world.cruise_speed_mps[idx] / world.max_speed_mps[idx]) ** 2
    idle, cruise, full, redline = (world.burn_kg_s[idx, k] for k in range(4))
    per_engine = np.where(
        throttle <= cruise_throttle,
        idle + (cruise - idle) * throttle / cruise_throttle,
        np.where(
            throttle <= 1.0,
            cruise + (full - cruise) * (throttle - cruise_throttle) / (1.0 - cruise_throttle),
            full + (redline - full) * np.clip((throttle - 1.0) / (REDLINE_THROTTLE - 1.0), 0.0, 1.0),
        ),
    )
    # A damaged engine gives less thrust and burns less with it; a dead one burns nothing.
    working = np.clip(world.health[idx, Sub.ENGINE_PORT], 0.0, 1.0)
    working = working + np.where(
        world.engines[idx] >= 2, np.clip(world.health[idx, Sub.ENGINE_STARBOARD], 0.0, 1.0), 0.0
    )
    flow: F64 = per_engine * working
    return flow


def fly(world: World, moving: B, dt: F64) -> None:
    """Advance every airborne craft in `moving` by its battle's dt (per row)."""
    if not moving.any():
        return
    idx = np.flatnonzero(moving)
    h = dt[idx]
    v = world.speed_mps[idx]
    psi = world.heading_rad[idx]
    gam = world.gamma_rad[idx]
    vmax = world.max_speed_mps[idx]
    vstall = world.stall_speed_mps[idx]

    power = engine_power(world)[idx]
    throttle = np.clip(world.cmd_throttle[idx], 0.0, REDLINE_THROTTLE)
    world.throttle[idx] = throttle
    thrust = THRUST_ACCEL_MPS2 * throttle * power
    drag_k = THRUST_ACCEL_MPS2 / vmax**2

    # Commanded turn and pitch rates, then limited by the available load factor.
    cmd_gamma = world.cmd_gamma_rad[idx]
    cmd_gamma = np.where(power <= 0.0, np.minimum(cmd_gamma, GLIDE_GAMMA_RAD), cmd_gamma)
    at_ceiling = world.z_m[idx] >= world.ceiling_m[idx] - 30.0
    cmd_gamma = np.where(at_ceiling, np.minimum(cmd_gamma, 0.0), cmd_gamma)
    heading_error = wrap_angle(world.cmd_heading_rad[idx] - psi)
    # Gains are held below 1/dt so that long transit ticks settle on the command rather than overshoot.
    psi_rate = np.minimum(HEADING_GAIN, 0.8 / h) * heading_error
    gamma_rate = np.minimum(GAMMA_GAIN, 0.8 / h) * (cmd_gamma - gam)
    cos_g = np.cos(gam)
    a_lateral = v * psi_rate * np.maximum(cos_g, 0.05)
    a_vertical = v * gamma_rate + G * cos_g
    n_avail = np.minimum(world.max_g[idx] * control_authority(world)[idx], (v / vstall) ** 2)
    # The pitch command has first call on the available g (a pilot near the ground keeps her nose up
    # before she turns); the turn gets what is left.
    a_limit = n_avail * G
    a_vertical = np.clip(a_vertical, -a_limit, a_limit)
    a_turn = np.sqrt(np.maximum(a_limit**2 - a_vertical**2, 0.0))
    a_lateral = np.clip(a_lateral, -a_turn, a_turn)
    load = np.hypot(a_lateral, a_vertical) / G
    psi_rate = a_lateral / (v * np.maximum(cos_g, 0.05))
    gamma_rate = (a_vertical - G * cos_g) / v

    # A spin: the nose falls and the aircraft autorotates whatever the stick says.
    spin = world.spinning[idx]
    psi_rate = np.where(spin, SPIN_RATE_RAD_S, psi_rate)
    gamma_rate = np.where(spin, 2.0 * (SPIN_GAMMA_RAD - gam), gamma_rate)
    load = np.where(spin, 1.0, load)

    induced = 0.04 * G * np.maximum(load - 1.0, 0.0)
    accel = thrust - drag_k * v**2 - induced - G * np.sin(gam)
    v_new = np.clip(v + accel * h, 0.5 * vstall, vmax)
    v_new = np.where(spin, np.clip(v_new, 0.5 * vstall, 1.3 * vstall), v_new)
    gam_new = np.clip(gam + gamma_rate * h, -1.45, 1.45)
    psi_new = np.mod(psi + psi_rate * h, 2 * np.pi)

    cos_new = np.cos(gam_new)
    world.x_m[idx] += v_new * cos_new * np.sin(psi_new) * h
    world.y_m[idx] += v_new * cos_new * np.cos(psi_new) * h
    world.z_m[idx] = np.minimum(world.z_m[idx] + v_new * np.sin(gam_new) * h, world.ceiling_m[idx])
    world.speed_mps[idx] = v_new
    world.gamma_rad[idx] = gam_new
    world.heading_rad[idx] = psi_new
    world.load_g[idx] = load

    limited = world.fuel_limited[idx]
    burn = burn_rate_kg_s(world, idx, throttle) + world.leak_kg_s[idx]
    # A holed tank seals itself over minutes: the leak dies away.
    world.leak_kg_s[idx] *= np.exp(-h / TANK_SEAL_S)
    world.fuel_kg[idx] = np.where(limited, np.maximum(world.fuel_kg[idx] - burn * h, 0.0), world.fuel_kg[idx])
