"""Air Command's pilots: form up, fly out in formation, break into the fight or the photo passes, pursue
with lead, evade, call mayday, turn for home at bingo fuel or with empty guns, and come down in a street
when the aircraft will fly no more.

`decide_air_command` runs the rules in order each tick. A rule that changes a pilot's mode and makes her
speak (checking in, contact, heading home, cover, mayday) finds its pilots in a compiled kernel where it
runs every tick (`piloting`, `fighting`), and keeps in Python only the events and radio calls of the few
it found. How each mode flies is compiled: `formation` (forming up, the route out, station keeping),
`fighting` (pursuit, cover, the photo passes), `piloting.fly_home` and `evasion`. Radio calls follow the
mission's radio discipline: silence is kept until contact or an emergency.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.doctrine.evasion import EvasionRules, dive_for_the_streets, evade, evade_rows, evasion_rules
from captainred.doctrine.fighting import FightRules, cover_out, fight, fight_kernel, fight_rules
from captainred.doctrine.formation import FORM_UP_ALTITUDE_M, fly_formation
from captainred.doctrine.modes import Mode, mode_in
from captainred.doctrine.piloting import (
    GAP_LEAD_M,
    HOME_AMMUNITION,
    HOME_DAMAGE,
    HOME_FUEL,
    HOME_PHOTOS,
    HOME_TIME,
    HomeRules,
    fly_home,
    fly_home_kernel,
    going_home,
    home_rules,
    trouble_rows,
)
from captainred.doctrine.steering import avoid_ship, avoid_terrain, keep_off_the_hull, orbit, pull_up, steer_to
from captainred.engine import threads
from captainred.engine.damage import is_struggling
from captainred.engine.events import EventKind
from captainred.engine.kinematics import cruise_throttle, wrap_angle
from captainred.engine.net import gap_bearing
from captainred.engine.radio import start_call
from captainred.engine.rng import Purpose, uniform
from captainred.engine.sensing import Picture, nearest_enemy_range_m
from captainred.engine.weapons import Armoury
from captainred.engine.world import F64, I8, I32, I64, B, Flag, FlightState, Status, Sub, World, emit, fleet_centre

CONTACT_RANGE_M = 14000.0
FORCE_DOWN_HAZARD_PER_S = 0.05  # with three LGFs close around a struggling pilot
CITY_REACH_M = 8000.0  # a crippled aircraft this close to the island makes for a street
POSITION_REPORT_S = 600.0  # a leader's position report in transit, when the discipline allows chatter
AIRBORNE, CRIPPLED, N_MODES = int(Status.AIRBORNE), int(Mode.CRIPPLED), len(Mode)
WAITING, FORM_UP, TRANSIT, ENGAGE = int(Mode.WAITING), int(Mode.FORM_UP), int(Mode.TRANSIT), int(Mode.ENGAGE)
PHOTO, RETURN, COVER = int(Mode.PHOTO), int(Mode.RETURN), int(Mode.COVER)


def may_say(radio: str, essential: bool, mayday: bool) -> bool:
    """The mission's radio discipline: everything under `normal`, only essential calls (check-ins,
    contact, heading home) and maydays under `essential`, nothing but maydays under `silence`."""
    return mayday or radio == "normal" or (radio == "essential" and essential)


def _say(world: World, row: int, text: str, essential: bool = True, mayday: bool = False) -> None:
    if may_say(world.plan.mission.radio, essential, mayday):
        start_call(world, row, text, mayday=mayday)


def decide_air_command(world: World, picture: Picture, armoury: Armoury, active: B) -> None:
    """Every rule in turn for Air Command's pilots in the air (alive, in battles being fought). Each rule
    takes those rows (ascending) and picks out the ones in the mode it concerns, so its cost grows with
    Air Command's craft, not with the swarm's."""
    up = _pilots_up(world.air_command_rows, active, world.status, world.pilot_dead)
    if not len(up):
        return
    # Where the fleet is this tick (it has steamed), and the bearing on which the net parts, found when a
    # flying rule needs it.
    centre = fleet_centre(world)
    bearing: F64 | None = None
    # A census of the pilots' modes skips each transition whose mode nobody is in; it is taken again
    # after a transition that ran, since that may have moved pilots into the next one's mode.
    modes = _census(world, up)
    if modes[WAITING]:
        _check_in(world, up)
        modes = _census(world, up)
    if modes[FORM_UP]:
        _form_up(world, up)
        modes = _census(world, up)
    if modes[TRANSIT]:
        _break_for_contact(world, up, picture)
        modes = _census(world, up)
    out_on_the_mission = modes[TRANSIT] or modes[ENGAGE] or modes[PHOTO] or modes[COVER]  # piloting.OUT_ON_THE_MISSION
    if out_on_the_mission and _turn_for_home(world, up, picture):
        modes = _census(world, up)
    if modes[COVER] or modes[RETURN]:
        _cover_out(world, up, picture, centre)
        modes = _census(world, up)
    # Who is forced down, who calls a mayday, who calls a kill, and the modes the flying rules find
    # (`_triage`); what they say, in that order.
    trouble, kills, flying = _triage(world, up, picture)
    _call_maydays(world, trouble)
    # Nobody enters transit after the census above: a stale count can only run the reports for nothing.
    if modes[TRANSIT]:
        _report_positions(world, up)
    _call_kills(world, kills)
    # Each flying rule concerns pilots in a few modes: a rule whose modes nobody is in is skipped.
    if flying[FORM_UP] or flying[TRANSIT]:
        bearing = _gap_bearing(world, centre)
        setting_out = fly_formation(world, up, centre, bearing)
        if len(setting_out):
            _fly_the_circuit(world, setting_out)  # a circuit flown sends its squadron home
            flying = _census(world, up)
    fighting = bool(flying[ENGAGE] or flying[COVER] or flying[PHOTO])
    homing = bool(flying[RETURN])
    if homing:
        bearing = _gap_bearing(world, centre) if bearing is None else bearing
    if flying[CRIPPLED] or threads.in_parallel(len(up)):
        if fighting:
            fight(world, up, picture, armoury, centre)
        if homing:
            assert bearing is not None
            fly_home(world, up, centre, bearing)
        if flying[CRIPPLED]:
            _crippled(world, up)
        evade(world, up, picture.tail_threat, picture.tail_range_m, picture.ship_range_m)
    else:
        _fight_home_and_evade(world, up, picture, armoury, centre, bearing, fighting, homing)

    if world.net_radius_m > 0 and (flying[FORM_UP] or flying[TRANSIT]):
        mode, spinning = world.mode[up], world.spinning[up]
        bearing = _gap_bearing(world, centre) if bearing is None else bearing
        _file_out_through_the_gap(world, up[mode_in(mode, Mode.FORM_UP, Mode.TRANSIT) & ~spinning], centre, bearing)
    _steer_clear(world, up)


def _fight_home_and_evade(
    world: World,
    up: I64,
    picture: Picture,
    armoury: Armoury,
    centre: F64,
    bearing: F64 | None,
    fighting: bool,
    homing: bool,
) -> None:
    """`fighting.fight` (when `fighting`), `piloting.fly_home` (when `homing`, along `bearing`) and
    `evasion.evade`, in one compiled call (`_fight_home_and_evade_rows`): at some ten pilots, three calls
    from Python cost more than the rules. (With a crippled pilot, whose rule comes between, or thousands
    of pilots, whose rules spread over threads, the caller makes the calls one by one.)"""
    spec = armoury.spec
    streets = np.empty(len(up), dtype=np.int64)
    n = _fight_home_and_evade_rows(
        fighting,
        homing,
        up,
        fight_rules(world),
        home_rules(world),
        evasion_rules(world),
        centre,
        bearing if bearing is not None else _NO_BEARING,
        picture.nearest_enemy,
        picture.nearest_range_m,
        picture.tail_threat,
        picture.tail_range_m,
        picture.ship_range_m,
        spec["cannon_range"],
        spec["cannon_cone"],
        spec["rocket_min"],
        spec["rocket_max"],
        spec["rocket_cone"],
        world.flight_sides,
        world.squadrons_per_battle,
        world.mode,
        world.status,
        world.battle,
        world.squadron,
        world.slot,
        world.covering,
        world.rounds,
        world.rockets,
        world.smoking,
        world.flight_state(),
        world.cruise_speed_mps,
        world.max_speed_mps,
        world.net_up,
        world.home_carrier,
        world.divert_to,
        world.carrier_xy,
        world.health,
        world.engines,
        world.fuel_limited,
        world.fuel_kg,
        world.spinning,
        world.skill,
        world.row_seed,
        world.craft,
        world.tick,
        world.target,
        world.cmd_heading_rad,
        world.cmd_gamma_rad,
        world.cmd_throttle,
        world.trigger,
        world.fire_rockets,
        streets,
    )
    dive_for_the_streets(world, streets[:n])


_NO_BEARING = np.zeros(0)  # what the compiled call takes for the gap's bearing when nobody goes home
# The rules as the compiled call runs them, in turn (a compiled function calls another by its name).
_fight_in_turn, _fly_home_in_turn = fight_kernel.in_turn, fly_home_kernel.in_turn


@numba.njit(cache=True)
def _fight_home_and_evade_rows(
    fighting: bool,
    homing: bool,
    up: I64,
    fight: FightRules,
    home: HomeRules,
    evasion: EvasionRules,
    fleet_centre: F64,
    gap_bearing: F64,
    nearest_enemy: I64,
    nearest_range_m: F64,
    tail_threat: I64,
    tail_range_m: F64,
    ship_range_m: F64,
    cannon_range: F64,
    cannon_cone: F64,
    rocket_min: F64,
    rocket_max: F64,
    rocket_cone: F64,
    sides: F64,
    squadrons_per_battle: int,
    mode: I8,
    status: I8,
    battle: I32,
    squadron: I32,
    slot: I32,
    covering: I64,
    rounds: F64,
    rockets: I32,
    smoking: B,
    state: FlightState,
    cruise_speed: F64,
    max_speed: F64,
    net_up: B,
    home_carrier: I32,
    divert_to: I32,
    carrier_xy: F64,
    health: F64,
    engines: F64,
    fuel_limited: B,
    fuel_kg: F64,
    spinning: B,
    skill: F64,
    row_seed: NDArray[np.uint64],
    craft: I32,
    tick: I64,
    target: I64,
    cmd_heading: F64,
    cmd_gamma: F64,
    cmd_throttle: F64,
    trigger: B,
    fire_rockets: B,
    streets: I64,
) -> int:
    """`fighting._fight_rows`, `piloting._fly_home_rows` and `evasion.evade_rows` in that order, the
    first two only when asked; returns how many `evade_rows` marked in `streets`."""
    x, y, z, speed, heading, gamma = state
    if fighting:
        keep_range_m, sight_range_m, photo_orbit_m, has_target, target_x, target_y = fight
        _fight_in_turn(
            up, keep_range_m, sight_range_m, photo_orbit_m, has_target, target_x, target_y, fleet_centre,
            nearest_enemy, nearest_range_m, tail_threat, tail_range_m, cannon_range, cannon_cone, rocket_min,
            rocket_max, rocket_cone, sides, squadrons_per_battle, mode, status, battle, squadron, slot, covering,
            rounds, rockets, smoking, x, y, z, speed, heading, gamma, cruise_speed, max_speed, target, cmd_heading,
            cmd_gamma, cmd_throttle, trigger, fire_rockets,
        )  # fmt: skip
    if homing:
        cruise_altitude_m, n_carriers, has_camp, camp_x, camp_y, net_radius_m = home
        _fly_home_in_turn(
            up, cruise_altitude_m, n_carriers, has_camp, camp_x, camp_y, net_radius_m, net_up, fleet_centre,
            gap_bearing, mode, battle, home_carrier, divert_to, carrier_xy, x, y, z, health, engines, fuel_limited,
            fuel_kg, cruise_speed, max_speed, cmd_heading, cmd_gamma, cmd_throttle, target,
        )  # fmt: skip
    evade_range_m, island, has_ship, skim_point = evasion
    n: int = evade_rows(
        up, tail_threat, tail_range_m, ship_range_m, evade_range_m, island, has_ship, skim_point, mode, spinning,
        skill, row_seed, craft, tick, battle, x, y, z, heading, cmd_heading, cmd_gamma, cmd_throttle, streets,
    )  # fmt: skip
    return n


def _gap_bearing(world: World, centre: F64) -> F64:
    """Per battle, the bearing on which the net parts (`net.gap_bearing`); zeros with no net."""
    return gap_bearing(world, centre) if world.net_radius_m > 0 else np.zeros(world.n_battles)


@numba.njit(cache=True)
def _pilots_up(ours: I64, active: B, status: I8, pilot_dead: B) -> I64:
    """Air Command's rows in the air with a live pilot, in battles being fought, ascending."""
    up = np.empty(len(ours), dtype=np.int64)
    n = 0
    for r in ours:
        if active[r] and status[r] == AIRBORNE and not pilot_dead[r]:
            up[n] = r
            n += 1
    return up[:n]


