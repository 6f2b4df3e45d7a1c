"""What a calibration or a sensitivity analysis can measure in a run, and the fighting that measures it.

A quantity is a number (or a yes/no) read from one run: a column of the sweep's row (`metrics.run_row`,
itself read from the battle's summary) or one of the few derived here from the event log, such as the LGFs
that crashed rather than being shot down (the story's "crash copying a pull-out"). Both kinds of search
fight many design points over the same seeds (common random numbers): the points are cut into chunks of
consecutive seeds and fought by the batch engine in one World each, in this process or in a pool of worker
processes kept for the whole search. A chunk's rows depend only on its scenario and its seeds, so the
worker count never changes a result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from captainred.scenario.model import ResolvedScenario
from captainred.sweep.backends import BackendError, Chunk, Rows, worker_pool
from captainred.sweep.runner import auto_batch


@dataclass(frozen=True)
class Quantity:
    """A measurable quantity of a run: its name in targets and tables, what it means, and whether it is
    a yes/no (a probability is then its share of runs; a condition is not needed)."""

    name: str
    label: str
    flag: bool = False
    needs: str | None = None  # what a scenario must hold for a run to measure it (None: every run can)


QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity("air_command_lost", "Air Command lost"),
        Quantity("air_command_returned", "Air Command home"),
        Quantity("air_command_kills", "LGFs credited to Air Command"),
        Quantity("lgf_lost", "LGFs lost"),
        Quantity("lgf_crashed", "LGFs crashed (not shot down)"),
        Quantity("pilots_home", "pilots home"),
        Quantity("pilots_lost", "pilots lost (killed, missing, captured)"),
        Quantity("pilots_killed", "pilots killed"),
        Quantity("pilots_missing", "pilots missing"),
        Quantity("pilots_captured", "pilots captured"),
        Quantity("pilots_wounded", "pilots wounded"),
        Quantity("all_home", "every pilot home", flag=True),
        Quantity("photos_taken", "photos taken"),
        Quantity("photos_returned", "photos home"),
        Quantity("fuel_at_landing_mean_kg", "fuel at landing, kg (mean of those home)"),
        Quantity("fuel_at_landing_min_kg", "fuel at landing, kg (least of those home)"),
        Quantity("sim_seconds", "battle length, s"),
        Quantity("raid_killed", "raid: killed", needs="raid"),
        Quantity("raid_wounded", "raid: wounded", needs="raid"),
        Quantity("raid_minutes", "raid: minutes", needs="raid"),
        Quantity("raid_secret_kept", "raid: secret kept", flag=True, needs="raid"),
        Quantity("front_held", "front: held the day", flag=True, needs="front"),
        Quantity("front_strength_left", "front: strength left (share)", needs="front"),
        Quantity("front_positions_lost", "front: positions lost", needs="front"),
        Quantity("front_lgfs_down_by_batteries", "front: LGFs down by batteries", needs="front"),
        Quantity("front_lgfs_down_by_fighters", "front: LGFs down by fighters", needs="front"),
        Quantity("front_relaunches", "front: relays flown", needs="front"),
    )
}

# What a sensitivity analysis explains unless told otherwise: the three outcomes.
HEADLINE = ("air_command_lost", "photos_returned", "pilots_home")


def measurable_in(quantity: Quantity, scenario: ResolvedScenario) -> bool:
    """Whether a run of this scenario can measure the quantity at all."""
    parts = {"raid": scenario.scenario.raid, "front": scenario.scenario.front}
    return quantity.needs is None or parts[quantity.needs] is not None


def fight_measured(scenario: ResolvedScenario, chunk: Chunk) -> Rows:
    """A chunk's battles in one World, each as its sweep row plus the quantities derived here."""
    from captainred.engine.events import EventKind
    from captainred.fight import fight
    from captainred.report.sorties import read_sorties
    from captainred.scenario.sides import LGF
    from captainred.sweep.metrics import run_row

    rows = []
    for i, fought in enumerate(fight(scenario, chunk.seeds)):
        row = run_row(chunk.cell, chunk.first_run + i, fought.summary)
        sorties = read_sorties(fought.log).values()
        row["lgf_crashed"] = sum(s.side == LGF and s.ending.kind is EventKind.CRASH for s in sorties)
        rows.append(row)
    return rows


def value_of(row: dict[str, Any], quantity: str) -> float | None:
    """A quantity's value in one row (a yes/no as 1 or 0; None where the run did not measure it)."""
    value = row.get(quantity)
    return None if value is None else float(value)


class Fighter:
    """Fights design points over the same seeds: in this process (one worker) or in a pool of worker
    processes started once and kept until `close` (a search fights point after point; starting a pool for
    each would cost more than many of its battles)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def fight(
        self,
        scenarios: Sequence[ResolvedScenario],
        seeds: Sequence[int],
        on_runs: Callable[[int], None] | None = None,
    ) -> list[Rows]:
        """Every scenario fought over every seed: one list of rows per scenario, in seed order."""
        batch = min(auto_batch(len(seeds) * len(scenarios), self.workers, alike=len(scenarios) == 1), len(seeds))
        chunks = [
            Chunk(cell, first, tuple(seeds[first : first + batch]))
            for cell in range(len(scenarios))
            for first in range(0, len(seeds), batch)
        ]
        out: list[Rows] = [[] for _ in scenarios]
        for chunk, rows in self._fight_chunks(scenarios, chunks):
            out[chunk.cell].extend(rows)
            if on_runs is not None:
                on_runs(len(rows))
        for rows in out:
            rows.sort(key=lambda row: row["run"])
        return out

    def _fight_chunks(self, scenarios: Sequence[ResolvedScenario], chunks: Sequence[Chunk]) -> Any:
        if self.workers == 1:
            for chunk in chunks:
                yield chunk, fight_measured(scenarios[chunk.cell], chunk)
            return
        if self._pool is None:
            self._pool = worker_pool(self.workers)
        futures = [(chunk, self._pool.submit(fight_measured, scenarios[chunk.cell], chunk)) for chunk in chunks]
        try:
            for chunk, future in futures:
                yield chunk, future.result()
        except BrokenProcessPool:
            raise BackendError("a worker process died (killed, or out of memory?)") from None

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Fighter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
