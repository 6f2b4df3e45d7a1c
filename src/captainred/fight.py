"""Fighting a scenario, as everything downstream of the engine does it: run the battles, summarise each
from its event log, and check the summary (its model's validators), in one place.

The CLI (`captainred run`), the campaign and the sweep's workers all fight through `fight`, so a battle
they report is a battle fought, summarised and checked the same way whoever asked for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from captainred.engine.events import EventLog
from captainred.report.summary import Summary, summarize
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import Simulation, run_battles


@dataclass(frozen=True)
class Fought:
    """One battle fought: its seed, its event log (the one source of truth) and its checked summary."""

    seed: int
    log: EventLog
    summary: Summary


def fight(
    resolved: ResolvedScenario, seeds: Sequence[int], observe: Callable[[Simulation], None] | None = None
) -> list[Fought]:
    """Fight one battle per seed, all in one World, and return each, summarised and checked, in seed order.

    `observe`, if given, sees the simulation before the first step and after every step (a replay
    recorder); it may read the World but must not change it.
    """
    name = resolved.scenario.name
    return [
        Fought(result.seed, result.log, summarize(result.log, scenario=name, seed=result.seed))
        for result in run_battles(resolved, seeds, observe)
    ]
