"""Sensing: who sees whom, within each battle only.

Each tick, every battle's airborne craft are put in a grid of cells (`captainred.engine.grid`), and each
craft's picture comes from its neighbourhood: the nearest enemy, the enemy on one's tail, the escorts
herding a pilot down, the pilot an LGF goes for. No list of all pairs exists anywhere, so the cost grows
with craft and their neighbours, not with craft times enemies. Nothing is ever sensed across battles.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.engine import threads
from captainred.engine.arrays import arrays_of
from captainred.engine.grid import SenseGrid, sense_battles
from captainred.engine.world import F64, I64, B, Status, World

FORCE_DOWN_RADIUS_M = 350.0


@dataclass
class Picture:
    """What every craft sees this tick (derived from the World, never kept between ticks)."""

    nearest_enemy: I64  # row, -1 for none (for LGFs: spread over targets, not strictly nearest)
    nearest_range_m: F64
    tail_threat: I64  # Air Command rows: the LGF on their tail, -1 for none
    tail_range_m: F64
    escorts: I64  # Air Command rows: force-down LGFs close around them
    ship_range_m: F64  # every row: distance to the mother ship's centre (inf without a ship)
    nearest_prey: I64  # LGF rows: the nearest struggling Air Command craft (see `sense`'s prey), -1
    battle_enemy_range_m: F64  # per battle: closest approach of opposing airborne craft or the ship


def sense(world: World, grid: SenseGrid, evade_range_m: float, prey: B, range_limit_m: float) -> Picture:
    """This tick's picture, through each battle's grid; `prey` marks the Air Command craft that force-down
    LGFs go after. Nothing farther than `range_limit_m` is seen, except a force-down LGF's prey (at any
    range) and the mother ship."""
    has_ship = world.ship_xyz is not None
    sx, sy, sz = world.ship_xyz if world.ship_xyz is not None else (0.0, 0.0, 0.0)
    limits = (range_limit_m, evade_range_m, FORCE_DOWN_RADIUS_M, has_ship, sx, sy, sz, grid.search_all_up_to)
    picture, out = _picture_of(grid)
    sense_battles(arrays_of(world), prey, limits, grid.scratch, out)
    return picture


_PICTURES: weakref.WeakKeyDictionary[SenseGrid, tuple[Picture, tuple[NDArray[Any], ...]]] = weakref.WeakKeyDictionary()


def _picture_of(grid: SenseGrid) -> tuple[Picture, tuple[NDArray[Any], ...]]:
    """The picture a grid's arrays make, and those arrays in the order `sense_battles` writes them: the
    same every tick (each tick's picture is written over the last one's), so made once a grid."""
    made = _PICTURES.get(grid)
    if made is None:
        picture = Picture(
            grid.nearest,
            grid.nearest_range,
            grid.tail,
            grid.tail_range,
            grid.escorts,
            grid.ship_range,
            grid.nearest_prey,
            grid.battle_range,
        )
        out = (
            picture.nearest_enemy,
            picture.nearest_range_m,
            picture.tail_threat,
            picture.tail_range_m,
            picture.escorts,
            picture.nearest_prey,
            picture.ship_range_m,
            picture.battle_enemy_range_m,
        )
        made = _PICTURES[grid] = (picture, out)
    return made


def nearest_enemy_range_m(world: World, row: int) -> float:
    """The range from `row` to the nearest airborne craft of the other side in its battle, at any range
    (inf: none): for a one-off report such as a contact call, not for every tick."""
    rows = np.arange(world.row_start[world.battle[row]], world.row_stop[world.battle[row]])
    enemy = rows[(world.side[rows] != world.side[row]) & (world.status[rows] == int(Status.AIRBORNE))]
    if not len(enemy):
        return float("inf")
    dx = world.x_m[enemy] - world.x_m[row]
    dy = world.y_m[enemy] - world.y_m[row]
    dz = world.z_m[enemy] - world.z_m[row]
    return float(np.sqrt(dx * dx + dy * dy + dz * dz).min())


SURELY = 1e-9  # `within_m`: a sum of squares this far either side of the limit's square settles it
NORMAL_SQUARES = 1e-280  # `within_m`: smaller sums are left to `hypot`


@numba.njit(cache=True, error_model="numpy")
def within_m(dx: float, dy: float, limit_m: float) -> bool:
    """`math.hypot(dx, dy) < limit_m`, bit for bit, mostly without `hypot`: a sum of squares clearly
    inside or outside the limit's square settles it (the sum's rounding and `hypot`'s are a few parts in
    1e16, far inside `SURELY`), and only one within a hair of it, or too small to carry all its digits,
    asks `hypot`."""
    squares = dx * dx + dy * dy
    limit_squared = limit_m * limit_m
    if squares < NORMAL_SQUARES:
        return math.hypot(dx, dy) < limit_m  # squares of under 1e-150 m lose digits as they round
    if squares < limit_squared * (1.0 - SURELY):
        return True
    if squares > limit_squared * (1.0 + SURELY):
        return False
    return math.hypot(dx, dy) < limit_m


@numba.njit(cache=True, error_model="numpy")
def range_and_angle_off(
    x: float, y: float, z: float, heading_rad: float, gamma_rad: float, aim_x: float, aim_y: float, aim_z: float
) -> tuple[float, float]:
    """Range from a craft to an aim point, and the angle (rad) between it and the craft's nose."""
    return range_and_angle_off_from(
        x,
        y,
        z,
        math.sin(heading_rad),
        math.cos(heading_rad),
        math.sin(gamma_rad),
        math.cos(gamma_rad),
        aim_x,
        aim_y,
        aim_z,
    )


