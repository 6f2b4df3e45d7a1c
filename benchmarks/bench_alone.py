"""One battle alone, as a player runs it: seconds a battle, and the Python calls a step.

Run by hand (not part of the test suite), and in turn with another checkout when comparing two commits on a
noisy machine (its `src` first on PYTHONPATH):

    .venv/bin/python benchmarks/bench_alone.py                        # manhattan-recon, seeds 1-3, 3 runs each
    .venv/bin/python benchmarks/bench_alone.py --repeats 2 --calls    # and the Python calls a step
    .venv/bin/python benchmarks/bench_alone.py --repeats 1 --arrays   # and the arrays handed to kernels a step
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
from collections import Counter
from pathlib import Path
from typing import Any

import numba

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


def arrays_handed_over(resolved: ResolvedScenario, seed: int) -> dict[str, Any]:
    """Over one whole battle: the kernel calls from Python a step, and the arrays they hand over (each
    argument that is an array, or an array in a tuple; the World's arrays as one structure count as none),
    in all and for the kernels that hand over the most. A kernel called from another kernel is not counted:
    that call unboxes nothing."""
    import gc

    from numba.core import types
    from numba.core.registry import CPUDispatcher

    def arrays_in(value_type: Any) -> int:
        if isinstance(value_type, types.Array):
            return 1
        if isinstance(value_type, types.BaseTuple):
            return sum(arrays_in(t) for t in value_type)
        return 0

    calls: Counter[str] = Counter()
    arrays: Counter[str] = Counter()

    class Counting(CPUDispatcher):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            name = self.py_func.__qualname__
            calls[name] += 1
            arrays[name] += sum(arrays_in(numba.typeof(a)) for a in args)
            return super().__call__(*args, **kwargs)

    kernels = [
        o
        for o in gc.get_objects()
        if type(o) is CPUDispatcher and (o.py_func.__module__ or "").startswith("captainred.")  # not a test's own
    ]
    sim = Simulation(build_world(resolved, [seed]))
    for kernel in kernels:
        kernel.__class__ = Counting
    try:
        while not sim.finished:
            sim.step()
    finally:
        for kernel in kernels:
            kernel.__class__ = CPUDispatcher
    steps = max(sim.steps, 1)
    return {
        "kernel_calls_a_step": sum(calls.values()) / steps,
        "arrays_a_step": sum(arrays.values()) / steps,
        "most": {name: count / steps for name, count in arrays.most_common(8)},
    }


def run(scenario: str, seeds: list[int], repeats: int, calls: bool, handed: bool = False) -> dict[str, Any]:
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
    if handed:
        result["arrays_handed_over"] = arrays_handed_over(resolved, seeds[0])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="manhattan-recon", help="a built-in scenario or a .toml path")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each seed")
    parser.add_argument("--calls", action="store_true", help="also count the Python calls a step")
    parser.add_argument(
        "--arrays",
        action="store_true",
        help="also count the kernel calls from Python a step and the arrays they hand over",
    )
    parser.add_argument("--label", default="", help="a name printed with the figures")
    parser.add_argument("--out", type=Path, help="write the figures as JSON")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    if not seeds or args.repeats < 1:
        parser.error("give at least one seed and one repeat")
    result = run(args.scenario, seeds, args.repeats, args.calls, args.arrays)
    fastest = " ".join(f"{min(result['seconds'][str(s)]):.3f}" for s in seeds)
    line = (
        f"{args.label or args.scenario}: each seed's fastest {fastest} s; mean of the fastest "
        f"{result['mean_of_fastest_s']:.3f} s, of the medians {result['mean_of_medians_s']:.3f} s"
    )
    if "python_calls_a_step" in result:
        line += f"; {result['python_calls_a_step']:.0f} Python calls a step"
    handed = result.get("arrays_handed_over")
    if handed:
        line += f"; {handed['kernel_calls_a_step']:.1f} kernel calls a step"
        line += f", {handed['arrays_a_step']:.0f} arrays handed over"
        most = ", ".join(f"{name} {count:.0f}" for name, count in handed["most"].items())
        line += f" (most: {most})"
    print(line)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1), "utf-8")


if __name__ == "__main__":
    main()
