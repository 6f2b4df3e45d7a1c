"""Bombardment: ships fire salvos; each shell flies for a time and falls with a spread about its aim
point, on the net (absorbed), on the mother ship's hull (a breach that its plates seal within seconds),
on the ground (with a radius of danger to anyone there) or in the sea.

Everything about a bombardment is a pure function of the scenario, the battle's seed and its clock: when
each salvo fires, where each shell falls, when each breach seals. Nothing is kept between ticks but the
net's strength, so a battle is bombarded the same alone or in a batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from captainred.engine.events import EventKind
from captainred.engine.net import absorb, inside_net, net_centre
from captainred.engine.rng import Purpose, uniform
from captainred.engine.terrain import inside_hull
from captainred.engine.world import F64, B, World, emit_battle
from captainred.scenario.model import BombardmentSpec

DANGER_M_PER_CUBE_ROOT_KG = 6.0  # lethal radius of a burst ~ 6 m x (kg of explosive)^(1/3) (design value)
SHELL_ID_BASE = 10_000_000  # shells draw their fall as "craft" ids far above any aircraft's


def _seal_s(world: World, spec: BombardmentSpec) -> float:
    """How long the mother ship's plates take to close one of this bombardment's breaches (0 with no ship):
    the ship's time for a small hole, longer for the hole a heavy warhead tears (with the cube root of its
    explosive above 100 kg, as a blast's reach grows)."""
    ship = world.plan.enemy.ship
    if ship is None:
        return 0.0
    return float(world.scenario.catalog.ships[ship].plate_seal_s * max(1.0, (spec.shell_tnt_kg / 100.0) ** (1 / 3)))


def _aim(world: World, battle: int, spec: BombardmentSpec) -> tuple[float, float]:
    if spec.at == "fleet":
        centre = net_centre(world)[battle]
        return float(centre[0]), float(centre[1])
    if spec.at == "mother-ship" and world.ship_xyz is not None:
        return world.ship_xyz[0], world.ship_xyz[1]
    assert spec.target_m is not None
    return spec.target_m


def _flight_s(spec: BombardmentSpec, aim: tuple[float, float]) -> float:
    return float(np.hypot(aim[0] - spec.from_m[0], aim[1] - spec.from_m[1]) / spec.shell_speed_mps)


@dataclass(frozen=True)
class Schedule:
    """One bombardment's timetable in one battle: where it aims, how long a shell flies, and when each
    salvo fires, lands and (for a shell on the hull) has its breach sealed."""

    aim: tuple[float, float]
    flight_s: float
    fire_s: F64
    land_s: F64
    sealed_s: F64


def schedule(world: World, battle: int, spec: BombardmentSpec) -> Schedule:
    """The timetable of bombardment `spec` in battle `battle`: salvos every `interval_s` from `start_s`."""
    aim = _aim(world, battle, spec)
    flight = _flight_s(spec, aim)
    fire_s: F64 = spec.start_s + np.arange(spec.salvos, dtype=np.float64) * spec.interval_s
    land_s: F64 = fire_s + flight
    return Schedule(aim=aim, flight_s=flight, fire_s=fire_s, land_s=land_s, sealed_s=land_s + _seal_s(world, spec))


def _window_end_s(world: World, battle: int, spec: BombardmentSpec) -> float:
    """When the last thing this bombardment does (an impact, or a breach sealing) has happened."""
    return float(schedule(world, battle, spec).sealed_s[-1]) + 1.0


def bombardment_pending(world: World) -> B:
    """(n_battles,): a bombardment still has shells to fire, in flight, or breaches to seal."""
    pending = np.zeros(world.n_battles, dtype=bool)
    for spec in world.plan.bombardments:
        for b in range(world.n_battles):
            pending[b] |= world.time_s[b] < _window_end_s(world, b, spec)
    return pending


def next_bombardment_s(world: World) -> F64:
    """(n_battles,): when the next salvo fires, shell lands or breach seals (inf: nothing more to come).
    The step loop never takes an idle tick past it, so each lands on its own time."""
    soonest = np.full(world.n_battles, np.inf)
    for spec in world.plan.bombardments:
        for b in range(world.n_battles):
            timetable = schedule(world, b, spec)
            times = np.concatenate([timetable.fire_s, timetable.land_s, timetable.sealed_s])
            later = times[times > world.time_s[b]]  # no tolerance: a time 1 ulp ahead is still to come
            if len(later):
                soonest[b] = min(soonest[b], float(later.min()))
    return soonest


def bombard(world: World, active: B) -> None:
    """Fire the salvos due this tick and land the shells that arrive in it, battle by battle."""
    scenario = world.plan
    for index, spec in enumerate(scenario.bombardments):
        for b in np.flatnonzero(active).tolist():
            _bombard_battle(world, b, index, spec)


def _bombard_battle(world: World, b: int, index: int, spec: BombardmentSpec) -> None:
    # The tick's own start, not now - dt: that difference can round one ulp early and land a time twice.
    now, before = float(world.time_s[b]), float(world.tick_start_s[b])
    timetable = schedule(world, b, spec)
    fire_s = timetable.fire_s
    for salvo in np.flatnonzero((fire_s > before) & (fire_s <= now)).tolist():
        emit_battle(
            world,
            b,
            EventKind.SALVO,
            bombardment=spec.name,
            salvo=salvo + 1,
            shells=spec.shells,
            flight_s=timetable.flight_s,
        )
    for landing in landings(world, b, index, before, now):
        _land(world, b, landing)
    _seal_breaches(world, b, index, spec, timetable, before, now)


