"""The batched core's rewards and ends, compiled (`BattleBatch._reward_and_end`): the craft each side still
has in play (`in_play`), each agent's reward for the step and whether she is gone (`rewards_of_group`),
then, for the battles whose episodes end, their agents' flags and the outcome (`ends_of_group`).

Each agent writes only her own slots and each battle its own, so a batch of thousands spreads its battles
over threads (`engine.threads`) with the same answers as on one. A reward's terms are summed in the order
NumPy summed them before this was compiled, one operation at a time, with a flag counting as 1.0 or 0.0
where NumPy multiplied by a boolean array: the rewards are the same bits.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.engine import threads
from captainred.engine.world import AIR_COMMAND, LGF, Status

AIRBORNE, LOST, READY, RETURNED = int(Status.AIRBORNE), int(Status.LOST), int(Status.READY), int(Status.RETURNED)


def _in_play(
    row_start: NDArray[np.int64],
    row_stop: NDArray[np.int64],
    status: NDArray[np.int8],
    side: NDArray[np.int8],
    sorties: NDArray[np.int32],
    stand_by: NDArray[np.bool_],
    counts: NDArray[np.int64],
) -> None:
    """Per battle and side (B, 2), the craft still in the fight: in the air, or still to launch (an LGF
    ready at its door; an aircraft of Air Command ready for her first sortie and not held at readiness)."""
    for b in numba.prange(len(row_start)):
        counts[b, 0] = counts[b, 1] = 0
        for r in range(row_start[b], row_stop[b]):
            first_sortie = side[r] == AIR_COMMAND and sorties[r] == 0 and not stand_by[r]
            waiting = status[r] == READY and (first_sortie or side[r] == LGF)
            if status[r] == AIRBORNE or waiting:
                counts[b, side[r]] += 1


in_play = threads.twins(_in_play)


def _rewards_of_group(
    rows: NDArray[np.int64],
    was_alive: NDArray[np.bool_],
    going: NDArray[np.bool_],
    status: NDArray[np.int8],
    kills: NDArray[np.int32],
    dt_s: NDArray[np.float64],
    photos: NDArray[np.int32],
    fuel_kg: NDArray[np.float64],
    full_fuel_kg: NDArray[np.float64],
    photos_wanted: int,
    aim_cosine: NDArray[np.float64],
    weights: tuple[float, float, float, float, float, float],
    kills_before: NDArray[np.int32],
    reward: NDArray[np.float32],
    terminated: NDArray[np.bool_],
    truncated: NDArray[np.bool_],
    gone: NDArray[np.bool_],
    any_alive: NDArray[np.bool_],
) -> None:
    """For each agent (B, N) alive before the step in a battle that went on (`going`): her kills this
    step (`weights`' first), less one loss if she was lost, plus on recovery aboard the photos she brought
    (as a fraction of those wanted) and the fuel left (as a fraction of her full tanks), plus per second in
    the air (survival), plus per second the cosine of her gunsight's angle off her nose (`aim_cosine`,
    read only with a weight for it). Lost or recovered, she is gone for the episode and terminated; a
    battle with one of its agents still in the fight is marked in `any_alive`. `kills_before` becomes her
    kills now."""
    kill_w, loss_w, photos_w, fuel_w, survival_w, aim_w = weights
    n_b, n_a = rows.shape
    for b in numba.prange(n_b):
        for i in range(n_a):
            r = rows[b, i]
            was = was_alive[b, i] and going[b]
            lost = was and status[r] == LOST
            returned = was and status[r] == RETURNED
            value = kill_w * (kills[r] - kills_before[b, i]) * (1.0 if was else 0.0)
            kills_before[b, i] = kills[r]
            value -= loss_w * (1.0 if lost else 0.0)
            if photos_w != 0.0 or fuel_w != 0.0:
                full = max(full_fuel_kg[i], 1e-9)
                home = photos_w * photos[r] / photos_wanted + fuel_w * fuel_kg[r] / full
                value += (1.0 if returned else 0.0) * home
            if survival_w != 0.0:
                value += survival_w * dt_s[b] * (1.0 if was and status[r] == AIRBORNE else 0.0)
            if aim_w != 0.0:
                value += aim_w * dt_s[b] * aim_cosine[b, i] * (1.0 if was else 0.0)
            reward[b, i] = value
            gone_now = lost or returned
            gone[b, i] = gone[b, i] or gone_now
            terminated[b, i] = gone_now
            truncated[b, i] = False
            if was and not gone_now:
                any_alive[b] = True


rewards_of_group = threads.twins(_rewards_of_group)


def _ends_of_group(
    rows: NDArray[np.int64],
    was_alive: NDArray[np.bool_],
    ends: NDArray[np.bool_],
    cut: NDArray[np.bool_],
    enemy_out: NDArray[np.bool_],
    status: NDArray[np.int8],
    terminated: NDArray[np.bool_],
    truncated: NDArray[np.bool_],
    outcome: NDArray[np.int8],
    gone: NDArray[np.bool_],
) -> None:
    """For each battle whose episode ends: every agent alive before the step and not already terminated
    is truncated if the episode was cut (`cut`: at its time or step limit), otherwise terminated; all are
    gone. The outcome: won (+1) with no enemy left in play (`enemy_out`) and one of ours not lost (in
    the air or home), lost (-1) with all of ours lost and the enemy still there, otherwise 0."""
    n_b, n_a = rows.shape
    for b in numba.prange(n_b):
        if not ends[b]:
            continue
        not_lost = False
        for i in range(n_a):
            not_lost = not_lost or status[rows[b, i]] != LOST
            if was_alive[b, i] and not terminated[b, i]:
                if cut[b]:
                    truncated[b, i] = True
                else:
                    terminated[b, i] = True
            gone[b, i] = True
        if enemy_out[b] and not_lost:
            outcome[b] = 1
        elif not not_lost and not enemy_out[b]:
            outcome[b] = -1
        else:
            outcome[b] = 0


ends_of_group = threads.twins(_ends_of_group)
