"""Craft flown from outside the doctrine: by a driver of the step (the RL environment's policy) that sets
their commands through the step's command hook (`simulation.Command`), after the doctrine has decided.

The driver marks the rows it means to fly this step (`World.flown_from_outside`) before the step, and
clears them after it. The hook flies a marked row only while she can be flown
(`can_be_flown_from_outside`), and then overwrites every decision the doctrine's flying rules make for
her: `cmd_*`, `trigger`, `fire_rockets`, `target` and `mode`. So those rules pass her by
(`flown_by_the_doctrine`): Air Command's fight, evasion and look-aheads, and the swarm's decisions and
look-ahead after an LGF's way home. Everything else the doctrine does for her still runs: the triage that
cripples her, the calls she makes, her turn for home, an LGF's docking. Those rules run last in their
stage, after everything that can change whether she can be flown, and nothing between them and the hook
changes it, so the hook flies exactly the rows they passed by: a run is the same, event for event, as
one in which they worked out the commands the hook then overwrote.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.doctrine.modes import Mode
from captainred.engine.world import Status

AIRBORNE, CRIPPLED = int(Status.AIRBORNE), int(Mode.CRIPPLED)


@numba.njit(cache=True, error_model="numpy", inline="always")
def can_be_flown_from_outside(status: int, pilot_dead: bool, spinning: bool, mode: int) -> bool:
    """Whether a craft answers commands from outside now: in the air, her pilot alive, not spinning, and
    not crippled (a crippled craft comes down by the doctrine's rule)."""
    return status == AIRBORNE and not pilot_dead and not spinning and mode != CRIPPLED


@numba.njit(cache=True, error_model="numpy")
def flown_by_the_doctrine(
    rows: NDArray[np.int64],
    flown_from_outside: NDArray[np.bool_],
    status: NDArray[np.int8],
    pilot_dead: NDArray[np.bool_],
    spinning: NDArray[np.bool_],
    mode: NDArray[np.int8],
) -> NDArray[np.int64]:
    """The rows of `rows` (in their order) whose flying commands are the doctrine's this step: all but
    those marked as flown from outside that can be flown from outside now."""
    kept = np.empty(len(rows), dtype=np.int64)
    n = 0
    for r in rows:
        if not (flown_from_outside[r] and can_be_flown_from_outside(status[r], pilot_dead[r], spinning[r], mode[r])):
            kept[n] = r
            n += 1
    return kept[:n]
