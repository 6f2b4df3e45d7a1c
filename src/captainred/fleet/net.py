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
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.events import EventKind
from captainred.engine.kinematics import keep_angles, wrap_heading
from captainred.engine.net import absorb, net_centre, through_gap
from captainred.engine.sensing import within_m
from captainred.engine.world import AIR_COMMAND, F64, I64, B, Status, World, emit_battle

# Plain ints for the compiled kernels.
AIRBORNE = int(Status.AIRBORNE)
WAITING, FORM_UP, TRANSIT, RETURN = int(Mode.WAITING), int(Mode.FORM_UP), int(Mode.TRANSIT), int(Mode.RETURN)
CRIPPLED = int(Mode.CRIPPLED)
RAISED, OPENS, CLOSES = 1, 2, 4  # what the net does in a battle this tick (bits of `_near_the_dome`'s news)

APPROACH_BAND_M = 6000.0  # aircraft this far outside the dome, coming or going, have it opened
CRAFT_BLOW_T = 0.05  # what an LGF flying into it costs the net (design value)
BOUNCE_M = 20.0


def tend_net(world: World, active: B, moved: I64, x0: F64, y0: F64, z0: F64) -> None:
    """Raise, part and close the net; hold to it everything that may not cross it this tick (`moved`
    are the rows that flew, from the positions given)."""
    if world.net_radius_m <= 0.0:
        return
    centre = net_centre(world)
    _hold_friendlies(world, centre, moved, x0, y0, z0)
    # Part it for a launch sequence, and for aircraft forming up or coming home near it; what to tell of
    # each battle, and the enemy craft inside the dome, come back marked.
    news = np.empty(world.n_battles, np.int8)
    # A loop over battles that reads every row: threads by the World's size (`engine.threads`).
    marked = _near_the_dome(world.n, arrays_of(world), active, centre, world.net_radius_m, news)
    if not marked:
        return
    scenario = world.plan
    for b in np.flatnonzero(news & RAISED).tolist():
        emit_battle(
            world, b, EventKind.NET_RAISED, radius_m=world.net_radius_m, strength_t=float(world.net_strength_t[b])
        )
    for battle in np.flatnonzero(news & OPENS).tolist():
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
    for battle in np.flatnonzero(news & CLOSES).tolist():
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
        keep_angles(world, np.array([row]))
        absorb(
            world, b, CRAFT_BLOW_T, "craft", row, (float(world.x_m[row]), float(world.y_m[row]), float(world.z_m[row]))
        )


def _near_the_dome_battles(w: WorldArrays, active: B, centre: F64, radius_m: float, news: NDArray[np.int8]) -> int:
    """Per battle: the first of our aircraft in the air within the approach band outside the dome that is
    leaving (waiting, forming up, in transit) or coming home, for whom the net must part (-1: none); and,
    while the net stands in a battle being fought, the enemy craft in the air inside the dome.

    And what the net does in each battle this tick (`news`, bits): it is raised on a battle's first tick;
    it opens where it stands in a battle being fought, is closed, and a launch sequence is running or an
    aircraft is at the gap; it closes where it is open in a battle being fought and neither holds.
    Returns the battles with news and the craft inside the dome, together (0: nothing to tell)."""
    row_start = w.row_start
    row_stop = w.row_stop
    tick = w.tick
    net_up = w.net_up
    net_open = w.net_open
    all_clear_s = w.all_clear_s
    status = w.status
    side = w.side
    mode = w.mode
    x = w.x_m
    y = w.y_m
    z = w.z_m
    first_at_gap = w.first_at_gap
    inside_net = w.inside_net
    marked = 0
    for b in numba.prange(len(row_start)):
        first_at_gap[b] = -1
        cx, cy = centre[b, 0], centre[b, 1]
        inside = 0
        for r in range(row_start[b], row_stop[b]):
            if status[r] != AIRBORNE:
                continue
            dx, dy = x[r] - cx, y[r] - cy
            if side[r] == AIR_COMMAND:
                at_gap = mode[r] == WAITING or mode[r] == FORM_UP or mode[r] == TRANSIT or mode[r] == RETURN
                if first_at_gap[b] < 0 and at_gap and within_m(dx, dy, radius_m + APPROACH_BAND_M):
                    first_at_gap[b] = r
            elif active[b] and net_up[b]:
                z_up = max(z[r], 0.0)
                inside_net[r] = math.sqrt(dx * dx + dy * dy + z_up**2) < radius_m
                if inside_net[r]:
                    inside += 1
        launching = False
        for c in range(all_clear_s.shape[1]):
            if math.isfinite(all_clear_s[b, c]):
                launching = True
        wanted = active[b] and net_up[b] and (launching or first_at_gap[b] >= 0)
        told = 0
        if active[b] and tick[b] == 1:
            told |= RAISED
        if wanted and not net_open[b]:
            told |= OPENS
        if active[b] and net_open[b] and not wanted:
            told |= CLOSES
        news[b] = told
        marked += inside + (told != 0)
    return marked


