"""Air Command's pilots: form up, fly out in formation, break into the fight or the photo passes, pursue
with lead, evade, call mayday, turn for home at bingo fuel or with empty guns, and come down in a street
when the aircraft will fly no more.

`decide_air_command` runs the rules in order each tick: the sortie's transitions (`sortie`: checking in,
forming up, contact, a patrol's circuit, heading home, cover), then the triage (`triage`: who is herded
down, crippled, calls a mayday or a kill), then the flying rules. A rule that changes a pilot's mode and
makes her speak finds its pilots in a compiled kernel where it runs every tick (`piloting`, `fighting`),
and keeps in Python only the events and radio calls of the few it found. How each mode flies is
compiled: `formation` (forming up, the route out, station keeping), `fighting` (pursuit, cover, the photo
passes), `piloting.fly_home` and `evasion`; with few pilots, the rules that run every tick are joined
into a few compiled calls here. Radio calls follow the mission's radio discipline (`sortie.may_say`):
silence is kept until contact or an emergency.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from captainred.doctrine.evasion import EvasionRules, dive_for_the_streets, evade, evade_rows, evasion_rules
from captainred.doctrine.fighting import FightRules, fight, fight_kernel, fight_rules
from captainred.doctrine.formation import FORM_UP_ALTITUDE_M, fly_formation
from captainred.doctrine.modes import Mode
from captainred.doctrine.outside import flown_by_the_doctrine
from captainred.doctrine.piloting import GAP_LEAD_M, HomeRules, fly_home, fly_home_kernel, home_rules
from captainred.doctrine.sortie import (
    break_for_contact,
    check_in,
    fly_the_circuit,
    form_up,
    report_positions,
    send_cover,
    turn_for_home,
)
from captainred.doctrine.steering import aim, avoid_ship, avoid_terrain, keep_off_the_hull, pull_up
from captainred.doctrine.triage import N_MODES, call_kills, call_maydays, crippled, triage
from captainred.engine import threads
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.net import gap_bearing
from captainred.engine.sensing import Picture
from captainred.engine.weapons import Armoury
from captainred.engine.world import F64, I8, I64, B, Status, World, fleet_centre
from captainred.scenario.maps import Ground

AIRBORNE, CRIPPLED = int(Status.AIRBORNE), int(Mode.CRIPPLED)
WAITING, FORM_UP, TRANSIT, ENGAGE = int(Mode.WAITING), int(Mode.FORM_UP), int(Mode.TRANSIT), int(Mode.ENGAGE)
PHOTO, RETURN, COVER = int(Mode.PHOTO), int(Mode.RETURN), int(Mode.COVER)


def decide_air_command(world: World, picture: Picture, armoury: Armoury, active: B, outside: bool = False) -> None:
    """Every rule in turn for Air Command's pilots in the air (alive, in battles being fought). Each rule
    takes those rows (ascending) and picks out the ones in the mode it concerns, so its cost grows with
    Air Command's craft, not with the swarm's. With `outside` (the step has a command hook), the flying
    rules that only decide commands pass by the pilots the hook flies (`doctrine.outside`)."""
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
        check_in(world, up)
        modes = _census(world, up)
    if modes[FORM_UP]:
        form_up(world, up)
        modes = _census(world, up)
    if modes[TRANSIT]:
        break_for_contact(world, up, picture)
        modes = _census(world, up)
    out_on_the_mission = modes[TRANSIT] or modes[ENGAGE] or modes[PHOTO] or modes[COVER]  # piloting.OUT_ON_THE_MISSION
    if out_on_the_mission and turn_for_home(world, up, picture):
        modes = _census(world, up)
    if modes[COVER] or modes[RETURN]:
        send_cover(world, up, picture, centre)
        modes = _census(world, up)
    # Who is forced down, who calls a mayday, who calls a kill, and the modes the flying rules find
    # (`triage.triage`); what they say, in that order.
    trouble, kills, flying = triage(world, up, picture)
    call_maydays(world, trouble)
    # Nobody enters transit after the census above: a stale count can only run the reports for nothing.
    if modes[TRANSIT]:
        report_positions(world, up)
    call_kills(world, kills)
    # Each flying rule concerns pilots in a few modes: a rule whose modes nobody is in is skipped.
    if flying[FORM_UP] or flying[TRANSIT]:
        bearing = _gap_bearing(world, centre)
        setting_out = fly_formation(world, up, centre, bearing)
        if len(setting_out):
            fly_the_circuit(world, setting_out)  # a circuit flown sends its squadron home
            flying = _census(world, up)
    # The flying rules below that only decide commands (the fight, evasion, the look-aheads) leave the
    # pilots flown from outside to the step's command hook, which overwrites them (`doctrine.outside`).
    # Whatever may change whether a pilot can be flown (the triage that cripples her) has run above.
    steered = up
    if outside:
        steered = flown_by_the_doctrine(
            up, world.flown_from_outside, world.status, world.pilot_dead, world.spinning, world.mode
        )
    fighting = bool(flying[ENGAGE] or flying[COVER] or flying[PHOTO])
    homing = bool(flying[RETURN])
    if homing:
        bearing = _gap_bearing(world, centre) if bearing is None else bearing
    # The crippled make to land, whether before the evading pilots or after: those rules touch no row of
    # theirs (evasion is for pilots fighting, taking pictures, covering, in transit or going home), and they
    # read nothing the other writes. In a World of thousands of craft, the rules spread over threads however
    # few of them are pilots (`engine.threads`).
    if threads.in_parallel(world.n):
        if fighting:
            fight(world, steered, picture, armoury, centre)
        if homing:
            assert bearing is not None
            fly_home(world, up, centre, bearing)
        if flying[CRIPPLED]:
            crippled(world, up)
        evade(world, steered, picture.tail_threat, picture.tail_range_m, picture.ship_range_m)
    else:
        _fight_home_and_evade(world, up, steered, picture, armoury, centre, bearing, fighting, homing)
        if flying[CRIPPLED]:
            crippled(world, up)

    if world.net_radius_m > 0 and (flying[FORM_UP] or flying[TRANSIT]):
        bearing = _gap_bearing(world, centre) if bearing is None else bearing
        _file_out_through_the_gap(world, up, centre, bearing)
    _steer_clear(world, steered)


def _fight_home_and_evade(
    world: World,
    up: I64,
    steered: I64,
    picture: Picture,
    armoury: Armoury,
    centre: F64,
    bearing: F64 | None,
    fighting: bool,
    homing: bool,
) -> None:
    """`fighting.fight` (when `fighting`) of the pilots `steered`, `piloting.fly_home` (when `homing`,
    along `bearing`) of those `up`, and `evasion.evade` of those `steered`, in one compiled call
    (`_fight_home_and_evade_rows`): at some ten pilots, three calls from Python cost more than the rules.
    (In a World of thousands of craft, whose pilots' rules spread over threads, the caller makes the
    calls one by one.)"""
    spec = armoury.spec
    streets = np.empty(len(steered), dtype=np.int64)
    n = _fight_home_and_evade_rows(
        fighting,
        homing,
        up,
        steered,
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
        arrays_of(world),
        streets,
    )
    dive_for_the_streets(world, streets[:n])


_NO_BEARING = np.zeros(0)  # what the compiled call takes for the gap's bearing when nobody goes home
# The rules as the compiled call runs them, in turn (a compiled function calls another by its name).
_fight_in_turn, _fly_home_in_turn = fight_kernel.in_turn, fly_home_kernel.in_turn


@numba.njit(cache=True, error_model="numpy")
def _fight_home_and_evade_rows(
    fighting: bool,
    homing: bool,
    up: I64,
    steered: I64,
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
    w: WorldArrays,
    streets: I64,
) -> int:
    """`fighting._fight_rows` (of `steered`), `piloting._fly_home_rows` (of `up`) and
    `evasion.evade_rows` (of `steered`) in that order, the first two only when asked; returns how many
    `evade_rows` marked in `streets`."""
    mode, status, battle, squadron, slot, target = w.mode, w.status, w.battle, w.squadron, w.slot, w.target
    x, y, z, speed, heading, gamma = w.x_m, w.y_m, w.z_m, w.speed_mps, w.heading_rad, w.gamma_rad
    cruise_speed, max_speed, health, fuel_kg = w.cruise_speed_mps, w.max_speed_mps, w.health, w.fuel_kg
    cmd_heading, cmd_gamma, cmd_throttle = w.cmd_heading_rad, w.cmd_gamma_rad, w.cmd_throttle
    if fighting:
        keep_range_m, sight_range_m, photo_orbit_m, has_target, target_x, target_y = fight
        _fight_in_turn(
            steered, keep_range_m, sight_range_m, photo_orbit_m, has_target, target_x, target_y, fleet_centre,
            nearest_enemy, nearest_range_m, tail_threat, tail_range_m, cannon_range, cannon_cone, rocket_min,
            rocket_max, rocket_cone, sides, squadrons_per_battle, mode, status, battle, squadron, slot, w.covering,
            w.rounds, w.rockets, w.smoking, x, y, z, speed, heading, gamma, cruise_speed, max_speed, target,
            cmd_heading, cmd_gamma, cmd_throttle, w.trigger, w.fire_rockets,
        )  # fmt: skip
    if homing:
        cruise_altitude_m, n_carriers, has_camp, camp_x, camp_y, net_radius_m = home
        _fly_home_in_turn(
            up, cruise_altitude_m, n_carriers, has_camp, camp_x, camp_y, net_radius_m, w.net_up, fleet_centre,
            gap_bearing, mode, battle, w.home_carrier, w.divert_to, w.carrier_xy, x, y, z, health, w.engines,
            w.fuel_limited, fuel_kg, cruise_speed, max_speed, cmd_heading, cmd_gamma, cmd_throttle, target,
        )  # fmt: skip
    evade_range_m, island, has_ship, skim_point = evasion
    n: int = evade_rows(
        steered, tail_threat, tail_range_m, ship_range_m, evade_range_m, island, has_ship, skim_point, mode, w.spinning,
        w.skill, w.row_seed, w.craft, w.tick, battle, x, y, z, heading, cmd_heading, cmd_gamma, cmd_throttle, streets,
    )  # fmt: skip
    return n


def _gap_bearing(world: World, centre: F64) -> F64:
    """Per battle, the bearing on which the net parts (`net.gap_bearing`); zeros with no net."""
    return gap_bearing(world, centre) if world.net_radius_m > 0 else np.zeros(world.n_battles)


@numba.njit(cache=True, error_model="numpy")
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


@numba.njit(cache=True, error_model="numpy")
def _count_modes(up: I64, mode: I8, counts: I64) -> None:
    """Each pilot of `up` counts once, in her mode."""
    for r in up:
        counts[mode[r]] += 1


@numba.njit(cache=True, error_model="numpy")
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
    some ten pilots, three calls from Python cost more than the rules themselves. In a World of
    thousands of craft, the look-aheads spread over threads (a cached compiled function cannot call a
    threaded one), however few of them are pilots (`engine.threads`)."""
    if threads.in_parallel(world.n):
        steering, lookahead, unspun = _how_they_steer(up, world.mode, world.spinning, world.skill)
        avoid_terrain(world, steering, lookahead)
        avoid_ship(world, unspun)
        return
    ship = world.ship_xyz
    _steer_clear_rows(
        up,
        arrays_of(world),
        world.theatre.ground,
        ship is not None,
        ship if ship is not None else (0.0, 0.0, 0.0),
        world.ship_half_m,
    )


