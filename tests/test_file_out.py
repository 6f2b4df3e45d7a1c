"""Leaving the dome by its gap (`air_command._file_out_through_the_gap`, now one compiled call) writes what
the NumPy rule wrote, bit for bit: the rule is written out here as it was, and both are run on pilots
placed inside the dome, outside it and on its edge, in every mode, some spinning."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.doctrine.air_command import _file_out_through_the_gap, _gap_bearing
from captainred.doctrine.formation import FORM_UP_ALTITUDE_M
from captainred.doctrine.modes import Mode, mode_in
from captainred.doctrine.piloting import GAP_LEAD_M
from captainred.doctrine.steering import steer_to
from captainred.engine.setup import build_world
from captainred.engine.world import AIR_COMMAND, Status, World, fleet_centre
from captainred.scenario import load_scenario

WRITTEN = ("cmd_heading_rad", "cmd_gamma_rad", "cmd_throttle")


def _file_out_numpy(world: World, up: np.ndarray, fleet: np.ndarray, gap_bearing_rad: np.ndarray) -> None:
    """The rule as it was: the caller's choice of pilots, then the NumPy passes."""
    rows = up[mode_in(world.mode[up], Mode.FORM_UP, Mode.TRANSIT) & ~world.spinning[up]]
    if world.net_radius_m <= 0 or not len(rows):
        return
    battle = world.battle[rows].astype(np.int64)
    centre = fleet[battle]
    dx, dy = world.x_m[rows] - centre[:, 0], world.y_m[rows] - centre[:, 1]
    r = np.sqrt(dx * dx + dy * dy + np.maximum(world.z_m[rows], 0.0) ** 2)
    inside = world.net_up[battle] & (r < world.net_radius_m + 500.0)
    sel = rows[inside]
    if len(sel):
        reach = np.hypot(dx[inside], dy[inside]) + GAP_LEAD_M
        bearing = gap_bearing_rad[battle[inside]]
        gx, gy = centre[inside, 0] + reach * np.sin(bearing), centre[inside, 1] + reach * np.cos(bearing)
        steer_to(world, sel, gx, gy, np.full(len(sel), FORM_UP_ALTITUDE_M), gain_m=600.0)
        cruise = (world.cruise_speed_mps[sel] / world.max_speed_mps[sel]) ** 2
        world.cmd_throttle[sel] = np.maximum(world.cmd_throttle[sel], cruise)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(load_scenario("manhattan-recon"), [1, 2, 3])


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["anywhere", "on the edge"]))
def test_leaving_by_the_gap_is_the_numpy_rule(world: World, key: int, where: str) -> None:
    w = copy.deepcopy(world)
    rng = np.random.default_rng(key)
    ours = np.flatnonzero(w.side == AIR_COMMAND)
    centre = fleet_centre(w)
    bearing = _gap_bearing(w, centre)
    battle = w.battle[ours]
    if where == "on the edge":
        # Exactly on the dome's edge and half a metre on either side of it, and straight above the fleet.
        out_m = w.net_radius_m + 500.0 + rng.choice([-0.5, 0.0, 0.5], len(ours))
        angle = rng.uniform(0.0, 2.0 * math.pi, len(ours))
        height = rng.choice([0.0, 0.5, 300.0], len(ours))
        across = np.sqrt(np.maximum(out_m**2 - height**2, 0.0))
        w.x_m[ours] = centre[battle, 0] + across * np.sin(angle)
        w.y_m[ours] = centre[battle, 1] + across * np.cos(angle)
        w.z_m[ours] = height
        # Over the centre, at the edge's height to the bit (the range is then the height itself).
        above = ours[::7]
        w.x_m[above], w.y_m[above] = centre[battle[::7], 0], centre[battle[::7], 1]
        w.z_m[above] = w.net_radius_m + 500.0 + rng.choice([-0.5, 0.0, 0.5], len(above))
    else:
        w.x_m[ours] = centre[battle, 0] + rng.uniform(-9_000.0, 9_000.0, len(ours))
        w.y_m[ours] = centre[battle, 1] + rng.uniform(-9_000.0, 9_000.0, len(ours))
        w.z_m[ours] = rng.uniform(-20.0, 3_000.0, len(ours))
    w.status[ours] = int(Status.AIRBORNE)
    w.mode[ours] = rng.choice([int(m) for m in (Mode.FORM_UP, Mode.TRANSIT, Mode.ENGAGE, Mode.RETURN)], len(ours))
    w.spinning[ours] = rng.random(len(ours)) < 0.2
    w.net_up[:] = rng.random(w.n_battles) < 0.8
    w.cmd_throttle[ours] = rng.uniform(0.0, 1.1, len(ours))
    up = ours[rng.random(len(ours)) < 0.9]

    expected = copy.deepcopy(w)
    _file_out_numpy(expected, up, centre, bearing)
    _file_out_through_the_gap(w, up, centre, bearing)
    for name in WRITTEN:
        assert np.array_equal(getattr(w, name), getattr(expected, name)), name


def test_a_pilot_leaving_is_pointed_along_the_gap(world: World) -> None:
    """The story's rule, not only its arithmetic: inside the dome, in transit, she turns to the gap's line."""
    w = copy.deepcopy(world)
    centre = fleet_centre(w)
    bearing = _gap_bearing(w, centre)
    row = int(np.flatnonzero(w.side == AIR_COMMAND)[0])
    b = int(w.battle[row])
    w.status[row], w.mode[row], w.spinning[row], w.net_up[b] = int(Status.AIRBORNE), int(Mode.TRANSIT), False, True
    w.x_m[row], w.y_m[row], w.z_m[row] = centre[b, 0], centre[b, 1], 300.0
    w.cmd_throttle[row] = 0.0
    _file_out_through_the_gap(w, np.array([row]), centre, bearing)
    assert math.isclose(math.sin(w.cmd_heading_rad[row]), math.sin(bearing[b]), abs_tol=1e-9)
    assert math.isclose(math.cos(w.cmd_heading_rad[row]), math.cos(bearing[b]), abs_tol=1e-9)
    assert w.cmd_throttle[row] > 0.0
