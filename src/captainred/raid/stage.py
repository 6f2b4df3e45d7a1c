"""The night raid, a stage of the step: the party crosses the ruins cover to cover, is spotted or not,
fights what finds it, waits in the rubble for the fleet's bombardment, sprints for a breach and climbs in
before the plates close, follows the corridors to the captive's cell, and brings her out, while her
memories are searched and the swarm leaves the ship wave after wave for the front.

Every rule is a hazard per second or a distance per second, drawn from the counter-based generator keyed
by (battle seed, member, tick, purpose), so a battle's raid is the same alone or in a batch. The numbers
are design values (CANON.md gives the story's; the rest are chosen so the story's night is a likely one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from captainred.engine.events import Event, EventKind
from captainred.engine.party import MEMBER_ID_BASE, SPACING_M, Party, Phase, speed_factor
from captainred.engine.rng import Purpose, uniform
from captainred.engine.world import F64, B, World, emit_battle

WALK_MPS = 1.1  # cover to cover at night, unladen
SPRINT_MPS = 6.0
CORRIDOR_MPS = 1.3
RAID_TICK_S = 1.0  # the step's tick while a party is out (the combat tick while it sprints and climbs)

SPOT_PER_S = 1 / 8000  # a party of four at full pace in cover, patrols as the story, a half moon
SIZE_EXPONENT = 1.0  # detection grows with the party's size...
OPEN_GROUND = 3.0  # ...three times over open ground...
STILL = 0.25  # ...a quarter while it lies still in the rubble
FIRES_S, FIRE_REACH_M = 180.0, 500.0  # a shell's fires light the ruins this long, this far
PATROL_RANGE_M = (60.0, 300.0)  # a patrol opens fire from somewhere in here, at night
GUARDS, GUARD_RANGE_M, GUARDS_PER_M = 3, 12.0, 1 / 800  # inside: guards met per metre of corridor

KILL_PER_S = 0.08  # foes one soldier downs a second, firing a 600-round-a-minute weapon at point blank
FOE_HIT_PER_S = 0.008  # hits a second each foe scores on the party, in the open at night
GUARD_HIT_PER_S = 0.01
COVER = 0.5  # in cover, fewer hits
KILLED_BY_A_HIT = 0.35

SHELL_COVER = 0.35  # the rubble shields from a blast: its lethal reach shrinks to this
WALL_REACH_M, WALL_FALLS, WALL_CRUSH_M = 80.0, 0.3, 15.0
BLEED_DEATH_PER_S = 1 / 2400

FLANK_M, BREACH_REACH_M = 120.0, 300.0  # a shell this far in from the flank breaches the side within reach
SPRINT_HIT_PER_S = 0.004
CRUSHED = 0.35  # caught by the closing plate: crushed, or else stripped of pack and weapon

BREAK_PER_S = 0.15 / 3600  # the captive's secret, a second, at three days searched and a will of 0.9
DIES_BROKEN_PER_S = 1 / (4 * 3600)
THREE_DAYS_S = 3 * 86400.0


def raid_tick_s(world: World) -> F64 | None:
    """(n_battles,): the longest tick the raid allows each battle (inf where no party is out; None: no
    raid in this World)."""
    party = world.party
    if party is None:
        return None
    out = np.where(party.phase == int(Phase.SPRINT), world.plan.timing.combat_tick_s, RAID_TICK_S)
    waiting_to_set_out = party.phase == int(Phase.CAMP)
    until = np.maximum(party.raid.set_out_s - world.time_s, world.plan.timing.combat_tick_s)
    out = np.where(waiting_to_set_out, until, out)
    tick: F64 = np.where(party.phase == int(Phase.DONE), np.inf, out)
    return tick


def raid_pending(world: World) -> B:
    """(n_battles,): the party is still out."""
    if world.party is None:
        return np.zeros(world.n_battles, dtype=bool)
    pending: B = world.party.phase != int(Phase.DONE)
    return pending


def advance_raid(world: World, active: B) -> None:
    """The raid's stage of the step, for every battle whose party is out."""
    party = world.party
    if party is None:
        return
    going = active & (party.phase != int(Phase.DONE))
    if not going.any():
        return
    for b in np.flatnonzero(going & (party.phase == int(Phase.CAMP))).tolist():
        if world.time_s[b] >= party.raid.set_out_s - 1e-9:
            _set_out(world, party, b)
    out = going & (party.phase != int(Phase.CAMP))
    _bombardment(world, party, out)
    _captive(world, party, out)
    _waves(world, party, out)
    _bleeding(world, party, out)
    for b in np.flatnonzero(out).tolist():
        phase = int(party.phase[b])
        if phase == int(Phase.APPROACH):
            _approach(world, party, b)
        elif phase == int(Phase.PATCHING):
            _patch(world, party, b)
        elif phase == int(Phase.FIREFIGHT):
            _firefight(world, party, b)
        elif phase == int(Phase.SPRINT):
            _sprint(world, party, b)
        elif phase in (Phase.INSIDE, Phase.RETURNING):
            _corridors(world, party, b)
        if party.phase[b] in (Phase.APPROACH, Phase.WAITING):
            _spotted(world, party, b)
        _end_if_over(world, party, b)


