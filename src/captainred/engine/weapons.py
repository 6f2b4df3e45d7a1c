"""Weapons: the Guardian's cannon bursts and rocket pairs, the LGF's blue fire.

Doctrine pulls the trigger; this stage decides whether anything leaves the barrel (ammunition, range, the
cone, heat) and whether it hits. A hit is a record (shooter, target, weapon, subsystem, severity) handed
to the damage stage. Hit chances depend on range, angle-off and the shooter's skill, and are drawn per
(battle seed, shooter, tick, purpose), so they never depend on batch or row order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.engine import threads
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.events import EventKind
from captainred.engine.net import absorb, across_net
from captainred.engine.rng import Purpose, uniform, uniform_one
from captainred.engine.sensing import range_and_angle_off_from
from captainred.engine.world import F64, I64, LGF, B, FlightState, Status, Sub, World, emit_rows

AIRBORNE = int(Status.AIRBORNE)

BULLET_SPEED_MPS = 900.0
ROCKET_SPEED_MPS = 700.0
ROCKET_RELOAD_S = 2.0
BLUE_FIRE_BLOW_T = 0.01  # what a bolt that strikes the net costs it (design value)
SNAP_SHOT_FACTOR = 2.0  # guns are fired up to this multiple of their cone, to less effect
CANNON, ROCKET, BLUE_FIRE = 0, 1, 2
WEAPON_NAMES = ("cannon", "rocket", "blue_fire")
CANNON_HIT_PURPOSE, ROCKET_HIT_PURPOSE = int(Purpose.CANNON_HIT), int(Purpose.ROCKET_HIT)
SECOND_ROCKET_PURPOSE, ENERGY_HIT_PURPOSE = int(Purpose.SECOND_ROCKET), int(Purpose.ENERGY_HIT)

# Where a hit lands on an aircraft with subsystems (weights, in Sub order).
HIT_WEIGHTS = np.array([0.12, 0.12, 0.13, 0.13, 0.09, 0.07, 0.06, 0.10, 0.04, 0.14])
HIT_CUMULATIVE = np.cumsum(HIT_WEIGHTS) / HIT_WEIGHTS.sum()


@dataclass
class Hits:
    shooter: I64
    target: I64
    weapon: I64
    subsystem: I64
    severity: F64

    @staticmethod
    def concat(parts: list[Hits]) -> Hits:
        return Hits(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("shooter", "target", "weapon", "subsystem", "severity")
            )
        )


def _spec_arrays(world: World) -> dict[str, F64]:
    """Per-row weapon parameters (zeros where a type lacks the weapon)."""
    names = [
        "cannon_rate",
        "cannon_range",
        "cannon_cone",
        "cannon_p",
        "rocket_salvo",
        "rocket_min",
        "rocket_max",
        "rocket_cone",
        "rocket_p",
        "energy_range",
        "energy_cone",
        "energy_p",
        "energy_heat",
        "energy_cool",
        "energy_burst",
    ]
    table = np.zeros((len(world.types), len(names)))
    for i, t in enumerate(world.types):
        if t.cannon:
            table[i, 0:4] = (
                t.cannon.rate_rps,
                t.cannon.range_m,
                np.radians(t.cannon.cone_deg),
                t.cannon.hit_probability,
            )
        if t.rockets:
            table[i, 4:9] = (
                t.rockets.salvo,
                t.rockets.min_range_m,
                t.rockets.max_range_m,
                np.radians(t.rockets.cone_deg),
                t.rockets.hit_probability,
            )
        if t.energy_weapon:
            e = t.energy_weapon
            table[i, 9:15] = (
                e.range_m,
                np.radians(e.cone_deg),
                e.hit_probability,
                e.heat_limit_s,
                e.cool_rate,
                e.burst_s,
            )
    rows = table[world.type_index]
    return {name: rows[:, k] for k, name in enumerate(names)}


# Each weapon's parameters per row, in the order the fire kernel takes them (`Armoury`).
Cannon = tuple[F64, F64, F64, F64]  # rate, range, cone, hit chance
Rockets = tuple[F64, F64, F64, F64, F64]  # salvo, least and greatest range, cone, hit chance
Emitter = tuple[F64, F64, F64, F64]  # range, cone, hit chance, heat


class Armoury:
    """Weapon parameters of every row, computed once per World: by name (`spec`), and for each weapon in
    the order the fire kernel takes them (`cannon`, `rocket`, `emitter`)."""

    def __init__(self, world: World) -> None:
        spec = self.spec = _spec_arrays(world)
        self.cannon: Cannon = (spec["cannon_rate"], spec["cannon_range"], spec["cannon_cone"], spec["cannon_p"])
        self.rocket: Rockets = (
            spec["rocket_salvo"],
            spec["rocket_min"],
            spec["rocket_max"],
            spec["rocket_cone"],
            spec["rocket_p"],
        )
        self.emitter: Emitter = (spec["energy_range"], spec["energy_cone"], spec["energy_p"], spec["energy_heat"])


@numba.njit(cache=True, error_model="numpy")
def lead(
    shooter_x: float,
    shooter_y: float,
    shooter_z: float,
    x: float,
    y: float,
    z: float,
    speed_mps: float,
    heading_rad: float,
    gamma_rad: float,
    projectile_mps: float,
) -> tuple[float, float, float]:
    """Where a target at (x, y, z) will be when a round fired now arrives (first-order lead)."""
    return lead_from(
        shooter_x,
        shooter_y,
        shooter_z,
        x,
        y,
        z,
        speed_mps,
        math.sin(heading_rad),
        math.cos(heading_rad),
        math.sin(gamma_rad),
        math.cos(gamma_rad),
        projectile_mps,
    )


@numba.njit(cache=True, error_model="numpy")
def lead_from(
    shooter_x: float,
    shooter_y: float,
    shooter_z: float,
    x: float,
    y: float,
    z: float,
    speed_mps: float,
    sin_heading: float,
    cos_heading: float,
    sin_gamma: float,
    cos_gamma: float,
    projectile_mps: float,
) -> tuple[float, float, float]:
    """`lead`, from the sines and cosines of the target's heading and flight-path angle (as the World
    keeps them)."""
    dx = x - shooter_x
    dy = y - shooter_y
    dz = z - shooter_z
    t = math.sqrt(dx * dx + dy * dy + dz * dz) / projectile_mps
    cg = cos_gamma
    return (
        x + speed_mps * cg * sin_heading * t,
        y + speed_mps * cg * cos_heading * t,
        z + speed_mps * sin_gamma * t,
    )


def lead_point(world: World, shooter: I64, target: I64, projectile_mps: float) -> tuple[F64, F64, F64]:
    """`lead` for each shooter and its target."""
    out = np.empty((3, len(shooter)))
    _lead_points(
        len(shooter),
        shooter,
        target,
        projectile_mps,
        world.flight_state(),
        out,
    )
    return out[0], out[1], out[2]


def _lead_point_rows(
    shooter: I64,
    target: I64,
    projectile_mps: float,
    state: FlightState,
    out: F64,
) -> None:
    x, y, z, speed, _heading, _gamma, sin_h, cos_h, sin_g, cos_g = state
    for k in numba.prange(len(shooter)):
        s, t = shooter[k], target[k]
        out[0, k], out[1, k], out[2, k] = lead_from(
            x[s], y[s], z[s], x[t], y[t], z[t], speed[t], sin_h[t], cos_h[t], sin_g[t], cos_g[t], projectile_mps
        )


_lead_points = threads.twins(_lead_point_rows)


def _aspect_factor(world: World, shooter: I64, target: I64) -> F64:
    """1 dead astern (same direction), 0.4 head-on: crossing and head-on shots are harder."""
    cs, ct = np.cos(world.gamma_rad[shooter]), np.cos(world.gamma_rad[target])
    dot = cs * ct * np.cos(world.heading_rad[shooter] - world.heading_rad[target]) + np.sin(
        world.gamma_rad[shooter]
    ) * np.sin(world.gamma_rad[target])
    factor: F64 = 0.4 + 0.6 * (1.0 + dot) / 2.0
    return factor


def _gun_hit_chance(
    world: World, s: I64, t: I64, range_m: F64, off: F64, base_p: F64, max_range_m: F64, cone_rad: F64
) -> F64:
    """Per second of fire: the gun's chance, by the shooter's skill, the range, the angle-off, the target's
    evasion and how well the sight is on."""
    p: F64 = (
        base_p[s]
        * (0.35 + 0.65 * world.skill[s])
        * np.clip(1.0 - range_m / max_range_m[s], 0.05, 1.0) ** 0.7
        * _aspect_factor(world, s, t)
        * np.where(world.load_g[t] > 4.0, 0.6, 1.0)
        * _aim_factor(off, cone_rad[s])
    )
    return p


def _aim_factor(off_rad: F64, cone_rad: F64) -> F64:
    """Full effect inside the weapon's cone, falling to nothing at SNAP_SHOT_FACTOR times the cone."""
    return np.clip((SNAP_SHOT_FACTOR - off_rad / cone_rad) / (SNAP_SHOT_FACTOR - 1.0), 0.0, 1.0)


