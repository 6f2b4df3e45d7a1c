"""The `captainred` command: list scenarios, run battles, write the report and the JSON summary.

Holds no logic a library user would need: it parses arguments, calls the library, and turns a user's
error into one line on stderr with exit status 2.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from captainred.scenario import ScenarioError, builtin_scenarios, load_scenario

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Captain Red: Air Command against the LGF swarm. Load a scenario, fight it, read what happened.",
)
err = Console(stderr=True, highlight=False, soft_wrap=True)

MAX_RUNS = 100_000


class UsageProblem(Exception):
    """A bad option value: reported like a scenario error."""


def _fail(line: str) -> None:
    err.print(f"error: {line}", markup=False)
    raise typer.Exit(2)


def _write_atomically(path: Path, text: str, what: str) -> None:
    """Write the whole file or nothing: a temporary file beside it, renamed into place."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageProblem(f"{path}: {what}: the folder {folder} does not exist")
    if path.is_dir():
        raise UsageProblem(f"{path}: {what}: is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise UsageProblem(f"{path}: {what}: cannot write ({exc.strerror})") from None
    try:
        # mkstemp makes the file private (0600); give it the mode an ordinary `open` would have.
        os.fchmod(fd, _new_file_mode(path))
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageProblem(f"{path}: {what}: cannot write ({exc.strerror})") from None


def _new_file_mode(path: Path) -> int:
    """The mode a file written in place would have: the old file's, or 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _check_writable(path: Path | None, what: str) -> None:
    """Refuse an output path before the battle is fought, not after."""
    if path is None:
        return
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageProblem(f"{path}: {what}: the folder {folder} does not exist")
    if path.is_dir():
        raise UsageProblem(f"{path}: {what}: is a directory")
    if not os.access(folder, os.W_OK):
        raise UsageProblem(f"{path}: {what}: the folder {folder} is not writable")


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    table = Table(title="Built-in scenarios", show_lines=False)
    table.add_column("name", style="bold")
    table.add_column("description")
    for name, description in builtin_scenarios().items():
        table.add_row(name, description)
    Console().print(table)


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a path to a TOML file.")],
    seed: Annotated[int, typer.Option(help="Seed of the battle (or of the first of --runs).")] = 7,
    runs: Annotated[int, typer.Option(help="Battles to fight, seeds spawned from --seed.")] = 1,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON summary here.")] = None,
    report_path: Annotated[Path | None, typer.Option("--report", help="Write the report as Markdown.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Fight a scenario and print the after-action report."""
    from captainred.engine.rng import spawn_seeds
    from captainred.report import (
        build_timeline,
        check_summary,
        render_markdown,
        render_runs_markdown,
        render_runs_terminal,
        render_terminal,
        summarize,
        summarize_runs,
    )
    from captainred.simulation import run_battles

    try:
        if not 1 <= runs <= MAX_RUNS:
            raise UsageProblem(f"--runs: must be between 1 and {MAX_RUNS}, got {runs}")
        if not 0 <= seed < 2**63:
            raise UsageProblem(f"--seed: must be between 0 and 2**63 - 1, got {seed}")
        _check_writable(json_path, "--json")
        _check_writable(report_path, "--report")
        if json_path is not None and report_path is not None and json_path.resolve() == report_path.resolve():
            raise UsageProblem(f"{report_path}: --report: the same file as --json")
        resolved = load_scenario(scenario)
        seeds = spawn_seeds(seed, runs)
        name = resolved.scenario.name
        results = run_battles(resolved, seeds)
        summaries = [summarize(r.log, scenario=name, seed=r.seed) for r in results]
        for s in summaries:
            check_summary(s)
        console = Console(quiet=quiet, width=None if sys.stdout.isatty() else 120)
        document: dict[str, Any]
        if runs == 1:
            document = summaries[0]
            timeline = build_timeline(results[0].log)
            render_terminal(document, timeline, console)
            markdown = render_markdown(document, timeline)
        else:
            document = summarize_runs(summaries, scenario=name, seed=seed)
            render_runs_terminal(document, console)
            markdown = render_runs_markdown(document)
        if json_path is not None:
            _write_atomically(json_path, json.dumps(document, indent=2, allow_nan=False) + "\n", "--json")
        if report_path is not None:
            _write_atomically(report_path, markdown, "--report")
    except ScenarioError as exc:
        _fail(exc.line())
    except UsageProblem as exc:
        _fail(str(exc))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
