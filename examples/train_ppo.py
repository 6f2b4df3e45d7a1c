"""Train Stable-Baselines3 PPO on a Captain Red dogfight, on the CPU, and show that it learned.

    python examples/train_ppo.py --minutes 8            # writes docs/rl/: the curve, the policy, a replay

It evaluates a random policy and the Slayer's own doctrine first (the baselines), trains PPO on B battles
stepped together in one World for the given minutes of wall time, evaluating the policy as it goes, then
evaluates the trained policy over --episodes fresh battles (seeds never trained on) and writes:
the learning curve (mean return and win rate against steps, baselines beside it), the policy (SB3 zip),
a replay of one evaluation battle flown by it (`captainred view docs/rl/ppo-dogfight.crr`) and a JSON of
every number, with 95% intervals. `--evaluate MODEL.zip` only evaluates a saved policy.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback

from captainred.replay.format import ReplayWriter
from captainred.rl.actions import LEVELS, ActionForm
from captainred.rl.core import BattleBatch
from captainred.rl.sb3 import BatchVecEnv

Policy = Callable[[NDArray[np.float32], int], NDArray[np.int64]]
EVAL_SEED = 1_000_000  # evaluation battles: seeds spawned from this, never used in training


def wilson(wins: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """A 95% interval for a win rate (Wilson's score interval)."""
    if n == 0:
        return (0.0, 1.0)
    p = wins / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (centre - half, centre + half)


def evaluate(
    scenario: str, policy: Policy | None, episodes: int, seed: int = EVAL_SEED, replay: Path | None = None
) -> dict[str, Any]:
    """Play `episodes` battles at once, each to its end; `policy` None flies the doctrine."""
    batch = BattleBatch(scenario, n_battles=episodes)
    form = ActionForm("discrete")
    obs = batch.reset(seed=seed)["air_command"]
    batch.autopilot = policy is None
    out = None
    if replay is not None:
        replay.parent.mkdir(parents=True, exist_ok=True)
        out = replay.open("wb")
        batch.record(ReplayWriter(out), battle=0)
    returns = np.zeros(episodes)
    step = 0
    while not batch.over.all():
        if policy is None:
            actions = np.zeros((episodes, 1, len(LEVELS)))
        else:
            actions = form.to_core(policy(obs[:, 0], step), "actions")[:, None, :]
        buf = batch.step(actions)["air_command"]
        returns += buf.reward.sum(axis=1)
        step += 1
    if out is not None:
        out.close()
    outcome = batch.buffers["air_command"].outcome
    wins = int((outcome == 1).sum())
    half = 1.96 * float(returns.std(ddof=1)) / math.sqrt(episodes) if episodes > 1 else float("nan")
    return {
        "episodes": episodes,
        "mean_return": float(returns.mean()),
        "return_ci95": [float(returns.mean()) - half, float(returns.mean()) + half],
        "win_rate": wins / episodes,
        "win_ci95": list(wilson(wins, episodes)),
        "lost_rate": float((outcome == -1).mean()),
    }


def random_policy(seed: int) -> Policy:
    rng = np.random.default_rng(seed)

    def act(obs: NDArray[np.float32], step: int) -> NDArray[np.int64]:
        return rng.integers(0, np.array(LEVELS), size=(obs.shape[0], len(LEVELS)))

    return act


def ppo_policy(model: PPO, seed: int, deterministic: bool = False) -> Policy:
    """The trained policy as it was trained: it samples its actions (seeded, so an evaluation repeats);
    `deterministic` takes each control's most likely setting instead."""
    torch.manual_seed(seed)

    def act(obs: NDArray[np.float32], step: int) -> NDArray[np.int64]:
        actions, _ = model.predict(obs, deterministic=deterministic)
        return np.asarray(actions, dtype=np.int64)

    return act


class Curve(BaseCallback):
    """After every rollout: the training episodes' mean return and win rate; every `every` steps, an
    evaluation of the deterministic policy on a fixed set of battles."""

    def __init__(self, scenario: str, deadline: float, every: int, eval_episodes: int, deterministic: bool) -> None:
        super().__init__()
        self.deterministic = deterministic
        self.scenario, self.deadline, self.every, self.eval_episodes = scenario, deadline, every, eval_episodes
        self.train: list[dict[str, float]] = []
        self.evals: list[dict[str, Any]] = []
        self._next_eval = 0

    def _on_step(self) -> bool:
        return time.monotonic() < self.deadline

    def _on_rollout_end(self) -> None:
        env = self.training_env
        assert isinstance(env, BatchVecEnv)
        recent = env.finished[-64:]
        if recent:
            self.train.append(
                {
                    "steps": float(self.num_timesteps),
                    "mean_return": float(np.mean([r for r, _ in recent])),
                    "win_rate": float(np.mean([o == 1 for _, o in recent])),
                }
            )
        if self.num_timesteps >= self._next_eval:
            self._next_eval = self.num_timesteps + self.every
            assert isinstance(self.model, PPO)
            policy = ppo_policy(self.model, seed=EVAL_SEED + 7, deterministic=self.deterministic)
            result = evaluate(self.scenario, policy, self.eval_episodes, seed=EVAL_SEED + 7)
            self.evals.append({"steps": self.num_timesteps, **result})
            print(
                f"{self.num_timesteps:>9} steps  return {result['mean_return']:+.3f}  win {result['win_rate']:.2f}",
                flush=True,
            )


def plot(path: Path, curve: Curve, baselines: dict[str, dict[str, Any]], final: dict[str, Any], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_r, ax_w) = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, key, ci, label in (
        (ax_r, "mean_return", "return_ci95", "mean return"),
        (ax_w, "win_rate", "win_ci95", "win rate"),
    ):
        if curve.train:
            ax.plot(
                [t["steps"] for t in curve.train],
                [t[key] for t in curve.train],
                color="#9ab",
                lw=1,
                label="PPO (training episodes)",
            )
        if curve.evals:
            xs = [e["steps"] for e in curve.evals]
            ax.plot(
                xs,
                [e[key] for e in curve.evals],
                color="#c33",
                lw=2,
                marker="o",
                ms=3,
                label="PPO (evaluation, 64 battles)",
            )
            ax.fill_between(
                xs, [e[ci][0] for e in curve.evals], [e[ci][1] for e in curve.evals], color="#c33", alpha=0.15
            )
        for name, colour in (("random", "#555"), ("doctrine", "#36a")):
            b = baselines[name]
            ax.axhline(b[key], color=colour, ls="--", lw=1.2, label=f"{name} ({b[key]:.2f})")
            ax.axhspan(b[ci][0], b[ci][1], color=colour, alpha=0.08)
        ax.set_xlabel("environment steps")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    ax_r.legend(fontsize=8, loc="lower right")
    fig.suptitle(
        f"{title}: PPO after training, over {final['episodes']} new battles: return {final['mean_return']:+.2f} "
        f"[{final['return_ci95'][0]:+.2f}, {final['return_ci95'][1]:+.2f}], win rate {final['win_rate']:.2f} "
        f"[{final['win_ci95'][0]:.2f}, {final['win_ci95'][1]:.2f}]",
        fontsize=9,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="dogfight-1v1")
    parser.add_argument("--minutes", type=float, default=8.0, help="wall time for training")
    parser.add_argument("--envs", type=int, default=16, help="battles stepped together")
    parser.add_argument("--episodes", type=int, default=200, help="evaluation battles for each result")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the environment takes one core)")
    parser.add_argument("--out", type=Path, default=Path("docs/rl"))
    parser.add_argument("--evaluate", type=Path, default=None, help="only evaluate this saved policy")
    parser.add_argument(
        "--deterministic", action="store_true", help="evaluate each control's most likely setting, not samples"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    name = args.scenario.replace("/", "-")

    if args.evaluate is not None:
        model = PPO.load(args.evaluate, device="cpu")
        policy = ppo_policy(model, seed=EVAL_SEED, deterministic=args.deterministic)
        print(json.dumps(evaluate(args.scenario, policy, args.episodes), indent=2))
        return

    started = time.monotonic()
    baselines = {
        "random": evaluate(args.scenario, random_policy(args.seed), args.episodes),
        "doctrine": evaluate(args.scenario, None, args.episodes),
    }
    print("baselines:", json.dumps(baselines), flush=True)
    env = BatchVecEnv(args.envs, seed=args.seed, scenario=args.scenario)
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=256,
        batch_size=1024,
        n_epochs=5,
        learning_rate=3e-4,
        gamma=0.995,
        gae_lambda=0.95,
        ent_coef=0.003,
        seed=args.seed,
        device="cpu",
        verbose=0,
    )
    t0 = time.monotonic()
    curve = Curve(
        args.scenario, t0 + 60.0 * args.minutes, every=150_000, eval_episodes=64, deterministic=args.deterministic
    )
    model.learn(total_timesteps=10**9, callback=curve)
    trained_s = time.monotonic() - t0
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(args.out / f"ppo-{name}.zip")
    policy = ppo_policy(model, seed=EVAL_SEED, deterministic=args.deterministic)
    final = evaluate(args.scenario, policy, args.episodes, replay=args.out / f"ppo-{name}.crr")
    plot(args.out / f"ppo-{name}.png", curve, baselines, final, args.scenario)
    record = {
        "scenario": args.scenario,
        "seed": args.seed,
        "envs": args.envs,
        "steps": int(model.num_timesteps),
        "train_seconds": round(trained_s, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "torch_threads": args.threads,
        "deterministic_evaluation": args.deterministic,
        "baselines": baselines,
        "trained": final,
        "curve": {"train": curve.train, "evaluations": curve.evals},
    }
    (args.out / f"ppo-{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    print("trained:", json.dumps(final), flush=True)
    print(f"wrote {args.out}/ppo-{name}.png, .zip, .crr and .json ({model.num_timesteps} steps in {trained_s:.0f} s)")


if __name__ == "__main__":
    main()
