"""Theatre maps: Manhattan's grid and towers, the burnt park, and moves that must not pass through walls."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.scenario import maps
from captainred.scenario.maps import (
    AVENUE_SPACING_M,
    BLOCK_CELLS,
    PARK_M,
    STREET_SPACING_M,
    Theatre,
    _manhattan_heights,
    build_theatre,
    clear_of_all,
    highest_under_box,
    move_hit,
    runs_max,
)

# SHA-256 of the Manhattan height grid's bytes. If you change the plan on purpose, recompute it and say so in
# the commit: every recorded digest of a Manhattan battle changes with it.
MANHATTAN_HEIGHTS_SHA256 = "eea8dd3940496bc54facd65f2d9e18696cad513de53ce6255a3b5b20d40846d4"


@pytest.fixture(scope="module")
def manhattan() -> Theatre:
    return build_theatre("manhattan", "manhattan")


def heights_at(theatre: Theatre, x: float, y: float) -> float:
    return float(theatre.ground_height_m(np.array([x]), np.array([y]))[0])


def segments(*rows: tuple[float, float, float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    arr = np.array(rows, dtype=np.float64)
    return arr[:, :3], arr[:, 3:]


# ------------------------------------------------------------------------------------------ the skyline


def test_manhattan_is_the_same_every_time_and_everywhere(manhattan: Theatre) -> None:
    again = _manhattan_heights()
    assert np.array_equal(again, manhattan.heights_m)
    assert again.dtype == np.float32
    assert hashlib.sha256(manhattan.heights_m.tobytes()).hexdigest() == MANHATTAN_HEIGHTS_SHA256


def test_a_theatre_is_built_once_and_cannot_be_changed(manhattan: Theatre) -> None:
    assert build_theatre("manhattan", "manhattan") is manhattan
    with pytest.raises(ValueError):
        manhattan.heights_m[100, 100] = 1000.0


def test_the_grid_stays_small(manhattan: Theatre) -> None:
    assert manhattan.heights_m.nbytes < 8 * 2**20
    assert manhattan.cell_m == 10.0


def test_central_park_is_burnt_flat(manhattan: Theatre) -> None:
    x0, y0, x1, y1 = manhattan.park
    assert (x0, y0, x1, y1) == PARK_M == (-400.0, 8300.0, 400.0, 12300.0)
    xs, ys = np.meshgrid(np.linspace(x0, x1, 81), np.linspace(y0, y1, 401))
    assert np.all(manhattan.ground_height_m(xs.ravel(), ys.ravel()) == 0.0)
    # The mother ship's station over the park, and buildings along its edges.
    assert heights_at(manhattan, 0.0, 10_300.0) == 0.0
    assert manhattan.ground_height_m(np.full(200, 450.0), np.linspace(y0, y1, 200)).max() > 0.0


def test_the_tallest_towers_stand_in_midtown_and_downtown(manhattan: Theatre) -> None:
    h = manhattan.heights_m
    y = manhattan.origin_m[1] + (np.arange(h.shape[0]) + 0.5) * manhattan.cell_m
    midtown = h[(y >= 5000) & (y < 8300)].max()
    downtown = h[(y >= 0) & (y < 1500)].max()
    elsewhere = h[((y >= 1500) & (y < 5000)) | (y >= 8300)].max()
    assert 340.0 <= midtown <= 380.0
    assert 250.0 <= downtown <= 300.0
    assert 15.0 <= elsewhere <= 80.0
    assert manhattan.max_height_m == float(h.max()) == midtown
    built = h[h > 0]
    assert built.min() >= 15.0
    assert len(np.unique(built)) > 50  # a skyline, not a slab


def test_the_island_tapers_to_the_battery_and_the_water_is_flat(manhattan: Theatre) -> None:
    assert manhattan.island == (-1750.0, 0.0, 1750.0, 21000.0)
    h = manhattan.heights_m
    y = manhattan.origin_m[1] + (np.arange(h.shape[0]) + 0.5) * manhattan.cell_m
    x = manhattan.origin_m[0] + (np.arange(h.shape[1]) + 0.5) * manhattan.cell_m
    built_width = (h > 0).any(axis=0)
    assert x[built_width].min() > -1800 and x[built_width].max() < 1800
    assert (h[y < 0] == 0).all() and (h[y > 21000] == 0).all()
    tip = h[(y > 100) & (y < 200)] > 0
    middle = h[(y > 10000) & (y < 10100)] > 0
    assert 0 < tip.any(axis=0).sum() < middle.any(axis=0).sum() / 2
    # Off the grid: the open sea.
    assert heights_at(manhattan, 50_000.0, -80_000.0) == 0.0


def test_avenues_and_streets_are_at_street_level(manhattan: Theatre) -> None:
    ys = np.arange(0.0, 21_000.0, 7.0)
    for k in range(-6, 7):  # along every avenue's centreline, the full length of the island
        assert manhattan.ground_height_m(np.full(len(ys), k * AVENUE_SPACING_M), ys).max() == 0.0
    xs = np.linspace(-1700.0, 1700.0, 500)
    for j in range(2, 260):  # along every street, coast to coast
        y = j * STREET_SPACING_M + 10.0
        assert manhattan.ground_height_m(xs, np.full(len(xs), y)).max() == 0.0


def test_the_sea_theatre_is_empty() -> None:
    sea = build_theatre("open-sea", "sea")
    assert sea.heights_m.shape == (1, 1) and sea.max_height_m == 0.0
    assert sea.island == sea.park == (0.0, 0.0, 0.0, 0.0)
    p0, p1 = segments((0, 0, 30, 5000, 5000, 0.5), (0, 0, 30, 10, 10, -1.0))
    assert sea.segment_clear(p0, p1).tolist() == [True, False]
    x, y = sea.street_point(np.array([1.0]), np.array([2.0]))
    assert (x[0], y[0]) == (1.0, 2.0)
    assert not sea.on_land(np.array([0.0]), np.array([0.0]))[0]


def test_an_unknown_map_kind_is_a_bug() -> None:
    with pytest.raises(ValueError, match="kind"):
        build_theatre("atlantis", "underwater")


# ------------------------------------------------------------------------------------ moves and walls


def test_a_move_between_two_streets_through_a_block_hits_the_building(manhattan: Theatre) -> None:
    # Two points in streets one block apart, 10 m up: the straight line crosses the block's buildings.
    x = 420.0
    y_south, y_north = 6 * STREET_SPACING_M + 10.0, 7 * STREET_SPACING_M + 10.0
    assert heights_at(manhattan, x, y_south) == heights_at(manhattan, x, y_north) == 0.0
    roofs = manhattan.ground_height_m(np.full(50, x), np.linspace(y_south, y_north, 50))
    assert roofs.max() > 10.0
    p0, p1 = segments((x, y_south, 10.0, x, y_north, 10.0))
    assert not manhattan.segment_clear(p0, p1)[0]
    # The same move five metres above the highest roof on the way is clear; five below is not.
    top = roofs.max()
    p0, p1 = segments((x, y_south, top + 5, x, y_north, top + 5), (x, y_south, top - 5, x, y_north, top - 5))
    assert manhattan.segment_clear(p0, p1).tolist() == [True, False]


def test_flying_down_an_avenue_below_the_roofs_is_clear(manhattan: Theatre) -> None:
    p0, p1 = segments((560.0, 5000.0, 30.0, 560.0, 8000.0, 30.0), (-1400.0, 3000.0, 1.0, -1400.0, 3500.0, 60.0))
    assert manhattan.segment_clear(p0, p1).all()


def test_a_move_that_clips_only_the_corner_of_a_building_is_caught(manhattan: Theatre) -> None:
    # Across the south-west corner of a block, from the avenue to the street, cutting 1.4 m of the corner
    # tower: samples every 5 m along the move step right over it; the cell-by-cell walk cannot.
    h = manhattan.heights_m
    corner = (h[1:, 1:] > 0) & (h[:-1, 1:] == 0) & (h[1:, :-1] == 0) & (h[:-1, :-1] == 0)
    corners = np.argwhere(corner) + 1
    iy, ix = corners[len(corners) // 2]
    ox, oy = manhattan.origin_m
    cx, cy = ox + ix * manhattan.cell_m, oy + iy * manhattan.cell_m  # the block's south-west corner
    z = float(h[iy, ix]) - 1.0
    p0, p1 = segments((cx - 25.0, cy + 26.0, z, cx + 19.0, cy - 18.0, z))
    coarse = p0 + np.arange(0.0, 1.0, 5.0 / np.hypot(44.0, 44.0))[:, None] * (p1 - p0)
    assert manhattan.ground_height_m(coarse[:, 0], coarse[:, 1]).max() == 0.0
    assert not manhattan.segment_clear(p0, p1)[0]


def test_every_move_above_the_tallest_roof_is_clear_and_below_sea_level_is_not(manhattan: Theatre) -> None:
    rng = np.random.default_rng(7)
    n = 2000
    xy0 = rng.uniform([-2500, -1000], [2500, 22000], size=(n, 2))
    xy1 = xy0 + rng.normal(0, 300, size=(n, 2))
    high = np.column_stack([xy0, np.full(n, manhattan.max_height_m + 0.1)])
    high1 = np.column_stack([xy1, np.full(n, manhattan.max_height_m + 50)])
    assert manhattan.segment_clear(high, high1).all()
    low = high1.copy()
    low[:, 2] = -0.5
    assert not manhattan.segment_clear(high, low).any()


def test_long_moves_far_from_the_island_are_clear(manhattan: Theatre) -> None:
    # Carrier work at deck height, hundreds of kilometres out: nothing to hit, nothing to walk.
    p0, p1 = segments((265_000, -265_000, 20, 264_000, -264_000, 15), (-5000, -3000, 10, 5000, -3000, 10))
    assert manhattan.segment_clear(p0, p1).all()


def test_segment_clear_handles_no_moves_and_zero_length_moves(manhattan: Theatre) -> None:
    empty = np.zeros((0, 3))
    assert manhattan.segment_clear(empty, empty).shape == (0,)
    p = np.array([[420.0, 500.0, 5.0], [0.0, 10_300.0, 0.0]])
    roof = heights_at(manhattan, 420.0, 500.0)
    assert manhattan.segment_clear(p, p).tolist() == [roof <= 5.0, True]


_moves = st.tuples(
    st.floats(-1900, 1900),
    st.floats(-300, 21_300),
    st.floats(-5, 400),
    st.floats(-200, 200),
    st.floats(-200, 200),
    st.floats(-5, 400),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_moves, min_size=1, max_size=20))
def test_a_move_that_passes_inside_a_building_is_never_clear(moves: list[tuple[float, ...]]) -> None:
    manhattan = build_theatre("manhattan", "manhattan")
    arr = np.array(moves, dtype=np.float64)
    p0 = arr[:, :3]
    p1 = p0 + arr[:, 3:] * np.array([1.0, 1.0, 0.0])
    p1[:, 2] = arr[:, 5]
    clear = manhattan.segment_clear(p0, p1)
    # An independent check: 4,001 points along each move, far finer than a cell.
    t = np.linspace(0.0, 1.0, 4001)
    pts = p0[:, None, :] + t[None, :, None] * (p1 - p0)[:, None, :]
    ground = manhattan.ground_height_m(pts[..., 0].ravel(), pts[..., 1].ravel()).reshape(pts.shape[:2])
    inside = (pts[..., 2] < ground - 1e-6).any(axis=1)  # a micrometre of slack for rounding at edges
    assert not (clear & inside).any()


@settings(max_examples=500, deadline=None)
@given(
    st.floats(-1900, 1900),
    st.floats(-300, 21_300),
    st.floats(-60, 60),
    st.floats(-60, 60),
    st.floats(-3, 25),
    st.floats(-3, 25),
)
def test_a_move_clear_of_all_meets_nothing_and_the_walk_agrees(
    x0: float, y0: float, dx: float, dy: float, above0: float, above1: float
) -> None:
    """A tick's move a little above or below the roofs at its ends, where the box test decides."""
    manhattan = build_theatre("manhattan", "manhattan")
    x1, y1 = x0 + dx, y0 + dy
    z0, z1 = heights_at(manhattan, x0, y0) + above0, heights_at(manhattan, x1, y1) + above1
    heights, box_max, ox, oy, cell, top = manhattan.ground
    clear = clear_of_all(box_max, ox, oy, cell, top, x0, y0, z0, x1, y1, z1)
    hit = move_hit(heights, box_max, ox, oy, cell, top, x0, y0, z0, x1, y1, z1)
    t = np.linspace(0.0, 1.0, 4001)
    ground = manhattan.ground_height_m(x0 + t * dx, y0 + t * dy)
    low = min(z0, z1)
    # Never clear wrongly; clear above every roof and never below the sea; where clear, the walk agrees.
    assert not (clear and ((z0 + t * (z1 - z0) < ground).any() or low < 0.0))
    assert clear or not low >= max(top, 0.0)
    assert not clear or hit == math.inf


