"""The fleet under way: carriers steam on a course at a speed, and the order to launch comes when the
target is within range.

Carrier positions are a pure function of each battle's own clock (start + velocity x time), so a battle
steams the same alone or in a batch, and days of steaming cost only the idle ticks they take.
"""

from __future__ import annotations

import numpy as np

from captainred.engine.world import AIR_COMMAND, F64, B, Status, World


def steam(world: World) -> None:
    """Move every battle's carriers to where the fleet has steamed by that battle's time."""
    world.carrier_xy[:] = (
        world.carrier_start_xy[None, :, :] + world.time_s[:, None, None] * world.fleet_velocity_mps[None, None, :]
    )


def order_launches(world: World, active: B) -> None:
    """Launching on range: once a carrier is within the mission's launch range of the target, its
    aircraft go at their launch offsets from now."""
    mission = world.plan.mission
    if mission.launch_range_m is None or mission.target_m is None:
        return
    waiting = active[world.battle] & (world.side == AIR_COMMAND) & (world.status == int(Status.READY))
    waiting &= ~np.isfinite(world.launch_at_s) & ~world.stand_by
    rows = np.flatnonzero(waiting)
    if not len(rows):
        return
    b, c = world.battle[rows], world.home_carrier[rows]
    tx, ty = mission.target_m
    in_range = np.hypot(world.carrier_xy[b, c, 0] - tx, world.carrier_xy[b, c, 1] - ty) <= mission.launch_range_m
    go = rows[in_range]
    world.launch_at_s[go] = world.time_s[world.battle[go]] + world.launch_offset_s[go]


def next_launch_s(world: World) -> F64:
    """(n_battles,): the earliest launch still to come in each battle (inf: none scheduled): a first
    launch, an LGF's (its first, or again once rearmed), or a relay's next sortie."""
    first = (world.sorties == 0) | (world.side != AIR_COMMAND)
    pending = (world.status == int(Status.READY)) & first & np.isfinite(world.launch_at_s)
    soonest = np.full(world.n_battles, np.inf)
    np.minimum.at(soonest, world.battle[pending], world.launch_at_s[pending])
    relay = (world.status == int(Status.READY)) & np.isfinite(world.next_sortie_s)
    np.minimum.at(soonest, world.battle[relay], world.next_sortie_s[relay])
    return soonest


def next_deck_job_s(world: World) -> F64:
    """(n_battles,): when the next job on a carrier's deck or in its hangar comes due (inf: none)."""
    pending = np.isfinite(world.deck_ready_s) & (world.deck_ready_s > world.time_s[world.battle])
    soonest = np.full(world.n_battles, np.inf)
    np.minimum.at(soonest, world.battle[pending], world.deck_ready_s[pending])
    return soonest
