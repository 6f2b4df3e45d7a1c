"""The SplitMix64 finaliser and the seeds of a batch of runs, in NumPy alone.

`rng` keys every draw with the same finaliser in compiled code. The seeds live here, apart from it, so
that what only plans runs (a sweep's own process, which hands the battles to its workers) need not load
the compiler.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
K_CRAFT = np.uint64(0xD6E8FEB86659FD93)
K_PURPOSE = np.uint64(0xE7037ED1A0B428DB)
S30 = np.uint64(30)
S27 = np.uint64(27)
S31 = np.uint64(31)


def splitmix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The SplitMix64 finaliser of each element (wrapping arithmetic: call it under `np.errstate`)."""
    x = x + GOLDEN
    x = (x ^ (x >> S30)) * MIX1
    x = (x ^ (x >> S27)) * MIX2
    return x ^ (x >> S31)


def spawn_seeds(seed: int, runs: int) -> list[int]:
    """Seeds for a batch of runs spawned from one seed; the first run keeps the seed itself.

    Each returned seed, given alone, reproduces its run exactly.
    """
    if runs < 1:
        raise ValueError("runs must be at least 1")
    index = np.arange(1, runs, dtype=np.uint64)
    with np.errstate(over="ignore"):
        mixed = splitmix(splitmix(np.asarray(seed, dtype=np.uint64) ^ K_PURPOSE) ^ (index * K_CRAFT))
    return [seed] + [int(v) for v in (mixed >> np.uint64(33))]
