"""The LGF swarm and its mother ship: held back until the intruders are committed, then a swarm from the
doors in the ship's side; attackers chase from the tail with blue fire; a few herd a struggling pilot
down rather than kill her; those whose emitters are spent go home to rearm; the rest guard the ship.
"""

from __future__ import annotations

import numpy as np

from captainred.doctrine.modes import Mode, mode_in
from captainred.doctrine.steering import avoid_terrain, orbit, steer_to
from captainred.engine.events import EventKind
from captainred.engine.launch import put_in_air
from captainred.engine.sensing import Picture, in_cone
from captainred.engine.weapons import BULLET_SPEED_MPS, SNAP_SHOT_FACTOR, Armoury, lead_point
from captainred.engine.world import AIR_COMMAND, I64, LGF, B, Status, World, emit, emit_battle

LEASH_M = 16000.0  # an LGF does not follow a pilot further than this from its ship
SIGHT_M = 12000.0
GUARD_RADIUS_M = 2500.0
GUARD_ALTITUDE_M = 1200.0
DOOR_CLEARANCE_M = 40.0
DOCK_RANGE_M = 500.0
LOOKAHEAD_S = 2.5  # short: an LGF copying a pull-out may not make it


def decide_swarm(world: World, picture: Picture, armoury: Armoury, active: B) -> None:
    if world.ship_xyz is None:
        return
    _commit(world, active, picture)
    _launch_from_doors(world, active)
    up = active & world.airborne & (world.side == LGF)
    if not up.any():
        return
    world.trigger[up] = False
    _rearm(world, up)
    _herd(world, up, picture)
    _attack(world, up, picture, armoury)
    _guard(world, up)
    rows = np.flatnonzero(up & (world.mode != Mode.RETURN))
    avoid_terrain(world, rows, np.full(len(rows), LOOKAHEAD_S))