def _per_tick(p_per_s: F64, dt: F64) -> F64:
    return 1.0 - np.power(1.0 - np.clip(p_per_s, 0.0, 0.999), dt)


def _subsystem(world: World, shooter: I64) -> I64:
    u = uniform(
        world.row_seed[shooter],
        world.craft[shooter],
        world.tick[world.battle[shooter]],
        Purpose.HIT_SUBSYSTEM,
    )
    return np.searchsorted(HIT_CUMULATIVE, u, side="right").astype(np.int64)


def fire(world: World, armoury: Armoury, active: B, dt: F64) -> Hits:
    """Resolve this tick's fire of every craft in `active`; return the hits."""
    spec = armoury.spec
    ready_count = _ready_to_fire(
        world.n,
        arrays_of(world),
        active,
        spec["cannon_rate"],
        spec["rocket_salvo"],
        spec["energy_range"],
        spec["energy_cool"],
        dt,
    )
    if not ready_count:
        return NO_HITS
    counts, shots, measures, verdicts, salvos, started = _loose_off(world, armoury, ready_count, dt)
    parts: list[Hits] = []

    # Cannon: bursts while the button is held, rounds permitting.
    n = counts[CANNON]
    if n:
        s = shots[CANNON, :n]
        hit = _settled(world, spec, CANNON, s, measures[:, CANNON, :n], verdicts[CANNON, :n], dt)
        if hit.any():
            parts.append(_make_hits(world, s[hit], world.target[s[hit]], CANNON, low=0.25, high=0.8))

    # Rockets: a pair at a time, each of which can miss.
    n = counts[ROCKET]
    if n:
        s = shots[ROCKET, :n]
        details = [{"weapon": "rocket", "rounds": n_fired} for n_fired in salvos[:n].tolist()]
        emit_rows(world, s, EventKind.SHOT, world.target[s], details)
        hit = verdicts[ROCKET, :n] == HIT
        if hit.any():
            parts.append(_make_hits(world, s[hit], world.target[s[hit]], ROCKET, low=0.7, high=1.0))

    # Blue fire: no ammunition, but the emitter heats and must cool.
    n = counts[BLUE_FIRE]
    if n:
        s = shots[BLUE_FIRE, :n]
        hit = _settled(world, spec, BLUE_FIRE, s, measures[:, BLUE_FIRE, :n], verdicts[BLUE_FIRE, :n], dt)
        if hit.any():
            s, t = s[hit], world.target[s[hit]]
            # The net stands between: the bolt spends itself on it.
            blocked = across_net(world, s, t)
            for row in s[blocked].tolist():
                absorb(
                    world,
                    int(world.battle[row]),
                    BLUE_FIRE_BLOW_T,
                    "blue_fire",
                    row,
                    (float(world.x_m[row]), float(world.y_m[row]), float(world.z_m[row])),
                )
            parts.append(_make_hits(world, s[~blocked], t[~blocked], BLUE_FIRE, low=0.15, high=0.55))

    # A burst starts: one SHOT event (the kernel has spent an LGF's burst).
    bursts = started[: counts[3]]
    weapons = [{"weapon": "blue_fire" if lgf else "cannon"} for lgf in (world.side[bursts] == LGF).tolist()]
    emit_rows(world, bursts, EventKind.SHOT, world.target[bursts], weapons)

    if not parts:
        return NO_HITS
    return Hits.concat(parts)


