"""The camera on a photo aircraft: a picture at intervals whenever the target is in view.

Photos are film in the aircraft until it gets home; only a recovery turns them into intelligence.
"""

from __future__ import annotations

import numpy as np

from captainred.engine.events import EventKind
from captainred.engine.kinematics import wrap_angle
from captainred.engine.world import B, Status, World, emit

FIELD_OF_VIEW_RAD = np.radians(80.0)


def take_photos(
    world: World,
    active: B,
    target_xy: tuple[float, float],
    target_z: float,
    photo_range_m: float,
    interval_s: float,
) -> None:
    ours = world.air_command_rows  # only Air Command's photo aircraft carry cameras
    ours = ours[active[ours] & world.camera[ours]]
    now = world.time_s[world.battle[ours]]
    ready = (world.status[ours] == int(Status.AIRBORNE)) & (now >= world.next_photo_s[ours]) & ~world.spinning[ours]
    idx = ours[ready & (world.blackout_s[ours] <= 0) & ~world.pilot_dead[ours]]
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
