"""Throughput of the RL environments, in agent-steps per second (one controlled craft for one step).

    python benchmarks/bench_rl.py [--battles 1000] [--steps 20] [--rounds 9]

1. The batched core: `melee-16v16` (32 craft a battle), both sides under control, B battles in one World
   stepped together, observations (K = 4), rewards, flags and masks included; the engine's share of
   the time is shown apart. 2. The PettingZoo dict API over one battle of the same scenario (32 agents).
VMAS's published figures are printed beside ours for scale: they come from its paper's own setup and
another simulator, not from this machine. Wall-clock time is measured here, never in the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from captainred.rl import ACTIONS, BattleBatch
from captainred.rl.pettingzoo_env import CaptainRedParallelEnv

SCENARIO = "melee-16v16"
VMAS = (
    ("VMAS, its paper's setup (24-core CPU)", 47_000.0),
    ("VMAS, 64 interacting agents, 2-core machine", 34_000.0),
)


ACTION_SETS = 16  # random actions drawn before the clock starts, used in turn


def bench_core(battles: int, steps: int, rounds: int = 1) -> dict[str, float]:
    """`rounds` rounds of `steps` steps of the batched core after three to warm up: agent-steps per second
    in the median round (and the slowest and quickest), and the engine's share of all of them. A round
    of a few tenths of a second moves by a tenth or more on a shared machine; the median of several
    does not."""
    batch = BattleBatch(SCENARIO, n_battles=battles, control="all")
    batch.reset(seed=1)
    rng = np.random.default_rng(0)
    actions = [
        {name: rng.uniform(-1, 1, buf.action.shape).astype(np.float32) for name, buf in batch.buffers.items()}
        for _ in range(ACTION_SETS)
    ]
    agents = sum(len(g.local) for g in batch.groups) * battles
    engine_s = 0.0
    step_engine = batch.sim.step

    def timed_engine_step() -> None:
        nonlocal engine_s
        t = time.perf_counter()
        step_engine()
        engine_s += time.perf_counter() - t

    batch.sim.step = timed_engine_step  # type: ignore[method-assign]
    for k in range(3):  # warm up
        batch.step(actions[k % ACTION_SETS])
    engine_s = 0.0
    rates = []
    k = 3
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(steps):
            batch.step(actions[k % ACTION_SETS])
            k += 1
        rates.append(agents * steps / (time.perf_counter() - t0))
    wall = agents * steps * sum(1.0 / rate for rate in rates)
    return {
        "battles": battles,
        "agents_per_step": agents,
        "steps": steps,
        "rounds": rounds,
        "seconds": wall,
        "agent_steps_per_s": statistics.median(rates),
        "slowest": min(rates),
        "quickest": max(rates),
        "engine_share": engine_s / wall,
    }


WARM_STEPS = 30  # the dict API's steps before the clock starts: its first ones load the small World's kernels


def bench_pettingzoo(steps: int, rounds: int = 1) -> dict[str, float]:
    """`rounds` rounds of `steps` steps of the PettingZoo dict API over one battle, an episode restarted
    whenever every agent has left, after `WARM_STEPS` steps to load what its first steps load (the
    kernels of a small World: timed, they read as half the rate). Agent-steps per second in the median
    round, the slowest and the quickest."""
    env = CaptainRedParallelEnv(SCENARIO, control="all")
    rng = np.random.default_rng(0)
    levels = np.array([5, 5, 3, 2, 2, 2])
    # Drawn before the clock starts, as for the batched core: a policy hands its actions over as an array.
    drawn = rng.integers(0, levels, (WARM_STEPS + steps * rounds, len(env.possible_agents), len(levels)))

    def play(first: int, count: int) -> int:
        done = 0
        for k in range(first, first + count):
            if not env.agents:
                env.reset()
            actions = dict(zip(env.agents, drawn[k], strict=False))
            env.step(actions)
            done += len(actions)
        return done

    env.reset(seed=2)
    play(0, WARM_STEPS)
    env.reset(seed=1)
    rates = []
    for r in range(rounds):
        t0 = time.perf_counter()
        done = play(WARM_STEPS + r * steps, steps)
        rates.append(done / (time.perf_counter() - t0))
    return {
        "agents_per_step": 32,
        "steps": steps,
        "rounds": rounds,
        "agent_steps_per_s": statistics.median(rates),
        "slowest": min(rates),
        "quickest": max(rates),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--battles", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=20, help="steps in a round of the batched core")
    parser.add_argument("--rounds", type=int, default=9, help="rounds of the batched core (the median is shown)")
    parser.add_argument("--pz-steps", type=int, default=150, help="steps in a round of the dict API")
    parser.add_argument("--pz-rounds", type=int, default=9, help="rounds of the dict API (the median is shown)")
    args = parser.parse_args()
    print(f"captainred.rl throughput: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs seen")
    print(f"actions: {', '.join(ACTIONS)}; scenario {SCENARIO}, both sides under control")
    core = bench_core(args.battles, args.steps, args.rounds)
    pz = bench_pettingzoo(args.pz_steps, args.pz_rounds)
    rows = [
        (
            f"batched core, {core['battles']} battles x 32 craft",
            core["agent_steps_per_s"],
            f"median of {core['rounds']} rounds of {core['steps']} steps ({core['slowest']:,.0f}-"
            f"{core['quickest']:,.0f}); engine {100 * core['engine_share']:.0f}% of the time",
        ),
        (
            "PettingZoo ParallelEnv dict API, 1 battle x 32",
            pz["agent_steps_per_s"],
            f"median of {pz['rounds']} rounds of {pz['steps']} steps ({pz['slowest']:,.0f}-{pz['quickest']:,.0f})",
        ),
        *((name, value, "published figure, other setup") for name, value in VMAS),
    ]
    print()
    print(f"{'what':<52} {'agent-steps/s':>14}  notes")
    print("-" * 100)
    for name, value, note in rows:
        print(f"{name:<52} {value:>14,.0f}  {note}")
    print()
    for name, value, target in (
        ("batched core", core["agent_steps_per_s"], 2_000_000),
        ("PettingZoo dict API", pz["agent_steps_per_s"], 100_000),
    ):
        verdict = "met" if value >= target else "MISSED"
        print(f"target {name}: >= {target:,} agent-steps/s: {verdict} ({value:,.0f})")


if __name__ == "__main__":
    main()
