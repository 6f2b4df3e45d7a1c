"""Gymnasium interfaces: a single-agent `Env` and a `VectorEnv` over a batch of battles.

Both fly one group of controlled craft (one side; most often one aircraft) against everything else flying
its doctrine. With one craft the spaces are (D,) and (len(ACTIONS),); with N craft (N, D) and (N, ...),
the reward is the group's sum, and the episode ends when the battle's does. The vector environment is the
batched core itself: B battles in one World, stepped together, with no subprocesses; its autoreset is
NEXT_STEP by default (SAME_STEP as well). Registered ids: `captainred/Dogfight1v1-v0`,
`captainred/Dogfight2v2-v0`, `captainred/PhotoRun-v0` (also as vector environments via
`gymnasium.make_vec(..., vectorization_mode="vector_entry_point")`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from numpy.typing import NDArray

from captainred.rl.actions import ActionForm
from captainred.rl.core import BattleBatch, GroupBuffers
from captainred.rl.render import render_mode_of, rendered, top_view
from captainred.rl.scenarios import LearningScenario, Rewards, RLError
from captainred.scenario.model import ResolvedScenario

Scenario = str | ResolvedScenario | LearningScenario


def _one_group(core: BattleBatch) -> GroupBuffers:
    if len(core.groups) != 1:
        raise RLError("control: a Gymnasium environment flies one side; for self-play use the PettingZoo env")
    return core.buffers[core.groups[0].name]


def _spaces(core: BattleBatch, form: ActionForm) -> tuple[spaces.Box, spaces.Space[Any]]:
    n = len(core.groups[0].local)
    obs_shape: tuple[int, ...] = (core.obs_size,) if n == 1 else (n, core.obs_size)
    return spaces.Box(-1.0, 1.0, obs_shape, np.float32), form.stacked(n)


def _info(core: BattleBatch, form: ActionForm, buf: GroupBuffers, b: int) -> dict[str, Any]:
    n = buf.alive.shape[1]
    masks = form.masks(buf.action_mask[b])
    return {
        "action_mask": masks[0] if n == 1 else tuple(masks),
        "alive": buf.alive[b].copy(),
        "outcome": int(buf.outcome[b]),
        "seed": int(core.world.seed[b]),
    }


class CaptainRedEnv(gymnasium.Env[NDArray[np.float32], Any]):
    """One battle, one side under control (see the module docstring). info holds `action_mask` (which of
    ACTIONS do anything now), `alive`, `outcome` (+1 won, -1 lost, 0 not yet or a draw) and `seed`."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 5}  # noqa: RUF012 (the base class declares it so)

    def __init__(
        self,
        scenario: Scenario = "dogfight-1v1",
        control: str | Sequence[str] | None = None,
        k_nearest: int | None = None,
        rewards: Rewards | Mapping[str, float] | None = None,
        max_steps: int | None = None,
        render_mode: str | None = None,
        action_type: str = "discrete",
    ) -> None:
        self.render_mode = render_mode_of(render_mode)
        self.form = ActionForm(action_type)
        self.core = BattleBatch(scenario, 1, control, k_nearest, rewards, max_steps)
        self._buf = _one_group(self.core)
        obs_space, self.action_space = _spaces(self.core, self.form)
        self.observation_space = cast("spaces.Space[NDArray[np.float32]]", obs_space)
        self._squeeze = len(obs_space.shape) == 1
        self._next_seed: int | None = 0  # never seeded: the first reset plays seed 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        super().reset(seed=seed)
        if seed is None and self._next_seed is not None:
            seed = self._next_seed
        self._next_seed = None
        self.core.reset(seed)
        return self._obs(), _info(self.core, self.form, self._buf, 0)

    def _obs(self) -> NDArray[np.float32]:
        o = self._buf.observation[0]
        out: NDArray[np.float32] = (o[0] if self._squeeze else o).copy()
        return out

    def step(self, action: Any) -> tuple[NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        a = self.form.to_core(action, "action")
        if a.shape != self.action_space.shape:
            raise RLError(f"action: expected shape {self.action_space.shape}, got {a.shape}")
        self.core.step(a.reshape(self._buf.action.shape))
        buf = self._buf
        over = bool(self.core.over[0])
        truncated = over and bool(buf.truncated[0].any())
        return (
            self._obs(),
            float(buf.reward[0].sum()),
            over and not truncated,
            truncated,
            _info(self.core, self.form, buf, 0),
        )

    def record_replay(self, path: str | Path) -> None:
        """Write this episode as a replay for the viewer (call straight after reset)."""
        self.core.record(path)

    def render(self) -> NDArray[np.uint8] | None:
        return rendered(self.core.world, self.render_mode)


class CaptainRedVectorEnv(VectorEnv[NDArray[np.float32], Any, Any]):
    """B battles in one World as a Gymnasium vector environment (see the module docstring).

    Seeding: reset(seed=s) gives battle i the i-th seed spawned from s (`BattleBatch.battle_seeds`), so
    sub-environment i plays exactly what a `CaptainRedEnv` reset with that seed plays, whatever B is; each
    autoreset plays the slot's next seed. A SAME_STEP autoreset puts the last observation and info in
    infos["final_obs"] and infos["final_info"].
    """

    metadata = {"render_modes": ["rgb_array"], "autoreset_mode": AutoresetMode.NEXT_STEP}  # noqa: RUF012 (the base class declares it so)

    def __init__(
        self,
        num_envs: int = 8,
        scenario: Scenario = "dogfight-1v1",
        control: str | Sequence[str] | None = None,
        k_nearest: int | None = None,
        rewards: Rewards | Mapping[str, float] | None = None,
        max_steps: int | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        render_mode: str | None = None,
        action_type: str = "discrete",
    ) -> None:
        self.form = ActionForm(action_type)
        try:
            self.autoreset_mode = AutoresetMode(autoreset_mode)
        except ValueError:
            raise RLError(f"autoreset_mode: expected NextStep or SameStep, got {autoreset_mode!r}") from None
        if self.autoreset_mode == AutoresetMode.DISABLED:
            raise RLError("autoreset_mode: Disabled is not offered; use NEXT_STEP or SAME_STEP")
        self.render_mode = render_mode_of(render_mode)
        self.metadata = {**self.metadata, "autoreset_mode": self.autoreset_mode}
        self.core = BattleBatch(scenario, num_envs, control, k_nearest, rewards, max_steps)
        self._buf = _one_group(self.core)
        self.num_envs = self.core.n_battles
        self.single_observation_space, self.single_action_space = _spaces(self.core, self.form)
        self.observation_space = gymnasium.vector.utils.batch_space(self.single_observation_space, self.num_envs)
        self.action_space = gymnasium.vector.utils.batch_space(self.single_action_space, self.num_envs)
        self._squeeze = len(self.single_observation_space.shape) == 1
        self._pending = np.zeros(self.num_envs, bool)  # NEXT_STEP: these reset on the next step
        self._seeded = False
        self._rewards = np.zeros(self.num_envs, np.float64)

    def _obs(self) -> NDArray[np.float32]:
        o = self._buf.observation
        return (o[:, 0] if self._squeeze else o).copy()

    def _infos(self) -> dict[str, Any]:
        buf = self._buf
        return {
            "action_mask": buf.action_mask.copy(),
            "alive": buf.alive.copy(),
            "outcome": buf.outcome.astype(np.int64),
            "seed": self.core.world.seed.astype(np.int64),
        }

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[NDArray[np.float32], dict[str, Any]]:
        if seed is None and not self._seeded:
            seed = 0
        if seed is not None and not isinstance(seed, int | np.integer):
            raise RLError(f"seed: one whole number for the batch (battle seeds are spawned from it), got {seed!r}")
        self._seeded = True
        self.core.reset(None if seed is None else int(seed))
        self._pending[:] = False
        return self._obs(), self._infos()

    def step(
        self, actions: Any
    ) -> tuple[NDArray[np.float32], NDArray[np.float64], NDArray[np.bool_], NDArray[np.bool_], dict[str, Any]]:
        a = self.form.to_core(actions, "actions")
        if a.shape != self.action_space.shape:
            raise RLError(f"actions: expected shape {self.action_space.shape}, got {a.shape}")
        core, buf = self.core, self._buf
        restarting = np.flatnonzero(self._pending)
        core.reset_battles(restarting)
        core.step(a.reshape(buf.action.shape), hold=restarting)
        ended = core.over & ~self._pending
        truncated = ended & buf.truncated.any(axis=1)
        terminated = ended & ~truncated
        self._rewards[:] = buf.reward.sum(axis=1)
        self._rewards[self._pending] = 0.0
        infos = self._infos()
        obs = self._obs()
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            done = np.flatnonzero(ended)
            if len(done):
                final_obs = np.empty(self.num_envs, dtype=object)
                final_info = np.empty(self.num_envs, dtype=object)
                for b in done.tolist():
                    final_obs[b] = obs[b].copy()
                    final_info[b] = {k: v[b] for k, v in infos.items()}
                core.reset_battles(done)
                obs = self._obs()
                infos = self._infos()
                mask = np.zeros(self.num_envs, bool)
                mask[done] = True
                infos["final_obs"], infos["_final_obs"] = final_obs, mask
                infos["final_info"], infos["_final_info"] = final_info, mask.copy()
            self._pending[:] = False
        else:
            self._pending[:] = ended
        return obs, self._rewards.copy(), terminated, truncated, infos

    def record_replay(self, path: str | Path, battle: int = 0) -> None:
        """Write battle `battle`'s present episode as a replay for the viewer (call straight after reset)."""
        self.core.record(path, battle=battle)

    def render(self) -> tuple[NDArray[np.uint8], ...] | None:
        if self.render_mode != "rgb_array":
            return None
        return tuple(top_view(self.core.world, b) for b in range(self.num_envs))


_REGISTERED = {
    "captainred/Dogfight1v1-v0": "dogfight-1v1",
    "captainred/Dogfight2v2-v0": "dogfight-2v2",
    "captainred/PhotoRun-v0": "photo-run",
}


def register_environments() -> None:
    """Register the learning scenarios with Gymnasium (done on importing this module)."""
    for env_id, scenario in _REGISTERED.items():
        if env_id in gymnasium.registry:
            continue
        gymnasium.register(
            env_id,
            entry_point="captainred.rl.gym_env:CaptainRedEnv",
            vector_entry_point="captainred.rl.gym_env:CaptainRedVectorEnv",
            kwargs={"scenario": scenario},
        )


register_environments()
