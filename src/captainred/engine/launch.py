"""Putting a craft into the air, wherever it comes from: a carrier's bow or a door in the ship's side."""

from __future__ import annotations

from typing import Any

import numpy as np

from captainred.engine.events import EventKind
from captainred.engine.kinematics import keep_angles, wrap_heading
from captainred.engine.world import F64, I64, Status, World, emit
from captainred.scenario.sides import side_name


def put_in_air(world: World, rows: I64, x: F64, y: F64, z: F64, heading: F64, speed: F64, base: str) -> None:
    """Rows go from READY to AIRBORNE at the given places, each with a LAUNCH event."""
    if not len(rows):
        return
    world.status[rows] = Status.AIRBORNE
    world.x_m[rows], world.y_m[rows], world.z_m[rows] = x, y, z
    world.heading_rad[rows] = heading
    world.cmd_heading_rad[rows] = heading
    world.speed_mps[rows] = speed
    world.gamma_rad[rows] = 0.0
    keep_angles(world, rows)
    world.cmd_throttle[rows] = 1.0
    world.mode_since_s[rows] = world.time_s[world.battle[rows]]
    scenario = world.scenario
    for row in rows.tolist():
        order = int(world.squadron[row]) % world.squadrons_per_battle if world.squadron[row] >= 0 else -1
        kind = world.types[int(world.type_index[row])]
        if order >= 0:
            squadron = world.plan.squadrons[order]
            pilot = scenario.crews[order][int(world.slot[row])]
            details: dict[str, Any] = dict(
                squadron=squadron.id,
                squadron_name=scenario.catalog.squadrons[squadron.id].name,
                pilot=pilot.name,
                nickname=pilot.nickname,
            )
        else:
            details = dict(squadron="", squadron_name="", pilot="", nickname=None)
        if world.sorties[row] > 0:  # out again (a relay, or an LGF rearmed): which sortie of the day
            details["sortie"] = int(world.sorties[row]) + 1
        emit(
            world,
            row,
            EventKind.LAUNCH,
            side=side_name(int(world.side[row])),
            type=kind.name,
            callsign=world.callsigns[row],
            photo=bool(world.camera[row]),
            base=base,
            **details,
        )


def heading_to(x0: F64, y0: F64, x1: F64 | float, y1: F64 | float) -> F64:
    """Compass heading (rad, clockwise from north) from one point to another."""
    return wrap_heading(np.arctan2(np.asarray(x1) - x0, np.asarray(y1) - y0))
