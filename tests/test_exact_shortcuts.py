"""The kernels' shortcuts give the same answers, bit for bit, as what they replace, so no digest moves:
`kinematics.remainder_of_turn` for Python's float remainder (headings and angles off), `grid.cells_in` for
its floor division (which cell of the sensing grid a craft is in), the box that spares a move the
walk through the city's cells (`maps.move_hit`), and the sums of squares that spare `hypot` where only
its comparison with a distance counts (`sensing.within_m`) or a place nearer than the gain
(`steering.aim`), and the sines and cosines the World keeps beside its angles for those worked out again."""

from __future__ import annotations

import math
import struct

import numba
import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from captainred.doctrine.steering import MAX_CLIMB_RAD, aim
from captainred.engine.grid import cells_in
from captainred.engine.kinematics import TWO_PI, heading_of, remainder_of_turn, sines_and_cosines, wrap
from captainred.engine.sensing import range_and_angle_off, range_and_angle_off_from, within_m
from captainred.engine.weapons import aspect_factor, aspect_factor_from, lead, lead_from
from captainred.scenario.maps import build_theatre, height_at, move_hit, walk_move

FINITE = st.floats(allow_nan=False, allow_infinity=False)
CELLS = st.floats(min_value=1e-3, max_value=1e5, allow_nan=False, allow_infinity=False)


@numba.njit
def _python_remainder(a: float) -> float:
    return a % TWO_PI


