"""Solid things: the sea, the ground, Manhattan's buildings and the mother ship's hull.

Flying into any of them is a crash; skimming them is allowed. Each move is checked along its whole
segment, so nothing passes through a building between two ticks. A crippled aircraft that means to come
down (its landing intent) makes a forced landing in a street, or ditches at sea, instead of crashing.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from captainred.engine import threads
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.damage import lose
from captainred.engine.events import EventKind
from captainred.engine.rng import Purpose, uniform
from captainred.engine.world import F64, I64, LGF, B, World
from captainred.scenario.maps import Ground, clear_of_all, height_at, move_hit

LANDING_MAX_DESCENT_RAD = 0.3


def _street_name(x: float, y: float) -> str:
    side = "East" if x >= 0 else "West"
    number = round((y - 2200.0) / 80.0)
    if number < 1:
        return f"a street downtown ({side.lower()} side)"
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{side} {number}{suffix} Street"


def collide(world: World, idx: I64, x0: F64, y0: F64, z0: F64) -> None:
    """Check the moves of rows `idx` (from the old positions given) against everything solid."""
    if not len(idx):
        return
    if world.ship_xyz is not None:
        ship, half = world.ship_xyz, world.ship_half_m
    else:
        ship, half = (0.0, 0.0, 0.0), (-1.0, -1.0, -1.0)  # no hull: nothing is inside it
    unfinished, strikes = _strike(
        len(idx),
        idx,
        x0,
        y0,
        z0,
        world.theatre.ground,
        ship,
        half,
        arrays_of(world),
    )
    if unfinished:
        raise RuntimeError("segment walk did not finish")  # a bug, not bad input
    if not strikes:
        return  # nothing hit anything (most ticks)
    for k in np.flatnonzero(world.struck[idx]).tolist():
        row = int(idx[k])
        world.struck[row] = False
        ground = float(world.struck_ground_m[row])
        if ground == INSIDE_THE_HULL:
            _crash(world, row, "the mother ship's hull")
            continue
        on_land = _over_land(world, float(world.x_m[row]), float(world.y_m[row]))
        gentle = world.gamma_rad[row] > -LANDING_MAX_DESCENT_RAD and ground <= 1.0
        if world.landing_intent[row] and gentle and not world.pilot_dead[row]:
            if on_land:
                _forced_landing(world, row)
            else:
                lose(world, row, EventKind.DITCHED, None, cause="ditched at sea")
        elif ground > 1.0:
            _crash(world, row, "flew into a building")
        elif on_land:
            _crash(world, row, "flew into the ground")
        else:
            _crash(world, row, "flew into the sea")


INSIDE_THE_HULL = -1.0  # `struck_ground_m` of a craft that flew into the mother ship


@numba.njit(cache=True, error_model="numpy")
def inside_box(
    dx: float, dy: float, dz: float, hx: float, hy: float, hz: float, margin_xy: float, margin_z: float
) -> bool:
    """Whether a point (dx, dy, dz) from the hull's centre lies inside the hull's box of half sizes (hx,
    hy, hz), grown by a margin on its sides and on its top and bottom: the one hull test, for the
    compiled kernels and (through `inside_hull`) for NumPy code."""
    return abs(dx) < hx + margin_xy and abs(dy) < hy + margin_xy and abs(dz) < hz + margin_z


def inside_hull(world: World, x: F64, y: F64, z: F64 | None = None) -> B:
    """Which of the points (x, y, z) lie inside the mother ship's hull (`inside_box`); with no z, which lie
    over or under it (its footprint). None inside with no ship."""
    if world.ship_xyz is None:
        return np.zeros(len(x), dtype=bool)
    heights = np.full(len(x), world.ship_xyz[2]) if z is None else np.ascontiguousarray(z, dtype=np.float64)
    inside = np.zeros(len(x), dtype=bool)
    points = (np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64), heights)
    _inside_hull(*points, world.ship_xyz, world.ship_half_m, inside)
    return inside


@numba.njit(cache=True, error_model="numpy")
def _inside_hull(
    x: F64, y: F64, z: F64, ship: tuple[float, float, float], half: tuple[float, float, float], inside: B
) -> None:
    sx, sy, sz = ship
    hx, hy, hz = half
    for k in range(len(x)):
        inside[k] = inside_box(x[k] - sx, y[k] - sy, z[k] - sz, hx, hy, hz, 0.0, 0.0)


def _strike_rows(
    idx: I64,
    x0: F64,
    y0: F64,
    z0: F64,
    ground: Ground,
    ship: tuple[float, float, float],
    half: tuple[float, float, float],
    w: WorldArrays,
) -> tuple[int, int]:
    """Each move k of row idx[k], from (x0, y0, z0)[k] to where the row is now, against the ground, the
    roofs, the walls and the sea (`move_hit`). A craft that hits something stops where it hit it, not at
    the end of its move (never below the sea), and is marked `struck`, with the height of what it hit
    (read a hair further along the move, so a wall counts as its building). Air Command's craft whose
    move ends inside the mother ship's hull are struck too, at `INSIDE_THE_HULL`. Each craft writes only
    its own row. Returns how many walks did not finish (a bug if any), and how many strikes it marked (0: no
    craft struck anything)."""
    side = w.side
    x = w.x_m
    y = w.y_m
    z = w.z_m
    struck = w.struck
    struck_ground_m = w.struck_ground_m
    unfinished = 0
    strikes = 0
    heights, box_max, ox, oy, cell, max_height_m = ground
    sx, sy, sz = ship
    hx, hy, hz = half
    for k in numba.prange(len(idx)):
        r = idx[k]
        ax, ay, az = x0[k], y0[k], z0[k]
        mx, my, mz = x[r] - ax, y[r] - ay, z[r] - az
        if clear_of_all(box_max, ox, oy, cell, max_height_m, ax, ay, az, x[r], y[r], z[r]):
            t_hit = math.inf  # `move_hit`'s own first test, here so that a clear move counts no references
        else:
            t_hit = move_hit(heights, box_max, ox, oy, cell, max_height_m, ax, ay, az, x[r], y[r], z[r])
        if math.isnan(t_hit):
            unfinished += 1
            continue
        if math.isfinite(t_hit):
            beyond = min(t_hit + 1e-3, 1.0)
            stop_x, stop_y, stop_z = ax + t_hit * mx, ay + t_hit * my, az + t_hit * mz
            struck_ground_m[r] = max(
                height_at(heights, ox, oy, cell, stop_x, stop_y),
                height_at(heights, ox, oy, cell, ax + beyond * mx, ay + beyond * my),
            )
            struck[r] = True
            strikes += 1
            x[r], y[r], z[r] = stop_x, stop_y, max(stop_z, 0.0)
            p1_z = stop_z
        else:
            p1_z = z[r]
        if side[r] != LGF and inside_box(x[r] - sx, y[r] - sy, p1_z - sz, hx, hy, hz, 0.0, 0.0):
            struck[r] = True
            struck_ground_m[r] = INSIDE_THE_HULL
            strikes += 1
    return unfinished, strikes


_strike = threads.twins(_strike_rows)


def _over_land(world: World, x: float, y: float) -> bool:
    return bool(world.theatre.on_land(np.array([x]), np.array([y]))[0])


def _crash(world: World, row: int, cause: str) -> None:
    if world.pilot_dead[row]:
        cause = "went down with a dead pilot"
    elif world.spinning[row]:
        cause = "spun in"
    lose(world, row, EventKind.CRASH, None, cause=cause)


def _forced_landing(world: World, row: int) -> None:
    """Down in a street: the pilot walks away (missing, or captured if herded down), or does not."""
    b = int(world.battle[row])
    survive = 0.35 + 0.6 * float(world.skill[row])
    u = float(uniform(world.row_seed[row], world.craft[row], world.tick[b], Purpose.FORCED_LANDING))
    landed = u < survive
    lose(
        world,
        row,
        EventKind.FORCED_LANDING,
        None,
        where=_street_name(float(world.x_m[row]), float(world.y_m[row])),
        outcome="landed" if landed else "crashed",
        captured=bool(landed and world.forced_down[row]),
    )
