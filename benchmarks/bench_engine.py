"""How fast the engine steps: aircraft-steps per second at 1k, 10k and 100k craft, and seconds per battle.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_engine.py            # the full run, a few minutes
    .venv/bin/python benchmarks/bench_engine.py --quick    # a smoke check on the small skirmish, seconds
    .venv/bin/python benchmarks/bench_engine.py --out results.json

Step throughput is measured mid-battle, with the swarm out and fighting: each size's battles, each with a
seed of its own, are stepped until the swarm has been committed and `combat_s` more seconds have passed
("warming"). The smoke check instead tiles a few warmed battles into as many as a size needs, which is
quicker: a batch is just a bigger world, and a battle steps the same alone or beside others (DESIGN.md),
so k warmed battles copied r times are exactly the state that k*r battles with those seeds would reach.
The script checks this on a small batch before it trusts it (the "tiling check" line) and refuses to report
numbers if it fails. Copies are the same state but not the same cost: the machine runs the same branches
on the same rooftops faster the second time, so tiled Worlds flatter the throughput (1.3-1.7x a craft at
10k and 100k craft), and the full run warms every battle.

Then whole battles (alone, in a batch, a quiet transit, the front's day), single battles of ten and a
hundred thousand craft, the cold and warm start, and `captainred sweep` end to end with two workers. The
last table sets each figure beside its target (met or missed). `--anchor` prints the ratios to a run of
another commit made in the same sitting.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
from rich.console import Console
from rich.table import Table

from captainred.engine.fields import FieldSpec, Kind, field_table
from captainred.engine.party import Party
from captainred.engine.setup import build_world
from captainred.engine.world import World
from captainred.scenario import load_scenario
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import Simulation, run_battles

SCENARIOS = Path(__file__).resolve().parent.parent / "tests" / "scenarios"
SKIRMISH = SCENARIOS / "skirmish.toml"
COMBAT_TICK_S = 0.2


@dataclass(frozen=True)
class BenchConfig:
    """What to measure. `FULL` is the run the README's table reports; `QUICK` is the smoke check."""

    scenario: str | Path | ResolvedScenario = "manhattan-recon"  # a built-in name, a TOML path, or loaded
    craft: tuple[int, ...] = (1_000, 10_000, 100_000)
    warm_battles: int = 9  # battles warmed first (the smallest size); without `distinct`, the others' tiles
    # Every size's battles warmed for real, each with a seed of its own. Tiled copies of the same few battles
    # cost the machine less than as many different battles (the same branches taken in the same order, the
    # same rooftops read): 1.3-1.7x less a craft at 10k and 100k craft, copies of 9 against 81 and 810.
    distinct: bool = True
    combat_s: float = 60.0  # sim seconds of fighting after the swarm is committed
    # Steps timed per repeat, per size (the last repeats for bigger sizes): the same for every size, since the
    # battles move on as they are timed, and a size timed over a longer stretch of them is timed on others.
    steps: tuple[int, ...] = (20, 20, 20)
    repeats: int = 5
    battle_seeds: tuple[int, ...] = (1, 2, 3)  # each fought alone; the median is reported
    batch: int = 8  # battles fought together in one World; total / batch is reported
    check_tiling: bool = True
    quiet_scenario: str = "fifty-mile-circuit"  # hours of quiet transit: what a battle costs with no enemy
    quiet_seeds: tuple[int, ...] = (1, 2, 3)
    # Single battles of thousands (tests/scenarios/thousands-*.toml), Air Command put in the air near the
    # ship; LGFs already airborne around it, at these counts (the last above the schema's 20,000: built in
    # code for the benchmark alone).
    big_scenarios: tuple[str, ...] = ("thousands-at-sea", "thousands-over-manhattan")
    big_lgfs: tuple[int, ...] = (9_808, 99_808)
    big_steps: int = 10
    big_repeats: int = 3
    compile_check: bool = True  # time `captainred run` (COMPILE_RUNS) with an empty and a warm cache
    # The front's day fought whole, as `captainred run the-front` fights it: one battle of thousands of LGFs
    # in waves, the batteries and both carriers' relays.
    front_scenario: str | Path | ResolvedScenario | None = "the-front"  # None: not measured
    front_seed: int = 1
    # `captainred sweep` end to end, as an analyst runs it: a fresh process, its workers, the tables and
    # plots written; the median of the repeats.
    sweep_scenario: str | Path | None = "manhattan-recon"  # None: not measured
    sweep_runs: int = 128
    sweep_workers: int = 2
    sweep_repeats: int = 5


