"""The spatial index behind sensing: per battle, a uniform grid of cells (a cell list) over the craft in
the air, rebuilt every tick in compiled code.

Each battle gets a grid per side, sized to that side's airborne craft: cells at least `CELL_MIN_M` wide
and about one craft a cell on average, never more cells than `cell_budget` allows. A query walks only
the other side's grid, ring by ring outward from the cell nearest it, and stops as soon as no cell further
out can hold a better answer. That makes the cost
grow with craft times neighbours, not with craft times enemies, and the answers are exact: the same
craft, the same range, and ties broken toward the lower row, as a search over every pair would give.

Queries that follow a craft's own target (the LGF on a pilot's tail, the escorts herding her) need no
grid: each LGF knows whom it hunts, so they are one pass over the LGFs. The nearest struggling pilot of
a force-down LGF is searched among the few struggling pilots of its battle.

Nothing is ever sensed across battles; battles are independent loops, run in parallel over threads,
each writing only its own rows, so no answer depends on the thread count or the scheduling.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.core.extending import intrinsic
from numpy.typing import NDArray

from captainred.engine import threads

if TYPE_CHECKING:
    from captainred.engine.arrays import WorldArrays

AIRBORNE = 1  # Status.AIRBORNE (the grid imports nothing of the World: its kernels read the arrays they are handed)

CELL_MIN_M = 250.0  # design value: cells narrower than this only add empty cells to walk
AC, LGF = 0, 1
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]


def _fma(typingctx: Any, a: Any, b: Any, c: Any) -> Any:
    """a * b + c, rounded once (LLVM's `fma`: the instruction where the processor has one, the C
    library's exact routine where it has not)."""
    signature = types.float64(types.float64, types.float64, types.float64)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        double = ir.DoubleType()
        fma = builder.module.declare_intrinsic("llvm.fma", [double], ir.FunctionType(double, [double] * 3))
        return builder.call(fma, args)

    return signature, codegen


_fused_multiply_add: Any = intrinsic(_fma)  # called from compiled code only


@numba.njit(cache=True, error_model="numpy")
def cells_in(length_m: float, cell_m: float) -> int:
    """`int(length_m // cell_m)` for a positive cell, bit for bit: the floor of the exact quotient.
    Python's floor division finds it through the C library's remainder, which cost more than the rest
    of bucketing a craft; here the division's floor is taken, less one where the division rounded up to
    the next whole number (then that many cells are longer than the length: the fused multiply-add's
    sign says so exactly)."""
    k = np.floor(length_m / cell_m)
    if _fused_multiply_add(-k, cell_m, length_m) < 0.0:
        k -= 1.0
    return int(k)


def cell_budget(rows: int) -> int:
    """The most cells a battle of `rows` rows may use: two a row (and at least 16)."""
    return max(16, 2 * rows)


# A side with this many craft in the air or fewer is searched whole, craft by craft: the ring walk's
# bounds cost more than a hundred squared ranges (the recon's 16 Guardians, sought by its 107 LGFs: the
# sense stage of 9,963 craft 0.82 -> 0.75 ms a step; its 98 LGFs in combat, sought by the Guardians:
# 152-174 -> 104-114 µs a step over 64 battles). The answers are the same either way (the property test
# checks both against a search over every pair).
SEARCH_ALL_UP_TO = 128
# A side searched whole with this many craft or fewer is ranged craft by craft (`_best_of_few_by_range`);
# a larger one is ordered by squared scores first (`_best_of_many_by_square`), which spares the roots
# but costs two more passes: at 15 craft the roots are cheaper (185 against 250 µs a step).
RANGE_ALL_UP_TO = 32
# `_best_of_many_by_square`: a craft whose squared score exceeds the least by more than this share cannot
# score lowest (a score and its square are each a few roundings, parts in 1e16, off the exact values);
# below `TINY_SQUARES`, where rounding is no longer relative, every craft is scored.
SQUARES_SURELY_APART = 1e-12
TINY_SQUARES = 1e-200


class SenseGrid:
    """Scratch space for every battle's grids and pictures, allocated once per World (nothing is allocated
    per tick: each tick's picture is written over the last one's)."""

    def __init__(self, row_start: I64, row_stop: I64, search_all_up_to: int = SEARCH_ALL_UP_TO) -> None:
        rows = row_stop - row_start
        self.search_all_up_to = search_all_up_to  # a side this small is searched whole (`_nearest_on_grid`)
        budget = np.array([cell_budget(int(r)) for r in rows], dtype=np.int64)
        self.cell_base = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(budget + 1, out=self.cell_base[1:])
        total_cells = int(self.cell_base[-1])
        n = int(row_stop[-1]) if len(row_stop) else 0
        self.budget = budget
        self.cell_start = np.zeros((2, total_cells + 1), dtype=np.int64)  # per side, per cell
        self.order = np.zeros(n, dtype=np.int64)  # rows sorted by side, then cell, within each battle
        self.cell_of = np.zeros(n, dtype=np.int64)
        self.side_start = np.zeros((len(rows), 3), dtype=np.int64)  # where each side's rows start in `order`
        self.geometry = np.zeros((len(rows), 2, 3))  # per battle and side: x0, y0, cell size
        self.dims = np.zeros((len(rows), 2, 2), dtype=np.int64)  # per battle and side: cells across x, y
        self.noses = np.zeros((3, n))  # Air Command's noses, for the tail test
        self.nearest = np.full(n, -1, np.int64)
        self.nearest_range = np.full(n, np.inf)
        self.tail = np.full(n, -1, np.int64)
        self.tail_range = np.full(n, np.inf)
        self.escorts = np.zeros(n, np.int64)
        self.nearest_prey = np.full(n, -1, np.int64)
        self.ship_range = np.full(n, np.inf)
        self.battle_range = np.full(len(rows), np.inf)
        # The scratch arrays in the order `sense_battles` takes them (built once, as the arrays are).
        self.scratch = (
            self.budget,
            self.cell_base,
            self.cell_start,
            self.order,
            self.cell_of,
            self.side_start,
            self.geometry,
            self.dims,
            *self.noses,
        )


@numba.njit(cache=True, error_model="numpy")
def _build_battle(
    b: int,
    lo: int,
    hi: int,
    x: F64,
    y: F64,
    side: NDArray[np.int8],
    status: NDArray[np.int8],
    budget: int,
    cell_base: int,
    cell_start: I64,
    order: I64,
    cell_of: I64,
    side_start: I64,
    geometry: F64,
    dims: I64,
) -> None:
    """Bucket one battle's airborne craft into a grid per side (a counting sort by cell), each grid sized
    to its own side's craft: a few pilots among thousands of LGFs get a few big cells, not thousands of
    empty ones."""
    for s in range(2):
        n_up = 0
        x_lo, x_hi, y_lo, y_hi = math.inf, -math.inf, math.inf, -math.inf
        for r in range(lo, hi):
            if status[r] == AIRBORNE and side[r] == s:
                n_up += 1
                x_lo = min(x_lo, x[r])
                x_hi = max(x_hi, x[r])
                y_lo = min(y_lo, y[r])
                y_hi = max(y_hi, y[r])
        if n_up == 0:
            x_lo, x_hi, y_lo, y_hi = 0.0, 0.0, 0.0, 0.0
        extent_x = x_hi - x_lo
        extent_y = y_hi - y_lo
        cell = max(CELL_MIN_M, math.sqrt(max(extent_x * extent_y, 1.0) / max(n_up, 1)))
        gx = cells_in(extent_x, cell) + 1
        gy = cells_in(extent_y, cell) + 1
        while gx * gy > budget:
            cell *= 1.5
            gx = cells_in(extent_x, cell) + 1
            gy = cells_in(extent_y, cell) + 1
        geometry[b, s, 0] = x_lo
        geometry[b, s, 1] = y_lo
        geometry[b, s, 2] = cell
        dims[b, s, 0] = gx
        dims[b, s, 1] = gy
        for c in range(gx * gy + 1):
            cell_start[s, cell_base + c] = 0
    for r in range(lo, hi):
        if status[r] == AIRBORNE:
            s = side[r]
            x_lo, y_lo, cell = geometry[b, s, 0], geometry[b, s, 1], geometry[b, s, 2]
            gx, gy = dims[b, s, 0], dims[b, s, 1]
            cx = min(cells_in(x[r] - x_lo, cell), gx - 1)
            cy = min(cells_in(y[r] - y_lo, cell), gy - 1)
            c = cy * gx + cx
            cell_of[r] = c
            cell_start[s, cell_base + c + 1] += 1
    # Prefix sums: side AC's rows first in `order`, then side LGF's.
    position = lo
    for s in range(2):
        cells = dims[b, s, 0] * dims[b, s, 1]
        side_start[b, s] = position
        for c in range(cells):
            count = cell_start[s, cell_base + c + 1]
            cell_start[s, cell_base + c + 1] = cell_start[s, cell_base + c] + count
        position += cell_start[s, cell_base + cells]
    side_start[b, 2] = position
    # Place each row; rows ascend within a cell (the walk does not rely on it, but the layout is then
    # the same whatever the thread count).
    for r in range(lo, hi):
        if status[r] == AIRBORNE:
            s = side[r]
            c = cell_of[r]
            order[side_start[b, s] + cell_start[s, cell_base + c]] = r
            cell_start[s, cell_base + c] += 1
    # Placing advanced each cell's start to its end: shift back by one cell.
    for s in range(2):
        cells = dims[b, s, 0] * dims[b, s, 1]
        for c in range(cells, 0, -1):
            cell_start[s, cell_base + c] = cell_start[s, cell_base + c - 1]
        cell_start[s, cell_base] = 0


@numba.njit(cache=True, error_model="numpy")
def _ring_bound(
    px: float, py: float, x0: float, y0: float, cell: float, gx: int, gy: int, cx: int, cy: int, ring: int
) -> float:
    """A lower bound on the horizontal distance from (px, py) to any craft in the cells `ring` or more
    steps (Chebyshev distance) from cell (cx, cy) of a gx × gy grid: inf when there are no such cells.

    Such cells lie left of column cx - ring + 1, right of column cx + ring - 1, below row cy - ring + 1 or
    above row cy + ring - 1, where the grid has cells there; and every cell lies inside the grid's box, so
    a point off the box to the south is that far off in y from the cells left and right of it too (each
    part's distance across, with the box's gap along, in quadrature). A craft far off the grid so sees the
    bound grow ring by ring, and stops walking once no cell left can beat what it has."""
    if ring == 0:
        return 0.0
    gap_x = max(0.0, x0 - px, px - (x0 + gx * cell))
    gap_y = max(0.0, y0 - py, py - (y0 + gy * cell))
    bound = math.inf
    if cx - ring >= 0:
        across = max(px - (x0 + (cx - ring + 1) * cell), 0.0)
        bound = min(bound, math.sqrt(across * across + gap_y * gap_y))
    if cx + ring <= gx - 1:
        across = max((x0 + (cx + ring) * cell) - px, 0.0)
        bound = min(bound, math.sqrt(across * across + gap_y * gap_y))
    if cy - ring >= 0:
        across = max(py - (y0 + (cy - ring + 1) * cell), 0.0)
        bound = min(bound, math.sqrt(across * across + gap_x * gap_x))
    if cy + ring <= gy - 1:
        across = max((y0 + (cy + ring) * cell) - py, 0.0)
        bound = min(bound, math.sqrt(across * across + gap_x * gap_x))
    return max(bound, math.sqrt(gap_x * gap_x + gap_y * gap_y)) - 1e-6


@numba.njit(cache=True, error_model="numpy")
def _cell_bound(px: float, py: float, x0: float, y0: float, cell: float, jx: int, jy: int) -> float:
    """A lower bound on the distance from (px, py) to any craft in cell (jx, jy): to the cell's box, less
    a hair for rounding. A cell whose bound cannot beat the best so far is not opened."""
    gap_x = max(0.0, (x0 + jx * cell) - px, px - (x0 + (jx + 1) * cell))
    gap_y = max(0.0, (y0 + jy * cell) - py, py - (y0 + (jy + 1) * cell))
    return math.sqrt(gap_x * gap_x + gap_y * gap_y) - 1e-6


@numba.njit(cache=True, error_model="numpy", inline="always")
def _range_between(px: float, py: float, pz: float, ex: float, ey: float, ez: float) -> float:
    """The range from a seeker at (px, py, pz) to a craft at (ex, ey, ez)."""
    dx = px - ex
    dy = py - ey
    dz = pz - ez
    return math.sqrt(dx * dx + dy * dy + dz * dz)


@numba.njit(cache=True, error_model="numpy", inline="always")
def slot_factor(slot: int) -> float:
    """How much a craft's slot weighs in a seeker's spread (`_score`): 1, 2 or 3."""
    return 1.0 + slot % 3


@numba.njit(cache=True, error_model="numpy", inline="always")
def _scored(range_m: float, spread: float, factor: float) -> float:
    """`_score` from the craft's `slot_factor`."""
    return range_m * (1.0 + spread * factor)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _score(range_m: float, spread: float, slot: int) -> float:
    """What a seeker with target spread `spread` makes of a craft in slot `slot` at `range_m`: the lower,
    the likelier it goes for it (Air Command's pilots carry no spread: the range itself)."""
    return _scored(range_m, spread, slot_factor(slot))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _beats(score: float, row: int, best_score: float, best: int) -> bool:
    """Whether a craft scoring `score` beats the best so far: a lower score, or the same from a lower row."""
    return score < best_score or (score == best_score and row < best)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _best_of_few_by_range(
    px: float, py: float, pz: float, spread: float, few: F64, order: I64, base: int, n_other: int
) -> tuple[int, float]:
    """A seeker's choice among the craft laid side by side in `few` (x, y, z, slot factor; rows 4 and 5
    are scratch), and its range: the lowest (score, row) over all of them, as `_score` scores. The ranges
    and scores are one loop the compiler spreads over vector lanes; the best is picked after."""
    for k in range(n_other):
        few[4, k] = _range_between(px, py, pz, few[0, k], few[1, k], few[2, k])
        few[5, k] = _scored(few[4, k], spread, few[3, k])
    best, best_score, best_range = -1, math.inf, math.inf
    for k in range(n_other):
        e = order[base + k]
        if _beats(few[5, k], e, best_score, best):
            best, best_score, best_range = e, few[5, k], few[4, k]
    return best, best_range


@numba.njit(cache=True, error_model="numpy")
def _best_of_many_by_square(
    px: float, py: float, pz: float, spread: float, few: F64, order: I64, base: int, n_other: int
) -> tuple[int, float]:
    """`_best_of_few_by_range`'s answer with a root for only a few of the craft.

    A score is a range times a factor, and a range a square root: the squared range times the factor
    squared orders the craft as their scores do, to within the rounding of each. So the squares are one
    loop over vector lanes, their least is found in four lanes (each compare waits only on the one four
    craft back), and only the craft whose square is within `SQUARES_SURELY_APART` of the least (nearly
    always one) are ranged, scored and compared, ties to the lower row. Every other craft scores more
    than the one with the least square. When the least square is tiny, every craft is scored."""
    for k in range(n_other):
        dx = px - few[0, k]
        dy = py - few[1, k]
        dz = pz - few[2, k]
        factor = 1.0 + spread * few[3, k]
        few[4, k] = (dx * dx + dy * dy + dz * dz) * (factor * factor)
    least_0 = least_1 = least_2 = least_3 = math.inf
    fours = n_other - n_other % 4
    for k in range(0, fours, 4):
        least_0 = min(least_0, few[4, k])
        least_1 = min(least_1, few[4, k + 1])
        least_2 = min(least_2, few[4, k + 2])
        least_3 = min(least_3, few[4, k + 3])
    for k in range(fours, n_other):
        least_0 = min(least_0, few[4, k])
    least = min(min(least_0, least_1), min(least_2, least_3))
    within = least * (1.0 + SQUARES_SURELY_APART) if least >= TINY_SQUARES else math.inf
    best, best_score, best_range = -1, math.inf, math.inf
    for k in range(n_other):
        if few[4, k] <= within:
            e = order[base + k]
            range_m = _range_between(px, py, pz, few[0, k], few[1, k], few[2, k])
            score = _scored(range_m, spread, few[3, k])
            if _beats(score, e, best_score, best):
                best, best_score, best_range = e, score, range_m
    return best, best_range


@numba.njit(cache=True, error_model="numpy")
def _nearest_on_grid(
    b: int,
    seeker: int,
    x: F64,
    y: F64,
    z: F64,
    slot: NDArray[np.int32],
    spread: F64,
    range_limit_m: float,
    search_all_up_to: int,
    geometry: F64,
    dims: I64,
    cell_base: int,
    cell_start: I64,
    order: I64,
    side_start: I64,
    nearest: I64,
    nearest_range: F64,
) -> float:
    """For every airborne craft of side `seeker` in battle `b`, the craft of the other side it goes for,
    walking the other side's grid ring by ring: the lowest range × (1 + spread × (1 + slot mod 3)) among
    craft closer than the range limit, ties to the lower row. Air Command's pilots carry no spread, so
    theirs is the nearest LGF; an LGF's spread keeps the swarm from all picking one pilot. Writes -1 and
    inf for a craft whose choice is out of the range limit; returns the closest range found.

    An other side of at most `search_all_up_to` craft is searched whole instead of walked: the lowest
    (score, row) over every craft is the one the walk finds, since the walk stops only where nothing
    farther can score lower, or where nothing farther is in range."""
    other = 1 - seeker
    x0, y0, cell = geometry[b, other, 0], geometry[b, other, 1], geometry[b, other, 2]
    gx, gy = dims[b, other, 0], dims[b, other, 1]
    base = side_start[b, other]
    n_other = side_start[b, other + 1] - base
    search_all = n_other <= search_all_up_to
    if search_all:
        # The other side's craft side by side (x, y, z, slot factor, then two rows of scratch), so that a
        # seeker's ranges or squares to all of them are one loop the compiler spreads over vector lanes.
        few = np.empty((6, n_other))
        for k in range(n_other):
            e = order[base + k]
            few[0, k], few[1, k], few[2, k], few[3, k] = x[e], y[e], z[e], slot_factor(slot[e])
    else:
        few = np.empty((6, 0))
    closest = math.inf
    for q in range(side_start[b, seeker], side_start[b, seeker + 1]):
        a = order[q]
        px, py, pz = x[a], y[a], z[a]
        spread_a = spread[a] if seeker == LGF else 0.0
        if search_all:
            if n_other <= RANGE_ALL_UP_TO or not spread_a >= 0.0:  # squares order only scores >= 0
                best, best_range = _best_of_few_by_range(px, py, pz, spread_a, few, order, base, n_other)
            else:
                best, best_range = _best_of_many_by_square(px, py, pz, spread_a, few, order, base, n_other)
            if best_range >= range_limit_m:
                best, best_range = -1, math.inf
            nearest[a] = best
            nearest_range[a] = best_range
            closest = min(closest, best_range)
            continue
        cx = min(max(cells_in(px - x0, cell), 0), gx - 1)
        cy = min(max(cells_in(py - y0, cell), 0), gy - 1)
        best, best_score, best_range = -1, math.inf, math.inf
        least_factor = 1.0 + spread_a  # the smallest factor any score can carry
        score_limit = range_limit_m * (1.0 + 3.0 * spread_a)  # a craft in range never scores this much
        for ring in range(max(gx, gy) + 1):
            bound = _ring_bound(px, py, x0, y0, cell, gx, gy, cx, cy, ring) * least_factor
            if bound > best_score or bound > score_limit:
                break
            for jy in range(max(cy - ring, 0), min(cy + ring, gy - 1) + 1):
                edge_row = jy == cy - ring or jy == cy + ring
                step = 1 if edge_row else 2 * ring
                jx = cx - ring
                while jx <= cx + ring:
                    if 0 <= jx < gx and _cell_bound(px, py, x0, y0, cell, jx, jy) * least_factor <= best_score:
                        c = jy * gx + jx
                        for k in range(cell_start[other, cell_base + c], cell_start[other, cell_base + c + 1]):
                            e = order[base + k]
                            range_m = _range_between(px, py, pz, x[e], y[e], z[e])
                            score = _score(range_m, spread_a, slot[e])
                            if _beats(score, e, best_score, best):
                                best, best_score, best_range = e, score, range_m
                    jx += step
        if best_range >= range_limit_m:
            best, best_range = -1, math.inf
        nearest[a] = best
        nearest_range[a] = best_range
        closest = min(closest, best_range)
    return closest


@numba.njit(cache=True, error_model="numpy")
def nearest_of_side(
    b: int,
    s: int,
    px: float,
    py: float,
    pz: float,
    range_limit_m: float,
    x: F64,
    y: F64,
    z: F64,
    geometry: F64,
    dims: I64,
    cell_base: int,
    cell_start: I64,
    order: I64,
    side_start: I64,
) -> tuple[int, float]:
    """The airborne craft of side `s` in battle `b` nearest a point that does not fly (a battery on the
    ground), and its range, from this tick's grid: the same ring walk as a craft's query, with no spread.
    (-1, inf) when none is nearer than the range limit; ties go to the lower row."""
    x0, y0, cell = geometry[b, s, 0], geometry[b, s, 1], geometry[b, s, 2]
    gx, gy = dims[b, s, 0], dims[b, s, 1]
    base = side_start[b, s]
    best, best_range = -1, math.inf
    if side_start[b, s + 1] == base:
        return best, best_range
    cx = min(max(cells_in(px - x0, cell), 0), gx - 1)
    cy = min(max(cells_in(py - y0, cell), 0), gy - 1)
    for ring in range(max(gx, gy) + 1):
        bound = _ring_bound(px, py, x0, y0, cell, gx, gy, cx, cy, ring)
        if bound > best_range or bound > range_limit_m:
            break
        for jy in range(max(cy - ring, 0), min(cy + ring, gy - 1) + 1):
            step = 1 if jy == cy - ring or jy == cy + ring else 2 * ring
            jx = cx - ring
            while jx <= cx + ring:
                if 0 <= jx < gx and _cell_bound(px, py, x0, y0, cell, jx, jy) <= best_range:
                    c = jy * gx + jx
                    for k in range(cell_start[s, cell_base + c], cell_start[s, cell_base + c + 1]):
                        e = order[base + k]
                        range_m = _range_between(px, py, pz, x[e], y[e], z[e])
                        if _beats(range_m, e, best_range, best):
                            best, best_range = e, range_m
                jx += step
    if best_range >= range_limit_m:
        return -1, math.inf
    return best, best_range


def _sense_rows(
    w: WorldArrays,
    prey: NDArray[np.bool_],
    range_limit_m: float,
    evade_range_m: float,
    force_down_radius_m: float,
    has_ship: bool,
    sx: float,
    sy: float,
    sz: float,
    search_all_up_to: int,
    budget: I64,
    cell_base: I64,
    cell_start: I64,
    order: I64,
    cell_of: I64,
    side_start: I64,
    geometry: F64,
    dims: I64,
    nose_x: F64,
    nose_y: F64,
    nose_z: F64,
    nearest: I64,
    nearest_range: F64,
    tail: I64,
    tail_range: F64,
    escorts: I64,
    nearest_prey: I64,
    ship_range: F64,
    battle_range: F64,
) -> None:
    """Each battle's picture (see `sense_battles`), one battle a turn of the loop."""
    row_start = w.row_start
    row_stop = w.row_stop
    done = w.done
    side = w.side
    status = w.status
    x = w.x_m
    y = w.y_m
    z = w.z_m
    slot = w.slot
    spread = w.target_spread
    target = w.target
    force_down_role = w.force_down_role
    sin_heading = w.sin_heading
    cos_heading = w.cos_heading
    sin_gamma = w.sin_gamma
    cos_gamma = w.cos_gamma
    for b in numba.prange(len(row_start)):
        lo, hi = row_start[b], row_stop[b]
        # Nothing seen yet; every row's range to the ship, and the battle's closest approach to it.
        battle_range[b] = math.inf
        for r in range(lo, hi):
            nearest[r], nearest_range[r], tail[r], tail_range[r] = -1, math.inf, -1, math.inf
            escorts[r], nearest_prey[r] = 0, -1
            ship_range[r] = math.inf
            if has_ship:
                ship_range[r] = math.sqrt((x[r] - sx) ** 2 + (y[r] - sy) ** 2 + (z[r] - sz) ** 2)
            if status[r] == AIRBORNE and side[r] == AC:
                battle_range[b] = min(battle_range[b], ship_range[r])
                cos_g = cos_gamma[r]
                nose_x[r] = cos_g * sin_heading[r]
                nose_y[r] = cos_g * cos_heading[r]
                nose_z[r] = sin_gamma[r]
        if done[b]:
            continue  # a battle over sees nothing: its craft fly no more, and its grid is never walked
        base = cell_base[b]
        _build_battle(
            b, lo, hi, x, y, side, status, budget[b], base, cell_start, order, cell_of, side_start, geometry, dims
        )
        n_ac = side_start[b, 1] - side_start[b, 0]
        n_lgf = side_start[b, 2] - side_start[b, 1]
        if n_ac == 0 or n_lgf == 0:
            continue
        grid = (geometry, dims, base, cell_start, order, side_start, nearest, nearest_range)
        closest = _nearest_on_grid(b, AC, x, y, z, slot, spread, range_limit_m, search_all_up_to, *grid)
        battle_range[b] = min(battle_range[b], closest)
        _nearest_on_grid(b, LGF, x, y, z, slot, spread, range_limit_m, search_all_up_to, *grid)
        # A force-down LGF's nearest struggling pilot, at any range: there are only ever a few.
        n_prey = 0
        for k in range(side_start[b, AC], side_start[b, AC + 1]):
            if prey[order[k]]:
                n_prey += 1
        if n_prey:
            for k in range(side_start[b, LGF], side_start[b, LGF + 1]):
                e = order[k]
                if not force_down_role[e]:
                    continue
                best, best_range = -1, math.inf
                for j in range(side_start[b, AC], side_start[b, AC + 1]):
                    a = order[j]
                    if prey[a]:
                        dx = x[e] - x[a]
                        dy = y[e] - y[a]
                        dz = z[e] - z[a]
                        range_m = math.sqrt(dx * dx + dy * dy + dz * dz)
                        if range_m < best_range or (range_m == best_range and a < best):
                            best, best_range = a, range_m
                nearest_prey[e] = best
        # Whom each LGF hunts: the tail threat and the escorts of its target.
        for e in range(lo, hi):
            if status[e] != AIRBORNE or side[e] != LGF:
                continue
            a = target[e]
            if a < lo or a >= hi or status[a] != AIRBORNE or side[a] != AC:
                continue
            dx = x[e] - x[a]
            dy = y[e] - y[a]
            dz = z[e] - z[a]
            range_m = math.sqrt(dx * dx + dy * dy + dz * dz)
            ahead = (dx * nose_x[a] + dy * nose_y[a] + dz * nose_z[a]) / max(range_m, 1.0)
            on_tail = range_m < evade_range_m and (ahead < -0.3 or range_m < 0.35 * evade_range_m)
            if on_tail and range_m < tail_range[a]:  # rows ascend, so a tie keeps the lower row
                tail[a] = e
                tail_range[a] = range_m
            if force_down_role[e] and range_m < force_down_radius_m:
                escorts[a] += 1


_sense = threads.twins(_sense_rows)

Arrays = tuple[NDArray[Any], ...]  # arrays passed together (see `sense_battles`)
Limits = tuple[float, float, float, bool, float, float, float, int]


def sense_battles(w: WorldArrays, prey: B, limits: Limits, scratch: Arrays, out: Arrays) -> None:
    """Every battle's picture, one battle per loop turn (battles never see each other). A battle that is
    `done` is not bucketed or searched (in a batch, the battles that ended early would otherwise cost as
    much as those still fought): its rows see nothing but their range to the ship.

    `w`: the World's arrays (`captainred.engine.arrays`; the kernel reads where each row is, its side,
    status, slot, target spread, target, force-down role, and the sine and cosine of its heading and
    flight-path angle). `prey`: the struggling pilots that force-down LGFs go after. `limits`: the range
    limit, the evade range, the force-down radius, whether there is a mother ship and where, and the most
    craft in the air a side may have to be searched whole rather than walked
    (`SenseGrid.search_all_up_to`). `scratch`: the `SenseGrid`'s arrays. `out`: nearest, its range, tail
    threat, its range, escorts, nearest prey, range to the ship (per row) and the battles' closest
    approach of Air Command to anything (per battle).

    Air Command: the nearest LGF within the range limit; the LGF on her tail (hunting her, inside the
    evade range, and behind her or very close); how many force-down LGFs hunting her are within the
    force-down radius. LGFs: the pilot to go for, and for force-down LGFs the nearest struggling pilot at
    any range. Every row's output is written: -1, inf and 0 where nothing is seen.

    Large Worlds spread their battles over threads. Each battle writes only its own rows and scratch,
    so the answers are the same with one thread or many.
    """
    _sense(len(prey), w, prey, *limits, *scratch, *out)
