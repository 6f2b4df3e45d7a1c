"""When the compiled kernels spread their loop over threads, and how a kernel is compiled for both.

Every kernel that may run on several threads loops over things that are independent of one another
(battles, or craft whose rows it alone writes), so its answer is the same on one thread or many. Threads
pay in Worlds of thousands of craft: waking them costs some tens of microseconds, and a loop of ten
thousand craft through the look-ahead or sensing costs milliseconds. They cost dearly on a machine whose
cores are all taken, where every loop waits for a thread the system has put aside: processes that share
a machine (a sweep's workers, the test suite's) each take their share of the cores (`share_cores`).

A kernel is written once, as a loop over `numba.prange`, and compiled twice by `twins`: in turn (prange
is then a plain range) and spread over threads. A call picks one by the size it is given, which stands
for the loop's work: its length for a light rule over rows (a flight step, an aim), and the World's rows
for a loop over the battles (each reads its battle's rows) or for a rule each of whose rows costs
several flight steps. Air Command's rules (the look-ahead, the pursuit) loop over a few hundred pilots in
a World of thousands: the 10,000-craft World, whose 1,270 pilots fell below the threshold, stepped
1.08-1.10x faster on two threads with their rules given the World's rows (`benchmarks/README.md`).

A compiled function may call another kernel's in-turn copy, never its threaded one: loaded back from
Numba's cache, such a call crashes the process. Where a call would join the two, Python picks the copy.

A kernel that may run over threads reads each array it takes from the World's arrays
(`captainred.engine.arrays`) in a statement of its own (`status = w.status`), never several in one tuple
(`status, mode = w.status, w.mode`): Numba's threaded loop then lost a write to one of them (the rows
ready to fire came back marked on one thread and not on two). `tests/test_threaded_kernels.py` makes
every threaded call of a recon batch again in turn and compares what each wrote.

A kernel's loop body reads and writes the arrays itself: calling another compiled function with array
arguments once per row costs a reference count on every array at every call (there, about five times the
arithmetic of a flight step), so per-row helpers take and return plain numbers. Where one must take
arrays, it reads every number it needs in one straight run before its first branch (`piloting.bingo_of`),
and passes them to no compiled function that is not inlined (`maps.clear_of_all`): Numba's pass that
cancels the counts then removes them all, while a branch or a call between a read and the end leaves
them counted at every call. A row of a table (`health[r]`) is an array
of its own, with its own count: kernels read `health[r, ENGINE_PORT]`.

Every kernel and helper is compiled with `error_model="numpy"`: a division by zero gives the IEEE answer
(inf or NaN) instead of a Python error, so a division is one instruction with no test and no path that
raises beside it. No rule divides by zero on purpose, so no answer changes (the pinned digests are the
same), and the checkers catch a NaN that reaches the World. It saved about 3% of a batch of 32 recon
battles (6.8 -> 6.6 s, medians of 3).
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable
from typing import Any

import numba

# Measured (benchmarks/README.md): on 2 cores, threads from 8,000 rows took the recon step at 9,963 craft
# from 8.8 to 6.4 ms (from 1,000 rows: 6.2 ms). Smaller Worlds gain at most a tenth, and on a busy machine
# lose far more: from 1,000 rows, a `captainred campaign next` of the front's day (5,324 craft) on two
# threads beside another busy process outran its test's 300 s.
PARALLEL_MIN_ROWS = 8_000


def in_parallel(rows: int) -> bool:
    """Whether a loop over `rows` things should be spread over the threads Numba has."""
    return rows >= PARALLEL_MIN_ROWS and numba.get_num_threads() > 1


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def share_of_cores(processes: int) -> int:
    """The threads each of `processes` like this one should take when they share the machine: never more
    than Numba started with, never fewer than one."""
    started: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    return max(1, min(started, cores() // max(1, processes)))


def share_cores(processes: int) -> int:
    """Run this process's kernels on its share of the cores (`share_of_cores`); the threads it now uses."""
    count = share_of_cores(processes)
    numba.set_num_threads(count)
    return count


class Twins:
    """One kernel compiled in turn and spread over threads; call it with the size that decides first (the
    loop's, or the World's rows: see the module docstring)."""

    def __init__(self, kernel: Callable[..., Any]) -> None:
        self.__doc__ = kernel.__doc__
        self.in_turn = numba.njit(cache=True, error_model="numpy")(_renamed(kernel, "in_turn"))
        self.in_parallel = numba.njit(cache=True, error_model="numpy", parallel=True)(_renamed(kernel, "in_parallel"))

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
