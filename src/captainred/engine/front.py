"""The army's front on the ground, as arrays: one entry per unit (a position of the line or an
anti-aircraft battery) per battle, and a few per battle for the front as a whole.

Units do not fly: they have a place, a strength that the swarm's blue fire takes away, and for a
battery its guns, shells and the LGF it is laying on. The rules that change them are the front's stages
(`captainred.front`). Like the World and the raid's party, a Front is allocated once per run from its
field table and changed in place; nothing about it is global.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from captainred.engine.fields import Kind, Scope, allocate, per_battle, per_ground
from captainred.engine.world import F64, I32, I64, B, World
from captainred.scenario.model import BatteryType, CampType, FrontSpec, PositionType

GROUND_ID_BASE = 30_000_000  # the front's units are event actors far above any aircraft's id


class Unit(IntEnum):
    """What a unit of the front is (Front.kind)."""

    POSITION = 0
    BATTERY = 1


@dataclass(eq=False)
class Front:
    """All state of the front in every battle of a World (g units a battle: unit = battle * g + i; the
    positions first, in order along the line, then the batteries)."""

    spec: FrontSpec
    position_type: PositionType
    battery_type: BatteryType | None
    g: int
    n_battles: int
    names: tuple[str, ...] = field(repr=False)  # per unit of a battle: "position 3", "battery 2"
    camp: CampType | None = field(default=None, repr=False)  # the camp's runway, where aircraft may divert

    # --- per battle
    positions_lost: I64 = per_battle(np.int64, 0)
    broken_s: F64 = per_battle(np.float64, np.inf)  # when the front broke; inf while it holds
    waves_out: I64 = per_battle(np.int64, 0)  # waves that have left the ship (each one an event)

    # --- per unit (battle * g + i)
    battle: I64 = per_ground(np.int64, 0, kind=Kind.IDENTITY)
    unit: I64 = per_ground(np.int64, 0, kind=Kind.IDENTITY)
    kind: I64 = per_ground(np.int64, 0, kind=Kind.IDENTITY)
    x_m: F64 = per_ground(np.float64, 0.0, kind=Kind.IDENTITY)
    y_m: F64 = per_ground(np.float64, 0.0, kind=Kind.IDENTITY)
    full_strength: F64 = per_ground(np.float64, 0.0, kind=Kind.IDENTITY)
    strength: F64 = per_ground(np.float64, 0.0)
    garrison: I64 = per_ground(np.int64, 0)
    lost: B = per_ground(np.bool_, False)  # a position pounded into dust, or a battery silenced
    reported: I64 = per_ground(np.int64, 0)  # quarters of its strength gone, as reported so far
    bursts_taken: I64 = per_ground(np.int64, 0)  # the swarm's bursts of blue fire at it
    bolts_taken: I64 = per_ground(np.int64, 0)  # of their bolts, those that struck it
    # A battery: guns still served, shells left, rounds owed by its rate (fired whole), whom it lays on,
    # and what it has done.
    guns: I64 = per_ground(np.int64, 0)
    shells: I64 = per_ground(np.int64, 0)
    rounds_due: F64 = per_ground(np.float64, 0.0)
    laying_on: I64 = per_ground(np.int64, -1)  # a row of the World (an airborne LGF), -1 for none
    laying_range_m: F64 = per_ground(np.float64, np.inf)
    rounds_fired: I64 = per_ground(np.int64, 0)
    kills: I32 = per_ground(np.int32, 0)

    def __post_init__(self) -> None:
        allocate(self, {Scope.BATTLE: (self.n_battles,), Scope.GROUND: (self.n_battles * self.g,)})

    def units_of(self, b: int) -> slice:
        return slice(b * self.g, (b + 1) * self.g)

    @property
    def positions(self) -> int:
        return self.spec.positions

    @property
    def camp_xy(self) -> tuple[float, float] | None:
        return self.spec.camp_m


def layout(spec: FrontSpec, toward_xy: tuple[float, float]) -> tuple[F64, F64]:
    """Where each unit stands (positions then batteries): the positions evenly along the line, end to
    end; the batteries evenly along a parallel line `batteries_behind_m` behind it, on the side away from
    `toward_xy` (the enemy's ship)."""
    (x0, y0), (x1, y1) = spec.line_m
    k = np.arange(spec.positions)
    t = (k + 0.5) / spec.positions
    px, py = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
    length = float(np.hypot(x1 - x0, y1 - y0))
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length  # a normal to the line
    mx, my = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    if nx * (toward_xy[0] - mx) + ny * (toward_xy[1] - my) > 0:
        nx, ny = -nx, -ny  # behind the line is away from the enemy
    j = np.arange(spec.batteries)
    s = (j + 0.5) / max(spec.batteries, 1)
    bx = x0 + (x1 - x0) * s + nx * spec.batteries_behind_m
    by = y0 + (y1 - y0) * s + ny * spec.batteries_behind_m
    return np.concatenate([px, bx]), np.concatenate([py, by])


def build_front(world: World) -> Front | None:
    """The front in every battle of the World, at full strength; None for a scenario with no front."""
    spec = world.plan.front
    if spec is None:
        return None
    catalog = world.scenario.catalog
    position = catalog.positions[spec.position_type]
    battery = catalog.batteries[spec.battery_type] if spec.batteries else None
    g, nb = spec.positions + spec.batteries, world.n_battles
    names = tuple(f"position {k + 1}" for k in range(spec.positions)) + tuple(
        f"battery {k + 1}" for k in range(spec.batteries)
    )
    camp = catalog.camps[spec.camp] if spec.camp is not None else None
    front = Front(spec=spec, position_type=position, battery_type=battery, g=g, n_battles=nb, names=names, camp=camp)
    toward = world.ship_xyz[:2] if world.ship_xyz is not None else world.plan.enemy.ship_position_m
    x, y = layout(spec, (float(toward[0]), float(toward[1])))
    is_battery = np.arange(g) >= spec.positions
    full = np.where(is_battery, battery.strength if battery else 0.0, position.strength)
    # Every array starts at its declared initial value (the field table); what differs is written here.
    front.battle[:] = np.repeat(np.arange(nb, dtype=np.int64), g)
    front.unit[:] = np.tile(np.arange(g, dtype=np.int64), nb)
    front.kind[:] = np.tile(np.where(is_battery, int(Unit.BATTERY), int(Unit.POSITION)), nb)
    front.x_m[:] = np.tile(x, nb)
    front.y_m[:] = np.tile(y, nb)
    front.full_strength[:] = np.tile(full, nb)
    front.strength[:] = front.full_strength
    front.garrison[:] = np.tile(np.where(is_battery, battery.crew if battery else 0, position.garrison), nb)
    front.guns[:] = np.tile(np.where(is_battery, battery.guns if battery else 0, 0), nb)
    front.shells[:] = np.tile(np.where(is_battery, battery.shells if battery else 0, 0), nb)
    return front


__all__ = ["GROUND_ID_BASE", "Front", "Unit", "build_front", "layout"]
