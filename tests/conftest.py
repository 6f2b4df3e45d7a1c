"""Shared fixtures: the scenarios the engine tests fly, and a way to put one aircraft in the air by hand."""

from __future__ import annotations

import os

# Two threads for the compiled kernels whatever the machine, so the thread-count tests compare one thread
# with two even on a single core (set before Numba is first imported).
os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import io
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from captainred.engine import threads
from captainred.engine.kinematics import keep_angles
from captainred.engine.setup import build_world
from captainred.engine.world import Status, World
from captainred.scenario.loader import load_scenario, resolve
from captainred.scenario.model import ResolvedScenario
from on_threads import TEST_WORKERS

# The test workers share the machine: each runs its kernels on its share of the cores (`tests/on_threads.py`).
threads.share_cores(TEST_WORKERS)

# No test asserts a wall-clock time (`benchmarks/` measures speed), Hypothesis's 200 ms deadline included: a
# property's first example may compile the kernels it calls, which on a cold cache and two busy cores took
# 412 ms for the draw's property (a flaky failure of a fresh-clone run).
settings.register_profile("captainred", deadline=None)
settings.load_profile("captainred")

SCENARIOS = Path(__file__).parent / "scenarios"
SKIRMISH = SCENARIOS / "skirmish.toml"

# Over open water, well off the Manhattan grid: the ground is the sea, height 0.
OPEN_SEA_XY_M = (30_000.0, -15_000.0)


@pytest.fixture(scope="session")
def skirmish() -> ResolvedScenario:
    """Four Devils against a dozen LGFs over Central Park: about three seconds a battle."""
    return load_scenario(SKIRMISH)


@pytest.fixture(scope="session")
def recon() -> ResolvedScenario:
    """The built-in chapter II battle (15-25 s a battle: only for tests marked slow)."""
    return load_scenario("manhattan-recon")


@pytest.fixture(scope="session")
def sea_skirmish() -> ResolvedScenario:
    """A smaller skirmish out on the open sea: two Devils, six LGFs, ten minutes, nothing to fly into."""
    data = tomllib.loads(SKIRMISH.read_text("utf-8"))
    data["name"] = "sea-skirmish"
    data["map"] = "open-sea"
    data["timing"]["duration_s"] = "10 min"
    data["squadrons"][0]["aircraft"] = 2
    data["enemy"]["defenders"] = 6
    return resolve(data, source="sea-skirmish")


@pytest.fixture
def world(skirmish: ResolvedScenario) -> World:
    """A fresh one-battle skirmish World, every craft still on deck or inside the ship (rows 0-3 are
    Guardians, rows 4-15 LGFs)."""
    return build_world(skirmish, [1])


def put_airborne(
    world: World,
    row: int,
    *,
    x_m: float = OPEN_SEA_XY_M[0],
    y_m: float = OPEN_SEA_XY_M[1],
    z_m: float = 2000.0,
    speed_mps: float | None = None,
    heading_rad: float = 0.0,
    gamma_rad: float = 0.0,
    throttle: float = 1.0,
) -> int:
    """Write one row straight into the air (no launch, no event), flying level and commanded to hold it."""
    world.status[row] = Status.AIRBORNE
    world.x_m[row], world.y_m[row], world.z_m[row] = x_m, y_m, z_m
    world.speed_mps[row] = world.cruise_speed_mps[row] if speed_mps is None else speed_mps
    world.heading_rad[row] = world.cmd_heading_rad[row] = heading_rad
    world.gamma_rad[row] = gamma_rad
    world.cmd_gamma_rad[row] = gamma_rad
    keep_angles(world, [row])
    world.cmd_throttle[row] = world.throttle[row] = throttle
    return row


@pytest.fixture
def airborne() -> Callable[..., int]:
    """`airborne(world, row, z_m=..., ...)`: put a row in the air by writing its arrays."""
    return put_airborne


@pytest.fixture(scope="session")
def built_viewer() -> Path:
    """The built browser viewer. `make test` builds it first; run alone, a test that needs it fails saying
    how to build it (never skipped: the viewer is part of what the suite checks)."""
    from captainred.replay.server import ViewerNotBuilt, static_dir

    try:
        return static_dir()
    except ViewerNotBuilt as exc:
        pytest.fail(str(exc))


def _record_replay(resolved: ResolvedScenario, seed: int, every_s: float = 0.5) -> tuple[bytes, str]:
    from captainred.replay import ReplayWriter
    from captainred.replay.record import Recorder
    from captainred.simulation import run_battles

    sink = io.BytesIO()
    results = run_battles(resolved, [seed], Recorder(ReplayWriter(sink), every_s))
    return sink.getvalue(), results[0].digest


@pytest.fixture(scope="session")
def record_replay() -> Callable[..., tuple[bytes, str]]:
    """Fight a battle with the replay recorder on: (the replay's bytes, the battle's digest)."""
    return _record_replay


def hard_front_day() -> ResolvedScenario:
    """A short, hard day at the front: front-small for a quarter of an hour, its positions and batteries
    made weak enough (catalog overrides, as `run --set` gives them) for the swarm to pound every one of
    them into dust and break the front before the end."""
    from captainred.scenario.loader import read_scenario_data
    from captainred.scenario.overrides import resolve_with

    front_small = SCENARIOS / "front-small.toml"
    data, _ = read_scenario_data(front_small)
    return resolve_with(
        data,
        str(front_small),
        [
            (("timing", "duration_s"), "15 min", "test"),
            (("catalog", "positions", "infantry position", "strength"), 3.0, "test"),
            (("catalog", "batteries", "AA battery", "strength"), 2.0, "test"),
        ],
    )
