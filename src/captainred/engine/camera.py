"""The camera on a photo aircraft: a picture at intervals whenever the target is in view.

Photos are film in the aircraft until it gets home; only a recovery turns them into intelligence.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.events import EventKind
from captainred.engine.kinematics import wrap, wrap_angle
from captainred.engine.world import I64, B, Status, World, emit

FIELD_OF_VIEW_RAD = np.radians(80.0)
AIRBORNE = int(Status.AIRBORNE)  # a plain int for the compiled kernel


def take_photos(
    world: World,
    active: B,
    target_xy: tuple[float, float],
    target_z: float,
    photo_range_m: float,
    interval_s: float,
) -> None:
    idx = _may_take_photos(
        world.air_command_rows,  # only Air Command's photo aircraft carry cameras
        active,
        arrays_of(world),
        target_xy[0],
        target_xy[1],
        target_z,
        photo_range_m,
    )
    if not len(idx):
        return
    dx = target_xy[0] - world.x_m[idx]
    dy = target_xy[1] - world.y_m[idx]
    dz = target_z - world.z_m[idx]
    range_m = np.sqrt(dx * dx + dy * dy + dz * dz)
    bearing = np.arctan2(dx, dy)
    off = np.abs(wrap_angle(bearing - world.heading_rad[idx]))
    in_view = (range_m < photo_range_m) & ((off < FIELD_OF_VIEW_RAD) | (np.hypot(dx, dy) < 0.5 * photo_range_m))
    for row in idx[in_view].tolist():
        world.photos[row] += 1
        world.next_photo_s[row] = world.time_s[world.battle[row]] + interval_s
        emit(
            world,
            row,
            EventKind.PHOTO,
            callsign=world.callsigns[row],
            number=int(world.photos[row]),
            range_m=float(np.hypot(target_xy[0] - world.x_m[row], target_xy[1] - world.y_m[row])),
        )


# A picture's view is settled in the kernel unless it falls this close to the edge of the field of view or
# of the overhead circle: the compiled `atan2` and `hypot` and NumPy's may differ in the last bit, and
# NumPy's arithmetic (`take_photos`) settles such a one.
CLOSE_CALL = 1e-9


@numba.njit(cache=True, error_model="numpy")
def _may_take_photos(
    ours: I64,
    active: B,
    w: WorldArrays,
    target_x: float,
    target_y: float,
    target_z: float,
    photo_range_m: float,
) -> I64:
    """The photo aircraft (of `ours`) that may take a picture now, in order: in a battle being fought, in
    the air, due another, not spinning, her pilot awake and alive, the target within the camera's range
    and in view (`take_photos`' test), or too close to the edge of the view to call here (`CLOSE_CALL`).
    One in range but surely out of view (circling the target with it behind her) is left out, so the
    common tick, when none is taking a picture, costs Python nothing."""
    camera, status, battle, time_s, next_photo_s = w.camera, w.status, w.battle, w.time_s, w.next_photo_s
    spinning, blackout_s, pilot_dead, x, y, z = w.spinning, w.blackout_s, w.pilot_dead, w.x_m, w.y_m, w.z_m
    heading = w.heading_rad
    may = np.empty(len(ours), np.int64)
    n = 0
    for r in ours:
        if not (active[r] and camera[r] and status[r] == AIRBORNE and time_s[battle[r]] >= next_photo_s[r]):
            continue
        if spinning[r] or blackout_s[r] > 0 or pilot_dead[r]:
            continue
        dx, dy, dz = target_x - x[r], target_y - y[r], target_z - z[r]
        if not math.sqrt(dx * dx + dy * dy + dz * dz) < photo_range_m:
            continue  # out of range: the same sum and square root as `take_photos`, to the bit
        off = abs(wrap(math.atan2(dx, dy) - heading[r]))
        if off >= FIELD_OF_VIEW_RAD + CLOSE_CALL and math.hypot(dx, dy) >= 0.5 * photo_range_m + CLOSE_CALL:
            continue  # surely out of view
        may[n] = r
        n += 1
    return may[:n]
