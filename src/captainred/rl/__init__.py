"""Reinforcement-learning environments over the engine (the `rl` extra): a batched core, Gymnasium and
PettingZoo interfaces, and learning scenarios. See `captainred.rl.core` for the design."""

from captainred.rl.core import ACTIONS, BattleBatch, observation_names, observation_size
from captainred.rl.scenarios import LEARNING_SCENARIOS, AirStart, LearningScenario, Rewards, RLError

__all__ = [
    "ACTIONS",
    "LEARNING_SCENARIOS",
    "AirStart",
    "BattleBatch",
    "LearningScenario",
    "RLError",
    "Rewards",
    "observation_names",
    "observation_size",
]