def _read_only(array: NDArray[Any]) -> NDArray[Any]:
    array.setflags(write=False)
    return array


_NOTHING = _read_only(np.zeros(0, np.int64))
NO_HITS = Hits(_NOTHING, _NOTHING, _NOTHING, _NOTHING, _read_only(np.zeros(0)))  # most ticks' (read only)


# A gun's hit is settled in the kernel unless its draw falls this close to its chance: the compiled `**`
# and NumPy's (SIMD) `power` may differ in the last bit, and NumPy's arithmetic settles such a draw.
CLOSE_CALL = 1e-9
MISS, HIT, TOO_CLOSE_TO_CALL = 0, 1, 2  # a gun's verdict in the kernel


def _settled(
    world: World, spec: dict[str, F64], weapon: int, s: I64, measures: F64, verdict: NDArray[np.int8], dt: F64
) -> B:
    """Which of these gun shots hit: the kernel's verdict, and for a draw too close to call, NumPy's
    chance (`_gun_hit_chance`, of the cannon's rounds fired) against the same draw."""
    hit: B = verdict == HIT
    close = np.flatnonzero(verdict == TOO_CLOSE_TO_CALL)
    if not len(close):
        return hit
    s, range_m, off, used, u = s[close], measures[0, close], measures[1, close], measures[2, close], measures[3, close]
    t = world.target[s]
    if weapon == CANNON:
        p = _gun_hit_chance(
            world, s, t, range_m, off, spec["cannon_p"], spec["cannon_range"], spec["cannon_cone"]
        ) * np.clip(used / np.maximum(spec["cannon_rate"][s] * dt[s], 1e-9), 0.0, 1.0)
    else:
        p = _gun_hit_chance(world, s, t, range_m, off, spec["energy_p"], spec["energy_range"], spec["energy_cone"])
    hit[close] = u < _per_tick(p, dt[s])
    return hit


