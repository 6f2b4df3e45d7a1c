"""The battle loop: an ordered tuple of stages, applied to a World of one or many battles.

sense -> clock -> lay the front's guns -> steam -> order launches -> radio -> decide (Air Command, the
swarm, a command from outside) -> launch -> fly -> collide -> net -> bombard -> raid -> minds -> fire ->
the front -> wings -> cameras -> recovery -> turnaround -> end. Each stage is a function of (world,
context). A stage may also say when it next needs the clock while nothing flies (`wakes_s`), the longest
tick it allows (`tick_cap_s`), whether it keeps its battle open (`keeps_open`), and what it does when its
battle ends (`closes`). Each battle's
clock and its end fold over those answers, so a new timed rule is one new stage, and a battle's events are
the same alone or in a batch, whatever the other battles are doing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from captainred.doctrine.air_command import decide_air_command
from captainred.doctrine.modes import Mode
from captainred.doctrine.swarm import SIGHT_M, decide_swarm
from captainred.engine.camera import take_photos
from captainred.engine.census import take_census
from captainred.engine.clock import may_end, tick_battles
from captainred.engine.damage import apply_hits, mark_prey, wing_failures
from captainred.engine.events import EventKind, EventLog
from captainred.engine.grid import SenseGrid
from captainred.engine.kinematics import move
from captainred.engine.mind import reach_into_minds
from captainred.engine.radio import finish_calls
from captainred.engine.sensing import Picture, sense
from captainred.engine.setup import build_world
from captainred.engine.terrain import collide
from captainred.engine.weapons import Armoury, fire
from captainred.engine.world import AIR_COMMAND, Status, Sub, World, emit, emit_battle
from captainred.fleet.bombardment import bombard, bombardment_pending, next_bombardment_s
from captainred.fleet.carrier_deck import CarrierDeck
from captainred.fleet.net import tend_net
from captainred.fleet.steaming import next_deck_job_s, next_launch_s, order_launches, steam
from captainred.front import close_front, fight_the_front, front_pending, front_tick_s, lay_guns
from captainred.raid import advance_raid, close_raid, raid_pending, raid_tick_s
from captainred.scenario.model import MotherShipType, ResolvedScenario

F64 = NDArray[np.float64]
B = NDArray[np.bool_]


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
    (per row). The physics, weapons, damage and deck then treat those craft like any other.

    Whoever steps the World marks the rows the command will fly in `World.flown_from_outside` before the
    step (and clears them after it). The doctrine's flying rules pass by a marked row that can be flown
    (`doctrine.outside.can_be_flown_from_outside`), so the command must then overwrite every decision
    field of hers; an unmarked row keeps her doctrine's decisions until the command overwrites them."""

    def __call__(self, world: World, active: NDArray[np.bool_]) -> None: ...


@dataclass
class StepContext:
    """What the stages of one run share: the run's fixed helpers, and what earlier stages of this step
    found (the picture, the clock, who moved and from where). Rebuilt in part every step; never state
    that outlives a step, which lives in the World."""

    deck: Deck
    armoury: Armoury
    grid: SenseGrid
    sense_range_m: float  # nothing farther is seen (but a force-down LGF's prey and the ship)
    ship: MotherShipType | None
    command: Command | None
    stages: tuple[Stage, ...] = ()
    # --- this step
    picture: Picture | None = None
    active_battles: B = field(default_factory=lambda: np.zeros(0, bool))  # per battle: being fought
    active: B = field(default_factory=lambda: np.zeros(0, bool))  # per row: its battle is still being fought
    dt: F64 = field(default_factory=lambda: np.zeros(0))  # per row: its battle's tick
    moving: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))  # rows that flew
    x0: F64 = field(default_factory=lambda: np.zeros(0))  # where they were before they flew
    y0: F64 = field(default_factory=lambda: np.zeros(0))
    z0: F64 = field(default_factory=lambda: np.zeros(0))
    unlimited: F64 = field(default_factory=lambda: np.zeros(0))  # per battle: inf (no cap, nothing to wake for)

    def __post_init__(self) -> None:
        # What the clock and the end fold over every step: the stages' answers that are there.
        self.tick_caps = tuple(stage.tick_cap_s for stage in self.stages if stage.tick_cap_s is not None)
        self.wakes = tuple(stage.wakes_s for stage in self.stages if stage.wakes_s is not None)
        self.keeps_open = tuple(stage.keeps_open for stage in self.stages if stage.keeps_open is not None)


