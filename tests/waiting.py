"""Waiting in tests for a condition, never for a time: one poll loop with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(condition: Callable[[], T], *, within_s: float, what: str, every_s: float = 0.02) -> T:
    """Ask `condition` until it gives something true, and return that; fail naming `what` if it has not
    within `within_s`. `every_s` is only how often it asks (a condition may raise to fail at once)."""
    deadline = time.monotonic() + within_s
    while not (value := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(every_s)
    return value
