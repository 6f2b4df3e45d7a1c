"""When the compiled kernels spread their loop over threads.

Every kernel that may run on several threads loops over things that are independent of one another
(battles, or craft whose rows it alone writes), so its answer is the same on one thread or many. Threads
pay only in large Worlds: waking them costs tens of microseconds on a quiet machine and milliseconds on a
busy one, more than a small World's whole step.
"""

from __future__ import annotations

import numba

PARALLEL_MIN_ROWS = 20_000  # design value: below this, waking threads costs more than it saves


def in_parallel(rows: int) -> bool:
    """Whether a loop over `rows` things should be spread over the threads Numba has."""
    return rows >= PARALLEL_MIN_ROWS and numba.get_num_threads() > 1