@dataclass(frozen=True)
class Stage:
    """One rule of the step, in order. Only `run` is required.

    - `wakes_s(world)`: per battle, when this stage next needs the clock while nothing is in the air (a
      launch, a deck job, a shell); the idle tick never passes it. inf: never.
    - `tick_cap_s(world)`: per battle, the longest tick this stage allows at any time. inf: no limit;
      None: no limit in any battle (a World without what the stage concerns).
    - `keeps_open(world)`: per battle, this stage still has work, so the battle may not end yet.
    - `closes(world, battle)`: what this stage does when the battle ends.
    """

    name: str
    run: Callable[[World, StepContext], None]
    wakes_s: Callable[[World], F64] | None = None
    tick_cap_s: Callable[[World], F64 | None] | None = None
    keeps_open: Callable[[World], B] | None = None
    closes: Callable[[World, int], None] | None = None


# ------------------------------------------------------------------------------------------ the stages


def sense_range_m(resolved: ResolvedScenario) -> float:
    """How far sensing looks: a little past the farthest range any rule compares a sighting with (the
    quiet range of the clock, twice the engage range of Air Command's pilots, the swarm's sight), so
    that every decision is the one a search over all pairs would give."""
    scenario = resolved.scenario
    farthest = max(scenario.timing.quiet_range_m, 2.0 * scenario.doctrine.engage_range_m, SIGHT_M)
    return 1.01 * farthest + 1.0


def _sense(w: World, ctx: StepContext) -> None:
    evade = w.plan.doctrine.evade_range_m
    ctx.picture = sense(w, ctx.grid, evade, mark_prey(w), ctx.sense_range_m)


def _clock(w: World, ctx: StepContext) -> None:
    """Each battle's tick: the combat tick near the enemy, the transit tick when all is quiet, and the idle
    tick (up to the soonest thing any stage is waiting for) while nothing at all is in the air and the
    fleet just steams; never longer than any stage allows, nor past the scenario's end."""
    assert ctx.picture is not None
    in_the_air, _, idle = take_census(w)
    caps: F64 | None = None  # the shortest tick any stage allows (None: no stage limits it)
    for tick_cap_s in ctx.tick_caps:
        cap = tick_cap_s(w)
        if cap is not None:
            caps = cap if caps is None else np.minimum(caps, cap)
    if caps is None:
        caps = ctx.unlimited
    wakes: F64 | None = None  # what the stages wait for matters only to a battle fought with nothing in the air
    if idle:
        for wakes_s in ctx.wakes:
            wake = wakes_s(w)
            wakes = wake if wakes is None else np.minimum(wakes, wake)
    if wakes is None:
        wakes = ctx.unlimited
    tick_battles(w, ctx.picture.battle_enemy_range_m, in_the_air, caps, wakes, ctx.active_battles, ctx.active, ctx.dt)


def _lay_guns(w: World, ctx: StepContext) -> None:
    lay_guns(w, ctx.grid, ctx.active_battles)


def _front(w: World, ctx: StepContext) -> None:
    fight_the_front(w, ctx.active, ctx.dt)


def _steam(w: World, ctx: StepContext) -> None:
    steam(w)


def _order_launches(w: World, ctx: StepContext) -> None:
    order_launches(w, ctx.active)