@settings(max_examples=200, deadline=None)
@given(st.floats(-1700, 1700), st.floats(0, 21_000), st.floats(1, 399))
def test_a_level_move_is_clear_exactly_when_it_stays_above_the_roofs(x: float, y: float, z: float) -> None:
    manhattan = build_theatre("manhattan", "manhattan")
    # Along a grid line of cell centres in x, so the fine sampling sees every cell the move crosses.
    x = np.floor(x / 10.0) * 10.0
    ys = np.linspace(y, y + 300.0, 601)
    roofs = manhattan.ground_height_m(np.full(len(ys), x), ys)
    p0, p1 = segments((x, y, z, x, y + 300.0, z))
    assert manhattan.segment_clear(p0, p1)[0] == bool((roofs <= z).all())


# ------------------------------------------------------------------------------------- forced landings


def test_a_crippled_aircraft_finds_a_street_on_land_nearby(manhattan: Theatre) -> None:
    rng = np.random.default_rng(11)
    x = rng.uniform(-1700, 1700, 5000)
    y = rng.uniform(0, 21_000, 5000)
    sx, sy = manhattan.street_point(x, y)
    assert np.all(manhattan.ground_height_m(sx, sy) == 0.0)
    assert manhattan.on_land(sx, sy).all()
    px0, py0, px1, py1 = manhattan.park
    assert not ((sx > px0) & (sx < px1) & (sy > py0) & (sy < py1)).any()
    over_blocks = manhattan.on_land(x, y) & (manhattan.ground_height_m(x, y) > 0) & (y > 3000) & (y < 19_000)
    assert over_blocks.sum() > 1000
    # Streets come every 80 m, so from over a block the nearest is never more than about 45 m away.
    assert np.hypot(sx - x, sy - y)[over_blocks].max() < 50.0


