"""Damage by subsystem, and what each kind of damage does (CANON.md's "how a Guardian breaks").

An engine hit costs thrust and trails smoke; holed wings cost lift and turn and may fail under high g;
a shot-up tail plane and rudder make the controls sluggish; a dead radio cuts a call off mid-word; a holed
tank leaks; a hit pilot is wounded or killed; a destroyed airframe is a loss. An LGF has no subsystems:
one good hit brings it down, a lighter one sets it smoking and a second finishes it.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.events import EventKind
from captainred.engine.radio import cut_call
from captainred.engine.rng import CHANCE_SLACK, Purpose, uniform, uniform_one
from captainred.engine.weapons import WEAPON_NAMES, Hits
from captainred.engine.world import (
    F64,
    I64,
    LGF,
    SUBSYSTEM_NAMES,
    B,
    Flag,
    Status,
    Sub,
    World,
    emit,
)

WOUND_THRESHOLD = 0.6
LEAK_KG_S_PER_DAMAGE = 1.4
WING_FAILURE_HAZARD_PER_S = 0.15  # at a wing shot to nothing and the full g limit
# Plain ints for the compiled kernel.
AIRBORNE, WING_PORT, WING_STARBOARD = int(Status.AIRBORNE), int(Sub.WING_PORT), int(Sub.WING_STARBOARD)
WING_FAILURE = int(Purpose.WING_FAILURE)  # a plain int for the compiled kernel
TAIL_HIT = int(Flag.TAIL_HIT)


def apply_hits(world: World, hits: Hits) -> None:
    """Record each hit, then work out what broke."""
    if len(hits.shooter) == 0:
        return
    struck = np.unique(hits.target)
    before = world.health[struck]  # a copy: only the rows hit this tick
    np.subtract.at(world.health, (hits.target, hits.subsystem), hits.severity)
    world.health[struck] = np.clip(world.health[struck], 0.0, 1.0)
    order = np.lexsort((hits.shooter, world.battle[hits.target]))
    for k in order.tolist():
        emit(
            world,
            int(hits.shooter[k]),
            EventKind.HIT,
            target=int(hits.target[k]),
            weapon=WEAPON_NAMES[int(hits.weapon[k])],
            subsystem=SUBSYSTEM_NAMES[int(hits.subsystem[k])],
            severity=float(hits.severity[k]),
        )
    # Credit for a kill goes to the heaviest hit on the target this tick (ties: the lowest row).
    credit: dict[int, tuple[int, int]] = {}
    for k in np.lexsort((hits.shooter, -hits.severity)).tolist():
        credit.setdefault(int(hits.target[k]), (int(hits.shooter[k]), int(hits.weapon[k])))
    for target in sorted(credit):
        consequences(world, target, before[np.searchsorted(struck, target)], credit[target])


def consequences(world: World, row: int, before: F64, credit: tuple[int, int] | None) -> None:
    """Events and state for everything that crossed a threshold on craft `row`."""
    h = world.health[row]
    if world.side[row] == LGF or not world.types_have_subsystems[world.type_index[row]]:
        if h[Sub.AIRFRAME] <= 0.0:
            lose(world, row, EventKind.DESTROYED, credit, cause="shot down")
        elif h[Sub.AIRFRAME] < 1.0 and before[Sub.AIRFRAME] >= 1.0:
            world.smoking[row] = True
            emit(world, row, EventKind.SMOKING)
        return

    def crossed(sub: Sub, threshold: float) -> bool:
        return bool(h[sub] <= threshold < before[sub]) or bool(h[sub] < threshold <= before[sub])

    for sub, flag in (
        (Sub.ENGINE_PORT, Flag.ENGINE_PORT_OUT),
        (Sub.ENGINE_STARBOARD, Flag.ENGINE_STARBOARD_OUT),
    ):
        if h[sub] <= 0.0 and not world.flags[row] & flag:
            world.flags[row] |= flag
            world.smoking[row] = True
            emit(
                world,
                row,
                EventKind.SUBSYSTEM,
                subsystem=SUBSYSTEM_NAMES[sub],
                state="engine out, black smoke",
            )
    for sub in (Sub.WING_PORT, Sub.WING_STARBOARD):
        if crossed(sub, 0.7):
            world.flags[row] |= Flag.WING_HOLED
            emit(world, row, EventKind.SUBSYSTEM, subsystem=SUBSYSTEM_NAMES[sub], state="holed")
    for sub, flag, state in (
        (Sub.TAIL, Flag.TAIL_HIT, "tail plane shot up"),
        (Sub.RUDDER, Flag.RUDDER_HIT, "rudder shot up"),
    ):
        if h[sub] < 0.7 and not world.flags[row] & flag:
            world.flags[row] |= flag
            emit(world, row, EventKind.SUBSYSTEM, subsystem=SUBSYSTEM_NAMES[sub], state=state)
    if h[Sub.RADIO] <= 0.0 and not world.flags[row] & int(Flag.RADIO_DEAD):
        world.flags[row] |= Flag.RADIO_DEAD
        emit(world, row, EventKind.SUBSYSTEM, subsystem="radio", state="dead")
        cut_call(world, row)
    if h[Sub.FUEL_TANK] < 0.9:
        world.leak_kg_s[row] = (1.0 - h[Sub.FUEL_TANK]) * LEAK_KG_S_PER_DAMAGE
        if not world.flags[row] & int(Flag.LEAKING):
            world.flags[row] |= Flag.LEAKING
            emit(world, row, EventKind.SUBSYSTEM, subsystem="fuel_tank", state="leaking")
    if h[Sub.PILOT] <= 0.0 and not world.pilot_dead[row]:
        world.pilot_dead[row] = True
        world.spinning[row] = True
        emit(world, row, EventKind.KILLED)
        cut_call(world, row)
        if credit is not None:
            emit(world, credit[0], EventKind.KILL, target=row, weapon=WEAPON_NAMES[credit[1]])
            world.kills[credit[0]] += 1
    elif h[Sub.PILOT] < WOUND_THRESHOLD and not world.wounded[row]:
        world.wounded[row] = True
        world.flags[row] |= Flag.WOUNDED
        emit(world, row, EventKind.WOUNDED)
    if h[Sub.AIRFRAME] <= 0.0:
        lose(world, row, EventKind.DESTROYED, None if world.pilot_dead[row] else credit, cause="shot down")


@numba.njit(cache=True, error_model="numpy")
def is_struggling(smoking: bool, wounded: bool, flags: int, leak_kg_s: float) -> bool:
    """A craft in visible trouble, whom a force-down LGF goes after and three of them can herd down:
    smoking, a wounded pilot, the tail shot up, or a tank leaking. (A spin is trouble too, but one that a
    pilot fights out of by herself: the hunters go after her, they cannot herd her.)"""
    return smoking or wounded or (flags & TAIL_HIT) > 0 or leak_kg_s > 0


def mark_prey(world: World) -> B:
    """The Air Command craft that force-down LGFs go after, as a mask over the World: those in the air
    struggling (`is_struggling`) or spinning (`_mark_prey_rows` over Air Command's rows; the swarm's rows
    are never prey)."""
    _mark_prey_rows(world.air_command_rows, arrays_of(world))
    return world.prey


@numba.njit(cache=True, error_model="numpy")
def _mark_prey_rows(ours: I64, w: WorldArrays) -> None:
    """Each Air Command craft is prey while it is in the air and in visible trouble or spinning; every
    one of Air Command's rows is written each tick."""
    status, smoking, wounded, flags, leak_kg_s, spinning, prey = (
        w.status, w.smoking, w.wounded, w.flags, w.leak_kg_s, w.spinning, w.prey,
    )  # fmt: skip
    for r in ours:
        prey[r] = status[r] == AIRBORNE and (
            spinning[r] or is_struggling(smoking[r], wounded[r], flags[r], leak_kg_s[r])
        )