FULL = BenchConfig()
QUICK = BenchConfig(
    scenario=SKIRMISH,
    craft=(1_000, 10_000),
    warm_battles=4,
    combat_s=30.0,
    steps=(10, 5),
    repeats=3,
    battle_seeds=(1,),
    batch=4,
    quiet_seeds=(1,),
    big_scenarios=("thousands-at-sea",),
    big_lgfs=(1_808,),
    big_steps=3,
    big_repeats=1,
    compile_check=False,
    distinct=False,
    front_scenario=SCENARIOS / "front-small.toml",
    sweep_scenario=SKIRMISH,
    sweep_runs=8,
    sweep_repeats=1,
)

# The engine's performance targets, each as (what, the figure's key in `targets`, the rule). Figures are
# measured by this script; a target whose figure this run did not measure is left out.
GOAL_STEPS_PER_S = 10e6  # aircraft-steps a second of the full step, at 10k and at 100k craft
GOAL_ALONE_S = 1.0  # one recon battle alone
GOAL_BATTLES_PER_MIN = 600.0  # through `captainred sweep` with 2 workers, end to end
GOAL_FLAT = 1.5  # the dearest craft-step over the cheapest, from 1k to 100k craft
GOAL_WORLD_BYTES = 2**30  # resident memory with a World of 100,000 craft
GOAL_COLD_COMPILE_S = 30.0


@dataclass(frozen=True)
class StepResult:
    craft: int
    battles: int
    tiled_from: int  # battles warmed for real (all of them, unless tiled from these)
    steps: int  # steps per repeat
    repeats: int
    seconds_per_step: float  # median over repeats
    aircraft_steps_per_s: float
    airborne: int  # craft in the air when timing began
    stage_ms: dict[str, float]  # median ms a step of each stage, over steps timed stage by stage
    one_thread_seconds_per_step: float | None = None  # the same steps on one thread (None: Numba has one)


@dataclass(frozen=True)
class BattleTiming:
    label: str
    battles: int
    seconds_total: float
    seconds_per_battle: float


# ------------------------------------------------------------------------------------------ warming


def warm(resolved: ResolvedScenario, seeds: list[int], combat_s: float) -> Simulation:
    """A batch stepped until the swarm is out (any battle committed) and `combat_s` more have passed."""
    sim = Simulation(build_world(resolved, seeds))
    w = sim.world
    while not np.isfinite(w.committed_s).any():
        if sim.finished:
            raise RuntimeError(f"{resolved.scenario.name}: every battle ended before the swarm was committed")
        sim.step()
    fight_until_s = float(w.committed_s[np.isfinite(w.committed_s)].min()) + combat_s
    while float(w.time_s[~w.done].min(initial=math.inf)) < fight_until_s and not sim.finished:
        sim.step()
    return sim


def tile(warmed: World, resolved: ResolvedScenario, reps: int) -> World:
    """`reps` copies of every battle of a warmed World, as one World of reps * n_battles battles.

    The field table drives it. A fresh World is built with the warmed seeds repeated, so every identity
    field (battle number, global squadron index, row ranges) is right for its place; every state field is
    the warmed one repeated, and a field that holds row numbers is shifted to the copy's rows. The event
    logs, the radio calls in progress and the raid's party are repeated the same way.
    """
    seeds = [int(s) for s in warmed.seed]
    big = build_world(resolved, seeds * reps)
    _tile_fields(warmed, big, field_table(World), reps, warmed.n)
    if warmed.party is not None and big.party is not None:
        _tile_fields(warmed.party, big.party, field_table(Party), reps, 0)
        big.party.foes_by = warmed.party.foes_by * reps
    big.logs = [copy.deepcopy(warmed.logs[b % warmed.n_battles]) for b in range(big.n_battles)]
    big.calls = {row + r * warmed.n: call for r in range(reps) for row, call in warmed.calls.items()}
    return big