def test_the_street_point_is_the_nearest_street_level_cell_on_land(manhattan: Theatre) -> None:
    # Compare with a brute-force search over all street-level land cells outside the park.
    h = manhattan.heights_m
    ox, oy = manhattan.origin_m
    c = manhattan.cell_m
    cy, cx = np.meshgrid(oy + (np.arange(h.shape[0]) + 0.5) * c, ox + (np.arange(h.shape[1]) + 0.5) * c, indexing="ij")
    px0, py0, px1, py1 = manhattan.park
    in_park = (cx >= px0 - 10) & (cx <= px1 + 10) & (cy >= py0 - 10) & (cy <= py1 + 10)
    street = (h == 0) & manhattan.on_land(cx, cy) & ~in_park
    sx_all, sy_all = cx[street], cy[street]
    rng = np.random.default_rng(3)
    for x, y in rng.uniform([-1600, 3500], [1600, 18_000], size=(40, 2)):
        sx, sy = manhattan.street_point(np.array([x]), np.array([y]))
        best = np.hypot(sx_all - x, sy_all - y).min()
        assert np.hypot(sx[0] - x, sy[0] - y) <= best + 1.5 * c


def test_over_the_park_the_street_point_is_beside_it(manhattan: Theatre) -> None:
    sx, sy = manhattan.street_point(np.array([0.0, -390.0]), np.array([10_300.0, 9_000.0]))
    assert manhattan.on_land(sx, sy).all()
    assert (np.abs(sx) > 400.0).all()
    assert np.all(manhattan.ground_height_m(sx, sy) == 0.0)