# The two look-aheads as the compiled tail calls them, in turn (a compiled function calls another by name).
_pull_up_in_turn, _keep_off_in_turn = pull_up.in_turn, keep_off_the_hull.in_turn


@numba.njit(cache=True, error_model="numpy")
def _steer_clear_rows(
    up: I64,
    w: WorldArrays,
    ground: Ground,
    has_ship: bool,
    ship: tuple[float, float, float],
    half: tuple[float, float, float],
) -> None:
    """`_how_they_steer`, then the look-ahead for the ground (`steering._pull_up_rows`) and, with a ship
    in the scenario, for the hull (`steering._keep_off_the_hull_rows`, 4 s ahead, as `avoid_ship`)."""
    state = (
        w.x_m, w.y_m, w.z_m, w.speed_mps, w.heading_rad, w.gamma_rad, w.sin_heading, w.cos_heading, w.sin_gamma,
        w.cos_gamma,
    )  # fmt: skip
    max_g, stall_speed, cmd_heading, cmd_gamma, cmd_throttle = (
        w.max_g, w.stall_speed_mps, w.cmd_heading_rad, w.cmd_gamma_rad, w.cmd_throttle,
    )  # fmt: skip
    steering, lookahead, unspun = _how_they_steer(up, w.mode, w.spinning, w.skill)
    _pull_up_in_turn(steering, lookahead, state, max_g, stall_speed, cmd_heading, ground, cmd_gamma, cmd_throttle)
    if has_ship:
        _keep_off_in_turn(unspun, 4.0, ship, half, state, cmd_heading, cmd_gamma, cmd_throttle)


