"""`captainred calibrate` and `captainred sensitivity`: searches over design values, each fighting many
battles over the same seeds, with a progress bar, a table on the terminal, and a folder of results that
lands whole or not at all."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from captainred.cli.common import UsageProblem, app, fail, nothing_left_to_free
from captainred.scenario import ScenarioError

if TYPE_CHECKING:
    from captainred.sweep.calibrate import Calibration
    from captainred.sweep.stats import Estimate

MAX_WORKERS = 1024


def _command(name: str, scenario: str) -> str:
    return shlex.join(["captainred", *sys.argv[1:]]) if sys.argv[1:] else f"captainred {name} {scenario}"


def _check_counts(seed: int, workers: int | None, **counts: tuple[int, int, int]) -> None:
    for option, (value, low, high) in counts.items():
        if not low <= value <= high:
            raise UsageProblem(f"--{option}: must be between {low:,} and {high:,}, got {value}")
    if not 0 <= seed < 2**63:
        raise UsageProblem(f"--seed: must be between 0 and 2**63 - 1, got {seed}")
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise UsageProblem(f"--workers: must be between 1 and {MAX_WORKERS}, got {workers}")


class _progress:
    """Battles fought of all, on stderr."""

    def __init__(self, what: str, total: int, quiet: bool) -> None:
        self.progress = Progress(
            TextColumn(f"[bold]{what}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("battles"),
            TimeElapsedColumn(),
            console=Console(stderr=True, quiet=quiet),
        )
        self.task = self.progress.add_task(what, total=total)

    def __enter__(self) -> _progress:
        self.progress.start()
        return self

    def advance(self, n: int) -> None:
        self.progress.update(self.task, advance=n)

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


@app.command()
def calibrate(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a path to a TOML file.")],
    target: Annotated[
        Path | None,
        typer.Option(help="TOML of targets and the design values to move (default: the story's, where one ships)."),
    ] = None,
    trials: Annotated[int, typer.Option(help="Design points the search tries.")] = 48,
    seeds: Annotated[int, typer.Option(help="Battles each point fights: the same seeds for every point.")] = 24,
    seed: Annotated[int, typer.Option(help="Seed of the search and of the battles' seeds.")] = 7,
    check: Annotated[
        int, typer.Option(help="Then fight the scenario as it was and the best point over this many fresh seeds.")
    ] = 0,
    out: Annotated[Path | None, typer.Option(help="Folder for the results (default: calibrate-SCENARIO).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: every core).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no table.")] = False,
) -> None:
    """Search the design values a targets file may move until the runs fall inside its bands."""
    from captainred.sweep.calibrate import MAX_SEEDS, MAX_TRIALS
    from captainred.sweep.calibrate import calibrate as search
    from captainred.sweep.calibration_report import write_calibration
    from captainred.sweep.design import DesignSpace
    from captainred.sweep.errors import SweepError
    from captainred.sweep.grid import default_folder_name
    from captainred.sweep.measures import Fighter
    from captainred.sweep.staging import check_out, staged_folder
    from captainred.sweep.story import shipped_targets
    from captainred.sweep.targets import load_targets

    console = Console(quiet=quiet, width=None if sys.stdout.isatty() else 200)
    try:
        _check_counts(
            seed, workers, trials=(trials, 1, MAX_TRIALS), seeds=(seeds, 1, MAX_SEEDS), check=(check, 0, MAX_SEEDS)
        )
        if target is None:
            shipped = shipped_targets(scenario)
            if shipped is None:
                raise UsageProblem(f"--target: no targets ship for '{scenario}'; give a targets file")
            goals = load_targets(Path(str(shipped)), source=f"{scenario} (shipped targets)")
        else:
            goals = load_targets(target)
        if not goals.design:
            raise ScenarioError(goals.source, "design", "names no design value to move (add [[design]] entries)")
        space = DesignSpace(scenario, goals.design)
        goals.check_measurable(space.base)
        folder = (
            out
            if out is not None
            else Path(default_folder_name(space.base.scenario.name).replace("sweep-", "calibrate-", 1))
        )
        check_out(folder)
        battles = seeds * (trials + 1) + check * 2
        with (
            staged_folder(folder) as staging,
            Fighter(workers or os.cpu_count() or 1) as fighter,
            _progress("calibrate", battles, quiet) as bar,
        ):
            result = search(
                space, goals, trials=trials, seeds=seeds, seed=seed, fighter=fighter, check_seeds=check,
                on_runs=bar.advance,
            )  # fmt: skip
            write_calibration(result, staging, _command("calibrate", scenario))
        console.print(_calibration_table(result))
        console.print(f"Wrote best.json, trials.json, report.md and search.png in {folder}")
        nothing_left_to_free()
    except ScenarioError as exc:
        fail(exc.line())
    except (UsageProblem, SweepError) as exc:
        fail(str(exc))


def _calibration_table(result: Calibration) -> Table:
    best, base = result.best, result.baseline
    table = Table(
        title=f"{result.scenario}: best of {len(result.trials)} trials (trial {best.number})", title_justify="left"
    )
    table.add_column("design value / target", style="bold")
    table.add_column("band", justify="right")
    table.add_column("as it was", justify="right")
    table.add_column("best", justify="right")
    for r in result.space.ranges:
        was = result.space.base_values[r.name]
        table.add_row(r.name, f"{r.low:g} – {r.high:g}", "—" if was is None else f"{was:g}", f"{best.values[r.name]:g}")
    for i, t in enumerate(result.targets.targets):
        pct = t.statistic == "probability"
        table.add_row(
            t.label,
            f"{t.band[0]:.0%} – {t.band[1]:.0%}" if pct else f"{t.band[0]:g} – {t.band[1]:g}",
            _cell(base.estimates[i], pct),
            _cell(best.estimates[i], pct),
        )
    return table


def _cell(estimate: Estimate, percent: bool) -> str:
    if estimate.value is None or estimate.low is None or estimate.high is None:
        return "—"
    if percent:
        return f"{estimate.value:.0%} ({estimate.low:.0%}–{estimate.high:.0%})"
    return f"{estimate.value:.2f} ({estimate.low:.2f}–{estimate.high:.2f})"


@app.command()
def sensitivity(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a path to a TOML file.")],
    vary: Annotated[
        list[str] | None,
        typer.Option(
            help="A design value and its bounds: enemy.skill=0.4:0.8, or catalog.aircraft.LGF.energy_weapon."
            "hit_probability=0.1:0.3 for a catalog value. Repeat for each value."
        ),
    ] = None,
    method: Annotated[
        str, typer.Option(help="sobol (indices with intervals) or morris (a cheaper screening).")
    ] = "sobol",
    samples: Annotated[
        int,
        typer.Option(
            help="Base samples: Sobol' fights N × (values + 2) points (N a power of two), Morris N × (values + 1)."
        ),
    ] = 16,
    seeds: Annotated[int, typer.Option(help="Battles each point fights: the same seeds for every point.")] = 4,
    seed: Annotated[int, typer.Option(help="Seed of the sampling and of the battles' seeds.")] = 7,
    out: Annotated[Path | None, typer.Option(help="Folder for the results (default: sensitivity-SCENARIO).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: every core).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no table.")] = False,
) -> None:
    """Which design values drive Air Command's losses, photos home and pilots home: a global sensitivity
    analysis (SALib) over the values given, printed, plotted and written with 95% intervals."""
    from captainred.sweep.design import DesignSpace, parse_range
    from captainred.sweep.errors import SweepError
    from captainred.sweep.grid import default_folder_name
    from captainred.sweep.measures import Fighter
    from captainred.sweep.sensitivity import MAX_POINTS, analyse, check_samples, points_needed
    from captainred.sweep.sensitivity_report import (
        add_to_sweep_page,
        render_section,
        render_table,
        sweep_page_for,
        write_sensitivity,
    )
    from captainred.sweep.staging import check_out, staged_folder

    console = Console(quiet=quiet, width=None if sys.stdout.isatty() else 200)
    try:
        _check_counts(seed, workers, seeds=(seeds, 1, 10_000))
        problem = check_samples(method, samples)
        if problem is not None:
            raise UsageProblem(f"--{'method' if method not in ('sobol', 'morris') else 'samples'}: {problem}")
        ranges = [parse_range(text) for text in vary or ()]
        points = points_needed(method, samples, len(ranges))
        if points > MAX_POINTS:
            raise UsageProblem(f"--samples: {points:,} design points to fight; at most {MAX_POINTS:,}")
        space = DesignSpace(scenario, ranges)
        for r in space.ranges:
            if r.low == r.high:
                raise UsageProblem(f"{r.source}: the bounds are equal; a value that cannot move has no effect to find")
        name = default_folder_name(space.base.scenario.name).replace("sweep-", "sensitivity-", 1)
        folder = out if out is not None else Path(name)
        check_out(folder)
        with (
            staged_folder(folder) as staging,
            Fighter(workers or os.cpu_count() or 1) as fighter,
            _progress("sensitivity", points * seeds, quiet) as bar,
        ):
            result = analyse(
                space, method=method, samples=samples, seeds=seeds, seed=seed, fighter=fighter, on_runs=bar.advance
            )
            command = _command("sensitivity", scenario)
            write_sensitivity(result, staging, command)
        console.print(render_table(result))
        console.print(f"Wrote sensitivity.json, sensitivity.png and index.html in {folder}")
        page = sweep_page_for(folder)
        if page is not None:
            add_to_sweep_page(page, render_section(result, command, folder / "sensitivity.png"))
            console.print(f"Added the analysis to the sweep's page, {page}")
        nothing_left_to_free()
    except ScenarioError as exc:
        fail(exc.line())
    except (UsageProblem, SweepError) as exc:
        fail(str(exc))