def close_raid(world: World, b: int) -> None:
    """The battle is ending: whatever the party is doing, the raid is over (it may be trapped inside)."""
    party = world.party
    if party is not None and not party.over[b] and party.phase[b] != int(Phase.CAMP):
        _over(world, party, b)


# ----------------------------------------------------------------------------------------------- phases


def _set_out(world: World, party: Party, b: int) -> None:
    party.phase[b] = Phase.APPROACH
    party.set_out_s[b] = world.time_s[b]
    party.next_wave_s[b] = world.time_s[b]
    members = [
        {
            "name": issue.pilot.name,
            "callsign": issue.pilot.callsign,
            "squadron": issue.squadron,
            "weapon": issue.weapon.name,
            "sidearm": issue.sidearm.name if issue.sidearm else None,
            "first_aid_kit": issue.first_aid_kit,
            "load_kg": round(issue.load_kg(party.raid), 1),
        }
        for issue in party.kit
    ]
    emit_battle(world, b, EventKind.PARTY_SET_OUT, _at(party, b, 0), members=members)


def _pace(party: Party, rows: np.ndarray) -> float:
    """The party keeps together: it goes at its slowest member's pace (a bleeding one slows it by half)."""
    alive = rows[party.alive[rows]]
    if not len(alive):
        return 0.0
    pace = float(speed_factor(party.load_kg[alive]).min())
    return pace * (0.5 if party.bleeding[alive].any() else 1.0)


def _approach(world: World, party: Party, b: int) -> None:
    rows = np.arange(b * party.m, (b + 1) * party.m)
    party.progress_m[b] = min(party.route_length_m, party.progress_m[b] + WALK_MPS * _pace(party, rows) * world.dt_s[b])
    _place_on_route(party, b)
    if party.progress_m[b] >= party.route_length_m:
        party.phase[b] = party.resume[b] = Phase.WAITING
        minutes = (world.time_s[b] - party.set_out_s[b]) / 60.0
        emit_battle(
            world, b, EventKind.AT_RUBBLE, _at(party, b, 0), minutes=round(float(minutes), 1), alive=_alive(party, b)
        )


def _place_on_route(party: Party, b: int) -> None:
    """The column strung out behind its leader along the route (those already inside stay put)."""
    rows = np.arange(b * party.m, (b + 1) * party.m)
    k = party.route_index(party.progress_m[b] - SPACING_M * np.arange(party.m))
    outside = ~party.inside[rows]
    party.x_m[rows[outside]] = party.route_xy[k[outside], 0]
    party.y_m[rows[outside]] = party.route_xy[k[outside], 1]


