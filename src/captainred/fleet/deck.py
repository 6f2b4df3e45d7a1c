"""The carrier's deck, simply: aircraft go off the bow one at a time at the deck's launch interval, and
come back aboard one at a time when the deck is clear. (The full deck cycle builds on this.)"""

from __future__ import annotations

import numpy as np

from captainred.engine.events import EventKind
from captainred.engine.launch import heading_to, put_in_air
from captainred.engine.world import AIR_COMMAND, B, Status, World, emit

LAUNCH_SPEED_FACTOR = 1.25  # off the bow at this multiple of stall speed
RECOVERY_RADIUS_M = 1500.0
RECOVERY_ALTITUDE_M = 400.0


def launch_due(world: World, active: B) -> None:
    now = world.time_s[world.battle]
    due = active & (world.status == Status.READY) & (world.side == AIR_COMMAND) & (world.launch_at_s <= now)
    rows = np.flatnonzero(due)
    if not len(rows):
        return
    carrier = world.home_carrier[rows]
    cx, cy = world.carrier_xy[carrier, 0], world.carrier_xy[carrier, 1]
    tx, ty = world.scenario.scenario.mission.target_m
    heading = heading_to(cx, cy, tx, ty)
    deck = np.array(
        [world.scenario.catalog.carriers[c.name].deck_altitude_m for c in world.scenario.scenario.carriers]
    )[carrier]
    put_in_air(
        world,
        rows,
        cx.copy(),
        cy.copy(),
        deck + 5.0,
        heading,
        LAUNCH_SPEED_FACTOR * world.stall_speed_mps[rows],
        base="carrier",
    )
    world.gamma_rad[rows] = 0.08


def recover(world: World, active: B, returning: B) -> None:
    """Land returning aircraft that are in the pattern, one at a time per deck, lowest fuel first."""
    rows = np.flatnonzero(active & returning & world.airborne)
    if not len(rows):
        return
    carrier = world.home_carrier[rows]
    dist = np.hypot(world.x_m[rows] - world.carrier_xy[carrier, 0], world.y_m[rows] - world.carrier_xy[carrier, 1])
    close = (dist < RECOVERY_RADIUS_M) & (world.z_m[rows] < RECOVERY_ALTITUDE_M)
    rows, carrier = rows[close], carrier[close]
    if not len(rows):
        return
    names = [c.name for c in world.scenario.scenario.carriers]
    # Lowest fuel first (ties: lowest row), per deck.
    for k in np.lexsort((rows, world.fuel_kg[rows])).tolist():
        row, c = int(rows[k]), int(carrier[k])
        b = int(world.battle[row])
        now = float(world.time_s[b])
        if world.deck_free_s[b, c] > now:
            continue
        deck = world.scenario.catalog.carriers[names[c]]
        world.deck_free_s[b, c] = now + deck.recovery_interval_s
        world.status[row] = Status.RETURNED
        world.speed_mps[row] = 0.0
        world.trigger[row] = False
        world.z_m[row] = deck.deck_altitude_m
        emit(
            world,
            row,
            EventKind.RECOVERED,
            carrier=names[c],
            fuel_kg=float(world.fuel_kg[row]),
            photos=int(world.photos[row]),
        )
