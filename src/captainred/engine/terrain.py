"""Solid things: the sea, the ground, Manhattan's buildings and the mother ship's hull.

Flying into any of them is a crash; skimming them is allowed. Each move is checked along its whole
segment, so nothing passes through a building between two ticks. A crippled aircraft that means to come
down (its landing intent) makes a forced landing in a street, or ditches at sea, instead of crashing.
"""

from __future__ import annotations

import numpy as np

from captainred.engine.events import EventKind
from captainred.engine.rng import Purpose, uniform
from captainred.engine.world import F64, I64, LGF, Status, World, emit

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
    theatre = world.theatre
    p0 = np.stack([x0, y0, z0], axis=1)
    p1 = np.stack([world.x_m[idx], world.y_m[idx], world.z_m[idx]], axis=1)
    clear, t_hit = theatre.segment_hit(p0, p1)
    # A craft that hits something stops where it hit it, not at the end of its move; what it hit is
    # read a hair further along the move, so a wall counts as its building.
    move = p1 - p0
    stop = p0 + t_hit[:, None] * move
    beyond = p0 + np.minimum(t_hit + 1e-3, 1.0)[:, None] * move
    ground = np.maximum(
        theatre.ground_height_m(stop[:, 0], stop[:, 1]), theatre.ground_height_m(beyond[:, 0], beyond[:, 1])
    )
    blocked = np.flatnonzero(~clear)
    rows = idx[blocked]
    world.x_m[rows], world.y_m[rows] = stop[blocked, 0], stop[blocked, 1]
    world.z_m[rows] = np.maximum(stop[blocked, 2], 0.0)
    p1[blocked] = stop[blocked]

    inside_ship = np.zeros(len(idx), dtype=bool)
    if world.ship_xyz is not None:
        sx, sy, sz = world.ship_xyz
        hx, hy, hz = world.ship_half_m
        inside_ship = (
            (np.abs(p1[:, 0] - sx) < hx)
            & (np.abs(p1[:, 1] - sy) < hy)
            & (np.abs(p1[:, 2] - sz) < hz)
            & (world.side[idx] != LGF)
        )

    for k in np.flatnonzero(~clear | inside_ship).tolist():
        row = int(idx[k])
        if inside_ship[k]:
            _crash(world, row, "the mother ship's hull")
            continue
        on_land = _over_land(world, float(p1[k, 0]), float(p1[k, 1]))
        gentle = world.gamma_rad[row] > -LANDING_MAX_DESCENT_RAD and ground[k] <= 1.0
        if world.landing_intent[row] and gentle and not world.pilot_dead[row]:
            if on_land:
                _forced_landing(world, row)
            else:
                world.status[row] = Status.LOST
                emit(world, row, EventKind.DITCHED, cause="ditched at sea")
        elif ground[k] > 1.0:
            _crash(world, row, "flew into a building")
        elif on_land:
            _crash(world, row, "flew into the ground")
        else:
            _crash(world, row, "flew into the sea")


def _over_land(world: World, x: float, y: float) -> bool:
    return bool(world.theatre.on_land(np.array([x]), np.array([y]))[0])


def _crash(world: World, row: int, cause: str) -> None:
    from captainred.engine.damage import lose

    if world.pilot_dead[row]:
        cause = "went down with a dead pilot"
    elif world.spinning[row]:
        cause = "spun in"
    lose(world, row, EventKind.CRASH, None, cause=cause)


def _forced_landing(world: World, row: int) -> None:
    """Down in a street: the pilot walks away (missing, or captured if herded down), or does not."""
    from captainred.engine.radio import cut_call

    b = int(world.battle[row])
    survive = 0.35 + 0.6 * float(world.skill[row])
    u = float(uniform(world.row_seed[row], world.craft[row], world.tick[b], Purpose.FORCED_LANDING))
    landed = u < survive
    cut_call(world, row)
    world.status[row] = Status.LOST
    world.speed_mps[row] = 0.0
    where = _street_name(float(world.x_m[row]), float(world.y_m[row]))
    emit(
        world,
        row,
        EventKind.FORCED_LANDING,
        where=where,
        outcome="landed" if landed else "crashed",
        captured=bool(landed and world.forced_down[row]),
    )