# -------------------------------------------------------------------------------------------- flying


def _file_out_through_the_gap(world: World, up: I64, fleet: F64, gap_bearing_rad: F64) -> None:
    """Out through the net only by its gap: an aircraft inside that is leaving (forming up or in transit,
    and not spinning) flies out along the gap's line (aiming `GAP_LEAD_M` further along it) at cruise
    throttle or more. Elsewhere the net would hold it. (Coming home, the way in by the gap is
    `piloting.fly_home`'s.) One compiled call (`_file_out_rows`)."""
    if world.net_radius_m <= 0 or not len(up):
        return
    _file_out_rows(up, arrays_of(world), fleet, gap_bearing_rad, float(world.net_radius_m))


@numba.njit(cache=True, error_model="numpy")
def _file_out_rows(up: I64, w: WorldArrays, fleet: F64, gap_bearing_rad: F64, net_radius_m: float) -> None:
    """`_file_out_through_the_gap`'s rule for each pilot of `up` forming up or in transit and not
    spinning, inside the dome (within 500 m outside it, counting her height above the sea): each writes
    only her own commands, aiming at the point on the gap's line as far out as she is plus `GAP_LEAD_M`,
    at `FORM_UP_ALTITUDE_M` (gain 600 m, as `steering.steer_to`)."""
    mode, spinning, battle, net_up = w.mode, w.spinning, w.battle, w.net_up
    x, y, z = w.x_m, w.y_m, w.z_m
    cmd_heading, cmd_gamma, cmd_throttle = w.cmd_heading_rad, w.cmd_gamma_rad, w.cmd_throttle
    cruise_speed, max_speed = w.cruise_speed_mps, w.max_speed_mps
    for r in up:
        if (mode[r] != FORM_UP and mode[r] != TRANSIT) or spinning[r]:
            continue
        b = battle[r]
        cx, cy = fleet[b, 0], fleet[b, 1]
        dx, dy = x[r] - cx, y[r] - cy
        height = max(z[r], 0.0)
        if not (net_up[b] and math.sqrt(dx * dx + dy * dy + height * height) < net_radius_m + 500.0):
            continue
        reach = math.hypot(dx, dy) + GAP_LEAD_M
        bearing = gap_bearing_rad[b]
        gx, gy = cx + reach * math.sin(bearing), cy + reach * math.cos(bearing)
        cmd_heading[r], cmd_gamma[r] = aim(x[r], y[r], z[r], gx, gy, FORM_UP_ALTITUDE_M, 600.0)
        cruise = cruise_speed[r] / max_speed[r]
        cmd_throttle[r] = max(cmd_throttle[r], cruise * cruise)
