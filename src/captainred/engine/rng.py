"""Counter-based randomness: every draw is a pure function of its coordinates.

A draw is keyed by (battle seed, craft id, battle tick, purpose), hashed with the SplitMix64 finaliser.
Nothing depends on row order, batch size, worker count or on any generator's hidden state, so a battle
draws the same numbers whether it runs alone or beside a thousand others.
"""

from __future__ import annotations

from enum import IntEnum

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.engine.seeds import GOLDEN, K_CRAFT, K_PURPOSE, MIX1, MIX2, S27, S30, S31

F64 = NDArray[np.float64]

# A kernel that draws whether a hazard strikes, where the rule's NumPy arithmetic (`exp`, `**`) must keep
# deciding (the C library's and NumPy's differ at most in the last bit), hands its rows to the rule only
# when some draw falls below the chance the kernel works out plus this: one further above cannot be caught
# however the last bits round.
CHANCE_SLACK = 1e-12

_K_TICK = np.uint64(0xA0761D6478BD642F)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / float(1 << 53)


class Purpose(IntEnum):
    """Why a number is drawn; each purpose is an independent stream. A purpose's number is part of every
    draw's key, so a number in use never changes; the gaps (13, 15, 16, 17) are purposes no rule draws
    for any more, and a new purpose takes a new number."""

    CANNON_HIT = 1
    ROCKET_HIT = 2
    ENERGY_HIT = 3
    HIT_SUBSYSTEM = 4
    HIT_SEVERITY = 5
    LGF_KILL = 6
    WING_FAILURE = 7
    BLACKOUT = 8
    BLACKOUT_LENGTH = 9
    FORCED_LANDING = 10
    FORCE_DOWN_ROLE = 11
    TARGET_SPREAD = 12
    AIM_JITTER = 14
    SECOND_ROCKET = 18
    BOW_DROP = 19
    ARRESTOR_WIRE = 20
    HOOK_SKIP = 21
    HARD_LANDING = 22
    SHELL_FALL = 23
    RAID_SPOTTED = 24
    RAID_FOE_DOWN = 25
    RAID_HIT = 26
    RAID_WOUND = 27
    RAID_SHELL = 28
    RAID_WALL = 29
    RAID_PLATE = 30
    RAID_CAPTIVE = 31
    RAID_RANGE = 32
    HEARD = 33
    FLAK_HIT = 34
    FLAK_KILL = 35
    STRIKE_HIT = 36
    STRIKE_DAMAGE = 37


def uniform(
    seed: NDArray[np.uint64] | int,
    craft: NDArray[np.int64] | NDArray[np.int32] | int,
    tick: NDArray[np.int64] | int,
    purpose: Purpose,
) -> NDArray[np.float64]:
    """Uniform numbers in [0, 1), one per element of the broadcast coordinates (each a number or a
    one-dimensional array): `uniform_one` of each, in one compiled call (a handful of draws a tick cost
    far more as a chain of NumPy operations)."""
    s = np.asarray(seed, dtype=np.uint64)
    c = np.asarray(craft, dtype=np.int64)
    t = np.asarray(tick, dtype=np.int64)
    if s.ndim > 1 or c.ndim > 1 or t.ndim > 1:
        raise ValueError("uniform: coordinates must be numbers or one-dimensional arrays")
    lengths = {len(a) for a in (s, c, t) if a.ndim == 1}
    if len(lengths - {1}) > 1:
        raise ValueError(f"uniform: coordinates of lengths {sorted(lengths)} do not broadcast")
    out = np.empty(max(lengths - {1}, default=1))
    _uniforms(s.reshape(-1), c.reshape(-1), t.reshape(-1), int(purpose), out)
    if not lengths:
        return out[0]  # type: ignore[no-any-return]  # numbers in, a number out, as NumPy broadcasting gives
    return out


@numba.njit(cache=True, error_model="numpy")
def _splitmix_one(x: np.uint64) -> np.uint64:
    x = x + GOLDEN
    x = (x ^ (x >> S30)) * MIX1
    x = (x ^ (x >> S27)) * MIX2
    out: np.uint64 = x ^ (x >> S31)
    return out


# Its one signature, given: a kernel passes a purpose as a constant, and Numba would otherwise compile the
# draw once for each constant it is given (seven times in a recon battle).
@numba.njit("float64(uint64, int64, int64, int64)", cache=True, error_model="numpy")
def uniform_one(seed: np.uint64, craft: int, tick: int, purpose: int) -> float:
    """The draw at one set of coordinates (`purpose` as its number): what the compiled kernels call, and
    what `uniform` calls for each element."""
    key = _splitmix_one(np.uint64(seed))
    key = _splitmix_one(key ^ (np.uint64(np.int64(craft)) * K_CRAFT))
    key = _splitmix_one(key ^ (np.uint64(np.int64(tick)) * _K_TICK) ^ (np.uint64(purpose) * K_PURPOSE))
    return float(key >> _S11) * _TO_UNIT


@numba.njit(cache=True, error_model="numpy")
def _uniforms(
    seed: NDArray[np.uint64], craft: NDArray[np.int64], tick: NDArray[np.int64], purpose: int, out: F64
) -> None:
    """`uniform_one` of each element of `out`'s coordinates; a coordinate of length 1 is every element's."""
    for i in range(len(out)):
        out[i] = uniform_one(
            seed[i if len(seed) > 1 else 0], craft[i if len(craft) > 1 else 0], tick[i if len(tick) > 1 else 0], purpose
        )
