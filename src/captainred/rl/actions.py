"""The two forms of the pilot's controls the environments offer: `discrete` (the default: a
MultiDiscrete of a few settings per control, with PettingZoo-style masks per control) and `continuous`
(a Box in [-1, 1] per control, with one boolean per control saying whether it does anything now). Both map
onto the core's continuous controls (`captainred.rl.core.ACTIONS`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

from captainred.rl.core import ACTIONS, CANNON, HOME, ROCKETS
from captainred.rl.scenarios import RLError

LEVELS = (5, 5, 3, 2, 2, 2)
"""Settings of each control in the discrete form: turn and climb in five steps from -1 to 1, the throttle
at idle, half or redline, and the cannon, rockets and home off or on."""
_TRIGGERS = (CANNON, ROCKETS, HOME)


class ActionForm:
    """One agent's action space in the chosen form, and the conversions to the core and its masks."""

    def __init__(self, kind: str) -> None:
        if kind not in ("discrete", "continuous"):
            raise RLError(f"action_type: 'discrete' or 'continuous', got {kind!r}")
        self.kind = kind
        self.space: spaces.Space[Any]
        if kind == "discrete":
            self.space = spaces.MultiDiscrete(np.array(LEVELS, np.int64))
        else:
            self.space = spaces.Box(-1.0, 1.0, (len(ACTIONS),), np.float32)
        self._levels = np.array(LEVELS, np.float64)

    def stacked(self, n: int) -> spaces.Space[Any]:
        """The space of N agents' actions together, (N, len(ACTIONS)); the single space when N is 1."""
        if n == 1:
            return self.space
        if self.kind == "discrete":
            return spaces.MultiDiscrete(np.tile(np.array(LEVELS, np.int64), (n, 1)))
        return spaces.Box(-1.0, 1.0, (n, len(ACTIONS)), np.float32)

    def to_core(self, action: Any, name: str) -> NDArray[np.float64]:
        """One agent's action (or a batch, last axis the controls) as the core's values in [-1, 1]."""
        a = np.asarray(action)
        if a.shape[-1:] != (len(ACTIONS),):
            raise RLError(f"{name}: expected {len(ACTIONS)} controls ({', '.join(ACTIONS)}), got shape {a.shape}")
        if self.kind == "continuous":
            out = a.astype(np.float64)
            if np.isnan(out).any():
                raise RLError(f"{name}: NaN in the action")
            return out
        if not np.issubdtype(a.dtype, np.integer):
            as_float = a.astype(np.float64)
            if np.isnan(as_float).any() or (as_float != np.round(as_float)).any():
                raise RLError(f"{name}: a discrete action takes whole settings, got {a.tolist()}")
            a = as_float.astype(np.int64)
        if (a < 0).any() or (a >= self._levels.astype(np.int64)).any():
            raise RLError(f"{name}: settings must be within {list(LEVELS)} (exclusive), got {a.tolist()}")
        return -1.0 + 2.0 * a / (self._levels - 1.0)

    def masks(self, usable: NDArray[np.bool_]) -> list[Any]:
        """Each of N agents' masks from the core's per-control flags (N, len(ACTIONS)): for `discrete` a
        tuple of int8 arrays (one per control: a trigger may always be off and may be on when it does
        something; any other control that does nothing now allows only its neutral setting), for
        `continuous` her flags. Each agent's arrays are her rows of arrays made for this call (a few NumPy
        calls for them all, not a dozen for each)."""
        if self.kind == "continuous":
            return list(usable.copy())
        per_control = [table[usable[:, k].astype(np.intp)] for k, table in enumerate(_MASK_TABLES)]
        return [tuple(m[j] for m in per_control) for j in range(len(usable))]


def _mask_table(k: int, levels: int) -> NDArray[np.int8]:
    """Control k's two masks in the discrete form, as rows: [0] when it does nothing now (a trigger only
    off, any other control only its neutral setting), [1] when it does (every setting)."""
    table = np.zeros((2, levels), np.int8)
    if k in _TRIGGERS:
        table[0, 0] = table[1, 0] = table[1, 1] = 1
    else:
        table[0, levels // 2] = 1
        table[1, :] = 1
    return table


_MASK_TABLES = tuple(_mask_table(k, levels) for k, levels in enumerate(LEVELS))
