"""The sortie's transitions: what moves Air Command's pilots from one mode to the next (checking in off
the deck, forming up, contact, a patrol's circuit, turning for home, a wingman sent to cover), what they
say when it does, and the mission's radio discipline that every call keeps.

Each transition finds its pilots among those in the air (`up`, ascending) and runs only when somebody is in
the mode it concerns (`air_command.decide_air_command` keeps the census); its events and radio calls are
written here, in Python, for the few it moves.
"""

from __future__ import annotations

import numba
import numpy as np

from captainred.doctrine.fighting import cover_out
from captainred.doctrine.modes import Mode, mode_in
from captainred.doctrine.piloting import (
    HOME_AMMUNITION,
    HOME_DAMAGE,
    HOME_FUEL,
    HOME_PHOTOS,
    HOME_TIME,
    going_home,
)
from captainred.doctrine.steering import orbit, steer_to
from captainred.engine.events import EventKind
from captainred.engine.kinematics import wrap_angle
from captainred.engine.radio import start_call
from captainred.engine.sensing import Picture, nearest_enemy_range_m
from captainred.engine.world import F64, I32, I64, Flag, Status, World, emit, fleet_centre

CONTACT_RANGE_M = 14000.0
POSITION_REPORT_S = 600.0  # a leader's position report in transit, when the discipline allows chatter


def may_say(radio: str, essential: bool, mayday: bool) -> bool:
    """The mission's radio discipline: everything under `normal`, only essential calls (check-ins,
    contact, heading home) and maydays under `essential`, nothing but maydays under `silence`."""
    return mayday or radio == "normal" or (radio == "essential" and essential)


def say(world: World, row: int, text: str, essential: bool = True, mayday: bool = False) -> None:
    """A pilot's call on the radio, if the mission's discipline lets it go out (`may_say`)."""
    if may_say(world.plan.mission.radio, essential, mayday):
        start_call(world, row, text, mayday=mayday)


def set_mode(world: World, rows: I64, mode: Mode) -> None:
    """Put pilots in a mode, from now."""
    world.mode[rows] = mode
    world.mode_since_s[rows] = world.time_s[world.battle[rows]]


def in_mode(world: World, up: I64, mode: Mode) -> I64:
    """The rows of `up` in this mode."""
    rows: I64 = up[world.mode[up] == int(mode)]
    return rows


def check_in(world: World, up: I64) -> None:
    """Off the deck: check in, and form up with the squadron; a relay out again flies straight for the
    mission (the squadron formed up long ago)."""
    fresh = in_mode(world, up, Mode.WAITING)
    if not len(fresh):
        return
    relay = world.sorties[fresh] > 1
    set_mode(world, fresh[~relay], Mode.FORM_UP)
    set_mode(world, fresh[relay], Mode.TRANSIT)
    for row in fresh.tolist():
        say(world, row, f"{world.callsigns[row]}, check.")


def squadron_leaders(world: World, members: I64) -> I64:
    """Per squadron, the lowest row among `members` (the leader), or -1 (`lowest_of_squadrons`)."""
    leaders = np.full(world.n_battles * world.squadrons_per_battle, -1, dtype=np.int64)
    lowest_of_squadrons(members, world.squadron, leaders)
    return leaders


@numba.njit(cache=True, error_model="numpy")
def lowest_of_squadrons(members: I64, squadron: I32, leaders: I64) -> None:
    """Each squadron's leader is its lowest row among `members` (rows with no squadron lead nothing)."""
    for r in members:
        sq = squadron[r]
        if sq >= 0 and (leaders[sq] < 0 or r < leaders[sq]):
            leaders[sq] = r


