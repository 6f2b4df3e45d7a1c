"""One battle alone, as a player runs it: seconds a battle, and the Python calls a step.

Run by hand (not part of the test suite), and in turn with another checkout when comparing two commits on a
noisy machine (its `src` first on PYTHONPATH):

    .venv/bin/python benchmarks/bench_alone.py                        # manhattan-recon, seeds 1-3, 3 runs each
    .venv/bin/python benchmarks/bench_alone.py --repeats 2 --calls    # and the Python calls a step
    PYTHONPATH=/tmp/head/src .venv/bin/python benchmarks/bench_alone.py --label head

A battle alone of a hundred craft is Python between compiled kernels, so its time is that of the calls
from Python a step. The seconds are wall-clock (one battle to warm the kernels first, then each seed's runs
in turn); each seed's fastest run is the figure least moved by the machine's neighbours. The calls a step
(`--calls`, counted by cProfile over one whole battle of the first seed) do not depend on the machine at
all: they are the number to compare when the seconds are noisy.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import time
from pathlib import Path
from typing import Any

from captainred.engine.setup import build_world
from captainred.scenario import load_scenario
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import Simulation


def fight(resolved: ResolvedScenario, seed: int) -> tuple[float, int]:
    """One battle alone: wall seconds and steps."""
    sim = Simulation(build_world(resolved, [seed]))
    start = time.perf_counter()
    while not sim.finished:
        sim.step()
    return time.perf_counter() - start, sim.steps


def python_calls_a_step(resolved: ResolvedScenario, seed: int) -> float:
    """Python function calls a step over one whole battle (after the kernels are warm)."""
    sim = Simulation(build_world(resolved, [seed]))
    profile = cProfile.Profile()
    profile.enable()
    while not sim.finished:
        sim.step()
    profile.disable()
    calls: int = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    return calls / max(sim.steps, 1)


def run(scenario: str, seeds: list[int], repeats: int, calls: bool) -> dict[str, Any]:
    resolved = load_scenario(scenario)
    fight(resolved, seeds[0])  # the kernels loaded from the cache, or compiled
    runs: dict[int, list[float]] = {seed: [] for seed in seeds}
    steps: dict[int, int] = {}
    for _ in range(repeats):
        for seed in seeds:
            seconds, steps[seed] = fight(resolved, seed)
            runs[seed].append(seconds)
    fastest = [min(runs[seed]) for seed in seeds]
    medians = [statistics.median(runs[seed]) for seed in seeds]
    result: dict[str, Any] = {
        "scenario": scenario,
        "seeds": seeds,
        "repeats": repeats,
        "seconds": {str(seed): runs[seed] for seed in seeds},
        "steps": {str(seed): steps[seed] for seed in seeds},
        "mean_of_fastest_s": statistics.fmean(fastest),
        "mean_of_medians_s": statistics.fmean(medians),
    }
    if calls:
        result["python_calls_a_step"] = python_calls_a_step(resolved, seeds[0])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="manhattan-recon", help="a built-in scenario or a .toml path")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each seed")
    parser.add_argument("--calls", action="store_true", help="also count the Python calls a step")
    parser.add_argument("--label", default="", help="a name printed with the figures")
    parser.add_argument("--out", type=Path, help="write the figures as JSON")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    if not seeds or args.repeats < 1:
        parser.error("give at least one seed and one repeat")
    result = run(args.scenario, seeds, args.repeats, args.calls)
    fastest = " ".join(f"{min(result['seconds'][str(s)]):.3f}" for s in seeds)
    line = (
        f"{args.label or args.scenario}: each seed's fastest {fastest} s; mean of the fastest "
        f"{result['mean_of_fastest_s']:.3f} s, of the medians {result['mean_of_medians_s']:.3f} s"
    )
    if "python_calls_a_step" in result:
        line += f"; {result['python_calls_a_step']:.0f} Python calls a step"
    print(line)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1), "utf-8")


if __name__ == "__main__":
    main()
