"""Targets for a calibration: what the runs should look like, as bands on statistics of measured quantities,
and the design values the search may move to get there.

A targets file is TOML:

    scenario = "manhattan-recon"          # optional: the scenario it was written for (the default one)

    [[target]]
    quantity = "air_command_lost"         # a quantity a run measures (`measures.QUANTITIES`)
    statistic = "mean"                    # the mean over the runs, or
    band = [0.8, 2.5]                     # ... the band it should fall in

    [[target]]
    quantity = "air_command_lost"
    statistic = "probability"             # the share of runs where the condition holds
    condition = ">= 1"                    # (a yes/no quantity needs none: it is its own condition)
    band = [0.55, 0.95]

    [[design]]
    path = "enemy.skill"                  # as `--vary` names it, or `catalog.…` for a catalog value
    low = 0.4
    high = 0.8

A statistic is estimated over the runs with a 95% interval: Student's t for a mean, Wilson for a probability
(the sweep's own intervals). How far a set of runs misses its targets is one number, the search's objective:
for each target, how far its statistic lies outside its band, in band widths, squared and weighted; a run
inside every band scores (almost) nothing, and a faint pull towards each band's middle chooses between
points that are all inside.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from captainred.scenario.errors import ScenarioError, from_validation_error
from captainred.scenario.loader import read_toml_file
from captainred.scenario.model import Frozen, ResolvedScenario
from captainred.sweep.design import DesignRange, make_range
from captainred.sweep.measures import QUANTITIES, measurable_in, value_of
from captainred.sweep.stats import Estimate, mean_interval, wilson

CENTRE_PULL = 1e-3  # weight of the pull towards a band's middle, against a miss of one band width
MAX_TARGETS = 64

_CONDITION = re.compile(r"^\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<number>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*$")
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}


class Target(Frozen):
    """A statistic of a quantity over the runs, and the band it should fall in."""

    quantity: str
    statistic: Literal["mean", "probability"]
    condition: str | None = Field(default=None, description="for a probability: '>= 1', '== 0', …")
    band: tuple[float, float]
    weight: float = Field(default=1.0, gt=0, le=1000)
    why: str = Field(default="", description="where the band comes from, for the report")

    @field_validator("quantity")
    @classmethod
    def _known_quantity(cls, name: str) -> str:
        if name not in QUANTITIES:
            raise ValueError(f"unknown quantity '{name}' (known: {', '.join(QUANTITIES)})")
        return name

    @field_validator("condition")
    @classmethod
    def _readable_condition(cls, text: str | None) -> str | None:
        if text is not None and _CONDITION.match(text) is None:
            raise ValueError(f"'{text}' is not a condition (like '>= 1' or '== 0')")
        return text

    @model_validator(mode="after")
    def _sound(self) -> Target:
        low, high = self.band
        if low > high:
            raise ValueError(f"band: the low end {low:g} is above the high end {high:g}")
        flag = QUANTITIES[self.quantity].flag
        if self.statistic == "probability":
            if not 0 <= low <= high <= 1:
                raise ValueError(f"band: a probability's band lies within [0, 1], got [{low:g}, {high:g}]")
            if self.condition is None and not flag:
                raise ValueError(f"condition: a probability of {self.quantity} needs one (like '>= 1')")
        elif self.condition is not None:
            raise ValueError("condition: only for a probability; a mean takes none")
        return self

    @property
    def label(self) -> str:
        what = QUANTITIES[self.quantity].label
        if self.statistic == "mean":
            return f"mean {what}"
        return f"P({what} {self.condition.strip()})" if self.condition else f"P({what})"

    def holds(self, value: float) -> bool:
        """Whether one run's value meets the condition (a yes/no quantity without one: whether it is yes)."""
        if self.condition is None:
            return value != 0
        match = _CONDITION.match(self.condition)
        assert match is not None  # checked when the file was read
        return _OPERATORS[match["op"]](value, float(match["number"]))

    def estimate(self, rows: Sequence[dict[str, Any]]) -> Estimate:
        """The statistic over the runs that measured the quantity, with its 95% interval."""
        values = [v for row in rows if (v := value_of(row, self.quantity)) is not None]
        if self.statistic == "mean":
            return mean_interval(values)
        return wilson(sum(self.holds(v) for v in values), len(values))

    def miss(self, value: float) -> float:
        """How far a statistic misses the band, in band widths, squared, with the faint pull to the middle."""
        low, high = self.band
        width = max(high - low, 1e-9 * max(1.0, abs(low), abs(high)))
        outside = max(low - value, 0.0, value - high) / width
        off_centre = (value - (low + high) / 2) / width
        return self.weight * (outside * outside + CENTRE_PULL * off_centre * off_centre)


