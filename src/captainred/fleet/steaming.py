"""The fleet under way: carriers steam on a course at a speed, and the order to launch comes when the
target is within range.

Carrier positions are a pure function of each battle's own clock (start + velocity x time), so a battle
steams the same alone or in a batch, and days of steaming cost only the idle ticks they take.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.world import AIR_COMMAND, F64, I64, B, Status, World

READY = int(Status.READY)


def steam(world: World) -> None:
    """Move every battle's carriers to where the fleet has steamed by that battle's time (`_steam_battles`)."""
    _steam_battles(world.carrier_start_xy, world.time_s, world.fleet_velocity_mps, world.carrier_xy)


@numba.njit(cache=True, error_model="numpy")
def _steam_battles(start_xy: F64, time_s: F64, velocity_mps: F64, carrier_xy: F64) -> None:
    """Each carrier of each battle is at its start plus the fleet's velocity times the battle's time."""
    for b in range(carrier_xy.shape[0]):
        for c in range(carrier_xy.shape[1]):
            for k in range(2):
                carrier_xy[b, c, k] = start_xy[c, k] + time_s[b] * velocity_mps[k]


def order_launches(world: World, active: B) -> None:
    """Launching on range: once a carrier is within the mission's launch range of the target, its
    aircraft go at their launch offsets from now (`_order_launches_rows`; `active` per row)."""
    mission = world.plan.mission
    if mission.launch_range_m is None or mission.target_m is None:
        return
    tx, ty = mission.target_m
    _order_launches_rows(
        world.air_command_rows,
        active,
        float(tx),
        float(ty),
        float(mission.launch_range_m),
        arrays_of(world),
    )


@numba.njit(cache=True, error_model="numpy")
def _order_launches_rows(
    ours: I64,
    active: B,
    target_x: float,
    target_y: float,
    launch_range_m: float,
    w: WorldArrays,
) -> None:
    """Each aircraft of ours on deck with no launch time yet, not held at readiness, in a battle being
    fought, whose carrier is within the launch range of the target, goes its launch offset from now."""
    status, stand_by, battle, home_carrier, carrier_xy = w.status, w.stand_by, w.battle, w.home_carrier, w.carrier_xy
    time_s, launch_offset_s, launch_at_s = w.time_s, w.launch_offset_s, w.launch_at_s
    for k in range(len(ours)):
        r = ours[k]
        if not active[r] or status[r] != READY or stand_by[r] or math.isfinite(launch_at_s[r]):
            continue
        b, c = battle[r], home_carrier[r]
        if math.hypot(carrier_xy[b, c, 0] - target_x, carrier_xy[b, c, 1] - target_y) <= launch_range_m:
            launch_at_s[r] = time_s[b] + launch_offset_s[r]


def next_launch_s(world: World) -> F64:
    """(n_battles,): the earliest launch still to come in each battle (inf: none scheduled): a first
    launch, an LGF's (its first, or again once rearmed), or a relay's next sortie (`_soonest_launches`)."""
    soonest = np.empty(world.n_battles)
    _soonest_launches(arrays_of(world), soonest)
    return soonest


@numba.njit(cache=True, error_model="numpy")
def _soonest_launches(w: WorldArrays, soonest: F64) -> None:
    """Per battle, the least of the launch times of its craft on deck that have one: an LGF's, or one of
    ours not yet flown; and of the next sorties of ours on deck that fly again (relays)."""
    row_start, row_stop, status, side = w.row_start, w.row_stop, w.status, w.side
    sorties, launch_at_s, next_sortie_s = w.sorties, w.launch_at_s, w.next_sortie_s
    for b in range(len(row_start)):
        t = math.inf
        for r in range(row_start[b], row_stop[b]):
            if status[r] != READY:
                continue
            if (sorties[r] == 0 or side[r] != AIR_COMMAND) and math.isfinite(launch_at_s[r]):
                t = min(t, launch_at_s[r])
            if math.isfinite(next_sortie_s[r]):
                t = min(t, next_sortie_s[r])
        soonest[b] = t


def next_deck_job_s(world: World) -> F64:
    """(n_battles,): when the next job on a carrier's deck or in its hangar comes due (inf: none)."""
    soonest = np.empty(world.n_battles)
    _soonest_deck_jobs(world.row_start, world.row_stop, world.deck_ready_s, world.time_s, soonest)
    return soonest


@numba.njit(cache=True, error_model="numpy")
def _soonest_deck_jobs(row_start: I64, row_stop: I64, deck_ready_s: F64, time_s: F64, soonest: F64) -> None:
    """Per battle, the least of the times its deck jobs are done that are still to come."""
    for b in range(len(row_start)):
        t = math.inf
        for r in range(row_start[b], row_stop[b]):
            if math.isfinite(deck_ready_s[r]) and deck_ready_s[r] > time_s[b]:
                t = min(t, deck_ready_s[r])
        soonest[b] = t
