"""Craft a policy flies: the doctrine's flying rules pass them by (`doctrine.outside`), and a run is the same,
event for event, as one in which the doctrine worked out the commands the policy then overwrote."""

from __future__ import annotations

import hashlib
from contextlib import nullcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.doctrine.modes import Mode
from captainred.doctrine.outside import flown_by_the_doctrine
from captainred.engine.world import Status
from captainred.rl import BattleBatch
from captainred.rl.core import HOME
from on_threads import on_threads


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 60), st.integers(0, 2**32 - 1))
def test_the_doctrine_flies_all_but_the_marked_rows_that_can_be_flown(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    status = rng.choice([int(s) for s in Status], n).astype(np.int8)
    mode = rng.choice([int(m) for m in Mode], n).astype(np.int8)
    marked, pilot_dead, spinning = rng.random(n) < 0.6, rng.random(n) < 0.2, rng.random(n) < 0.2
    rows = np.sort(rng.choice(n, size=rng.integers(0, n + 1), replace=False)).astype(np.int64)
    can_be_flown = (status == int(Status.AIRBORNE)) & ~pilot_dead & ~spinning & (mode != int(Mode.CRIPPLED))
    expected = rows[~(marked & can_be_flown)[rows]]
    assert np.array_equal(flown_by_the_doctrine(rows, marked, status, pilot_dead, spinning, mode), expected)


def _played(batch: BattleBatch, steps: int) -> str:
    """Random actions (now and then one asking to go home) for `steps` steps: a digest of every
    observation, reward, flag and mask, then of the World's arrays and every battle's events."""
    h = hashlib.sha256()
    batch.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(steps):
        actions = {name: rng.uniform(-1, 1, buf.action.shape).astype(np.float32) for name, buf in batch.buffers.items()}
        for a in actions.values():
            a[..., HOME] = np.where(rng.random(a.shape[:-1]) < 0.02, 1.0, -1.0)
        batch.step(actions)
        for name in sorted(batch.buffers):
            buf = batch.buffers[name]
            for array in (buf.observation, buf.reward, buf.alive, buf.action_mask):
                h.update(np.ascontiguousarray(array).tobytes())
    w = batch.world
    for name, value in sorted(vars(w).items()):
        if isinstance(value, np.ndarray):
            h.update(name.encode() + np.ascontiguousarray(value).tobytes())
    for log in w.logs:
        h.update(log.digest().encode())
    return h.hexdigest()


@pytest.mark.slow
def test_one_squadron_flown_by_a_policy_among_the_doctrines_squadrons_plays_as_before() -> None:
    # Manhattan's recon with the Slayers under control, from the deck until the episode ends (about a
    # hundred steps of theirs in the air): the other squadrons fly their doctrine beside them.
    passing_by = _played(BattleBatch("manhattan-recon", n_battles=1, control="slayers"), 2500)
    deciding = BattleBatch("manhattan-recon", n_battles=1, control="slayers")
    deciding._mark_flown = lambda: None  # type: ignore[method-assign]
    assert _played(deciding, 2500) == passing_by


def _mark_every_agent(batch: BattleBatch) -> None:
    """A wrong marking, to show the comparison can fail: every agent, those going home among them."""
    for rows in batch._rows.values():
        batch.world.flown_from_outside[rows.ravel()] = True


@pytest.mark.parametrize(
    ("scenario", "battles", "control", "steps", "threaded"),
    [
        ("photo-run", 6, "all", 150, False),
        ("photo-run", 6, "air_command", 150, False),
        ("melee-16v16", 8, "lgf", 60, False),
        ("photo-run", 6, "all", 150, True),  # the rules as a World of thousands runs them, over threads
        ("melee-16v16", 8, "all", 60, True),
    ],
)
def test_a_batch_whose_doctrine_passes_the_flown_by_plays_as_one_whose_doctrine_decides_for_all(
    scenario: str, battles: int, control: str, steps: int, threaded: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    with on_threads(2, monkeypatch) if threaded else nullcontext():
        passing_by = _played(BattleBatch(scenario, n_battles=battles, control=control), steps)
        deciding = BattleBatch(scenario, n_battles=battles, control=control)
        deciding._mark_flown = lambda: None  # type: ignore[method-assign]  # nothing marked: the doctrine decides
        assert _played(deciding, steps) == passing_by


def test_marking_the_agents_who_go_home_too_changes_the_run() -> None:
    # An agent asking to go home is flown home by her doctrine: passed by, she would fly the last commands
    # she was given instead, and the run changes. (The comparison above is not one that always agrees.)
    right = _played(BattleBatch("photo-run", n_battles=6, control="all"), 150)
    wrong = BattleBatch("photo-run", n_battles=6, control="all")
    wrong._mark_flown = lambda: _mark_every_agent(wrong)  # type: ignore[method-assign]
    assert _played(wrong, 150) != right


def test_the_marks_are_the_agents_the_hook_will_fly_and_are_cleared_after_the_step() -> None:
    batch = BattleBatch("photo-run", n_battles=3, control="air_command")
    batch.reset(seed=5)
    (name,) = batch.buffers
    rows, buf = batch._rows[name], batch.buffers[name]
    seen: list[np.ndarray] = []
    command = batch._command

    def spy(world: object, active: np.ndarray) -> None:
        seen.append(batch.world.flown_from_outside[rows].copy())
        command(world, active)  # type: ignore[arg-type]

    batch.sim.context.command = spy
    actions = np.full(buf.action.shape, -1.0, dtype=np.float32)
    actions[0, 0, HOME] = 1.0  # the first agent of battle 0 asks to go home, and her mask allows it
    assert buf.action_mask[0, 0, HOME]
    batch.step({name: actions})
    expected = np.ones(rows.shape, bool)
    expected[0, 0] = False
    assert np.array_equal(seen[0], expected)
    assert not batch.world.flown_from_outside.any()
