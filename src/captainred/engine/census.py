"""Counts per battle that the clock and the end of a battle need every step, taken in compiled code so
that neither makes a pass over every row of the World in NumPy.

- In the air: craft of either side flying now (a battle with none may take the idle tick).
- Still in play for Air Command: its craft in the air, and those on deck still waiting for a first launch
  or a relay's next sortie (not one back aboard and turned around for good, which would keep a battle
  going for days of refuelling and repairs). A battle with none, and no stage keeping it open, ends.
- Idle: the battles being fought with nothing in the air, counted with the rest so that the clock asks
  the stages what they wait for only when there is one.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from captainred.engine import threads
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.world import AIR_COMMAND, I64, Status, World

AIRBORNE, READY = int(Status.AIRBORNE), int(Status.READY)


def take_census(world: World) -> tuple[I64, I64, int]:
    """Per battle: the craft in the air, and Air Command's craft still in play; and how many battles
    being fought are idle."""
    in_the_air = np.empty(world.n_battles, np.int64)
    still_in_play = np.empty(world.n_battles, np.int64)
    # A loop over battles that reads every row: threads by the World's size (`engine.threads`).
    idle: int = _count(world.n, arrays_of(world), in_the_air, still_in_play)
    return in_the_air, still_in_play, idle


def _count_battles(w: WorldArrays, in_the_air: I64, still_in_play: I64) -> int:
    """The module's counts, per battle; returns how many battles being fought have nothing in the air."""
    done = w.done
    row_start = w.row_start
    row_stop = w.row_stop
    side = w.side
    status = w.status
    sorties = w.sorties
    next_sortie_s = w.next_sortie_s
    stand_by = w.stand_by
    idle = 0
    for b in numba.prange(len(row_start)):
        flying, ours = 0, 0
        for r in range(row_start[b], row_stop[b]):
            up = status[r] == AIRBORNE
            if up:
                flying += 1
            waiting = status[r] == READY and not stand_by[r] and (sorties[r] == 0 or next_sortie_s[r] < math.inf)
            if side[r] == AIR_COMMAND and (up or waiting):
                ours += 1
        in_the_air[b] = flying
        still_in_play[b] = ours
        if flying == 0 and not done[b]:
            idle += 1  # a sum over threads: the same whatever their number or order
    return idle


_count = threads.twins(_count_battles)
