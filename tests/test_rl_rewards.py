"""The batched core's compiled rewards and ends (`rl.rewards`) against the rules in NumPy, to the bit, on
random batches: what a step pays, who is gone, and what each side still has in play."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.engine.world import AIR_COMMAND, LGF, Status
from captainred.rl.rewards import ends_of_group, in_play, rewards_of_group

STATUSES = np.array([int(s) for s in Status], np.int8)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=1, max_size=6), st.integers(0, 2**32 - 1))
def test_the_craft_in_play_are_counted_by_battle_and_side(sizes: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    row_stop = np.cumsum(sizes).astype(np.int64)
    row_start = row_stop - np.array(sizes, np.int64)
    status = rng.choice(STATUSES, n).astype(np.int8)
    side = rng.choice([AIR_COMMAND, LGF], n).astype(np.int8)
    sorties = rng.integers(0, 2, n).astype(np.int32)
    stand_by = rng.random(n) < 0.3
    counts = np.full((len(sizes), 2), -1, np.int64)
    in_play.in_turn(row_start, row_stop, status, side, sorties, stand_by, counts)
    # In the air, or still to launch: an LGF ready at its door, an aircraft ready for her first sortie
    # and not held at readiness.
    ready = status == int(Status.READY)
    waiting = ready & (((side == AIR_COMMAND) & (sorties == 0) & ~stand_by) | (side == LGF))
    up = (status == int(Status.AIRBORNE)) | waiting
    battle = np.repeat(np.arange(len(sizes)), sizes)
    expected = np.bincount(battle[up] * 2 + side[up], minlength=2 * len(sizes)).reshape(len(sizes), 2)
    assert np.array_equal(counts, expected)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 6),
    st.integers(0, 2**32 - 1),
    st.tuples(*[st.sampled_from([0.0, 0.02, 0.2, 1.0, 2.0])] * 6),
)
def test_a_steps_rewards_and_ends_are_the_rules(
    n_b: int, n_a: int, seed: int, weights: tuple[float, float, float, float, float, float]
) -> None:
    rng = np.random.default_rng(seed)
    n = n_b * n_a + 3
    rows = rng.permutation(n)[: n_b * n_a].reshape(n_b, n_a).astype(np.int64)
    was_alive, going = rng.random((n_b, n_a)) < 0.7, rng.random(n_b) < 0.8
    status = rng.choice(STATUSES, n).astype(np.int8)
    kills = rng.integers(0, 4, n).astype(np.int32)
    kills_before = rng.integers(0, 3, (n_b, n_a)).astype(np.int32)
    dt_s, photos = rng.choice([0.2, 0.25, 1.0], n_b), rng.integers(0, 5, n).astype(np.int32)
    fuel_kg, full_fuel_kg = rng.uniform(0.0, 900.0, n), rng.choice([0.0, 700.0, 950.0], n_a)
    aim_cosine = rng.uniform(-1.0, 1.0, (n_b, n_a))
    gone_before = rng.random((n_b, n_a)) < 0.2
    kill_w, loss_w, photos_w, fuel_w, survival_w, aim_w = weights

    reward = np.full((n_b, n_a), np.nan, np.float32)
    terminated, truncated = np.ones((n_b, n_a), bool), np.ones((n_b, n_a), bool)
    gone, got_kills, any_alive = gone_before.copy(), kills_before.copy(), np.zeros(n_b, bool)
    rewards_of_group.in_turn(
        rows, was_alive, going, status, kills, dt_s, photos, fuel_kg, full_fuel_kg, 3, aim_cosine, weights,
        got_kills, reward, terminated, truncated, gone, any_alive,
    )  # fmt: skip

    # The rule, in NumPy over the whole group, term by term in this order.
    was = was_alive & going[:, None]
    lost = was & (status[rows] == int(Status.LOST))
    returned = was & (status[rows] == int(Status.RETURNED))
    r = kill_w * (kills[rows] - kills_before) * was
    r -= loss_w * lost
    if photos_w or fuel_w:
        r += returned * (photos_w * photos[rows] / 3 + fuel_w * fuel_kg[rows] / np.maximum(full_fuel_kg, 1e-9))
    if survival_w:
        r += survival_w * dt_s[:, None] * (was & (status[rows] == int(Status.AIRBORNE)))
    if aim_w:
        r += aim_w * dt_s[:, None] * aim_cosine * was
    assert reward.tobytes() == r.astype(np.float32).tobytes()
    assert np.array_equal(terminated, lost | returned) and not truncated.any()
    assert np.array_equal(gone, gone_before | lost | returned)
    assert np.array_equal(got_kills, kills[rows])
    assert np.array_equal(any_alive, (was & ~(lost | returned)).any(axis=1))

    # The battles that end: those alive before and not gone are cut or terminated, and all are gone.
    ends, cut, enemy_out = rng.random(n_b) < 0.6, rng.random(n_b) < 0.5, rng.random(n_b) < 0.5
    flags_before = terminated.copy(), truncated.copy()
    outcome = np.full(n_b, 7, np.int8)
    ends_of_group.in_turn(rows, was_alive, ends, cut, enemy_out, status, terminated, truncated, outcome, gone)
    still = was_alive & ~flags_before[0] & ends[:, None]
    assert np.array_equal(terminated, flags_before[0] | (still & ~cut[:, None]))
    assert np.array_equal(truncated, flags_before[1] | (still & cut[:, None]))
    assert gone[ends].all()
    not_lost = (status[rows] != int(Status.LOST)).any(axis=1)
    expected = np.where(ends & enemy_out & not_lost, 1, np.where(ends & ~not_lost & ~enemy_out, -1, 7))
    assert np.array_equal(outcome[ends], np.where(expected == 7, 0, expected)[ends])
    assert (outcome[~ends] == 7).all()
