"""A battle of thousands: 10,000 craft in one battle step with memory that grows with the craft, not
with pairs of them, and keep every rule the checkers hold."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from captainred.engine.checks import StepChecker
from captainred.engine.setup import build_world
from captainred.engine.world import AIR_COMMAND, LGF, World
from captainred.rl.scenarios import AirStart, apply_air_start
from captainred.scenario import load_scenario
from captainred.simulation import Simulation

SCENARIOS = Path(__file__).parent / "scenarios"
# Air Command's eight squadrons in the air 6 km south of the ship, the swarm circling it: in contact at once.
CONTACT = AirStart(centre_m=(0.0, 4000.0), altitude_m=1500.0, heading_deg=0.0, jitter_m=1500.0)


def thousands(name: str) -> World:
    world = build_world(load_scenario(SCENARIOS / f"{name}.toml"), [1])
    apply_air_start(world, CONTACT, np.array([0]))
    return world


@pytest.mark.slow
@pytest.mark.parametrize("name", ["thousands-at-sea", "thousands-over-manhattan"])
def test_ten_thousand_craft_fight_in_one_battle_within_memory_of_the_craft_alone(name: str) -> None:
    world = thousands(name)
    pilots, lgfs = int((world.side == AIR_COMMAND).sum()), int((world.side == LGF).sum())
    assert world.n_battles == 1 and pilots + lgfs == 10_000
    sim = Simulation(world)
    sim.step()  # the first step touches every array
    checker = StepChecker(world)
    tracemalloc.start()
    try:
        for _ in range(25):
            sim.step()
            checker.check()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A list of every (pilot, LGF) pair would be 1.9 million entries: one float64 array of them alone is
    # 15 MB. A step's own temporaries, a few dozen arrays of 10,000 rows, stay far below that.
    assert peak < 12e6, f"a step of 10,000 craft peaked at {peak / 1e6:.1f} MB"
    assert world.airborne.sum() > 9_000
    assert len(world.logs[0]) > 10_000  # the launches, and the fighting has begun


def test_the_sensing_grid_grows_with_the_craft_not_with_pairs() -> None:
    world = thousands("thousands-at-sea")
    sim = Simulation(world)
    grid = sim.context.grid
    cells = grid.cell_start.size + grid.order.size + grid.cell_of.size
    assert cells <= 8 * world.n + 64