def _in_cover(party: Party, b: int) -> bool:
    if party.phase[b] == int(Phase.WAITING):
        return True
    return bool(party.route_cover[party.route_index(float(party.progress_m[b]))])


def _spotted(world: World, party: Party, b: int) -> None:
    """A patrol sees the party: more likely the bigger, louder, faster and better lit it is."""
    raid = party.raid
    rows = np.arange(b * party.m, (b + 1) * party.m)
    alive = rows[party.alive[rows] & ~party.outside_for_good[rows]]
    if not len(alive):
        return
    noise = sum(party.kit[int(party.member[r])].weapon.noise for r in alive.tolist() if not party.stripped[r]) / max(
        1, len(alive)
    )
    light = 0.3 + raid.moonlight + (1.0 if world.time_s[b] < party.fires_until_s[b] else 0.0)
    # On the move, in proportion to its pace (a party slowed by its load is quieter); lying still, a quarter.
    rows_alive = np.arange(b * party.m, (b + 1) * party.m)
    motion = _pace(party, rows_alive) if party.phase[b] == int(Phase.APPROACH) else STILL
    hazard = (
        SPOT_PER_S
        * raid.patrols
        * (len(alive) / 4.0) ** SIZE_EXPONENT
        * (0.5 + 0.5 * noise)
        * light
        * (1.0 if _in_cover(party, b) else OPEN_GROUND)
        * motion
        * (1.0 + party.alarm[b])
    )
    draw = float(uniform(world.seed[b], MEMBER_ID_BASE, world.tick[b], Purpose.RAID_SPOTTED))
    if draw < 1.0 - np.exp(-hazard * world.dt_s[b]):
        low, high = PATROL_RANGE_M
        span = float(uniform(world.seed[b], MEMBER_ID_BASE + 1, world.tick[b], Purpose.RAID_RANGE))
        _fight(world, party, b, "patrol", raid.patrol_size, low + (high - low) * span)


def _fight(world: World, party: Party, b: int, by: str, foes: int, range_m: float) -> None:
    party.resume[b] = party.phase[b]
    party.phase[b] = Phase.FIREFIGHT
    party.foes[b] = party.foes_start[b] = foes
    party.foes_range_m[b] = range_m
    party.foes_by[b] = by
    party.fight_since_s[b] = world.time_s[b]
    emit_battle(world, b, EventKind.PARTY_SPOTTED, _at(party, b, 0), by=by, foes=foes, range_m=round(range_m, 1))


def _firefight(world: World, party: Party, b: int) -> None:
    """Both sides fire: the party's weapons by their reach (in the open) or handling (in a corridor)."""
    rows = np.arange(b * party.m, (b + 1) * party.m)
    inside = party.foes_by[b] == "guards"
    fighting = rows[party.alive[rows] & ~party.outside_for_good[rows] & (party.inside[rows] == inside)]
    dt, tick, seed = float(world.dt_s[b]), int(world.tick[b]), world.seed[b]
    range_m = float(party.foes_range_m[b])
    firepower = 0.0
    for r in fighting.tolist():
        issue = party.kit[int(party.member[r])]
        arm = issue.sidearm if party.stripped[r] else issue.weapon
        if arm is None:
            continue
        reach = min(1.0, arm.effective_range_m / range_m) ** 2
        firepower += (
            KILL_PER_S
            * np.sqrt(arm.rate_rpm / 600.0)
            * reach
            * (0.5 + 0.5 * party.skill[r])
            * (arm.handling if inside else 1.0)
        )
    foes = int(party.foes[b])
    if foes and firepower > 0:
        ids = MEMBER_ID_BASE + 1000 + np.arange(foes)
        down = uniform(seed, ids, tick, Purpose.RAID_FOE_DOWN) < 1.0 - np.exp(-firepower / foes * dt)
        party.foes[b] = foes - int(down.sum())
    if len(fighting) and foes:
        rate = (GUARD_HIT_PER_S if inside else FOE_HIT_PER_S) * foes / len(fighting)
        rate *= COVER if inside or _in_cover(party, b) else 1.0
        hit = uniform(seed, MEMBER_ID_BASE + party.member[fighting], tick, Purpose.RAID_HIT) < 1.0 - np.exp(-rate * dt)
        for r in fighting[hit].tolist():
            _hurt(world, party, r, "fire")
    still = rows[party.alive[rows] & ~party.outside_for_good[rows]]
    if party.foes[b] == 0 or not len(still):
        emit_battle(
            world,
            b,
            EventKind.FIREFIGHT_OVER,
            _at(party, b, 0),
            by=party.foes_by[b],
            foes_down=int(party.foes_start[b] - party.foes[b]),
            seconds=round(float(world.time_s[b] - party.fight_since_s[b]), 1),
        )
        party.alarm[b] += 0.5
        party.phase[b] = party.resume[b]
        party.foes[b] = 0


