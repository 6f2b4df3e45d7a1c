"""Rules joined into one compiled call where they meet (Air Command's triage after the transitions, its
look-aheads for the ground and the hull, the swarm's look-ahead) give what the separate rules give, one by
one, and what the threaded path gives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.doctrine import air_command
from captainred.doctrine.air_command import _fight_home_and_evade, _gap_bearing, _steer_clear
from captainred.doctrine.evasion import evade
from captainred.doctrine.fighting import fight
from captainred.doctrine.modes import Mode
from captainred.doctrine.piloting import fly_home, trouble_rows
from captainred.doctrine.swarm import _look_out
from captainred.doctrine.triage import N_MODES, _herded, _triage_rows
from captainred.engine import threads
from captainred.engine.arrays import arrays_with
from captainred.engine.fields import field_table
from captainred.engine.kinematics import fly_rows, keep_angles, move, moving_rows
from captainred.engine.setup import build_world
from captainred.engine.world import LGF, Flag, Status, Sub, World, fleet_centre
from captainred.scenario import load_scenario
from captainred.simulation import Simulation


def _random_pilots(n: int, key: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(key)
    health = np.where(rng.random((n, len(Sub))) < 0.15, 0.0, rng.uniform(0.3, 1.0, (n, len(Sub))))
    flags = rng.choice([0, int(Flag.TAIL_HIT), int(Flag.MAYDAY), int(Flag.TAIL_HIT | Flag.BINGO)], n)
    return {
        "up": np.sort(rng.choice(n, rng.integers(0, n + 1), replace=False)).astype(np.int64),
        "escorts": rng.choice([0, 1, 3, 4], n, p=[0.6, 0.2, 0.1, 0.1]).astype(np.int64),
        "forced_down": rng.random(n) < 0.2,
        "smoking": rng.random(n) < 0.2,
        "wounded": rng.random(n) < 0.2,
        "flags": flags.astype(np.int32),
        "leak_kg_s": np.where(rng.random(n) < 0.2, rng.uniform(0.0, 1.0, n), 0.0),
        "health": health,
        "engines": rng.choice([1.0, 2.0], n),
        "fuel_limited": rng.random(n) < 0.8,
        "fuel_kg": np.where(rng.random(n) < 0.1, 0.0, rng.uniform(0.0, 500.0, n)),
        "mode": rng.integers(0, len(Mode), n).astype(np.int8),
        "mode_since_s": rng.uniform(0.0, 100.0, n),
        "time_s": rng.uniform(100.0, 200.0, 2),
        "battle": rng.integers(0, 2, n).astype(np.int32),
        "kills": rng.integers(0, 3, n).astype(np.int32),
        "kills_called": rng.integers(0, 3, n).astype(np.int32),
        "trigger": rng.random(n) < 0.5,
        "fire_rockets": rng.random(n) < 0.5,
    }


def _triage(a: dict[str, np.ndarray], herding_done: bool) -> tuple[int, np.ndarray, np.ndarray]:
    found = np.full((2, len(a["up"])), -7, dtype=np.int64)
    counts = np.zeros(N_MODES + 2, dtype=np.int64)
    w = arrays_with(**{name: array for name, array in a.items() if name not in ("up", "escorts")})
    got = _triage_rows(herding_done, a["up"], a["escorts"], w, found, counts)
    return got, found, counts


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32), st.booleans())
def test_the_triage_is_the_rules_one_by_one(n: int, key: int, herding_done: bool) -> None:
    a, b = _random_pilots(n, key), _random_pilots(n, key)  # two copies of the same pilots
    up = a["up"]
    herded = _herded(up, a["escorts"], a["forced_down"], a["smoking"], a["wounded"], a["flags"], a["leak_kg_s"])
    got, found, counts = _triage(a, herding_done)

    if not herding_done and len(herded):
        # The herded come first, and nothing else is touched until they have been dealt with.
        assert got == len(herded)
        assert found[0, :got].tolist() == herded.tolist()
        for k in b:
            np.testing.assert_array_equal(a[k], b[k])
        return

    assert got == 0
    # The rules one by one, on the other copy: who comes down and calls a mayday, the kills not yet
    # called, the guns made safe, then the census.
    marked = np.empty(len(up), dtype=np.int64)
    troubled = trouble_rows(
        up, b["health"], b["engines"], b["fuel_limited"], b["fuel_kg"], b["mode"], b["mode_since_s"], b["time_s"],
        b["battle"], b["flags"], b["wounded"], b["leak_kg_s"], marked,
    )  # fmt: skip
    kills = up[b["kills"][up] > b["kills_called"][up]]
    b["trigger"][up] = False
    b["fire_rockets"][up] = False
    census = np.bincount(b["mode"][up], minlength=N_MODES)

    assert counts[N_MODES] == troubled and found[0, :troubled].tolist() == marked[:troubled].tolist()
    assert counts[N_MODES + 1] == len(kills) and found[1, : len(kills)].tolist() == kills.tolist()
    assert counts[:N_MODES].tolist() == census.tolist()
    for k in b:
        np.testing.assert_array_equal(a[k], b[k])


@pytest.fixture(scope="module")
def recon_in_flight() -> Simulation:
    sim = Simulation(build_world(load_scenario("manhattan-recon"), [1]))
    for _ in range(3000):  # the squadrons over the city, the swarm out of the ship
        sim.step()
    return sim


def test_the_last_word_in_one_call_is_the_look_aheads_spread_over_threads(
    recon_in_flight: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Low over the city and near the ship, where the look-aheads have work: the commands written in one
    compiled call are those written by the three calls of the threaded path."""
    w = recon_in_flight.world
    rng = np.random.default_rng(5)
    up = air_command._pilots_up(w.air_command_rows, recon_in_flight.context.active, w.status, w.pilot_dead)
    assert len(up) > 4
    cmd = ("cmd_heading_rad", "cmd_gamma_rad", "cmd_throttle")
    saved = {k: getattr(w, k).copy() for k in (*cmd, "z_m", "gamma_rad", "spinning", "mode")}
    pulled = 0
    try:
        for trial in range(20):
            for k, v in saved.items():
                getattr(w, k)[:] = v
            w.z_m[up] = rng.uniform(5.0, 400.0, len(up))
            w.gamma_rad[up] = rng.uniform(-0.4, 0.2, len(up))
            keep_angles(w, up)
            w.spinning[up] = rng.random(len(up)) < 0.2
            w.mode[up[rng.random(len(up)) < 0.1]] = int(Mode.CRIPPLED)
            before = {k: getattr(w, k).copy() for k in cmd}

            _steer_clear(w, up)
            one_call = {k: getattr(w, k).copy() for k in cmd}

            for k in cmd:
                getattr(w, k)[:] = before[k]
            with monkeypatch.context() as m:
                m.setattr(threads, "in_parallel", lambda rows: True)
                _steer_clear(w, up)  # the three calls, each spread over threads
            for k in cmd:
                np.testing.assert_array_equal(one_call[k], getattr(w, k), err_msg=f"{k}, trial {trial}")
            pulled += int(np.sum(one_call["cmd_gamma_rad"][up] != before["cmd_gamma_rad"][up]))
    finally:
        for k, v in saved.items():
            getattr(w, k)[:] = v
    assert pulled > 0  # the look-ahead did change some commands