@numba.njit(cache=True, error_model="numpy")
def gun_hit_chance(
    base_p: float,
    skill: float,
    range_m: float,
    max_range_m: float,
    off_rad: float,
    cone_rad: float,
    aspect: float,
    target_load_g: float,
) -> float:
    """`_gun_hit_chance` of one shot (the aspect from `aspect_factor`)."""
    closing = min(max(1.0 - range_m / max_range_m, 0.05), 1.0)
    aim = min(max((SNAP_SHOT_FACTOR - off_rad / cone_rad) / (SNAP_SHOT_FACTOR - 1.0), 0.0), 1.0)
    evading = 0.6 if target_load_g > 4.0 else 1.0
    p: float = base_p * (0.35 + 0.65 * skill) * closing**0.7 * aspect * evading * aim
    return p


@numba.njit(cache=True, error_model="numpy")
def aspect_factor(shooter_heading: float, shooter_gamma: float, target_heading: float, target_gamma: float) -> float:
    """`_aspect_factor` of one shooter and her target."""
    return aspect_factor_from(
        shooter_heading - target_heading,
        math.sin(shooter_gamma),
        math.cos(shooter_gamma),
        math.sin(target_gamma),
        math.cos(target_gamma),
    )


@numba.njit(cache=True, error_model="numpy")
def aspect_factor_from(
    heading_apart: float,
    sin_shooter_gamma: float,
    cos_shooter_gamma: float,
    sin_target_gamma: float,
    cos_target_gamma: float,
) -> float:
    """`aspect_factor`, from the headings' difference and the sines and cosines of the flight-path angles
    (as the World keeps them)."""
    cs, ct = cos_shooter_gamma, cos_target_gamma
    dot = cs * ct * math.cos(heading_apart) + sin_shooter_gamma * sin_target_gamma
    return 0.4 + 0.6 * (1.0 + dot) / 2.0


