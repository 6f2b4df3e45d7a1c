"""Calibration: search the design values a targets file may move for the point whose runs best fall inside
its bands, then report that point with its intervals, the search, and (if asked) the odds before and after
over fresh seeds.

The search is Optuna's TPE sampler, seeded, asked one trial at a time: the same targets, scenario, seed and
budget give the same trials, the same values and the same best, on any machine and with any worker count
(every trial fights the same seeds, whose battles are fixed by their seeds alone). The first trial is the
scenario's own values where they lie inside the bounds, so the search starts from what the scenario says
and reports how far it moved from there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from captainred.engine.seeds import spawn_seeds
from captainred.sweep.design import DesignSpace
from captainred.sweep.measures import Fighter
from captainred.sweep.stats import Estimate
from captainred.sweep.targets import Targets

MAX_TRIALS = 10_000
MAX_SEEDS = 10_000


@dataclass(frozen=True)
class Point:
    """A design point fought over a set of seeds: its values, the objective, each target's estimate, and
    each run's value of each target's quantity (for the distributions)."""

    number: int  # the trial's number; -1 for the scenario as it is, fought apart from the search
    values: dict[str, float | int]
    objective: float
    estimates: tuple[Estimate, ...]
    runs: dict[str, list[float | None]]

    def as_dict(self, targets: Targets) -> dict[str, Any]:
        return {
            "trial": self.number,
            "values": self.values,
            "objective": self.objective,
            "targets": [
                {
                    "label": t.label,
                    "quantity": t.quantity,
                    "statistic": t.statistic,
                    "condition": t.condition,
                    "band": list(t.band),
                    "estimate": e.as_dict(),
                    "inside": e.value is not None and t.band[0] <= e.value <= t.band[1],
                }
                for t, e in zip(targets.targets, self.estimates, strict=True)
            ],
        }


@dataclass(frozen=True)
class Calibration:
    """A finished search: every trial, the best, the scenario as it was, and the check over fresh seeds."""

    scenario: str
    seed: int
    seeds: tuple[int, ...]
    space: DesignSpace
    targets: Targets
    trials: tuple[Point, ...]
    baseline: Point
    check: tuple[Point, Point] | None  # (before, after) over fresh seeds, when asked for

    @property
    def best(self) -> Point:
        return min(self.trials, key=lambda p: (p.objective, p.number))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "targets_file": self.targets.source,
            "seed": self.seed,
            "seeds": list(self.seeds),
            "trials": len(self.trials),
            "design": [
                {
                    "path": r.name,
                    "low": r.low,
                    "high": r.high,
                    "integral": r.integral,
                    "was": self.space.base_values[r.name],
                }
                for r in self.space.ranges
            ],
            "baseline": self.baseline.as_dict(self.targets),
            "best": self.best.as_dict(self.targets),
        }
        if self.check is not None:
            before, after = self.check
            out["check"] = {
                "runs": len(next(iter(before.runs.values()), [])),
                "before": before.as_dict(self.targets) | {"runs": before.runs},
                "after": after.as_dict(self.targets) | {"runs": after.runs},
            }
        return out


def calibrate(
    space: DesignSpace,
    targets: Targets,
    *,
    trials: int,
    seeds: int,
    seed: int,
    fighter: Fighter,
    check_seeds: int = 0,
    on_runs: Callable[[int], None] | None = None,
) -> Calibration:
    """Search `trials` points, each fought over the same `seeds` battles spawned from `seed`."""
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)
    targets.check_measurable(space.base)
    run_seeds = tuple(spawn_seeds(seed, seeds + check_seeds))
    search_seeds, fresh_seeds = run_seeds[:seeds], run_seeds[seeds:]
    distributions: dict[str, optuna.distributions.BaseDistribution] = {
        r.name: optuna.distributions.IntDistribution(round(r.low), round(r.high))
        if r.integral
        else optuna.distributions.FloatDistribution(r.low, r.high)
        for r in space.ranges
    }
    # The search never starts from the scenario's own values: its trials depend only on the seed, the
    # bounds and the targets, so a scenario that took the best values finds the same best values again.
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    points = []
    for _ in range(trials):
        trial = study.ask(distributions)
        values = {r.name: r.clip(trial.params[r.name]) for r in space.ranges}
        point = _fight_point(trial.number, values, space, targets, search_seeds, fighter, on_runs)
        study.tell(trial, point.objective)
        points.append(point)
    baseline = _fight_point(-1, {}, space, targets, search_seeds, fighter, on_runs)
    best = min(points, key=lambda p: (p.objective, p.number))
    check = None
    if check_seeds:
        before = _fight_point(-1, {}, space, targets, fresh_seeds, fighter, on_runs)
        after = _fight_point(best.number, best.values, space, targets, fresh_seeds, fighter, on_runs)
        check = (before, after)
    return Calibration(
        scenario=space.base.scenario.name,
        seed=seed,
        seeds=search_seeds,
        space=space,
        targets=targets,
        trials=tuple(points),
        baseline=baseline,
        check=check,
    )


def _fight_point(
    number: int,
    values: dict[str, float | int],
    space: DesignSpace,
    targets: Targets,
    seeds: Sequence[int],
    fighter: Fighter,
    on_runs: Callable[[int], None] | None,
) -> Point:
    scenario = space.scenario_at(values) if values else space.base
    rows = fighter.fight([scenario], seeds, on_runs)[0]
    objective, estimates = targets.miss(rows)
    quantities = dict.fromkeys(t.quantity for t in targets.targets)
    runs = {q: [None if row.get(q) is None else float(row[q]) for row in rows] for q in quantities}
    return Point(number, values, objective, tuple(estimates), runs)