def _hurt(world: World, party: Party, r: int, cause: str, *, killed_p: float = KILLED_BY_A_HIT) -> None:
    """One member is hit: killed outright (or if already wounded), or wounded and bleeding."""
    b = int(party.battle[r])
    draw = float(uniform(world.seed[b], MEMBER_ID_BASE + party.member[r], world.tick[b], Purpose.RAID_WOUND))
    killed = party.wounded[r] or draw < killed_p
    if killed:
        party.alive[r] = False
        party.bleeding[r] = False
    else:
        party.wounded[r] = party.bleeding[r] = True
    _emit_member(world, party, r, EventKind.PARTY_HIT, cause=cause, outcome="killed" if killed else "wounded")


def _bleeding(world: World, party: Party, out: B) -> None:
    """An undressed wound can kill; the party halts to dress it while the first-aid kit lasts."""
    bleeding = np.flatnonzero(party.bleeding & party.alive & out[party.battle])
    if len(bleeding):
        b_of = party.battle[bleeding]
        draws = uniform(
            world.seed[b_of], MEMBER_ID_BASE + 500 + party.member[bleeding], world.tick[b_of], Purpose.RAID_WOUND
        )
        dying = draws < 1.0 - np.exp(-BLEED_DEATH_PER_S * world.dt_s[b_of])
        for r in bleeding[dying].tolist():
            party.alive[r] = party.bleeding[r] = False
            _emit_member(world, party, r, EventKind.PARTY_HIT, cause="wounds", outcome="killed")
    can_halt = (
        (party.phase == int(Phase.APPROACH)) | (party.phase == int(Phase.WAITING)) | (party.phase == int(Phase.INSIDE))
    )
    for b in np.flatnonzero(out & can_halt & (party.kit_uses > 0)).tolist():
        rows = np.arange(b * party.m, (b + 1) * party.m)
        waiting = rows[party.bleeding[rows] & party.alive[rows] & ~party.outside_for_good[rows]]
        if len(waiting):
            party.resume[b] = party.phase[b]
            party.phase[b] = Phase.PATCHING
            party.patching[b] = int(waiting[0])
            party.halt_until_s[b] = world.time_s[b] + party.raid.patch_s
            party.kit_uses[b] -= 1


def _patch(world: World, party: Party, b: int) -> None:
    if world.time_s[b] < party.halt_until_s[b] - 1e-9:
        return
    r = int(party.patching[b])
    if party.alive[r]:
        party.bleeding[r] = False
        _emit_member(world, party, r, EventKind.PATCHED, uses_left=int(party.kit_uses[b]), seconds=party.raid.patch_s)
    party.patching[b] = -1
    party.phase[b] = party.resume[b]


