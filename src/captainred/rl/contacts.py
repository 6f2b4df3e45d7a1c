"""The observation's passes, compiled: each agent's own state, the K nearest contacts in its own frame,
and the terrain and places about it.

For each agent (battle b, slot i) it scans the craft of the other list of its own battle (enemies, or
friends less itself), keeps the K nearest in the air (ties to the earlier row), and writes their features.
Craft and battles are looped inside the compiled kernel (DESIGN.md): the cost grows with agents times
candidates, and each agent's result depends only on its own battle, so never on the batch size. Each
battle writes only its own agents' slots, so a batch of thousands spreads its battles over threads
(`engine.threads`) with the same answers as on one.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.doctrine.modes import Mode
from captainred.engine import threads
from captainred.engine.arrays import WorldArrays
from captainred.engine.kinematics import REDLINE_THROTTLE
from captainred.engine.world import Status
from captainred.rl.commands import CANNON, CLIMB, HOME, ROCKETS, THROTTLE, TURN, flown_by_policy
from captainred.scenario.maps import height_at

AIRBORNE, READY, CRIPPLED = int(Status.AIRBORNE), int(Status.READY), int(Mode.CRIPPLED)
HALF_PI = np.pi / 2

CONTACT_FEATURES = 11
NEAR_M = 10_000.0  # contacts: positions are scaled by this
PER_NEAR_M = 1.0 / NEAR_M  # multiplied by, not divided by: a division costs more than the rest of a feature


def _own_state(
    w: WorldArrays,
    rows: NDArray[np.int64],
    local: NDArray[np.int64],
    gone: NDArray[np.bool_],
    over: NDArray[np.bool_],
    home: NDArray[np.bool_],
    lgf: bool,
    full_fuel: NDArray[np.float64],
    full_rounds: NDArray[np.float64],
    full_bursts: NDArray[np.float64],
    full_rockets: NDArray[np.float64],
    heat_limit: NDArray[np.float64],
    has_gun: NDArray[np.bool_],
    wanted: float,
    altitude_m: float,
    home_allowed: bool,
    observation: NDArray[np.float32],
    alive: NDArray[np.bool_],
    up: NDArray[np.bool_],
    action_mask: NDArray[np.bool_],
) -> None:
    """Each agent's own state, in the observation's first columns (`core.observation_names`): whether she
    is alive (not gone, her episode not over, in the air or on deck: `alive`, and in the air: `up`), her
    speed, altitude, heading, climb, throttle, load, fuel, guns, rockets, heat and photos scaled to
    [-1, 1], each subsystem's health, and whether she has turned for home, is spinning or crippled, or has
    blacked out. The full loads are per craft of a battle (`local`); the heading's sine and cosine are
    those the World keeps. And her action mask: nothing unless the policy flies her now (in the air,
    alive, not spinning, not crippled, not gone, not gone home); then the guns with rounds or a cool
    emitter with bursts left, the rockets with rockets left, and home with a carrier to go to (an LGF
    always has the ship) where the scenario allows it."""
    status = w.status
    speed = w.speed_mps
    max_speed = w.max_speed_mps
    z = w.z_m
    sin_heading = w.sin_heading
    cos_heading = w.cos_heading
    gamma = w.gamma_rad
    throttle = w.throttle
    load_g = w.load_g
    max_g = w.max_g
    fuel_limited = w.fuel_limited
    fuel_kg = w.fuel_kg
    bursts_left = w.bursts_left
    rounds = w.rounds
    rockets = w.rockets
    heat_s = w.heat_s
    photos = w.photos
    health = w.health
    spinning = w.spinning
    mode = w.mode
    blackout_s = w.blackout_s
    pilot_dead = w.pilot_dead
    overheated = w.overheated
    home_carrier = w.home_carrier
    n_b, n_a = rows.shape
    for b in numba.prange(n_b):
        for i in range(n_a):
            r = rows[b, i]
            j = local[i]
            is_alive = not gone[b, i] and not over[b] and (status[r] == AIRBORNE or status[r] == READY)
            alive[b, i] = is_alive
            up[b, i] = is_alive and status[r] == AIRBORNE
            observation[b, i, 0] = 1.0 if is_alive else -1.0
            observation[b, i, 1] = 2.0 * speed[r] / max_speed[r] - 1.0
            observation[b, i, 2] = z[r] / altitude_m - 1.0
            observation[b, i, 3] = sin_heading[r]
            observation[b, i, 4] = cos_heading[r]
            observation[b, i, 5] = gamma[r] / HALF_PI
            observation[b, i, 6] = 2.0 * throttle[r] / REDLINE_THROTTLE - 1.0
            observation[b, i, 7] = 2.0 * load_g[r] / max_g[r] - 1.0
            observation[b, i, 8] = 2.0 * fuel_kg[r] / max(full_fuel[j], 1e-9) - 1.0 if fuel_limited[r] else 1.0
            if lgf:
                observation[b, i, 9] = 2.0 * bursts_left[r] / full_bursts[j] - 1.0
            else:
                observation[b, i, 9] = 2.0 * rounds[r] / max(full_rounds[j], 1.0) - 1.0
            observation[b, i, 10] = 2.0 * rockets[r] / full_rockets[j] - 1.0
            observation[b, i, 11] = 2.0 * heat_s[r] / heat_limit[j] - 1.0
            observation[b, i, 12] = 2.0 * photos[r] / wanted - 1.0
            for h in range(health.shape[1]):
                observation[b, i, 13 + h] = 2.0 * health[r, h] - 1.0
            c = 13 + health.shape[1]
            observation[b, i, c] = 1.0 if home[b, i] else -1.0
            observation[b, i, c + 1] = 1.0 if spinning[r] or mode[r] == CRIPPLED else -1.0
            observation[b, i, c + 2] = 1.0 if blackout_s[r] > 0 else -1.0
            control = (
                is_alive
                and flown_by_policy(status[r], pilot_dead[r], spinning[r], mode[r], gone[b, i])
                and not home[b, i]
            )
            ready = bursts_left[r] > 0 and not overheated[r] if lgf else rounds[r] > 0  # an emitter, or a gun
            guns = ready and has_gun[j]
            action_mask[b, i, TURN] = control
            action_mask[b, i, CLIMB] = control
            action_mask[b, i, THROTTLE] = control
            action_mask[b, i, CANNON] = control and guns
            action_mask[b, i, ROCKETS] = control and rockets[r] > 0
            action_mask[b, i, HOME] = control and (home_carrier[r] >= 0 or lgf) and home_allowed


own_state = threads.twins(_own_state)


def _nearest_contacts(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    z: NDArray[np.float64],
    heading: NDArray[np.float64],
    sin_heading: NDArray[np.float64],
    cos_heading: NDArray[np.float64],
    sin_gamma: NDArray[np.float64],
    cos_gamma: NDArray[np.float64],
    speed: NDArray[np.float64],
    status: NDArray[np.int8],
    max_speed: NDArray[np.float64],
    rows: NDArray[np.int64],
    others: NDArray[np.int64],
    exclude_self: bool,
    k: int,
    observation: NDArray[np.float32],
    at: int,
    aim: NDArray[np.int64],
) -> None:
    """Write each agent's K nearest contacts into its observation (B, N, D), 11 features each from column
    `at` on (a contact missing: -1 then zeros), and into `aim` (B, N) the row of the contact nearest the
    agent's nose (the greatest cosine off it, the nearer of equals; -1 with none): the gunsight. The
    sines and cosines of the craft's angles are those the World keeps (bit for bit those of its angles),
    and those of the angle between two headings come from them by the difference formulas, so the search
    asks the C library for nothing but square roots. (The C library's sine of the difference agrees with
    the formula to a unit or two in the last place of a double, which the float32 observation rounds away:
    49.5 million values compared over 40 steps of 300 battles were all the same.)"""
    n_b, n_a = rows.shape
    n_o = others.shape[1]
    # Each battle's others that are up, and where: read once for all its agents, each battle into its own
    # row, so that battles may run on threads of their own.
    up_rows = np.empty((n_b, n_o), np.int64)
    up_xyz = np.empty((n_b, n_o, 3))
    for b in numba.prange(n_b):
        best_d = np.empty(k)
        best_r = np.empty(k, np.int64)
        n_up = 0
        for j in range(n_o):
            o = others[b, j]
            if status[o] == AIRBORNE:
                up_rows[b, n_up] = o
                up_xyz[b, n_up, 0], up_xyz[b, n_up, 1], up_xyz[b, n_up, 2] = x[o], y[o], z[o]
                n_up += 1
        for i in range(n_a):
            r = rows[b, i]
            xr, yr, zr = x[r], y[r], z[r]
            for s in range(k):
                best_d[s] = np.inf
                best_r[s] = -1
            for j in range(n_up):
                o = up_rows[b, j]
                if exclude_self and o == r:
                    continue
                dx, dy, dz = up_xyz[b, j, 0] - xr, up_xyz[b, j, 1] - yr, up_xyz[b, j, 2] - zr
                d2 = dx * dx + dy * dy + dz * dz
                if d2 < best_d[k - 1]:
                    # Into the K nearest, kept in order, with no branch on the distances: the newcomer
                    # passes down the list, taking the place of each farther one (not of an equal: the
                    # first stays first), which then passes on.
                    carried_d, carried_r = d2, o
                    for s in range(k):
                        nearer = carried_d < best_d[s]
                        kept_d, kept_r = best_d[s], best_r[s]
                        best_d[s] = carried_d if nearer else kept_d
                        best_r[s] = carried_r if nearer else kept_r
                        carried_d = kept_d if nearer else carried_d
                        carried_r = kept_r if nearer else carried_r
            sp, cp = sin_heading[r], cos_heading[r]
            cg, sg = cos_gamma[r], sin_gamma[r]
            vx, vy, vz = speed[r] * cg * sp, speed[r] * cg * cp, speed[r] * sg
            per_speed = 1.0 / (2.0 * max(max_speed[r], 1.0))  # relative speeds are scaled by twice her top speed
            sight, sight_nose = -1, -np.inf
            for s in range(k):
                o = best_r[s]
                c = at + s * CONTACT_FEATURES
                if o < 0:
                    observation[b, i, c] = -1.0
                    for f in range(1, CONTACT_FEATURES):
                        observation[b, i, c + f] = 0.0
                    continue
                dx, dy, dz = x[o] - x[r], y[o] - y[r], z[o] - z[r]
                dist = max(np.sqrt(best_d[s]), 1e-6)
                tsp, tcp = sin_heading[o], cos_heading[o]
                tcg, tsg = cos_gamma[o], sin_gamma[o]
                tv = speed[o]
                tvx, tvy, tvz = tv * tcg * tsp, tv * tcg * tcp, tv * tsg
                rvx, rvy, rvz = tvx - vx, tvy - vy, tvz - vz
                nose = (dx * cg * sp + dy * cg * cp + dz * sg) / dist
                if nose > sight_nose:
                    sight, sight_nose = o, nose
                observation[b, i, c] = 1.0
                observation[b, i, c + 1] = (dx * sp + dy * cp) * PER_NEAR_M
                observation[b, i, c + 2] = (dx * cp - dy * sp) * PER_NEAR_M
                observation[b, i, c + 3] = dz * PER_NEAR_M
                observation[b, i, c + 4] = 2.0 * dist * PER_NEAR_M - 1.0
                observation[b, i, c + 5] = (rvx * sp + rvy * cp) * per_speed
                observation[b, i, c + 6] = (rvx * cp - rvy * sp) * per_speed
                observation[b, i, c + 7] = rvz * per_speed
                observation[b, i, c + 8] = tsp * cp - tcp * sp  # sin(heading[o] - heading[r])
                observation[b, i, c + 9] = tcp * cp + tsp * sp  # cos(heading[o] - heading[r])
                observation[b, i, c + 10] = -(dx * tvx + dy * tvy + dz * tvz) / (dist * max(tv, 1e-6))
            aim[b, i] = sight


nearest_contacts = threads.twins(_nearest_contacts)


def _terrain_and_places(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    z: NDArray[np.float64],
    heading: NDArray[np.float64],
    gamma: NDArray[np.float64],
    sin_heading: NDArray[np.float64],
    cos_heading: NDArray[np.float64],
    sin_gamma: NDArray[np.float64],
    cos_gamma: NDArray[np.float64],
    rows: NDArray[np.int64],
    heights: NDArray[np.float32],
    origin_x: float,
    origin_y: float,
    cell: float,
    look_ahead: NDArray[np.float64],
    ship: NDArray[np.float64],
    has_ship: bool,
    far: float,
    target_x: NDArray[np.float64],
    target_y: NDArray[np.float64],
    home_x: NDArray[np.float64],
    home_y: NDArray[np.float64],
    observation: NDArray[np.float32],
    at: int,
    alive: NDArray[np.bool_],
) -> None:
    """Per agent, 15 columns of the observation from `at` on: height above the ground and clearance along
    the flight path at each look-ahead distance; the ship (present, ahead, right, above, range); the
    target and home (bearing relative to the heading as sine and cosine, range). Targets and homes are
    (B, N). The angles' sines and cosines come from those the World keeps and from the bearings' own
    legs, with no call to the C library's trigonometry (the float32 observation rounds away the last
    bit or two in which that differs from the C library's). The last pass over an agent's observation:
    then an agent not `alive` reads -1 and zeros, and every other column is held within [-1, 1]."""
    n_b, n_a = rows.shape
    per_far = 1.0 / far  # multiplied by, not divided by
    for b in numba.prange(n_b):
        for i in range(n_a):
            r = rows[b, i]
            sp, cp = sin_heading[r], cos_heading[r]  # as the World keeps them
            tg = sin_gamma[r] / cos_gamma[r]  # the climb's slope
            observation[b, i, at] = (z[r] - height_at(heights, origin_x, origin_y, cell, x[r], y[r])) * 0.001 - 1.0
            for j in range(look_ahead.shape[0]):
                d = look_ahead[j]
                h = height_at(heights, origin_x, origin_y, cell, x[r] + d * sp, y[r] + d * cp)
                observation[b, i, at + 1 + j] = (z[r] + d * tg - h) * 0.002 - 1.0
            c = 1 + look_ahead.shape[0]
            if has_ship:
                dx, dy, dz = ship[0] - x[r], ship[1] - y[r], ship[2] - z[r]
                observation[b, i, at + c] = 1.0
                observation[b, i, at + c + 1] = (dx * sp + dy * cp) * per_far
                observation[b, i, at + c + 2] = (dx * cp - dy * sp) * per_far
                observation[b, i, at + c + 3] = dz * per_far
                observation[b, i, at + c + 4] = 2.0 * np.sqrt(dx * dx + dy * dy + dz * dz) * per_far - 1.0
            else:
                observation[b, i, at + c] = -1.0
                for f in range(1, 5):
                    observation[b, i, at + c + f] = 0.0
            c += 5
            for px, py in ((target_x[b, i], target_y[b, i]), (home_x[b, i], home_y[b, i])):
                dx, dy = px - x[r], py - y[r]
                reach = np.sqrt(dx * dx + dy * dy)
                # The bearing's sine and cosine (north 0, east a quarter turn), then off the heading.
                east, north = (dx / reach, dy / reach) if reach > 0.0 else (0.0, 1.0)
                observation[b, i, at + c] = east * cp - north * sp
                observation[b, i, at + c + 1] = north * cp + east * sp
                observation[b, i, at + c + 2] = 2.0 * reach * per_far - 1.0
                c += 3
            if not alive[b, i]:
                observation[b, i, 0] = -1.0
                for f in range(1, observation.shape[2]):
                    observation[b, i, f] = 0.0
                continue
            for f in range(observation.shape[2]):  # np.clip's rule: NaN stays NaN
                if observation[b, i, f] < -1.0:
                    observation[b, i, f] = -1.0
                elif observation[b, i, f] > 1.0:
                    observation[b, i, f] = 1.0


terrain_and_places = threads.twins(_terrain_and_places)