def _census(world: World, up: I64) -> list[int]:
    """How many of the pilots `up` are in each mode (`_count_modes`), by mode number."""
    counts = np.zeros(N_MODES, dtype=np.int64)
    _count_modes(up, world.mode, counts)
    census: list[int] = counts.tolist()
    return census


@numba.njit(cache=True)
def _count_modes(up: I64, mode: I8, counts: I64) -> None:
    """Each pilot of `up` counts once, in her mode."""
    for r in up:
        counts[mode[r]] += 1


@numba.njit(cache=True)
def _how_they_steer(up: I64, mode: I8, spinning: B, skill: F64) -> tuple[I64, F64, I64]:
    """Of the pilots `up`: those who look ahead for the ground (not spinning, not coming down), with how
    many seconds ahead each looks (2 s, and 2.5 s more at full skill); and those who keep off the hull
    (not spinning)."""
    steering = np.empty(len(up), dtype=np.int64)
    lookahead = np.empty(len(up))
    unspun = np.empty(len(up), dtype=np.int64)
    n_steering = n_unspun = 0
    for r in up:
        if spinning[r]:
            continue
        unspun[n_unspun] = r
        n_unspun += 1
        if mode[r] != CRIPPLED:
            steering[n_steering] = r
            lookahead[n_steering] = 2.0 + 2.5 * skill[r]
            n_steering += 1
    return steering[:n_steering], lookahead[:n_steering], unspun[:n_unspun]