_near_the_dome = threads.twins(_near_the_dome_battles)


def _hold_friendlies(world: World, centre: F64, moved: I64, x0: F64, y0: F64, z0: F64) -> None:
    """Our own aircraft cross the net only through the gap while it is open; one that meets it anywhere
    else is held at it (put back where it was, turned about). A crippled aircraft is not held: it goes down
    where it is."""
    meeting = _meeting_the_net(moved, x0, y0, z0, arrays_of(world), centre, world.net_radius_m)
    if not len(meeting):
        return
    moved, x0, y0, z0 = moved[meeting], x0[meeting], y0[meeting], z0[meeting]
    battle = world.battle[moved].astype(np.int64)
    x1, y1 = world.x_m[moved], world.y_m[moved]
    gap = world.plan.net.gap_m
    allowed = world.net_open[battle] & through_gap(world, battle, x1, y1, gap) & through_gap(world, battle, x0, y0, gap)
    held = np.flatnonzero(~allowed)
    rows = moved[held]
    world.x_m[rows], world.y_m[rows], world.z_m[rows] = x0[held], y0[held], z0[held]
    world.heading_rad[rows] = wrap_heading(world.heading_rad[rows] + np.pi)
    keep_angles(world, rows)


@numba.njit(cache=True, error_model="numpy")
def _meeting_the_net(moved: I64, x0: F64, y0: F64, z0: F64, w: WorldArrays, centre: F64, radius_m: float) -> I64:
    """Of the rows that flew (`moved`, from x0, y0, z0), our aircraft (not crippled) whose move took them
    across a standing net, in or out: the index of each in `moved`, in order. A point is inside when its
    distance from the dome's centre at sea level (its height counted from sea level up) is under the
    radius."""
    side, mode, battle, x, y, z, net_up = w.side, w.mode, w.battle, w.x_m, w.y_m, w.z_m, w.net_up
    meeting = np.empty(len(moved), np.int64)
    found = 0
    for k in range(len(moved)):
        r = moved[k]
        if side[r] != AIR_COMMAND or mode[r] == CRIPPLED or not net_up[battle[r]]:
            continue
        cx, cy = centre[battle[r], 0], centre[battle[r], 1]
        dx0, dy0, up0 = x0[k] - cx, y0[k] - cy, max(z0[k], 0.0)
        dx1, dy1, up1 = x[r] - cx, y[r] - cy, max(z[r], 0.0)
        r0 = math.sqrt(dx0 * dx0 + dy0 * dy0 + up0 * up0)
        r1 = math.sqrt(dx1 * dx1 + dy1 * dy1 + up1 * up1)
        if (r0 < radius_m) != (r1 < radius_m):
            meeting[found] = k
            found += 1
    return meeting[:found]
