"""What a sweep fights: `--vary PATH=VALUES` parsed, the grid of cells they span, and the seeds.

Every cell of the grid is the scenario with its varied fields set, validated exactly as a file would be,
before a single battle is fought. Every cell fights the same seeds (common random numbers): a difference
between two cells then comes from the parameter, not from the dice, and a run is reproduced alone by
`captainred run SCENARIO --seed SEED --set PATH=VALUE ...`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from captainred.engine.seeds import spawn_seeds
from captainred.scenario.errors import ScenarioError
from captainred.scenario.loader import read_scenario_data, resolve
from captainred.scenario.model import ResolvedScenario
from captainred.scenario.overrides import OverrideError, Path, parse_path, parse_value, resolve_with

MAX_VALUES = 1000  # values one --vary may take
MAX_CELLS = 4096  # points of the whole grid: each is a scenario validated before anything is fought
MAX_TOTAL_RUNS = 10_000_000
LARGEST_RANGE_NUMBER = Decimal("1e15")  # a range's start, stop and step, in magnitude
SMALLEST_STEP = Decimal("1e-9")

NUMBER_PATTERN = r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?"  # a number as `--vary` writes it
_RANGE = re.compile(
    rf"^\s*(?P<start>{NUMBER_PATTERN})\s*:\s*(?P<stop>{NUMBER_PATTERN})\s*:\s*(?P<step>{NUMBER_PATTERN})\s*$"
)


@dataclass(frozen=True)
class Vary:
    """One `--vary`: the field it changes (its column in the results) and the values it takes, in order."""

    name: str
    path: Path
    values: tuple[Any, ...]
    text: str  # the option as given, to name in errors


@dataclass(frozen=True)
class Cell:
    """One point of the grid: the value of each varied field, and the scenario with them set."""

    index: int
    params: tuple[tuple[str, Any], ...]
    scenario: ResolvedScenario

    def set_options(self) -> str:
        """The `--set` options that give `captainred run` this cell's scenario."""
        return " ".join(f"--set {name}={_shell_value(value)}" for name, value in self.params)


@dataclass(frozen=True)
class SweepPlan:
    """The whole sweep: the scenario, the seeds every cell fights, the varied fields and the cells."""

    source: str
    name: str
    seed: int
    runs: int
    seeds: tuple[int, ...]
    varies: tuple[Vary, ...]
    cells: tuple[Cell, ...]
    scenario_sha256: str

    @property
    def total_runs(self) -> int:
        return self.runs * len(self.cells)

    def fingerprint(self) -> dict[str, Any]:
        """What must match for `--resume` to continue this sweep rather than start another."""
        from captainred import __version__

        return {
            "captainred": __version__,
            "scenario": self.source,
            "scenario_sha256": self.scenario_sha256,
            "seed": self.seed,
            "runs": self.runs,
            "vary": [{"field": v.name, "values": list(v.values)} for v in self.varies],
        }


def parse_vary(text: str) -> Vary:
    """`squadrons.slayers.aircraft=4,6,8` or `doctrine.bingo_fuel_kg=300:900:100` (start:stop:step, the
    stop included when the steps land on it). Raises OverrideError naming the option."""
    source = f"--vary {text}"
    name, eq, values_text = text.partition("=")
    if not eq:
        raise OverrideError(source, "", "expected PATH=VALUES, like squadrons.slayers.aircraft=4,6,8")
    path = parse_path(name, source)
    values = parse_values(values_text, source)
    if len(set(map(_key, values))) != len(values):
        raise OverrideError(source, "", "a value is given twice")
    return Vary(name=name.strip(), path=path, values=values, text=text)


def parse_values(text: str, source: str) -> tuple[Any, ...]:
    """A comma-separated list of values (commas inside brackets or quotes belong to a value) or a range."""
    if not text.strip():
        raise OverrideError(source, "", "no values after '='")
    ranged = _RANGE.match(text)
    if ranged:
        return _range(ranged["start"], ranged["stop"], ranged["step"], source)
    items = _split_top_level(text)
    if any(not item.strip() for item in items):
        raise OverrideError(source, "", "an empty value between commas")
    if len(items) > MAX_VALUES:
        raise OverrideError(source, "", f"{len(items)} values; at most {MAX_VALUES}")
    return tuple(parse_value(item) for item in items)