def form_up(world: World, up: I64) -> None:
    """The squadrons form up together once the last aircraft of the battle is off the deck."""
    forming = in_mode(world, up, Mode.FORM_UP)
    if not len(forming):
        return
    ours = world.squadron >= 0
    waiting = np.bincount(world.battle[ours & (world.status == int(Status.READY))], minlength=world.n_battles)
    last_launch = np.zeros(world.n_battles)
    np.maximum.at(last_launch, world.battle[ours], world.launch_at_s[ours])
    leaders = squadron_leaders(world, forming)
    ready = (waiting == 0) & (world.time_s >= last_launch + 45.0)
    for sq in np.flatnonzero(
        ready[np.arange(len(leaders)) // world.squadrons_per_battle] & (leaders >= 0) & ~world.squadron_formed
    ).tolist():
        world.squadron_formed[sq] = True
        leader = int(leaders[sq])
        members = forming[world.squadron[forming] == sq]
        set_mode(world, members, Mode.TRANSIT)
        order = world.plan.squadrons[sq % world.squadrons_per_battle]
        emit(world, leader, EventKind.FORMED_UP, squadron=order.id, aircraft=len(members))
        emit(
            world,
            leader,
            EventKind.COURSE_SET,
            squadron=order.id,
            toward=world.plan.mission.type,
        )
        name = world.scenario.catalog.squadrons[order.id].name
        say(world, leader, f"{name}, formed up, {len(members)} aircraft, on course.", essential=False)
        world.position_reported_s[sq] = world.time_s[world.battle[leader]]


def break_for_contact(world: World, up: I64, picture: Picture) -> None:
    """Bandits in sight, or the target close: radio silence ends, and the squadron breaks."""
    mission = world.plan.mission
    engage = world.plan.doctrine.engage_range_m
    transit = in_mode(world, up, Mode.TRANSIT)
    if not len(transit):
        return
    if mission.target_m is not None:
        tx, ty = mission.target_m
        target_range = np.hypot(world.x_m[transit] - tx, world.y_m[transit] - ty)
    else:
        target_range = np.full(len(transit), np.inf)
    near = target_range < CONTACT_RANGE_M
    contact = near | (picture.nearest_range_m[transit] < 2 * engage)
    rows, target_range = transit[contact], target_range[contact]
    if not len(rows):
        return
    for sq in np.unique(world.squadron[rows]).tolist():
        if world.squadron_contact[sq]:
            continue
        world.squadron_contact[sq] = True
        world.contact_s[sq] = world.time_s[world.battle[rows[0]]]
        first = int(np.flatnonzero(world.squadron[rows] == sq)[0])
        caller = int(rows[first])
        # The call names the nearest LGF at any range, farther than sensing looks each tick.
        bandit_range_m = nearest_enemy_range_m(world, caller)
        bandits = bool(np.isfinite(bandit_range_m))
        b = int(world.battle[caller])
        world.contact[b] = True
        order = world.plan.squadrons[sq % world.squadrons_per_battle]
        emit(
            world,
            caller,
            EventKind.CONTACT,
            squadron=order.id,
            sighted="LGFs" if bandits else "target",
            range_m=float(bandit_range_m if bandits else target_range[first]),
        )
        name = world.scenario.catalog.squadrons[order.id].name
        if bandits:
            say(world, caller, f"Bandits, bandits! {name}, break and engage. Cameras, get your pictures.")
        else:
            say(world, caller, f"{name}, target in sight. Cameras, start your runs.")
    set_mode(world, rows[world.camera[rows]], Mode.PHOTO)
    set_mode(world, rows[~world.camera[rows]], Mode.ENGAGE)
    world.on_station_s[rows] = world.time_s[world.battle[rows]]


def fly_the_circuit(world: World, rows: I64) -> None:
    """A radial patrol's leader: out to the circuit's radius ahead of the fleet, round the fleet (which
    steams on meanwhile) as many times as ordered, then every aircraft of the squadron heads home."""
    mission = world.plan.mission
    radius = float(mission.radius_m or 0.0)
    centre = fleet_centre(world)[world.battle[rows]]
    dx, dy = world.x_m[rows] - centre[:, 0], world.y_m[rows] - centre[:, 1]
    bearing = np.arctan2(dx, dy)
    started = np.isfinite(world.circuit_bearing_rad[rows])
    reached = started | (np.hypot(dx, dy) >= 0.97 * radius)
    swept = np.where(started, wrap_angle(bearing - world.circuit_bearing_rad[rows]), 0.0)
    world.circuit_rad[rows] += np.where(reached, swept, 0.0)
    world.circuit_bearing_rad[rows] = np.where(reached, bearing, np.nan)
    altitude = mission.cruise_altitude_m
    out = rows[~reached]
    if len(out):
        course = np.radians(world.plan.fleet.course_deg)
        steer_to(
            world,
            out,
            centre[~reached, 0] + radius * np.sin(course),
            centre[~reached, 1] + radius * np.cos(course),
            np.full(len(out), altitude),
            gain_m=8000.0,
        )
    circling = rows[reached]
    if len(circling):
        orbit(world, circling, centre[reached, 0], centre[reached, 1], radius, altitude, clockwise=True)
    done = rows[world.circuit_rad[rows] >= 2 * np.pi * mission.circuits]
    for leader in done.tolist():
        members = np.flatnonzero(
            world.airborne
            & (world.squadron == world.squadron[leader])
            & mode_in(world.mode, Mode.FORM_UP, Mode.TRANSIT)
        )
        emit(
            world,
            leader,
            EventKind.COURSE_SET,
            squadron=world.plan.squadrons[int(world.squadron[leader]) % world.squadrons_per_battle].id,
            toward="home",
        )
        set_mode(world, members, Mode.RETURN)


HEADING_HOME = {
    HOME_FUEL: ("fuel", "{}, bingo fuel. Heading home."),
    HOME_AMMUNITION: ("ammunition", "{}, out of ammunition. Heading home."),
    HOME_DAMAGE: ("damage", "{}, I'm hit. Heading home."),
    HOME_PHOTOS: ("photos", "{}, got the pictures. Heading home."),
    HOME_TIME: ("time", "{}, time's up. Heading home."),
}


def turn_for_home(world: World, up: I64, picture: Picture) -> bool:
    """What sends a pilot home (the mission's `break_off` rules, `piloting.going_home`): bingo fuel,
    empty guns, damage, her pictures, time over the target. In a fight, bingo comes at joker fuel: the
    fuel to fight free of the LGFs on top of the trip home (`doctrine.joker_fuel_kg`), because the way out
    of a fight is paid for at full throttle before the cruise home begins. Whether anybody turned."""
    home, reasons = going_home(world, up, picture.nearest_range_m)
    if not len(home):
        return False
    for row, why in zip(home.tolist(), reasons.tolist(), strict=True):
        cs = world.callsigns[row]
        reason, text = HEADING_HOME[why]
        world.flags[row] |= Flag.BINGO
        emit(world, row, EventKind.BINGO, reason=reason, fuel_kg=float(world.fuel_kg[row]))
        say(world, row, text.format(cs))
    set_mode(world, home, Mode.RETURN)
    world.covering[home] = -1
    return True


def send_cover(world: World, up: I64, picture: Picture, centre: F64) -> None:
    """Buffy and a wingman cover Captain Red out: a pilot going home with an LGF on her tail gets up to
    `doctrine.cover_wingmen` squadron mates still in the fight (guns or rockets left, fuel above joker),
    the nearest first, who go for whatever is behind her until she is out of the fight (`COVER_OUT_M`
    from the target) or down. Then they go back to it, if their own fuel lets them (`turn_for_home`)."""
    covers, charges = cover_out(world, up, picture.tail_threat, picture.tail_range_m, centre)
    for mate, row in zip(covers.tolist(), charges.tolist(), strict=True):
        emit(world, mate, EventKind.COVER, target=row)
        say(world, mate, f"{world.callsigns[row]}, {world.callsigns[mate]}, I'm on your six. Go!")


def report_positions(world: World, up: I64) -> None:
    """When nothing forbids it, a leader in transit reports her position every `POSITION_REPORT_S`.
    Under `essential` or `silence` the report does not go out."""
    in_transit = in_mode(world, up, Mode.TRANSIT)
    if not len(in_transit):
        return
    leaders = squadron_leaders(world, in_transit)
    for sq in reports_due(leaders, world.battle, world.time_s, world.position_reported_s).tolist():
        leader = int(leaders[sq])
        now = float(world.time_s[world.battle[leader]])
        world.position_reported_s[sq] = now
        name = world.scenario.catalog.squadrons[world.plan.squadrons[sq % world.squadrons_per_battle].id].name
        with_me = int(np.sum(world.squadron[in_transit] == sq))
        say(world, leader, f"{name} leader, on course, {with_me} aircraft with me.", essential=False)


@numba.njit(cache=True, error_model="numpy")
def reports_due(leaders: I64, battle: I32, time_s: F64, position_reported_s: F64) -> I64:
    """The squadrons (numbers into `leaders`) with a leader whose position report is due: her last one
    was `POSITION_REPORT_S` ago or more."""
    due = np.empty(len(leaders), dtype=np.int64)
    n = 0
    for sq in range(len(leaders)):
        leader = leaders[sq]
        if leader >= 0 and not time_s[battle[leader]] - position_reported_s[sq] < POSITION_REPORT_S:
            due[n] = sq
            n += 1
    return due[:n]
