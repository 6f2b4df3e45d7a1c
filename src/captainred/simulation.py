"""The battle loop: the ordered stages of a step, applied to a World of one or many battles.

sense -> clock -> radio -> decide (Air Command, the swarm) -> launch -> fly -> collide -> minds -> fire ->
damage -> cameras -> recovery -> end. Each battle keeps its own clock and picks its own tick: the combat
tick while anything hostile is within the quiet range, the transit tick otherwise; so a battle's events
are the same alone or in a batch, whatever the other battles are doing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from captainred.doctrine.air_command import decide_air_command
from captainred.doctrine.modes import Mode
from captainred.doctrine.swarm import decide_swarm
from captainred.engine.camera import take_photos
from captainred.engine.damage import apply_hits, wing_failures
from captainred.engine.events import EventKind, EventLog
from captainred.engine.kinematics import fly
from captainred.engine.mind import reach_into_minds
from captainred.engine.radio import finish_calls
from captainred.engine.sensing import build_pairs, sense
from captainred.engine.terrain import collide
from captainred.engine.weapons import Armoury, fire
from captainred.engine.world import AIR_COMMAND, Flag, Status, Sub, World, emit, emit_battle
from captainred.fleet.bombardment import bombard, bombardment_pending, next_bombardment_s
from captainred.fleet.carrier_deck import CarrierDeck
from captainred.fleet.net import tend_net
from captainred.fleet.steaming import next_deck_job_s, next_launch_s, order_launches, steam
from captainred.raid import advance_raid, close_raid, raid_pending, raid_tick_s
from captainred.scenario.model import ResolvedScenario


@dataclass(frozen=True)
class BattleResult:
    """One battle's outcome: its seed and its event log (everything else is derived from the log)."""

    scenario: str
    seed: int
    log: EventLog

    @property
    def digest(self) -> str:
        return self.log.digest()

    @property
    def sim_seconds(self) -> float:
        return float(self.log[-1].details["sim_seconds"]) if len(self.log) else 0.0


class Deck(Protocol):
    """The carriers' decks, as the step loop drives them (see `captainred.fleet`)."""

    def launch(self, world: World, active: NDArray[np.bool_]) -> None: ...

    def recover(self, world: World, active: NDArray[np.bool_], returning: NDArray[np.bool_]) -> None: ...

    def turnaround(self, world: World, active: NDArray[np.bool_]) -> None: ...


class Command(Protocol):
    """Commands for some craft from outside the doctrine (an RL policy): called each step after the
    doctrine has decided and before anything flies, it may overwrite the decision fields (`cmd_*`,
    `trigger`, `fire_rockets`, `target`, `mode`) of the rows it controls in the battles marked `active`
    (per row). The physics, weapons, damage and deck then treat those craft like any other."""

    def __call__(self, world: World, active: NDArray[np.bool_]) -> None: ...