def lose(world: World, row: int, kind: EventKind, credit: tuple[int, int] | None, **details: Any) -> None:
    """A craft is gone: one terminal loss event, the kill credited, the call in progress cut."""
    if world.status[row] != int(Status.AIRBORNE):
        return
    cut_call(world, row)
    world.status[row] = Status.LOST
    world.speed_mps[row] = 0.0
    world.trigger[row] = False
    world.firing[row] = False
    emit(world, row, kind, **details)
    if credit is not None:
        emit(world, credit[0], EventKind.KILL, target=row, weapon=WEAPON_NAMES[credit[1]])
        world.kills[credit[0]] += 1


def wing_failures(world: World, active: B, dt: F64) -> None:
    """Holed wings can tear off under load: a hazard that grows with g and with the damage."""
    # An LGF's wings are never holed: it takes its hits on the airframe.
    rows = _wings_at_risk(world.air_command_rows, active, dt, WING_FAILURE_HAZARD_PER_S, arrays_of(world))
    if not len(rows):
        return
    wings = np.minimum(world.health[rows, Sub.WING_PORT], world.health[rows, Sub.WING_STARBOARD])
    hazard = WING_FAILURE_HAZARD_PER_S * (1.0 - wings) * (world.load_g[rows] / world.max_g[rows]) ** 4
    u = uniform(world.row_seed[rows], world.craft[rows], world.tick[world.battle[rows]], Purpose.WING_FAILURE)
    for row in rows[u < 1.0 - np.exp(-hazard * dt[rows])].tolist():
        lose(world, row, EventKind.CRASH, None, cause="wing failure")


@numba.njit(cache=True, error_model="numpy")
def _wings_at_risk(ours: I64, active: B, dt: F64, hazard_per_s: float, w: WorldArrays) -> I64:
    """The aircraft (of `ours`) whose wings may tear off this tick, in order: in the air in a battle being
    fought, the weaker wing shot below 0.35 and pulling more than 0.6 of the g limit. They come back only
    when the draw of one of them may tear her wing off (`wing_failures`' hazard, worked out here): one
    above her chance by more than `CHANCE_SLACK` cannot, however `exp` and the power round."""
    status, health, load_g, max_g = w.status, w.health, w.load_g, w.max_g
    row_seed, craft, tick, battle = w.row_seed, w.craft, w.tick, w.battle
    rows = np.empty(len(ours), np.int64)
    n, may_fail = 0, False
    for r in ours:
        if not active[r] or status[r] != AIRBORNE:
            continue
        wings = min(health[r, WING_PORT], health[r, WING_STARBOARD])
        if wings < 0.35 and load_g[r] > 0.6 * max_g[r]:
            rows[n] = r
            n += 1
            hazard = hazard_per_s * (1.0 - wings) * (load_g[r] / max_g[r]) ** 4
            u = uniform_one(row_seed[r], craft[r], tick[battle[r]], WING_FAILURE)
            may_fail |= u < 1.0 - math.exp(-hazard * dt[r]) + CHANCE_SLACK
    return rows[:n] if may_fail else rows[:0]