@numba.njit(cache=True, error_model="numpy")
def per_tick(p_per_s: float, dt: float) -> float:
    """`_per_tick` of one chance."""
    q = 1.0 - min(max(p_per_s, 0.0), 0.999)
    chance: float = 1.0 - q**dt
    return chance


@numba.njit(cache=True, error_model="numpy")
def _verdict(u: float, chance: float, close_call: float) -> int:
    if abs(u - chance) <= close_call:
        return TOO_CLOSE_TO_CALL
    return HIT if u < chance else MISS


def _loose_off(
    world: World, armoury: Armoury, ready_count: int, dt: F64
) -> tuple[NDArray[np.int64], I64, F64, NDArray[np.int8], NDArray[np.int32], I64]:
    """Each of the `ready_count` craft ready to fire (`ready_weapons` set), in row order, weapon by
    weapon (`_shoot_rows`), then their shots gathered by weapon (`_gathered`). Returns the counts of the
    three weapons' shots and of the bursts started; then, per weapon, the shooters that fired (`shots`),
    each shot's range, angle off, rounds used and draw (`measures`) and verdict (`verdicts`: a gun's draw
    too close to its chance is left for NumPy to settle); the rocket salvos; and the craft that started
    a burst. In a World of thousands the shooters spread over threads (each writes only its own row and
    its own slot, and the gathering keeps row order); otherwise one compiled call does it all."""
    w = arrays_of(world)
    if not threads.in_parallel(world.n):
        return _loose_off_in_turn(ready_count, w, armoury.cannon, armoury.rocket, armoury.emitter, dt, CLOSE_CALL)
    ready = _the_ready(world.ready_weapons, ready_count)
    fired, measures, verdicts, salvos = _shot_arrays(len(ready))
    _shoot(
        world.n,
        ready,
        w,
        armoury.cannon,
        armoury.rocket,
        armoury.emitter,
        dt,
        CLOSE_CALL,
        fired,
        measures,
        verdicts,
        salvos,
    )
    return _gathered(ready, fired, measures, verdicts, salvos)


@numba.njit(cache=True, error_model="numpy")
def _loose_off_in_turn(
    ready_count: int,
    w: WorldArrays,
    cannon: Cannon,
    rocket: Rockets,
    emitter: Emitter,
    dt: F64,
    close_call: float,
) -> tuple[NDArray[np.int64], I64, F64, NDArray[np.int8], NDArray[np.int32], I64]:
    """`_loose_off` in one compiled call, in turn."""
    ready = _the_ready(w.ready_weapons, ready_count)
    fired, measures, verdicts, salvos = _shot_arrays(len(ready))
    _shoot_in_turn(ready, w, cannon, rocket, emitter, dt, close_call, fired, measures, verdicts, salvos)
    return _gathered(ready, fired, measures, verdicts, salvos)


@numba.njit(cache=True, error_model="numpy")
def _the_ready(ready_weapons: NDArray[np.int8], ready_count: int) -> I64:
    """The rows with `ready_weapons` set (the first `ready_count` of them), in order."""
    ready = np.empty(ready_count, np.int64)
    k = 0
    for row in range(len(ready_weapons)):
        if ready_weapons[row] and k < ready_count:
            ready[k] = row
            k += 1
    return ready[:k]


@numba.njit(cache=True, error_model="numpy")
def _shot_arrays(n: int) -> tuple[NDArray[np.int8], F64, NDArray[np.int8], NDArray[np.int32]]:
    """`_shoot_rows`' outputs for `n` shooters: what each fired, and each weapon's measures, verdicts and
    the rocket salvos, by shooter."""
    return np.zeros(n, np.int8), np.empty((4, 3, n)), np.empty((3, n), np.int8), np.empty(n, np.int32)


