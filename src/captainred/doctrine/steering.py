"""Steering shared by every pilot, human or not: fly toward a point, keep off the ground and buildings."""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from captainred.engine import threads
from captainred.engine.kinematics import HEADING_GAIN, heading_of, wrap
from captainred.engine.sensing import within_m
from captainred.engine.terrain import inside_box
from captainred.engine.world import F64, I64, FlightState, G, World
from captainred.scenario.maps import Ground, height_at, highest_under_box

MAX_CLIMB_RAD = 0.6
PULL_UP_RAD = 0.45
STEEPEST_PULL_UP_RAD = 1.1  # the most a pull-up ever asks for: a brutal one, which the Guardian survives
ROOF_MARGIN_M = 45.0
PATH_SAMPLES = 48  # along the look-ahead: about every 25 m at top speed


@numba.njit(cache=True, error_model="numpy")
def aim(x: float, y: float, z: float, px: float, py: float, pz: float, gain_m: float) -> tuple[float, float]:
    """The heading and flight-path angle that point a craft at a place: straight at it, climbing or
    diving to meet its height, no steeper than `MAX_CLIMB_RAD` and gentler than the slope itself while
    the place is farther than `gain_m`."""
    dx = px - x
    dy = py - y
    # Nearer than `gain_m`, the distance itself does not count, and `within_m` mostly says so without it.
    run = gain_m if within_m(dx, dy, gain_m) else max(math.hypot(dx, dy), gain_m)
    heading = heading_of(math.atan2(dx, dy))
    gamma = min(max(math.atan2(pz - z, run), -MAX_CLIMB_RAD), MAX_CLIMB_RAD)
    return heading, gamma


# One signature, given: `clockwise` passed as the constant True would otherwise be compiled apart.
@numba.njit(
    "UniTuple(float64, 2)(float64, float64, float64, float64, float64, boolean)", cache=True, error_model="numpy"
)
def orbit_point(x: float, y: float, cx: float, cy: float, radius_m: float, clockwise: bool) -> tuple[float, float]:
    """Where a craft circling (cx, cy) aims: a point on the circle a little ahead of where it is."""
    ahead = math.atan2(x - cx, y - cy) + (0.35 if clockwise else -0.35)
    return cx + radius_m * math.sin(ahead), cy + radius_m * math.cos(ahead)


def steer_to(world: World, rows: I64, px: F64, py: F64, pz: F64, gain_m: float = 1500.0) -> None:
    """Point rows at a place (`aim`)."""
    _steer(
        len(rows),
        rows,
        _per_row(px, rows),
        _per_row(py, rows),
        _per_row(pz, rows),
        gain_m,
        world.x_m,
        world.y_m,
        world.z_m,
        world.cmd_heading_rad,
        world.cmd_gamma_rad,
    )


def orbit(
    world: World,
    rows: I64,
    cx: F64 | float,
    cy: F64 | float,
    radius_m: float,
    altitude_m: F64 | float,
    clockwise: bool = True,
) -> None:
    """Circle a point at a height (`orbit_point`)."""
    _orbit(
        len(rows),
        rows,
        _per_row(cx, rows),
        _per_row(cy, rows),
        _per_row(altitude_m, rows),
        radius_m,
        clockwise,
        world.x_m,
        world.y_m,
        world.z_m,
        world.cmd_heading_rad,
        world.cmd_gamma_rad,
    )


