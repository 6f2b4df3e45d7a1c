"""The learning scenarios: which scenario file, where Air Command starts, and the defaults of each.

A learning scenario is an ordinary scenario (TOML, validated by `captainred.scenario`) plus what an
environment needs that a briefing does not say: an *air start* (the Guardians already in the air near
the fight, instead of hours of steaming and deck cycles before the first shot), the craft under control by
default, K, the reward weights and the episode length. Any built-in or file scenario can be driven as well
(`manhattan-recon` with any squadron under control); it then starts as its briefing says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from captainred.doctrine.modes import Mode
from captainred.engine.kinematics import cruise_throttle, wrap_heading
from captainred.engine.launch import put_in_air
from captainred.engine.world import AIR_COMMAND, World
from captainred.fleet.carrier_deck import DeckPlace
from captainred.scenario import load_scenario
from captainred.scenario.model import ResolvedScenario


class RLError(ValueError):
    """A bad argument to an environment: one line that says which and why."""


@dataclass(frozen=True)
class Rewards:
    """Weights of the reward terms, per controlled craft and step.

    kill: per enemy craft this agent brings down. loss: subtracted once when this agent is lost.
    photos_home: per photo aboard when she is recovered, as a fraction of the mission's photos wanted.
    fuel_home: the fraction of full tanks left when she is recovered. survival: per second in the air.
    aim: per second, the cosine of the angle off her nose of the enemy in her gunsight while it is within
    AIM_RANGE_M (+1 dead ahead, -1 dead astern): a shaping term for learning to fight.
    """

    kill: float = 1.0
    loss: float = 1.0
    photos_home: float = 0.0
    fuel_home: float = 0.0
    survival: float = 0.0
    aim: float = 0.0


AIM_RANGE_M = 3000.0


@dataclass(frozen=True)
class AirStart:
    """Air Command's squadrons start in the air: slot k of squadron j at `centre_m` + j * `squadron_step_m`
    + k * `slot_step_m`, at `altitude_m`, on `heading_deg`, at cruise speed, each position moved by up to
    `jitter_m` and each heading by up to `heading_jitter_deg` (drawn from the battle's seed alone)."""

    centre_m: tuple[float, float]
    altitude_m: float
    heading_deg: float
    slot_step_m: tuple[float, float] = (150.0, -80.0)
    squadron_step_m: tuple[float, float] = (-1500.0, 0.0)
    jitter_m: float = 0.0
    heading_jitter_deg: float = 0.0


@dataclass(frozen=True)
class LearningScenario:
    """A scenario and its defaults for the environments (see the module docstring)."""

    name: str
    resolved: ResolvedScenario
    air_start: AirStart | None = None
    control: tuple[str, ...] = ("air_command",)
    k_nearest: int = 4
    rewards: Rewards = field(default_factory=Rewards)
    max_steps: int | None = None  # None: the scenario's own duration ends the episode
    home: bool = True  # whether the 'home' action is offered (a dogfight has no home to go to)
    doc: str = ""


def _packaged(name: str) -> ResolvedScenario:
    path = resources.files("captainred.rl").joinpath("scenarios", f"{name}.toml")
    with resources.as_file(path) as real:
        return load_scenario(str(real))


_NEAR_PARK = AirStart(
    centre_m=(0.0, 3300.0), altitude_m=1500.0, heading_deg=0.0, jitter_m=800.0, heading_jitter_deg=25.0
)

_DOGFIGHT: dict[str, object] = dict(
    home=False, air_start=_NEAR_PARK, control=("slayers",), rewards=Rewards(kill=1.0, loss=1.0, aim=0.02)
)

_DEFAULTS: dict[str, dict[str, object]] = {
    "dogfight-1v1": _DOGFIGHT
    | dict(
        k_nearest=1,
        doc="One Slayer (slayer_1) against one LGF circling the ship; 2 min (600 steps of 0.2 s). "
        "K = 1; reward +1 for the kill, -1 if she is lost, aim 0.02 a second.",
    ),
    "dogfight-2v2": _DOGFIGHT
    | dict(k_nearest=2, doc="Two Slayers against two LGFs; 2 min. K = 2; +1 a kill, -1 a loss, aim 0.02 a second."),
    "photo-run": dict(
        air_start=AirStart(centre_m=(2000.0, 1300.0), altitude_m=2000.0, heading_deg=0.0, jitter_m=500.0),
        control=("devils",),
        k_nearest=4,
        rewards=Rewards(kill=0.2, loss=1.0, photos_home=2.0, fuel_home=0.2),
        doc="Two Devils (devil_2 has the camera) 9 km from the ship with the swarm out; 12 min. K = 4; "
        "+2 for the photos wanted brought aboard, +0.2 for full tanks home, +0.2 a kill, -1 a loss. "
        "The 'home' action hands the aircraft to its pilot's doctrine for the flight home and the deck.",
    ),
    "melee-16v16": dict(
        home=False,
        air_start=AirStart(centre_m=(0.0, 3300.0), altitude_m=1500.0, heading_deg=0.0, jitter_m=400.0),
        control=("air_command", "lgf"),
        k_nearest=4,
        rewards=Rewards(kill=1.0, loss=1.0),
        doc="Sixteen Slayers against sixteen LGFs, both sides under control (self-play) by default; 3 min. "
        "K = 4; +1 a kill, -1 a loss.",
    ),
}

LEARNING_SCENARIOS: tuple[str, ...] = tuple(_DEFAULTS)


def learning_scenario(scenario: str | ResolvedScenario | LearningScenario) -> LearningScenario:
    """A learning scenario by name (`dogfight-1v1`, ...), or any scenario (built-in name, TOML path or
    resolved) driven from its briefing's start with Air Command under control."""
    if isinstance(scenario, LearningScenario):
        return scenario
    if isinstance(scenario, ResolvedScenario):
        return LearningScenario(name=scenario.scenario.name, resolved=scenario)
    if scenario in _DEFAULTS:
        return LearningScenario(name=scenario, resolved=_packaged(scenario), **_DEFAULTS[scenario])  # type: ignore[arg-type]
    if not isinstance(scenario, str | Path):
        raise RLError(f"scenario: expected a name, a path or a scenario, got {type(scenario).__name__}")
    resolved = load_scenario(str(scenario))
    if resolved.scenario.raid is not None:
        raise RLError(f"scenario: '{resolved.scenario.name}' is a raid on foot; the environments fly aircraft")
    return LearningScenario(name=resolved.scenario.name, resolved=resolved, max_steps=None)


def apply_air_start(world: World, start: AirStart, battles: np.ndarray) -> None:
    """Put Air Command's aircraft of the given battles in the air as `start` says, as if launched and
    formed up long ago and now in contact."""
    ours = (world.side == AIR_COMMAND) & np.isin(world.battle, battles)
    rows = np.flatnonzero(ours)
    if not len(rows):
        return
    order = world.squadron[rows] % world.squadrons_per_battle
    slot = world.slot[rows]
    x = start.centre_m[0] + order * start.squadron_step_m[0] + slot * start.slot_step_m[0]
    y = start.centre_m[1] + order * start.squadron_step_m[1] + slot * start.slot_step_m[1]
    heading = np.full(len(rows), np.radians(start.heading_deg))
    # The jitter of each battle is a pure function of its seed (and the craft), never of the batch.
    for b in np.unique(world.battle[rows]).tolist():
        mine = world.battle[rows] == b
        draws = np.random.default_rng([int(world.seed[b]), 0x41495253]).uniform(
            -1.0, 1.0, (3, world.n // world.n_battles)
        )
        craft = world.craft[rows[mine]]
        x[mine] += start.jitter_m * draws[0, craft]
        y[mine] += start.jitter_m * draws[1, craft]
        heading[mine] += np.radians(start.heading_jitter_deg) * draws[2, craft]
    z = np.full(len(rows), start.altitude_m)
    put_in_air(world, rows, x, y, z, wrap_heading(heading), world.cruise_speed_mps[rows], base="air start")
    world.cmd_throttle[rows] = cruise_throttle(world, rows)
    world.deck_place[rows] = DeckPlace.IN_AIR
    world.sorties[rows] = 1
    world.launch_at_s[rows] = 0.0
    world.mode[rows] = np.where(world.camera[rows], Mode.PHOTO, Mode.ENGAGE)
    world.squadron_formed[world.squadron[rows]] = True
    world.squadron_contact[world.squadron[rows]] = True
    world.contact[np.unique(world.battle[rows])] = True
