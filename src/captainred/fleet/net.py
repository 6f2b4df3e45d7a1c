"""Tending the net: raised over the fleet at the start, parted for aircraft to file out and back, and
closed behind them; enemy craft that fly at it are turned back and their blows absorbed.

Friendly aircraft pass only while it is open (it opens for a launch sequence and for aircraft coming
home); the gap's bearing and width are reported, not flown through one at a time.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.doctrine.modes import Mode
from captainred.engine import threads
from captainred.engine.events import EventKind
from captainred.engine.kinematics import wrap_heading
from captainred.engine.net import absorb, net_centre, through_gap
from captainred.engine.world import AIR_COMMAND, F64, I64, B, Status, World, emit_battle

# Plain ints for the compiled kernels.
AIRBORNE = int(Status.AIRBORNE)
WAITING, FORM_UP, TRANSIT, RETURN = int(Mode.WAITING), int(Mode.FORM_UP), int(Mode.TRANSIT), int(Mode.RETURN)

APPROACH_BAND_M = 6000.0  # aircraft this far outside the dome, coming or going, have it opened
CRAFT_BLOW_T = 0.05  # what an LGF flying into it costs the net (design value)
BOUNCE_M = 20.0


def tend_net(world: World, active: B, moved: I64, x0: F64, y0: F64, z0: F64) -> None:
    """Raise, part and close the net; hold to it everything that may not cross it this tick (`moved`
    are the rows that flew, from the positions given)."""
    if world.net_radius_m <= 0.0:
        return
    _hold_friendlies(world, moved, x0, y0, z0)
    scenario = world.plan
    centre = net_centre(world)
    for b in np.flatnonzero(active & (world.tick == 1)).tolist():
        emit_battle(
            world, b, EventKind.NET_RAISED, radius_m=world.net_radius_m, strength_t=float(world.net_strength_t[b])
        )

    # Part it for a launch sequence, and for aircraft forming up or coming home near it.
    _near_the_dome(
        world.n_battles,
        world.row_start,
        world.row_stop,
        active,
        world.net_up,
        world.status,
        world.side,
        world.mode,
        world.x_m,
        world.y_m,
        world.z_m,
        centre,
        world.net_radius_m,
        world.first_at_gap,
        world.inside_net,
    )
    launching = np.isfinite(world.all_clear_s).any(axis=1)
    wanted = active & world.net_up & (launching | (world.first_at_gap >= 0))
    for battle in np.flatnonzero(wanted & ~world.net_open).tolist():
        row = int(world.first_at_gap[battle])
        if row >= 0:
            dx0, dy0 = world.x_m[row] - centre[battle, 0], world.y_m[row] - centre[battle, 1]
            bearing = float(np.degrees(np.arctan2(dx0, dy0)) % 360)
            reason = "recovery" if world.mode[row] == int(Mode.RETURN) else "launch"
        else:
            bearing, reason = scenario.fleet.course_deg, "launch"
        world.net_open[battle] = True
        emit_battle(
            world, battle, EventKind.NET_OPENED, bearing_deg=float(bearing), gap_m=scenario.net.gap_m, reason=reason
        )
    for battle in np.flatnonzero(active & world.net_open & ~wanted).tolist():
        world.net_open[battle] = False
        emit_battle(world, battle, EventKind.NET_CLOSED)

    # Enemy craft cannot pass: one that flies into the dome is thrown back out, and the net takes the blow.
    for row in np.flatnonzero(world.inside_net).tolist():
        world.inside_net[row] = False
        b = int(world.battle[row])
        dx, dy = world.x_m[row] - centre[b, 0], world.y_m[row] - centre[b, 1]
        radial = math.sqrt(dx * dx + dy * dy + max(float(world.z_m[row]), 0.0) ** 2)
        scale = (world.net_radius_m + BOUNCE_M) / max(radial, 1.0)
        world.x_m[row] = centre[b, 0] + dx * scale
        world.y_m[row] = centre[b, 1] + dy * scale
        world.z_m[row] = max(float(world.z_m[row]) * scale, 0.0)
        world.heading_rad[row] = wrap_heading(world.heading_rad[row] + np.pi)
        absorb(
            world, b, CRAFT_BLOW_T, "craft", row, (float(world.x_m[row]), float(world.y_m[row]), float(world.z_m[row]))
        )


def _near_the_dome_battles(
    row_start: I64,
    row_stop: I64,
    active: B,
    net_up: B,
    status: NDArray[np.int8],
    side: NDArray[np.int8],
    mode: NDArray[np.int8],
    x: F64,
    y: F64,
    z: F64,
    centre: F64,
    radius_m: float,
    first_at_gap: I64,
    inside_net: B,
) -> None:
    """Per battle: the first of our aircraft in the air within the approach band outside the dome that is
    leaving (waiting, forming up, in transit) or coming home, for whom the net must part (-1: none); and,
    while the net stands in a battle being fought, the enemy craft in the air inside the dome."""
    for b in numba.prange(len(row_start)):
        first_at_gap[b] = -1
        cx, cy = centre[b, 0], centre[b, 1]
        for r in range(row_start[b], row_stop[b]):
            if status[r] != AIRBORNE:
                continue
            dx, dy = x[r] - cx, y[r] - cy
            if side[r] == AIR_COMMAND:
                at_gap = mode[r] == WAITING or mode[r] == FORM_UP or mode[r] == TRANSIT or mode[r] == RETURN
                if first_at_gap[b] < 0 and at_gap and math.hypot(dx, dy) < radius_m + APPROACH_BAND_M:
                    first_at_gap[b] = r
            elif active[b] and net_up[b]:
                z_up = max(z[r], 0.0)
                inside_net[r] = math.sqrt(dx * dx + dy * dy + z_up**2) < radius_m


_near_the_dome = threads.twins(_near_the_dome_battles)


def _hold_friendlies(world: World, moved: I64, x0: F64, y0: F64, z0: F64) -> None:
    """Our own aircraft cross the net only through the gap while it is open; one that meets it anywhere
    else is held at it (put back where it was, turned about). A crippled aircraft is not held: it goes down
    where it is."""
    ours = (world.side[moved] == AIR_COMMAND) & (world.mode[moved] != int(Mode.CRIPPLED))
    moved, x0, y0, z0 = moved[ours], x0[ours], y0[ours], z0[ours]
    if not len(moved):
        return
    battle = world.battle[moved].astype(np.int64)
    centre = net_centre(world)[battle]
    r0 = np.sqrt((x0 - centre[:, 0]) ** 2 + (y0 - centre[:, 1]) ** 2 + np.maximum(z0, 0.0) ** 2)
    x1, y1, z1 = world.x_m[moved], world.y_m[moved], world.z_m[moved]
    r1 = np.sqrt((x1 - centre[:, 0]) ** 2 + (y1 - centre[:, 1]) ** 2 + np.maximum(z1, 0.0) ** 2)
    meeting = np.flatnonzero(((r0 < world.net_radius_m) != (r1 < world.net_radius_m)) & world.net_up[battle])
    if not len(meeting):
        return
    battle, x0, y0, z0, x1, y1 = battle[meeting], x0[meeting], y0[meeting], z0[meeting], x1[meeting], y1[meeting]
    gap = world.plan.net.gap_m
    allowed = world.net_open[battle] & through_gap(world, battle, x1, y1, gap) & through_gap(world, battle, x0, y0, gap)
    held = np.flatnonzero(~allowed)
    rows = moved[meeting[held]]
    world.x_m[rows], world.y_m[rows], world.z_m[rows] = x0[held], y0[held], z0[held]
    world.heading_rad[rows] = wrap_heading(world.heading_rad[rows] + np.pi)