def _steer_clear(world: World, up: I64) -> None:
    """The last word on the pilots' commands, after every flying rule: the ground ahead
    (`steering.avoid_terrain`) for those who look ahead, then the hull (`steering.avoid_ship`) for those
    not spinning (`_how_they_steer`). With few pilots, in one compiled call (`_steer_clear_rows`): at
    some ten pilots, three calls from Python cost more than the rules themselves. With thousands, the
    look-aheads spread over threads (a cached compiled function cannot call a threaded one)."""
    if threads.in_parallel(len(up)):
        steering, lookahead, unspun = _how_they_steer(up, world.mode, world.spinning, world.skill)
        avoid_terrain(world, steering, lookahead)
        avoid_ship(world, unspun)
        return
    theatre, ship = world.theatre, world.ship_xyz
    ox, oy = theatre.origin_m
    _steer_clear_rows(
        up,
        world.mode,
        world.spinning,
        world.skill,
        world.flight_state(),
        world.max_g,
        world.stall_speed_mps,
        theatre.heights_m,
        theatre.box_max_m,
        theatre.max_height_m,
        ox,
        oy,
        theatre.cell_m,
        ship is not None,
        ship if ship is not None else (0.0, 0.0, 0.0),
        world.ship_half_m,
        world.cmd_heading_rad,
        world.cmd_gamma_rad,
        world.cmd_throttle,
    )


