"""Run a block of a test with the compiled kernels on a given number of threads, and every loop long
enough to be spread over them, then put back what the test worker had (its share of the cores)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numba
import pytest

from captainred.engine import threads


@contextmanager
def on_threads(count: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    before = numba.get_num_threads()
    monkeypatch.setattr(threads, "PARALLEL_MIN_ROWS", 0)
    numba.set_num_threads(count)
    try:
        yield
    finally:
        numba.set_num_threads(before)