FIRED = (1, 2, 4)  # bits of `_shoot_rows`' `fired`: the cannon, the rockets, the blue fire (CANNON, ROCKET, BLUE_FIRE)
BURST_STARTED = 8  # and: a burst started


def _shoot_rows(
    ready: I64,
    w: WorldArrays,
    cannon: Cannon,
    rocket: Rockets,
    emitter: Emitter,
    dt: F64,
    close_call: float,
    fired: NDArray[np.int8],
    measures: F64,
    verdicts: NDArray[np.int8],
    salvos: NDArray[np.int32],
) -> None:
    """Each shooter k of `ready`, weapon by weapon. The cannon and the blue fire fire at the target's lead
    point within the gun's range and snap-shot cone: the cannon spends its rounds of the tick, the
    emitter heats (and overheats at its limit), and each hits with `gun_hit_chance` per second (the
    cannon's by the share of a full burst it had rounds for), drawn per tick. Rockets go at the lead
    point between their least and greatest range, within their cone: a salvo (a pair, rockets
    permitting) and the reload; each rocket hits with the rockets' chance, by the shooter's skill, the
    range and the target's evasion. A craft firing a gun is in a burst; one that was not starts one, and
    an LGF spends one of its bursts. Each shooter writes only its own row of the World and its own slot k
    of `fired`, `measures[:, weapon, k]`, `verdicts[weapon, k]` and `salvos[k]`."""
    ready_weapons = w.ready_weapons
    battle = w.battle
    time_s = w.time_s
    tick = w.tick
    row_seed = w.row_seed
    craft = w.craft
    side = w.side
    target = w.target
    skill = w.skill
    load_g = w.load_g
    x = w.x_m
    y = w.y_m
    z = w.z_m
    speed = w.speed_mps
    heading = w.heading_rad
    sin_h = w.sin_heading
    cos_h = w.cos_heading
    sin_g = w.sin_gamma
    cos_g = w.cos_gamma
    rounds = w.rounds
    rockets = w.rockets
    rocket_ready_s = w.rocket_ready_s
    heat_s = w.heat_s
    overheated = w.overheated
    firing = w.firing
    was_firing = w.was_firing
    bursts_left = w.bursts_left
    cannon_rate, cannon_range, cannon_cone, cannon_p = cannon
    rocket_salvo, rocket_min, rocket_max, rocket_cone, rocket_p = rocket
    energy_range, energy_cone, energy_p, energy_heat = emitter
    for k in numba.prange(len(ready)):
        r = ready[k]
        done = 0
        bits = ready_weapons[r]
        b, t = battle[r], target[r]
        seed, who, now = row_seed[r], craft[r], tick[b]
        aspect = aspect_factor_from(heading[r] - heading[t], sin_g[r], cos_g[r], sin_g[t], cos_g[t])
        in_burst = False
        if bits & CANNON_READY:
            ax, ay, az = lead_from(
                x[r], y[r], z[r], x[t], y[t], z[t], speed[t], sin_h[t], cos_h[t], sin_g[t], cos_g[t], BULLET_SPEED_MPS
            )
            range_m, off = range_and_angle_off_from(
                x[r], y[r], z[r], sin_h[r], cos_h[r], sin_g[r], cos_g[r], ax, ay, az
            )
            if range_m < cannon_range[r] and off < SNAP_SHOT_FACTOR * cannon_cone[r]:
                in_burst = True
                used = min(rounds[r], cannon_rate[r] * dt[r])
                rounds[r] -= used
                p = gun_hit_chance(
                    cannon_p[r], skill[r], range_m, cannon_range[r], off, cannon_cone[r], aspect, load_g[t]
                ) * min(max(used / max(cannon_rate[r] * dt[r], 1e-9), 0.0), 1.0)
                u = uniform_one(seed, who, now, CANNON_HIT_PURPOSE)
                done |= FIRED[CANNON]
                measures[0, CANNON, k], measures[1, CANNON, k] = range_m, off
                measures[2, CANNON, k], measures[3, CANNON, k] = used, u
                verdicts[CANNON, k] = _verdict(u, per_tick(p, dt[r]), close_call)
        if bits & ROCKETS_READY:
            ax, ay, az = lead_from(
                x[r], y[r], z[r], x[t], y[t], z[t], speed[t], sin_h[t], cos_h[t], sin_g[t], cos_g[t], ROCKET_SPEED_MPS
            )
            range_m, off = range_and_angle_off_from(
                x[r], y[r], z[r], sin_h[r], cos_h[r], sin_g[r], cos_g[r], ax, ay, az
            )
            if rocket_min[r] < range_m < rocket_max[r] and off < rocket_cone[r]:
                salvo = min(rockets[r], np.int32(rocket_salvo[r]))
                rockets[r] -= salvo
                rocket_ready_s[r] = time_s[b] + ROCKET_RELOAD_S
                p = (
                    rocket_p[r]
                    * (0.5 + 0.5 * skill[r])
                    * (1.0 if range_m < 0.6 * rocket_max[r] else 0.7)
                    * (0.75 if load_g[t] > 4.0 else 1.0)
                )
                first = uniform_one(seed, who, now, ROCKET_HIT_PURPOSE) < p
                second = salvo >= 2 and uniform_one(seed, who, now, SECOND_ROCKET_PURPOSE) < p
                done |= FIRED[ROCKET]
                salvos[k] = salvo
                verdicts[ROCKET, k] = HIT if first or second else MISS
        if bits & EMITTER_READY:
            ax, ay, az = lead_from(
                x[r], y[r], z[r], x[t], y[t], z[t], speed[t], sin_h[t], cos_h[t], sin_g[t], cos_g[t], BULLET_SPEED_MPS
            )
            range_m, off = range_and_angle_off_from(
                x[r], y[r], z[r], sin_h[r], cos_h[r], sin_g[r], cos_g[r], ax, ay, az
            )
            if range_m < energy_range[r] and off < SNAP_SHOT_FACTOR * energy_cone[r]:
                in_burst = True
                heat_s[r] += dt[r]
                if heat_s[r] >= energy_heat[r]:
                    overheated[r] = True
                p = gun_hit_chance(
                    energy_p[r], skill[r], range_m, energy_range[r], off, energy_cone[r], aspect, load_g[t]
                )
                u = uniform_one(seed, who, now, ENERGY_HIT_PURPOSE)
                done |= FIRED[BLUE_FIRE]
                measures[0, BLUE_FIRE, k], measures[1, BLUE_FIRE, k] = range_m, off
                measures[2, BLUE_FIRE, k], measures[3, BLUE_FIRE, k] = 0.0, u
                verdicts[BLUE_FIRE, k] = _verdict(u, per_tick(p, dt[r]), close_call)
        if in_burst:
            firing[r] = True
            if not was_firing[r]:
                done |= BURST_STARTED
                if side[r] == LGF:
                    bursts_left[r] -= 1
        fired[k] = done


