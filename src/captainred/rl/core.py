"""The batched core: B battles of one scenario in one World, stepped together with a policy's actions.

`BattleBatch` is an engine driver (DESIGN.md): it owns one `Simulation` and passes the policy's actions
to it through the step's command hook, so the physics, weapons, damage and deck treat a policy's aircraft
like a doctrine's. Every other craft flies its doctrine. Each step returns, per *group* of controlled craft
(one group per side under control), arrays of shape (B, N, ...): float32 observations in [-1, 1], rewards,
terminated and truncated flags, alive masks and action masks, all written in place into buffers allocated
once. Battles that end can be started again one by one (`reset_battles`) without touching the others.
Randomness comes from the battles' seeds alone, so no result depends on the batch size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from captainred.doctrine.modes import Mode
from captainred.engine.arrays import arrays_of
from captainred.engine.events import EventKind
from captainred.engine.fields import Scope
from captainred.engine.kinematics import REDLINE_THROTTLE
from captainred.engine.seeds import spawn_seeds
from captainred.engine.setup import build_world
from captainred.engine.world import AIR_COMMAND, LGF, WORLD_FIELDS, Status, World, emit_battle
from captainred.replay.format import ReplayWriter
from captainred.replay.record import Recorder
from captainred.rl.commands import command_rows, mark_flown_rows
from captainred.rl.contacts import CONTACT_FEATURES, nearest_contacts, own_state, terrain_and_places
from captainred.rl.rewards import ends_of_group, in_play, rewards_of_group
from captainred.rl.scenarios import (
    AIM_RANGE_M,
    LearningScenario,
    Rewards,
    RLError,
    apply_air_start,
    learning_scenario,
)
from captainred.scenario.model import ResolvedScenario
from captainred.scenario.sides import SIDES, side_name, side_number
from captainred.simulation import Simulation

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Bool = NDArray[np.bool_]

ACTIONS = ("turn", "climb", "throttle", "cannon", "rockets", "home")
"""The pilot's controls, each in [-1, 1]: turn (-1 hard left .. 1 hard right: the commanded heading is
the present one plus up to 90 degrees), climb (the commanded flight-path angle, up to 0.5 rad either way),
throttle (-1 idle .. 1 redline), cannon and rockets (fire while > 0; the gunsight takes the observed
enemy nearest the nose), home (> 0: turn for home; her doctrine then flies her back to the deck, and her
actions no longer count). Photos need no control: the camera takes them whenever the target is in view."""
TURN, CLIMB, THROTTLE, CANNON, ROCKETS, HOME = range(len(ACTIONS))
MAX_TURN_RAD = np.pi / 2
MAX_CLIMB_RAD = 0.5

FAR_M = 50_000.0  # the ship, the target, home
ALTITUDE_M = 3_000.0  # altitude: 0 m is -1, 6 km is +1
LOOK_AHEAD_M = (500.0, 1000.0, 2000.0)
OWN_FEATURES = 26
WORLD_FEATURES = 4 + 5 + 3 + 3  # terrain, ship, target, home
_NO_AIM = np.zeros((0, 0))  # what the rewards read of the gunsight's angle off when nothing is paid for it


def observation_size(k_nearest: int) -> int:
    """D: own state, K enemies and K friends, the terrain ahead, the ship, the target and home."""
    return OWN_FEATURES + 2 * k_nearest * CONTACT_FEATURES + WORLD_FEATURES


def observation_names(k_nearest: int) -> tuple[str, ...]:
    """What each of the D observation columns holds."""
    own = [
        "alive",
        "speed",
        "altitude",
        "sin_heading",
        "cos_heading",
        "flight_path_angle",
        "throttle",
        "load_g",
        "fuel",
        "gun_ammunition",
        "rockets",
        "emitter_heat",
        "photos",
        *(f"health_{s}" for s in ("engine_port", "engine_starboard", "wing_port", "wing_starboard")),
        *(f"health_{s}" for s in ("tail", "rudder", "radio", "fuel_tank", "pilot", "airframe")),
        "homebound",
        "out_of_control",
        "blacked_out",
    ]
    contact: tuple[str, ...] = (
        "present",
        "ahead",
        "right",
        "above",
        "range",
        "closing_ahead",
        "closing_right",
        "closing_above",
    )
    contact += ("their_sin_heading", "their_cos_heading", "their_nose_on_me")
    names = list(own)
    for who in ("enemy", "friend"):
        names += [f"{who}{k}_{c}" for k in range(k_nearest) for c in contact]
    names += ["above_ground", "clearance_500m", "clearance_1000m", "clearance_2000m"]
    names += ["ship_present", "ship_ahead", "ship_right", "ship_above", "ship_range"]
    names += ["target_sin_bearing", "target_cos_bearing", "target_range"]
    names += ["home_sin_bearing", "home_cos_bearing", "home_range"]
    return tuple(names)


@dataclass(frozen=True)
class Group:
    """Controlled craft of one side: their rows within a battle (the same in every battle), their agent
    names, and the rows of their enemies and friends."""

    name: str
    side: int
    local: I64
    agents: tuple[str, ...]
    enemy_local: I64
    friend_local: I64


@dataclass
class GroupBuffers:
    """Per group, (B, N, ...) arrays written in place every step."""

    observation: F32
    reward: F32
    terminated: Bool
    truncated: Bool
    alive: Bool
    action_mask: Bool
    action: F32
    outcome: NDArray[np.int8]  # per battle: +1 won (no enemy left), -1 lost (none of ours left), 0 otherwise


def _agent_name(world: World, row: int) -> str:
    if world.side[row] == LGF:
        return f"lgf_{int(world.slot[row]) + 1}"
    order = world.plan.squadrons[int(world.squadron[row]) % world.squadrons_per_battle]
    word = world.scenario.catalog.squadrons[order.id].callsign.split()[0].lower()
    return f"{word}_{int(world.slot[row]) + 1}"


def _select(world: World, control: Sequence[str]) -> Bool:
    """Rows of battle 0 under control: by squadron id, by side (`air_command`, `lgf`) or `all`."""
    per = world.n // world.n_battles
    rows = slice(0, per)
    chosen = np.zeros(per, dtype=bool)
    scenario = world.plan
    ids = [o.id for o in scenario.squadrons]
    if isinstance(control, str):
        control = (control,)
    if not len(control):
        raise RLError("control: name at least one squadron or side")
    for what in control:
        if what == "all":
            chosen[:] = True
        elif what in SIDES:
            chosen |= world.side[rows] == side_number(what)
        elif what in ids:
            chosen |= (world.squadron[rows] >= 0) & (world.squadron[rows] == ids.index(what))
        else:
            known = ", ".join([*ids, *SIDES, "all"])
            raise RLError(f"control: unknown squadron or side '{what}' in {scenario.name} (known: {known})")
    if not chosen.any():
        raise RLError(f"control: {', '.join(control)} names no craft in {scenario.name}")
    return chosen


# Identity fields that say where a row or battle sits in its batch (not what it is): never copied.
_PLACE = ("battle", "squadron", "row_start", "row_stop")


def transplant(world: World, fresh: World, battles: I64) -> None:
    """Copy battle j of `fresh` (same scenario) over battle `battles[j]` of `world`: a battle started
    again in place, the other battles untouched. The World's field table drives it: every field is copied
    by its scope (row, battle, squadron, carrier), except those that say where a row sits in the batch,
    and fields that hold row numbers are shifted to the destination's rows."""
    if world.party is not None:
        raise RLError("scenario: a raid's party on foot cannot be restarted in place")
    per = world.n // world.n_battles
    spb = world.squadrons_per_battle
    dst_rows = (world.row_start[battles][:, None] + np.arange(per)).ravel()
    src_rows = (fresh.row_start[: len(battles)][:, None] + np.arange(per)).ravel()
    shift = np.repeat(world.row_start[battles] - fresh.row_start[: len(battles)], per)
    dst_sq = (battles[:, None] * spb + np.arange(spb)).ravel()
    src_sq = (np.arange(len(battles))[:, None] * spb + np.arange(spb)).ravel()
    for spec in WORLD_FIELDS:
        if spec.name in _PLACE:
            continue
        dst, src = getattr(world, spec.name), getattr(fresh, spec.name)
        if spec.scope is Scope.ROW:
            values = src[src_rows]
            if spec.holds_rows:
                values = np.where(values >= 0, values + shift.astype(values.dtype), values)
            dst[dst_rows] = values
        elif spec.scope in (Scope.BATTLE, Scope.CARRIER):
            dst[battles] = src[: len(battles)]
        elif spec.scope is Scope.SQUADRON:
            dst[dst_sq] = src[src_sq]
        else:
            raise RLError(f"transplant: no rule for the field {spec.name} of scope {spec.scope.name}")
    for j, b in enumerate(battles.tolist()):
        world.logs[b] = fresh.logs[j]
        start, stop = int(world.row_start[b]), int(world.row_stop[b])
        for row in [r for r in world.calls if start <= r < stop]:
            del world.calls[row]
        offset = start - int(fresh.row_start[j])
        for row, call in fresh.calls.items():
            if fresh.row_start[j] <= row < fresh.row_stop[j]:
                world.calls[row + offset] = call