def _per_row(value: F64 | float, rows: I64) -> F64:
    """One float64 value per row, for a kernel: `value` itself when it already is that."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64 and value.shape == rows.shape:
        return np.ascontiguousarray(value)  # itself, when it already is contiguous
    out: F64 = np.broadcast_to(np.asarray(value, dtype=np.float64), rows.shape)
    return np.ascontiguousarray(out)


def _steer_rows(
    rows: I64, px: F64, py: F64, pz: F64, gain_m: float, x: F64, y: F64, z: F64, cmd_heading: F64, cmd_gamma: F64
) -> None:
    for k in numba.prange(len(rows)):
        r = rows[k]
        cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], px[k], py[k], pz[k], gain_m)


def _orbit_rows(
    rows: I64,
    cx: F64,
    cy: F64,
    altitude_m: F64,
    radius_m: float,
    clockwise: bool,
    x: F64,
    y: F64,
    z: F64,
    cmd_heading: F64,
    cmd_gamma: F64,
) -> None:
    for k in numba.prange(len(rows)):
        r = rows[k]
        px, py = orbit_point(x[r], y[r], cx[k], cy[k], radius_m, clockwise)
        cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], px, py, altitude_m[k], 1500.0)


_steer = threads.twins(_steer_rows)
_orbit = threads.twins(_orbit_rows)


def avoid_terrain(world: World, rows: I64, lookahead_s: F64) -> None:
    """Pull up if the flight path, or the height a pull-out from this dive would cost, comes within a
    margin of the ground, a building or the sea within the look-ahead.

    The path is the one the craft is flying: the turn toward its commanded heading, at the rate its
    wings allow, not the line off its nose (in a hard turn among towers the straight line misses the
    tower the turn flies into). It is sampled every few tens of metres (a tower is a 50 m lot), but only
    for craft low enough to reach a roof within the look-ahead. A pilot who looks ahead too little (a
    low-skill pilot, or an LGF copying a pull-out) may not make it.
    """
    if not len(rows):
        return
    pull_up(
        world.n,  # threads by the World's size (`engine.threads`)
        rows,
        np.ascontiguousarray(lookahead_s, dtype=np.float64),
        world.flight_state(),
        world.max_g,
        world.stall_speed_mps,
        world.cmd_heading_rad,
        world.theatre.ground,
        world.cmd_gamma_rad,
        world.cmd_throttle,
    )


@numba.njit(cache=True, error_model="numpy")
def turned_rad(heading_error: float, max_rate: float, t: float) -> float:
    """How far a craft has turned `t` seconds on, toward a heading `heading_error` off its nose: the
    pilot's turn (`HEADING_GAIN`, closing on the command) no faster than `max_rate`, the rate its wings
    allow (the flight kernel's rule, without the pitch's share of the g)."""
    closing = heading_error * (1.0 - math.exp(-HEADING_GAIN * t))
    most = max_rate * t
    return min(max(closing, -most), most)


SMALL_ANGLE_RAD = 0.06  # below this, a rotation's sine and cosine come from their series (error < 1e-14)


@numba.njit(cache=True, error_model="numpy")
def rotated(sin_a: float, cos_a: float, d: float) -> tuple[float, float]:
    """The sine and cosine of a + d from those of a: a small d by the first terms of its series, a
    larger one exactly. This is how the look-ahead walks along a turn without two trigonometric calls a
    sample."""
    sin_d, cos_d = sine_and_cosine(d)
    return sum_of_angles(sin_a, cos_a, sin_d, cos_d)


@numba.njit(cache=True, error_model="numpy")
def sine_and_cosine(d: float) -> tuple[float, float]:
    """The sine and cosine of an angle: a small one by the first terms of their series, a larger one
    exactly (`rotated`)."""
    if abs(d) < SMALL_ANGLE_RAD:
        d2 = d * d
        sin_d = d * (1.0 - d2 / 6.0 * (1.0 - d2 / 20.0 * (1.0 - d2 / 42.0)))
        cos_d = 1.0 - d2 / 2.0 * (1.0 - d2 / 12.0 * (1.0 - d2 / 30.0))
    else:
        sin_d, cos_d = math.sin(d), math.cos(d)
    return sin_d, cos_d


@numba.njit(cache=True, error_model="numpy")
def sum_of_angles(sin_a: float, cos_a: float, sin_d: float, cos_d: float) -> tuple[float, float]:
    """The sine and cosine of a + d from those of a and of d."""
    return sin_a * cos_d + cos_a * sin_d, cos_a * cos_d - sin_a * sin_d


# The look-ahead's two paths, sample by sample. Each returns the first sample whose ground comes within
# `margin` of the path's height `z + vz t` (-1 if none), that ground, and `highest` raised by the ground of
# every sample it read.


@numba.njit(cache=True, error_model="numpy")
def _first_in_the_way_on_the_turn(
    heights: npt.NDArray[np.float32],
    ox: float,
    oy: float,
    cell: float,
    x: float,
    y: float,
    z: float,
    vz: float,
    ground_speed: float,
    east: float,
    north: float,
    error: float,
    max_rate: float,
    step: float,
    margin: float,
    highest: float,
) -> tuple[int, float, float]:
    """Along the turn she is in: the heading of each sample is `turned_rad`'s, its closing term carried
    from the last sample by one factor, and its direction by one small rotation (`rotated`).

    The rotation each sample turns by is found a sample ahead of its use: its series is a long chain of
    operations, and ahead of the rotation it waits on, the core works on it while the sample before is
    flown and read. The operations are those of `rotated` at each sample, so the path is the same to the
    bit."""
    px, py = x, y
    unclosed = math.exp(-HEADING_GAIN * 0.5 * step)  # exp(-HEADING_GAIN t) at the sample
    per_sample = math.exp(-HEADING_GAIN * step)
    most = max_rate * (0.5 * step)
    turned = min(max(error * (1.0 - unclosed), -most), most)
    sin_d, cos_d = sine_and_cosine(turned)  # the first sample's rotation
    for s in range(PATH_SAMPLES):
        east, north = sum_of_angles(east, north, sin_d, cos_d)
        unclosed *= per_sample
        most = max_rate * ((s + 1.5) * step)
        now = min(max(error * (1.0 - unclosed), -most), most)
        sin_d, cos_d = sine_and_cosine(now - turned)  # the next sample's
        turned = now
        px += ground_speed * east * step
        py += ground_speed * north * step
        under_m = height_at(heights, ox, oy, cell, px, py)
        highest = max(highest, under_m)
        if z + vz * (s + 1) * step < under_m + margin:
            return s, under_m, highest
    return -1, 0.0, highest


STRETCH_SAMPLES = 8  # the line off the nose is bounded a stretch of this many samples at a time
assert PATH_SAMPLES % STRETCH_SAMPLES == 0, "the stretches must tile the look-ahead's samples exactly"
ROUNDING_M = 1e-3  # far more than the walk's rounding can move a sample off its line (< 1e-9 m)


@numba.njit(cache=True, error_model="numpy")
def _first_in_the_way_ahead(
    heights: npt.NDArray[np.float32],
    box_max: npt.NDArray[np.float32],
    ox: float,
    oy: float,
    cell: float,
    x: float,
    y: float,
    z: float,
    vz: float,
    step_x: float,
    step_y: float,
    step: float,
    margin: float,
    z_pulled_out: float,
    highest: float,
) -> tuple[int, float, float]:
    """Along the line off her nose, each sample `step_x`, `step_y` on from the last.

    The line is straight, so the box around a stretch of `STRETCH_SAMPLES` samples is known without
    walking it. A stretch clear of the highest roof under its box, and with a pull-out (`z_pulled_out`)
    over it, holds no sample in the way and none that could ask her to level off, so it is not read. The
    others are walked and read sample by sample, to the bit as a walk of the whole line would."""
    px, py = x, y
    walked = 0
    for first in range(0, PATH_SAMPLES, STRETCH_SAMPLES):
        last = first + STRETCH_SAMPLES - 1
        x_first, x_last = x + (first + 1) * step_x, x + (last + 1) * step_x
        y_first, y_last = y + (first + 1) * step_y, y + (last + 1) * step_y
        bound = highest_under_box(
            box_max,
            ox,
            oy,
            cell,
            min(x_first, x_last) - ROUNDING_M,
            min(y_first, y_last) - ROUNDING_M,
            max(x_first, x_last) + ROUNDING_M,
            max(y_first, y_last) + ROUNDING_M,
        )
        z_lowest = min(z + vz * (first + 1) * step, z + vz * (last + 1) * step)  # the height is linear in s
        if z_lowest >= bound + margin and z_pulled_out >= bound + margin:
            continue
        for _ in range(walked, first):
            px += step_x
            py += step_y
        for s in range(first, last + 1):
            px += step_x
            py += step_y
            under_m = height_at(heights, ox, oy, cell, px, py)
            highest = max(highest, under_m)
            if z + vz * (s + 1) * step < under_m + margin:
                return s, under_m, highest
        walked = last + 1
    return -1, 0.0, highest


def _pull_up_rows(
    rows: I64,
    lookahead_s: F64,
    state: FlightState,
    max_g: F64,
    stall_speed: F64,
    cmd_heading: F64,
    ground: Ground,
    cmd_gamma: F64,
    cmd_throttle: F64,
) -> None:
    """The look-ahead of each craft k (row `rows[k]`, looking `lookahead_s[k]` ahead). Only craft low
    enough to reach a roof within it look. Two paths are sampled `PATH_SAMPLES` times each against the ground under
    them: the turn she is in (`turned_rad`), and the line off her nose (a hard pull-up takes the g from
    the turn, so a pilot who pulls up flies it), each unless a box that holds it is clear of the highest
    roof under it. A path that comes within the margin (more at speed), or a
    craft already below the margin over the highest ground ahead, climbs hard at full throttle: at
    `PULL_UP_RAD`, or steeper where that is what it takes to clear the first thing in the way. One whose
    pull-out from this dive (at 70% of its g, less 1) would cost too much height levels off. Each craft
    writes only its own commands.

    Two tests spare most craft the paths: one above every roof of the theatre, or above every roof
    within the distance she covers in the look-ahead (read from the box around her), needs nothing.

    The paths are walked by `_first_in_the_way_on_the_turn` and `_first_in_the_way_ahead` (which reads
    only the stretches of the line that a roof may reach)."""
    x, y, z, speed, heading, gamma, sin_heading, cos_heading, sin_gamma, cos_gamma = state
    heights, box_max, ox, oy, cell, max_height_m = ground
    for k in numba.prange(len(rows)):
        r = rows[k]
        v, gam, length = speed[r], gamma[r], lookahead_s[k]
        usable_g = max(0.7 * max_g[r] - 1.0, 0.5)
        pull_out_loss = v * v * (1.0 - cos_gamma[r]) / (usable_g * G) if gam < 0 else 0.0
        margin = ROOF_MARGIN_M + 0.1 * v
        reach = v * length
        if not z[r] - pull_out_loss - reach * max(-sin_gamma[r], 0.0) < max_height_m + margin + 1.0:
            continue  # high enough to miss every roof
        ground_speed = v * cos_gamma[r]
        vz = v * sin_gamma[r]
        run = ground_speed * length
        z_low = min(z[r], z[r] + vz * length)
        # Every path she can fly in the look-ahead stays within `run` of her (a metre more for rounding):
        # clear of the highest roof there, and of a pull-out over it, she needs nothing.
        near = highest_under_box(
            box_max, ox, oy, cell, x[r] - run - 1.0, y[r] - run - 1.0, x[r] + run + 1.0, y[r] + run + 1.0
        )
        if z_low >= near + margin and z[r] - pull_out_loss >= near + margin:
            continue
        n = min(max_g[r], (v / stall_speed[r]) ** 2)
        max_rate = G * math.sqrt(max(n * n - 1.0, 0.0)) / max(ground_speed, 1.0)
        error = wrap(cmd_heading[r] - heading[r])
        turn = turned_rad(error, max_rate, length)
        highest = height_at(heights, ox, oy, cell, x[r], y[r])
        climb = z[r] < highest + margin
        steepest = PULL_UP_RAD
        step = length / PATH_SAMPLES
        east0, north0 = sin_heading[r], cos_heading[r]  # the nose
        # The turn, then the line off the nose (one path when she is not turning). A path clear of
        # the highest roof under a box that holds it, and of a pull-out over that roof, is not sampled.
        for path in range(1 if turn == 0.0 else 2):
            swing = turn if path == 0 else 0.0
            chord = heading[r] + 0.5 * swing
            x_end, y_end = x[r] + run * math.sin(chord), y[r] + run * math.cos(chord)
            bow = run * min(abs(swing), 2.0) * 0.5  # the most a path turning `swing` bows out of its chord
            bound = highest_under_box(
                box_max,
                ox,
                oy,
                cell,
                min(x[r], x_end) - bow,
                min(y[r], y_end) - bow,
                max(x[r], x_end) + bow,
                max(y[r], y_end) + bow,
            )
            if z_low >= bound + margin and z[r] - pull_out_loss >= bound + margin:
                continue
            if swing == 0.0:
                s_hit, under_m, highest = _first_in_the_way_ahead(
                    heights, box_max, ox, oy, cell, x[r], y[r], z[r], vz, ground_speed * east0 * step,
                    ground_speed * north0 * step, step, margin, z[r] - pull_out_loss, highest,
                )  # fmt: skip
            else:
                s_hit, under_m, highest = _first_in_the_way_on_the_turn(
                    heights, ox, oy, cell, x[r], y[r], z[r], vz, ground_speed, east0, north0, error, max_rate,
                    step, margin, highest,
                )  # fmt: skip
            if s_hit >= 0:
                # The first thing in the way on this path: climb at least steeply enough to top it.
                climb = True
                clear = math.atan2(under_m + margin - z[r], ground_speed * (s_hit + 1) * step)
                steepest = max(steepest, min(clear, STEEPEST_PULL_UP_RAD))
        level = (z[r] - pull_out_loss < highest + margin) and not climb
        if climb:
            cmd_gamma[r] = max(cmd_gamma[r], steepest)
        elif level:
            cmd_gamma[r] = max(cmd_gamma[r], 0.05)
        if climb or level:
            cmd_throttle[r] = max(cmd_throttle[r], 1.0)


pull_up = threads.twins(_pull_up_rows)


def avoid_ship(world: World, rows: I64, lookahead_s: float = 4.0) -> None:
    """Keep off the mother ship's hull (`_keep_off_the_hull_rows`)."""
    if world.ship_xyz is None or not len(rows):
        return
    keep_off_the_hull(
        world.n,  # threads by the World's size (`engine.threads`)
        rows,
        lookahead_s,
        world.ship_xyz,
        world.ship_half_m,
        world.flight_state(),
        world.cmd_heading_rad,
        world.cmd_gamma_rad,
        world.cmd_throttle,
    )


