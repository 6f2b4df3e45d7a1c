"""When the compiled kernels spread their loop over threads, and how a kernel is compiled for both.

Every kernel that may run on several threads loops over things that are independent of one another
(battles, or craft whose rows it alone writes), so its answer is the same on one thread or many. Threads
pay only in large Worlds: waking them costs tens of microseconds on a quiet machine and milliseconds on a
busy one, more than a small World's whole step.

A kernel is written once, as a loop over `numba.prange`, and compiled twice by `twins`: in turn (prange
is then a plain range) and spread over threads. `run` picks one by the size of the loop.

A kernel's loop body reads and writes the arrays itself: calling another compiled function with array
arguments once per row costs a reference count on every array at every call (there, about five times the
arithmetic of a flight step), so per-row helpers take and return plain numbers.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numba

PARALLEL_MIN_ROWS = 20_000  # design value: below this, waking threads costs more than it saves


def in_parallel(rows: int) -> bool:
    """Whether a loop over `rows` things should be spread over the threads Numba has."""
    return rows >= PARALLEL_MIN_ROWS and numba.get_num_threads() > 1


class Twins:
    """One kernel compiled in turn and spread over threads; call it with the size of its loop first."""

    def __init__(self, kernel: Callable[..., Any]) -> None:
        self.__doc__ = kernel.__doc__
        self.in_turn = numba.njit(cache=True)(_renamed(kernel, "in_turn"))
        self.in_parallel = numba.njit(cache=True, parallel=True)(_renamed(kernel, "in_parallel"))

    def __call__(self, rows: int, *args: Any) -> Any:
        if in_parallel(rows):
            return self.in_parallel(*args)
        return self.in_turn(*args)


def twins(kernel: Callable[..., Any]) -> Twins:
    """Compile `kernel` (a loop over `numba.prange`) twice: in turn and over threads. Each copy has a name
    of its own, so Numba's on-disk cache keeps both."""
    return Twins(kernel)


def _renamed(kernel: Callable[..., Any], how: str) -> Callable[..., Any]:
    copy = types.FunctionType(kernel.__code__, kernel.__globals__, f"{kernel.__name__}_{how}", kernel.__defaults__)
    copy.__qualname__ = f"{kernel.__qualname__}_{how}"
    copy.__module__ = kernel.__module__
    copy.__doc__ = kernel.__doc__
    return copy
