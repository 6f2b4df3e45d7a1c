"""Sensing through each battle's grid gives exactly what a search over every pair gives.

The reference here is the plainest one: per battle, the full matrix of ranges between every airborne
Air Command craft and every airborne LGF, reduced with argmin (the first minimum, so the lowest row wins a
tie). The grid must agree with it on random worlds: craft scattered over metres or hundreds of
kilometres, stacked on the same spot to force ties, with random targets, force-down roles and prey.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from captainred.engine.grid import LGF as GRID_LGF
from captainred.engine.grid import (
    RANGE_ALL_UP_TO,
    SEARCH_ALL_UP_TO,
    SenseGrid,
    _best_of_few_by_range,
    _best_of_many_by_square,
    nearest_of_side,
)
from captainred.engine.kinematics import keep_angles
from captainred.engine.sensing import FORCE_DOWN_RADIUS_M, Picture, sense
from captainred.engine.setup import build_world
from captainred.engine.world import AIR_COMMAND, LGF, Status, World
from captainred.scenario.model import ResolvedScenario
from on_threads import on_threads

EVADE_M = 1500.0


@dataclass
class Reference:
    nearest: NDArray[np.int64]
    nearest_range: NDArray[np.float64]
    tail: NDArray[np.int64]
    tail_range: NDArray[np.float64]
    escorts: NDArray[np.int64]
    nearest_prey: NDArray[np.int64]
    battle_pairs_range: NDArray[np.float64]  # closest opposing pair, per battle (inf: none)


def brute_force(world: World, prey: NDArray[np.bool_], evade_range_m: float) -> Reference:
    n = world.n
    ref = Reference(
        np.full(n, -1, np.int64),
        np.full(n, np.inf),
        np.full(n, -1, np.int64),
        np.full(n, np.inf),
        np.zeros(n, np.int64),
        np.full(n, -1, np.int64),
        np.full(world.n_battles, np.inf),
    )
    up = world.airborne
    for b in range(world.n_battles):
        rows = np.arange(world.row_start[b], world.row_stop[b])
        ac = rows[up[rows] & (world.side[rows] == AIR_COMMAND)]
        lgf = rows[up[rows] & (world.side[rows] == LGF)]
        if not len(ac) or not len(lgf):
            continue
        dx = world.x_m[lgf][None, :] - world.x_m[ac][:, None]
        dy = world.y_m[lgf][None, :] - world.y_m[ac][:, None]
        dz = world.z_m[lgf][None, :] - world.z_m[ac][:, None]
        range_m = np.sqrt(dx * dx + dy * dy + dz * dz)
        ref.battle_pairs_range[b] = range_m.min()
        first = range_m.argmin(axis=1)
        ref.nearest[ac] = lgf[first]
        ref.nearest_range[ac] = range_m[np.arange(len(ac)), first]
        cos_g = np.cos(world.gamma_rad[ac])
        fx = (cos_g * np.sin(world.heading_rad[ac]))[:, None]
        fy = (cos_g * np.cos(world.heading_rad[ac]))[:, None]
        fz = np.sin(world.gamma_rad[ac])[:, None]
        ahead = (dx * fx + dy * fy + dz * fz) / np.maximum(range_m, 1.0)
        hunting = world.target[lgf][None, :] == ac[:, None]
        on_tail = hunting & (range_m < evade_range_m) & ((ahead < -0.3) | (range_m < 0.35 * evade_range_m))
        tail_range_m = np.where(on_tail, range_m, np.inf)
        has_tail = np.isfinite(tail_range_m.min(axis=1))
        ref.tail[ac[has_tail]] = lgf[tail_range_m.argmin(axis=1)[has_tail]]
        ref.tail_range[ac[has_tail]] = tail_range_m.min(axis=1)[has_tail]
        herding = hunting & world.force_down_role[lgf][None, :] & (range_m < FORCE_DOWN_RADIUS_M)
        ref.escorts[ac] = herding.sum(axis=1)
        factor = 1.0 + world.target_spread[lgf][None, :] * (1.0 + world.slot[ac][:, None] % 3)
        choice = (range_m * factor).argmin(axis=0)
        ref.nearest[lgf] = ac[choice]
        ref.nearest_range[lgf] = range_m[choice, np.arange(len(lgf))]
        prey_range_m = np.where(prey[ac][:, None], range_m, np.inf)
        has_prey = np.isfinite(prey_range_m.min(axis=0))
        ref.nearest_prey[lgf[has_prey]] = ac[prey_range_m.argmin(axis=0)[has_prey]]
    return ref


def assert_same(world: World, picture: Picture, ref: Reference, limit_m: float) -> None:
    """Equal answers, except that beyond the range limit the grid answers 'none' (what every rule reads
    the same way as a sighting that far off), and that only force-down LGFs look for prey."""
    seen = ref.nearest_range < limit_m
    np.testing.assert_array_equal(picture.nearest_enemy[seen], ref.nearest[seen])
    np.testing.assert_array_equal(picture.nearest_range_m[seen], ref.nearest_range[seen])
    assert (picture.nearest_enemy[~seen] == -1).all()
    assert np.isinf(picture.nearest_range_m[~seen]).all()
    np.testing.assert_array_equal(picture.tail_threat, ref.tail)
    np.testing.assert_array_equal(picture.tail_range_m, ref.tail_range)
    np.testing.assert_array_equal(picture.escorts, ref.escorts)
    herders = world.force_down_role & world.airborne
    np.testing.assert_array_equal(picture.nearest_prey[herders], ref.nearest_prey[herders])
    ship_part = picture.ship_range_m  # the battle's closest approach folds in the ship as well
    for b in range(world.n_battles):
        rows = world.rows_of(b)
        ours = world.airborne[rows] & (world.side[rows] == AIR_COMMAND)
        expected = min(ref.battle_pairs_range[b], float(np.min(ship_part[rows][ours], initial=np.inf)))
        got = picture.battle_enemy_range_m[b]
        assert got == expected or (got >= limit_m and expected >= limit_m)


@st.composite
def scattered(draw: st.DrawFn) -> tuple[int, float, float, float, int, float]:
    seed = draw(st.integers(0, 2**32 - 1))
    spread_m = draw(st.sampled_from([50.0, 800.0, 5_000.0, 40_000.0, 400_000.0]))
    airborne = draw(st.floats(0.0, 1.0))
    limit_m = draw(st.sampled_from([300.0, 3_000.0, 30_300.0, 1e9]))
    spots = draw(st.sampled_from([0, 1, 3, 40]))  # 0: every craft anywhere; k: craft share k spots (ties)
    apart = draw(st.sampled_from([0.0, 0.0, 2.5, 8.0]))  # the swarm that many spreads off to the side
    return seed, spread_m, airborne, limit_m, spots, apart


def randomise(
    world: World, seed: int, spread_m: float, airborne: float, spots: int, apart: float = 0.0
) -> NDArray[np.bool_]:
    """Scatter every craft, put some in the air, give LGFs random targets; returns the prey. With `apart`,
    the LGFs are that many spreads off to the east and a half of it to the south of Air Command's craft, so
    that each side searches the other's grid from well off it (the walk's bound off the box)."""
    generator = np.random.default_rng(seed)  # test data only: the engine never draws from it
    n = world.n
    if spots:
        points = generator.normal(0.0, spread_m, size=(spots, 3))
        pick = generator.integers(0, spots, size=n)
        world.x_m[:], world.y_m[:], world.z_m[:] = points[pick, 0], points[pick, 1], np.abs(points[pick, 2])
    else:
        world.x_m[:] = generator.normal(0.0, spread_m, n)
        world.y_m[:] = generator.normal(0.0, spread_m, n)
        world.z_m[:] = np.abs(generator.normal(0.0, min(spread_m, 5_000.0), n))
    if apart:
        lgfs = world.side == LGF
        world.x_m[lgfs] += apart * spread_m
        world.y_m[lgfs] -= 0.5 * apart * spread_m
    world.heading_rad[:] = generator.uniform(0, 2 * np.pi, n)
    world.gamma_rad[:] = generator.uniform(-0.5, 0.5, n)
    keep_angles(world)
    world.status[:] = np.where(generator.uniform(size=n) < airborne, Status.AIRBORNE, Status.READY)
    world.force_down_role[:] = generator.uniform(size=n) < 0.4
    for b in range(world.n_battles):
        rows = np.arange(world.row_start[b], world.row_stop[b])
        ac = rows[world.side[rows] == AIR_COMMAND]
        lgf = rows[world.side[rows] == LGF]
        world.target[lgf] = np.where(generator.uniform(size=len(lgf)) < 0.7, generator.choice(ac, len(lgf)), -1)
    prey: NDArray[np.bool_] = (world.side == AIR_COMMAND) & world.airborne & (generator.uniform(size=n) < 0.3)
    return prey


@pytest.fixture(scope="module")
def worlds(skirmish: ResolvedScenario) -> dict[int, World]:
    return {k: build_world(skirmish, list(range(1, k + 1))) for k in (1, 3)}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=scattered(), battles=st.sampled_from([1, 3]), search_all_up_to=st.sampled_from([0, SEARCH_ALL_UP_TO, 10**9])
)
def test_the_grid_answers_as_a_search_over_every_pair_would(
    worlds: dict[int, World], case: tuple[int, float, float, float, int], battles: int, search_all_up_to: int
) -> None:
    # 0: every side walked ring by ring; the default: the skirmish's small sides searched whole; 10**9: all.
    seed, spread_m, airborne, limit_m, spots, apart = case
    world = worlds[battles]
    prey = randomise(world, seed, spread_m, airborne, spots, apart)
    grid = SenseGrid(world.row_start, world.row_stop, search_all_up_to)
    picture = sense(world, grid, EVADE_M, prey, limit_m)
    assert_same(world, picture, brute_force(world, prey, EVADE_M), limit_m)


def test_a_grid_is_reused_tick_after_tick_without_stale_cells(worlds: dict[int, World]) -> None:
    world = worlds[3]
    grid = SenseGrid(world.row_start, world.row_stop)
    for seed, spread in ((1, 400_000.0), (2, 50.0), (3, 5_000.0)):
        prey = randomise(world, seed, spread, 0.8, 0)
        picture = sense(world, grid, EVADE_M, prey, 30_300.0)
        assert_same(world, picture, brute_force(world, prey, EVADE_M), 30_300.0)


def test_battles_never_see_each_other(worlds: dict[int, World]) -> None:
    """Three battles stacked on the same spot: each one's answers stay inside its own rows."""
    world = worlds[3]
    prey = randomise(world, 7, 100.0, 1.0, 1)
    picture = sense(world, SenseGrid(world.row_start, world.row_stop), EVADE_M, prey, 1e9)
    for answer in (picture.nearest_enemy, picture.tail_threat, picture.nearest_prey):
        found = answer >= 0
        assert (world.battle[answer[found]] == world.battle[found]).all()


