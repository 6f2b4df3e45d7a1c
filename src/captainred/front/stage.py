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
from numpy.typing import NDArray

from captainred.doctrine.modes import Mode
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.damage import lose
from captainred.engine.events import Event, EventKind
from captainred.engine.front import GROUND_ID_BASE, Front, Unit
from captainred.engine.grid import LGF as GRID_LGF
from captainred.engine.grid import SenseGrid, nearest_of_side
from captainred.engine.rng import Purpose, uniform, uniform_one
from captainred.engine.world import F64, I8, I32, I64, LGF, B, Status, Sub, World, constant, emit, emit_battle

BATTERY = int(Unit.BATTERY)
FLAK_KILL = 0.6  # a shell that hits brings an LGF down outright this often, else sets it smoking
STRIKE_HITS_PER_S = 1.0  # bolts a second that strike a unit under a diving LGF's fire, at skill 1
STRIKE_SPREAD = 0.5  # each bolt takes ground_damage times 1 +- this
QUARTERS = 4  # a unit's losses are reported each time another quarter of its strength is gone
# A draw in the compiled rules: a miss, a hit, or too close to its chance to call there (within CLOSE_CALL:
# the compiled `exp` and `**` and NumPy's may differ in the last bits, some 1e-15, and NumPy's settles such
# a draw).
MISS, HIT, TOO_CLOSE_TO_CALL = 0, 1, 2
CLOSE_CALL = 1e-9
STRIKE, AIRBORNE, READY = int(Mode.STRIKE), int(Status.AIRBORNE), int(Status.READY)
FLAK_HIT, FLAK_KILL_PURPOSE = int(Purpose.FLAK_HIT), int(Purpose.FLAK_KILL)
STRIKE_HIT, STRIKE_DAMAGE = int(Purpose.STRIKE_HIT), int(Purpose.STRIKE_DAMAGE)


# ------------------------------------------------------------------------------------- the clock's hooks


def front_tick_s(world: World) -> F64 | None:
    """(n_battles,): the combat tick while LGFs are out over the front (their runs are seconds long), or
    no limit (None: no front in this World)."""
    if world.front is None:
        return None
    return _over_the_front(
        world.strike_at, world.status, world.battle, world.n_battles, world.plan.timing.combat_tick_s
    )


@numba.njit(cache=True, error_model="numpy")
def _over_the_front(strike_at: I64, status: I8, battle: I32, n_battles: int, combat_tick_s: float) -> F64:
    """`front_tick_s`: per battle, `combat_tick_s` where an LGF sent against the front is in the air."""
    cap = np.full(n_battles, np.inf)
    for r in range(len(strike_at)):
        if strike_at[r] >= 0 and status[r] == AIRBORNE:
            cap[battle[r]] = combat_tick_s
    return cap


def front_pending(world: World) -> B:
    """(n_battles,): the swarm still has business at an unbroken front: LGFs sent against it are in the
    air, or waiting in the ship to go."""
    front = world.front
    if front is None:
        return np.zeros(world.n_battles, dtype=bool)
    return _strikers_to_come(world.strike_at, world.status, world.launch_at_s, world.battle, front.broken_s)


@numba.njit(cache=True, error_model="numpy")
def _strikers_to_come(strike_at: I64, status: I8, launch_at_s: F64, battle: I32, broken_s: F64) -> B:
    """`front_pending`: per battle whose front is not broken, whether an LGF sent against it is in the air
    or waits in the ship with a time to go."""
    pending = np.zeros(len(broken_s), dtype=np.bool_)
    for r in range(len(strike_at)):
        if strike_at[r] >= 0 and (status[r] == AIRBORNE or (status[r] == READY and math.isfinite(launch_at_s[r]))):
            pending[battle[r]] = True
    for b in range(len(broken_s)):
        if math.isfinite(broken_s[b]):
            pending[b] = False
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
    for b in _waves_due(world.done, front.waves_out, world.time_s, waves.count, waves.first_s, waves.every_s).tolist():
        while (
            front.waves_out[b] < waves.count and world.time_s[b] >= waves.first_s + front.waves_out[b] * waves.every_s
        ):
            emit_battle(world, b, EventKind.SWARM_WAVE, wave=int(front.waves_out[b]) + 1, craft=waves.size)
            front.waves_out[b] += 1


