"""The net's geometry: a dome of light on the fleet's centre, moving with it.

The engine owns where the dome is and what is inside it; the fleet (`captainred.fleet.net`) decides when
it parts and keeps its strength. Something is inside the dome when its distance from the fleet's centre
at sea level is less than the radius.
"""

from __future__ import annotations

import numpy as np

from captainred.engine.events import Event, EventKind
from captainred.engine.world import F64, I64, B, World, fleet_centre


def net_centre(world: World) -> F64:
    """(n_battles, 2): the dome's centre, which is the fleet's: the net moves with the fleet."""
    return fleet_centre(world)


def inside_net(world: World, battle: I64, x: F64, y: F64, z: F64) -> B:
    """Whether points (one per battle index given) lie under a standing net."""
    if world.net_radius_m <= 0.0:
        return np.zeros(len(battle), dtype=bool)
    centre = net_centre(world)[battle]
    r = np.sqrt((x - centre[:, 0]) ** 2 + (y - centre[:, 1]) ** 2 + np.maximum(z, 0.0) ** 2)
    inside: B = (r < world.net_radius_m) & world.net_up[battle]
    return inside


def across_net(world: World, shooter: I64, target: I64) -> B:
    """Whether the net stands between two craft of the same battle (one inside it, one outside)."""
    b = world.battle[shooter].astype(np.int64)
    a = inside_net(world, b, world.x_m[shooter], world.y_m[shooter], world.z_m[shooter])
    t = inside_net(world, b, world.x_m[target], world.y_m[target], world.z_m[target])
    across: B = a != t
    return across


def absorb(
    world: World,
    battle: int,
    energy_t: float,
    what: str,
    actor_row: int = -1,
    position_m: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> None:
    """The net takes a blow: its strength falls by the blow's energy; spent, it gives way."""
    if not world.net_up[battle]:
        return
    left = max(float(world.net_strength_t[battle]) - energy_t, 0.0)
    world.net_strength_t[battle] = left
    log = world.logs[battle]
    tick, time_s = int(world.tick[battle]), float(world.time_s[battle])
    actor = int(world.craft[actor_row]) if actor_row >= 0 else -1
    log.append(
        Event(
            tick,
            time_s,
            EventKind.NET_HIT,
            actor=actor,
            position_m=position_m,
            details={"what": what, "energy_t": energy_t, "strength_left_t": left},
        )
    )
    if left <= 0.0:
        world.net_up[battle] = False
        log.append(Event(tick, time_s, EventKind.NET_BROKEN, details={"strength_left_t": left}))


def gap_bearing(world: World, centre: F64 | None = None) -> F64:
    """(n_battles,): the bearing from the dome's centre at which the net parts: toward the mission's
    target, or for a patrol of the fleet, ahead along its course. `centre`: the dome's centres, if the
    caller has them this tick."""
    scenario = world.plan
    if centre is None:
        centre = net_centre(world)
    target = scenario.mission.target_m
    if target is None:
        return np.full(world.n_battles, np.radians(scenario.fleet.course_deg))
    bearing: F64 = np.arctan2(target[0] - centre[:, 0], target[1] - centre[:, 1])
    return bearing


def on_gap_line(world: World, battle: I64, radius_m: F64) -> tuple[F64, F64]:
    """Points on the line out through the gap, at these distances from the dome's centre."""
    centre = net_centre(world)[battle]
    bearing = gap_bearing(world)[battle]
    return centre[:, 0] + radius_m * np.sin(bearing), centre[:, 1] + radius_m * np.cos(bearing)


def through_gap(world: World, battle: I64, x: F64, y: F64, gap_m: float) -> B:
    """Whether points lie within the gap's width of the line out through it (on the gap's side)."""
    centre = net_centre(world)[battle]
    bearing = gap_bearing(world)[battle]
    dx, dy = x - centre[:, 0], y - centre[:, 1]
    along = dx * np.sin(bearing) + dy * np.cos(bearing)
    across = dx * np.cos(bearing) - dy * np.sin(bearing)
    inside: B = (along > 0) & (np.abs(across) <= gap_m / 2)
    return inside
