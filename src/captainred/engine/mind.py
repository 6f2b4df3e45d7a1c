"""The mother ship's reach into minds: near the ship a susceptible pilot may black out for seconds.

A blacked-out pilot's aircraft falls into a spin; when she comes to, she fights her way out of it, which
takes longer for a less skilled pilot. The hazard per second is the ship's base hazard scaled by the
square of the pilot's susceptibility, so the few who are open to it are caught and the rest rarely.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.events import EventKind
from captainred.engine.rng import CHANCE_SLACK, Purpose, uniform, uniform_one
from captainred.engine.world import F64, I64, B, Status, World, emit
from captainred.scenario.model import MotherShipType

AIRBORNE, BLACKOUT = int(Status.AIRBORNE), int(Purpose.BLACKOUT)  # plain ints for the compiled kernel


def reach_into_minds(world: World, active: B, dt: F64, ship_range_m: F64, ship: MotherShipType) -> None:
    # Only Air Command's pilots black out or spin (an LGF takes its hits on the airframe alone).
    recovered, exposed = _wake_and_recover(
        world.air_command_rows,
        active,
        dt,
        arrays_of(world),
        ship_range_m,
        ship.mind_reach_m,
        ship.blackout_hazard_per_s,
    )
    for row in recovered.tolist():
        emit(world, row, EventKind.SPIN_RECOVERED, altitude_m=float(world.z_m[row]))
    if not len(exposed):
        return
    _black_out(world, exposed, dt, ship)


@numba.njit(cache=True, error_model="numpy")
def _wake_and_recover(
    ours: I64, active: B, dt: F64, w: WorldArrays, ship_range_m: F64, reach_m: float, hazard_per_s: float
) -> tuple[I64, I64]:
    """For each of Air Command's rows (`ours`) in a battle being fought: a blackout wears off with the
    tick; a pilot alive in the air, come to and past the time her spin takes, fights out of it (the first
    rows returned, in order); and a pilot alive in the air, awake, not spinning and within the ship's
    reach is exposed to it (the second, in order). The exposed come back only when the draw of one of
    them may catch her: one above her chance by more than `CHANCE_SLACK` cannot, however `exp` rounds."""
    battle, time_s, status, pilot_dead, blackout_s = w.battle, w.time_s, w.status, w.pilot_dead, w.blackout_s
    spinning, spin_until_s, susceptibility, row_seed, craft, tick = (
        w.spinning, w.spin_until_s, w.susceptibility, w.row_seed, w.craft, w.tick,
    )  # fmt: skip
    recovered = np.empty(len(ours), np.int64)
    exposed = np.empty(len(ours), np.int64)
    n_recovered, n_exposed, may_catch = 0, 0, False
    for r in ours:
        if not active[r]:
            continue
        if blackout_s[r] > 0:
            blackout_s[r] = max(blackout_s[r] - dt[r], 0.0)
        if status[r] != AIRBORNE or pilot_dead[r]:
            continue
        if spinning[r] and blackout_s[r] <= 0 and time_s[battle[r]] >= spin_until_s[r]:
            spinning[r] = False
            recovered[n_recovered] = r
            n_recovered += 1
        if ship_range_m[r] < reach_m and blackout_s[r] <= 0 and not spinning[r]:
            exposed[n_exposed] = r
            n_exposed += 1
            hazard = hazard_per_s * susceptibility[r] ** 2
            u = uniform_one(row_seed[r], craft[r], tick[battle[r]], BLACKOUT)
            may_catch |= u < 1.0 - math.exp(-hazard * dt[r]) + CHANCE_SLACK
    return recovered[:n_recovered], exposed[:n_exposed] if may_catch else exposed[:0]


def _black_out(world: World, idx: I64, dt: F64, ship: MotherShipType) -> None:
    """Each exposed pilot (`idx`) is caught with the hazard over the tick; a pilot caught blacks out for
    some seconds and her aircraft spins."""
    time_s = world.time_s  # per battle
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