@numba.njit
def _python_cells(length: float, cell: float) -> int:
    return int(length // cell)


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


@settings(deadline=None)  # the first example compiles the kernels it calls
@given(FINITE)
@example(0.0)
@example(-0.0)
@example(TWO_PI)
@example(-TWO_PI)
@example(2 * TWO_PI)
@example(-1e-20)  # a turn added rounds to the whole turn, as `%` rounds it
@example(math.nextafter(TWO_PI, 0.0))
@example(math.nextafter(2 * TWO_PI, 0.0))
@example(math.nextafter(-TWO_PI, 0.0))
def test_an_angle_wraps_bit_for_bit_as_the_remainder_wraps_it(a: float) -> None:
    assert _bits(remainder_of_turn(a)) == _bits(_python_remainder(a))
    assert _bits(heading_of(a)) == _bits(_python_remainder(a))
    if abs(a) < 1e300:
        assert _bits(wrap(a)) == _bits(_python_remainder(a + math.pi) - math.pi)


@settings(deadline=None)
@given(st.floats(min_value=-1e7, max_value=1e7, allow_nan=False), CELLS)
@example(1.0, 0.1)  # 1.0 / 0.1 rounds up to 10, but ten cells of 0.1 are longer than 1.0
@example(-0.0, 250.0)
@example(0.0, 250.0)
@example(-1e-300, 250.0)
def test_a_craft_falls_in_the_cell_floor_division_puts_it_in(length: float, cell: float) -> None:
    assert cells_in(length, cell) == _python_cells(length, cell)


def test_the_cells_of_lengths_a_hair_either_side_of_a_whole_number_of_cells() -> None:
    rng = np.random.default_rng(7)
    cells = np.concatenate([rng.uniform(250.0, 5000.0, 2000), np.full(2000, 0.1), rng.uniform(1e-3, 1e4, 2000)])
    whole = rng.integers(-50, 5000, len(cells)).astype(float) * cells
    for length in (whole, np.nextafter(whole, np.inf), np.nextafter(whole, -np.inf)):
        got = [cells_in(float(a), float(c)) for a, c in zip(length, cells, strict=True)]
        want = [_python_cells(float(a), float(c)) for a, c in zip(length, cells, strict=True)]
        assert got == want
    # The division alone is not enough: it rounds up across a cell's edge for some of these lengths.
    naive = [int(np.floor(a / c)) for a, c in zip(np.nextafter(whole, -np.inf), cells, strict=True)]
    assert naive != [
        _python_cells(float(a), float(c)) for a, c in zip(np.nextafter(whole, -np.inf), cells, strict=True)
    ]


@numba.njit
def _walked_hit(heights, ox, oy, c, max_height_m, x0, y0, z0, x1, y1, z1):  # type: ignore[no-untyped-def]
    """`maps.move_hit` as it was before the box around a move could spare it the walk."""
    dz = z1 - z0
    hit_t = math.inf
    if min(z0, z1) < 0.0:
        hit_t = min(max(z0 / -dz, 0.0), 1.0) if dz < 0 else 0.0
    if min(z0, z1) < max_height_m:
        walked = walk_move(heights, ox, oy, c, x0, y0, z0, x1 - x0, y1 - y0, dz)
        if math.isnan(walked):
            return walked
        hit_t = min(hit_t, walked)
    if z0 < height_at(heights, ox, oy, c, x0, y0):
        hit_t = 0.0
    if z1 < height_at(heights, ox, oy, c, x1, y1):
        hit_t = min(hit_t, 1.0)
    return hit_t


@numba.njit
def _differences(heights, box_max, ox, oy, c, top, p0, p1):  # type: ignore[no-untyped-def]
    differ = 0
    for k in range(len(p0)):
        a, b = p0[k], p1[k]
        got = move_hit(heights, box_max, ox, oy, c, top, a[0], a[1], a[2], b[0], b[1], b[2])
        want = _walked_hit(heights, ox, oy, c, top, a[0], a[1], a[2], b[0], b[1], b[2])
        if not (got == want or (math.isnan(got) and math.isnan(want))):
            differ += 1
    return differ


def test_a_move_spared_the_walk_meets_what_the_walk_would_have_met() -> None:
    """Moves of a tick or two (and some far longer) all over Manhattan, from the water to above the
    tallest roof, many grazing the roofs and the park: the box's shortcut changes no answer."""
    theatre = build_theatre("manhattan", "manhattan")
    ox, oy = theatre.origin_m
    ny, nx = theatre.heights_m.shape
    rng = np.random.default_rng(11)
    n = 400_000
    x0 = rng.uniform(ox - 200.0, ox + nx * theatre.cell_m + 200.0, n)
    y0 = rng.uniform(oy - 200.0, oy + ny * theatre.cell_m + 200.0, n)
    ground = np.array(
        [height_at(theatre.heights_m, ox, oy, theatre.cell_m, x, y) for x, y in zip(x0[:2000], y0[:2000], strict=True)]
    )
    z0 = rng.uniform(-5.0, theatre.max_height_m + 20.0, n)
    z0[:2000] = ground + rng.uniform(-1e-9, 2.0, 2000)  # skimming the roof under them
    length = np.where(rng.uniform(size=n) < 0.9, rng.uniform(0.0, 120.0, n), rng.uniform(0.0, 3000.0, n))
    bearing = rng.uniform(0.0, 2 * math.pi, n)
    climb = rng.uniform(-0.5, 0.5, n)
    p0 = np.stack([x0, y0, z0], axis=1)
    p1 = p0 + np.stack([length * np.sin(bearing), length * np.cos(bearing), length * climb], axis=1)
    args = (theatre.heights_m, theatre.box_max_m, ox, oy, theatre.cell_m, theatre.max_height_m)
    assert _differences(*args, p0, p1) == 0
    spared = theatre.segment_hit(p0, p1)[0]
    assert 0.2 < spared.mean() < 1.0  # the moves are a mix of clear and struck


@numba.njit
def _aimed_with_hypot(x, y, z, px, py, pz, gain_m):  # type: ignore[no-untyped-def]
    """`aim` as it was written before the shortcut: the distance always through `hypot`."""
    dx, dy = px - x, py - y
    heading = heading_of(math.atan2(dx, dy))
    gamma = min(max(math.atan2(pz - z, max(math.hypot(dx, dy), gain_m)), -MAX_CLIMB_RAD), MAX_CLIMB_RAD)
    return heading, gamma


@numba.njit
def _aims_differing(x, y, z, px, py, pz, gain):  # type: ignore[no-untyped-def]
    differ = 0
    for k in range(len(x)):
        got = aim(x[k], y[k], z[k], px[k], py[k], pz[k], gain[k])
        want = _aimed_with_hypot(x[k], y[k], z[k], px[k], py[k], pz[k], gain[k])
        if got[0] != want[0] or got[1] != want[1]:
            differ += 1
    return differ


def test_aiming_at_a_place_inside_the_gain_is_what_hypot_would_make_it() -> None:
    """Places all round a craft at distances spread about the gain (a hair either side of it included),
    with the gains the rules use: the shortcut changes no heading and no flight-path angle."""
    rng = np.random.default_rng(5)
    n = 300_000
    gain = rng.choice(np.array([150.0, 200.0, 300.0, 400.0, 600.0, 1500.0, 3000.0, 8000.0]), n)
    x, y, z = rng.uniform(-2e4, 2e4, n), rng.uniform(-2e4, 2e4, n), rng.uniform(0.0, 3000.0, n)
    bearing = rng.uniform(0.0, 2 * math.pi, n)
    near = rng.uniform(size=n) < 0.5
    distance = np.where(near, gain * (1.0 + rng.uniform(-1e-8, 1e-8, n)), gain * rng.uniform(0.0, 2.0, n))
    px, py = x + distance * np.sin(bearing), y + distance * np.cos(bearing)
    pz = z + rng.uniform(-3000.0, 3000.0, n)
    assert _aims_differing(x, y, z, px, py, pz, gain) == 0


@settings(deadline=None)
@given(
    st.floats(-1e5, 1e5), st.floats(-1e5, 1e5), st.floats(-1e4, 1e4), st.sampled_from([150.0, 300.0, 1500.0, 8000.0])
)
def test_aim_matches_hypot_anywhere(dx: float, dy: float, dz: float, gain: float) -> None:
    got = aim(0.0, 0.0, 0.0, dx, dy, dz, gain)
    want = _aimed_with_hypot(0.0, 0.0, 0.0, dx, dy, dz, gain)
    assert _bits(got[0]) == _bits(want[0]) and _bits(got[1]) == _bits(want[1])


@numba.njit
def _withins_differing(dx, dy, limit):  # type: ignore[no-untyped-def]
    differ = 0
    for k in range(len(dx)):
        if within_m(dx[k], dy[k], limit[k]) != (math.hypot(dx[k], dy[k]) < limit[k]):
            differ += 1
    return differ


def test_within_a_distance_is_what_hypot_says() -> None:
    """Offsets all round at distances spread about the limits the rules use, half of them within a hair
    (a few parts in 1e10) of the limit, some exactly on it: the sum of squares changes no answer."""
    rng = np.random.default_rng(7)
    n = 400_000
    limit = rng.choice(np.array([60.0, 500.0, 1500.0, 2000.0, 3000.0, 12000.0, 16000.0, 16500.0]), n)
    bearing = rng.uniform(0.0, 2 * math.pi, n)
    hair = rng.uniform(size=n) < 0.5
    distance = np.where(hair, limit * (1.0 + rng.uniform(-3e-9, 3e-9, n)), limit * rng.uniform(0.0, 2.0, n))
    dx, dy = distance * np.sin(bearing), distance * np.cos(bearing)
    dx[:4], dy[:4] = np.array([3.0, 0.0, -500.0, 300.0]), np.array([4.0, 60.0, 0.0, 400.0])  # on the limit
    limit[:4] = np.array([5.0, 60.0, 500.0, 500.0])
    assert _withins_differing(dx, dy, limit) == 0
    inside = np.hypot(dx, dy) < limit
    assert 0.3 < inside.mean() < 0.7


@given(FINITE, FINITE, st.floats(min_value=0.0, allow_nan=False))
@example(3.0, 4.0, 5.0)
@example(0.0, 0.0, 0.0)
@example(1e300, 1e300, 1e300)
@example(5e-324, 0.0, 5e-324)
def test_within_matches_hypot_anywhere(dx: float, dy: float, limit: float) -> None:
    assert within_m(dx, dy, limit) == (math.hypot(dx, dy) < limit)


TINY = st.floats(min_value=-1e-150, max_value=1e-150, allow_nan=False)


@given(TINY, TINY, st.floats(min_value=0.0, max_value=1e-150))
@example(2.483107781461325e-161, 1.2275974091074838e-161, 2.770260244520944e-161)  # squares rounded below
@example(1.3604936684419545e-161, 4.0212509174149424e-162, 1.4184032181241102e-161)  # and above the limit's
def test_within_matches_hypot_for_distances_too_small_to_square(dx: float, dy: float, limit: float) -> None:
    assert within_m(dx, dy, limit) == (math.hypot(dx, dy) < limit)


@numba.njit
def _sines_alone(a: np.ndarray, out: np.ndarray) -> None:
    for i in range(len(a)):
        out[i] = math.sin(a[i])


@numba.njit
def _cosines_alone(a: np.ndarray, out: np.ndarray) -> None:
    for i in range(len(a)):
        out[i] = math.cos(a[i])


def _kept(angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sines and cosines `kinematics.sines_and_cosines` keeps of `angles` (as headings and as flight-path
    angles, both of which it writes)."""
    n = len(angles)
    sin_h, cos_h, sin_g, cos_g = (np.empty(n) for _ in range(4))
    sines_and_cosines(np.arange(n, dtype=np.int64), angles, angles[::-1].copy(), sin_h, cos_h, sin_g, cos_g)
    assert np.array_equal(sin_g[::-1], sin_h) and np.array_equal(cos_g[::-1], cos_h)
    return sin_h, cos_h


def test_the_kept_sines_and_cosines_are_those_a_kernel_computes_alone() -> None:
    """The World keeps sines and cosines computed together (which LLVM may turn into one `sincos` call),
    and the rules read them where they once called `sin` or `cos` alone: the bits must be the same, for
    headings, flight-path angles and the wider angles a spin or a turn's sum may pass through."""
    rng = np.random.default_rng(7)
    angles = np.concatenate(
        [
            rng.uniform(0.0, TWO_PI, 400_000),
            rng.uniform(-1.5, 1.5, 200_000),
            rng.uniform(-1e4, 1e4, 100_000),
            np.array([0.0, -0.0, math.pi / 2, math.pi, 3 * math.pi / 2, TWO_PI, 1e-300, 5e-324]),
        ]
    )
    sines, cosines = _kept(angles)
    alone_sin, alone_cos = np.empty_like(angles), np.empty_like(angles)
    _sines_alone(angles, alone_sin)
    _cosines_alone(angles, alone_cos)
    assert np.array_equal(sines.view(np.int64), alone_sin.view(np.int64))
    assert np.array_equal(cosines.view(np.int64), alone_cos.view(np.int64))


@settings(deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.floats(min_value=-1.5, max_value=1.5))
def test_lead_and_angle_off_from_kept_values_are_the_rules_from_the_angles(heading: float, gamma: float) -> None:
    (sin_h,), (cos_h,) = _kept(np.array([heading]))
    (sin_g,), (cos_g,) = _kept(np.array([gamma]))
    from_angles = lead(10.0, -20.0, 300.0, 900.0, 450.0, 120.0, 210.0, heading, gamma, 900.0)
    kept = lead_from(10.0, -20.0, 300.0, 900.0, 450.0, 120.0, 210.0, sin_h, cos_h, sin_g, cos_g, 900.0)
    assert [_bits(v) for v in from_angles] == [_bits(v) for v in kept]
    off = range_and_angle_off(5.0, 6.0, 70.0, heading, gamma, 800.0, -300.0, 20.0)
    off_kept = range_and_angle_off_from(5.0, 6.0, 70.0, sin_h, cos_h, sin_g, cos_g, 800.0, -300.0, 20.0)
    assert [_bits(v) for v in off] == [_bits(v) for v in off_kept]
    aspect = aspect_factor(heading, gamma, 0.7, -0.2)
    (sin_t,), (cos_t,) = _kept(np.array([-0.2]))
    assert _bits(aspect) == _bits(aspect_factor_from(heading - 0.7, sin_g, cos_g, sin_t, cos_t))
