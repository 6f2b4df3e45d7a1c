"""The front on the ground, stages of the step: the batteries lay their guns on the nearest LGF in the
air and fire on it; the swarm's blue fire pounds the positions and batteries it dives on; positions are
lost and batteries silenced as their strength goes, and the front breaks when enough of its positions
are lost. The waves leave the ship on the timetable the World was built with (`engine/setup.py`).

Each battery's guns are laid from the sensing grid of the tick (`engine/grid.nearest_of_side`): the
cost grows with the batteries and their neighbours, never with batteries times LGFs. Every draw comes
from the counter-based generator keyed by (battle seed, unit, tick, purpose), so a battle's front is the
same alone or in a batch. The numbers are design values (CANON.md; the catalog's `ground.toml`).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from captainred.doctrine.modes import Mode
from captainred.engine.damage import lose
from captainred.engine.events import Event, EventKind
from captainred.engine.front import GROUND_ID_BASE, Front, Unit
from captainred.engine.grid import LGF as GRID_LGF
from captainred.engine.grid import SenseGrid, nearest_of_side
from captainred.engine.rng import Purpose, uniform
from captainred.engine.world import F64, I64, LGF, B, Status, Sub, World, emit, emit_battle

BATTERY = int(Unit.BATTERY)
FLAK_KILL = 0.6  # a shell that hits brings an LGF down outright this often, else sets it smoking
STRIKE_HITS_PER_S = 1.0  # bolts a second that strike a unit under a diving LGF's fire, at skill 1
STRIKE_SPREAD = 0.5  # each bolt takes ground_damage times 1 +- this
QUARTERS = 4  # a unit's losses are reported each time another quarter of its strength is gone


# ------------------------------------------------------------------------------------- the clock's hooks


def front_tick_s(world: World) -> F64 | None:
    """(n_battles,): the combat tick while LGFs are out over the front (their runs are seconds long), or
    no limit (None: no front in this World)."""
    if world.front is None:
        return None
    cap = np.full(world.n_battles, np.inf)
    out = (world.strike_at >= 0) & (world.status == int(Status.AIRBORNE))
    cap[np.unique(world.battle[out])] = world.plan.timing.combat_tick_s
    return cap


def front_pending(world: World) -> B:
    """(n_battles,): the swarm still has business at an unbroken front: LGFs sent against it are in the
    air, or waiting in the ship to go."""
    pending = np.zeros(world.n_battles, dtype=bool)
    front = world.front
    if front is None:
        return pending
    striker = world.strike_at >= 0
    going = striker & (
        (world.status == int(Status.AIRBORNE)) | ((world.status == int(Status.READY)) & np.isfinite(world.launch_at_s))
    )
    pending[np.unique(world.battle[going])] = True
    pending &= ~np.isfinite(front.broken_s)
    return pending


# ------------------------------------------------------------------------------------------- the stages


def lay_guns(world: World, grid: SenseGrid, active_battles: B) -> None:
    """Each battery with guns, shells and a crew lays on the nearest LGF in the air within its range
    (from this tick's grid, before anything moves)."""
    front = world.front
    if front is None or front.battery_type is None:
        return
    _lay(
        front.battle,
        front.kind,
        front.lost,
        front.guns,
        front.shells,
        front.x_m,
        front.y_m,
        front.battery_type.range_m,
        front.laying_on,
        front.laying_range_m,
        active_battles,
        world.x_m,
        world.y_m,
        world.z_m,
        grid.geometry,
        grid.dims,
        grid.cell_base,
        grid.cell_start,
        grid.order,
        grid.side_start,
    )


@numba.njit(cache=True, error_model="numpy")
def _lay(
    battle: I64,
    kind: I64,
    lost: B,
    guns: I64,
    shells: I64,
    gx: F64,
    gy: F64,
    range_m: float,
    laying_on: I64,
    laying_range_m: F64,
    active_battles: B,
    x: F64,
    y: F64,
    z: F64,
    geometry: F64,
    dims: I64,
    cell_base: I64,
    cell_start: I64,
    order: I64,
    side_start: I64,
) -> None:
    """Per battery of a battle being fought: the LGF it lays on (-1 for none) and its slant range. A
    position, a silenced battery or one out of shells lays on nothing."""
    for u in range(len(battle)):
        laying_on[u] = -1
        laying_range_m[u] = math.inf
        b = battle[u]
        if not active_battles[b] or kind[u] != BATTERY or lost[u] or guns[u] <= 0 or shells[u] <= 0:
            continue
        e, r = nearest_of_side(
            b,
            GRID_LGF,
            gx[u],
            gy[u],
            0.0,
            range_m,
            x,
            y,
            z,
            geometry,
            dims,
            cell_base[b],
            cell_start,
            order,
            side_start,
        )
        laying_on[u] = e
        laying_range_m[u] = r


def fight_the_front(world: World, active: B, dt: F64) -> None:
    """After everything has flown and fired this tick: the batteries' fire, then the swarm's on the
    ground, then new units for the LGFs whose own is gone."""
    front = world.front
    if front is None:
        return
    _waves_leave(world, front)
    _batteries_fire(world, front)
    _strikes(world, front, active, dt)
    _deal_new_units(world, front)


def _waves_leave(world: World, front: Front) -> None:
    """A wave leaving the ship is one battle event, when its first craft goes."""
    waves = world.plan.enemy.waves
    if waves is None:
        return
    for b in np.flatnonzero(~world.done).tolist():
        while (
            front.waves_out[b] < waves.count and world.time_s[b] >= waves.first_s + front.waves_out[b] * waves.every_s
        ):
            emit_battle(world, b, EventKind.SWARM_WAVE, wave=int(front.waves_out[b]) + 1, craft=waves.size)
            front.waves_out[b] += 1


def _batteries_fire(world: World, front: Front) -> None:
    """Each battery laid on an LGF still in the air, within its range and under its ceiling, fires the
    rounds its serving guns owe by their rate (whole rounds; the rest carry over). Any one of them may hit,
    each the more likely the closer the LGF; a hit brings it down or sets it smoking, and a second hit
    on a smoking LGF brings it down."""
    battery = front.battery_type
    if battery is None:
        return
    laid = np.flatnonzero(front.laying_on >= 0)
    front.rounds_due[front.laying_on < 0] = 0.0
    if not len(laid):
        return
    lgf = front.laying_on[laid]
    up = world.status[lgf] == int(Status.AIRBORNE)
    slant = np.sqrt(
        (world.x_m[lgf] - front.x_m[laid]) ** 2 + (world.y_m[lgf] - front.y_m[laid]) ** 2 + world.z_m[lgf] ** 2
    )
    in_reach = up & (slant < battery.range_m) & (world.z_m[lgf] <= battery.ceiling_m)
    front.rounds_due[laid[~in_reach]] = 0.0
    laid, lgf, slant = laid[in_reach], lgf[in_reach], slant[in_reach]
    if not len(laid):
        return
    b = front.battle[laid]
    front.rounds_due[laid] += front.guns[laid] * battery.rate_rpm / 60.0 * world.dt_s[b]
    rounds = np.minimum(np.floor(front.rounds_due[laid]).astype(np.int64), front.shells[laid])
    front.rounds_due[laid] -= np.floor(front.rounds_due[laid])
    dry = (front.shells[laid] > 0) & (front.shells[laid] - rounds == 0)
    front.shells[laid] -= rounds
    front.rounds_fired[laid] += rounds
    p_round = battery.hit_probability * np.clip(1.0 - slant / battery.range_m, 0.0, 1.0)
    p_hit = 1.0 - (1.0 - p_round) ** rounds
    key = GROUND_ID_BASE + front.unit[laid]
    tick = world.tick[b]
    hit = uniform(world.seed[b], key, tick, Purpose.FLAK_HIT) < p_hit
    outright = uniform(world.seed[b], key, tick, Purpose.FLAK_KILL) < FLAK_KILL
    for k in np.flatnonzero(hit).tolist():
        u, row = int(laid[k]), int(lgf[k])
        name = front.names[u % front.g]
        if world.status[row] != int(Status.AIRBORNE):
            continue  # two batteries on one LGF: the first brought it down
        if outright[k] or world.smoking[row]:
            world.health[row, Sub.AIRFRAME] = 0.0
            lose(world, row, EventKind.DESTROYED, None, cause="anti-aircraft fire", battery=name)
            front.kills[u] += 1
        else:
            world.health[row, Sub.AIRFRAME] = 0.5
            world.smoking[row] = True
            emit(world, row, EventKind.SMOKING, battery=name)
    for u in laid[dry].tolist():
        _emit_unit(world, front, u, EventKind.BATTERY_SILENCED, reason="out of shells", **_battery_tally(front, u))


def _strikes(world: World, front: Front, active: B, dt: F64) -> None:
    """The swarm's blue fire on the ground: every LGF on a diving run with its trigger held and its emitter
    cool fires on its unit (the emitter heats; a burst started is one of its bursts before rearming, and
    the unit counts it). Each second of fire lands bolts as the LGF's skill allows, each taking the blue
    fire's `ground_damage` from the unit's strength, and the garrison (or a battery's crew and guns) with
    it."""
    rows = np.flatnonzero(
        active
        & (world.side == LGF)
        & (world.status == int(Status.AIRBORNE))
        & (world.mode == int(Mode.STRIKE))
        & world.trigger
    )
    rows = rows[~world.overheated[rows] & (world.blackout_s[rows] <= 0.0)]
    if not len(rows):
        return
    spec = [t.energy_weapon for t in world.types]
    heat_limit = np.array([w.heat_limit_s if w else np.inf for w in spec])[world.type_index[rows]]
    damage = np.array([w.ground_damage if w else 0.0 for w in spec])[world.type_index[rows]]
    world.heat_s[rows] += dt[rows]
    world.overheated[rows[world.heat_s[rows] >= heat_limit]] = True
    world.firing[rows] = True
    units = world.battle[rows].astype(np.int64) * front.g + world.strike_at[rows]
    # A burst started spends one of the LGF's bursts before rearming. Thousands of LGFs fire on the line
    # all day, so a strike's bursts are not events each: its unit counts what they did (`POUNDED`, and
    # `FRONT_STATE` at the end).
    started = rows[~world.was_firing[rows]]
    world.bursts_left[started] -= 1
    np.add.at(front.bursts_taken, units[~world.was_firing[rows]], 1)
    b = world.battle[rows]
    tick = world.tick[b]
    p = 1.0 - np.exp(-STRIKE_HITS_PER_S * world.skill[rows] * dt[rows])
    hit = uniform(world.row_seed[rows], world.craft[rows], tick, Purpose.STRIKE_HIT) < p
    size = 1.0 + STRIKE_SPREAD * (
        2.0 * uniform(world.row_seed[rows], world.craft[rows], tick, Purpose.STRIKE_DAMAGE) - 1.0
    )
    taken = np.zeros(len(front.battle))
    np.add.at(taken, units[hit], (damage * size)[hit])
    np.add.at(front.bolts_taken, units[hit], 1)
    for u in np.flatnonzero(taken > 0).tolist():
        _pounded(world, front, u, float(taken[u]))


def _pounded(world: World, front: Front, u: int, taken: float) -> None:
    """A unit loses strength: its garrison (a battery's crew and guns) goes with it in proportion; each
    quarter gone is reported, and at nothing a position is lost or a battery silenced."""
    if front.lost[u]:
        return
    full = float(front.full_strength[u])
    front.strength[u] = max(0.0, float(front.strength[u]) - taken)
    share = float(front.strength[u]) / full
    is_battery = front.kind[u] == BATTERY
    whole = front.battery_type.crew if is_battery and front.battery_type else front.position_type.garrison
    front.garrison[u] = math.ceil(whole * share)
    if is_battery and front.battery_type is not None:
        front.guns[u] = math.ceil(front.battery_type.guns * share)
    quarters = min(int(QUARTERS * (1.0 - share)), QUARTERS)
    b = int(front.battle[u])
    if front.strength[u] <= 0.0:
        front.lost[u] = True
        if is_battery:
            _emit_unit(world, front, u, EventKind.BATTERY_SILENCED, reason="destroyed", **_battery_tally(front, u))
        else:
            _emit_unit(world, front, u, EventKind.POSITION_LOST)
            front.positions_lost[b] += 1
            needed = math.ceil(front.spec.breaks_at * front.spec.positions)
            if front.positions_lost[b] >= needed and not np.isfinite(front.broken_s[b]):
                front.broken_s[b] = world.time_s[b]
                emit_battle(
                    world,
                    b,
                    EventKind.FRONT_BROKEN,
                    positions_lost=int(front.positions_lost[b]),
                    positions=front.positions,
                )
    elif quarters > front.reported[u]:
        _emit_unit(world, front, u, EventKind.POUNDED, strength_left=round(float(front.strength[u]), 2))
    front.reported[u] = max(int(front.reported[u]), quarters)


def _deal_new_units(world: World, front: Front) -> None:
    """An LGF whose unit is gone is sent against the next unit along that still stands (none: it keeps
    the old one, and goes home)."""
    lost = front.lost.reshape(world.n_battles, front.g)
    striker = np.flatnonzero(world.strike_at >= 0)
    b = world.battle[striker]
    orphan = striker[lost[b, world.strike_at[striker]]]
    for row in orphan.tolist():
        battle, old = int(world.battle[row]), int(world.strike_at[row])
        standing = np.flatnonzero(~lost[battle])
        if len(standing):
            world.strike_at[row] = int(standing[np.searchsorted(standing, old) % len(standing)])


def close_front(world: World, b: int) -> None:
    """The battle is ending: each unit's state, for the report."""
    front = world.front
    if front is None:
        return
    for u in range(b * front.g, (b + 1) * front.g):
        tally = _battery_tally(front, u) if front.kind[u] == BATTERY else {}
        _emit_unit(
            world,
            front,
            u,
            EventKind.FRONT_STATE,
            strength_left=round(float(front.strength[u]), 2),
            full_strength=float(front.full_strength[u]),
            lost=bool(front.lost[u]),
            bursts_taken=int(front.bursts_taken[u]),
            bolts_taken=int(front.bolts_taken[u]),
            **tally,
        )


def _battery_tally(front: Front, u: int) -> dict[str, Any]:
    return {
        "guns": int(front.guns[u]),
        "shells_left": int(front.shells[u]),
        "rounds_fired": int(front.rounds_fired[u]),
        "kills": int(front.kills[u]),
    }


def _emit_unit(world: World, front: Front, u: int, kind: EventKind, **details: Any) -> None:
    """An event about unit `u` of the front (its actor GROUND_ID_BASE + its number in the battle)."""
    b, i = int(front.battle[u]), int(front.unit[u])
    world.logs[b].append(
        Event(
            tick=int(world.tick[b]),
            time_s=float(world.time_s[b]),
            kind=kind,
            actor=GROUND_ID_BASE + i,
            position_m=(float(front.x_m[u]), float(front.y_m[u]), 0.0),
            details={
                "unit": front.names[i],
                "kind": "battery" if front.kind[u] == BATTERY else "position",
                "garrison": int(front.garrison[u]),
                **details,
            },
        )
    )


__all__ = ["close_front", "fight_the_front", "front_pending", "front_tick_s", "lay_guns"]
