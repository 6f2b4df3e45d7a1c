"""The mother ship's reach into minds: near the ship a susceptible pilot may black out for seconds.

A blacked-out pilot's aircraft falls into a spin; when she comes to, she fights her way out of it, which
takes longer for a less skilled pilot. The hazard per second is the ship's base hazard scaled by the
square of the pilot's susceptibility, so the few who are open to it are caught and the rest rarely.
"""

from __future__ import annotations

import numpy as np

from captainred.engine.events import EventKind
from captainred.engine.rng import Purpose, uniform
from captainred.engine.world import F64, B, Status, World, emit
from captainred.scenario.model import MotherShipType


def reach_into_minds(world: World, active: B, dt: F64, ship_range_m: F64, ship: MotherShipType) -> None:
    # Only Air Command's pilots black out or spin (an LGF takes its hits on the airframe alone).
    ours = world.air_command_rows[active[world.air_command_rows]]
    time_s = world.time_s  # per battle
    # Pilots coming to, and pilots fighting out of a spin.
    waking = ours[world.blackout_s[ours] > 0]
    world.blackout_s[waking] = np.maximum(world.blackout_s[waking] - dt[waking], 0.0)
    up = ours[(world.status[ours] == int(Status.AIRBORNE)) & ~world.pilot_dead[ours]]
    recovering = up[
        world.spinning[up] & (world.blackout_s[up] <= 0) & (time_s[world.battle[up]] >= world.spin_until_s[up])
    ]
    for row in recovering.tolist():
        world.spinning[row] = False
        emit(world, row, EventKind.SPIN_RECOVERED, altitude_m=float(world.z_m[row]))

    idx = up[(ship_range_m[up] < ship.mind_reach_m) & (world.blackout_s[up] <= 0) & ~world.spinning[up]]
    if not len(idx):
        return
    tick = world.tick[world.battle[idx]]
    hazard = ship.blackout_hazard_per_s * world.susceptibility[idx] ** 2
    caught = uniform(world.row_seed[idx], world.craft[idx], tick, Purpose.BLACKOUT) < 1 - np.exp(-hazard * dt[idx])
    for row in idx[caught].tolist():
        u = float(
            uniform(world.row_seed[row], world.craft[row], world.tick[world.battle[row]], Purpose.BLACKOUT_LENGTH)
        )
        seconds = ship.blackout_min_s + (ship.blackout_max_s - ship.blackout_min_s) * u
        world.blackout_s[row] = seconds
        world.spinning[row] = True
        world.trigger[row] = False
        world.spin_until_s[row] = (
            float(time_s[world.battle[row]]) + seconds + 1.0 + 3.0 * (1.0 - float(world.skill[row]))
        )
        emit(world, row, EventKind.BLACKOUT, seconds=seconds)
