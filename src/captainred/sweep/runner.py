"""A sweep from start to table: find what is done, cut what is not into chunks, fight them on a backend,
store each as it lands, and gather the table at the end."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from captainred.sweep.backends import Backend, Chunk
from captainred.sweep.errors import SweepError
from captainred.sweep.grid import SweepPlan
from captainred.sweep.metrics import param_type, param_value, schema
from captainred.sweep.store import SweepFolder

MAX_BATCH = 64  # battles a World: past this a batch gains little (benchmarks/README.md) and a Ctrl-C loses more


def table_schema(plan: SweepPlan) -> pa.Schema:
    """The sweep's columns: the runs', one per varied field, one per callsign that flies in any cell."""
    params = [(v.name, param_type(v.values)) for v in plan.varies]
    callsigns: dict[str, None] = {}
    for cell in plan.cells:
        for crew in cell.scenario.crews:
            callsigns.update(dict.fromkeys(p.callsign for p in crew))
    return schema(params, callsigns)


def plan_chunks(plan: SweepPlan, done: set[tuple[int, int]], batch: int) -> list[Chunk]:
    """The runs still to fight, as chunks of consecutive runs of one cell, the cells taken in turn so that
    a sweep stopped early has something in every cell."""
    per_cell: list[list[Chunk]] = []
    for cell in plan.cells:
        todo = [run for run in range(plan.runs) if (cell.index, run) not in done]
        chunks: list[Chunk] = []
        for run in todo:
            last = chunks[-1] if chunks else None
            if last is not None and last.first_run + len(last.seeds) == run and len(last.seeds) < batch:
                chunks[-1] = Chunk(cell.index, last.first_run, (*last.seeds, plan.seeds[run]))
            else:
                chunks.append(Chunk(cell.index, run, (plan.seeds[run],)))
        per_cell.append(chunks)
    out: list[Chunk] = []
    for turn in range(max((len(c) for c in per_cell), default=0)):
        out.extend(chunks[turn] for chunks in per_cell if turn < len(chunks))
    return out


def auto_batch(runs_to_fight: int, workers: int, *, alike: bool = True) -> int:
    """Battles a World when the user does not say: as many as keep every worker busy to the end.

    Chunks of one cell (`alike`) cost about the same: one a worker, since every chunk ends with a tail of
    a few battles still flying, fought at the cost of a step with little in it (benchmarks/README.md).
    Chunks of several cells may differ in cost: two a worker, so that the cells are dealt out in turn and
    the workers still finish together. (The progress bar moves battle by battle either way.)"""
    per_worker = 1 if alike else 2
    return max(1, min(MAX_BATCH, math.ceil(runs_to_fight / (per_worker * workers))))


@dataclass
class Sweep:
    """One sweep in its folder: `start`, then `fight`, then `gather`."""

    plan: SweepPlan
    folder: SweepFolder
    schema: pa.Schema = field(init=False)
    done: set[tuple[int, int]] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.schema = table_schema(self.plan)

    def start(self, *, resume: bool) -> int:
        """Make the folder ready; the number of runs already done (by the sweep being resumed)."""
        self.done = self.folder.start(self.plan.fingerprint(), self.schema, resume=resume)
        return len(self.done)

    def fight(self, backend: Backend, batch: int | None = None, on_runs: Callable[[int], None] | None = None) -> int:
        """Fight every run not yet done, storing each chunk as it lands; the number of runs fought.
        `on_runs`, if given, is told of runs as their battles end (or, on Ray, as their chunk lands): once
        for each run, in all.

        The backend is closed on the way out, however that happens (Ctrl-C included): what was stored stays.
        """
        todo = self.plan.total_runs - len(self.done)
        alike = len(self.plan.cells) == 1
        chunks = plan_chunks(self.plan, self.done, batch or auto_batch(todo, backend.workers, alike=alike))
        kinds = {v.name: param_type(v.values) for v in self.plan.varies}
        scenarios = [cell.scenario for cell in self.plan.cells]
        fought = 0
        counted: dict[tuple[int, int], int] = {}  # a chunk's battles already counted as they ended
        landed: set[tuple[int, int]] = set()

        def battles_ended(chunk: Chunk, ended: int) -> None:
            key, before = (chunk.cell, chunk.first_run), counted.get((chunk.cell, chunk.first_run), 0)
            if on_runs is not None and key not in landed and ended > before:
                counted[key] = ended
                on_runs(ended - before)

        try:
            for chunk, rows in backend.fight(scenarios, chunks, battles_ended if on_runs is not None else None):
                params = {name: param_value(value, kinds[name]) for name, value in self.plan.cells[chunk.cell].params}
                stored = [row | params for row in rows]
                self.folder.store(stored, self.schema)
                self.done.update((chunk.cell, row["run"]) for row in rows)
                fought += len(rows)
                key = (chunk.cell, chunk.first_run)
                landed.add(key)
                if on_runs is not None and len(rows) > counted.get(key, 0):
                    on_runs(len(rows) - counted.get(key, 0))
        finally:
            backend.close()
        return fought

    def gather(self) -> pa.Table:
        """The whole table, once every run is in and checked (each file against its checksum, then each
        cell's runs, each with its own seed); only then written, and only then are its parts removed."""
        table, parts = self.folder.collect(self.schema)
        expected = {(cell.index, run) for cell in self.plan.cells for run in range(self.plan.runs)}
        got = set(zip(table["cell"].to_pylist(), table["run"].to_pylist(), strict=True))
        if got != expected:
            missing, extra = len(expected - got), len(got - expected)
            what = f"{missing} runs are missing from" if missing else f"{extra} runs not in this sweep are in"
            raise SweepError(f"{self.folder.path}: {what} the stored parts; --resume fights what is missing")
        seeds: list[Any] = table["seed"].to_pylist()
        runs: list[Any] = table["run"].to_pylist()
        if any(seed != self.plan.seeds[run] for seed, run in zip(seeds, runs, strict=True)):
            raise SweepError(f"{self.folder.path}: a stored run has another seed than this sweep gives it")
        self.folder.write_runs(table, parts)
        return table
