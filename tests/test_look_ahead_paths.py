"""The look-ahead's two paths over Manhattan, held to the plain walk, sample by sample and to the bit.

`steering._first_in_the_way_on_the_turn` finds each sample's rotation a sample ahead of its use, and
`steering._first_in_the_way_ahead` skips whole stretches of the line off the nose whose box is clear of
the roofs. Both are ways of doing the same walk faster: every answer (the first sample in the way, its
ground, the highest ground read where it could matter) must be the one the plain walk gives.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.doctrine.steering import (
    PATH_SAMPLES,
    SMALL_ANGLE_RAD,
    _first_in_the_way_ahead,
    _first_in_the_way_on_the_turn,
)
from captainred.engine.kinematics import HEADING_GAIN
from captainred.scenario.maps import Ground, build_theatre, height_at


@pytest.fixture(scope="module")
def ground() -> Ground:
    return build_theatre("manhattan", "manhattan").ground


def _rotated(sin_a: float, cos_a: float, d: float) -> tuple[float, float]:
    """One small rotation, as the walk took it sample by sample before its series was found a sample
    ahead (written out here, apart from the code under test)."""
    if abs(d) < SMALL_ANGLE_RAD:
        d2 = d * d
        sin_d = d * (1.0 - d2 / 6.0 * (1.0 - d2 / 20.0 * (1.0 - d2 / 42.0)))
        cos_d = 1.0 - d2 / 2.0 * (1.0 - d2 / 12.0 * (1.0 - d2 / 30.0))
    else:
        sin_d, cos_d = math.sin(d), math.cos(d)
    return sin_a * cos_d + cos_a * sin_d, cos_a * cos_d - sin_a * sin_d


def _walk(
    ground: Ground,
    start: tuple[float, float, float, float],
    heading: float,
    ground_speed: float,
    turn: tuple[float, float] | None,
    step: float,
    margin: float,
    highest: float = 0.0,
) -> tuple[int, float, float]:
    """The plain walk: every sample flown and read in order, the turn's direction carried by `_rotated`
    at each sample (`turn`: the heading error and the most rate; None for the line off the nose)."""
    heights, _, ox, oy, cell, _ = ground
    x, y, z, vz = start
    px, py = x, y
    east, north = math.sin(heading), math.cos(heading)
    unclosed = math.exp(-HEADING_GAIN * 0.5 * step)
    per_sample = math.exp(-HEADING_GAIN * step)
    turned = 0.0
    for s in range(PATH_SAMPLES):
        if turn is not None:
            error, max_rate = turn
            most = max_rate * ((s + 0.5) * step)
            now = min(max(error * (1.0 - unclosed), -most), most)
            unclosed *= per_sample
            east, north = _rotated(east, north, now - turned)
            turned = now
        px += ground_speed * east * step
        py += ground_speed * north * step
        under_m = height_at(heights, ox, oy, cell, px, py)
        highest = max(highest, under_m)
        if z + vz * (s + 1) * step < under_m + margin:
            return s, under_m, highest
    return -1, 0.0, highest


over_manhattan = st.tuples(
    st.floats(-1800.0, 1800.0),  # x: the island and the rivers either side
    st.floats(-200.0, 21_200.0),  # y: from the Battery to Inwood
    st.floats(0.0, 450.0),  # z: in the streets to above the tallest tower
    st.floats(-60.0, 40.0),  # climbing or diving
)
ground_speeds = st.floats(40.0, 240.0)
headings = st.floats(-math.pi, math.pi)
steps = st.floats(0.5, 6.0).map(lambda look_s: look_s / PATH_SAMPLES)
margins = st.floats(45.0, 70.0)


@settings(max_examples=400, deadline=None)
@given(
    start=over_manhattan,
    heading=headings,
    ground_speed=ground_speeds,
    error=st.floats(-math.pi, math.pi),
    max_rate=st.floats(0.0, 1.2),
    step=steps,
    margin=margins,
    highest=st.floats(0.0, 400.0),
)
def test_the_turn_with_each_rotation_found_ahead_is_the_plain_walk(
    ground: Ground,
    start: tuple[float, float, float, float],
    heading: float,
    ground_speed: float,
    error: float,
    max_rate: float,
    step: float,
    margin: float,
    highest: float,
) -> None:
    heights, _, ox, oy, cell, _ = ground
    x, y, z, vz = start
    found = _first_in_the_way_on_the_turn(
        heights, ox, oy, cell, x, y, z, vz, ground_speed, math.sin(heading), math.cos(heading), error, max_rate,
        step, margin, highest,
    )  # fmt: skip
    assert found == _walk(ground, start, heading, ground_speed, (error, max_rate), step, margin, highest)


@settings(max_examples=400, deadline=None)
@given(
    start=over_manhattan,
    heading=headings,
    ground_speed=ground_speeds,
    step=steps,
    margin=margins,
    pull_out_m=st.floats(0.0, 120.0),
    highest_before=st.floats(0.0, 400.0),
)
def test_the_line_off_the_nose_read_only_where_a_roof_may_reach_it_is_the_plain_walk(
    ground: Ground,
    start: tuple[float, float, float, float],
    heading: float,
    ground_speed: float,
    step: float,
    margin: float,
    pull_out_m: float,
    highest_before: float,
) -> None:
    # A stretch is left unread only when no sample of it could be in the way or make her level off (the
    # ground under it stays `margin` below her height after a pull-out): there, `highest` may stay lower
    # than the plain walk's, but never on the side of that line where it counts.
    heights, box_max, ox, oy, cell, _ = ground
    x, y, z, vz = start
    z_pulled_out = z - pull_out_m
    east, north = math.sin(heading), math.cos(heading)
    s, under_m, highest = _first_in_the_way_ahead(
        heights, box_max, ox, oy, cell, x, y, z, vz, ground_speed * east * step, ground_speed * north * step, step,
        margin, z_pulled_out, highest_before,
    )  # fmt: skip
    s_walked, under_walked, highest_walked = _walk(
        ground, start, heading, ground_speed, None, step, margin, highest_before
    )
    assert (s, under_m) == (s_walked, under_walked)
    assert highest <= highest_walked
    assert (z_pulled_out < highest + margin) == (z_pulled_out < highest_walked + margin)


def test_a_line_straight_into_a_tower_is_stopped_at_the_first_sample_inside_its_margin(ground: Ground) -> None:
    # North up the middle of Midtown, low: the walk and the shortcut both stop at the same sample.
    heights, box_max, ox, oy, cell, _ = ground
    start = (140.0, 5_600.0, 60.0, 0.0)
    step = 4.0 / PATH_SAMPLES
    found = _first_in_the_way_ahead(heights, box_max, ox, oy, cell, *start, 0.0, 200.0 * step, step, 50.0, 60.0, 0.0)
    assert found[0] >= 0
    assert found == _walk(ground, start, 0.0, 200.0, None, step, 50.0)


def test_a_pull_out_over_the_tallest_roof_ahead_levels_her_off_though_her_path_clears_it(ground: Ground) -> None:
    # Level just above the margin over the tallest roof of the line ahead: the path is clear, but the
    # height a pull-out would cost takes her inside the margin there, so that roof must be read.
    heights, box_max, ox, oy, cell, _ = ground
    step, margin, speed = 4.0 / PATH_SAMPLES, 50.0, 200.0
    _, _, tallest_m = _walk(ground, (140.0, 5_600.0, 1_000.0, 0.0), 0.0, speed, None, step, margin)
    start = (140.0, 5_600.0, tallest_m + margin + 5.0, 0.0)
    z_pulled_out = start[2] - 10.0
    s, _, highest = _first_in_the_way_ahead(
        heights, box_max, ox, oy, cell, *start, 0.0, speed * step, step, margin, z_pulled_out, 0.0
    )
    assert s == -1
    assert z_pulled_out < highest + margin
