"""A crippled aircraft's way down (`triage.crippled`, now one compiled call) writes what the NumPy rule
wrote, bit for bit, over Manhattan and at sea: the rule and the theatre's landing line are written out
here as they were."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.doctrine.modes import Mode
from captainred.doctrine.steering import avoid_terrain, steer_to
from captainred.doctrine.triage import CITY_REACH_M, crippled
from captainred.engine.kinematics import wrap_angle
from captainred.engine.setup import build_world
from captainred.engine.world import AIR_COMMAND, Status, World
from captainred.scenario import load_scenario
from captainred.scenario.maps import (
    AVENUE_SPACING_M,
    AVENUE_WIDTH_M,
    ISLAND_NORTH_M,
    ISLAND_SOUTH_M,
    LINE_UP_AHEAD_M,
    Theatre,
    _half_width_m,
    build_theatre,
)

WRITTEN = ("landing_intent", "target", "cmd_heading_rad", "cmd_gamma_rad", "cmd_throttle")


def _landing_line_numpy(theatre: Theatre, x, y, heading):
    """`Theatre.landing_line` as it was, over arrays in NumPy."""
    if theatre.kind != "manhattan":
        return x + LINE_UP_AHEAD_M * np.sin(heading), y + LINE_UP_AHEAD_M * np.cos(heading), heading
    south = np.cos(heading) < 0
    line_heading = np.where(south, np.pi, 0.0)
    avenue_x = np.round(x / AVENUE_SPACING_M) * AVENUE_SPACING_M
    _, py0, px1, py1 = theatre.park
    near_park = (y > py0 - LINE_UP_AHEAD_M) & (y < py1 + LINE_UP_AHEAD_M) & (np.abs(avenue_x) <= px1 + AVENUE_WIDTH_M)
    avenue_x = np.where(near_park, np.where(x >= 0, 2.0, -2.0) * AVENUE_SPACING_M, avenue_x)
    widest = np.floor((_half_width_m(np.clip(y, ISLAND_SOUTH_M, ISLAND_NORTH_M)) - AVENUE_WIDTH_M) / AVENUE_SPACING_M)
    avenue_x = np.clip(avenue_x, -widest * AVENUE_SPACING_M, widest * AVENUE_SPACING_M)
    return avenue_x, y + LINE_UP_AHEAD_M * np.cos(line_heading), line_heading


def _crippled_numpy(world: World, up) -> None:
    """`triage.crippled` as it was, in NumPy."""
    rows = up[world.mode[up] == int(Mode.CRIPPLED)]
    if not len(rows):
        return
    world.landing_intent[rows] = True
    world.target[rows] = -1
    world.cmd_throttle[rows] = 0.45
    x0, y0, x1, y1 = world.theatre.island
    x, y = world.x_m[rows], world.y_m[rows]
    over_city = (x > x0 - CITY_REACH_M) & (x < x1 + CITY_REACH_M) & (y > y0 - CITY_REACH_M) & (y < y1 + CITY_REACH_M)
    at_sea = rows[~over_city]
    world.cmd_heading_rad[at_sea] = world.heading_rad[at_sea]
    world.cmd_gamma_rad[at_sea] = -0.12
    city = rows[over_city]
    if not len(city):
        return
    tx, ty, line_heading = _landing_line_numpy(world.theatre, world.x_m[city], world.y_m[city], world.heading_rad[city])
    steer_to(world, city, tx, ty, np.zeros(len(city)), gain_m=600.0)
    off_line = np.where(np.abs(np.sin(line_heading)) < 0.5, np.abs(world.x_m[city] - tx), np.abs(world.y_m[city] - ty))
    heading_error = np.abs(wrap_angle(world.heading_rad[city] - line_heading))
    lined_up = (off_line < 6.0) & (heading_error < 0.06)
    world.cmd_gamma_rad[city] = np.where(lined_up, -0.2, 0.0)
    setting_up = city[~lined_up]
    avoid_terrain(world, setting_up, np.full(len(setting_up), 3.0))
    flare = world.z_m[city] < 25.0
    world.cmd_gamma_rad[city] = np.where(flare, np.maximum(world.cmd_gamma_rad[city], -0.05), world.cmd_gamma_rad[city])


@pytest.fixture(scope="module")
def worlds() -> dict[str, World]:
    over_manhattan = build_world(load_scenario("manhattan-recon"), [1, 2])
    at_sea = build_world(load_scenario("manhattan-recon"), [1, 2])
    at_sea.theatre = build_theatre("open-sea", "sea")  # the same craft over open water
    return {"manhattan": over_manhattan, "sea": at_sea}


def _placed(rng: np.random.Generator, n: int, how: str) -> tuple[np.ndarray, ...]:
    """Where the crippled are: anywhere near the island, or on an edge a rule must not call differently."""
    x = rng.uniform(-12_000.0, 12_000.0, n)
    y = rng.uniform(-10_000.0, 31_000.0, n)
    heading = rng.uniform(-math.pi, 2.0 * math.pi, n)
    z = rng.uniform(0.0, 600.0, n)
    if how == "on an avenue, lined up":
        x = np.round(rng.uniform(-1_500.0, 1_500.0, n) / AVENUE_SPACING_M) * AVENUE_SPACING_M + rng.uniform(-8, 8, n)
        heading = rng.choice([0.0, math.pi], n) + rng.uniform(-0.08, 0.08, n)
    elif how == "edges":
        heading = rng.choice([math.pi / 2, -math.pi / 2, 3 * math.pi / 2, 0.0, math.pi], n)
        x = rng.choice([0.0, AVENUE_SPACING_M / 2, -AVENUE_SPACING_M / 2, 1_750.0 + CITY_REACH_M], n)
        park_edges = [8_300.0 - LINE_UP_AHEAD_M, 12_300.0 + LINE_UP_AHEAD_M, 10_000.0]
        y = rng.choice([*park_edges, 0.0, 21_000.0, -CITY_REACH_M], n)
        z = rng.choice([24.9, 25.0, 300.0], n)
    return x, y, z, heading


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["manhattan", "sea"]),
    st.integers(0, 2**32),
    st.sampled_from(["anywhere", "on an avenue, lined up", "edges"]),
)
def test_the_way_down_is_the_numpy_rules(worlds: dict[str, World], theatre: str, key: int, how: str) -> None:
    world = copy.deepcopy(worlds[theatre])
    rng = np.random.default_rng(key)
    ours = np.flatnonzero(world.side == AIR_COMMAND)
    x, y, z, heading = _placed(rng, len(ours), how)
    world.x_m[ours], world.y_m[ours], world.z_m[ours], world.heading_rad[ours] = x, y, z, heading
    world.sin_heading[ours], world.cos_heading[ours] = np.sin(heading), np.cos(heading)
    gamma = rng.uniform(-0.4, 0.2, len(ours))
    world.gamma_rad[ours], world.sin_gamma[ours], world.cos_gamma[ours] = gamma, np.sin(gamma), np.cos(gamma)
    world.speed_mps[ours] = rng.uniform(60.0, 200.0, len(ours))
    world.status[ours] = int(Status.AIRBORNE)
    world.mode[ours] = np.where(rng.random(len(ours)) < 0.7, int(Mode.CRIPPLED), int(Mode.ENGAGE))
    world.cmd_gamma_rad[ours] = rng.uniform(-0.3, 0.3, len(ours))
    world.cmd_throttle[ours] = rng.uniform(0.0, 1.0, len(ours))
    world.target[ours] = rng.integers(-1, world.n, len(ours))
    up = ours[rng.random(len(ours)) < 0.9]

    expected = copy.deepcopy(world)
    _crippled_numpy(expected, up)
    crippled(world, up)
    for name in WRITTEN:
        assert np.array_equal(getattr(world, name), getattr(expected, name)), name