def test_the_swarms_look_ahead_in_one_call_is_the_threaded_one(
    recon_in_flight: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LGFs low over the city: the commands the swarm's look-ahead writes in one compiled call are those
    it writes spread over threads."""
    w, active = recon_in_flight.world, recon_in_flight.context.active
    out = np.flatnonzero(active & (w.side == LGF) & (w.status == int(Status.AIRBORNE)))
    assert len(out) > 50
    rng = np.random.default_rng(9)
    cmd = ("cmd_heading_rad", "cmd_gamma_rad", "cmd_throttle")
    saved = {k: getattr(w, k).copy() for k in (*cmd, "z_m", "gamma_rad", "x_m", "y_m")}
    x0, y0, x1, y1 = w.theatre.island
    pulled = 0
    try:
        for trial in range(5):
            for k, v in saved.items():
                getattr(w, k)[:] = v
            w.x_m[out] = rng.uniform(x0, x1, len(out))
            w.y_m[out] = rng.uniform(y0, y1, len(out))
            w.z_m[out] = rng.uniform(5.0, 400.0, len(out))
            w.gamma_rad[out] = rng.uniform(-0.4, 0.2, len(out))
            keep_angles(w, out)
            before = {k: getattr(w, k).copy() for k in cmd}
            _look_out(w, active)
            one_call = {k: getattr(w, k).copy() for k in cmd}
            for k in cmd:
                getattr(w, k)[:] = before[k]
            with monkeypatch.context() as m:
                m.setattr(threads, "in_parallel", lambda rows: True)
                _look_out(w, active)
            for k in cmd:
                np.testing.assert_array_equal(one_call[k], getattr(w, k), err_msg=f"{k}, trial {trial}")
            pulled += int(np.sum(one_call["cmd_gamma_rad"][out] != before["cmd_gamma_rad"][out]))
    finally:
        for k, v in saved.items():
            getattr(w, k)[:] = v
    assert pulled > 0


def test_fighting_going_home_and_evading_in_one_call_are_the_three_rules(
    recon_in_flight: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pilots in every mode the three rules concern, some with an LGF close behind, and some flown from
    outside (the fight and evasion pass them by; the way home does not): the decisions written in one
    compiled call are those the three calls write, each spread over threads."""
    w, ctx = recon_in_flight.world, recon_in_flight.context
    assert ctx.picture is not None
    up = air_command._pilots_up(w.air_command_rows, ctx.active, w.status, w.pilot_dead)
    centre = fleet_centre(w)
    bearing = _gap_bearing(w, centre)
    rng = np.random.default_rng(11)
    decisions = ("cmd_heading_rad", "cmd_gamma_rad", "cmd_throttle", "target", "trigger", "fire_rockets")
    saved = {k: getattr(w, k).copy() for k in (*decisions, "mode", "z_m")}
    saved_tail = ctx.picture.tail_range_m.copy()
    modes = [int(m) for m in (Mode.ENGAGE, Mode.COVER, Mode.PHOTO, Mode.RETURN, Mode.TRANSIT)]
    try:
        for trial in range(10):
            for k, v in saved.items():
                getattr(w, k)[:] = v
            ctx.picture.tail_range_m[:] = saved_tail
            w.mode[up] = rng.choice(modes, len(up))
            w.z_m[up] = rng.uniform(50.0, 1500.0, len(up))
            ctx.picture.tail_range_m[up] = np.where(
                rng.random(len(up)) < 0.5, rng.uniform(100.0, 600.0, len(up)), np.inf
            )
            steered = up[rng.random(len(up)) < 0.7]
            before = {k: getattr(w, k).copy() for k in decisions}
            _fight_home_and_evade(w, up, steered, ctx.picture, ctx.armoury, centre, bearing, True, True)
            one_call = {k: getattr(w, k).copy() for k in decisions}
            for k in decisions:
                getattr(w, k)[:] = before[k]
            with monkeypatch.context() as m:
                m.setattr(threads, "in_parallel", lambda rows: True)
                fight(w, steered, ctx.picture, ctx.armoury, centre)
                fly_home(w, up, centre, bearing)
                evade(w, steered, ctx.picture.tail_threat, ctx.picture.tail_range_m, ctx.picture.ship_range_m)
            for k in decisions:
                np.testing.assert_array_equal(one_call[k], getattr(w, k), err_msg=f"{k}, trial {trial}")
    finally:
        for k, v in saved.items():
            getattr(w, k)[:] = v
        ctx.picture.tail_range_m[:] = saved_tail


def test_the_flight_in_one_call_is_the_rows_found_then_flown(
    recon_in_flight: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tick's flight in one compiled call (`kinematics.move`) finds the rows that fly and where they
    were, and leaves the World as finding them (`moving_rows`) then flying them (`fly_rows`, spread over
    threads) leaves it."""
    w, ctx = recon_in_flight.world, recon_in_flight.context
    flown = {spec.name: getattr(w, spec.name) for spec in field_table(World)}
    saved = {k: v.copy() for k, v in flown.items()}
    try:
        one_call = move(w, ctx.active, ctx.dt)
        after_one_call = {k: v.copy() for k, v in flown.items()}
        for k, v in saved.items():
            flown[k][...] = v
        with monkeypatch.context() as m:
            m.setattr(threads, "in_parallel", lambda rows: True)
            two_calls = moving_rows(w, ctx.active)
            fly_rows(w, two_calls[0], ctx.dt)
        assert len(one_call[0]) > 50
        for got, want in zip(one_call, two_calls, strict=True):
            np.testing.assert_array_equal(got, want)
        for k, v in flown.items():
            np.testing.assert_array_equal(after_one_call[k], v, err_msg=k)
        assert not np.array_equal(after_one_call["x_m"], saved["x_m"])  # they did fly
    finally:
        for k, v in saved.items():
            flown[k][...] = v