class BattleBatch:
    """B battles of one scenario, stepped together; see the module docstring.

    scenario: a learning scenario's name (`captainred.rl.LEARNING_SCENARIOS`), a built-in name, a TOML
    path, or a resolved scenario. control: squadron ids and/or sides (`air_command`, `lgf`, `all`) under
    control; both sides is self-play. k_nearest: K enemies and K friends observed. rewards: the weights
    (`Rewards`). max_steps: the episode's length in steps (None: the scenario's duration).
    """

    def __init__(
        self,
        scenario: str | ResolvedScenario | LearningScenario = "dogfight-1v1",
        n_battles: int = 1,
        control: str | Sequence[str] | None = None,
        k_nearest: int | None = None,
        rewards: Rewards | Mapping[str, float] | None = None,
        max_steps: int | None = None,
    ) -> None:
        self.learning = learning_scenario(scenario)
        if self.learning.resolved.scenario.raid is not None:
            name = self.learning.resolved.scenario.name
            raise RLError(f"scenario: '{name}' is a raid on foot; the environments fly aircraft")
        if isinstance(n_battles, bool) or not isinstance(n_battles, int | np.integer) or n_battles < 1:
            raise RLError(f"n_battles: must be a whole number >= 1, got {n_battles!r}")
        k = self.learning.k_nearest if k_nearest is None else k_nearest
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise RLError(f"k_nearest: K must be a whole number >= 1, got {k!r}")
        steps = self.learning.max_steps if max_steps is None else max_steps
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1):
            raise RLError(f"max_steps: must be a whole number >= 1 or None, got {steps!r}")
        if rewards is None:
            rewards = self.learning.rewards
        elif isinstance(rewards, Mapping):
            known = {f.name for f in dataclasses.fields(Rewards)}
            unknown = sorted(set(rewards) - known)
            if unknown:
                raise RLError(f"rewards: unknown term '{unknown[0]}' (known: {', '.join(sorted(known))})")
            rewards = dataclasses.replace(self.learning.rewards, **{k_: float(v) for k_, v in rewards.items()})
        self.rewards = rewards
        self.n_battles = int(n_battles)
        self.k_nearest = int(k)
        self.max_steps = None if steps is None else int(steps)
        self.obs_size = observation_size(self.k_nearest)

        self.resolved = self.learning.resolved
        self.world = self._build([0] * self.n_battles)
        self.sim = Simulation(self.world, command=self._command)
        w = self.world
        self.per = w.n // w.n_battles
        if self.per < 2:
            raise RLError(f"scenario: {self.resolved.scenario.name} has fewer than two craft a battle")
        chosen = _select(w, control if control is not None else self.learning.control)
        groups = []
        for side in (AIR_COMMAND, LGF):
            local = np.flatnonzero(chosen & (w.side[: self.per] == side)).astype(np.int64)
            if not len(local):
                continue
            groups.append(
                Group(
                    name=side_name(side),
                    side=side,
                    local=local,
                    agents=tuple(_agent_name(w, int(r)) for r in local),
                    enemy_local=np.flatnonzero(w.side[: self.per] != side).astype(np.int64),
                    friend_local=np.flatnonzero(w.side[: self.per] == side).astype(np.int64),
                )
            )
        self.groups: tuple[Group, ...] = tuple(groups)
        b = self.n_battles
        self.buffers: dict[str, GroupBuffers] = {}
        for g in self.groups:
            n = len(g.local)
            self.buffers[g.name] = GroupBuffers(
                observation=np.zeros((b, n, self.obs_size), np.float32),
                reward=np.zeros((b, n), np.float32),
                terminated=np.zeros((b, n), bool),
                truncated=np.zeros((b, n), bool),
                alive=np.zeros((b, n), bool),
                action_mask=np.zeros((b, n, len(ACTIONS)), bool),
                action=np.zeros((b, n, len(ACTIONS)), np.float32),
                outcome=np.zeros(b, np.int8),
            )
        self._rows: dict[str, I64] = {}
        self._aim: dict[str, I64] = {}  # per group: each agent's gunsight (the enemy nearest her nose)
        self._friend_sight: dict[str, I64] = {}  # the same of friends: written by the search, never read
        self._up: dict[str, Bool] = {}  # per group: each agent alive and in the air, as last observed
        self._gone: dict[str, Bool] = {}
        self._home: dict[str, Bool] = {}
        self._kills: dict[str, NDArray[np.int32]] = {}
        self.steps = np.zeros(b, np.int64)  # steps of each battle's present episode
        self.over = np.zeros(b, bool)  # each battle's episode has ended
        self.episodes = np.zeros(b, np.int64)  # episodes started in each slot since the last reset(seed)
        self.base_seeds = np.zeros(b, np.uint64)
        self._acting = False
        self.autopilot = False  # True: the controlled craft fly their doctrine (a baseline to compare)
        self._full_fuel = np.array([t.fuel_kg or 0.0 for t in w.types])[w.type_index[: self.per]]
        self._full_rounds = np.array([t.cannon.rounds if t.cannon else 0 for t in w.types], float)[
            w.type_index[: self.per]
        ]
        self._full_rockets = np.maximum(w.rockets[: self.per].astype(float), 1.0)
        self._full_bursts = np.maximum(w.bursts_left[: self.per].astype(float), 1.0)
        self._heat_limit = np.array([t.energy_weapon.heat_limit_s if t.energy_weapon else 1.0 for t in w.types])[
            w.type_index[: self.per]
        ]
        self._has_gun = np.array([t.cannon is not None or t.energy_weapon is not None for t in w.types])[
            w.type_index[: self.per]
        ]
        self._wanted = max(1, self.resolved.scenario.mission.photos_wanted)
        self._in_play_counts = np.zeros((b, 2), np.int64)
        self.recorders: list[Recorder] = []
        self._replay_files: list[tuple[Recorder, BinaryIO]] = []

    # ----------------------------------------------------------------------------------------- setup

    def _build(self, seeds: Sequence[int]) -> World:
        world = build_world(self.resolved, list(seeds))
        if self.learning.air_start is not None:
            apply_air_start(world, self.learning.air_start, np.arange(world.n_battles))
        return world

    def battle_seeds(self, seed: int) -> list[int]:
        """The seeds of the battles of a batch reset with `seed`: battle i's never depends on B."""
        return spawn_seeds(int(seed), self.n_battles)

    def episode_seed(self, battle: int, episode: int) -> int:
        """The seed of the `episode`-th episode (0 first) played in slot `battle` since reset(seed)."""
        base = int(self.base_seeds[battle])
        return base if episode == 0 else spawn_seeds(base, episode + 1)[episode]

    def reset(self, seed: int | None = None) -> dict[str, F32]:
        """Start every battle again: with `seed`, battle i gets the i-th seed spawned from it; without,
        each slot plays its next episode's seed. Returns the observations per group."""
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
                raise RLError(f"seed: must be a whole number >= 0, got {seed!r}")
            self.base_seeds[:] = np.asarray(self.battle_seeds(int(seed)), np.uint64)
            self.episodes[:] = 0
        else:
            self.episodes += 1
        seeds = [self.episode_seed(b, int(self.episodes[b])) for b in range(self.n_battles)]
        self.world = self._build(seeds)
        self.sim = Simulation(self.world, command=self._command)
        self._close_replays(every=True)
        self.recorders = []
        self._start(np.arange(self.n_battles))
        return {name: buf.observation for name, buf in self.buffers.items()}

    def reset_battles(self, battles: Sequence[int] | I64) -> None:
        """Start the given battles again (each with its slot's next episode seed), the rest untouched;
        their observations, masks and flags are rewritten in the buffers."""
        idx = np.asarray(battles, dtype=np.int64)
        if not len(idx):
            return
        self.episodes[idx] += 1
        fresh = self._build([self.episode_seed(int(b), int(self.episodes[b])) for b in idx])
        transplant(self.world, fresh, idx)
        self._start(idx)

    def _start(self, battles: I64) -> None:
        w = self.world
        self.steps[battles] = 0
        self.over[battles] = False
        for g in self.groups:
            rows = w.row_start[:, None] + g.local[None, :]
            self._rows[g.name] = rows
            if g.name not in self._gone:
                self._gone[g.name] = np.zeros(rows.shape, bool)
                self._home[g.name] = np.zeros(rows.shape, bool)
                self._kills[g.name] = np.zeros(rows.shape, np.int32)
                self._aim[g.name] = np.full(rows.shape, -1, np.int64)
                self._friend_sight[g.name] = np.full(rows.shape, -1, np.int64)
                self._up[g.name] = np.zeros(rows.shape, bool)
            self._gone[g.name][battles] = False
            self._home[g.name][battles] = False
            self._kills[g.name][battles] = w.kills[rows[battles]]
            buf = self.buffers[g.name]
            buf.reward[battles] = 0.0
            buf.terminated[battles] = False
            buf.truncated[battles] = False
            buf.outcome[battles] = 0
        self._observe()

    # ------------------------------------------------------------------------------------------ step

    def set_actions(self, actions: Mapping[str, NDArray[np.floating]] | NDArray[np.floating]) -> None:
        """Check the actions and store them for the next step: per group, (B, N, len(ACTIONS)) in
        [-1, 1] (values outside are clipped; NaN is refused). A bare array is taken for the only group."""
        if not isinstance(actions, Mapping):
            if len(self.groups) != 1:
                raise RLError(f"actions: give a dict by group ({', '.join(g.name for g in self.groups)})")
            actions = {self.groups[0].name: actions}
        unknown = sorted(set(actions) - set(self.buffers))
        if unknown:
            raise RLError(f"actions: unknown group '{unknown[0]}' (groups: {', '.join(self.buffers)})")
        for name, buf in self.buffers.items():
            if name not in actions:
                raise RLError(f"actions: no actions for group '{name}'")
            a = np.asarray(actions[name])
            if a.shape != buf.action.shape:
                raise RLError(f"actions[{name}]: expected shape {buf.action.shape}, got {a.shape}")
            if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
                raise RLError(f"actions[{name}]: expected real numbers, got dtype {a.dtype}")
            if np.isnan(a).any():
                where = tuple(int(i) for i in np.argwhere(np.isnan(a))[0])
                raise RLError(f"actions[{name}]: NaN at {where}")
            np.clip(a, -1.0, 1.0, out=buf.action, casting="unsafe")

    def step(
        self,
        actions: Mapping[str, NDArray[np.floating]] | NDArray[np.floating] | None = None,
        hold: Sequence[int] | I64 | None = None,
    ) -> dict[str, GroupBuffers]:
        """One step of every battle whose episode is still going, except those in `hold` (kept as they
        are: a vector environment's just-restarted battles); returns the buffers (per group)."""
        if actions is not None:
            self.set_actions(actions)
        w = self.world
        for buf in self.buffers.values():
            buf.reward.fill(0.0)
        held = np.zeros(self.n_battles, bool)
        if hold is not None:
            held[np.asarray(hold, dtype=np.int64)] = True
        going = ~self.over & ~held
        w.done[~going] = True  # an ended episode is not stepped again until it is started again
        before = {g.name: self.buffers[g.name].alive.copy() for g in self.groups}
        self._acting = True
        try:
            self._mark_flown()
            self.sim.step()
        finally:
            self._acting = False
            w.flown_from_outside.fill(False)
            w.done[held & ~self.over] = False
        self.steps[going] += 1
        self._reward_and_end(going, before)
        self._observe()
        for recorder in self.recorders:
            recorder(self.sim)
        if self._replay_files:
            self._close_replays(every=False)
        return self.buffers

    def _mark_flown(self) -> None:
        """Mark the rows the command hook will fly this step, so that the doctrine's flying rules pass
        them by (`doctrine.outside`); none when the controlled craft fly their doctrine."""
        if self.autopilot:
            return
        w = self.world
        for g in self.groups:
            buf = self.buffers[g.name]
            mark_flown_rows(
                w.n,  # a loop over battles: threads by the World's size (`engine.threads`)
                self._rows[g.name],
                buf.action,
                buf.action_mask,
                self._gone[g.name],
                self._home[g.name],
                w.flown_from_outside,
            )

    def _command(self, world: World, active: Bool) -> None:
        """The step's command hook: the policy's actions onto the rows it flies."""
        if not self._acting or self.autopilot:
            return
        for g in self.groups:
            buf = self.buffers[g.name]
            command_rows(
                world.n,  # a loop over battles: threads by the World's size (`engine.threads`)
                arrays_of(world),
                active,
                self._rows[g.name],
                buf.action,
                buf.action_mask,
                self._gone[g.name],
                self._aim[g.name],
                self._home[g.name],
                int(Mode.ENGAGE if g.side == AIR_COMMAND else Mode.ATTACK),
                np.float32(MAX_TURN_RAD),  # the actions are float32, and so is their scaling
                np.float32(MAX_CLIMB_RAD),
                np.float32(REDLINE_THROTTLE),
            )

    def _aim_cosine(self, rows: I64, aim: I64) -> F64:
        """The cosine of each gunsight target's angle off the nose, now; 0 with none in AIM_RANGE_M."""
        w = self.world
        t = np.maximum(aim, 0)
        dx, dy, dz = w.x_m[t] - w.x_m[rows], w.y_m[t] - w.y_m[rows], w.z_m[t] - w.z_m[rows]
        dist = np.maximum(np.sqrt(dx * dx + dy * dy + dz * dz), 1e-6)
        psi, gam = w.heading_rad[rows], w.gamma_rad[rows]
        cos_off = (dx * np.cos(gam) * np.sin(psi) + dy * np.cos(gam) * np.cos(psi) + dz * np.sin(gam)) / dist
        seen = (aim >= 0) & (w.status[t] == int(Status.AIRBORNE)) & (w.status[rows] == int(Status.AIRBORNE))
        return np.where(seen & (dist < AIM_RANGE_M), cos_off, 0.0)

    def _in_play(self) -> NDArray[np.int64]:
        """Per battle and side, craft still in the fight: in the air, or still to launch (`rl.rewards`)."""
        w = self.world
        in_play(w.n, w.row_start, w.row_stop, w.status, w.side, w.sorties, w.stand_by, self._in_play_counts)
        return self._in_play_counts

    def _reward_and_end(self, going: Bool, before: dict[str, Bool]) -> None:
        """Each agent's reward and flags for the step, and the episodes that end (`rl.rewards`)."""
        w = self.world
        rw = self.rewards
        playing = self._in_play()
        out_of_time = w.done & (w.time_s >= self.resolved.scenario.timing.duration_s - 1e-9)
        at_limit = self.steps >= self.max_steps if self.max_steps is not None else np.zeros(w.n_battles, bool)
        any_alive = np.zeros(w.n_battles, bool)
        weights = (rw.kill, rw.loss, rw.photos_home, rw.fuel_home, rw.survival, rw.aim)
        for g in self.groups:
            rows = self._rows[g.name]
            buf = self.buffers[g.name]
            rewards_of_group(
                w.n,  # a loop over battles: threads by the World's size (`engine.threads`)
                rows,
                before[g.name],
                going,
                w.status,
                w.kills,
                w.dt_s,
                w.photos,
                w.fuel_kg,
                np.ascontiguousarray(self._full_fuel[g.local], dtype=np.float64),
                self._wanted,
                self._aim_cosine(rows, self._aim[g.name]) if rw.aim else _NO_AIM,
                tuple(float(weight) for weight in weights),
                self._kills[g.name],
                buf.reward,
                buf.terminated,
                buf.truncated,
                self._gone[g.name],
                any_alive,
            )
        enemy_out = {g.name: playing[:, 1 - g.side] == 0 for g in self.groups}
        ends = going & (w.done | ~any_alive | at_limit | np.any([enemy_out[g.name] for g in self.groups], axis=0))
        cut = ends & (out_of_time | at_limit)
        for g in self.groups:
            buf = self.buffers[g.name]
            ends_of_group(
                w.n,  # a loop over battles: threads by the World's size (`engine.threads`)
                self._rows[g.name],
                before[g.name],
                ends,
                cut,
                enemy_out[g.name],
                w.status,
                buf.terminated,
                buf.truncated,
                buf.outcome,
                self._gone[g.name],
            )
        for b in np.flatnonzero(ends & ~w.done).tolist():
            reason = "time" if at_limit[b] else "no enemy left" if any_alive[b] else "none under control left"
            emit_battle(w, b, EventKind.END, reason=f"rl: {reason}", sim_seconds=float(w.time_s[b]))
        w.done[ends] = True
        self.over |= ends

    # ----------------------------------------------------------------------------------- observations

    def _observe(self) -> None:
        for g in self.groups:
            self._observe_group(g)

    def _observe_group(self, g: Group) -> None:
        w = self.world
        buf = self.buffers[g.name]
        rows = self._rows[g.name]
        obs = buf.observation
        local = g.local
        alive, up, home = buf.alive, self._up[g.name], self._home[g.name]
        own_state(
            w.n,  # a loop over battles: threads by the World's size (`engine.threads`)
            arrays_of(w),
            rows,
            local,
            self._gone[g.name],
            self.over,
            home,
            g.side == LGF,
            self._full_fuel,
            self._full_rounds,
            self._full_bursts,
            self._full_rockets,
            self._heat_limit,
            self._has_gun,
            float(self._wanted),
            ALTITUDE_M,
            bool(self.learning.home),
            obs,
            alive,
            up,
            buf.action_mask,  # and what the policy may do now
        )
        at = OWN_FEATURES

        k = self.k_nearest
        enemy_rows = w.row_start[:, None] + g.enemy_local[None, :]
        friend_rows = w.row_start[:, None] + g.friend_local[None, :]
        aim = self._aim[g.name]
        self._contacts(rows, enemy_rows, False, obs, at, aim)  # and the gunsight: the enemy nearest the nose
        at += k * CONTACT_FEATURES
        aim[~up] = -1
        self._contacts(rows, friend_rows, True, obs, at, self._friend_sight[g.name])
        at += k * CONTACT_FEATURES

        mission = self.resolved.scenario.mission
        if mission.target_m is not None:
            tx, ty = np.full(rows.shape, mission.target_m[0]), np.full(rows.shape, mission.target_m[1])
        else:
            centre = w.carrier_xy.mean(axis=1)
            tx = np.ascontiguousarray(np.broadcast_to(centre[:, :1], rows.shape))
            ty = np.ascontiguousarray(np.broadcast_to(centre[:, 1:], rows.shape))
        if g.side == AIR_COMMAND:
            carrier = np.maximum(w.home_carrier[rows], 0)
            hx = w.carrier_xy[np.arange(rows.shape[0])[:, None], carrier, 0]
            hy = w.carrier_xy[np.arange(rows.shape[0])[:, None], carrier, 1]
        else:
            sx0, sy0 = w.ship_xyz[:2] if w.ship_xyz is not None else (0.0, 0.0)
            hx, hy = np.full(rows.shape, sx0), np.full(rows.shape, sy0)
        theatre = w.theatre
        terrain_and_places(
            w.n,  # a loop over battles: threads by the World's size (`engine.threads`)
            w.x_m,
            w.y_m,
            w.z_m,
            w.heading_rad,
            w.gamma_rad,
            w.sin_heading,
            w.cos_heading,
            w.sin_gamma,
            w.cos_gamma,
            np.ascontiguousarray(rows, dtype=np.int64),
            theatre.heights_m,
            float(theatre.origin_m[0]),
            float(theatre.origin_m[1]),
            float(theatre.cell_m),
            np.asarray(LOOK_AHEAD_M),
            np.asarray(w.ship_xyz if w.ship_xyz is not None else (0.0, 0.0, 0.0), dtype=np.float64),
            w.ship_xyz is not None,
            FAR_M,
            tx,
            ty,
            np.ascontiguousarray(hx),
            np.ascontiguousarray(hy),
            obs,
            at,
            alive,  # the last pass: the dead read -1 and zeros, and every column is held within [-1, 1]
        )

    def _contacts(self, rows: I64, others: I64, exclude_self: bool, obs: F32, at: int, aim: I64) -> None:
        """The K nearest airborne `others` of each agent, in its own frame: 11 features each, written into
        the observation `obs` (B, N, D) from column `at` on, and the row of the one nearest its nose into
        `aim` (B, N; -1 where none is up)."""
        w = self.world
        nearest_contacts(
            w.n,  # a loop over battles: threads by the World's size (`engine.threads`)
            w.x_m,
            w.y_m,
            w.z_m,
            w.heading_rad,
            w.sin_heading,
            w.cos_heading,
            w.sin_gamma,
            w.cos_gamma,
            w.speed_mps,
            w.status,
            w.max_speed_mps,
            np.ascontiguousarray(rows, dtype=np.int64),
            np.ascontiguousarray(others, dtype=np.int64),
            exclude_self,
            self.k_nearest,
            obs,
            at,
            aim,
        )

    # ---------------------------------------------------------------------------------------- replays

    def record(self, target: ReplayWriter | str | Path, battle: int = 0, every_s: float = 0.5) -> None:
        """Write battle `battle`'s present episode as a replay (`.crr`) as it is stepped: to a file path
        (closed when the episode ends, or at the next reset) or to a `ReplayWriter`. Call it straight
        after a reset. The viewer plays it like any battle's (`captainred view FILE`)."""
        if not 0 <= battle < self.n_battles:
            raise RLError(f"battle: {battle} is not a battle of this batch (0..{self.n_battles - 1})")
        if self.steps[battle] != 0:
            raise RLError("record: start recording straight after a reset, before the first step")
        file: BinaryIO | None = None
        if isinstance(target, str | Path):
            file = open(target, "wb")  # noqa: SIM115 (closed when its episode ends, see _close_replays)
            writer = ReplayWriter(file)
        elif isinstance(target, ReplayWriter):
            writer = target
        else:
            raise RLError(f"record: expected a file path or a ReplayWriter, got {type(target).__name__}")
        recorder = Recorder(writer, every_s=every_s, battle=battle)
        recorder(self.sim)
        self.recorders.append(recorder)
        if file is not None:
            self._replay_files.append((recorder, file))

    def _close_replays(self, every: bool) -> None:
        keep = []
        for recorder, file in self._replay_files:
            if every or recorder.finished:
                file.close()
            else:
                keep.append((recorder, file))
        self._replay_files = keep
