"""Stable-Baselines3 over the batched core: its `VecEnv` interface on a `CaptainRedVectorEnv` (SAME_STEP
autoreset, as SB3 expects: the last observation of an ended episode in info["terminal_observation"]).
All B battles are stepped in one process, in one World."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode
from numpy.typing import NDArray
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvStepReturn

from captainred.rl.gym_env import CaptainRedVectorEnv


class BatchVecEnv(VecEnv):
    """SB3's VecEnv on the batched core; keyword arguments as `CaptainRedVectorEnv`."""

    def __init__(self, num_envs: int = 8, seed: int = 0, **kwargs: Any) -> None:
        self.env = CaptainRedVectorEnv(num_envs, autoreset_mode=AutoresetMode.SAME_STEP, **kwargs)
        super().__init__(self.env.num_envs, self.env.single_observation_space, self.env.single_action_space)
        self._first_seed: int | None = seed
        self._actions: NDArray[Any] | None = None
        self.episode_returns = np.zeros(self.num_envs)
        self.finished: list[tuple[float, int]] = []  # (return, outcome) of each episode that ended

    def reset(self) -> NDArray[np.float32]:
        seed = self._seeds[0] if self._seeds[0] is not None else self._first_seed
        self._first_seed = None
        obs, _ = self.env.reset(seed=seed)
        self._reset_seeds()
        self.episode_returns[:] = 0.0
        return obs

    def step_async(self, actions: NDArray[Any]) -> None:
        self._actions = actions

    def step_wait(self) -> VecEnvStepReturn:
        assert self._actions is not None
        obs, rewards, terminated, truncated, infos = self.env.step(self._actions)
        dones = terminated | truncated
        self.episode_returns += rewards
        out: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        for b in np.flatnonzero(dones).tolist():
            out[b]["terminal_observation"] = infos["final_obs"][b]
            out[b]["TimeLimit.truncated"] = bool(truncated[b] and not terminated[b])
            outcome = int(infos["final_info"][b]["outcome"])
            out[b]["episode"] = {"r": float(self.episode_returns[b]), "l": 0, "outcome": outcome}
            self.finished.append((float(self.episode_returns[b]), outcome))
            self.episode_returns[b] = 0.0
        return obs, rewards.astype(np.float32), dones, out

    def close(self) -> None:
        self.env.close()

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        return [getattr(self.env, attr_name)] * len(self._indices(indices))

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self.env, attr_name, value)

    def env_method(self, method_name: str, *args: Any, indices: VecEnvIndices = None, **kwargs: Any) -> list[Any]:
        return [getattr(self.env, method_name)(*args, **kwargs)] * len(self._indices(indices))

    def env_is_wrapped(self, wrapper_class: type[gymnasium.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        return [False] * len(self._indices(indices))

    def _indices(self, indices: VecEnvIndices) -> Sequence[int]:
        if indices is None:
            return range(self.num_envs)
        if isinstance(indices, int):
            return [indices]
        return list(indices)
