"""How fast a sweep fights: battles per minute of `manhattan-recon` on the local backend, the scaling from one
worker to two, and what the batch size (battles a World) is worth.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_sweep.py             # the full run, about 8 minutes on 2 cores
    .venv/bin/python benchmarks/bench_sweep.py --quick     # a smoke check on the small skirmish, seconds
    .venv/bin/python benchmarks/bench_sweep.py --out sweep-bench.json

Every number goes through the real sweep: the plan, the backend, the part files and the gathered table, so
what is timed is what `captainred sweep` does (less the plots). The tables of the one-worker and two-worker
sweeps must be identical, run for run; the script stops rather than report numbers if they are not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from captainred.sweep import Sweep, SweepFolder, open_backend, plan_sweep
from captainred.sweep.backends import InProcess

SKIRMISH = Path(__file__).resolve().parent.parent / "tests" / "scenarios" / "skirmish.toml"


@dataclass(frozen=True)
class BenchConfig:
    scenario: str = "manhattan-recon"
    runs: int = 128  # battles a sweep, for each worker count
    batch: int = 64  # battles a World in the worker-count sweeps
    workers: tuple[int, ...] = (1, 2)
    batches: tuple[int, ...] = (1, 8, 16, 32, 64)  # the batch-size table: one World of each, in this process
    seed: int = 7


FULL = BenchConfig()
QUICK = BenchConfig(scenario=str(SKIRMISH), runs=8, batch=4, batches=(1, 4))


def timed_sweep(config: BenchConfig, workers: int, folder: Path) -> tuple[float, Any]:
    """Wall seconds to fight and gather the sweep with `workers` workers, and its table."""
    plan = plan_sweep(config.scenario, runs=config.runs, seed=config.seed)
    job = Sweep(plan, SweepFolder(folder))
    job.start(resume=False)
    start = time.perf_counter()
    job.fight(open_backend("local", workers=workers, address=None), config.batch)
    table = job.gather()
    return time.perf_counter() - start, table


def timed_batch(config: BenchConfig, batch: int) -> float:
    """Wall seconds a battle in one World of `batch` battles, in this process (the median over a second
    World when the first is a single battle, whose time varies most from seed to seed)."""
    plan = plan_sweep(config.scenario, runs=batch if batch > 1 else 3, seed=config.seed)
    with tempfile.TemporaryDirectory() as tmp:
        job = Sweep(plan, SweepFolder(Path(tmp) / "s"))
        job.start(resume=False)
        times: list[float] = []

        def lap(n: int) -> None:
            times.append(time.perf_counter())

        start = time.perf_counter()
        job.fight(InProcess(), batch, lap)
    if batch == 1:
        laps = [b - a for a, b in zip([start, *times[:-1]], times, strict=True)]
        return statistics.median(laps)
    return (times[-1] - start) / batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke check on the small skirmish")
    parser.add_argument("--out", type=Path, help="also write every number as JSON here")
    args = parser.parse_args()
    config = QUICK if args.quick else FULL
    console = Console()
    console.print(
        f"{config.scenario}: {config.runs} battles a sweep, batches of {config.batch}; {os.cpu_count()} cores"
    )

    per_workers: dict[int, float] = {}
    tables = {}
    for workers in config.workers:
        with tempfile.TemporaryDirectory() as tmp:
            seconds, tables[workers] = timed_sweep(config, workers, Path(tmp) / "sweep")
        per_workers[workers] = seconds
        console.print(f"  {workers} worker(s): {seconds:.1f} s")
    first = tables[config.workers[0]]
    for workers, table in tables.items():
        if not table.equals(first):
            console.print(f"[red]the table with {workers} workers differs from {config.workers[0]}'s: not reporting")
            sys.exit(1)
    console.print(f"  tables identical across {', '.join(map(str, config.workers))} workers: yes")

    per_batch = {batch: timed_batch(config, batch) for batch in config.batches}

    table = Table(title="Sweep throughput (local backend)")
    for column in ("workers", "battles", "seconds", "battles/min", "scaling"):
        table.add_column(column, justify="right")
    base = config.runs / per_workers[config.workers[0]]
    for workers, seconds in per_workers.items():
        rate = config.runs / seconds
        table.add_row(str(workers), str(config.runs), f"{seconds:.1f}", f"{60 * rate:.1f}", f"{rate / base:.2f}×")
    console.print(table)
    batches = Table(title="Batch size (one worker, in this process)")
    for column in ("battles a World", "seconds a battle", "battles/min", "vs alone"):
        batches.add_column(column, justify="right")
    alone = per_batch.get(1)
    for batch, seconds in per_batch.items():
        ratio = f"{alone / seconds:.2f}×" if alone else "—"
        batches.add_row(str(batch), f"{seconds:.2f}", f"{60 / seconds:.1f}", ratio)
    console.print(batches)

    if args.out:
        record = {
            "config": asdict(config),
            "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "sweep_seconds_by_workers": per_workers,
            "battle_seconds_by_batch": per_batch,
        }
        args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