def test_street_point_keeps_the_shape_it_is_given(manhattan: Theatre) -> None:
    sx, sy = manhattan.street_point(np.zeros((3, 4)), np.full((3, 4), 5000.0))
    assert sx.shape == sy.shape == (3, 4)


@settings(max_examples=300, deadline=None)
@given(
    x=st.floats(-2500.0, 2000.0),  # the island and a little water either side
    y=st.floats(-500.0, 21500.0),
    width=st.floats(0.0, 1000.0),
    height=st.floats(0.0, 1000.0),
    u=st.floats(0.0, 1.0),
    v=st.floats(0.0, 1.0),
)
def test_the_highest_ground_under_a_box_bounds_every_point_in_it(
    manhattan: Theatre, x: float, y: float, width: float, height: float, u: float, v: float
) -> None:
    ox, oy = manhattan.origin_m
    bound = highest_under_box(manhattan.box_max_m, ox, oy, manhattan.cell_m, x, y, x + width, y + height)
    assert heights_at(manhattan, x + u * width, y + v * height) <= bound
    # and the bound is a roof of the map (or the sea), not a guess
    assert bound == 0.0 or bound in set(np.unique(manhattan.heights_m).astype(np.float64).tolist())


@settings(max_examples=300, deadline=None)
@given(
    x=st.floats(-3000.0, 3000.0),  # boxes on the grid, across its edges and wholly off it
    y=st.floats(-1500.0, 22500.0),
    width=st.floats(0.0, 5000.0),
    height=st.floats(0.0, 24000.0),
)
def test_the_box_bound_is_the_highest_block_the_box_touches_read_in_four_looks(
    manhattan: Theatre, x: float, y: float, width: float, height: float
) -> None:
    ox, oy = manhattan.origin_m
    blocks, cell = manhattan.block_max_m, manhattan.cell_m
    by, bx = blocks.shape

    def block(v: float, origin: float) -> int:
        return math.floor((v - origin) / cell) // BLOCK_CELLS

    i_lo, i_hi = max(block(x, ox), 0), min(block(x + width, ox), bx - 1)
    j_lo, j_hi = max(block(y, oy), 0), min(block(y + height, oy), by - 1)
    on_grid = i_lo <= i_hi and j_lo <= j_hi
    every_block = max(0.0, float(blocks[j_lo : j_hi + 1, i_lo : i_hi + 1].max())) if on_grid else 0.0
    assert highest_under_box(manhattan.box_max_m, ox, oy, manhattan.cell_m, x, y, x + width, y + height) == every_block


