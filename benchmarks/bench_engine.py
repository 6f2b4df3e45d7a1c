"""How fast the engine steps: aircraft-steps per second at 1k, 10k and 100k craft, and seconds per battle.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_engine.py            # the full run, a few minutes
    .venv/bin/python benchmarks/bench_engine.py --quick    # a smoke check on the small skirmish, seconds
    .venv/bin/python benchmarks/bench_engine.py --out results.json

Step throughput is measured mid-battle, with the swarm out and fighting: a few battles of the scenario are
stepped until the swarm has been committed and `combat_s` more seconds have passed ("warming"), then that
warmed state is tiled into as many battles as the size needs. Tiling is sound because a batch is just a
bigger world: a battle steps the same alone or beside others (DESIGN.md), so k warmed battles copied r times
are exactly the state that k*r battles with those seeds would reach. The script checks this on a small
batch before it trusts it (the "tiling check" line) and refuses to report numbers if it fails.
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

SKIRMISH = Path(__file__).resolve().parent.parent / "tests" / "scenarios" / "skirmish.toml"


@dataclass(frozen=True)
class BenchConfig:
    """What to measure. `FULL` is the run the README's table reports; `QUICK` is the smoke check."""

    scenario: str | Path | ResolvedScenario = "manhattan-recon"  # a built-in name, a TOML path, or loaded
    craft: tuple[int, ...] = (1_000, 10_000, 100_000)
    warm_battles: int = 9  # battles warmed for real; every size is tiled from these
    combat_s: float = 60.0  # sim seconds of fighting after the swarm is committed
    steps: tuple[int, ...] = (50, 20, 5)  # steps timed per repeat, per size (the last repeats for bigger sizes)
    repeats: int = 5
    battle_seeds: tuple[int, ...] = (1, 2, 3)  # each fought alone; the median is reported
    batch: int = 8  # battles fought together in one World; total / batch is reported
    check_tiling: bool = True
    quiet_scenario: str = "fifty-mile-circuit"  # hours of quiet transit: what a battle costs with no enemy
    quiet_seeds: tuple[int, ...] = (1, 2, 3)


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
)


@dataclass(frozen=True)
class StepResult:
    craft: int
    battles: int
    tiled_from: int  # battles warmed for real
    steps: int  # steps per repeat
    repeats: int
    seconds_per_step: float  # median over repeats
    aircraft_steps_per_s: float
    airborne: int  # craft in the air when timing began


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


def bench_steps(config: BenchConfig, resolved: ResolvedScenario, progress: Console | None = None) -> list[StepResult]:
    warmed = warm(resolved, list(range(1, config.warm_battles + 1)), config.combat_s).world
    per_battle = warmed.n // warmed.n_battles
    results = []
    for i, target in enumerate(config.craft):
        reps = max(1, round(target / (per_battle * warmed.n_battles)))
        sim = Simulation(tile(warmed, resolved, reps))
        steps = config.steps[min(i, len(config.steps) - 1)]
        airborne = int(sim.world.airborne.sum())
        sim.step()  # one untimed step: first-touch of the fresh arrays
        median = statistics.median(time_steps(sim, steps, config.repeats))
        result = StepResult(
            craft=sim.world.n,
            battles=sim.world.n_battles,
            tiled_from=warmed.n_battles,
            steps=steps,
            repeats=config.repeats,
            seconds_per_step=median,
            aircraft_steps_per_s=sim.world.n / median,
            airborne=airborne,
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


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
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
    battles = bench_battles(config, resolved)
    quiet = bench_quiet(config)
    return {
        "scenario": resolved.scenario.name,
        "craft_per_battle": steps[0].craft // steps[0].battles if steps else None,
        "config": {**dataclasses.asdict(dataclasses.replace(config, scenario="")), "scenario": str(resolved.source)},
        "tiling_checked": config.check_tiling,
        "machine": machine(),
        "steps": [dataclasses.asdict(s) for s in steps],
        "battles": [dataclasses.asdict(b) for b in battles],
        "quiet": quiet,
        "wall_s": time.perf_counter() - started,
    }


def render(results: dict[str, Any], console: Console) -> None:
    m = results["machine"]
    console.print(
        f"[bold]{results['scenario']}[/] ({results['craft_per_battle']} craft a battle) on {m['cpus']} CPUs, "
        f"Python {m['python']}, NumPy {m['numpy']}, {m['platform']}"
    )
    table = Table(title="Full step (Simulation.step), mid-battle; ms/step is the median of the repeats")
    for column in ("craft", "battles", "airborne", "steps×reps", "ms/step", "aircraft-steps/s"):
        table.add_column(column, justify="right", no_wrap=True)
    for s in results["steps"]:
        table.add_row(
            f"{s['craft']:,}",
            f"{s['battles']:,}",
            f"{s['airborne']:,}",
            f"{s['steps']}×{s['repeats']}",
            f"{s['seconds_per_step'] * 1e3:.1f}",
            f"{s['aircraft_steps_per_s']:,.0f}",
        )
    console.print(table)
    warmed = results["steps"][0]["tiled_from"] if results["steps"] else 0
    check = "checked" if results["tiling_checked"] else "NOT checked"
    console.print(
        f"State: {warmed} battles stepped until the swarm was committed plus {results['config']['combat_s']:g} s "
        f"of combat, then tiled to each size (tiling {check} against battles warmed for real)."
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
    console.print(f"Benchmark wall time: {results['wall_s']:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small version on the skirmish: a smoke check")
    parser.add_argument("--out", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    if args.out is not None and not args.out.parent.resolve().is_dir():
        parser.error(f"--out: the folder {args.out.parent} does not exist")
    console = Console()
    results = run_benchmarks(QUICK if args.quick else FULL, console)
    render(results, console)
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
        console.print(f"Results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