def _fall(world: World, b: int, index: int, spec: BombardmentSpec, salvo: int, aim: tuple[float, float]) -> F64:
    """(shells, 2): where each shell of a salvo falls, uniformly over a disc of the spread's radius."""
    j = np.arange(spec.shells)
    ids = SHELL_ID_BASE + index * 1_000_000 + salvo * 1000 + j
    seed = np.full(spec.shells, world.seed[b])
    r = spec.spread_m * np.sqrt(uniform(seed, ids, 0, Purpose.SHELL_FALL))
    theta = 2 * np.pi * uniform(seed, ids, 1, Purpose.SHELL_FALL)
    return np.stack([aim[0] + r * np.sin(theta), aim[1] + r * np.cos(theta)], axis=1)


def _on_hull(world: World, xy: F64) -> B:
    return inside_hull(world, xy[:, 0], xy[:, 1])


@dataclass(frozen=True)
class Landing:
    """Where and when one shell came down, and what it struck: the net, the hull, the ground or the sea."""

    bombardment: str
    x_m: float
    y_m: float
    at_s: float
    struck: str
    tnt_kg: float
    danger_m: float
    breach: int = 0  # on the hull: the breach it tore
    seals_at_s: float = np.inf  # on the hull: when the plates close it


def landings(world: World, b: int, index: int, before: float, now: float) -> list[Landing]:
    """The shells of bombardment `index` that come down in battle `b` in (before, now], salvo by salvo: a
    pure function of the scenario, the battle's seed and the clock, so that anything on the ground can
    ask what fell near it."""
    spec = world.plan.bombardments[index]
    timetable = schedule(world, b, spec)
    land_s = timetable.land_s
    out: list[Landing] = []
    for salvo in np.flatnonzero((land_s > before) & (land_s <= now)).tolist():
        out += _salvo_landings(world, b, index, spec, salvo, timetable.aim, float(land_s[salvo]))
    return out


def _salvo_landings(
    world: World, b: int, index: int, spec: BombardmentSpec, salvo: int, aim: tuple[float, float], at_s: float
) -> list[Landing]:
    xy = _fall(world, b, index, spec, salvo, aim)
    battle = np.full(len(xy), b, dtype=np.int64)
    fired_from_inside = bool(
        inside_net(world, battle[:1], np.array([spec.from_m[0]]), np.array([spec.from_m[1]]), np.zeros(1))[0]
    )
    on_hull = _on_hull(world, xy)
    danger = DANGER_M_PER_CUBE_ROOT_KG * spec.shell_tnt_kg ** (1 / 3)
    seal = _seal_s(world, spec)
    out = []
    for j in range(len(xy)):
        x, y = float(xy[j, 0]), float(xy[j, 1])
        under_net = bool(inside_net(world, battle[:1], xy[j : j + 1, 0], xy[j : j + 1, 1], np.zeros(1))[0])
        if under_net and not fired_from_inside:
            struck = "net"
        elif on_hull[j]:
            struck = "hull"
        else:
            struck = "ground" if bool(world.theatre.on_land(np.array([x]), np.array([y]))[0]) else "sea"
        hull = struck == "hull"
        out.append(
            Landing(
                bombardment=spec.name,
                x_m=x,
                y_m=y,
                at_s=at_s,
                struck=struck,
                tnt_kg=spec.shell_tnt_kg,
                danger_m=danger,
                breach=_breach_id(salvo, j, spec) if hull else 0,
                seals_at_s=at_s + seal if hull else np.inf,
            )
        )
    return out


def _land(world: World, b: int, landing: Landing) -> None:
    if landing.struck == "net":
        absorb(world, b, landing.tnt_kg / 1000.0, "shell", -1, (landing.x_m, landing.y_m, 0.0))
    elif landing.struck == "hull":
        assert world.ship_xyz is not None
        top = world.ship_xyz[2] + world.ship_half_m[2]
        emit_battle(
            world,
            b,
            EventKind.BREACH,
            (landing.x_m, landing.y_m, top),
            bombardment=landing.bombardment,
            breach=landing.breach,
            seals_at_s=landing.seals_at_s,
            at_s=landing.at_s,
        )
    else:
        emit_battle(
            world,
            b,
            EventKind.IMPACT,
            (landing.x_m, landing.y_m, 0.0),
            bombardment=landing.bombardment,
            struck=landing.struck,
            tnt_kg=landing.tnt_kg,
            danger_m=landing.danger_m,
            at_s=landing.at_s,
        )


def _breach_id(salvo: int, shell: int, spec: BombardmentSpec) -> int:
    return salvo * spec.shells + shell + 1


def _seal_breaches(
    world: World, b: int, index: int, spec: BombardmentSpec, timetable: Schedule, before: float, now: float
) -> None:
    if world.ship_xyz is None:
        return
    for salvo in range(spec.salvos):
        if not before < timetable.sealed_s[salvo] <= now:
            continue
        xy = _fall(world, b, index, spec, salvo, timetable.aim)
        for j in np.flatnonzero(_on_hull(world, xy)).tolist():
            emit_battle(world, b, EventKind.BREACH_SEALED, bombardment=spec.name, breach=_breach_id(salvo, j, spec))
