"""Weapons: the Guardian's cannon bursts and rocket pairs, the LGF's blue fire.

Doctrine pulls the trigger; this stage decides whether anything leaves the barrel (ammunition, range, the
cone, heat) and whether it hits. A hit is a record (shooter, target, weapon, subsystem, severity) handed
to the damage stage. Hit chances depend on range, angle-off and the shooter's skill, and are drawn per
(battle seed, shooter, tick, purpose), so they never depend on batch or row order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

from captainred.engine import threads
from captainred.engine.events import EventKind
from captainred.engine.net import absorb, across_net
from captainred.engine.rng import Purpose, uniform
from captainred.engine.sensing import in_cone
from captainred.engine.world import F64, I64, LGF, B, FlightState, Status, Sub, World, emit

AIRBORNE = int(Status.AIRBORNE)

BULLET_SPEED_MPS = 900.0
ROCKET_SPEED_MPS = 700.0
ROCKET_RELOAD_S = 2.0
BLUE_FIRE_BLOW_T = 0.01  # what a bolt that strikes the net costs it (design value)
SNAP_SHOT_FACTOR = 2.0  # guns are fired up to this multiple of their cone, to less effect
CANNON, ROCKET, BLUE_FIRE = 0, 1, 2
WEAPON_NAMES = ("cannon", "rocket", "blue_fire")

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


class Armoury:
    """Weapon parameters of every row, computed once per World."""

    def __init__(self, world: World) -> None:
        self.spec = _spec_arrays(world)


@numba.njit(cache=True)
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
    dx = x - shooter_x
    dy = y - shooter_y
    dz = z - shooter_z
    t = math.sqrt(dx * dx + dy * dy + dz * dz) / projectile_mps
    cg = math.cos(gamma_rad)
    return (
        x + speed_mps * cg * math.sin(heading_rad) * t,
        y + speed_mps * cg * math.cos(heading_rad) * t,
        z + speed_mps * math.sin(gamma_rad) * t,
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
    x, y, z, speed, heading, gamma = state
    for k in numba.prange(len(shooter)):
        s, t = shooter[k], target[k]
        out[0, k], out[1, k], out[2, k] = lead(
            x[s], y[s], z[s], x[t], y[t], z[t], speed[t], heading[t], gamma[t], projectile_mps
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


def _on_target(world: World, shooter: I64, max_range_m: F64, cone_rad: F64) -> tuple[I64, I64, F64, F64]:
    """Of these shooters, those whose target's lead point is within the gun's range and (snap-shot) cone:
    shooter, target, range and angle off the nose."""
    target = world.target[shooter]
    ax, ay, az = lead_point(world, shooter, target, BULLET_SPEED_MPS)
    range_m, off = in_cone(world, shooter, ax, ay, az)
    ok = (range_m < max_range_m[shooter]) & (off < SNAP_SHOT_FACTOR * cone_rad[shooter])
    return shooter[ok], target[ok], range_m[ok], off[ok]


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
    _ready_to_fire(
        world.n,
        active,
        world.battle,
        world.time_s,
        world.status,
        world.pilot_dead,
        world.blackout_s,
        world.target,
        world.trigger,
        world.fire_rockets,
        world.rounds,
        world.rockets,
        world.rocket_ready_s,
        spec["cannon_rate"],
        spec["rocket_salvo"],
        spec["energy_range"],
        spec["energy_cool"],
        dt,
        world.heat_s,
        world.overheated,
        world.firing,
        world.was_firing,
        world.ready_weapons,
    )
    parts: list[Hits] = []
    firing_now: list[I64] = []
    ready = np.flatnonzero(world.ready_weapons)  # the few rows with a weapon to fire, ascending

    # Cannon: bursts while the button is held, rounds permitting.
    s = ready[(world.ready_weapons[ready] & CANNON_READY) > 0]
    if len(s):
        s, t, range_m, off = _on_target(world, s, spec["cannon_range"], spec["cannon_cone"])
        firing_now.append(s)
        used = np.minimum(world.rounds[s], spec["cannon_rate"][s] * dt[s])
        world.rounds[s] -= used
        p = _gun_hit_chance(
            world, s, t, range_m, off, spec["cannon_p"], spec["cannon_range"], spec["cannon_cone"]
        ) * np.clip(used / np.maximum(spec["cannon_rate"][s] * dt[s], 1e-9), 0.0, 1.0)
        u = uniform(world.row_seed[s], world.craft[s], world.tick[world.battle[s]], Purpose.CANNON_HIT)
        hit = u < _per_tick(p, dt[s])
        parts.append(_make_hits(world, s[hit], t[hit], CANNON, low=0.25, high=0.8))

    # Rockets: a pair at a time, each of which can miss.
    s = ready[(world.ready_weapons[ready] & ROCKETS_READY) > 0]
    if len(s):
        now = world.time_s[world.battle[s]]
        t = world.target[s]
        ax, ay, az = lead_point(world, s, t, ROCKET_SPEED_MPS)
        range_m, off = in_cone(world, s, ax, ay, az)
        ok = (range_m > spec["rocket_min"][s]) & (range_m < spec["rocket_max"][s]) & (off < spec["rocket_cone"][s])
        s, t, range_m = s[ok], t[ok], range_m[ok]
        salvo = np.minimum(world.rockets[s], spec["rocket_salvo"][s].astype(np.int32))
        world.rockets[s] -= salvo
        world.rocket_ready_s[s] = now[ok] + ROCKET_RELOAD_S
        for row, n_fired in zip(s.tolist(), salvo.tolist(), strict=True):
            emit(world, row, EventKind.SHOT, target=int(world.target[row]), weapon="rocket", rounds=n_fired)
        p = (
            spec["rocket_p"][s]
            * (0.5 + 0.5 * world.skill[s])
            * np.where(range_m < 0.6 * spec["rocket_max"][s], 1.0, 0.7)
            * np.where(world.load_g[t] > 4.0, 0.75, 1.0)
        )
        tick = world.tick[world.battle[s]]
        first = uniform(world.row_seed[s], world.craft[s], tick, Purpose.ROCKET_HIT) < p
        second = (salvo >= 2) & (uniform(world.row_seed[s], world.craft[s], tick, Purpose.SECOND_ROCKET) < p)
        hit = first | second
        parts.append(_make_hits(world, s[hit], t[hit], ROCKET, low=0.7, high=1.0))

    # Blue fire: no ammunition, but the emitter heats and must cool.
    s = ready[(world.ready_weapons[ready] & EMITTER_READY) > 0]
    if len(s):
        s, t, range_m, off = _on_target(world, s, spec["energy_range"], spec["energy_cone"])
        firing_now.append(s)
        world.heat_s[s] += dt[s]
        hot = world.heat_s[s] >= spec["energy_heat"][s]
        world.overheated[s[hot]] = True
        p = _gun_hit_chance(world, s, t, range_m, off, spec["energy_p"], spec["energy_range"], spec["energy_cone"])
        u = uniform(world.row_seed[s], world.craft[s], world.tick[world.battle[s]], Purpose.ENERGY_HIT)
        hit = u < _per_tick(p, dt[s])
        # The net stands between: the bolt spends itself on it.
        blocked = hit & across_net(world, s, t)
        for row in s[blocked].tolist():
            absorb(
                world,
                int(world.battle[row]),
                BLUE_FIRE_BLOW_T,
                "blue_fire",
                row,
                (float(world.x_m[row]), float(world.y_m[row]), float(world.z_m[row])),
            )
        hit &= ~blocked
        parts.append(_make_hits(world, s[hit], t[hit], BLUE_FIRE, low=0.15, high=0.55))

    # A burst starts: one SHOT event, and an LGF spends one of its bursts before rearming.
    if firing_now:
        firing = np.unique(np.concatenate(firing_now))
        world.firing[firing] = True
        started = firing[~world.was_firing[firing]]
        for row in started.tolist():
            weapon = "blue_fire" if world.side[row] == LGF else "cannon"
            emit(world, row, EventKind.SHOT, target=int(world.target[row]), weapon=weapon)
        world.bursts_left[started] -= (world.side[started] == LGF).astype(np.int32)

    if not parts:
        empty = np.zeros(0, np.int64)
        return Hits(empty, empty, empty, empty, np.zeros(0))
    return Hits.concat(parts)


CANNON_READY, ROCKETS_READY, EMITTER_READY = 1, 2, 4  # bits of `World.ready_weapons`


def _ready_to_fire_rows(
    active: B,
    battle: NDArray[np.int32],
    time_s: F64,
    status: NDArray[np.int8],
    pilot_dead: B,
    blackout_s: F64,
    target: I64,
    trigger: B,
    fire_rockets: B,
    rounds: F64,
    rockets: NDArray[np.int32],
    rocket_ready_s: F64,
    cannon_rate: F64,
    rocket_salvo: F64,
    energy_range: F64,
    energy_cool: F64,
    dt: F64,
    heat_s: F64,
    overheated: B,
    firing: B,
    was_firing: B,
    ready_weapons: NDArray[np.int8],
) -> None:
    """Which weapons each craft of a battle being fought may fire this tick, as bits of
    `ready_weapons`: it is in the air with a live, conscious pilot and a target still in the air, and
    the cannon's button is held with rounds left, the rockets are called for with a pair loaded, or
    the blue-fire trigger is held with the emitter cool enough. An emitter not fired cools first; one
    that has cooled right down may fire again. Each craft's burst of last tick is kept in `was_firing`
    and cleared, for this tick's shots to set. Each craft writes only its own row."""
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