def test_a_battle_over_sees_nothing_and_the_others_see_as_before(worlds: dict[int, World]) -> None:
    """A battle marked done is not searched: its rows see nothing (but their range to the ship), and the
    battles still fought get the very picture they got with every battle fought."""
    world = worlds[3]
    prey = randomise(world, 5, 3_000.0, 0.9, 0)
    every = sense(world, SenseGrid(world.row_start, world.row_stop), EVADE_M, prey, 30_300.0)
    every = Picture(**{name: value.copy() for name, value in vars(every).items()})
    world.done[1] = True
    try:
        picture = sense(world, SenseGrid(world.row_start, world.row_stop), EVADE_M, prey, 30_300.0)
    finally:
        world.done[1] = False
    over = world.battle == 1
    assert over.any() and (~over).any()
    assert (picture.nearest_enemy[over] == -1).all() and (picture.tail_threat[over] == -1).all()
    assert (picture.nearest_prey[over] == -1).all() and (picture.escorts[over] == 0).all()
    assert np.isinf(picture.nearest_range_m[over]).all() and np.isinf(picture.tail_range_m[over]).all()
    np.testing.assert_array_equal(picture.ship_range_m, every.ship_range_m)
    for name in ("nearest_enemy", "nearest_range_m", "tail_threat", "tail_range_m", "escorts", "nearest_prey"):
        np.testing.assert_array_equal(getattr(picture, name)[~over], getattr(every, name)[~over])
    fought = np.arange(world.n_battles) != 1
    np.testing.assert_array_equal(picture.battle_enemy_range_m[fought], every.battle_enemy_range_m[fought])