class Simulation:
    """Steps a World until every battle in it has ended."""

    def __init__(self, world: World, deck: Deck | None = None, command: Command | None = None) -> None:
        self.world = world
        self.command = command
        self.deck: Deck = deck if deck is not None else CarrierDeck(world)
        self.pairs = build_pairs(world)
        self.armoury = Armoury(world)
        scenario = world.scenario.scenario
        self.timing = scenario.timing
        self.ship = world.scenario.catalog.ships[scenario.enemy.ship] if scenario.enemy.ship else None
        self.steps = 0

    @property
    def finished(self) -> bool:
        return bool(self.world.done.all())

    def step(self) -> None:
        w = self.world
        scenario = w.scenario.scenario
        active_battles = ~w.done
        prey = (
            (w.side == AIR_COMMAND)
            & w.airborne
            & (w.smoking | w.wounded | w.spinning | (w.flags & Flag.TAIL_HIT > 0) | (w.leak_kg_s > 0))
        )
        picture = sense(w, self.pairs, scenario.doctrine.evade_range_m, prey)

        # Each battle's clock: the combat tick near the enemy, the transit tick when all is quiet, and the
        # idle tick (up to the next launch) while nothing at all is in the air and the fleet just steams.
        quiet = picture.battle_enemy_range_m > self.timing.quiet_range_m
        dt_b = np.where(quiet, self.timing.transit_tick_s, self.timing.combat_tick_s)
        flying = np.bincount(w.battle[w.airborne], minlength=w.n_battles) > 0
        until_launch = np.minimum(np.minimum(next_launch_s(w), next_deck_job_s(w)), next_bombardment_s(w)) - w.time_s
        idle = np.clip(np.minimum(self.timing.idle_tick_s, until_launch), self.timing.combat_tick_s, None)
        dt_b = np.where(flying, dt_b, idle)
        dt_b = np.minimum(dt_b, raid_tick_s(w))  # a party out on foot keeps its own, shorter tick
        dt_b = np.where(active_battles, np.minimum(dt_b, scenario.timing.duration_s - w.time_s), 0.0)
        w.dt_s[:] = dt_b
        w.tick_start_s[:] = w.time_s
        w.time_s[active_battles] += dt_b[active_battles]
        w.tick[active_battles] += 1
        active = active_battles[w.battle]
        dt = dt_b[w.battle]

        steam(w)
        order_launches(w, active)
        finish_calls(w, active)
        decide_air_command(w, picture, self.armoury, active)
        decide_swarm(w, picture, self.armoury, active)
        if self.command is not None:
            self.command(w, active)
        self.deck.launch(w, active)

        moving = np.flatnonzero(active & w.airborne)
        x0, y0, z0 = w.x_m[moving].copy(), w.y_m[moving].copy(), w.z_m[moving].copy()
        fly(w, active & w.airborne, dt)
        collide(w, moving, x0, y0, z0)
        tend_net(w, active_battles, moving, x0, y0, z0)
        bombard(w, active_battles)
        advance_raid(w, active_battles)
        if self.ship is not None:
            reach_into_minds(w, active, dt, picture.ship_range_m, self.ship)

        hits = fire(w, self.armoury, active, dt)
        apply_hits(w, hits)
        wing_failures(w, active, dt)
        mission = scenario.mission
        if mission.target_m is not None:
            take_photos(
                w,
                active,
                mission.target_m,
                float(w.ship_xyz[2]) if w.ship_xyz else 0.0,
                mission.photo_range_m,
                mission.photo_interval_s,
            )
        self.deck.recover(w, active, w.mode == Mode.RETURN)
        self.deck.turnaround(w, active)
        self._end_battles(active_battles)
        self.steps += 1

    def _end_battles(self, active_battles: np.ndarray) -> None:
        w = self.world
        ours = w.side == AIR_COMMAND
        # In play: in the air, or on deck still waiting for a first launch (not one back aboard and turned
        # around, which would keep a battle going for days of refuelling and repairs).
        first_launch = (w.status == Status.READY) & (w.sorties == 0) & ~w.stand_by
        still_ours = np.bincount(w.battle[ours & ((w.status == Status.AIRBORNE) | first_launch)], minlength=w.n_battles)
        out_of_time = w.time_s >= w.scenario.scenario.timing.duration_s - 1e-9
        ending = active_battles & (((still_ours == 0) & ~bombardment_pending(w) & ~raid_pending(w)) | out_of_time)
        for b in np.flatnonzero(ending).tolist():
            rows = np.arange(w.row_start[b], w.row_stop[b])
            for row in rows[w.status[rows] == Status.AIRBORNE].tolist():
                emit(
                    w,
                    row,
                    EventKind.AIRBORNE_AT_END,
                    fuel_kg=float(w.fuel_kg[row]),
                    photos=int(w.photos[row]),
                )
            for row in [r for r in sorted(w.calls) if w.battle[r] == b]:
                del w.calls[row]
            flew = bool(((w.battle == b) & ours & (w.status != Status.READY)).any()) or bool(
                ((w.battle == b) & ours & (w.sorties > 0)).any()
            )
            close_raid(w, b)
            reason = "time" if still_ours[b] else "every aircraft home or lost" if flew else "all quiet"
            emit_battle(w, b, EventKind.END, reason=reason, sim_seconds=float(w.time_s[b]))
            w.done[b] = True

    def results(self) -> list[BattleResult]:
        w = self.world
        return [
            BattleResult(w.scenario.scenario.name, int(seed), log)
            for seed, log in zip(w.seed.tolist(), w.logs, strict=True)
        ]


def run_battles(
    resolved: ResolvedScenario, seeds: Sequence[int], observe: Callable[[Simulation], None] | None = None
) -> list[BattleResult]:
    """Fight one battle per seed, all in one World, and return each battle's result in seed order.

    `observe`, if given, sees the simulation once before the first step and again after every step
    (a replay recorder, a progress bar); it may read the World but must not change it.
    """
    if not seeds:
        return []
    sim = Simulation(World.build(resolved, list(seeds)))
    if observe is not None:
        observe(sim)
    while not sim.finished:
        sim.step()
        if observe is not None:
            observe(sim)
    return sim.results()


__all__ = ["BattleResult", "Simulation", "Sub", "run_battles"]
