"""The kernels' shortcuts for Python's float remainder and floor division give the same bits as the
operators they replace, so no digest moves: `kinematics.remainder_of_turn` (headings and angles off) and
`grid.cells_in` (which cell of the sensing grid a craft is in)."""

from __future__ import annotations

import math
import struct

import numba
import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from captainred.engine.grid import cells_in
from captainred.engine.kinematics import TWO_PI, heading_of, remainder_of_turn, wrap

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
