"""Flying in formation, compiled: off the bow, forming up, setting out and keeping station.

Each squadron's leader is its lowest row among the pilots forming up or in transit. The battle's first
squadron leader leads everyone (a relay's leader leads herself): she circles outside the net while the
squadrons form, then flies the route and makes for the mission at cruise height. The other squadrons'
leaders keep station on her, and each wingman holds a slot echeloned to her squadron's side of her
leader. `air_command.py` calls `fly_formation` among its rules; a radial patrol's circuit is
`sortie.fly_the_circuit`'s.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from captainred.doctrine.modes import Mode
from captainred.doctrine.steering import aim, orbit_point
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.kinematics import cruise_setting
from captainred.engine.sensing import within_m
from captainred.engine.world import F64, I32, I64, World

FORM_UP, TRANSIT = int(Mode.FORM_UP), int(Mode.TRANSIT)
SLOT_SPACING_RIGHT_M = 110.0
SLOT_SPACING_BACK_M = 70.0
STATION_LEAD_S = 2.0  # a pilot keeping station aims where her slot will be this far ahead
FORM_UP_RADIUS_M = 4000.0
FORM_UP_ALTITUDE_M = 1500.0
FORM_UP_OUTSIDE_M = 6000.0  # the form-up orbit's centre, this far beyond the net along the gap's line
CLIMB_OUT_S = 20.0
WAYPOINT_REACHED_M = 2500.0


@numba.njit(cache=True, error_model="numpy")
def station_point(
    leader_x: float,
    leader_y: float,
    leader_heading: float,
    leader_speed: float,
    side: float,
    right_slots: float,
    back_slots: float,
) -> tuple[float, float]:
    """Where a pilot keeping station aims: her slot, `right_slots` to the squadron's side (`side`, +1
    starboard, -1 port) and `back_slots` behind her leader, where it will be `STATION_LEAD_S` on."""
    fx, fy = math.sin(leader_heading), math.cos(leader_heading)
    right = side * SLOT_SPACING_RIGHT_M * right_slots
    back = SLOT_SPACING_BACK_M * back_slots
    px = leader_x + right * fy - back * fx + fx * leader_speed * STATION_LEAD_S
    py = leader_y - right * fx - back * fy + fy * leader_speed * STATION_LEAD_S
    return px, py


@numba.njit(cache=True, error_model="numpy")
def keep_station_row(
    r: int,
    leader: int,
    side: float,
    right_slots: float,
    back_slots: float,
    x: F64,
    y: F64,
    z: F64,
    speed: F64,
    heading: F64,
    cruise_speed: F64,
    max_speed: F64,
    cmd_heading: F64,
    cmd_gamma: F64,
    cmd_throttle: F64,
) -> None:
    """Row r flies her slot (`station_point`), at the height of her leader, and opens or closes the
    throttle by how far ahead of or behind the slot she is."""
    px, py = station_point(x[leader], y[leader], heading[leader], speed[leader], side, right_slots, back_slots)
    cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], px, py, z[leader], 400.0)
    fx, fy = math.sin(heading[leader]), math.cos(heading[leader])
    along = (px - x[r]) * fx + (py - y[r]) * fy - speed[leader] * STATION_LEAD_S
    cmd_throttle[r] = min(max(cruise_setting(cruise_speed[r], max_speed[r]) + 0.004 * along, 0.2), 1.1)


def keep_station(world: World, rows: I64, leader: I64, right_slots: F64, back_slots: F64) -> None:
    """Each of `rows` flies a slot beside and behind her leader (`station_point`)."""
    _keep_station_rows(
        np.ascontiguousarray(rows, dtype=np.int64),
        np.ascontiguousarray(leader, dtype=np.int64),
        np.ascontiguousarray(right_slots, dtype=np.float64),
        np.ascontiguousarray(back_slots, dtype=np.float64),
        flight_sides(world),
        world.squadron,
        world.squadrons_per_battle,
        world.x_m,
        world.y_m,
        world.z_m,
        world.speed_mps,
        world.heading_rad,
        world.cruise_speed_mps,
        world.max_speed_mps,
        world.cmd_heading_rad,
        world.cmd_gamma_rad,
        world.cmd_throttle,
    )


def flight_sides(world: World) -> F64:
    """Per squadron order: the side its slots are to, +1 starboard, -1 port."""
    return world.flight_sides


@numba.njit(cache=True, error_model="numpy")
def _keep_station_rows(
    rows: I64,
    leader: I64,
    right_slots: F64,
    back_slots: F64,
    sides: F64,
    squadron: I32,
    squadrons_per_battle: int,
    x: F64,
    y: F64,
    z: F64,
    speed: F64,
    heading: F64,
    cruise_speed: F64,
    max_speed: F64,
    cmd_heading: F64,
    cmd_gamma: F64,
    cmd_throttle: F64,
) -> None:
    for k in range(len(rows)):
        r = rows[k]
        side = sides[squadron[r] % squadrons_per_battle]
        keep_station_row(
            r,
            leader[k],
            side,
            right_slots[k],
            back_slots[k],
            x,
            y,
            z,
            speed,
            heading,
            cruise_speed,
            max_speed,
            cmd_heading,
            cmd_gamma,
            cmd_throttle,
        )


def fly_formation(world: World, up: I64, centre: F64, bearing: F64) -> I64:
    """Every pilot of `up` forming up or in transit flies her part of the formation
    (`_fly_formation_rows`). Returns the battles' leaders setting out on a radial patrol, whose circuit
    the caller flies. The fleet's centre, which is the net's, and the bearing on which the net parts
    are given per battle."""
    mission = world.plan.mission
    route = np.array(mission.waypoints_m, dtype=np.float64).reshape(-1, 2)
    target = mission.target_m
    circuits = np.empty(len(up), dtype=np.int64)
    n = _fly_formation_rows(
        np.ascontiguousarray(up, dtype=np.int64),
        world.n_battles * world.squadrons_per_battle,
        world.n_battles,
        world.squadrons_per_battle,
        flight_sides(world),
        mission.type == "radial_patrol",
        target is not None,
        float(target[0]) if target is not None else 0.0,
        float(target[1]) if target is not None else 0.0,
        route,
        float(mission.cruise_altitude_m),
        float(world.net_radius_m),
        centre,
        bearing,
        arrays_of(world),
        circuits,
    )
    return circuits[:n]


@numba.njit(cache=True, error_model="numpy")
def _fly_formation_rows(
    up: I64,
    n_squadrons: int,
    n_battles: int,
    squadrons_per_battle: int,
    sides: F64,
    radial_patrol: bool,
    has_target: bool,
    target_x: float,
    target_y: float,
    route: F64,
    cruise_altitude_m: float,
    net_radius_m: float,
    fleet_centre: F64,
    gap_bearing: F64,
    w: WorldArrays,
    circuits: I64,
) -> int:
    """The formation, pilot by pilot (rows of `up` forming up or in transit):

    - just off the bow (`CLIMB_OUT_S` into forming up): straight ahead, climbing at full throttle;
    - the battle's leader: forming up, she circles `FORM_UP_OUTSIDE_M` beyond the net along the gap's
      line (or round her carrier where there is no net) at 80% of the cruise setting; setting out, she
      flies the route's waypoints (one reached within `WAYPOINT_REACHED_M` moves her whole squadron on
      to the next), then for the mission's target (or, with none, the fleet) at cruise height and the
      cruise setting; on a radial patrol her circuit is the caller's (marked in `circuits`);
    - another squadron's leader: a station 3.5 slots out and 2.5 back per squadron after the first;
    - a wingman: her slot in the squadron's echelon (`station_point`).

    Returns how many leaders were marked in `circuits`."""
    mode, mode_since_s, time_s, battle, squadron, slot = w.mode, w.mode_since_s, w.time_s, w.battle, w.squadron, w.slot
    sorties, home_carrier, carrier_xy, waypoint = w.sorties, w.home_carrier, w.carrier_xy, w.waypoint
    row_start, row_stop, x, y, z, speed, heading = (
        w.row_start,
        w.row_stop,
        w.x_m,
        w.y_m,
        w.z_m,
        w.speed_mps,
        w.heading_rad,
    )
    cruise_speed, max_speed = w.cruise_speed_mps, w.max_speed_mps
    cmd_heading, cmd_gamma, cmd_throttle = w.cmd_heading_rad, w.cmd_gamma_rad, w.cmd_throttle
    leaders = np.full(n_squadrons, -1, dtype=np.int64)  # per squadron, its lowest row in formation
    for k in range(len(up)):
        r = up[k]
        if (mode[r] == FORM_UP or mode[r] == TRANSIT) and leaders[squadron[r]] < 0:
            leaders[squadron[r]] = r
    # Off the bow; and the first squadron leader of each battle among those who are not.
    first = np.full(n_battles, -1, dtype=np.int64)
    off_the_bow = np.zeros(len(up), dtype=np.bool_)
    for k in range(len(up)):
        r = up[k]
        if mode[r] != FORM_UP and mode[r] != TRANSIT:
            continue
        if mode[r] == FORM_UP and time_s[battle[r]] - mode_since_s[r] < CLIMB_OUT_S:
            cmd_heading[r] = heading[r]
            cmd_gamma[r] = 0.15
            cmd_throttle[r] = 1.0
            off_the_bow[k] = True
        elif leaders[squadron[r]] == r and first[battle[r]] < 0:
            first[battle[r]] = r
    n = 0
    for k in range(len(up)):
        r = up[k]
        if (mode[r] != FORM_UP and mode[r] != TRANSIT) or off_the_bow[k]:
            continue
        b, sq = battle[r], squadron[r]
        lead = leaders[sq]
        order = sq % squadrons_per_battle
        side = sides[order]
        if lead != r:
            rank = float(slot[r] - slot[lead])
            keep_station_row(
                r, lead, side, rank, rank, x, y, z, speed, heading, cruise_speed, max_speed, cmd_heading, cmd_gamma,
                cmd_throttle,
            )  # fmt: skip
        elif first[b] == r or sorties[r] > 1:  # the battle's leader (a relay's leader leads herself)
            forming = mode[r] == FORM_UP
            if forming:
                if net_radius_m > 0:
                    reach = net_radius_m + FORM_UP_OUTSIDE_M
                    fx = fleet_centre[b, 0] + reach * math.sin(gap_bearing[b])
                    fy = fleet_centre[b, 1] + reach * math.cos(gap_bearing[b])
                else:
                    fx, fy = carrier_xy[b, home_carrier[r], 0], carrier_xy[b, home_carrier[r], 1]
                px, py = orbit_point(x[r], y[r], fx, fy, FORM_UP_RADIUS_M, True)
                cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], px, py, FORM_UP_ALTITUDE_M, 1500.0)
            elif radial_patrol:
                circuits[n] = r
                n += 1
            else:
                tx, ty = (target_x, target_y) if has_target else (fleet_centre[b, 0], fleet_centre[b, 1])
                at = waypoint[r]
                if at < len(route):
                    tx, ty = route[at, 0], route[at, 1]
                    if within_m(x[r] - tx, y[r] - ty, WAYPOINT_REACHED_M):
                        for m in range(row_start[b], row_stop[b]):
                            if squadron[m] == sq:
                                waypoint[m] = at + 1
                cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], tx, ty, cruise_altitude_m, 8000.0)
            cmd_throttle[r] = cruise_setting(cruise_speed[r], max_speed[r]) * (0.8 if forming else 1.0)
        else:  # another squadron's leader keeps station on the battle's
            keep_station_row(
                r, first[b], side, order * 3.5, 2.5 * order, x, y, z, speed, heading, cruise_speed, max_speed,
                cmd_heading, cmd_gamma, cmd_throttle,
            )  # fmt: skip
    return n