def _radio(w: World, ctx: StepContext) -> None:
    finish_calls(w, ctx.active)


def _decide_air_command(w: World, ctx: StepContext) -> None:
    assert ctx.picture is not None
    decide_air_command(w, ctx.picture, ctx.armoury, ctx.active, outside=ctx.command is not None)


def _decide_swarm(w: World, ctx: StepContext) -> None:
    assert ctx.picture is not None
    decide_swarm(w, ctx.picture, ctx.armoury, ctx.active)


def _command(w: World, ctx: StepContext) -> None:
    if ctx.command is not None:
        ctx.command(w, ctx.active)


def _launch(w: World, ctx: StepContext) -> None:
    ctx.deck.launch(w, ctx.active)


def _fly(w: World, ctx: StepContext) -> None:
    ctx.moving, ctx.x0, ctx.y0, ctx.z0 = move(w, ctx.active, ctx.dt)


def _collide(w: World, ctx: StepContext) -> None:
    collide(w, ctx.moving, ctx.x0, ctx.y0, ctx.z0)


def _net(w: World, ctx: StepContext) -> None:
    tend_net(w, ctx.active_battles, ctx.moving, ctx.x0, ctx.y0, ctx.z0)


def _bombard(w: World, ctx: StepContext) -> None:
    bombard(w, ctx.active_battles)


def _raid(w: World, ctx: StepContext) -> None:
    advance_raid(w, ctx.active_battles)


def _minds(w: World, ctx: StepContext) -> None:
    if ctx.ship is not None:
        assert ctx.picture is not None
        reach_into_minds(w, ctx.active, ctx.dt, ctx.picture.ship_range_m, ctx.ship)


def _fire(w: World, ctx: StepContext) -> None:
    apply_hits(w, fire(w, ctx.armoury, ctx.active, ctx.dt))


def _wings(w: World, ctx: StepContext) -> None:
    wing_failures(w, ctx.active, ctx.dt)


def _cameras(w: World, ctx: StepContext) -> None:
    mission = w.plan.mission
    if mission.target_m is not None:
        ship_z = float(w.ship_xyz[2]) if w.ship_xyz else 0.0
        take_photos(w, ctx.active, mission.target_m, ship_z, mission.photo_range_m, mission.photo_interval_s)


def _recover(w: World, ctx: StepContext) -> None:
    ctx.deck.recover(w, ctx.active, w.mode == int(Mode.RETURN))


def _turnaround(w: World, ctx: StepContext) -> None:
    ctx.deck.turnaround(w, ctx.active)


def _end(w: World, ctx: StepContext) -> None:
    """A battle ends when nothing of ours is in play and no stage keeps it open, or when its time is up."""
    _, still_ours, _ = take_census(w)
    end_s = w.plan.timing.duration_s - 1e-9
    if not may_end(ctx.active_battles, still_ours, w.time_s, end_s):
        return  # whatever the stages keep open, no battle ends
    kept_open = np.zeros(w.n_battles, dtype=bool)
    for keeps_open in ctx.keeps_open:
        kept_open |= keeps_open(w)
    out_of_time = w.time_s >= end_s
    ending = ctx.active_battles & (((still_ours == 0) & ~kept_open) | out_of_time)
    for b in np.flatnonzero(ending).tolist():
        rows = np.arange(w.row_start[b], w.row_stop[b])
        for row in rows[w.status[rows] == int(Status.AIRBORNE)].tolist():
            emit(w, row, EventKind.AIRBORNE_AT_END, fuel_kg=float(w.fuel_kg[row]), photos=int(w.photos[row]))
        for row in [r for r in sorted(w.calls) if w.battle[r] == b]:
            del w.calls[row]
        ours = rows[w.side[rows] == AIR_COMMAND]
        flew = bool((w.status[ours] != int(Status.READY)).any()) or bool((w.sorties[ours] > 0).any())
        for stage in ctx.stages:
            if stage.closes is not None:
                stage.closes(w, b)
        reason = "time" if still_ours[b] else "every aircraft home or lost" if flew else "all quiet"
        emit_battle(w, b, EventKind.END, reason=reason, sim_seconds=float(w.time_s[b]))
        w.done[b] = True


