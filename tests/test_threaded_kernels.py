"""Every kernel that may run over threads (`threads.twins`) answers as its copy in turn: each call a recon
batch makes, forced onto two threads, is made again in turn from the same state, and must return the same
and write the same into the World and into every array it was handed."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest

from captainred.engine import threads
from captainred.engine.fields import field_table
from captainred.engine.setup import build_world
from captainred.engine.world import World
from captainred.scenario import ResolvedScenario
from captainred.simulation import Simulation
from on_threads import on_threads

FIELDS = field_table(World)


def _arrays_in(values: tuple[Any, ...]) -> list[np.ndarray]:
    """The arrays a call may write among its arguments, and in the tuples among them."""
    found: list[np.ndarray] = []
    for value in values:
        if isinstance(value, np.ndarray):
            if value.flags.writeable:
                found.append(value)
        elif isinstance(value, tuple):
            found.extend(_arrays_in(value))
    return found


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    return bool(a == b)


@pytest.mark.slow
def test_every_threaded_kernel_answers_as_its_copy_in_turn(
    recon: ResolvedScenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = Simulation(build_world(recon, [1, 2]))
    world = sim.world
    checked: Counter[str] = Counter()
    wrong: list[str] = []

    def both(self: threads.Twins, rows: int, *args: Any) -> Any:
        name = self.in_turn.py_func.__qualname__.removesuffix("_in_turn")
        arrays = [getattr(world, spec.name) for spec in FIELDS] + _arrays_in(args)
        before = [a.copy() for a in arrays]
        spread = self.in_parallel(*args)
        after = [a.copy() for a in arrays]
        for array, kept in zip(arrays, before, strict=True):
            array[...] = kept
        in_turn = self.in_turn(*args)
        checked[name] += 1
        if not _same(spread, in_turn) or not all(_same(a, b) for a, b in zip(after, arrays, strict=True)):
            wrong.append(f"{name} at step {sim.steps}")
        return in_turn

    with on_threads(2, monkeypatch):
        monkeypatch.setattr(threads.Twins, "__call__", both)
        for _ in range(4000):  # the squadrons over the city, the swarm out and fighting
            sim.step()
    assert not wrong, wrong[:10]
    # Every threaded kernel of the step was called, the flight and the swarm's rules among them.
    for name in (
        "_fly_rows",
        "_sense_rows",
        "_ready_to_fire_rows",
        "_shoot_rows",
        "_tick_battles",
        "_decide_rows",
        "_strike_rows",
        "_going_home_rows",
    ):
        assert checked[name] > 100, (name, checked)
