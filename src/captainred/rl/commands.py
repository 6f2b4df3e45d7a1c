"""A policy's actions onto the craft it flies, compiled: the step's command hook (`BattleBatch._command`),
and the rows it will fly marked for the doctrine before the step (`mark_flown_rows`, `doctrine.outside`).

Each agent writes only her own row and her own slots, so a batch of thousands spreads its battles over
threads (`engine.threads`) with the same commands as on one. The actions arrive as float32, and the
scaling is done in float32 as NumPy did it before this pass was compiled (a Python float times a float32
array is float32), so the commands are the same bits.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.doctrine.modes import Mode
from captainred.doctrine.outside import can_be_flown_from_outside
from captainred.engine import threads
from captainred.engine.arrays import WorldArrays
from captainred.engine.kinematics import heading_of
from captainred.engine.world import Status

AIRBORNE, CRIPPLED, RETURN = int(Status.AIRBORNE), int(Mode.CRIPPLED), int(Mode.RETURN)
# The action's columns, in the order of `core.ACTIONS` (`tests/test_rl.py` holds them to it).
ACTION_COLUMNS = {"turn": 0, "climb": 1, "throttle": 2, "cannon": 3, "rockets": 4, "home": 5}
TURN, CLIMB, THROTTLE, CANNON, ROCKETS, HOME = ACTION_COLUMNS.values()


@numba.njit(cache=True, error_model="numpy", inline="always")
def flown_by_policy(status: int, pilot_dead: bool, spinning: bool, mode: int, gone: bool) -> bool:
    """Whether the policy flies an agent now: not gone (lost or home for this episode), and one that can
    be flown from outside the doctrine (in the air, her pilot alive, not spinning, not crippled:
    `doctrine.outside`). The command hook and the action mask both ask it."""
    return not gone and can_be_flown_from_outside(status, pilot_dead, spinning, mode)


def _command_rows(
    w: WorldArrays,
    active: NDArray[np.bool_],
    rows: NDArray[np.int64],
    action: NDArray[np.float32],
    action_mask: NDArray[np.bool_],
    gone: NDArray[np.bool_],
    aim: NDArray[np.int64],
    home: NDArray[np.bool_],
    flying_mode: int,
    max_turn_rad: np.float32,
    max_climb_rad: np.float32,
    redline_throttle: np.float32,
) -> None:
    """For each agent (B, N) in a battle being fought (`active`, per row): asking to go home where her
    mask allows it sets `home` for the rest of her episode, and a pilot going home in the air and not
    crippled flies home (mode RETURN). Any other agent the policy can fly (in the air, alive, not spinning,
    not crippled, not gone) gets her commands: a turn of up to `max_turn_rad` off her heading, a climb or
    dive of up to `max_climb_rad`, the throttle from idle to the redline, the trigger and the rockets,
    her gunsight as her target, and `flying_mode`."""
    status = w.status
    pilot_dead = w.pilot_dead
    spinning = w.spinning
    mode = w.mode
    heading = w.heading_rad
    cmd_heading = w.cmd_heading_rad
    cmd_gamma = w.cmd_gamma_rad
    cmd_throttle = w.cmd_throttle
    trigger = w.trigger
    fire_rockets = w.fire_rockets
    target = w.target
    one, half = np.float32(1.0), np.float32(0.5)
    n_b, n_a = rows.shape
    for b in numba.prange(n_b):
        for i in range(n_a):
            r = rows[b, i]
            if not active[r]:
                continue
            if action[b, i, HOME] > 0 and action_mask[b, i, HOME]:
                home[b, i] = True
            if home[b, i]:
                if status[r] == AIRBORNE and mode[r] != CRIPPLED:
                    mode[r] = RETURN
                continue
            if not flown_by_policy(status[r], pilot_dead[r], spinning[r], mode[r], gone[b, i]):
                continue
            cmd_heading[r] = heading_of(heading[r] + max_turn_rad * action[b, i, TURN])
            cmd_gamma[r] = max_climb_rad * action[b, i, CLIMB]
            cmd_throttle[r] = half * (action[b, i, THROTTLE] + one) * redline_throttle
            trigger[r] = action[b, i, CANNON] > 0
            fire_rockets[r] = action[b, i, ROCKETS] > 0
            target[r] = aim[b, i]
            mode[r] = flying_mode


command_rows = threads.twins(_command_rows)


def _mark_flown_rows(
    rows: NDArray[np.int64],
    action: NDArray[np.float32],
    action_mask: NDArray[np.bool_],
    gone: NDArray[np.bool_],
    home: NDArray[np.bool_],
    flown_from_outside: NDArray[np.bool_],
) -> None:
    """Before the step, mark in `flown_from_outside` (per row) the agents (B, N) the command hook will fly
    if they can still be flown when it runs (`doctrine.outside`): those not gone, not going home, and not
    asking to go home where their mask allows it (the hook then sends them home, by their doctrine)."""
    n_b, n_a = rows.shape
    for b in numba.prange(n_b):
        for i in range(n_a):
            asks_home = action[b, i, HOME] > 0 and action_mask[b, i, HOME]
            flown_from_outside[rows[b, i]] = not (gone[b, i] or home[b, i] or asks_home)


mark_flown_rows = threads.twins(_mark_flown_rows)
