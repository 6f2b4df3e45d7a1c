"""What a sweep's runs add up to, cell by cell, with 95% confidence intervals.

Outcome probabilities (every pilot home, a pilot lost, …) get Wilson score intervals, which stay inside
[0, 1] and behave at 0 and n successes, where the textbook normal interval collapses to a point. Means
(losses, photos, fuel at landing) get Student's t intervals. The summary is computed from the results
table alone, so a resumed sweep and an uninterrupted one summarise identically.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

Z95 = 1.959963984540054
# Two-sided 95% quantiles of Student's t for 1 to 30 degrees of freedom; the normal's beyond.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip

# (column, label) of the outcomes whose probability is estimated, and of the quantities whose mean is.
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("all_home", "every pilot home"),
    ("any_pilot_lost", "a pilot lost"),
    ("net_held", "the net held"),
    ("captive_rescued", "captive rescued"),
    ("raid_secret_kept", "secret kept"),
    ("front_held", "the front held"),
)
MEANS: tuple[tuple[str, str], ...] = (
    ("air_command_lost", "Air Command lost"),
    ("lgf_lost", "LGFs lost"),
    ("pilots_home", "pilots home"),
    ("photos_returned", "photos home"),
    ("fuel_at_landing_mean_kg", "fuel at landing, kg"),
    ("raid_killed", "raid: killed"),
    ("raid_minutes", "raid: minutes"),
    ("front_strength_left", "front: strength left"),
    ("front_positions_lost", "front: positions lost"),
    ("front_lgfs_down_by_batteries", "front: LGFs down by batteries"),
    ("front_lgfs_down_by_fighters", "front: LGFs down by fighters"),
)


@dataclass(frozen=True)
class Estimate:
    """A value with its 95% interval, over `n` runs (n = 0: nothing to estimate)."""

    value: float | None
    low: float | None
    high: float | None
    n: int

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high, "n": self.n}


def wilson(successes: int, n: int, z: float = Z95) -> Estimate:
    """The share of successes with its Wilson score interval."""
    if n == 0:
        return Estimate(None, None, None, 0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # The interval holds p exactly; clamp so rounding never puts p outside it (0 of n: low is 0).
    return Estimate(p, min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half)), n)


def mean_interval(values: Sequence[float]) -> Estimate:
    """The mean with its Student's t interval (a single value: the interval is the value itself)."""
    n = len(values)
    if n == 0:
        return Estimate(None, None, None, 0)
    mean = statistics.fmean(values)
    if n == 1:
        return Estimate(mean, mean, mean, 1)
    t = _T95[n - 2] if n - 1 <= len(_T95) else Z95
    half = t * statistics.stdev(values) / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n)


def summarize_cells(table: pa.Table, params: Sequence[str]) -> list[dict[str, Any]]:
    """One record per cell: its parameters, its run count, each outcome's probability and each mean."""
    columns = table.to_pydict()
    by_cell: dict[int, list[int]] = {}
    for i, cell in enumerate(columns["cell"]):
        by_cell.setdefault(cell, []).append(i)
    out = []
    for cell, rows in sorted(by_cell.items()):
        record: dict[str, Any] = {
            "cell": cell,
            "params": {name: columns[name][rows[0]] for name in params},
            "runs": len(rows),
            "outcomes": {},
            "means": {},
        }
        for column, _label in OUTCOMES:
            flags = _outcome(columns, column, rows)
            if flags:
                record["outcomes"][column] = wilson(sum(flags), len(flags)).as_dict()
        for column, _label in MEANS:
            values = [float(columns[column][i]) for i in rows if columns[column][i] is not None]
            record["means"][column] = mean_interval(values).as_dict()
        out.append(record)
    return out


def _outcome(columns: dict[str, list[Any]], column: str, rows: list[int]) -> list[bool]:
    if column == "any_pilot_lost":
        return [columns["pilots_lost"][i] > 0 for i in rows]
    if column == "captive_rescued":
        return [columns["raid_captive"][i] == "rescued" for i in rows if columns["raid_captive"][i] is not None]
    return [bool(columns[column][i]) for i in rows if columns[column][i] is not None]