# The two look-aheads as the compiled tail calls them, in turn (a compiled function calls another by name).
_pull_up_in_turn, _keep_off_in_turn = pull_up.in_turn, keep_off_the_hull.in_turn


@numba.njit(cache=True)
def _steer_clear_rows(
    up: I64,
    mode: I8,
    spinning: B,
    skill: F64,
    state: FlightState,
    max_g: F64,
    stall_speed: F64,
    heights: NDArray[np.float32],
    box_max: NDArray[np.float32],
    max_height_m: float,
    ox: float,
    oy: float,
    cell: float,
    has_ship: bool,
    ship: tuple[float, float, float],
    half: tuple[float, float, float],
    cmd_heading: F64,
    cmd_gamma: F64,
    cmd_throttle: F64,
) -> None:
    """`_how_they_steer`, then the look-ahead for the ground (`steering._pull_up_rows`) and, with a ship
    in the scenario, for the hull (`steering._keep_off_the_hull_rows`, 4 s ahead, as `avoid_ship`)."""
    steering, lookahead, unspun = _how_they_steer(up, mode, spinning, skill)
    _pull_up_in_turn(
        steering, lookahead, state, max_g, stall_speed, cmd_heading, heights, box_max, max_height_m, ox, oy, cell,
        cmd_gamma, cmd_throttle,
    )  # fmt: skip
    if has_ship:
        _keep_off_in_turn(unspun, 4.0, ship, half, state, cmd_heading, cmd_gamma, cmd_throttle)