_shoot = threads.twins(_shoot_rows)
_shoot_in_turn = _shoot.in_turn  # as a compiled function calls it, by name


@numba.njit(cache=True, error_model="numpy")
def _gathered(
    ready: I64, fired: NDArray[np.int8], measures: F64, verdicts: NDArray[np.int8], salvos: NDArray[np.int32]
) -> tuple[NDArray[np.int64], I64, F64, NDArray[np.int8], NDArray[np.int32], I64]:
    """`_shoot_rows`' slots gathered by weapon, in row order (each weapon's k-th shot in its k-th place,
    moved down in place: a shot's place is never after its shooter's slot)."""
    counts = np.zeros(4, np.int64)
    shots = np.empty((3, len(ready)), np.int64)
    started = np.empty(len(ready), np.int64)
    for k in range(len(ready)):
        r = ready[k]
        for weapon in range(3):
            if fired[k] & FIRED[weapon]:
                j = counts[weapon]
                shots[weapon, j] = r
                for m in range(4):
                    measures[m, weapon, j] = measures[m, weapon, k]
                verdicts[weapon, j] = verdicts[weapon, k]
                if weapon == ROCKET:
                    salvos[j] = salvos[k]
                counts[weapon] = j + 1
        if fired[k] & BURST_STARTED:
            started[counts[3]] = r
            counts[3] += 1
    return counts, shots, measures, verdicts, salvos, started


