"""The design values a search may move, each between two bounds, and the scenario at any point between.

A design value is named by a path as `--vary` names it (`enemy.skill`, `squadrons.slayers.aircraft`), or,
for a value the catalog holds rather than the scenario, by a path under `catalog.`
(`catalog.aircraft.LGF.energy_weapon.hit_probability`, `catalog.ships.mother-ship.blackout_hazard_per_s`).
Bounds are plain numbers in SI units (metres, seconds, kilograms). Every point is the scenario with those
fields set, validated as a file would be; the bounds themselves are validated before anything is fought, so
a bound outside what the schema allows is refused with the schema's own words, in one line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from captainred.scenario.errors import ScenarioError
from captainred.scenario.loader import load_catalog, read_scenario_data, resolve
from captainred.scenario.model import ResolvedScenario
from captainred.scenario.overrides import (
    CATALOG,
    OverrideError,
    Path,
    parse_path,
    resolve_with,
    short_repr,
    show_path,
    step_into,
)
from captainred.sweep.grid import NUMBER_PATTERN

MAX_RANGES = 32  # design values one search may move
_BOUNDS = re.compile(rf"^\s*(?P<low>{NUMBER_PATTERN})\s*:\s*(?P<high>{NUMBER_PATTERN})\s*$")


@dataclass(frozen=True)
class DesignRange:
    """One design value and its bounds; integral when both bounds are written as whole numbers."""

    name: str
    path: Path
    low: float
    high: float
    integral: bool
    source: str  # where it was given, to name in errors

    def clip(self, value: float) -> float | int:
        """A value of the range as the scenario takes it (rounded for an integral one)."""
        value = min(self.high, max(self.low, value))
        return round(value) if self.integral else float(value)


def parse_range(text: str) -> DesignRange:
    """`enemy.skill=0.4:0.8` (a float range) or `enemy.defenders=80:120` (an integer one)."""
    source = f"--vary {text}"
    name, eq, bounds = text.partition("=")
    if not eq:
        raise OverrideError(source, "", "expected PATH=LOW:HIGH, like enemy.skill=0.4:0.8")
    match = _BOUNDS.match(bounds)
    if match is None:
        raise OverrideError(source, "", f"expected LOW:HIGH, two numbers, after '=' (got '{bounds.strip()}')")
    integral = all(re.fullmatch(r"\s*[-+]?\d+\s*", match[k]) for k in ("low", "high"))
    low, high = float(match["low"]), float(match["high"])
    return make_range(name, low, high, integral, source)


def make_range(name: str, low: float, high: float, integral: bool, source: str) -> DesignRange:
    """A checked range (its bounds finite and in order); the path is checked against the scenario later."""
    path = parse_path(name, source)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise OverrideError(source, "", "the bounds must be finite numbers")
    if low > high:
        raise OverrideError(source, "", f"the low bound {low:g} is above the high bound {high:g}")
    return DesignRange(name=name.strip(), path=path, low=low, high=high, integral=integral, source=source)


class DesignSpace:
    """A scenario and the design values a search may move in it: every point between the bounds is a
    scenario validated as a file would be. Raises ScenarioError (one line) for a path the scenario does not
    have or a bound it cannot take, before anything is fought."""

    def __init__(self, scenario: str, ranges: Sequence[DesignRange]) -> None:
        if not ranges:
            raise OverrideError("--vary", "", "give at least one design value to move (PATH=LOW:HIGH)")
        if len(ranges) > MAX_RANGES:
            raise OverrideError("--vary", "", f"{len(ranges)} design values; at most {MAX_RANGES}")
        names = [r.name for r in ranges]
        for r in ranges:
            if names.count(r.name) > 1:
                raise OverrideError(r.source, "", "the same design value is given twice")
        self.ranges = tuple(ranges)
        self.data, self.source = read_scenario_data(scenario)
        self.base = resolve(self.data, self.source)  # the scenario itself must be sound first
        self.catalog_data = load_catalog().model_dump()
        self.base_values = {r.name: self._base_value(r) for r in self.ranges}
        for r in self.ranges:
            for bound in (r.low, r.high):
                try:
                    self.scenario_at({r.name: bound})
                except ScenarioError as exc:
                    raise OverrideError(r.source, "", f"{_show(bound, r)} cannot be taken: {exc.line()}") from None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.ranges)

    @property
    def base_inside(self) -> bool:
        """Whether the scenario's own values all lie inside the bounds (then a search may start there)."""
        return all((v := self.base_values[r.name]) is not None and r.low <= v <= r.high for r in self.ranges)

    def scenario_at(self, values: Mapping[str, float]) -> ResolvedScenario:
        """The scenario with the given design values set (the others as the scenario has them)."""
        by_name = {r.name: r for r in self.ranges}
        sets = []
        for name, value in values.items():
            r = by_name[name]
            given = r.source if r.path[0] == CATALOG else self.source
            sets.append((r.path, round(value) if r.integral else float(value), given))
        return resolve_with(self.data, self.source, sets)

    def _base_value(self, r: DesignRange) -> float | None:
        """The value the scenario (or the catalog) gives the field, for a report's "from … to …"; None where
        the scenario leaves a table out that the path runs through."""
        node: Any = self.catalog_data if r.path[0] == CATALOG else self.base.scenario
        for part in r.path[1:] if r.path[0] == CATALOG else r.path:
            node = step_into(node, part, r.source, r.path)
            if node is None:
                return None
        if isinstance(node, bool) or not isinstance(node, int | float):
            raise OverrideError(r.source, show_path(r.path), f"is not a number (it holds {short_repr(node)})")
        return float(node)


def _show(value: float, r: DesignRange) -> str:
    return str(round(value)) if r.integral else f"{value:g}"