def _commit(world: World, active: B, picture: Picture) -> None:
    """Intruders inside the commit range: the doors open and the swarm comes out."""
    assert world.ship_xyz is not None
    enemy = world.scenario.scenario.enemy
    ship = world.scenario.catalog.ships[enemy.ship] if enemy.ship else None
    if ship is None:
        return
    intruders = active & world.airborne & (world.side == AIR_COMMAND) & (picture.ship_range_m < enemy.commit_range_m)
    battles = np.unique(world.battle[intruders])
    for b in battles.tolist():
        if np.isfinite(world.committed_s[b]):
            continue
        now = float(world.time_s[b])
        world.committed_s[b] = now
        rows = np.arange(world.row_start[b], world.row_stop[b])
        held = rows[(world.side[rows] == LGF) & (world.status[rows] == Status.READY)]
        k = np.arange(len(held))
        world.launch_at_s[held] = now + (k // ship.doors) / ship.launch_per_door_per_s
        for door in range(ship.doors):
            emit_battle(world, b, EventKind.SWARM_LAUNCH, door=door, craft=int(np.sum(k % ship.doors == door)))


def _door_positions(world: World, rows: I64) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    assert world.ship_xyz is not None
    sx, sy, sz = world.ship_xyz
    hx, hy, _ = world.ship_half_m
    enemy = world.scenario.scenario.enemy
    doors = world.scenario.catalog.ships[enemy.ship].doors if enemy.ship else 1
    k = world.slot[rows] - enemy.airborne
    door = k % doors
    east = door % 2 == 0
    along = ((door // 2) - (doors - 1) // 4) * (hy / max(1, doors // 2))
    x = np.where(east, sx + hx + DOOR_CLEARANCE_M, sx - hx - DOOR_CLEARANCE_M)
    y = sy + along
    heading = np.where(east, np.pi / 2, 3 * np.pi / 2)
    return x, y, np.full(len(rows), sz), heading


def _launch_from_doors(world: World, active: B) -> None:
    now = world.time_s[world.battle]
    due = np.flatnonzero(active & (world.side == LGF) & (world.status == Status.READY) & (world.launch_at_s <= now))
    if not len(due):
        return
    x, y, z, heading = _door_positions(world, due)
    put_in_air(world, due, x, y, z, heading, 0.8 * world.cruise_speed_mps[due], base="mother-ship")
    world.mode[due] = Mode.GUARD


def _rearm(world: World, up: B) -> None:
    assert world.ship_xyz is not None
    spent = up & (world.bursts_left <= 0) & (world.mode != Mode.RETURN)
    world.mode[spent] = Mode.RETURN
    rows = np.flatnonzero(up & (world.mode == Mode.RETURN))
    if not len(rows):
        return
    x, y, z, _ = _door_positions(world, rows)
    steer_to(world, rows, x, y, z, gain_m=300.0)
    world.cmd_throttle[rows] = 0.7
    world.target[rows] = -1
    docked = np.hypot(x - world.x_m[rows], y - world.y_m[rows]) < DOCK_RANGE_M
    for row in rows[docked].tolist():
        world.status[row] = Status.RETURNED
        world.speed_mps[row] = 0.0
        emit(world, row, EventKind.RETURNED_TO_SHIP)


def _herd(world: World, up: B, picture: Picture) -> None:
    """Force-down LGFs close around a damaged pilot: one above, one on each side."""
    assert world.ship_xyz is not None
    sx, sy, _ = world.ship_xyz
    prey_row = np.maximum(picture.nearest_prey, 0)
    within_leash = (picture.nearest_prey >= 0) & (
        np.hypot(world.x_m[prey_row] - sx, world.y_m[prey_row] - sy) < LEASH_M
    )
    herders = np.flatnonzero(up & world.force_down_role & (world.mode != Mode.RETURN) & within_leash)
    if not len(herders):
        world.mode[up & (world.mode == Mode.HERD)] = Mode.GUARD
        return
    prey = picture.nearest_prey[herders]
    world.mode[herders] = Mode.HERD
    world.target[herders] = prey
    role = world.slot[herders] % 3
    psi = world.heading_rad[prey]
    fx, fy = np.sin(psi), np.cos(psi)
    right = np.select([role == 1, role == 2], [90.0, -90.0], 0.0)
    above = np.where(role == 0, 70.0, 10.0)
    back = 30.0
    lead = world.speed_mps[prey] * 1.0
    px = world.x_m[prey] + right * fy - back * fx + fx * lead
    py = world.y_m[prey] - right * fx - back * fy + fy * lead
    pz = world.z_m[prey] + above
    steer_to(world, herders, px, py, pz, gain_m=200.0)
    gap = np.hypot(px - world.x_m[herders], py - world.y_m[herders])
    world.cmd_throttle[herders] = np.clip(0.5 + gap / 600.0, 0.2, 1.1)
    world.trigger[herders] = False
    # Once herded down, they stay with her till she is on the ground.
    stale = up & (world.mode == Mode.HERD)
    stale[herders] = False
    world.mode[stale] = Mode.GUARD


def _attack(world: World, up: B, picture: Picture, armoury: Armoury) -> None:
    assert world.ship_xyz is not None
    sx, sy, _ = world.ship_xyz
    candidates = np.flatnonzero(up & ~mode_in(world.mode, Mode.RETURN, Mode.HERD))
    if not len(candidates):
        return
    prey = picture.nearest_enemy[candidates]
    safe = np.maximum(prey, 0)
    in_reach = (
        (prey >= 0)
        & (picture.nearest_range_m[candidates] < SIGHT_M)
        & (np.hypot(world.x_m[safe] - sx, world.y_m[safe] - sy) < LEASH_M)
    )
    rows = candidates[in_reach]
    world.mode[candidates[~in_reach]] = Mode.GUARD
    world.target[candidates[~in_reach]] = -1
    if not len(rows):
        return
    target = prey[in_reach]
    world.mode[rows] = Mode.ATTACK
    world.target[rows] = target
    # From far off, come in behind the target; close in, lead it and fire.
    ax, ay, az = lead_point(world, rows, target, BULLET_SPEED_MPS)
    rng, off = in_cone(world, rows, ax, ay, az)
    far = rng > 1200.0
    psi = world.heading_rad[target]
    bx = world.x_m[target] - 600.0 * np.sin(psi)
    by = world.y_m[target] - 600.0 * np.cos(psi)
    steer_to(
        world,
        rows,
        np.where(far, bx, ax),
        np.where(far, by, ay),
        np.where(far, world.z_m[target], az),
        gain_m=150.0,
    )
    world.cmd_throttle[rows] = np.where(rng > 500.0, 1.1, 0.8)
    spec = armoury.spec
    world.trigger[rows] = (rng < spec["energy_range"][rows]) & (off < SNAP_SHOT_FACTOR * spec["energy_cone"][rows])


def _guard(world: World, up: B) -> None:
    assert world.ship_xyz is not None
    sx, sy, _ = world.ship_xyz
    rows = np.flatnonzero(up & (world.mode == Mode.GUARD))
    if len(rows):
        orbit(world, rows, sx, sy, GUARD_RADIUS_M, GUARD_ALTITUDE_M, clockwise=True)
        world.cmd_throttle[rows] = 0.6