@numba.njit(cache=True, error_model="numpy")
def _waves_due(done: B, waves_out: I64, time_s: F64, count: int, first_s: float, every_s: float) -> I64:
    """The battles being fought, ascending, where the next wave is due to leave the ship."""
    due = np.empty(len(done), np.int64)
    n = 0
    for b in range(len(done)):
        if not done[b] and waves_out[b] < count and time_s[b] >= first_s + waves_out[b] * every_s:
            due[n] = b
            n += 1
    return due[:n]


def _batteries_fire(world: World, front: Front) -> None:
    """Each battery laid on an LGF still in the air, within its range and under its ceiling, fires the
    rounds its serving guns owe by their rate (whole rounds; the rest carry over). Any one of them may hit,
    each the more likely the closer the LGF; a hit brings it down or sets it smoking, and a second hit
    on a smoking LGF brings it down.

    The kernel (`_guns_fire`) does all but what is told: the hits, and a battery that fired its last
    shell. A draw too close to its chance to call there is settled by NumPy's `power`, which may differ
    from the compiled one in the last bits, as it settled every draw before the rule was compiled."""
    battery = front.battery_type
    if battery is None:
        return
    fired, lgf, slant, rounds, verdicts, outright = _guns_fire(
        front.laying_on, front.battle, front.unit, front.x_m, front.y_m, front.guns, front.shells, front.rounds_due,
        front.rounds_fired, battery.range_m, battery.ceiling_m, battery.rate_rpm, battery.hit_probability,
        arrays_of(world),
    )  # fmt: skip
    if not len(fired):
        return
    hit = verdicts == HIT
    close = np.flatnonzero(verdicts == TOO_CLOSE_TO_CALL)
    if len(close):
        b = front.battle[fired[close]]
        p_round = battery.hit_probability * np.clip(1.0 - slant[close] / battery.range_m, 0.0, 1.0)
        p_hit = 1.0 - (1.0 - p_round) ** rounds[close]
        key = GROUND_ID_BASE + front.unit[fired[close]]
        hit[close] = uniform(world.seed[b], key, world.tick[b], Purpose.FLAK_HIT) < p_hit
    for k in np.flatnonzero(hit).tolist():
        u, row = int(fired[k]), int(lgf[k])
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
    dry = fired[(front.shells[fired] == 0) & (rounds > 0)]
    for u in dry.tolist():
        _emit_unit(world, front, u, EventKind.BATTERY_SILENCED, reason="out of shells", **_battery_tally(front, u))


