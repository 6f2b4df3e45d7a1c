"""Sensing: who sees whom, within each battle only.

The pairs that can ever matter (each Air Command row against each LGF row of the same battle) are listed
once per run; each tick computes their geometry in one pass and reduces it per craft: the nearest enemy,
the enemy on one's tail, the escorts herding a pilot down. Nothing is ever sensed across battles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from captainred.engine.world import AIR_COMMAND, F64, I64, LGF, B, World

FORCE_DOWN_RADIUS_M = 350.0


@dataclass(frozen=True)
class Pairs:
    """Static pair lists, grouped by Air Command row and (through `by_lgf`) by LGF row."""

    ac: I64
    lgf: I64
    ac_starts: I64  # group starts in pair order
    ac_rows: I64  # the row of each group
    ac_group: I64  # group of each pair
    by_lgf: I64  # permutation of pairs grouped by LGF row
    lgf_starts: I64
    lgf_rows: I64
    lgf_group: I64
    battle_starts: I64  # group starts of pairs by battle (pairs are contiguous per battle)
    battle_ids: I64


def build_pairs(world: World) -> Pairs:
    ac_list: list[np.ndarray] = []
    lgf_list: list[np.ndarray] = []
    for b in range(world.n_battles):
        rows = np.arange(world.row_start[b], world.row_stop[b])
        ours = rows[world.side[rows] == AIR_COMMAND]
        theirs = rows[world.side[rows] == LGF]
        ac_list.append(np.repeat(ours, len(theirs)))
        lgf_list.append(np.tile(theirs, len(ours)))
    ac = np.concatenate(ac_list).astype(np.int64) if ac_list else np.zeros(0, np.int64)
    lgf = np.concatenate(lgf_list).astype(np.int64) if lgf_list else np.zeros(0, np.int64)

    def groups(keys: I64) -> tuple[I64, I64, I64]:
        if len(keys) == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        change = np.flatnonzero(np.diff(keys)) + 1
        starts = np.concatenate([[0], change]).astype(np.int64)
        counts = np.diff(np.concatenate([starts, [len(keys)]]))
        return starts, keys[starts], np.repeat(np.arange(len(starts)), counts).astype(np.int64)

    ac_starts, ac_rows, ac_group = groups(ac)
    by_lgf = np.argsort(lgf, kind="stable").astype(np.int64)
    lgf_starts, lgf_rows, lgf_group = groups(lgf[by_lgf])
    battle_starts, battle_ids, _ = groups(world.battle[ac].astype(np.int64))
    return Pairs(
        ac,
        lgf,
        ac_starts,
        ac_rows,
        ac_group,
        by_lgf,
        lgf_starts,
        lgf_rows,
        lgf_group,
        battle_starts,
        battle_ids,
    )


def _regroup(keys: I64) -> tuple[I64, I64]:
    """Starts of the runs of equal consecutive keys, and each element's run number."""
    if len(keys) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    change = np.empty(len(keys), dtype=bool)
    change[0] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    return np.flatnonzero(change), np.cumsum(change) - 1


def group_argmin(values: F64, starts: I64, group: I64) -> tuple[I64, F64]:
    """Per group of consecutive values: the index of the first minimum and the minimum (inf: none)."""
    if len(values) == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    mins = np.minimum.reduceat(values, starts)
    position = np.arange(len(values))
    candidate = np.where(values == mins[group], position, len(values))
    first = np.minimum.reduceat(candidate, starts)
    return first.astype(np.int64), mins


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


