"""The raid's party on foot, as arrays: one row per member per battle, one entry per battle for the
party as a whole, and the route it walks from the camp to the rubble by the hull.

The route is laid over the theatre's own ground: a lot where a building stood is rubble to hide in (a
tall one leaves walls standing, which can come down), a street or the burnt park is open ground. Like
the World, a Party is allocated once per run and changed in place; nothing about it is global.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from captainred.engine.fields import Kind, Scope, allocate, per_battle, per_member
from captainred.engine.world import F64, I64, B, World
from captainred.scenario.model import RaidSpec
from captainred.scenario.quartermaster import Issue, issue_kit

MEMBER_ID_BASE = 20_000_000  # the party's members are event actors far above any aircraft's id
ROUTE_STEP_M = 5.0
WALL_HEIGHT_M = 40.0  # a lot whose building stood this tall leaves walls standing (design value)
SPACING_M = 4.0  # the column's spacing on the march


class Phase(IntEnum):
    """Where the party as a whole is in the operation."""

    CAMP = 0  # not yet set out (dusk)
    APPROACH = 1  # cover to cover through the ruins
    FIREFIGHT = 2  # spotted: fighting a patrol, or the ship's guards inside
    PATCHING = 3  # halted while a wound is dressed
    WAITING = 4  # in the rubble by the hull, for a breach
    SPRINT = 5  # across the open ground and up into a breach
    INSIDE = 6  # the corridors, toward the captive's cell
    RETURNING = 7  # back along the corridors with her, to a breach
    DONE = 8


@dataclass(eq=False)
class Party:
    """All state of the raid in every battle of a World (m members a battle: row = battle * m + i)."""

    raid: RaidSpec
    kit: tuple[Issue, ...]
    m: int
    n_battles: int
    route_xy: F64 = field(repr=False)  # (k, 2): the route from the camp to the rubble, every ROUTE_STEP_M
    route_cover: B = field(repr=False)  # (k,): rubble or walls to hide in (else open ground)
    route_wall: B = field(repr=False)  # (k,): walls standing there
    flank_x_m: float = 0.0  # the hull's side facing the rubble (an x in the map frame)

    # --- per battle
    phase: I64 = per_battle(np.int64, 0)
    resume: I64 = per_battle(np.int64, Phase.APPROACH)  # phase after a halt
    set_out_s: F64 = per_battle(np.float64, np.inf)
    progress_m: F64 = per_battle(np.float64, 0.0)  # the leader along the route
    halt_until_s: F64 = per_battle(np.float64, 0.0)
    patching: I64 = per_battle(np.int64, -1)  # member, -1
    foes: I64 = per_battle(np.int64, 0)
    foes_start: I64 = per_battle(np.int64, 0)  # at the first shot
    foes_range_m: F64 = per_battle(np.float64, 0.0)
    foes_by: list[str] = field(default_factory=list, repr=False)  # "patrol" or "guards", per battle
    fight_since_s: F64 = per_battle(np.float64, 0.0)
    alarm: F64 = per_battle(np.float64, 0.0)  # grows with each fight
    kit_uses: I64 = per_battle(np.int64, 0)
    fires_until_s: F64 = per_battle(np.float64, -np.inf)  # burning after a shell
    breach: I64 = per_battle(np.int64, 0)  # the breach used, 0
    breach_xy: F64 = per_battle(np.float64, 0.0, width=2)
    breach_seals_s: F64 = per_battle(np.float64, -np.inf)
    climbing: I64 = per_battle(np.int64, -1)  # member, -1
    climb_done_s: F64 = per_battle(np.float64, 0.0)
    corridor_m: F64 = per_battle(np.float64, 0.0)
    captive_held: B = per_battle(np.bool_, True)
    captive_alive: B = per_battle(np.bool_, True)
    secret_broken: B = per_battle(np.bool_, False)
    searched_s: F64 = per_battle(np.float64, 0.0)  # her memories, so far
    next_wave_s: F64 = per_battle(np.float64, 0.0)
    waves: I64 = per_battle(np.int64, 0)
    over: B = per_battle(np.bool_, False)  # RAID_OVER emitted

    # --- per member (battle * m + i)
    battle: I64 = per_member(np.int64, 0, kind=Kind.IDENTITY)
    member: I64 = per_member(np.int64, 0, kind=Kind.IDENTITY)
    alive: B = per_member(np.bool_, True)
    wounded: B = per_member(np.bool_, False)
    bleeding: B = per_member(np.bool_, False)
    stripped: B = per_member(np.bool_, False)
    inside: B = per_member(np.bool_, False)
    outside_for_good: B = per_member(np.bool_, False)  # left behind
    came_out: B = per_member(np.bool_, False)
    to_breach_m: F64 = per_member(np.float64, 0.0)  # running: metres still to go
    x_m: F64 = per_member(np.float64, 0.0)
    y_m: F64 = per_member(np.float64, 0.0)
    load_kg: F64 = per_member(np.float64, 0.0)
    skill: F64 = per_member(np.float64, 0.0, kind=Kind.IDENTITY)

    def __post_init__(self) -> None:
        allocate(self, {Scope.BATTLE: (self.n_battles,), Scope.MEMBER: (self.n_battles * self.m,)})
        if not self.foes_by:
            self.foes_by = [""] * self.n_battles

    @property
    def route_length_m(self) -> float:
        return float(np.hypot(*(self.route_xy[-1] - self.route_xy[0])))

    def route_index(self, s_m: F64 | float) -> I64:
        """The route point nearest each distance along it."""
        last = len(self.route_xy) - 1
        step = self.route_length_m / last if last else 1.0
        index: I64 = np.clip(np.round(np.asarray(s_m) / step), 0, last).astype(np.int64)
        return index

    def members_of(self, b: int) -> slice:
        return slice(b * self.m, (b + 1) * self.m)

    def alive_count(self) -> I64:
        """(n_battles,): members alive in each battle."""
        counts: I64 = self.alive.reshape(-1, self.m).sum(axis=1)
        return counts


def speed_factor(load_kg: F64) -> F64:
    """How much a load slows a soldier: nothing up to 12 kg, then 1.5% a kilogram, never below half."""
    factor: F64 = np.clip(1.0 - 0.015 * (load_kg - 12.0), 0.5, 1.0)
    return factor


def build_party(world: World) -> Party | None:
    """The raid's party in every battle of the World, at the camp; None for a scenario with no raid."""
    raid = world.plan.raid
    if raid is None:
        return None
    kit = issue_kit(raid, world.scenario.catalog, world.scenario.source)
    m, nb = len(kit), world.n_battles
    start, end = np.asarray(raid.start_m, dtype=float), np.asarray(raid.rubble_m, dtype=float)
    steps = max(1, int(np.ceil(np.hypot(*(end - start)) / ROUTE_STEP_M)))
    route = start + (end - start) * (np.arange(steps + 1)[:, None] / steps)
    height = world.theatre.ground_height_m(route[:, 0], route[:, 1])
    assert world.ship_xyz is not None  # a raid needs a ship (the loader checks)
    ship_x, half_w = world.ship_xyz[0], world.ship_half_m[0]
    flank = ship_x + half_w if end[0] >= ship_x else ship_x - half_w
    loads = np.array([issue.load_kg(raid) for issue in kit])
    party = Party(
        raid=raid,
        kit=kit,
        m=m,
        n_battles=nb,
        route_xy=route,
        route_cover=height > 0,
        route_wall=height >= WALL_HEIGHT_M,
        flank_x_m=float(flank),
    )
    # Every array starts at its declared initial value (the field table); what differs is written here.
    party.kit_uses[:] = raid.first_aid_uses if any(i.first_aid_kit for i in kit) else 0
    party.searched_s[:] = raid.captive_held_s
    party.next_wave_s[:] = raid.set_out_s
    party.battle[:] = np.repeat(np.arange(nb, dtype=np.int64), m)
    party.member[:] = np.tile(np.arange(m, dtype=np.int64), nb)
    party.wounded[:] = np.tile(np.array([member.wounded for member in raid.party], dtype=bool), nb)
    party.x_m[:] = start[0]
    party.y_m[:] = start[1]
    party.load_kg[:] = np.tile(loads, nb)
    party.skill[:] = np.tile(np.array([issue.pilot.skill for issue in kit]), nb)
    return party


__all__ = ["MEMBER_ID_BASE", "Party", "Phase", "build_party", "speed_factor"]