def _tile_fields(warmed: object, big: object, table: tuple[FieldSpec, ...], reps: int, rows: int) -> None:
    for spec in table:
        if spec.kind is Kind.IDENTITY:
            continue  # the fresh World's own: it depends on the row's place in the batch, and never changes
        now = getattr(warmed, spec.name)
        repeated = np.tile(now, (reps,) + (1,) * (now.ndim - 1))
        if spec.holds_rows:  # row numbers: shift each copy to its own rows
            shift = np.repeat(np.arange(reps, dtype=now.dtype) * rows, len(now))
            repeated = np.where(repeated >= 0, repeated + shift, repeated)
        setattr(big, spec.name, repeated)


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def same_state(a: World, b: World) -> list[str]:
    """The fields in which two Worlds differ (empty when they hold the same state)."""
    differ = [s.name for s in field_table(World) if not _equal(getattr(a, s.name), getattr(b, s.name))]
    if a.party is not None and b.party is not None:
        differ += [
            f"party.{s.name}"
            for s in field_table(Party)
            if not _equal(getattr(a.party, s.name), getattr(b.party, s.name))
        ]
    if [log.digest() for log in a.logs] != [log.digest() for log in b.logs]:
        differ.append("logs")
    if a.calls != b.calls:
        differ.append("calls")
    return differ


def check_tiling(resolved: ResolvedScenario, seeds: list[int], combat_s: float, more_steps: int = 20) -> None:
    """Tiling k warmed battles twice must equal warming the 2k battles for real, then and `more_steps` on."""
    warmed = warm(resolved, seeds, combat_s)
    direct = warm(resolved, seeds * 2, combat_s)
    tiled = Simulation(tile(warmed.world, resolved, 2))
    for when in ("after warming", f"after {more_steps} more steps"):
        differ = same_state(tiled.world, direct.world)
        if differ:
            raise RuntimeError(f"tiling check failed {when}: the tiled World differs in {', '.join(differ)}")
        for _ in range(more_steps):
            tiled.step()
            direct.step()


# ------------------------------------------------------------------------------------------ timing


def time_steps(sim: Simulation, steps: int, repeats: int) -> list[float]:
    """Seconds per step of each repeat (`steps` consecutive steps; the battles move on between repeats)."""
    per_step = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            sim.step()
        per_step.append((time.perf_counter() - start) / steps)
    return per_step


def time_on_both(sim: Simulation, steps: int, repeats: int) -> tuple[list[float], list[float] | None]:
    """Seconds per step on Numba's threads and on one thread (None where it has only one), over one
    stretch of the battles: `repeats` rounds, each timing `steps` steps on each count, the first count
    swapped every round (threads then one, one then threads, ...). The battles move on as they are
    timed, and a World of a few battles costs more or less from one stretch to the next (the 1,107-craft
    World: 1.3 ms a step on two threads over its first 100 steps, 0.9 ms on one over the next 100, though
    below 8,000 rows both run the same code in turn); in alternation, both counts see the same fighting."""
    threads = numba.get_num_threads()
    if threads == 1:
        return time_steps(sim, steps, repeats), None
    on_threads: list[float] = []
    on_one: list[float] = []
    try:
        for round_ in range(repeats):
            counts = ((threads, on_threads), (1, on_one))
            for count, out in counts if round_ % 2 == 0 else counts[::-1]:
                numba.set_num_threads(count)
                out.extend(time_steps(sim, steps, 1))
    finally:
        numba.set_num_threads(threads)
    return on_threads, on_one


def time_stages(sim: Simulation, steps: int) -> dict[str, float]:
    """Median milliseconds a step of each stage over `steps` steps, each stage timed on its own (the
    same stages in the same order as `Simulation.step`; the sum is a little more than a step)."""
    spent: dict[str, list[float]] = {stage.name: [] for stage in sim.stages}
    for _ in range(steps):
        for stage in sim.stages:
            start = time.perf_counter()
            stage.run(sim.world, sim.context)
            spent[stage.name].append((time.perf_counter() - start) * 1e3)
        sim.steps += 1
    return {name: statistics.median(ms) for name, ms in spent.items()}