def test_battles_spread_over_threads_see_what_they_see_in_turn(
    worlds: dict[int, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The threaded loop over battles and the plain one give the same picture, bit for bit."""
    world = worlds[3]
    prey = randomise(world, 11, 3_000.0, 0.9, 0)
    pictures = []
    for count in (1, 2):  # in turn, then over threads
        with on_threads(count, monkeypatch):
            pictures.append(sense(world, SenseGrid(world.row_start, world.row_stop), EVADE_M, prey, 30_300.0))
    for name in ("nearest_enemy", "nearest_range_m", "tail_threat", "escorts", "nearest_prey", "battle_enemy_range_m"):
        np.testing.assert_array_equal(getattr(pictures[0], name), getattr(pictures[1], name))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=scattered(),
    battles=st.sampled_from([1, 3]),
    points=st.lists(st.tuples(st.floats(-50_000, 50_000), st.floats(-50_000, 50_000)), min_size=1, max_size=6),
)
def test_the_nearest_lgf_to_a_battery_on_the_ground_is_the_one_a_search_over_every_lgf_finds(
    worlds: dict[int, World],
    case: tuple[int, float, float, float, int],
    battles: int,
    points: list[tuple[float, float]],
) -> None:
    """The query a battery lays its guns with (`grid.nearest_of_side`) walks the same grid as sensing, for a
    point that does not fly: the same LGF and range as a search over every LGF of the battle, ties to the
    lower row, nothing past the range limit."""
    seed, spread_m, airborne, limit_m, spots, apart = case
    world = worlds[battles]
    prey = randomise(world, seed, spread_m, airborne, spots, apart)
    grid = SenseGrid(world.row_start, world.row_stop)
    sense(world, grid, EVADE_M, prey, limit_m)  # builds this tick's grid
    if spots:  # a battery right under a spot where craft are stacked: ties to break
        points = [*points, (float(world.x_m[0]), float(world.y_m[0]))]
    for b in range(world.n_battles):
        rows = np.arange(world.row_start[b], world.row_stop[b])
        lgfs = rows[(world.side[rows] == LGF) & world.airborne[rows]]
        for px, py in points:
            got = nearest_of_side(
                b, GRID_LGF, px, py, 0.0, limit_m, world.x_m, world.y_m, world.z_m, grid.geometry, grid.dims,
                int(grid.cell_base[b]), grid.cell_start, grid.order, grid.side_start,
            )  # fmt: skip
            ranges = np.sqrt((world.x_m[lgfs] - px) ** 2 + (world.y_m[lgfs] - py) ** 2 + world.z_m[lgfs] ** 2)
            if not len(lgfs) or ranges.min() >= limit_m:
                assert got == (-1, np.inf)
            else:
                k = int(np.argmin(ranges))  # the first of the least: the lowest row
                assert got == (int(lgfs[k]), float(ranges[k]))


@st.composite
def crowds(draw: st.DrawFn) -> tuple[int, float, int, float, bool, float]:
    """A seeker and a crowd of craft to choose from: how many, how far apart, on how many spots (0: each
    its own; spots share exact ties), at what distance the seeker sits off the crowd, whether she carries
    a spread, and a scale for squares so small that they are scored one by one."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 300))
    spots = draw(st.sampled_from([0, 0, 1, 2, 7]))
    scale_m = draw(st.sampled_from([1e-160, 1e-3, 1.0, 250.0, 30_000.0, 1e7]))
    spread = draw(st.booleans())
    off = draw(st.sampled_from([0.0, 0.5, 3.0]))
    return seed, scale_m, spots, off, spread, float(n)


@settings(max_examples=300, deadline=None)
@given(case=crowds())
def test_the_squared_scores_choose_as_the_scores_do(case: tuple[int, float, int, float, bool, float]) -> None:
    """A large side searched whole is ordered by squared scores and only the craft nearly tied for the least
    are scored (`_best_of_many_by_square`): the same craft and range as scoring every craft
    (`_best_of_few_by_range`) and as NumPy over every craft, ties to the lower row, on crowds with exact
    ties, near ties a few units in the last place apart, spreads, and squares too small to round
    relatively."""
    seed, scale_m, spots, off, with_spread, n_float = case
    n = int(n_float)
    generator = np.random.default_rng(seed)  # test data only
    if spots:
        points = generator.normal(0.0, scale_m, size=(spots, 3))
        xyz = points[generator.integers(0, spots, size=n)]
    else:
        xyz = generator.normal(0.0, scale_m, size=(n, 3))
    # Near ties: some craft nudged by a few units in the last place off another's position.
    nudged = generator.uniform(size=n) < 0.2
    xyz[nudged] = np.nextafter(xyz[np.roll(np.arange(n), 1)][nudged], np.inf)
    seeker = xyz[generator.integers(0, n)] + off * scale_m * generator.normal(size=3)
    slot = generator.integers(0, 12, size=n)
    spread = float(generator.uniform(0.0, 0.6)) if with_spread else 0.0
    order = generator.permutation(n).astype(np.int64) + 5  # the rows, in the grid's order, from base 0
    few = np.empty((6, max(n, 4)))
    few[0, :n], few[1, :n], few[2, :n] = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    few[3, :n] = 1.0 + slot % 3
    px, py, pz = (float(v) for v in seeker)
    by_square = _best_of_many_by_square(px, py, pz, spread, few.copy(), order, 0, n)
    by_range = _best_of_few_by_range(px, py, pz, spread, few.copy(), order, 0, n)
    d = seeker[None, :] - xyz
    ranges = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1] + d[:, 2] * d[:, 2])
    scores = ranges * (1.0 + spread * few[3, :n])
    k = int(np.lexsort((order, scores))[0])  # the least score, ties to the lower row
    assert by_range == (int(order[k]), float(ranges[k]))
    assert by_square == by_range


@pytest.fixture(scope="module")
def recon_world(recon: ResolvedScenario) -> World:
    return build_world(recon, [1])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=scattered(), search_all_up_to=st.sampled_from([0, RANGE_ALL_UP_TO, SEARCH_ALL_UP_TO]))
def test_a_recon_battle_is_sensed_as_a_search_over_every_pair_would(
    recon_world: World, case: tuple[int, float, float, float, int, float], search_all_up_to: int
) -> None:
    """The recon's 107 LGFs, sought by its Guardians, are more than `RANGE_ALL_UP_TO`: searched whole,
    they are ordered by squared ranges first; walked, ring by ring. Both as a search over every pair."""
    seed, spread_m, airborne, limit_m, spots, apart = case
    world = recon_world
    assert (world.side == LGF).sum() > RANGE_ALL_UP_TO
    prey = randomise(world, seed, spread_m, airborne, spots, apart)
    grid = SenseGrid(world.row_start, world.row_stop, search_all_up_to)
    picture = sense(world, grid, EVADE_M, prey, limit_m)
    assert_same(world, picture, brute_force(world, prey, EVADE_M), limit_m)
