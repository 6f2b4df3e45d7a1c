"""Theatre maps: the solid ground of each map kind, as a height grid generated from the street plan.

A theatre is built deterministically from constants (no random state), cached by map name, and shared
read-only by every world that flies over it. Manhattan is drawn in the map frame the scenarios use: origin
at the Battery, x east, y north along the island. We keep the island axis-aligned (the real grid is tilted
about 29 degrees) — a documented simplification that keeps avenues and streets on grid lines. Avenues run
north–south every 280 m and are 30 m wide; streets run east–west every 80 m and are 20 m wide (the nearest
the 10 m grid comes to 18 m); each block is cut into lots, and a lot's height comes from an integer hash of
where it stands: towers in the Financial District and Midtown, 15–80 m elsewhere. Central Park is burnt flat.
The sea, the streets and the park have height 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, cached_property

import numba
import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

# ----------------------------------------------------------------------------------------- Manhattan plan

CELL_M = 10.0
ISLAND_SOUTH_M = 0.0
ISLAND_NORTH_M = 21_000.0
ISLAND_HALF_WIDTH_M = 1_750.0
BATTERY_HALF_WIDTH_M = 400.0  # the south tip; widens to the full island by SOUTH_TAPER_END_M
SOUTH_TAPER_END_M = 3_000.0
INWOOD_HALF_WIDTH_M = 700.0  # the north tip; narrows from NORTH_TAPER_START_M
NORTH_TAPER_START_M = 19_500.0

AVENUE_SPACING_M = 280.0  # avenue centrelines at x = k * 280 m
AVENUE_WIDTH_M = 30.0
STREET_SPACING_M = 80.0  # street bands at y in [80 j, 80 j + 20)
STREET_WIDTH_M = 20.0
LOT_WIDTH_M = 50.0  # five lots across a 250 m block
LOT_DEPTH_M = 30.0  # two lots deep in a 60 m block

LINE_UP_AHEAD_M = 1500.0  # a forced landing lines up on an avenue this far ahead
PARK_M = (-400.0, 8_300.0, 400.0, 12_300.0)
FINANCIAL_DISTRICT_M = (0.0, 1_500.0)
MIDTOWN_M = (5_000.0, 8_300.0)

# Grid: 10 m cells whose centres fall on whole tens of metres in x (so a 30 m avenue is three whole cells
# centred on its line), and whose edges fall on whole tens in y (so a street is two whole cells).
_ORIGIN_M = (-2_005.0, -500.0)
_SHAPE = (2_200, 401)  # (ny, nx): y from -500 m to 21.5 km, x from -2005 m to 2005 m

_HEIGHT_SEED = 0x43_61_70_74_61_69_6E_52  # "CaptainR": change it and the whole skyline changes


@numba.njit(cache=True, error_model="numpy")
def height_at(heights: npt.NDArray[np.float32], ox: float, oy: float, cell: float, x: float, y: float) -> float:
    """The height of the ground under one point: its cell's (a point on a cell edge belongs to the cell
    east or north of it), and 0 off the grid."""
    ny, nx = heights.shape
    fx = np.floor((x - ox) / cell)
    fy = np.floor((y - oy) / cell)
    if fx >= 0 and fx < nx and fy >= 0 and fy < ny:
        return float(heights[int(fy), int(fx)])
    return 0.0


BLOCK_CELLS = 8  # cells a side of the blocks of `Theatre.block_max_m`

# What the compiled rules read of a theatre's ground, together (`Theatre.ground`): the heights, their
# blocks' maxima for bounding the ground under a box (`Theatre.box_max_m`), the grid's origin (x, y), its
# cell and the tallest roof.
Ground = tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], float, float, float, float]


@numba.njit(cache=True, error_model="numpy")
def _log2_floor(n: int) -> int:
    k = 0
    while (2 << k) <= n:
        k += 1
    return k


@numba.njit(cache=True, error_model="numpy")
def highest_under_box(
    box_max: npt.NDArray[np.float32],
    ox: float,
    oy: float,
    cell: float,
    x_lo: float,
    y_lo: float,
    x_hi: float,
    y_hi: float,
) -> float:
    """A bound on the ground under every point of a box: never below the height `height_at` gives any
    point in it (0 off the grid). It is the highest of the blocks of cells the box touches, read in four
    looks from `Theatre.box_max_m` (the highest block of each run of 2^kx by 2^ky blocks), whatever the
    box's size."""
    by, bx = box_max.shape[2:]
    i_lo = max(int(np.floor((x_lo - ox) / cell)) // BLOCK_CELLS, 0)
    i_hi = min(int(np.floor((x_hi - ox) / cell)) // BLOCK_CELLS, bx - 1)
    j_lo = max(int(np.floor((y_lo - oy) / cell)) // BLOCK_CELLS, 0)
    j_hi = min(int(np.floor((y_hi - oy) / cell)) // BLOCK_CELLS, by - 1)
    if i_lo > i_hi or j_lo > j_hi:
        return 0.0  # off the grid
    kx, ky = _log2_floor(i_hi - i_lo + 1), _log2_floor(j_hi - j_lo + 1)
    i_far, j_far = i_hi - (1 << kx) + 1, j_hi - (1 << ky) + 1  # the runs from each end overlap
    level = box_max[ky, kx]
    highest = max(max(level[j_lo, i_lo], level[j_lo, i_far]), max(level[j_far, i_lo], level[j_far, i_far]))
    return max(0.0, np.float64(highest))


# The same rule inlined by Numba where it is called, for `clear_of_all`: called as a function of its
# own, it leaves its caller a path for an error it never raises, and on that path the caller's count of
# references on `box_max` cannot be cancelled. Elsewhere (the look-ahead) the call costs nothing extra,
# and the inlined copy measured slower.
_highest_under_box_inlined = numba.njit(cache=True, error_model="numpy", inline="always")(highest_under_box.py_func)


def runs_max(blocks: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """`out[ky, kx, j, i]`: the highest of `blocks[j : j + 2^ky, i : i + 2^kx]` (a two-dimensional sparse
    table; runs that would leave the grid are cut at its edge, and never read)."""
    by, bx = blocks.shape
    levels_y, levels_x = int(by).bit_length(), int(bx).bit_length()
    out = np.zeros((levels_y, levels_x, by, bx), dtype=np.float32)
    out[0, 0] = blocks
    for ky in range(levels_y):
        if ky:
            half = 1 << (ky - 1)
            out[ky, 0] = out[ky - 1, 0]
            out[ky, 0, : by - half] = np.maximum(out[ky - 1, 0, : by - half], out[ky - 1, 0, half:])
        for kx in range(1, levels_x):
            half = 1 << (kx - 1)
            out[ky, kx] = out[ky, kx - 1]
            out[ky, kx, :, : bx - half] = np.maximum(out[ky, kx - 1, :, : bx - half], out[ky, kx - 1, :, half:])
    return out


@numba.njit(cache=True, error_model="numpy")
def ground_heights(
    heights: npt.NDArray[np.float32], ox: float, oy: float, cell: float, x: F64, y: F64, out: F64
) -> None:
    """`height_at` for every point."""
    for k in range(len(x)):
        out[k] = height_at(heights, ox, oy, cell, x[k], y[k])


@numba.njit(cache=True, error_model="numpy")
def walk_move(
    heights: npt.NDArray[np.float32],
    ox: float,
    oy: float,
    c: float,
    ax: float,
    ay: float,
    az: float,
    vx: float,
    vy: float,
    vz: float,
) -> float:
    """Walk one move (ax, ay, az) -> + (vx, vy, vz) cell by cell (Amanatides–Woo): the fraction of the
    move at which it first passes below a roof, inf if it never does. Within a cell the move's lowest
    point is at its entry or its exit, since height along a straight move is linear, so no corner is
    cut. NaN if the walk did not finish in the cells a move can cross (a bug, never bad input)."""
    ny, nx = heights.shape
    # Clip the move to the grid shrunk by one cell: the outer ring is open water, so nothing is lost.
    t_in, t_out = 0.0, 1.0
    for start, step, lo, hi in ((ax, vx, ox + c, ox + (nx - 1) * c), (ay, vy, oy + c, oy + (ny - 1) * c)):
        if step != 0.0:
            ta = (lo - start) / step
            tb = (hi - start) / step
            t_in = max(t_in, min(ta, tb))
            t_out = min(t_out, max(ta, tb))
        elif start < lo or start > hi:
            t_out = -1.0
    if not t_in <= t_out:
        return math.inf
    t_enter, t_end = t_in, t_out
    sx = 1 if vx > 0 else (-1 if vx < 0 else 0)
    sy = 1 if vy > 0 else (-1 if vy < 0 else 0)
    ix = int(min(max(np.floor((ax + t_enter * vx - ox) / c), 0.0), nx - 1.0))
    iy = int(min(max(np.floor((ay + t_enter * vy - oy) / c), 0.0), ny - 1.0))
    for _ in range(nx + ny + 4):  # a move crosses at most nx + ny cells
        # Parameter at which the move leaves the current cell through its x or y side.
        edge_x = ox + (ix + (1 if sx > 0 else 0)) * c
        edge_y = oy + (iy + (1 if sy > 0 else 0)) * c
        tx = (edge_x - ax) / vx if sx != 0 else np.inf
        ty = (edge_y - ay) / vy if sy != 0 else np.inf
        t_exit = max(min(min(tx, ty), t_end), t_enter)
        z_in = az + t_enter * vz
        z_out = az + t_exit * vz
        roof = np.float64(heights[iy, ix])
        if min(z_in, z_out) < roof:
            # Entering below the roof: a wall, met on entry; entering above it: the roof, met where the
            # move comes down through it.
            if z_in < roof:
                return t_enter
            through_roof = (z_in - roof) / (z_in - z_out if z_in - z_out != 0 else 1.0)
            return t_enter + min(max(through_roof, 0.0), 1.0) * (t_exit - t_enter)
        if tx <= ty:
            ix = min(max(ix + sx, 0), nx - 1)
        else:
            iy = min(max(iy + sy, 0), ny - 1)
        if not t_exit < t_end:
            return math.inf
        t_enter = t_exit
    return math.nan


WALK_CLEARANCE_M = 1e-6  # far more than the walk's rounding of a move's height (about 1e-12 m)


@numba.njit(cache=True, error_model="numpy")
def clear_of_all(
    box_max: npt.NDArray[np.float32],
    ox: float,
    oy: float,
    c: float,
    max_height_m: float,
    x0: float,
    y0: float,
    z0: float,
    x1: float,
    y1: float,
    z1: float,
) -> bool:
    """Whether one straight move surely meets nothing, with no walk: above the sea all the way, and
    above the tallest roof or the highest roof under a box around it (`highest_under_box`: a cell wider
    each way than the move, and a micrometre higher, for the walk's rounding). Over the park or the
    water, where the swarm flies low, nearly every move is."""
    low = min(z0, z1)
    if not low >= 0.0:
        return False  # below sea level is never clear, anywhere
    if low >= max_height_m:
        return True
    x_lo, y_lo, x_hi, y_hi = min(x0, x1) - c, min(y0, y1) - c, max(x0, x1) + c, max(y0, y1) + c
    return low >= WALK_CLEARANCE_M + _highest_under_box_inlined(box_max, ox, oy, c, x_lo, y_lo, x_hi, y_hi)


# Inlined where it is called (Numba's own inlining, before LLVM sees the code): called once per moving
# craft, a call of its own counted references on both arrays every time: a sixth of the strike's time.
# The inlined copy counts them too, on the paths that read the ground, so a caller with many moves
# tests `clear_of_all` first (small enough for LLVM to inline it with no count).
@numba.njit(cache=True, error_model="numpy", inline="always")
def move_hit(
    heights: npt.NDArray[np.float32],
    box_max: npt.NDArray[np.float32],
    ox: float,
    oy: float,
    c: float,
    max_height_m: float,
    x0: float,
    y0: float,
    z0: float,
    x1: float,
    y1: float,
    z1: float,
) -> float:
    """Where one straight move first meets the ground, a roof, a wall or the sea, as a fraction of the
    move (0..1); inf if it stays clear (see `Theatre.segment_hit`).

    A move that is not `clear_of_all` is walked cell by cell (`walk_move`) unless it is below the sea
    only, and its ends are tested against the ground under them."""
    if clear_of_all(box_max, ox, oy, c, max_height_m, x0, y0, z0, x1, y1, z1):
        return math.inf  # nothing to meet, and no end on a roof
    low = min(z0, z1)
    dz = z1 - z0
    hit_t = math.inf
    if low < 0.0:  # the move meets the water where z crosses 0
        hit_t = min(max(z0 / -dz, 0.0), 1.0) if dz < 0 else 0.0
    if low < max_height_m:  # not clear of the roofs under it (tested above): walked
        walked = walk_move(heights, ox, oy, c, x0, y0, z0, x1 - x0, y1 - y0, dz)
        if math.isnan(walked):
            return walked
        hit_t = min(hit_t, walked)
    # An end exactly on a cell edge belongs to the cell beyond it, which the walk stops short of.
    if z0 < height_at(heights, ox, oy, c, x0, y0):
        hit_t = 0.0
    if z1 < height_at(heights, ox, oy, c, x1, y1):
        hit_t = min(hit_t, 1.0)
    return hit_t


@numba.njit(cache=True, error_model="numpy")
def _move_hits(ground: Ground, p0: F64, p1: F64, out: F64) -> None:
    heights, box_max, ox, oy, c, max_height_m = ground
    for k in range(len(p0)):
        a, b = p0[k], p1[k]
        out[k] = move_hit(heights, box_max, ox, oy, c, max_height_m, a[0], a[1], a[2], b[0], b[1], b[2])


@dataclass(frozen=True, eq=False)
class Theatre:
    """The ground of one map: a height grid plus the few named places the engine and doctrine need.

    `eq=False`: a theatre holds arrays, so equality and hashing are by identity (it is cached per name).
    Heights are piecewise constant on cells; a point on a cell edge belongs to the cell east/north of it.
    """

    name: str
    kind: str
    origin_m: tuple[float, float]
    cell_m: float
    heights_m: npt.NDArray[np.float32]
    park: tuple[float, float, float, float]
    island: tuple[float, float, float, float]
    max_height_m: float

    @cached_property
    def block_max_m(self) -> npt.NDArray[np.float32]:
        """The highest roof of each block of `BLOCK_CELLS` × `BLOCK_CELLS` cells, for bounding the ground
        under a whole path at once (`highest_under_box`)."""
        ny, nx = self.heights_m.shape
        by, bx = -(-ny // BLOCK_CELLS), -(-nx // BLOCK_CELLS)
        padded = np.zeros((by * BLOCK_CELLS, bx * BLOCK_CELLS), dtype=np.float32)
        padded[:ny, :nx] = self.heights_m
        blocks: npt.NDArray[np.float32] = padded.reshape(by, BLOCK_CELLS, bx, BLOCK_CELLS).max(axis=(1, 3))
        return blocks

    @cached_property
    def ground(self) -> Ground:
        """The heights, their blocks' maxima, the origin, the cell and the tallest roof, in the order the
        compiled rules take them (`Ground`)."""
        ox, oy = self.origin_m
        return (self.heights_m, self.box_max_m, float(ox), float(oy), float(self.cell_m), float(self.max_height_m))

    @cached_property
    def box_max_m(self) -> npt.NDArray[np.float32]:
        """`block_max_m`'s runs of 2^kx by 2^ky blocks (`runs_max`): what `highest_under_box` reads, in
        four looks for a box of any size (for Manhattan, 3 MB)."""
        return runs_max(self.block_max_m)

    def _cells(self, x: F64, y: F64) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Bool]:
        ny, nx = self.heights_m.shape
        fx = np.floor((np.asarray(x, dtype=np.float64) - self.origin_m[0]) / self.cell_m)
        fy = np.floor((np.asarray(y, dtype=np.float64) - self.origin_m[1]) / self.cell_m)
        inside = (fx >= 0) & (fx < nx) & (fy >= 0) & (fy < ny)
        ix = np.where(inside, fx, 0).astype(np.int64)
        iy = np.where(inside, fy, 0).astype(np.int64)
        return ix, iy, inside

    def ground_height_m(self, x: F64, y: F64) -> F64:
        """Height of the ground, roof or sea (0) under each point; 0 off the grid."""
        xs, ys = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        out = np.empty(xs.shape)
        ox, oy = self.origin_m
        ground_heights(self.heights_m, ox, oy, self.cell_m, xs.ravel(), ys.ravel(), out.reshape(-1))
        return out

    def on_land(self, x: F64, y: F64) -> Bool:
        """Whether each point is over the island (streets, park or buildings), not the water."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if self.kind != "manhattan":
            return np.zeros(np.broadcast(x, y).shape, dtype=bool)
        xs, ys = np.broadcast_arrays(x, y)
        out = np.empty(xs.shape, dtype=bool)
        _on_island(np.ascontiguousarray(xs).reshape(-1), np.ascontiguousarray(ys).reshape(-1), out.reshape(-1))
        return out

    def coastline_m(self) -> list[tuple[float, float]]:
        """The island's outline as a closed polygon (east shore north-bound, then west shore back); empty
        for open sea. For drawing: the engine asks `on_land`."""
        if self.kind != "manhattan":
            return []
        y = np.arange(ISLAND_SOUTH_M, ISLAND_NORTH_M + 1.0, 100.0)
        half = _half_width_m(y)
        east = [(float(h), float(v)) for h, v in zip(half, y, strict=True)]
        west = [(-float(h), float(v)) for h, v in zip(half[::-1], y[::-1], strict=True)]
        return east + west

    def segment_clear(self, p0: F64, p1: F64) -> Bool:
        """For each straight move p0 -> p1 (rows of x, y, z), whether it stays at or above the ground."""
        return self.segment_hit(p0, p1)[0]

    def segment_hit(self, p0: F64, p1: F64) -> tuple[Bool, F64]:
        """For each straight move p0 -> p1: whether it stays at or above the ground, and if not, the
        fraction of the move (0..1) at which it first meets the ground, a roof, a wall or the sea.

        Exact on the grid, not sampled: each segment is walked cell by cell (a vectorised
        Amanatides–Woo traversal, looping over cells crossed, never over craft), and within a cell its
        lowest point is at the cell's entry or exit because height along a straight move is linear. So
        no move can clip the corner of a building between two samples. Moves that stay above the
        tallest roof, or above the highest roof under a box around them, or never touch the grid, skip
        the walk.
        """
        p0 = np.ascontiguousarray(p0, dtype=np.float64).reshape(-1, 3)
        p1 = np.ascontiguousarray(p1, dtype=np.float64).reshape(-1, 3)
        hit_t = np.empty(len(p0))
        _move_hits(self.ground, p0, p1, hit_t)
        if np.isnan(hit_t).any():
            raise RuntimeError("segment walk did not finish")  # a bug, not bad input
        clear = ~np.isfinite(hit_t)
        return clear, np.where(clear, 1.0, hit_t)

    def street_point(self, x: F64, y: F64) -> tuple[F64, F64]:
        """Where a crippled aircraft over each point would put down: the nearest avenue or street.

        The point returned is on land, at height 0, and off the park (the mother ship hovers there). It is
        the nearer of the nearest street and the nearest avenue that reaches this far along the tapering
        island — exact away from the tips, and at most a block out near them. At sea there is no street:
        each point is returned unchanged (the aircraft ditches).
        """
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if self.kind != "manhattan":
            return x.copy(), y.copy()
        margin = 2.0 * self.cell_m
        px0, py0, px1, py1 = self.park

        # The nearest street, run along to stay on land and out of the park: the one north of the point
        # or the one south of it, whichever gets it down sooner.
        last_street = np.floor((ISLAND_NORTH_M - STREET_WIDTH_M) / STREET_SPACING_M)
        below = np.floor((y - STREET_WIDTH_M / 2) / STREET_SPACING_M)
        street_x, street_y = np.full_like(x, np.nan), np.full_like(y, np.nan)
        street_d = np.full_like(x, np.inf)
        for j in (np.clip(below, 0, last_street), np.clip(below + 1, 0, last_street)):
            along_y = j * STREET_SPACING_M + STREET_WIDTH_M / 2
            reach = _half_width_m(along_y) - margin
            along_x = np.clip(x, -reach, reach)
            in_park = (along_y >= py0) & (along_y <= py1) & (along_x > px0 - margin) & (along_x < px1 + margin)
            along_x = np.where(in_park, np.where(along_x >= 0, px1 + margin, px0 - margin), along_x)
            d = np.hypot(along_x - x, along_y - y)
            nearer = d < street_d
            street_x = np.where(nearer, along_x, street_x)
            street_y = np.where(nearer, along_y, street_y)
            street_d = np.where(nearer, d, street_d)

        # The nearest avenue that is on land (and not through the park) abreast of the point.
        avenue_y = np.clip(y, ISLAND_SOUTH_M + margin, ISLAND_NORTH_M - margin)
        k_most = np.floor(ISLAND_HALF_WIDTH_M / AVENUE_SPACING_M)
        avenues = np.arange(-k_most, k_most + 1) * AVENUE_SPACING_M  # (k,)
        room = (_half_width_m(avenue_y) - AVENUE_WIDTH_M / 2 - margin)[..., None]
        park_band = ((avenue_y >= py0 - margin) & (avenue_y <= py1 + margin))[..., None]
        through_park = park_band & (np.abs(avenues) < px1 + AVENUE_WIDTH_M / 2 + margin)
        usable = (np.abs(avenues) <= room) & ~through_park
        gap = np.where(usable, np.abs(x[..., None] - avenues), np.inf)
        best = np.argmin(gap, axis=-1)
        avenue_x = avenues[best]
        avenue_d = np.hypot(np.take_along_axis(gap, best[..., None], axis=-1)[..., 0], avenue_y - y)

        take_street = street_d <= avenue_d
        return np.where(take_street, street_x, avenue_x), np.where(take_street, street_y, avenue_y)


@numba.njit(cache=True, error_model="numpy")
def landing_line(
    manhattan: bool, park: tuple[float, float, float, float], x: float, y: float, heading: float
) -> tuple[float, float, float]:
    """For a forced landing: the avenue to put down along, and a point on it `LINE_UP_AHEAD_M` ahead.

    Avenues run the length of the island, so a pilot makes for the nearest one (not through the park,
    where the mother ship hovers), flying north or south, whichever is nearer her heading; steering at
    the point returned lines her up with it. Off Manhattan the point is straight ahead (she ditches).
    Returns the point's x and y, and the avenue's heading."""
    if not manhattan:
        return x + LINE_UP_AHEAD_M * math.sin(heading), y + LINE_UP_AHEAD_M * math.cos(heading), heading
    line_heading = math.pi if math.cos(heading) < 0 else 0.0
    avenue_x = np.rint(x / AVENUE_SPACING_M) * AVENUE_SPACING_M
    _, py0, px1, py1 = park
    if y > py0 - LINE_UP_AHEAD_M and y < py1 + LINE_UP_AHEAD_M and abs(avenue_x) <= px1 + AVENUE_WIDTH_M:
        avenue_x = (2.0 if x >= 0 else -2.0) * AVENUE_SPACING_M
    # Over the rivers: the nearest avenue on the island.
    widest = np.floor((half_width_at(min(max(y, ISLAND_SOUTH_M), ISLAND_NORTH_M)) - AVENUE_WIDTH_M) / AVENUE_SPACING_M)
    avenue_x = min(max(avenue_x, -widest * AVENUE_SPACING_M), widest * AVENUE_SPACING_M)
    return avenue_x, y + LINE_UP_AHEAD_M * math.cos(line_heading), line_heading


def _half_width_m(y: F64) -> F64:
    """`half_width_at` of each y, in NumPy, bit for bit: for the theatre's methods over arrays."""
    south = BATTERY_HALF_WIDTH_M + (ISLAND_HALF_WIDTH_M - BATTERY_HALF_WIDTH_M) * np.clip(
        (y - ISLAND_SOUTH_M) / (SOUTH_TAPER_END_M - ISLAND_SOUTH_M), 0.0, 1.0
    )
    north = ISLAND_HALF_WIDTH_M - (ISLAND_HALF_WIDTH_M - INWOOD_HALF_WIDTH_M) * np.clip(
        (y - NORTH_TAPER_START_M) / (ISLAND_NORTH_M - NORTH_TAPER_START_M), 0.0, 1.0
    )
    return np.asarray(np.minimum(south, north), dtype=np.float64)


@numba.njit(cache=True, error_model="numpy")
def half_width_at(y: float) -> float:
    """Half the island's east–west width at y: full in the middle, tapering to both tips (what `on_land`
    compares with; `_half_width_m` is the same rule over arrays, in NumPy, bit for bit)."""
    south = BATTERY_HALF_WIDTH_M + (ISLAND_HALF_WIDTH_M - BATTERY_HALF_WIDTH_M) * min(
        max((y - ISLAND_SOUTH_M) / (SOUTH_TAPER_END_M - ISLAND_SOUTH_M), 0.0), 1.0
    )
    north = ISLAND_HALF_WIDTH_M - (ISLAND_HALF_WIDTH_M - INWOOD_HALF_WIDTH_M) * min(
        max((y - NORTH_TAPER_START_M) / (ISLAND_NORTH_M - NORTH_TAPER_START_M), 0.0), 1.0
    )
    return min(south, north)


@numba.njit(cache=True, error_model="numpy")
def _on_island(x: F64, y: F64, out: npt.NDArray[np.bool_]) -> None:
    for i in range(len(x)):
        out[i] = y[i] >= ISLAND_SOUTH_M and y[i] <= ISLAND_NORTH_M and abs(x[i]) <= half_width_at(y[i])


# One signature, given: each constant salt would otherwise be compiled apart.
@numba.njit("float64(int64, int64, int64, int64)", cache=True, error_model="numpy")
def _unit_hash(avenue: int, street: int, lot: int, salt: int) -> float:
    """A uniform number in [0, 1) from four integer keys: splitmix64, the same on every machine and
    version (a negative key counts as its two's complement, so it stays distinct)."""
    h = np.uint64(_HEIGHT_SEED)
    for key in (avenue, street, lot, salt):
        h = h ^ np.uint64(key)
        h = h + np.uint64(0x9E3779B97F4A7C15)
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        h = h ^ (h >> np.uint64(31))
    return float(h >> np.uint64(11)) * 2.0**-53


@numba.njit(cache=True, error_model="numpy")
def _height_of_cell(x: float, y: float) -> float:
    """The ground of the cell centred on (x, y): 0 for water, streets, avenues and the park; a lot's
    hashed height in whole metres. Low buildings are 15-80 m (walk-ups, warehouses, apartment blocks);
    in midtown most lots are tall, up to 380 m (mostly mid-rise, a few giants); downtown, up to 300 m."""
    if not (y >= ISLAND_SOUTH_M and y <= ISLAND_NORTH_M and abs(x) <= half_width_at(y)):
        return 0.0  # water
    # Where the cell is within the avenue and street periods: an avenue band is centred on x = 280 k.
    ax = x + AVENUE_WIDTH_M / 2
    avenue = int(np.floor(ax / AVENUE_SPACING_M))
    across = ax - avenue * AVENUE_SPACING_M
    street = int(np.floor(y / STREET_SPACING_M))
    along = y - street * STREET_SPACING_M
    if across < AVENUE_WIDTH_M or along < STREET_WIDTH_M:
        return 0.0
    px0, py0, px1, py1 = PARK_M
    half = CELL_M / 2  # every cell that touches the park's box, edges included, is park
    if x + half > px0 and x - half <= px1 and y + half > py0 and y - half <= py1:
        return 0.0
    lot_x = int(np.floor((across - AVENUE_WIDTH_M) / LOT_WIDTH_M))
    lot_y = int(np.floor((along - STREET_WIDTH_M) / LOT_DEPTH_M))
    lot = lot_x * 4 + lot_y
    u_tall = _unit_hash(avenue, street, lot, 1)
    u_height = _unit_hash(avenue, street, lot, 2)
    height = 15.0 + 65.0 * u_height
    if MIDTOWN_M[0] <= y < MIDTOWN_M[1] and u_tall < 0.65:
        height = 90.0 + 290.0 * u_height * u_height
    if FINANCIAL_DISTRICT_M[0] <= y < FINANCIAL_DISTRICT_M[1] and u_tall < 0.55:
        height = 80.0 + 220.0 * u_height * u_height
    return float(np.rint(height))  # whole metres (halves to even): the same bytes everywhere


@numba.njit(cache=True, error_model="numpy")
def _skyline(ny: int, nx: int, ox: float, oy: float, cell: float) -> npt.NDArray[np.float32]:
    """`_height_of_cell` at the centre of every cell of an ny by nx grid."""
    heights = np.empty((ny, nx), dtype=np.float32)
    for j in range(ny):
        y = oy + (j + 0.5) * cell
        for i in range(nx):
            heights[j, i] = _height_of_cell(ox + (i + 0.5) * cell, y)
    return heights


def _manhattan_heights() -> npt.NDArray[np.float32]:
    """The skyline on the grid (`_height_of_cell`), built cell by cell in compiled code (in NumPy, its
    grids of temporaries took three times as long)."""
    ny, nx = _SHAPE
    return _skyline(ny, nx, _ORIGIN_M[0], _ORIGIN_M[1], CELL_M)


@cache
def build_theatre(map_name: str, kind: str) -> Theatre:
    """The theatre for a catalog map (built once per name, then shared read-only)."""
    if kind == "sea":
        heights = np.zeros((1, 1), dtype=np.float32)
        heights.flags.writeable = False
        zero_box = (0.0, 0.0, 0.0, 0.0)
        return Theatre(
            name=map_name,
            kind=kind,
            origin_m=(0.0, 0.0),
            cell_m=CELL_M,
            heights_m=heights,
            park=zero_box,
            island=zero_box,
            max_height_m=0.0,
        )
    if kind == "manhattan":
        heights = _manhattan_heights()
        heights.flags.writeable = False
        island = (-ISLAND_HALF_WIDTH_M, ISLAND_SOUTH_M, ISLAND_HALF_WIDTH_M, ISLAND_NORTH_M)
        return Theatre(
            name=map_name,
            kind=kind,
            origin_m=_ORIGIN_M,
            cell_m=CELL_M,
            heights_m=heights,
            park=PARK_M,
            island=island,
            max_height_m=float(heights.max()),
        )
    raise ValueError(f"no theatre for map kind {kind!r}")  # the catalog's schema allows only the two