HULL_SAMPLES = 8  # along the look-ahead


def _keep_off_the_hull_rows(
    rows: I64,
    lookahead_s: float,
    ship: tuple[float, float, float],
    half: tuple[float, float, float],
    state: FlightState,
    cmd_heading: F64,
    cmd_gamma: F64,
    cmd_throttle: F64,
) -> None:
    """A craft whose straight path within the look-ahead (sampled `HULL_SAMPLES` times) comes within
    80 m of the hull's sides or 25 m of its top or bottom goes over the top if it is above the ship's
    middle (skimming the hull is fine, hitting it is not), and otherwise turns away from it and holds
    height; either way at full throttle. Each craft writes only its own commands."""
    x, y, z, speed, _heading, _gamma, sin_heading, cos_heading, sin_gamma, cos_gamma = state
    sx, sy, sz = ship
    hx, hy, hz = half
    for k in numba.prange(len(rows)):
        r = rows[k]
        v = speed[r]
        cg = cos_gamma[r]
        vx = v * cg * sin_heading[r]
        vy = v * cg * cos_heading[r]
        vz = v * sin_gamma[r]
        danger = False
        for j in range(HULL_SAMPLES + 1):
            t = lookahead_s * (j / HULL_SAMPLES)
            fx = x[r] + vx * t - sx
            fy = y[r] + vy * t - sy
            fz = z[r] + vz * t - sz
            if inside_box(fx, fy, fz, hx, hy, hz, 80.0, 25.0):
                danger = True
                break
        if not danger:
            continue
        if z[r] > sz:
            cmd_gamma[r] = max(cmd_gamma[r], PULL_UP_RAD)
        else:
            cmd_gamma[r] = 0.0
            cmd_heading[r] = heading_of(math.atan2(x[r] - sx, y[r] - sy))
        cmd_throttle[r] = max(cmd_throttle[r], 1.0)


keep_off_the_hull = threads.twins(_keep_off_the_hull_rows)