@numba.njit(cache=True, error_model="numpy")
def range_and_angle_off_from(
    x: float,
    y: float,
    z: float,
    sin_heading: float,
    cos_heading: float,
    sin_gamma: float,
    cos_gamma: float,
    aim_x: float,
    aim_y: float,
    aim_z: float,
) -> tuple[float, float]:
    """`range_and_angle_off`, from the sines and cosines of the craft's heading and flight-path angle (as
    the World keeps them)."""
    range_m = range_to(x, y, z, aim_x, aim_y, aim_z)
    return range_m, angle_off_from(
        x, y, z, sin_heading, cos_heading, sin_gamma, cos_gamma, aim_x, aim_y, aim_z, range_m
    )


@numba.njit(cache=True, error_model="numpy")
def range_to(x: float, y: float, z: float, aim_x: float, aim_y: float, aim_z: float) -> float:
    """The range from a craft to an aim point (`range_and_angle_off`'s)."""
    dx = aim_x - x
    dy = aim_y - y
    dz = aim_z - z
    return math.sqrt(dx * dx + dy * dy + dz * dz)


@numba.njit(cache=True, error_model="numpy")
def angle_off_from(
    x: float,
    y: float,
    z: float,
    sin_heading: float,
    cos_heading: float,
    sin_gamma: float,
    cos_gamma: float,
    aim_x: float,
    aim_y: float,
    aim_z: float,
    range_m: float,
) -> float:
    """The angle off the craft's nose of an aim point at `range_m` (`range_and_angle_off`'s): for a rule
    that needs it only within a range, and asks `range_to` first."""
    dx = aim_x - x
    dy = aim_y - y
    dz = aim_z - z
    cos_g = cos_gamma
    dot = dx * cos_g * sin_heading + dy * cos_g * cos_heading + dz * sin_gamma
    return math.acos(min(max(dot / max(range_m, 1e-6), -1.0), 1.0))


def in_cone(world: World, shooter: I64, aim_x: F64, aim_y: F64, aim_z: F64) -> tuple[F64, F64]:
    """`range_and_angle_off` for each shooter and its aim point."""
    range_m = np.empty(len(shooter))
    off = np.empty(len(shooter))
    _in_cone(
        len(shooter),
        shooter,
        np.asarray(aim_x, dtype=np.float64),
        np.asarray(aim_y, dtype=np.float64),
        np.asarray(aim_z, dtype=np.float64),
        world.x_m,
        world.y_m,
        world.z_m,
        world.heading_rad,
        world.gamma_rad,
        range_m,
        off,
    )
    return range_m, off


def _in_cone_rows(
    shooter: I64,
    aim_x: F64,
    aim_y: F64,
    aim_z: F64,
    x: F64,
    y: F64,
    z: F64,
    heading: F64,
    gamma: F64,
    range_m: F64,
    off: F64,
) -> None:
    for k in numba.prange(len(shooter)):
        r = shooter[k]
        range_m[k], off[k] = range_and_angle_off(x[r], y[r], z[r], heading[r], gamma[r], aim_x[k], aim_y[k], aim_z[k])


_in_cone = threads.twins(_in_cone_rows)