def bench_steps(config: BenchConfig, resolved: ResolvedScenario, progress: Console | None = None) -> list[StepResult]:
    first = warm(resolved, list(range(1, config.warm_battles + 1)), config.combat_s)
    warmed = first.world
    per_battle = warmed.n // warmed.n_battles
    results = []
    for i, target in enumerate(config.craft):
        reps = max(1, round(target / (per_battle * warmed.n_battles)))
        if reps == 1 and i == 0:
            sim = first
        elif config.distinct:
            sim = warm(resolved, list(range(1, reps * warmed.n_battles + 1)), config.combat_s)
        else:
            sim = Simulation(tile(warmed, resolved, reps))
        steps = config.steps[min(i, len(config.steps) - 1)]
        airborne = int(sim.world.airborne.sum())
        sim.step()  # one untimed step (in a tiled World, the first touch of its fresh arrays)
        on_threads, on_one = time_on_both(sim, steps, config.repeats)
        median = statistics.median(on_threads)
        one_thread = statistics.median(on_one) if on_one is not None else None
        stage_ms = time_stages(sim, steps)
        result = StepResult(
            craft=sim.world.n,
            battles=sim.world.n_battles,
            tiled_from=sim.world.n_battles if config.distinct or reps == 1 else warmed.n_battles,
            steps=steps,
            repeats=config.repeats,
            seconds_per_step=median,
            aircraft_steps_per_s=sim.world.n / median,
            airborne=airborne,
            stage_ms=stage_ms,
            one_thread_seconds_per_step=one_thread,
        )
        results.append(result)
        if progress is not None:
            progress.log(f"{result.craft:,} craft: {result.seconds_per_step * 1e3:.1f} ms a step")
    return results


def bench_battles(config: BenchConfig, resolved: ResolvedScenario) -> list[BattleTiming]:
    alone = []
    for seed in config.battle_seeds:
        start = time.perf_counter()
        run_battles(resolved, [seed])
        alone.append(time.perf_counter() - start)
    timings = [
        BattleTiming(
            f"alone (median of {len(alone)} seed{'s' if len(alone) > 1 else ''})",
            1,
            sum(alone),
            statistics.median(alone),
        )
    ]
    if config.batch > 1:
        start = time.perf_counter()
        run_battles(resolved, list(range(1, config.batch + 1)))
        total = time.perf_counter() - start
        timings.append(BattleTiming(f"in a batch of {config.batch}", config.batch, total, total / config.batch))
    return timings


def bench_quiet(config: BenchConfig) -> dict[str, Any]:
    """Whole battles of a quiet patrol (hours of sim time, no enemy): the transit tick's cost."""
    resolved = load_scenario(config.quiet_scenario)
    walls, sims, steps = [], [], []
    for seed in config.quiet_seeds:
        sim = Simulation(build_world(resolved, [seed]))
        start = time.perf_counter()
        while not sim.finished:
            sim.step()
        walls.append(time.perf_counter() - start)
        sims.append(sim.results()[0].sim_seconds)
        steps.append(sim.steps)
    return {
        "scenario": resolved.scenario.name,
        "seconds_per_battle": statistics.median(walls),
        "sim_seconds": statistics.median(sims),
        "steps": int(statistics.median(steps)),
        "sim_seconds_per_wall_second": statistics.median(s / w for s, w in zip(sims, walls, strict=True)),
    }


def bench_big(config: BenchConfig) -> list[dict[str, Any]]:
    """One battle of thousands: Air Command's 192 Guardians in the air 6 km from the ship, the swarm
    circling it, stepped at the combat tick. Real time is a step faster than the tick (0.2 s)."""
    from captainred.rl.scenarios import AirStart, apply_air_start

    contact = AirStart(centre_m=(0.0, 4000.0), altitude_m=1500.0, heading_deg=0.0, jitter_m=1500.0)
    out = []
    for name in config.big_scenarios:
        base = load_scenario(SCENARIOS / f"{name}.toml")
        for lgfs in config.big_lgfs:
            enemy = base.scenario.enemy.model_copy(update={"airborne": lgfs})
            resolved = base.model_copy(update={"scenario": base.scenario.model_copy(update={"enemy": enemy})})
            started = time.perf_counter()
            world = build_world(resolved, [1])
            apply_air_start(world, contact, np.array([0]))
            sim = Simulation(world)
            build_s = time.perf_counter() - started
            sim.step()
            per_step = statistics.median(time_steps(sim, config.big_steps, config.big_repeats))
            out.append(
                {
                    "scenario": name,
                    "craft": world.n,
                    "airborne": int(world.airborne.sum()),
                    "build_s": build_s,
                    "seconds_per_step": per_step,
                    "aircraft_steps_per_s": world.n / per_step,
                    "real_time_factor": COMBAT_TICK_S / per_step,
                    "world_bytes_per_craft": world_bytes(world) / world.n,
                }
            )
            del sim, world
    return out