def _bombardment(world: World, party: Party, out: B) -> None:
    """The fleet's shells: a blast near a member, a wall brought down on her, fires that light the ruins,
    and a breach in the hull's side that the party, waiting in the rubble, runs for."""
    from captainred.fleet.bombardment import landings

    for b in np.flatnonzero(out).tolist():
        falls = [
            landing
            for index in range(len(world.plan.bombardments))
            for landing in landings(world, b, index, float(world.tick_start_s[b]), float(world.time_s[b]))
        ]
        # Every blast of the tick first, then the breaches: whoever goes through a new hole has been
        # under the same salvo's shells already, not after them.
        for n, landing in enumerate(falls):
            if landing.struck == "ground":
                _shell_on_party(world, party, b, n, landing)
        for landing in falls:
            if landing.struck == "hull" and abs(landing.x_m - party.flank_x_m) < FLANK_M:
                _breach_opens(world, party, b, landing)


def _shell_on_party(world: World, party: Party, b: int, n: int, landing: Any) -> None:
    """A blast near the party: its lethal reach shrunk by the rubble, wounds a little beyond, fires, walls.
    Those left outside have pulled back from the hull and are out of it."""
    rows = np.arange(b * party.m, (b + 1) * party.m)
    outdoors = rows[party.alive[rows] & ~party.inside[rows] & ~party.outside_for_good[rows]]
    seed, tick = world.seed[b], int(world.tick[b])
    if len(outdoors):
        gap = np.hypot(party.x_m[outdoors] - landing.x_m, party.y_m[outdoors] - landing.y_m)
        if len(gap) and float(gap.min()) < FIRE_REACH_M:
            party.fires_until_s[b] = max(party.fires_until_s[b], world.time_s[b] + FIRES_S)
        lethal = landing.danger_m * SHELL_COVER
        for r, d in zip(outdoors.tolist(), gap.tolist(), strict=True):
            if d < lethal:
                _hurt(world, party, r, "shell", killed_p=0.5)
            elif d < 2 * lethal:
                draw = float(uniform(seed, MEMBER_ID_BASE + 2000 + n * 16 + party.member[r], tick, Purpose.RAID_SHELL))
                if draw < 0.3:
                    _hurt(world, party, r, "shell", killed_p=0.0)
        _wall(world, party, b, n, landing, outdoors)


def _wall(world: World, party: Party, b: int, n: int, landing: Any, outdoors: np.ndarray) -> None:
    """A shell near standing walls may bring one down on whoever shelters by it."""
    if not len(outdoors):
        return
    walls = party.route_xy[party.route_wall]
    if not len(walls):
        return
    near = walls[np.hypot(walls[:, 0] - landing.x_m, walls[:, 1] - landing.y_m) < WALL_REACH_M]
    if not len(near):
        return
    sheltering = [
        r
        for r in outdoors.tolist()
        if np.hypot(near[:, 0] - party.x_m[r], near[:, 1] - party.y_m[r]).min() < WALL_CRUSH_M
    ]
    if not sheltering:
        return
    draw = float(uniform(world.seed[b], MEMBER_ID_BASE + 3000 + n, world.tick[b], Purpose.RAID_WALL))
    if draw >= WALL_FALLS:
        return
    r0 = sheltering[0]
    emit_battle(
        world, b, EventKind.WALL_COLLAPSE, (float(party.x_m[r0]), float(party.y_m[r0]), 0.0), reach_m=WALL_CRUSH_M
    )
    for r in sheltering:
        draw = float(uniform(world.seed[b], MEMBER_ID_BASE + 4000 + party.member[r], world.tick[b], Purpose.RAID_WALL))
        if draw < 0.25:
            _hurt(world, party, r, "wall", killed_p=1.0)
        elif draw < 0.6:
            _hurt(world, party, r, "wall", killed_p=0.0)


