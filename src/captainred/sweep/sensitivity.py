"""Global sensitivity: which design values drive the outcome (Air Command's losses, photos home, pilots
home), by SALib's Sobol' indices or Morris screening, each with its 95% interval.

The design values are sampled over their bounds by SALib (seeded, so the points are the same every time);
every point is the scenario with those values, fought over the same seeds (common random numbers, so the
dice cancel between points and what is left is the design values' doing), and each quantity is its mean
over those seeds. Sobol' needs a power of two of base samples and fights N × (D + 2) points; Morris fights
N × (D + 1), fewer, and ranks rather than apportions: use it first when there are many values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from captainred.engine.seeds import spawn_seeds
from captainred.sweep.design import DesignSpace
from captainred.sweep.measures import HEADLINE, QUANTITIES, Fighter, value_of

METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4
RESAMPLES = 200  # bootstrap resamples behind each interval
MAX_POINTS = 100_000


@dataclass(frozen=True)
class Index:
    """One index of one design value for one quantity, with its 95% interval (half-width `conf`)."""

    value: float
    conf: float

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.value - self.conf, "high": self.value + self.conf, "conf": self.conf}


@dataclass(frozen=True)
class Sensitivity:
    """A finished analysis: the points fought, each quantity's mean at each point, and the indices."""

    scenario: str
    method: str
    samples: int
    seed: int
    seeds: tuple[int, ...]
    space: DesignSpace
    quantities: tuple[str, ...]
    points: tuple[dict[str, float | int], ...]
    outputs: dict[str, list[float]]
    # quantity -> design value -> index name -> Index. Sobol: first (S1), total (ST); Morris: mu_star, sigma.
    indices: dict[str, dict[str, dict[str, Index]]] = field(default_factory=dict)
    constant: tuple[str, ...] = ()  # quantities that did not change at any point (no index to give)

    @property
    def main_index(self) -> str:
        """The index that ranks the design values: Sobol's total effect, Morris's mean absolute effect."""
        return "total" if self.method == "sobol" else "mu_star"

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "method": self.method,
            "samples": self.samples,
            "seed": self.seed,
            "seeds": list(self.seeds),
            "design": [
                {"path": r.name, "low": r.low, "high": r.high, "integral": r.integral} for r in self.space.ranges
            ],
            "quantities": {q: QUANTITIES[q].label for q in self.quantities},
            "constant": list(self.constant),
            "indices": {
                q: {name: {k: index.as_dict() for k, index in by.items()} for name, by in per.items()}
                for q, per in self.indices.items()
            },
            "points": [
                {"values": p, **{q: self.outputs[q][i] for q in self.quantities}} for i, p in enumerate(self.points)
            ],
        }


def points_needed(method: str, samples: int, design_values: int) -> int:
    """How many design points an analysis fights (each over every seed)."""
    return samples * (design_values + (2 if method == "sobol" else 1))


def check_samples(method: str, samples: int) -> str | None:
    """What is wrong with a sample count for a method, or None."""
    if method not in METHODS:
        return f"unknown method '{method}' (known: {', '.join(METHODS)})"
    if samples < 2:
        return f"must be at least 2, got {samples}"
    if method == "sobol" and samples & (samples - 1):
        return f"Sobol' sampling needs a power of two, got {samples} (try {1 << math.ceil(math.log2(samples))})"
    return None


def analyse(
    space: DesignSpace,
    *,
    method: str,
    samples: int,
    seeds: int,
    seed: int,
    fighter: Fighter,
    quantities: Sequence[str] = HEADLINE,
    on_runs: Callable[[int], None] | None = None,
) -> Sensitivity:
    """Sample the design values, fight every point over the same seeds, and estimate the indices."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    problem = {
        "num_vars": len(space.ranges),
        "names": list(space.names),
        "bounds": [[r.low, r.high if r.high > r.low else r.low + 1e-12] for r in space.ranges],
    }
    if method == "sobol":
        x = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        x = morris_sample.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    points = tuple({r.name: r.clip(float(v)) for r, v in zip(space.ranges, row, strict=True)} for row in x)
    scenarios = [space.scenario_at(p) for p in points]
    battle_seeds = tuple(spawn_seeds(seed, seeds))
    rows = fighter.fight(scenarios, battle_seeds, on_runs)
    outputs: dict[str, list[float]] = {}
    for q in quantities:
        means = []
        for point_rows in rows:
            values = [v for row in point_rows if (v := value_of(row, q)) is not None]
            means.append(float(np.mean(values)) if values else math.nan)
        outputs[q] = means
    indices: dict[str, dict[str, dict[str, Index]]] = {}
    constant = []
    for q in quantities:
        y = np.asarray(outputs[q], dtype=float)
        if not np.all(np.isfinite(y)) or float(np.ptp(y)) == 0.0:
            constant.append(q)
            continue
        if method == "sobol":
            si = sobol_analyze.analyze(
                problem, y, calc_second_order=False, num_resamples=RESAMPLES, conf_level=0.95, seed=seed
            )
            indices[q] = {
                name: {
                    "first": Index(float(si["S1"][k]), float(si["S1_conf"][k])),
                    "total": Index(float(si["ST"][k]), float(si["ST_conf"][k])),
                }
                for k, name in enumerate(space.names)
            }
        else:
            si = morris_analyze.analyze(
                problem, x, y, num_resamples=RESAMPLES, conf_level=0.95, num_levels=MORRIS_LEVELS, seed=seed
            )
            indices[q] = {
                name: {
                    "mu_star": Index(float(si["mu_star"][k]), float(si["mu_star_conf"][k])),
                    "sigma": Index(float(si["sigma"][k]), 0.0),
                }
                for k, name in enumerate(space.names)
            }
    return Sensitivity(
        scenario=space.base.scenario.name,
        method=method,
        samples=samples,
        seed=seed,
        seeds=battle_seeds,
        space=space,
        quantities=tuple(quantities),
        points=points,
        outputs=outputs,
        indices=indices,
        constant=tuple(constant),
    )