def world_bytes(world: World) -> int:
    """Bytes of every array of the field table (the World's own state, not the event logs)."""
    return sum(getattr(world, spec.name).nbytes for spec in field_table(World))


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# The runs whose start is timed: the README's (its fleet and net, few kernels) and the demo's, `make demo`'s
# first run on a fresh clone, which compiles every kernel of the air battle.
COMPILE_RUNS: tuple[str, ...] = ("net-bombardment", "manhattan-recon")


def bench_compile(scenarios: tuple[str, ...] = COMPILE_RUNS) -> dict[str, dict[str, float]]:
    """`captainred run SCENARIO` end to end for each scenario: with an empty compile cache (every kernel
    it needs compiled) and the helper compiling on the second core (`captainred.compile_ahead`), as a user's
    first run goes; with an empty cache and no helper (every kernel compiled by the run, one at a time);
    and again with the cache the first run left (the warm start a user sees every time after)."""
    import subprocess
    import tempfile

    from captainred.compile_ahead import ENV

    timings: dict[str, dict[str, float]] = {}
    for scenario in scenarios:
        timings[scenario] = {}
        with tempfile.TemporaryDirectory() as alone, tempfile.TemporaryDirectory() as helped:
            for label, cache, helper in (
                ("cold_one_core_s", alone, "0"),
                ("cold_s", helped, "1"),
                ("warm_s", helped, "1"),
            ):
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "captainred", "run", scenario],
                    env={**os.environ, "NUMBA_CACHE_DIR": cache, ENV: helper},
                    check=True,
                    capture_output=True,
                )
                timings[scenario][label] = time.perf_counter() - started
    return timings


def cpu_model() -> str:
    """The processor's name as Linux gives it (`model name` in /proc/cpuinfo), or Python's guess elsewhere:
    figures from different machines differ by up to 2.4x (benchmarks/README.md), so each run says where
    it ran."""
    try:
        for line in Path("/proc/cpuinfo").read_text("utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba_threads": numba.get_num_threads(),
        "cpu_model": cpu_model(),
    }


def bench_front(config: BenchConfig) -> dict[str, Any] | None:
    """The front's day, one battle from the first launch to its end: its craft, steps, wall seconds and
    how much faster than real time it ran (sim seconds per wall second), and the mean step."""
    if config.front_scenario is None:
        return None
    given = config.front_scenario
    resolved = given if isinstance(given, ResolvedScenario) else load_scenario(given)
    started = time.perf_counter()
    sim = Simulation(build_world(resolved, [config.front_seed]))
    build_s = time.perf_counter() - started
    most_airborne = 0
    start = time.perf_counter()
    while not sim.finished:
        sim.step()
        if sim.steps % 500 == 0:
            most_airborne = max(most_airborne, int(sim.world.airborne.sum()))
    wall = time.perf_counter() - start
    result = sim.results()[0]
    return {
        "scenario": resolved.scenario.name,
        "craft": sim.world.n,
        "most_airborne": most_airborne,
        "build_s": build_s,
        "steps": sim.steps,
        "wall_s": wall,
        "sim_seconds": result.sim_seconds,
        "ms_per_step": 1e3 * wall / max(sim.steps, 1),
        "real_time_factor": result.sim_seconds / wall,
        "events": len(result.log),
    }


def run_benchmarks(config: BenchConfig, console: Console | None = None) -> dict[str, Any]:
    """Measure everything `config` asks for and return it as a plain dict (what `--out` writes)."""
    resolved = config.scenario if isinstance(config.scenario, ResolvedScenario) else load_scenario(config.scenario)
    started = time.perf_counter()
    if config.check_tiling:
        check_tiling(resolved, list(range(1, min(config.warm_battles, 3) + 1)), config.combat_s)
        if console is not None:
            console.log("tiling check: a tiled batch matches the same battles warmed for real")
    steps = bench_steps(config, resolved, console)
    rss_after_steps = peak_rss_bytes()
    battles = bench_battles(config, resolved)
    quiet = bench_quiet(config)
    big = bench_big(config)
    front = bench_front(config)
    compiled = bench_compile() if config.compile_check else None
    sweep = bench_sweep(config)
    results = {
        "scenario": resolved.scenario.name,
        "craft_per_battle": steps[0].craft // steps[0].battles if steps else None,
        "config": {
            **dataclasses.asdict(dataclasses.replace(config, scenario="", front_scenario=None)),
            "scenario": str(resolved.source),
            "front_scenario": front["scenario"] if front else None,
            "sweep_scenario": None if config.sweep_scenario is None else str(config.sweep_scenario),
        },
        "tiling_checked": config.check_tiling,
        "machine": machine(),
        "steps": [dataclasses.asdict(s) for s in steps],
        "battles": [dataclasses.asdict(b) for b in battles],
        "quiet": quiet,
        "big": big,
        "front": front,
        "compile": compiled,
        "peak_rss_bytes_after_steps": rss_after_steps,
        "sweep": sweep,
        "wall_s": time.perf_counter() - started,
    }
    results["targets"] = targets(results)
    return results