def _breach_opens(world: World, party: Party, b: int, landing: Any) -> None:
    rubble = np.asarray(party.raid.rubble_m)
    point = np.array([party.flank_x_m, landing.y_m])
    distance = float(np.hypot(*(point - rubble)))
    if distance > BREACH_REACH_M or world.time_s[b] >= landing.seals_at_s:
        return
    rows = np.arange(b * party.m, (b + 1) * party.m)
    if party.phase[b] == int(Phase.WAITING):
        runners = rows[party.alive[rows] & ~party.outside_for_good[rows]]
        if not len(runners):
            return
        party.phase[b] = Phase.SPRINT
        party.breach[b] = landing.breach
        party.breach_xy[b] = point
        party.breach_seals_s[b] = landing.seals_at_s
        order = np.arange(len(runners))
        party.to_breach_m[runners] = distance + SPACING_M * order
        emit_battle(
            world,
            b,
            EventKind.SPRINT,
            (float(point[0]), float(point[1]), party.raid.breach_height_m),
            breach=landing.breach,
            range_m=round(distance, 1),
            seals_at_s=landing.seals_at_s,
        )
    elif party.phase[b] == int(Phase.RETURNING) and party.corridor_m[b] <= 0.0:
        # Back at the hull from inside with the captive: out through the new hole before it closes.
        party.breach_xy[b] = point
        for r in rows[party.alive[rows] & party.inside[rows]].tolist():
            party.inside[r] = False
            party.came_out[r] = True
            party.x_m[r], party.y_m[r] = party.raid.rubble_m
            _emit_member(world, party, r, EventKind.THROUGH_BREACH, breach=landing.breach, way="out")
        party.phase[b] = Phase.DONE


def _sprint(world: World, party: Party, b: int) -> None:
    """The open ground to the breach under whatever the enemy sees, then one at a time up into it."""
    rows = np.arange(b * party.m, (b + 1) * party.m)
    raid, dt, now = party.raid, float(world.dt_s[b]), float(world.time_s[b])
    running = rows[
        party.alive[rows] & ~party.inside[rows] & ~party.outside_for_good[rows] & (party.to_breach_m[rows] > 0)
    ]
    if len(running):
        pace = SPRINT_MPS * speed_factor(party.load_kg[running]) * np.where(party.wounded[running], 0.6, 1.0)
        party.to_breach_m[running] = np.maximum(0.0, party.to_breach_m[running] - pace * dt)
        light = 0.5 + raid.moonlight + (1.0 if now < party.fires_until_s[b] else 0.0)
        rate = SPRINT_HIT_PER_S * light * (1.0 + party.alarm[b])
        draws = uniform(world.seed[b], MEMBER_ID_BASE + 5000 + party.member[running], world.tick[b], Purpose.RAID_HIT)
        for r in running[draws < 1.0 - np.exp(-rate * dt)].tolist():
            _hurt(world, party, r, "fire")
        bx, by = party.breach_xy[b]
        for r in running.tolist():
            frac = party.to_breach_m[r] / max(1.0, party.to_breach_m[r] + 1.0)
            party.x_m[r] += (bx - party.x_m[r]) * (1 - frac)
            party.y_m[r] += (by - party.y_m[r]) * (1 - frac)
    climber = int(party.climbing[b])
    if climber >= 0 and now >= party.breach_seals_s[b] - 1e-9:
        _plate_closes_on(world, party, climber)
        climber = -1
    elif climber >= 0 and now >= party.climb_done_s[b] - 1e-9:
        party.inside[climber] = True
        _emit_member(world, party, climber, EventKind.THROUGH_BREACH, breach=int(party.breach[b]), way="in")
        climber = -1
    party.climbing[b] = climber
    at_foot = rows[
        party.alive[rows] & ~party.inside[rows] & ~party.outside_for_good[rows] & (party.to_breach_m[rows] <= 0)
    ]
    if climber < 0 and len(at_foot) and now < party.breach_seals_s[b] - 1e-9:
        nxt = int(at_foot[0])
        party.climbing[b] = nxt
        party.climb_done_s[b] = now + raid.climb_s * (1.5 if party.wounded[nxt] else 1.0)
    if now >= party.breach_seals_s[b] - 1e-9:
        _breach_closed(world, party, b)


