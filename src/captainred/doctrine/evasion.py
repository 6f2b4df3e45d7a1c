"""Shaking an LGF off one's tail, compiled: break hard, chop the throttle, dive to the rooftops, or skim
the mother ship's hull. `air_command.py` calls `evade` after every other flying rule, so a pilot with an
LGF close behind her does this whatever else she was doing.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.doctrine.modes import Mode
from captainred.doctrine.steering import aim
from captainred.engine.kinematics import heading_of, wrap
from captainred.engine.rng import Purpose, uniform_one
from captainred.engine.world import F64, I8, I32, I64, B, World, constant

PHOTO = int(Mode.PHOTO)
REACTING = tuple(int(m) for m in (Mode.ENGAGE, Mode.PHOTO, Mode.RETURN, Mode.TRANSIT, Mode.COVER))  # who reacts
AIM_JITTER = int(Purpose.AIM_JITTER)
EPISODE_TICKS = 40  # a pilot keeps to one way out for this many ticks
SKIM_ABOVE_HULL_M = 30.0
STREETS_RUN_M = 800.0  # diving for the streets: the slope that reaches their height over this run


def evade(world: World, up: I64, tail_threat: I64, tail_range_m: F64, ship_range_m: F64) -> None:
    """Every pilot of `up` with an LGF on her tail close enough to react to evades (`evade_rows`); a
    dive for the streets takes the slope to the doctrine's streets height (`dive_for_the_streets`)."""
    evade_range_m, island, has_ship, skim_point = evasion_rules(world)
    streets = np.empty(len(up), dtype=np.int64)
    n = evade_rows(
        np.ascontiguousarray(up, dtype=np.int64),
        tail_threat,
        tail_range_m,
        ship_range_m,
        evade_range_m,
        island,
        has_ship,
        skim_point,
        world.mode,
        world.spinning,
        world.skill,
        world.row_seed,
        world.craft,
        world.tick,
        world.battle,
        world.x_m,
        world.y_m,
        world.z_m,
        world.heading_rad,
        world.cmd_heading_rad,
        world.cmd_gamma_rad,
        world.cmd_throttle,
        streets,
    )
    dive_for_the_streets(world, streets[:n])


EvasionRules = tuple[float, tuple[float, float, float, float], bool, tuple[float, float, float]]


@constant
def evasion_rules(world: World) -> EvasionRules:
    """What `evade_rows` takes of the scenario: the doctrine's evade range, the island's box, whether
    there is a ship, and the point over its hull a skimming pilot aims at."""
    x0, y0, x1, y1 = world.theatre.island
    ship = world.ship_xyz
    skim = (
        (float(ship[0]), float(ship[1]), float(ship[2]) + float(world.ship_half_m[2]) + SKIM_ABOVE_HULL_M)
        if ship is not None
        else (0.0, 0.0, 0.0)
    )
    island = (float(x0), float(y0), float(x1), float(y1))
    return float(world.plan.doctrine.evade_range_m), island, ship is not None, skim


def dive_for_the_streets(world: World, rows: I64) -> None:
    """Pilots diving for the streets (`evade_rows` marked them) take the slope to the doctrine's streets
    height over `STREETS_RUN_M`, no steeper than 0.5 rad."""
    if len(rows):
        slope = np.arctan2(world.plan.doctrine.streets_altitude_m - world.z_m[rows], STREETS_RUN_M)
        world.cmd_gamma_rad[rows] = slope.clip(-0.5, 0.0)


@numba.njit(cache=True, error_model="numpy")
def evade_rows(
    up: I64,
    tail_threat: I64,
    tail_range_m: F64,
    ship_range_m: F64,
    evade_range_m: float,
    island: tuple[float, float, float, float],
    has_ship: bool,
    skim_point: tuple[float, float, float],
    mode: I8,
    spinning: B,
    skill: F64,
    row_seed: NDArray[np.uint64],
    craft: I32,
    tick: I64,
    battle: I32,
    x: F64,
    y: F64,
    z: F64,
    heading: F64,
    cmd_heading: F64,
    cmd_gamma: F64,
    cmd_throttle: F64,
    streets: I64,
) -> int:
    """A pilot reacts to an LGF on her tail within the evade range (less while she takes pictures, and
    less the less skilled she is), unless she is spinning or coming down. Her way out is drawn once an
    episode (`EPISODE_TICKS`): a skilled pilot with it close behind may chop the throttle and turn a
    little, so that it overshoots; over the city and high enough she may dive for the streets; near the
    ship she may skim its hull; otherwise she breaks hard, diving a little. Each turn is toward the side
    the LGF is on, at full throttle past the gate. Writes the rows diving for the streets, whose slope
    is the caller's, in `streets`; returns how many."""
    x0, y0, x1, y1 = island
    n = 0
    for k in range(len(up)):
        r = up[k]
        threat = tail_threat[r]
        if threat < 0:
            continue
        m = mode[r]
        react = evade_range_m * (0.6 if m == PHOTO else 1.0) * (0.7 + 0.3 * skill[r])
        reacting = m in REACTING
        if not (tail_range_m[r] < react and not spinning[r] and reacting):
            continue
        u = uniform_one(row_seed[r], craft[r], tick[battle[r]] // EPISODE_TICKS, AIM_JITTER)
        relative = wrap(math.atan2(x[threat] - x[r], y[threat] - y[r]) - heading[r])
        turn = 1.0 if relative >= 0 else -1.0
        chop = skill[r] >= 0.85 and tail_range_m[r] < 450.0 and u < 0.5
        over_city = x0 < x[r] < x1 and y0 < y[r] < y1
        to_streets = not chop and over_city and z[r] > 200.0 and u < 0.35 + 0.3 * skill[r]
        skim = not chop and not to_streets and ship_range_m[r] < 2500.0 and u > 0.7
        cmd_heading[r] = heading_of(heading[r] + turn * (0.4 if chop else 1.6))
        cmd_throttle[r] = 0.05 if chop else 1.15
        cmd_gamma[r] = 0.0 if (chop or to_streets or skim) else -0.1
        if to_streets:
            streets[n] = r
            n += 1
        if skim and has_ship:
            sx, sy, top = skim_point
            cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], sx, sy, top, 300.0)
    return n