def test_runs_max_holds_the_highest_of_every_run_of_blocks() -> None:
    blocks = np.random.default_rng(7).random((13, 6)).astype(np.float32)
    runs = runs_max(blocks)
    for ky in range(runs.shape[0]):
        for kx in range(runs.shape[1]):
            for j in range(13 - (1 << ky) + 1):
                for i in range(6 - (1 << kx) + 1):
                    assert runs[ky, kx, j, i] == blocks[j : j + (1 << ky), i : i + (1 << kx)].max()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_the_islands_width_and_shore_are_the_numpy_rules_to_the_bit(key: int) -> None:
    """The compiled width of the island and the test of a point over it, against the NumPy rules they
    replaced, on points over the island, its tapering tips, the rivers and far off."""
    rng = np.random.default_rng(key)
    y = np.concatenate([rng.uniform(-2_000.0, 23_000.0, 300), rng.choice([0.0, -0.0, 3_000.0, 19_500.0, 21_000.0], 20)])
    x = rng.uniform(-2_500.0, 2_500.0, len(y))
    south = maps.BATTERY_HALF_WIDTH_M + (maps.ISLAND_HALF_WIDTH_M - maps.BATTERY_HALF_WIDTH_M) * np.clip(
        (y - maps.ISLAND_SOUTH_M) / (maps.SOUTH_TAPER_END_M - maps.ISLAND_SOUTH_M), 0.0, 1.0
    )
    north = maps.ISLAND_HALF_WIDTH_M - (maps.ISLAND_HALF_WIDTH_M - maps.INWOOD_HALF_WIDTH_M) * np.clip(
        (y - maps.NORTH_TAPER_START_M) / (maps.ISLAND_NORTH_M - maps.NORTH_TAPER_START_M), 0.0, 1.0
    )
    half = np.minimum(south, north)
    assert maps._half_width_m(y).tobytes() == half.tobytes()
    assert np.array([maps.half_width_at(v) for v in y.tolist()]).tobytes() == half.tobytes()
    x[:20] = np.where(rng.random(20) < 0.5, half[-20:], -half[-20:])  # exactly on the shore
    on = (y >= maps.ISLAND_SOUTH_M) & (y <= maps.ISLAND_NORTH_M) & (np.abs(x) <= half)
    manhattan = build_theatre("manhattan", "manhattan")
    assert manhattan.on_land(x, y).tolist() == on.tolist()
    assert manhattan.on_land(x.reshape(16, 20), y.reshape(16, 20)).tolist() == on.reshape(16, 20).tolist()