@numba.njit(cache=True, error_model="numpy")
def _guns_fire(
    laying_on: I64,
    battle: I64,
    unit: I64,
    gx: F64,
    gy: F64,
    guns: I64,
    shells: I64,
    rounds_due: F64,
    rounds_fired: I64,
    range_m: float,
    ceiling_m: float,
    rate_rpm: float,
    hit_probability: float,
    w: WorldArrays,
) -> tuple[I64, I64, F64, I64, NDArray[np.int8], B]:
    """`_batteries_fire`'s rule, in unit order: a battery laid on nothing, or on an LGF out of the air, out
    of its range or over its ceiling, owes no rounds; one in reach adds what its guns owe this tick, fires
    the whole rounds its shells allow, and keeps the rest. Returns, for each battery that fired (however
    few rounds), the unit, the LGF, the slant range, the rounds, whether a round hit (MISS, HIT, or
    TOO_CLOSE_TO_CALL within `CLOSE_CALL` of the chance) and whether a hit would bring it down outright."""
    status = w.status
    x = w.x_m
    y = w.y_m
    z = w.z_m
    dt_s = w.dt_s
    seed = w.seed
    tick = w.tick
    n = len(laying_on)
    fired, lgf, slant, rounds = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n), np.empty(n, np.int64)
    verdicts, outright = np.empty(n, np.int8), np.empty(n, np.bool_)
    count = 0
    for u in range(n):
        e = laying_on[u]
        if e < 0:
            rounds_due[u] = 0.0
            continue
        d = math.sqrt((x[e] - gx[u]) ** 2 + (y[e] - gy[u]) ** 2 + z[e] ** 2)
        if not (status[e] == AIRBORNE and d < range_m and z[e] <= ceiling_m):
            rounds_due[u] = 0.0
            continue
        b = battle[u]
        rounds_due[u] += guns[u] * rate_rpm / 60.0 * dt_s[b]
        whole = np.floor(rounds_due[u])
        n_rounds = min(np.int64(whole), shells[u])
        rounds_due[u] -= whole
        shells[u] -= n_rounds
        rounds_fired[u] += n_rounds
        p_round = hit_probability * min(max(1.0 - d / range_m, 0.0), 1.0)
        p_hit = 1.0 - (1.0 - p_round) ** n_rounds
        key = GROUND_ID_BASE + unit[u]
        draw = uniform_one(seed[b], key, tick[b], FLAK_HIT)
        fired[count], lgf[count], slant[count], rounds[count] = u, e, d, n_rounds
        verdicts[count] = TOO_CLOSE_TO_CALL if abs(draw - p_hit) < CLOSE_CALL else (HIT if draw < p_hit else MISS)
        outright[count] = uniform_one(seed[b], key, tick[b], FLAK_KILL_PURPOSE) < FLAK_KILL
        count += 1
    return fired[:count], lgf[:count], slant[:count], rounds[:count], verdicts[:count], outright[:count]


def _strikes(world: World, front: Front, active: B, dt: F64) -> None:
    """The swarm's blue fire on the ground: every LGF on a diving run with its trigger held and its emitter
    cool fires on its unit (the emitter heats; a burst started is one of its bursts before rearming, and
    the unit counts it). Each second of fire lands bolts as the LGF's skill allows, each taking the blue
    fire's `ground_damage` from the unit's strength, and the garrison (or a battery's crew and guns) with
    it.

    Thousands of LGFs fire on the line all day, so a strike's bursts are not events each: its unit counts
    what they did (`POUNDED`, and `FRONT_STATE` at the end). The kernel (`_strike_rows`) does it all but
    the draws too close to their chance to call: its `exp` and NumPy's may differ in the last bit, so
    NumPy's settles those, as it settled every draw before the rule was compiled."""
    heat_limit_s, ground_damage = _emitters(world)
    rows, verdicts, amounts = _strike_rows(
        active, arrays_of(world), dt, heat_limit_s, ground_damage, front.g, front.bursts_taken
    )
    if not len(rows):
        return
    hit = verdicts == HIT
    close = np.flatnonzero(verdicts == TOO_CLOSE_TO_CALL)
    if len(close):
        r = rows[close]
        b = world.battle[r]
        p = 1.0 - np.exp(-STRIKE_HITS_PER_S * world.skill[r] * dt[r])
        hit[close] = uniform(world.row_seed[r], world.craft[r], world.tick[b], Purpose.STRIKE_HIT) < p
    taken = np.zeros(len(front.battle))
    _bolts_land(rows, hit, amounts, world.battle, world.strike_at, front.g, taken, front.bolts_taken)
    for u in np.flatnonzero(taken > 0).tolist():
        _pounded(world, front, u, float(taken[u]))


@constant
def _emitters(world: World) -> tuple[F64, F64]:
    """Per aircraft type: how long its emitter fires before it overheats, and what a bolt of it takes from
    a unit on the ground (inf and 0 for a type without one)."""
    spec = [t.energy_weapon for t in world.types]
    heat_limit_s = np.array([w.heat_limit_s if w else np.inf for w in spec])
    ground_damage = np.array([w.ground_damage if w else 0.0 for w in spec])
    return heat_limit_s, ground_damage