STAGES: tuple[Stage, ...] = (
    Stage("sense", _sense),
    Stage("clock", _clock),
    Stage("front: lay the guns", _lay_guns),
    Stage("steam", _steam),
    Stage("order launches", _order_launches),
    Stage("radio", _radio),
    Stage("decide: Air Command", _decide_air_command),
    Stage("decide: the swarm", _decide_swarm),
    Stage("command", _command),
    Stage("launch", _launch, wakes_s=next_launch_s),
    Stage("fly", _fly),
    Stage("collide", _collide),
    Stage("net", _net),
    Stage("bombard", _bombard, wakes_s=next_bombardment_s, keeps_open=bombardment_pending),
    Stage("raid", _raid, tick_cap_s=raid_tick_s, keeps_open=raid_pending, closes=close_raid),
    Stage("minds", _minds),
    Stage("fire", _fire),
    Stage("front", _front, tick_cap_s=front_tick_s, keeps_open=front_pending, closes=close_front),
    Stage("wings", _wings),
    Stage("cameras", _cameras),
    Stage("recover", _recover),
    Stage("turnaround", _turnaround, wakes_s=next_deck_job_s),
    Stage("end", _end),
)


class Simulation:
    """Steps a World until every battle in it has ended, through `stages` in order."""

    def __init__(
        self,
        world: World,
        deck: Deck | None = None,
        command: Command | None = None,
        stages: tuple[Stage, ...] = STAGES,
    ) -> None:
        self.world = world
        scenario = world.plan
        self.context = StepContext(
            deck=deck if deck is not None else CarrierDeck(world),
            armoury=Armoury(world),
            grid=SenseGrid(world.row_start, world.row_stop),
            sense_range_m=sense_range_m(world.scenario),
            ship=world.scenario.catalog.ships[scenario.enemy.ship] if scenario.enemy.ship else None,
            command=command,
            stages=stages,
            active=np.zeros(world.n, dtype=bool),  # rewritten every step by the clock, never reallocated
            dt=np.zeros(world.n),
            active_battles=np.zeros(world.n_battles, dtype=bool),  # the same
            unlimited=np.full(world.n_battles, np.inf),  # read only: no limit on a battle's tick
        )
        self.stages = stages
        self.steps = 0

    @property
    def deck(self) -> Deck:
        return self.context.deck

    @property
    def finished(self) -> bool:
        return bool(self.world.done.all())

    @property
    def battles_ended(self) -> int:
        """How many of the World's battles have ended (an observer's progress, without the World's fields)."""
        return int(self.world.done.sum())

    def step(self) -> None:
        for stage in self.stages:
            stage.run(self.world, self.context)
        self.steps += 1

    def results(self) -> list[BattleResult]:
        w = self.world
        return [BattleResult(w.plan.name, int(seed), log) for seed, log in zip(w.seed.tolist(), w.logs, strict=True)]


def run_battles(
    resolved: ResolvedScenario, seeds: Sequence[int], observe: Callable[[Simulation], None] | None = None
) -> list[BattleResult]:
    """Fight one battle per seed, all in one World, and return each battle's result in seed order.

    `observe`, if given, sees the simulation once before the first step and again after every step
    (a replay recorder, a progress bar); it may read the World but must not change it.
    """
    if not seeds:
        return []
    sim = Simulation(build_world(resolved, list(seeds)))
    if observe is not None:
        observe(sim)
    while not sim.finished:
        sim.step()
        if observe is not None:
            observe(sim)
    return sim.results()


__all__ = ["STAGES", "BattleResult", "Command", "Simulation", "Stage", "StepContext", "Sub", "run_battles"]