# ----------------------------------------------------------------------------------------- transitions


def _set_mode(world: World, rows: I64, mode: Mode) -> None:
    world.mode[rows] = mode
    world.mode_since_s[rows] = world.time_s[world.battle[rows]]


def _in_mode(world: World, up: I64, mode: Mode) -> I64:
    """The rows of `up` in this mode."""
    rows: I64 = up[world.mode[up] == int(mode)]
    return rows


def _check_in(world: World, up: I64) -> None:
    """Off the deck: check in, and form up with the squadron; a relay out again flies straight for the
    mission (the squadron formed up long ago)."""
    fresh = _in_mode(world, up, Mode.WAITING)
    if not len(fresh):
        return
    relay = world.sorties[fresh] > 1
    _set_mode(world, fresh[~relay], Mode.FORM_UP)
    _set_mode(world, fresh[relay], Mode.TRANSIT)
    for row in fresh.tolist():
        _say(world, row, f"{world.callsigns[row]}, check.")


def _squadron_leaders(world: World, members: I64) -> I64:
    """Per squadron, the lowest row among `members` (the leader), or -1 (`_lowest_of_squadrons`)."""
    leaders = np.full(world.n_battles * world.squadrons_per_battle, -1, dtype=np.int64)
    _lowest_of_squadrons(members, world.squadron, leaders)
    return leaders


@numba.njit(cache=True)
def _lowest_of_squadrons(members: I64, squadron: I32, leaders: I64) -> None:
    """Each squadron's leader is its lowest row among `members` (rows with no squadron lead nothing)."""
    for r in members:
        sq = squadron[r]
        if sq >= 0 and (leaders[sq] < 0 or r < leaders[sq]):
            leaders[sq] = r