def _plate_closes_on(world: World, party: Party, r: int) -> None:
    b = int(party.battle[r])
    draw = float(uniform(world.seed[b], MEMBER_ID_BASE + 6000 + party.member[r], world.tick[b], Purpose.RAID_PLATE))
    if draw < CRUSHED:
        _hurt(world, party, r, "plate", killed_p=1.0)
        return
    # The plate tears away her pack and her weapon; she is through, with what is in her holster.
    issue = party.kit[int(party.member[r])]
    party.stripped[r] = True
    party.inside[r] = True
    party.load_kg[r] = issue.sidearm.weight_kg if issue.sidearm else 0.0
    _emit_member(world, party, r, EventKind.STRIPPED, breach=int(party.breach[b]))
    _emit_member(world, party, r, EventKind.THROUGH_BREACH, breach=int(party.breach[b]), way="in")


def _breach_closed(world: World, party: Party, b: int) -> None:
    rows = np.arange(b * party.m, (b + 1) * party.m)
    got_in = rows[party.alive[rows] & party.inside[rows]]
    outside = rows[party.alive[rows] & ~party.inside[rows] & ~party.outside_for_good[rows]]
    party.climbing[b] = -1
    party.to_breach_m[rows] = 0.0
    if not len(got_in):
        party.phase[b] = party.resume[b] = Phase.WAITING  # nobody through: back into the rubble for the next
        return
    for r in outside.tolist():
        party.outside_for_good[r] = True
        party.x_m[r], party.y_m[r] = party.raid.rubble_m
        _emit_member(world, party, r, EventKind.LEFT_OUTSIDE, breach=int(party.breach[b]))
    party.phase[b] = party.resume[b] = Phase.INSIDE
    party.corridor_m[b] = 0.0


def _corridors(world: World, party: Party, b: int) -> None:
    """Along the green-lit corridors to the cell, and back with her; the ship's guards on the way."""
    rows = np.arange(b * party.m, (b + 1) * party.m)
    inside = rows[party.alive[rows] & party.inside[rows]]
    if not len(inside):
        return
    ahead = party.phase[b] == int(Phase.INSIDE)
    if not ahead and party.corridor_m[b] <= 0.0:
        return  # at the hull, waiting for the next breach to get out
    step = CORRIDOR_MPS * float(speed_factor(party.load_kg[inside]).min()) * float(world.dt_s[b])
    party.corridor_m[b] = min(party.raid.corridor_m, max(0.0, party.corridor_m[b] + (step if ahead else -step)))
    hazard = party.raid.defenders * GUARDS_PER_M * step
    draw = float(uniform(world.seed[b], MEMBER_ID_BASE + 2, world.tick[b], Purpose.RAID_SPOTTED))
    if draw < 1.0 - np.exp(-hazard):
        _fight(world, party, b, "guards", GUARDS, GUARD_RANGE_M)
        return
    if ahead and party.corridor_m[b] >= party.raid.corridor_m:
        found = bool(party.captive_alive[b])
        emit_battle(
            world,
            b,
            EventKind.CAPTIVE_FOUND,
            captive=party.raid.captive,
            alive=found,
            broken=bool(party.secret_broken[b]),
        )
        party.captive_held[b] = False
        party.phase[b] = party.resume[b] = Phase.RETURNING