def sense(world: World, pairs: Pairs, evade_range_m: float, prey: B) -> Picture:
    """This tick's picture; `prey` marks the Air Command craft that force-down LGFs go after."""
    n = world.n
    ship_xyz = world.ship_xyz
    spread = world.target_spread
    nearest_prey = np.full(n, -1, np.int64)
    airborne = world.airborne
    nearest = np.full(n, -1, np.int64)
    nearest_range = np.full(n, np.inf)
    tail = np.full(n, -1, np.int64)
    tail_range = np.full(n, np.inf)
    escorts = np.zeros(n, np.int64)
    battle_range = np.full(world.n_battles, np.inf)

    if ship_xyz is not None:
        sx, sy, sz = ship_xyz
        ship_range = np.sqrt((world.x_m - sx) ** 2 + (world.y_m - sy) ** 2 + (world.z_m - sz) ** 2)
        ours_up = airborne & (world.side == AIR_COMMAND)
        r = np.where(ours_up, ship_range, np.inf)
        battle_range = np.minimum(battle_range, np.minimum.reduceat(r, world.row_start))
    else:
        ship_range = np.full(n, np.inf)

    live_mask = airborne[pairs.ac] & airborne[pairs.lgf]
    live = np.flatnonzero(live_mask)
    if len(live):
        # Only the pairs whose two craft are both in the air, in the same order as the full lists, so
        # that ties resolve the same way (lowest row) whatever else is flying.
        a, e = pairs.ac[live], pairs.lgf[live]
        dx = world.x_m[e] - world.x_m[a]
        dy = world.y_m[e] - world.y_m[a]
        dz = world.z_m[e] - world.z_m[a]
        rng = np.sqrt(dx * dx + dy * dy + dz * dz)
        starts, group = _regroup(a)
        ac_rows = a[starts]

        # Air Command: nearest LGF.
        first, mins = group_argmin(rng, starts, group)
        nearest[ac_rows] = e[first]
        nearest_range[ac_rows] = mins

        # Air Command: an LGF that has picked her and sits behind her, or is very close. Her nose is worked
        # out once per pilot, not once per pair (the trigonometry was the costliest part of the tick).
        cos_g = np.cos(world.gamma_rad[ac_rows])
        fx = (cos_g * np.sin(world.heading_rad[ac_rows]))[group]
        fy = (cos_g * np.cos(world.heading_rad[ac_rows]))[group]
        fz = np.sin(world.gamma_rad[ac_rows])[group]
        ahead = (dx * fx + dy * fy + dz * fz) / np.maximum(rng, 1.0)
        hunting = world.target[e] == a
        on_tail = hunting & (rng < evade_range_m) & ((ahead < -0.3) | (rng < 0.35 * evade_range_m))
        first, mins = group_argmin(np.where(on_tail, rng, np.inf), starts, group)
        found = np.isfinite(mins)
        tail[ac_rows[found]] = e[first[found]]
        tail_range[ac_rows[found]] = mins[found]

        herding = hunting & world.force_down_role[e] & (rng < FORCE_DOWN_RADIUS_M)
        escorts[ac_rows] = np.add.reduceat(herding.astype(np.int64), starts)

        # LGFs: the Air Command craft to go for, spread so the swarm does not all pick one pilot.
        position = np.empty(len(pairs.ac), dtype=np.int64)
        position[live] = np.arange(len(live))
        by_lgf = pairs.by_lgf[live_mask[pairs.by_lgf]]
        k = position[by_lgf]
        l_starts, l_group = _regroup(pairs.lgf[by_lgf])
        lgf_rows = e[k[l_starts]]
        score = rng[k] * (1.0 + spread[e[k]] * (1.0 + world.slot[a[k]] % 3))
        first, mins = group_argmin(score, l_starts, l_group)
        nearest[lgf_rows] = a[k[first]]
        nearest_range[lgf_rows] = rng[k[first]]

        first, mins = group_argmin(np.where(prey[a[k]], rng[k], np.inf), l_starts, l_group)
        found = np.isfinite(mins)
        nearest_prey[lgf_rows[found]] = a[k[first[found]]]

        b_starts, _ = _regroup(world.battle[a].astype(np.int64))
        battles = world.battle[a[b_starts]]
        battle_range[battles] = np.minimum(battle_range[battles], np.minimum.reduceat(rng, b_starts))

    return Picture(nearest, nearest_range, tail, tail_range, escorts, ship_range, nearest_prey, battle_range)


def in_cone(world: World, shooter: I64, aim_x: F64, aim_y: F64, aim_z: F64) -> tuple[F64, F64]:
    """Range to an aim point and the angle (rad) between it and the shooter's nose."""
    dx = aim_x - world.x_m[shooter]
    dy = aim_y - world.y_m[shooter]
    dz = aim_z - world.z_m[shooter]
    rng = np.sqrt(dx * dx + dy * dy + dz * dz)
    cos_g = np.cos(world.gamma_rad[shooter])
    dot = (
        dx * cos_g * np.sin(world.heading_rad[shooter])
        + dy * cos_g * np.cos(world.heading_rad[shooter])
        + dz * np.sin(world.gamma_rad[shooter])
    )
    off = np.arccos(np.clip(dot / np.maximum(rng, 1e-6), -1.0, 1.0))
    return rng, off