def bench_sweep(config: BenchConfig) -> dict[str, Any] | None:
    """`captainred sweep SCENARIO --runs N --workers W` end to end, in a fresh process each repeat (its
    start, its workers' start, the fighting, the tables and plots written): wall seconds, and battles a
    minute from the median."""
    import subprocess
    import tempfile

    if config.sweep_scenario is None or config.sweep_runs < 1:
        return None
    seconds = []
    for _ in range(config.sweep_repeats):
        with tempfile.TemporaryDirectory() as out:
            command = [sys.executable, "-m", "captainred", "sweep", str(config.sweep_scenario)]
            command += ["--runs", str(config.sweep_runs), "--workers", str(config.sweep_workers)]
            started = time.perf_counter()
            subprocess.run([*command, "--out", out, "-q"], check=True, capture_output=True)
            seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    return {
        "scenario": Path(str(config.sweep_scenario)).stem,
        "runs": config.sweep_runs,
        "workers": config.sweep_workers,
        "seconds": seconds,
        "median_s": median,
        "battles_per_minute": 60.0 * config.sweep_runs / median,
    }


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each performance target this run measured: what it asks, the figure now, and whether it is met."""
    rows: list[dict[str, Any]] = []

    def add(what: str, now: str, met: bool) -> None:
        rows.append({"target": what, "now": now, "met": met})

    for s in results["steps"]:
        if s["craft"] >= 9_000:
            rate = s["aircraft_steps_per_s"]
            add(
                f"full step at {s['craft']:,} craft ≥ 10 M aircraft-steps/s",
                f"{rate / 1e6:.2f} M/s",
                rate >= GOAL_STEPS_PER_S,
            )
    for b in results.get("big") or []:
        add(
            f"one battle of {b['craft']:,} craft ({b['scenario']}) faster than real time",
            f"{b['real_time_factor']:.1f}× real time",
            b["real_time_factor"] >= 1.0,
        )
    alone = [b for b in results["battles"] if b["battles"] == 1]
    if alone:
        seconds = alone[0]["seconds_per_battle"]
        add(f"{results['scenario']} alone ≤ 1 s", f"{seconds:.2f} s", seconds <= GOAL_ALONE_S)
    if results.get("sweep"):
        sw = results["sweep"]
        add(
            f"≥ 600 battles a minute through `captainred sweep` ({sw['scenario']}, {sw['workers']} workers)",
            f"{sw['battles_per_minute']:.0f} a minute",
            sw["battles_per_minute"] >= GOAL_BATTLES_PER_MIN,
        )
    if len(results["steps"]) > 1:
        per_craft = [1e6 / s["aircraft_steps_per_s"] for s in results["steps"]]
        spread = max(per_craft) / min(per_craft)
        sizes = f"{results['steps'][0]['craft']:,} to {results['steps'][-1]['craft']:,}"
        alone = [s.get("one_thread_seconds_per_step") for s in results["steps"]]
        on_one = ""
        if all(a is not None for a in alone):
            one = [1e6 * a / s["craft"] for a, s in zip(alone, results["steps"], strict=True)]
            on_one = f"; on one thread {max(one) / min(one):.2f}×"
        add(
            f"cost per craft flat within 1.5× from {sizes} craft",
            f"{spread:.2f}× ({max(per_craft):.2f} / {min(per_craft):.2f} µs){on_one}",
            spread <= GOAL_FLAT,
        )
    if results["steps"] and results["steps"][-1]["craft"] >= 90_000:
        rss = results["peak_rss_bytes_after_steps"]
        per_craft_bytes = [b["world_bytes_per_craft"] for b in results.get("big") or []]
        state = f", the World's arrays {per_craft_bytes[0]:.0f} B a craft" if per_craft_bytes else ""
        add(
            "a World of 100,000 craft in ≤ 1 GB resident", f"{rss / 2**20:.0f} MiB peak{state}", rss <= GOAL_WORLD_BYTES
        )
    for scenario, c in (results.get("compile") or {}).items():
        cold = c["cold_s"]
        add(f"cold compile < 30 s (`captainred run {scenario}`)", f"{cold:.1f} s", cold < GOAL_COLD_COMPILE_S)
    return rows


def render(results: dict[str, Any], console: Console) -> None:
    m = results["machine"]
    console.print(
        f"[bold]{results['scenario']}[/] ({results['craft_per_battle']} craft a battle) on {m['cpus']} CPUs, "
        f"{m.get('numba_threads', '?')} Numba threads, Python {m['python']}, NumPy {m['numpy']}, {m['platform']}"
    )
    if "cpu_model" in m:
        console.print(f"Processor: {m['cpu_model']}")
    table = Table(title="Full step (Simulation.step), mid-battle; ms/step is the median of the repeats")
    for column in ("craft", "battles", "airborne", "steps×reps", "ms/step", "aircraft-steps/s", "1 thread ms/step"):
        table.add_column(column, justify="right", no_wrap=True)
    for s in results["steps"]:
        alone = s.get("one_thread_seconds_per_step")
        table.add_row(
            f"{s['craft']:,}",
            f"{s['battles']:,}",
            f"{s['airborne']:,}",
            f"{s['steps']}×{s['repeats']}",
            f"{s['seconds_per_step'] * 1e3:.1f}",
            f"{s['aircraft_steps_per_s']:,.0f}",
            "—" if alone is None else f"{alone * 1e3:.1f}",
        )
    console.print(table)
    if results["steps"] and results["steps"][0].get("stage_ms"):
        stages = Table(title="Where a step goes: median ms of each stage, timed stage by stage")
        stages.add_column("stage", no_wrap=True)
        for s in results["steps"]:
            stages.add_column(f"{s['craft']:,} craft", justify="right", no_wrap=True)
        for name in results["steps"][0]["stage_ms"]:
            stages.add_row(name, *(f"{s['stage_ms'][name]:.2f}" for s in results["steps"]))
        console.print(stages)
    combat = f"stepped until the swarm was committed plus {results['config']['combat_s']:g} s of combat"
    if all(s["tiled_from"] == s["battles"] for s in results["steps"]):
        console.print(f"State: each size's battles, each with a seed of its own, {combat}.")
    elif results["steps"]:
        check = "checked" if results["tiling_checked"] else "NOT checked"
        console.print(
            f"State: {results['steps'][0]['tiled_from']} battles {combat}, then tiled to each size (tiling {check} "
            "against battles warmed for real; copies cost the machine less than as many different battles)."
        )
    battles = Table(title="Whole battles (run_battles)")
    for column in ("how", "battles", "seconds total", "seconds a battle"):
        battles.add_column(column, justify="right", no_wrap=True)
    for b in results["battles"]:
        battles.add_row(b["label"], str(b["battles"]), f"{b['seconds_total']:.2f}", f"{b['seconds_per_battle']:.2f}")
    console.print(battles)
    q = results["quiet"]
    console.print(
        f"Quiet transit ({q['scenario']}, median of the seeds): {q['seconds_per_battle']:.2f} s a battle for "
        f"{q['sim_seconds'] / 3600:.1f} h of sim time in {q['steps']:,} steps "
        f"({q['sim_seconds_per_wall_second']:,.0f} sim seconds per wall second)."
    )
    if results.get("big"):
        big = Table(title="One battle of thousands (Air Command in the air near the ship), at the 0.2 s tick")
        for column in ("scenario", "craft", "airborne", "ms/step", "aircraft-steps/s", "× real time", "B/craft"):
            big.add_column(column, justify="right", no_wrap=True)
        for b in results["big"]:
            big.add_row(
                b["scenario"],
                f"{b['craft']:,}",
                f"{b['airborne']:,}",
                f"{b['seconds_per_step'] * 1e3:.1f}",
                f"{b['aircraft_steps_per_s']:,.0f}",
                f"{b['real_time_factor']:.1f}",
                f"{b['world_bytes_per_craft']:,.0f}",
            )
        console.print(big)
    if results.get("front"):
        f = results["front"]
        console.print(
            f"The front's day ({f['scenario']}, seed 1, {f['craft']:,} craft, "
            f"up to {f['most_airborne']:,} in the air): "
            f"{f['sim_seconds'] / 60:.0f} min of battle in {f['wall_s']:.0f} s ({f['steps']:,} steps, "
            f"{f['ms_per_step']:.1f} ms a step), {f['real_time_factor']:.1f}× real time; {f['events']:,} events."
        )
    console.print(
        f"Peak resident memory after the step sizes: {results['peak_rss_bytes_after_steps'] / 2**20:,.0f} MiB"
    )
    for scenario, c in (results.get("compile") or {}).items():
        console.print(
            f"captainred run {scenario}: {c['cold_s']:.1f} s with an empty compile cache "
            f"({c.get('cold_one_core_s', math.nan):.1f} s with no compile helper), {c['warm_s']:.1f} s warm"
        )
    if results.get("sweep"):
        sw = results["sweep"]
        runs = ", ".join(f"{s:.1f}" for s in sw["seconds"])
        console.print(
            f"captainred sweep {sw['scenario']} --runs {sw['runs']} --workers {sw['workers']}: {runs} s "
            f"(median {sw['median_s']:.1f} s, {sw['battles_per_minute']:.0f} battles a minute)"
        )
    if results.get("targets"):
        goals = Table(title="Targets")
        for column in ("target", "now", ""):
            goals.add_column(column)
        for t in results["targets"]:
            goals.add_row(t["target"], t["now"], "met" if t["met"] else "[bold]missed[/]")
        console.print(goals)
    console.print(f"Benchmark wall time: {results['wall_s']:.0f} s")


def render_ratios(results: dict[str, Any], anchor: dict[str, Any], console: Console) -> None:
    """Each figure beside the same figure of an anchor run (another commit, same machine, same sitting)."""
    table = Table(title=f"Against the anchor run ({anchor.get('label', 'anchor')}): new ÷ old throughput")
    for column in ("what", "anchor", "now", "speed-up"):
        table.add_column(column, justify="right", no_wrap=True)
    for new, old in zip(results["steps"], anchor["steps"], strict=False):
        table.add_row(
            f"step, {new['craft']:,} craft",
            f"{old['aircraft_steps_per_s']:,.0f}/s",
            f"{new['aircraft_steps_per_s']:,.0f}/s",
            f"{new['aircraft_steps_per_s'] / old['aircraft_steps_per_s']:.2f}×",
        )
    for new, old in zip(results["battles"], anchor["battles"], strict=False):
        table.add_row(
            f"battle, {new['label']}",
            f"{old['seconds_per_battle']:.2f} s",
            f"{new['seconds_per_battle']:.2f} s",
            f"{old['seconds_per_battle'] / new['seconds_per_battle']:.2f}×",
        )
    if results.get("sweep") and anchor.get("sweep"):
        new_s, old_s = results["sweep"], anchor["sweep"]
        table.add_row(
            f"sweep, {new_s['runs']} runs",
            f"{old_s['battles_per_minute']:.0f}/min",
            f"{new_s['battles_per_minute']:.0f}/min",
            f"{new_s['battles_per_minute'] / old_s['battles_per_minute']:.2f}×",
        )
    q_new, q_old = results["quiet"], anchor["quiet"]
    table.add_row(
        "quiet transit battle",
        f"{q_old['seconds_per_battle']:.2f} s",
        f"{q_new['seconds_per_battle']:.2f} s",
        f"{q_old['seconds_per_battle'] / q_new['seconds_per_battle']:.2f}×",
    )
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small version on the skirmish: a smoke check")
    parser.add_argument("--out", type=Path, help="also write the results here as JSON")
    parser.add_argument(
        "--anchor", type=Path, help="the JSON of an earlier run (another commit, this sitting): print ratios to it"
    )
    args = parser.parse_args(argv)
    if args.out is not None and not args.out.parent.resolve().is_dir():
        parser.error(f"--out: the folder {args.out.parent} does not exist")
    console = Console()
    results = run_benchmarks(QUICK if args.quick else FULL, console)
    render(results, console)
    if args.anchor is not None:
        render_ratios(results, json.loads(args.anchor.read_text("utf-8")), console)
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
        console.print(f"Results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
