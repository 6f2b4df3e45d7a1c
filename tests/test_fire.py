"""Fire is resolved in one compiled pass over the craft ready to fire: its draws and hit chances are the
NumPy rules', so the battles' events are the same as when NumPy settled every shot."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.engine import weapons
from captainred.engine.rng import Purpose, uniform, uniform_one
from captainred.scenario import load_scenario
from captainred.simulation import run_battles

DIGESTS = Path(__file__).parent / "data" / "digests.json"
SKIRMISH = Path(__file__).parent / "scenarios" / "skirmish.toml"


@numba.njit(cache=True)
def _draws(seed: Any, craft: Any, tick: Any, purpose: int) -> Any:
    out = np.empty(len(seed))
    for k in range(len(seed)):
        out[k] = uniform_one(seed[k], craft[k], tick[k], purpose)
    return out


@pytest.mark.parametrize("purpose", list(Purpose))
def test_a_compiled_draw_is_the_numpy_draw(purpose: Purpose) -> None:
    rng = np.random.default_rng(int(purpose))
    seed = rng.integers(0, np.iinfo(np.int64).max, 5000, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    seed[::3] += np.uint64(1)  # the top and the bottom bit both set and clear
    craft = rng.integers(0, np.iinfo(np.int32).max, 5000).astype(np.int32)
    tick = rng.integers(0, 1 << 40, 5000)
    assert np.array_equal(_draws(seed, craft, tick, int(purpose)), uniform(seed, craft, tick, purpose))


angles = st.floats(-math.pi, math.pi)


@settings(max_examples=300, deadline=None)
@given(
    base_p=st.floats(0.0, 1.0),
    skill=st.floats(0.0, 1.0),
    range_m=st.floats(0.0, 3000.0),
    max_range_m=st.floats(50.0, 3000.0),
    off=st.floats(0.0, math.pi),
    cone=st.floats(0.01, 0.5),
    headings=st.tuples(angles, angles),
    gammas=st.tuples(angles, angles),
    load_g=st.floats(0.0, 9.0),
    dt=st.sampled_from([0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0]),
)
def test_the_kernels_hit_chance_is_numpys_to_far_within_a_close_call(
    base_p: float,
    skill: float,
    range_m: float,
    max_range_m: float,
    off: float,
    cone: float,
    headings: tuple[float, float],
    gammas: tuple[float, float],
    load_g: float,
    dt: float,
) -> None:
    """The compiled `**` and NumPy's `power` may differ in the last bit, never by anything near
    `CLOSE_CALL`, the margin within which the kernel leaves a draw for NumPy to settle."""
    world: Any = SimpleNamespace(
        skill=np.array([skill, 0.0]),
        heading_rad=np.array(headings),
        gamma_rad=np.array(gammas),
        load_g=np.array([1.0, load_g]),
    )
    s, t = np.array([0]), np.array([1])
    p = weapons._gun_hit_chance(
        world,
        s,
        t,
        np.array([range_m]),
        np.array([off]),
        np.array([base_p, 0.0]),
        np.array([max_range_m, 0.0]),
        np.array([cone, 0.0]),
    )
    numpy_chance = float(weapons._per_tick(p, np.array([dt]))[0])
    aspect = weapons.aspect_factor(headings[0], gammas[0], headings[1], gammas[1])
    kernel_chance = weapons.per_tick(
        weapons.gun_hit_chance(base_p, skill, range_m, max_range_m, off, cone, aspect, load_g), dt
    )
    assert abs(kernel_chance - numpy_chance) < 1e-6 * weapons.CLOSE_CALL


def test_numpy_settling_every_shot_changes_no_battle(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every gun's draw left to NumPy's arithmetic, the skirmish keeps its pinned digests (which
    `test_digests` holds the kernel's own verdicts to): cannon, rockets and blue fire."""
    monkeypatch.setattr(weapons, "CLOSE_CALL", math.inf)
    expected = json.loads(DIGESTS.read_text("utf-8"))["skirmish"]
    assert {str(r.seed): r.digest for r in run_battles(load_scenario(SKIRMISH), [1, 2, 3])} == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2 * 123 - 1), st.integers(-1, 2 * 123 - 1)), max_size=12))
def test_bursts_logged_together_are_the_events_logged_one_by_one(pairs: list[tuple[int, int]]) -> None:
    from captainred.engine.events import EventKind, EventLog
    from captainred.engine.setup import build_world
    from captainred.engine.world import emit, emit_rows

    world = build_world(load_scenario("manhattan-recon"), [3, 4])
    world.time_s[:] = [12.5, 7.25]
    world.tick[:] = [50, 29]
    world.x_m[:] = np.linspace(-1000.0, 1000.0, world.n)
    rows = np.array([r for r, _ in pairs], dtype=np.int64)
    targets = np.array([t for _, t in pairs], dtype=np.int64)
    details = [{"weapon": "rocket", "rounds": k} for k in range(len(pairs))]
    world.logs = [EventLog(), EventLog()]
    for row, target, said in zip(rows.tolist(), targets.tolist(), details, strict=True):
        emit(world, row, EventKind.SHOT, target=target, **said)
    one_by_one = [list(log) for log in world.logs]
    world.logs = [EventLog(), EventLog()]
    emit_rows(world, rows, EventKind.SHOT, targets, details)
    assert [list(log) for log in world.logs] == one_by_one


@settings(max_examples=60)
@given(st.lists(st.integers(0, 15), max_size=40), st.integers(0, 2**31))
def test_the_shots_gathered_by_weapon_keep_row_order(fired: list[int], key: int) -> None:
    """Shooters spread over threads write each shot in its own slot; gathered, each weapon's shots, their
    measures and verdicts, the salvos and the bursts started are in the shooters' order, as one loop over
    them wrote them."""
    n = len(fired)
    rng = np.random.default_rng(key)
    ready = np.sort(rng.choice(10 * n + 1, n, replace=False)).astype(np.int64)
    bits = np.array(fired, dtype=np.int8)
    measures = rng.random((4, 3, n))
    verdicts = rng.integers(0, 3, (3, n)).astype(np.int8)
    salvos = rng.integers(1, 3, n).astype(np.int32)
    expected_measures, expected_verdicts, expected_salvos = measures.copy(), verdicts.copy(), salvos.copy()
    counts, shots, measures, verdicts, salvos, started = weapons._gathered(ready, bits, measures, verdicts, salvos)
    for weapon in range(3):
        slots = [k for k in range(n) if fired[k] & weapons.FIRED[weapon]]
        assert counts[weapon] == len(slots)
        assert shots[weapon, : len(slots)].tolist() == ready[slots].tolist()
        assert np.array_equal(measures[:, weapon, : len(slots)], expected_measures[:, weapon, slots])
        assert verdicts[weapon, : len(slots)].tolist() == expected_verdicts[weapon, slots].tolist()
        if weapon == weapons.ROCKET:
            assert salvos[: len(slots)].tolist() == expected_salvos[slots].tolist()
    began = [k for k in range(n) if fired[k] & weapons.BURST_STARTED]
    assert counts[3] == len(began)
    assert started[: len(began)].tolist() == ready[began].tolist()
