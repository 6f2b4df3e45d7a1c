"""The swarm's small kernels pick the same rows and battles as the whole-World masks they replaced."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.doctrine.modes import Mode
from captainred.doctrine.swarm import _due_at_the_doors, _intruded, _out_of_reach, _out_of_the_ship
from captainred.engine.world import AIR_COMMAND, LGF, Status


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """A few battles of a few rows each, every row's side, status, mode and clock drawn at random."""
    sizes = draw(st.lists(st.integers(0, 6), min_size=1, max_size=5))
    n = sum(sizes)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    row_stop = np.cumsum(sizes).astype(np.int64)
    return {
        "row_start": row_stop - np.array(sizes, dtype=np.int64),
        "row_stop": row_stop,
        "battle": np.repeat(np.arange(len(sizes), dtype=np.int32), sizes),
        "active": rng.random(n) < 0.8,
        "side": rng.choice([AIR_COMMAND, LGF], n).astype(np.int8),
        "status": rng.choice([int(s) for s in Status], n).astype(np.int8),
        "mode": rng.choice([int(m) for m in Mode], n).astype(np.int8),
        "flown_from_outside": rng.random(n) < 0.3,
        "pilot_dead": rng.random(n) < 0.2,
        "spinning": rng.random(n) < 0.2,
        "launch_at_s": rng.choice([0.0, 5.0, 10.0, np.inf], n),
        "time_s": rng.choice([0.0, 5.0, 7.0], len(sizes)),
        "ship_range_m": rng.choice([100.0, 5000.0, np.inf], n),
        "committed_s": rng.choice([np.inf, 3.0], len(sizes)),
        "x": rng.choice([0.0, 900.0, 999.0, 1000.0, 1001.0, 5000.0], n) * rng.choice([-1.0, 1.0], n),
        "y": rng.choice([0.0, 300.0, 2000.0], n),
        "in_reach_s": rng.choice([-np.inf, 0.0, 2.0, 6.0], len(sizes)),
    }


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_the_swarms_rows_are_the_masks_rows(w: dict[str, np.ndarray]) -> None:
    airborne = w["status"] == int(Status.AIRBORNE)
    out = w["active"] & airborne & (w["side"] == LGF) & (w["mode"] != int(Mode.RETURN))
    # Not those the step's command hook flies: marked, with a live pilot, not spinning, not crippled.
    flown = w["flown_from_outside"] & ~w["pilot_dead"] & ~w["spinning"] & (w["mode"] != int(Mode.CRIPPLED))
    got = _out_of_the_ship(
        w["active"], w["status"], w["side"], w["mode"], w["flown_from_outside"], w["pilot_dead"], w["spinning"]
    )
    assert np.array_equal(got, np.flatnonzero(out & ~flown))
    due = (
        w["active"]
        & (w["side"] == LGF)
        & (w["status"] == int(Status.READY))
        & (w["launch_at_s"] <= w["time_s"][w["battle"]])
    )
    got = _due_at_the_doors(w["active"], w["side"], w["status"], w["launch_at_s"], w["battle"], w["time_s"])
    assert np.array_equal(got, np.flatnonzero(due))
    intruders = w["active"] & airborne & (w["side"] == AIR_COMMAND) & (w["ship_range_m"] < 1000.0)
    battles = [b for b in np.unique(w["battle"][intruders]).tolist() if not np.isfinite(w["committed_s"][b])]
    got = _intruded(
        w["active"], w["status"], w["side"], w["ship_range_m"], 1000.0, w["committed_s"], w["row_start"], w["row_stop"]
    )
    assert got.tolist() == battles


@settings(max_examples=200, deadline=None)
@given(worlds(), st.sampled_from([0.0, 2.0, 3.0, 4.0]))
def test_a_swarm_is_recalled_where_nobody_was_within_its_reach_a_while(
    w: dict[str, np.ndarray], recall_after_s: float
) -> None:
    """`_out_of_reach`, against the masks: where a battle being fought has its swarm committed, an Air
    Command craft in the air within the reach (1 km of the origin here) notes the time; a battle whose
    last such time (or its commitment, if later) is more than `recall_after_s` ago is to be recalled, and
    with 0 none ever is."""
    time_s, committed_s = w["time_s"], w["committed_s"]
    in_reach_s = w["in_reach_s"].copy()
    expected_reach = in_reach_s.copy()
    expected = []
    near = (w["status"] == int(Status.AIRBORNE)) & (w["side"] == AIR_COMMAND) & (np.hypot(w["x"], w["y"]) < 1000.0)
    for b, (lo, hi) in enumerate(zip(w["row_start"].tolist(), w["row_stop"].tolist(), strict=True)):
        if recall_after_s <= 0 or not np.isfinite(committed_s[b]) or lo == hi or not w["active"][lo]:
            continue
        if near[lo:hi].any():
            expected_reach[b] = time_s[b]
        if time_s[b] - max(expected_reach[b], committed_s[b]) > recall_after_s:
            expected.append(b)
    got = _out_of_reach(
        w["active"],
        w["status"],
        w["side"],
        w["x"],
        w["y"],
        0.0,
        0.0,
        1000.0,
        recall_after_s,
        time_s,
        committed_s,
        in_reach_s,
        w["row_start"],
        w["row_stop"],
    )
    assert got.tolist() == expected
    assert np.array_equal(in_reach_s, expected_reach)