class _DesignEntry(Frozen):
    path: str = Field(min_length=1)
    low: float
    high: float


class _TargetsFile(Frozen):
    scenario: str | None = None
    description: str = ""
    target: tuple[Target, ...] = Field(min_length=1, max_length=MAX_TARGETS)
    design: tuple[_DesignEntry, ...] = Field(default=(), max_length=32)


@dataclass(frozen=True)
class Targets:
    """A targets file, read and checked: the targets, the design values to move, and where it came from."""

    source: str
    scenario: str | None
    description: str
    targets: tuple[Target, ...]
    design: tuple[DesignRange, ...]

    def check_measurable(self, scenario: ResolvedScenario) -> None:
        """Refuse targets written for another scenario, and a target that no run of this one can measure (a
        raid's numbers in an air battle)."""
        name = scenario.scenario.name
        if self.scenario is not None and self.scenario != name:
            raise ScenarioError(self.source, "scenario", f"the targets are written for '{self.scenario}', not '{name}'")
        for i, target in enumerate(self.targets):
            if not measurable_in(QUANTITIES[target.quantity], scenario):
                raise ScenarioError(
                    self.source,
                    f"target[{i}].quantity",
                    f"no run of {scenario.scenario.name} can measure {target.quantity} (it has no raid)",
                )

    def miss(self, rows: Sequence[dict[str, Any]]) -> tuple[float, list[Estimate]]:
        """The objective over these runs (lower is better) and each target's estimate."""
        estimates = [t.estimate(rows) for t in self.targets]
        total = 0.0
        for i, (target, estimate) in enumerate(zip(self.targets, estimates, strict=True)):
            if estimate.value is None:
                raise ScenarioError(
                    self.source, f"target[{i}].quantity", f"no run measured {target.quantity}, so it cannot be a target"
                )
            total += target.miss(estimate.value)
        return total, estimates


def load_targets(path: Path | str, *, source: str | None = None) -> Targets:
    """Read and check a targets file. Raises ScenarioError (file, field, problem in one line)."""
    source = source or str(path)
    data = read_toml_file(Path(path), source, "targets")  # the scenario reader's own bounds and checks
    return targets_from(data, source)


def targets_from(data: dict[str, Any], source: str) -> Targets:
    """Targets from a file's tables (already parsed)."""
    try:
        spec = _TargetsFile.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(source, exc) from None
    design = []
    for i, entry in enumerate(spec.design):
        where = f"{source}: design[{i}]"
        integral = float(entry.low).is_integer() and float(entry.high).is_integer() and _whole(data, i)
        design.append(make_range(entry.path, entry.low, entry.high, integral, where))
    return Targets(
        source=source,
        scenario=spec.scenario,
        description=spec.description,
        targets=spec.target,
        design=tuple(design),
    )


def _whole(data: dict[str, Any], index: int) -> bool:
    """Whether the file wrote both bounds of a design value as integers (`80`, not `80.0`)."""
    entry = data["design"][index]
    return all(isinstance(entry[k], int) and not isinstance(entry[k], bool) for k in ("low", "high"))