CANNON_READY, ROCKETS_READY, EMITTER_READY = 1, 2, 4  # bits of `World.ready_weapons`


def _ready_to_fire_rows(
    w: WorldArrays,
    active: B,
    cannon_rate: F64,
    rocket_salvo: F64,
    energy_range: F64,
    energy_cool: F64,
    dt: F64,
) -> int:
    """Which weapons each craft of a battle being fought may fire this tick, as bits of
    `ready_weapons`: it is in the air with a live, conscious pilot and a target still in the air, and
    the cannon's button is held with rounds left, the rockets are called for with a pair loaded, or
    the blue-fire trigger is held with the emitter cool enough. An emitter not fired cools first; one
    that has cooled right down may fire again. Each craft's burst of last tick is kept in `was_firing`
    and cleared, for this tick's shots to set. Each craft writes only its own row; returns how many
    craft may fire."""
    battle = w.battle
    time_s = w.time_s
    status = w.status
    pilot_dead = w.pilot_dead
    blackout_s = w.blackout_s
    target = w.target
    trigger = w.trigger
    fire_rockets = w.fire_rockets
    rounds = w.rounds
    rockets = w.rockets
    rocket_ready_s = w.rocket_ready_s
    heat_s = w.heat_s
    overheated = w.overheated
    firing = w.firing
    was_firing = w.was_firing
    ready_weapons = w.ready_weapons
    count = 0
    for r in numba.prange(len(active)):
        ready_weapons[r] = 0
        if not active[r]:
            continue
        was_firing[r] = firing[r]
        firing[r] = False
        has_emitter = energy_range[r] > 0
        if has_emitter and not trigger[r]:
            heat_s[r] = max(heat_s[r] - energy_cool[r] * dt[r], 0.0)
        if overheated[r] and not heat_s[r] > 0:
            overheated[r] = False
        t = target[r]
        able = status[r] == AIRBORNE and not pilot_dead[r] and blackout_s[r] <= 0 and t >= 0
        if not able or status[t] != AIRBORNE:
            continue
        bits = 0
        if trigger[r] and rounds[r] > 0 and cannon_rate[r] > 0:
            bits |= CANNON_READY
        if fire_rockets[r] and rockets[r] > 0 and rocket_salvo[r] > 0 and rocket_ready_s[r] <= time_s[battle[r]]:
            bits |= ROCKETS_READY
        if trigger[r] and has_emitter and not overheated[r]:
            bits |= EMITTER_READY
        ready_weapons[r] = bits
        if bits:
            count += 1
    return count


_ready_to_fire = threads.twins(_ready_to_fire_rows)


def _make_hits(world: World, shooter: I64, target: I64, weapon: int, low: float, high: float) -> Hits:
    tick = world.tick[world.battle[shooter]]
    severity = low + (high - low) * uniform(world.row_seed[shooter], world.craft[shooter], tick, Purpose.HIT_SEVERITY)
    subsystem = _subsystem(world, shooter)
    # Craft without subsystems (LGFs) take every hit on the airframe: a rocket or a telling cannon
    # burst brings one down, a lighter one sets it smoking.
    simple = ~world.types_have_subsystems[world.type_index[target]]
    subsystem = np.where(simple, int(Sub.AIRFRAME), subsystem)
    kill_roll = uniform(world.row_seed[shooter], world.craft[shooter], tick, Purpose.LGF_KILL)
    lgf_severity = np.where((weapon == ROCKET) | (kill_roll < 0.6), 1.0, 0.5)
    severity = np.where(simple, lgf_severity, severity)
    return Hits(
        shooter.astype(np.int64),
        target.astype(np.int64),
        np.full(len(shooter), weapon, np.int64),
        subsystem.astype(np.int64),
        severity,
    )