def _form_up(world: World, up: I64) -> None:
    """The squadrons form up together once the last aircraft of the battle is off the deck."""
    forming = _in_mode(world, up, Mode.FORM_UP)
    if not len(forming):
        return
    ours = world.squadron >= 0
    waiting = np.bincount(world.battle[ours & (world.status == int(Status.READY))], minlength=world.n_battles)
    last_launch = np.zeros(world.n_battles)
    np.maximum.at(last_launch, world.battle[ours], world.launch_at_s[ours])
    leaders = _squadron_leaders(world, forming)
    ready = (waiting == 0) & (world.time_s >= last_launch + 45.0)
    for sq in np.flatnonzero(
        ready[np.arange(len(leaders)) // world.squadrons_per_battle] & (leaders >= 0) & ~world.squadron_formed
    ).tolist():
        world.squadron_formed[sq] = True
        leader = int(leaders[sq])
        members = forming[world.squadron[forming] == sq]
        _set_mode(world, members, Mode.TRANSIT)
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
        _say(world, leader, f"{name}, formed up, {len(members)} aircraft, on course.", essential=False)
        world.position_reported_s[sq] = world.time_s[world.battle[leader]]


def _break_for_contact(world: World, up: I64, picture: Picture) -> None:
    """Bandits in sight, or the target close: radio silence ends, and the squadron breaks."""
    mission = world.plan.mission
    engage = world.plan.doctrine.engage_range_m
    transit = _in_mode(world, up, Mode.TRANSIT)
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
            _say(world, caller, f"Bandits, bandits! {name}, break and engage. Cameras, get your pictures.")
        else:
            _say(world, caller, f"{name}, target in sight. Cameras, start your runs.")
    _set_mode(world, rows[world.camera[rows]], Mode.PHOTO)
    _set_mode(world, rows[~world.camera[rows]], Mode.ENGAGE)
    world.on_station_s[rows] = world.time_s[world.battle[rows]]


def _fly_the_circuit(world: World, rows: I64) -> None:
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
        _set_mode(world, members, Mode.RETURN)


HEADING_HOME = {
    HOME_FUEL: ("fuel", "{}, bingo fuel. Heading home."),
    HOME_AMMUNITION: ("ammunition", "{}, out of ammunition. Heading home."),
    HOME_DAMAGE: ("damage", "{}, I'm hit. Heading home."),
    HOME_PHOTOS: ("photos", "{}, got the pictures. Heading home."),
    HOME_TIME: ("time", "{}, time's up. Heading home."),
}


def _turn_for_home(world: World, up: I64, picture: Picture) -> bool:
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
        _say(world, row, text.format(cs))
    _set_mode(world, home, Mode.RETURN)
    world.covering[home] = -1
    return True


def _cover_out(world: World, up: I64, picture: Picture, centre: F64) -> None:
    """Buffy and a wingman cover Captain Red out: a pilot going home with an LGF on her tail gets up to
    `doctrine.cover_wingmen` squadron mates still in the fight (guns or rockets left, fuel above joker),
    the nearest first, who go for whatever is behind her until she is out of the fight (`COVER_OUT_M`
    from the target) or down. Then they go back to it, if their own fuel lets them (`_turn_for_home`)."""
    covers, charges = cover_out(world, up, picture.tail_threat, picture.tail_range_m, centre)
    for mate, row in zip(covers.tolist(), charges.tolist(), strict=True):
        emit(world, mate, EventKind.COVER, target=row)
        _say(world, mate, f"{world.callsigns[row]}, {world.callsigns[mate]}, I'm on your six. Go!")


def _triage(world: World, up: I64, picture: Picture) -> tuple[I64, I64, list[int]]:
    """After the transitions, in one compiled pass where nothing happens (most ticks): pilots herded
    down (`_forced_down`); then the aircraft that come down and the pilots who must call a mayday
    (`piloting.trouble_rows`), the kills not yet called, the guns and rockets made safe until a flying
    rule fires them, and a census of the modes. Returns the mayday callers, the kill callers and the
    census."""
    found = np.empty((2, len(up)), dtype=np.int64)
    modes = np.zeros(N_MODES + 2, dtype=np.int64)  # and the two numbers found
    herded = _triage_in(world, False, up, picture.escorts, found, modes)
    if herded:
        _forced_down(world, found[0, :herded], picture)
        _triage_in(world, True, up, picture.escorts, found, modes)
    census: list[int] = modes.tolist()
    return found[0, : census[N_MODES]], found[1, : census[N_MODES + 1]], census[:N_MODES]


def _triage_in(world: World, herding_done: bool, up: I64, escorts: I64, found: I64, counts: I64) -> int:
    """`_triage_rows` on the World's arrays."""
    herded: int = _triage_rows(
        herding_done,
        up,
        escorts,
        world.forced_down,
        world.smoking,
        world.wounded,
        world.flags,
        world.leak_kg_s,
        world.health,
        world.engines,
        world.fuel_limited,
        world.fuel_kg,
        world.mode,
        world.mode_since_s,
        world.time_s,
        world.battle,
        world.kills,
        world.kills_called,
        world.trigger,
        world.fire_rockets,
        found,
        counts,
    )
    return herded


@numba.njit(cache=True)
def _triage_rows(
    herding_done: bool,
    up: I64,
    escorts: I64,
    forced_down: B,
    smoking: B,
    wounded: B,
    flags: I32,
    leak_kg_s: F64,
    health: F64,
    engines: F64,
    fuel_limited: B,
    fuel_kg: F64,
    mode: I8,
    mode_since_s: F64,
    time_s: F64,
    battle: I32,
    kills: I32,
    kills_called: I32,
    trigger: B,
    fire_rockets: B,
    found: I64,
    counts: I64,
) -> int:
    """Unless `herding_done`, the herded (`_herded`) first: if there are any, they go in `found[0]` and
    their number is returned, with nothing else done (the caller forces them down, then asks again with
    `herding_done`). Otherwise returns 0, with the mayday callers (`piloting.trouble_rows`, which also
    cripples the aircraft that cannot fly) in `found[0]`, the kill callers (`_unclaimed_kills`) in
    `found[1]`, trigger and rockets cleared, and in `counts` the pilots in each mode, then the two
    numbers found."""
    if not herding_done:
        herded = _herded(up, escorts, forced_down, smoking, wounded, flags, leak_kg_s)
        if len(herded):
            found[0, : len(herded)] = herded
            return len(herded)
    troubled = trouble_rows(
        up, health, engines, fuel_limited, fuel_kg, mode, mode_since_s, time_s, battle, flags, wounded, leak_kg_s,
        found[0],
    )  # fmt: skip
    claims = _unclaimed_kills(up, kills, kills_called)
    found[1, : len(claims)] = claims
    counts[:] = 0
    for r in up:
        trigger[r] = False
        fire_rockets[r] = False
        counts[mode[r]] += 1
    counts[len(counts) - 2] = troubled
    counts[len(counts) - 1] = len(claims)
    return 0


def _forced_down(world: World, herded: I64, picture: Picture) -> None:
    """Three LGFs close around a struggling pilot can force her down over land, to take her, not kill her.
    Over open water there is nobody to take: they stay with her, and she may yet reach the coast or home.
    `herded`: the pilots in visible trouble with three LGFs or more around them (`_herded`)."""
    herded = herded[world.theatre.on_land(world.x_m[herded], world.y_m[herded])]
    if not len(herded):
        return
    tick = world.tick[world.battle[herded]]
    dt = world.dt_s[world.battle[herded]]
    taken = uniform(world.row_seed[herded], world.craft[herded], tick, Purpose.FORCED_LANDING) < 1 - np.exp(
        -FORCE_DOWN_HAZARD_PER_S * dt
    )
    for row in herded[taken].tolist():
        world.forced_down[row] = True
        world.flags[row] |= Flag.FORCE_DOWN
        emit(world, row, EventKind.FORCE_DOWN, escorts=int(picture.escorts[row]))
        _set_mode(world, np.array([row]), Mode.CRIPPLED)


@numba.njit(cache=True)
def _herded(up: I64, escorts: I64, forced_down: B, smoking: B, wounded: B, flags: I32, leak_kg_s: F64) -> I64:
    """The pilots of `up` in visible trouble (`damage.is_struggling`), not yet forced down, with three
    LGFs or more close around them."""
    rows = np.empty(len(up), dtype=np.int64)
    n = 0
    for r in up:
        if escorts[r] >= 3 and not forced_down[r] and is_struggling(smoking[r], wounded[r], flags[r], leak_kg_s[r]):
            rows[n] = r
            n += 1
    return rows[:n]


def _call_maydays(world: World, rows: I64) -> None:
    """A pilot in serious trouble calls a mayday, once (`rows`: `piloting.trouble_rows`')."""
    h = world.health
    for row in rows.tolist():
        cs = world.callsigns[row]
        if h[row, Sub.ENGINE_PORT] <= 0:
            trouble = "I've lost my port engine"
        elif h[row, Sub.ENGINE_STARBOARD] <= 0:
            trouble = "I've lost my starboard engine"
        elif world.wounded[row]:
            trouble = "I'm hit, I'm hurt"
        elif world.leak_kg_s[row] > 0.4:
            trouble = "I'm losing fuel"
        elif world.mode[row] == int(Mode.CRIPPLED):
            trouble = "she won't fly"
        else:
            trouble = "my tail's shot up, she's barely answering"
        intent = "going down" if world.mode[row] == int(Mode.CRIPPLED) else "trying to make it home"
        side = "east" if world.x_m[row] >= 0 else "west"
        where = f" on the {side} side" if world.mode[row] == int(Mode.CRIPPLED) else ""
        world.flags[row] |= Flag.MAYDAY
        _say(world, row, f"Mayday, mayday, {cs}, {trouble}, {intent}{where}.", mayday=True)


def _report_positions(world: World, up: I64) -> None:
    """When nothing forbids it, a leader in transit reports her position every `POSITION_REPORT_S`.
    Under `essential` or `silence` the report does not go out."""
    in_transit = _in_mode(world, up, Mode.TRANSIT)
    if not len(in_transit):
        return
    leaders = _squadron_leaders(world, in_transit)
    for sq in _reports_due(leaders, world.battle, world.time_s, world.position_reported_s).tolist():
        leader = int(leaders[sq])
        now = float(world.time_s[world.battle[leader]])
        world.position_reported_s[sq] = now
        name = world.scenario.catalog.squadrons[world.plan.squadrons[sq % world.squadrons_per_battle].id].name
        with_me = int(np.sum(world.squadron[in_transit] == sq))
        _say(world, leader, f"{name} leader, on course, {with_me} aircraft with me.", essential=False)


def _call_kills(world: World, rows: I64) -> None:
    """A pilot calls each kill (`rows`: those with one not yet called). Under `essential` or `silence`
    it does not go out, but counts as called, so a later change of discipline does not bring them all
    out."""
    for row in rows.tolist():
        world.kills_called[row] = world.kills[row]
        _say(world, row, f"{world.callsigns[row]}, splash one!", essential=False)


@numba.njit(cache=True)
def _reports_due(leaders: I64, battle: I32, time_s: F64, position_reported_s: F64) -> I64:
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


@numba.njit(cache=True)
def _unclaimed_kills(up: I64, kills: I32, kills_called: I32) -> I64:
    """The pilots of `up` with a kill not yet called."""
    rows = np.empty(len(up), dtype=np.int64)
    n = 0
    for r in up:
        if kills[r] > kills_called[r]:
            rows[n] = r
            n += 1
    return rows[:n]


# -------------------------------------------------------------------------------------------- flying


def _file_out_through_the_gap(world: World, rows: I64, fleet: F64, gap_bearing_rad: F64) -> None:
    """Out through the net only by its gap: an aircraft inside that is leaving flies out along the gap's
    line (aiming `GAP_LEAD_M` further along it). Elsewhere the net would hold it. (Coming home, the way
    in by the gap is `piloting.fly_home`'s.)"""
    if world.net_radius_m <= 0 or not len(rows):
        return
    battle = world.battle[rows].astype(np.int64)
    centre = fleet[battle]  # the net's centre is the fleet's
    dx, dy = world.x_m[rows] - centre[:, 0], world.y_m[rows] - centre[:, 1]
    r = np.sqrt(dx * dx + dy * dy + np.maximum(world.z_m[rows], 0.0) ** 2)
    inside = world.net_up[battle] & (r < world.net_radius_m + 500.0)
    sel = rows[inside]
    if len(sel):
        reach = np.hypot(dx[inside], dy[inside]) + GAP_LEAD_M
        bearing = gap_bearing_rad[battle[inside]]
        gx, gy = centre[inside, 0] + reach * np.sin(bearing), centre[inside, 1] + reach * np.cos(bearing)
        steer_to(world, sel, gx, gy, np.full(len(sel), FORM_UP_ALTITUDE_M), gain_m=600.0)
        world.cmd_throttle[sel] = np.maximum(world.cmd_throttle[sel], cruise_throttle(world, sel))


def _crippled(world: World, up: I64) -> None:
    """Put her down: over the city, line up with a street or avenue above the roofs, then let down along
    it; out at sea, straight ahead and down."""
    rows = _in_mode(world, up, Mode.CRIPPLED)
    if not len(rows):
        return
    world.landing_intent[rows] = True
    world.target[rows] = -1
    world.cmd_throttle[rows] = 0.45
    x0, y0, x1, y1 = world.theatre.island
    x, y = world.x_m[rows], world.y_m[rows]
    over_city = (x > x0 - CITY_REACH_M) & (x < x1 + CITY_REACH_M) & (y > y0 - CITY_REACH_M) & (y < y1 + CITY_REACH_M)
    at_sea = rows[~over_city]
    world.cmd_heading_rad[at_sea] = world.heading_rad[at_sea]
    world.cmd_gamma_rad[at_sea] = -0.12
    city = rows[over_city]
    if not len(city):
        return
    tx, ty, line_heading = world.theatre.landing_line(world.x_m[city], world.y_m[city], world.heading_rad[city])
    steer_to(world, city, tx, ty, np.zeros(len(city)), gain_m=600.0)
    off_line = np.where(np.abs(np.sin(line_heading)) < 0.5, np.abs(world.x_m[city] - tx), np.abs(world.y_m[city] - ty))
    heading_error = np.abs(wrap_angle(world.heading_rad[city] - line_heading))
    lined_up = (off_line < 6.0) & (heading_error < 0.06)
    world.cmd_gamma_rad[city] = np.where(lined_up, -0.2, 0.0)
    # Until lined up, stay over the roofs; flatten out at the last moment.
    setting_up = city[~lined_up]
    avoid_terrain(world, setting_up, np.full(len(setting_up), 3.0))
    flare = world.z_m[city] < 25.0
    world.cmd_gamma_rad[city] = np.where(flare, np.maximum(world.cmd_gamma_rad[city], -0.05), world.cmd_gamma_rad[city])
