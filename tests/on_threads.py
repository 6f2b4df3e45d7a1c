"""The compiled kernels' threads under the test suite.

The test workers share the machine: each runs its kernels on its share of the cores (`tests/conftest.py`),
and so does every process a test starts, through `child_env`. The thread-count tests ask for the threads
they compare with `on_threads`.

A test process keeps the `NUMBA_NUM_THREADS` it started with in its own environment: Numba reads its
environment again at every compile, and refuses to compile once its threads have started under another
count. A child gets its count in the environment it is given instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numba
import pytest

from captainred.engine import threads

# The test workers sharing the machine (pytest-xdist's count, or 1 in a plain run).
TEST_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a process a test starts: this one's, with the kernels on this test worker's
    share of the cores, and `extra`."""
    return {**os.environ, "NUMBA_NUM_THREADS": str(threads.share_of_cores(TEST_WORKERS)), **extra}


@contextmanager
def on_threads(count: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run a block with the kernels on `count` threads and every loop long enough to be spread over them,
    then put back what the test worker had (its share of the cores)."""
    before = numba.get_num_threads()
    monkeypatch.setattr(threads, "PARALLEL_MIN_ROWS", 0)
    numba.set_num_threads(count)
    try:
        yield
    finally:
        numba.set_num_threads(before)