@numba.njit(cache=True, error_model="numpy")
def _strike_rows(
    active: B,
    w: WorldArrays,
    dt: F64,
    heat_limit_s: F64,
    ground_damage: F64,
    g: int,
    bursts_taken: I64,
) -> tuple[I64, NDArray[np.int8], F64]:
    """Each LGF of a battle being fought on a diving run (`STRIKE`) with its trigger held, its emitter cool
    and its pilot's mind its own fires on its unit (`_strikes`' rule): its emitter heats, and overheats at
    its type's limit; a burst started takes one of its bursts and counts against the unit. Returns, for each
    in row order, the row, whether its bolt strikes (MISS, HIT, or TOO_CLOSE_TO_CALL within `CLOSE_CALL`
    of its chance) and what it would take."""
    side = w.side
    status = w.status
    mode = w.mode
    trigger = w.trigger
    overheated = w.overheated
    blackout_s = w.blackout_s
    heat_s = w.heat_s
    firing = w.firing
    was_firing = w.was_firing
    bursts_left = w.bursts_left
    battle = w.battle
    strike_at = w.strike_at
    skill = w.skill
    row_seed = w.row_seed
    craft = w.craft
    tick = w.tick
    type_index = w.type_index
    rows, verdicts, amounts = np.empty(len(status), np.int64), np.empty(len(status), np.int8), np.empty(len(status))
    n = 0
    for r in range(len(status)):
        if not (active[r] and side[r] == LGF and status[r] == AIRBORNE and mode[r] == STRIKE and trigger[r]):
            continue
        if overheated[r] or not blackout_s[r] <= 0.0:
            continue
        heat_s[r] += dt[r]
        if heat_s[r] >= heat_limit_s[type_index[r]]:
            overheated[r] = True
        firing[r] = True
        if not was_firing[r]:
            bursts_left[r] -= 1
            bursts_taken[battle[r] * g + strike_at[r]] += 1
        t = tick[battle[r]]
        p = 1.0 - math.exp(-STRIKE_HITS_PER_S * skill[r] * dt[r])
        u = uniform_one(row_seed[r], craft[r], t, STRIKE_HIT)
        verdicts[n] = TOO_CLOSE_TO_CALL if abs(u - p) < CLOSE_CALL else (HIT if u < p else MISS)
        size = 1.0 + STRIKE_SPREAD * (2.0 * uniform_one(row_seed[r], craft[r], t, STRIKE_DAMAGE) - 1.0)
        amounts[n] = ground_damage[type_index[r]] * size
        rows[n] = r
        n += 1
    return rows[:n], verdicts[:n], amounts[:n]


@numba.njit(cache=True, error_model="numpy")
def _bolts_land(
    rows: I64, hit: B, amounts: F64, battle: I32, strike_at: I64, g: int, taken: F64, bolts_taken: I64
) -> None:
    """What the bolts that strike take from their units, added up in row order, and each unit's count of
    them."""
    for k in range(len(rows)):
        if hit[k]:
            unit = battle[rows[k]] * g + strike_at[rows[k]]
            taken[unit] += amounts[k]
            bolts_taken[unit] += 1


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
    """An LGF whose unit is gone is sent against the next unit along that still stands (`_new_units_rows`)."""
    _new_units_rows(world.strike_at, world.battle, front.lost, front.g)


@numba.njit(cache=True, error_model="numpy")
def _new_units_rows(strike_at: I64, battle: I32, lost: B, g: int) -> None:
    """Each LGF sent against a unit that is gone goes against the first unit after it along the battle's
    `g` that still stands, wrapping round to the first standing (none: it keeps the old one, and goes
    home)."""
    for r in range(len(strike_at)):
        old = strike_at[r]
        if old < 0:
            continue
        base = battle[r] * g
        if not lost[base + old]:
            continue
        for i in range(1, g):
            u = (old + i) % g
            if not lost[base + u]:
                strike_at[r] = u
                break


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