def _range(start_text: str, stop_text: str, step_text: str, source: str) -> tuple[Any, ...]:
    try:
        start, stop, step = Decimal(start_text), Decimal(stop_text), Decimal(step_text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise OverrideError(source, "", "a range is start:stop:step, all numbers") from None
    # Bounded before any arithmetic: Decimal keeps any exponent it is given, and overflows only when used.
    # (`adjusted()` and comparisons need no context, so they cannot overflow themselves.)
    for text, number in ((start_text, start), (stop_text, stop), (step_text, step)):
        if number != 0 and number.adjusted() >= LARGEST_RANGE_NUMBER.adjusted():
            raise OverrideError(source, "", f"{text.strip()} in a range is beyond {LARGEST_RANGE_NUMBER:.0e}")
    if step != 0 and step.adjusted() < SMALLEST_STEP.adjusted():
        raise OverrideError(source, "", f"the step of a range must be at least {SMALLEST_STEP:.0e}, got {step_text}")
    if step <= 0:
        raise OverrideError(source, "", f"the step of a range must be above 0, got {step_text}")
    if stop < start:
        raise OverrideError(source, "", f"the range runs backwards ({start_text} to {stop_text})")
    count = int((stop - start) / step) + 1
    if count > MAX_VALUES:
        raise OverrideError(source, "", f"the range has {count} values; at most {MAX_VALUES}")
    integral = all("." not in t and "e" not in t.lower() for t in (start_text, stop_text, step_text))
    values = (start + i * step for i in range(count))
    return tuple(int(v) if integral else float(v) for v in values)


def _split_top_level(text: str) -> list[str]:
    items, depth, quote, current = [], 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(current)
            current = ""
            continue
        current += char
    items.append(current)
    return items


def plan_sweep(scenario: str, *, runs: int, seed: int, vary: list[str] | tuple[str, ...] = ()) -> SweepPlan:
    """Parse the `--vary` options, build and validate every cell, and spawn the seeds.

    Raises ScenarioError (or its OverrideError) in one line on any bad input, before anything runs.
    """
    if runs < 1:
        raise OverrideError("--runs", "", f"must be at least 1, got {runs}")
    varies = tuple(parse_vary(text) for text in vary)
    names = [v.name for v in varies]
    for v in varies:
        if names.count(v.name) > 1:
            raise OverrideError(f"--vary {v.name}", "", "the same field is varied twice")
    cell_count = _product(len(v.values) for v in varies)
    if cell_count > MAX_CELLS:
        raise OverrideError("--vary", "", f"the grid has {cell_count:,} cells; at most {MAX_CELLS:,}")
    total = runs * cell_count
    if total > MAX_TOTAL_RUNS:
        raise OverrideError("--runs", "", f"{total:,} runs over the grid; at most {MAX_TOTAL_RUNS:,}")
    data, source = read_scenario_data(scenario)
    resolve(data, source)  # the scenario itself must be sound before any field of it is varied
    cells = []
    for index, combo in enumerate(itertools.product(*(v.values for v in varies))):
        params = tuple((v.name, value) for v, value in zip(varies, combo, strict=True))
        sets = [(v.path, value, f"--vary {v.text}") for v, value in zip(varies, combo, strict=True)]
        try:
            resolved = resolve_with(data, source, sets)
        except OverrideError:
            raise  # it names its --vary already
        except ScenarioError as exc:
            given = ", ".join(f"{name}={_shell_value(value)}" for name, value in params)
            raise OverrideError(f"--vary {given}", "", exc.line()) from None
        cells.append(Cell(index=index, params=params, scenario=resolved))
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return SweepPlan(
        source=source,
        name=cells[0].scenario.scenario.name,
        seed=seed,
        runs=runs,
        seeds=tuple(spawn_seeds(seed, runs)),
        varies=varies,
        cells=tuple(cells),
        scenario_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
    )


def _product(counts: Iterable[int]) -> int:
    """The product, stopping as soon as it passes MAX_CELLS (it is only compared with that)."""
    out = 1
    for n in counts:
        out *= n
        if out > MAX_CELLS:
            return out
    return out


def default_folder_name(name: str) -> str:
    """`sweep-NAME` as one folder in the current one, whatever the scenario's name holds (`..`, `/`)."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "scenario"
    return f"sweep-{safe[:80]}"


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _shell_value(value: Any) -> str:
    """A value as one would type it after `--set NAME=` (quoted for the shell when it needs it)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = repr(value)
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value)
    return text if re.fullmatch(r"[\w.+-]+", text) else "'" + text.replace("'", "'\\''") + "'"