def _captive(world: World, party: Party, out: B) -> None:
    """While she is held her memories are searched: her will holds the secret for a while, and the longer
    the search, the likelier it breaks; broken, the machine may burn her out."""
    held = out & party.captive_held & party.captive_alive
    if not held.any():
        return
    dt = world.dt_s
    party.searched_s[held] += dt[held]
    will = party.raid.captive_will
    rate = BREAK_PER_S * (party.searched_s / THREE_DAYS_S) ** 2 * (1.2 - will) / 0.3
    draw = uniform(world.seed, MEMBER_ID_BASE + 7000, world.tick, Purpose.RAID_CAPTIVE)
    breaks = held & ~party.secret_broken & (draw < 1.0 - np.exp(-rate * dt))
    for b in np.flatnonzero(breaks).tolist():
        party.secret_broken[b] = True
        emit_battle(
            world,
            b,
            EventKind.SECRET_BROKEN,
            captive=party.raid.captive,
            searched_h=round(float(party.searched_s[b]) / 3600, 1),
        )
    draw = uniform(world.seed, MEMBER_ID_BASE + 7001, world.tick, Purpose.RAID_CAPTIVE)
    dies = held & party.secret_broken & ~breaks & (draw < 1.0 - np.exp(-DIES_BROKEN_PER_S * dt))
    for b in np.flatnonzero(dies).tolist():
        party.captive_alive[b] = False
        emit_battle(world, b, EventKind.CAPTIVE_DIED, captive=party.raid.captive)


def _waves(world: World, party: Party, out: B) -> None:
    """Overhead, the swarm leaves the ship for the front lines, wave after wave."""
    raid = party.raid
    if raid.swarm_wave == 0 or world.ship_xyz is None:
        return
    due = out & (world.time_s >= party.next_wave_s - 1e-9)
    for b in np.flatnonzero(due).tolist():
        party.waves[b] += 1
        party.next_wave_s[b] += raid.swarm_wave_every_s
        emit_battle(world, b, EventKind.SWARM_WAVE, world.ship_xyz, craft=raid.swarm_wave, wave=int(party.waves[b]))


def _end_if_over(world: World, party: Party, b: int) -> None:
    rows = np.arange(b * party.m, (b + 1) * party.m)
    in_play = party.alive[rows] & ~party.outside_for_good[rows]
    if party.phase[b] == int(Phase.DONE) or not in_play.any():
        party.phase[b] = Phase.DONE
        _over(world, party, b)


def _over(world: World, party: Party, b: int) -> None:
    rows = np.arange(b * party.m, (b + 1) * party.m)
    trapped = bool((party.alive[rows] & party.inside[rows]).any())
    freed = not party.captive_held[b]
    out_with_her = freed and bool(party.came_out[rows].any())
    if not party.captive_alive[b]:
        captive = "dead"
    elif out_with_her:
        captive = "rescued"
    else:
        captive = "still held"
    state = "broken" if party.secret_broken[b] else "holding"
    emit_battle(
        world,
        b,
        EventKind.RAID_OVER,
        who=party.raid.captive,
        captive=captive,
        captive_state=state,
        secret_kept=not bool(party.secret_broken[b]),
        trapped=trapped,
        searched_h=round(float(party.searched_s[b]) / 3600, 1),
        minutes=round(float(world.time_s[b] - party.set_out_s[b]) / 60.0, 1),
    )
    party.over[b] = True
    party.phase[b] = Phase.DONE


# ---------------------------------------------------------------------------------------------- helpers


def _alive(party: Party, b: int) -> int:
    return int(party.alive[b * party.m : (b + 1) * party.m].sum())


def _at(party: Party, b: int, i: int) -> tuple[float, float, float]:
    r = b * party.m + i
    return float(party.x_m[r]), float(party.y_m[r]), 0.0


def _emit_member(world: World, party: Party, r: int, kind: EventKind, **details: Any) -> None:
    b = int(party.battle[r])
    issue = party.kit[int(party.member[r])]
    world.logs[b].append(
        Event(
            tick=int(world.tick[b]),
            time_s=float(world.time_s[b]),
            kind=kind,
            actor=MEMBER_ID_BASE + int(party.member[r]),
            position_m=(float(party.x_m[r]), float(party.y_m[r]), 0.0),
            details={"name": issue.pilot.name, **details},
        )
    )
