"""PettingZoo interfaces: a `ParallelEnv` over one battle, and its AEC form through `parallel_to_aec`.

Agents are the controlled craft, named from their squadron's callsign and slot (`slayer_5`, `devil_2`) or
`lgf_17`; control both sides for self-play. An agent leaves `agents` in the step it is lost or recovered
(terminated) or the episode is cut at its time limit (truncated); when the battle ends, every agent left
leaves. Each agent's info holds its `action_mask` (which of ACTIONS do anything now) and, once the battle
is over, the `outcome` for its side (+1 won, -1 lost, 0 a draw). Spaces are made once and cached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray
from pettingzoo import AECEnv, ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from captainred.rl.actions import ActionForm
from captainred.rl.core import BattleBatch
from captainred.rl.render import render_mode_of, rendered
from captainred.rl.scenarios import LearningScenario, Rewards, RLError
from captainred.scenario.model import ResolvedScenario

AgentID = str


class CaptainRedParallelEnv(ParallelEnv[AgentID, NDArray[np.float32], Any]):  # type: ignore[misc]
    """One battle; every controlled craft an agent (see the module docstring)."""

    metadata = {"name": "captainred_v0", "render_modes": ["rgb_array"], "is_parallelizable": True, "render_fps": 5}  # noqa: RUF012 (the base class declares it so)

    def __init__(
        self,
        scenario: str | ResolvedScenario | LearningScenario = "dogfight-2v2",
        control: str | Sequence[str] | None = None,
        k_nearest: int | None = None,
        rewards: Rewards | Mapping[str, float] | None = None,
        max_steps: int | None = None,
        render_mode: str | None = None,
        action_type: str = "discrete",
    ) -> None:
        self.form = ActionForm(action_type)
        self.render_mode = render_mode_of(render_mode)
        self.core = BattleBatch(scenario, 1, control, k_nearest, rewards, max_steps)
        self._where: dict[AgentID, tuple[str, int]] = {}
        for g in self.core.groups:
            for i, name in enumerate(g.agents):
                self._where[name] = (g.name, i)
        self.possible_agents: list[AgentID] = list(self._where)
        self.agents: list[AgentID] = []
        self._layout_of: tuple[tuple[AgentID, ...], list[tuple[str, list[AgentID], NDArray[np.intp]]]] = ((), [])
        obs = spaces.Box(-1.0, 1.0, (self.core.obs_size,), np.float32)
        act = self.form.space
        self.observation_spaces = {a: obs for a in self.possible_agents}
        self.action_spaces = {a: act for a in self.possible_agents}
        self._next_seed: int | None = 0  # never seeded: the first reset plays seed 0

    def observation_space(self, agent: AgentID) -> spaces.Box:
        return self.observation_spaces[agent]

    def action_space(self, agent: AgentID) -> spaces.Space[Any]:
        return self.action_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[AgentID, NDArray[np.float32]], dict[AgentID, dict[str, Any]]]:
        if seed is None and self._next_seed is not None:
            seed = self._next_seed
        self._next_seed = None
        self.core.reset(seed)
        self.agents = [a for a in self.possible_agents if self._buffer(a).alive[0, self._where[a][1]]]
        return self._observations(self.agents), self._infos(self.agents)

    def _buffer(self, agent: AgentID) -> Any:
        return self.core.buffers[self._where[agent][0]]

    def _layout(self, agents: list[AgentID]) -> list[tuple[str, list[AgentID], NDArray[np.intp]]]:
        """`agents` by group, in their order (a group's agents are together in it): each group's name, its
        agents here, and their places in its buffers. Kept while the agents stay the same."""
        key = tuple(agents)
        if self._layout_of[0] != key:
            layout = []
            for g in self.core.groups:
                names = [a for a in agents if self._where[a][0] == g.name]
                if names:
                    layout.append((g.name, names, np.array([self._where[a][1] for a in names], np.intp)))
            self._layout_of = (key, layout)
        return self._layout_of[1]

    def _observations(self, agents: list[AgentID]) -> dict[AgentID, NDArray[np.float32]]:
        # Each agent's observation is her row of a copy of her group's, made for this call.
        obs: dict[AgentID, NDArray[np.float32]] = {}
        for group, names, places in self._layout(agents):
            obs.update(zip(names, self.core.buffers[group].observation[0, places], strict=True))
        return obs

    def _infos(self, agents: list[AgentID]) -> dict[AgentID, dict[str, Any]]:
        infos: dict[AgentID, dict[str, Any]] = {}
        for group, names, places in self._layout(agents):
            buf = self.core.buffers[group]
            masks = self.form.masks(buf.action_mask[0, places])
            for a, mask in zip(names, masks, strict=True):
                infos[a] = {"action_mask": mask}
                if self.core.over[0]:
                    infos[a]["outcome"] = int(buf.outcome[0])
        return infos

    def step(
        self, actions: Mapping[AgentID, NDArray[np.floating]]
    ) -> tuple[
        dict[AgentID, NDArray[np.float32]],
        dict[AgentID, float],
        dict[AgentID, bool],
        dict[AgentID, bool],
        dict[AgentID, dict[str, Any]],
    ]:
        if not self.agents:
            raise RLError("step: every agent is done; call reset()")
        if not isinstance(actions, Mapping):
            raise RLError(f"actions: expected a dict of agent to action, got {type(actions).__name__}")
        for agent in actions:
            if agent not in self._where:
                raise RLError(f"actions: unknown agent '{agent}' (agents: {', '.join(self.possible_agents)})")
        batch: dict[str, NDArray[np.float64]] = {
            name: np.zeros(buf.action.shape) for name, buf in self.core.buffers.items()
        }
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise RLError(f"actions: no action for agent '{missing[0]}', which is still in the fight")
        try:
            # All agents' actions checked and converted at once; one at a time only to name a bad one.
            stacked = np.asarray([actions[a] for a in self.agents])
            if stacked.ndim != 2:
                raise ValueError
            values = self.form.to_core(stacked, "actions")
        except (RLError, ValueError, TypeError):
            for agent in self.agents:
                a = self.form.to_core(actions[agent], f"actions[{agent}]")
                if a.ndim != 1:
                    shape = self.form.space.shape
                    raise RLError(f"actions[{agent}]: expected one action of shape {shape}, got {a.shape}") from None
            raise
        for agent, a in zip(self.agents, values, strict=True):
            group, i = self._where[agent]
            batch[group][0, i] = a
        self.core.step(batch)
        acting = self.agents
        obs = self._observations(acting)
        rewards: dict[AgentID, float] = {}
        terms: dict[AgentID, bool] = {}
        truncs: dict[AgentID, bool] = {}
        for group, names, places in self._layout(acting):
            buf = self.core.buffers[group]
            rewards.update(zip(names, buf.reward[0, places].tolist(), strict=True))
            terms.update(zip(names, buf.terminated[0, places].tolist(), strict=True))
            truncs.update(zip(names, buf.truncated[0, places].tolist(), strict=True))
        infos = self._infos(acting)
        self.agents = [a for a in acting if not (terms[a] or truncs[a])]
        return obs, rewards, terms, truncs, infos

    def record_replay(self, path: str | Path) -> None:
        """Write this episode as a replay for the viewer (call straight after reset)."""
        self.core.record(path)

    def render(self) -> NDArray[np.uint8] | None:
        return rendered(self.core.world, self.render_mode)

    def state(self) -> NDArray[np.float32]:
        """Every agent's observation side by side (zeros for those gone): a centralised critic's input."""
        return np.concatenate([buf.observation[0].ravel() for buf in self.core.buffers.values()])

    def close(self) -> None:
        pass


def parallel_env(**kwargs: Any) -> CaptainRedParallelEnv:
    """The ParallelEnv (keyword arguments as `CaptainRedParallelEnv`)."""
    return CaptainRedParallelEnv(**kwargs)


def env(**kwargs: Any) -> AECEnv[AgentID, NDArray[np.float32], Any]:
    """The AEC form of the ParallelEnv, through PettingZoo's own `parallel_to_aec`."""
    return parallel_to_aec(CaptainRedParallelEnv(**kwargs))
