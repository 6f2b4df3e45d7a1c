"""`captainred scenarios` and `captainred run`: list the scenarios, fight one (or a batch), print the report
and write the JSON summary, the Markdown report and the replay."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from captainred.cli.common import (
    UsageProblem,
    app,
    atomic_output,
    check_replay_every,
    check_writable,
    fail,
    nothing_left_to_free,
    write_atomically,
)
from captainred.replay.format import DEFAULT_EVERY_S, ReplayWriter
from captainred.scenario import ScenarioError, builtin_scenarios, load_scenario
from captainred.scenario.loader import read_scenario_data
from captainred.scenario.model import ResolvedScenario
from captainred.scenario.overrides import OverrideError, parse_path, parse_value, resolve_with

MAX_RUNS = 100_000


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
    replay_path: Annotated[
        Path | None, typer.Option("--replay", help="Record the battle as a replay file (.crr) for `view`.")
    ] = None,
    replay_every: Annotated[
        float, typer.Option("--replay-every", help="Sim seconds between the replay's samples.")
    ] = DEFAULT_EVERY_S,
    set_fields: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Change a field of the scenario first: squadrons.slayers.aircraft=6, or of the catalog for this "
            "run: catalog.aircraft.LGF.energy_weapon.hit_probability=0.2 (repeatable; how a sweep's run is "
            "fought again alone).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Fight a scenario and print the after-action report."""
    from captainred.engine.seeds import spawn_seeds
    from captainred.fight import fight
    from captainred.report import (
        build_timeline,
        render_markdown,
        render_runs_markdown,
        render_runs_terminal,
        render_terminal,
        summarize_runs,
    )

    try:
        if not 1 <= runs <= MAX_RUNS:
            raise UsageProblem(f"--runs: must be between 1 and {MAX_RUNS}, got {runs}")
        if not 0 <= seed < 2**63:
            raise UsageProblem(f"--seed: must be between 0 and 2**63 - 1, got {seed}")
        outputs = {"--json": json_path, "--report": report_path, "--replay": replay_path}
        seen: dict[Path, str] = {}
        for what, path in outputs.items():
            check_writable(path, what)
            if path is not None:
                if path.resolve() in seen:
                    raise UsageProblem(f"{path}: {what}: the same file as {seen[path.resolve()]}")
                seen[path.resolve()] = what
        if replay_path is not None:
            if runs != 1:
                raise UsageProblem(
                    "--replay: records one battle; drop --runs (each run's seed, given to --seed, replays it)"
                )
            check_replay_every(replay_every)
        resolved = _scenario_with(scenario, set_fields or [])
        seeds = spawn_seeds(seed, runs)
        name = resolved.scenario.name
        with ExitStack() as stack:
            recorder = None
            if replay_path is not None:
                from captainred.replay.record import Recorder

                recorder = Recorder(
                    ReplayWriter(stack.enter_context(atomic_output(replay_path, "--replay"))), replay_every
                )
            fought = fight(resolved, seeds, recorder)
        console = Console(quiet=quiet, width=None if sys.stdout.isatty() else 120)
        document: dict[str, Any]
        if runs == 1:
            [battle] = fought
            timeline = build_timeline(battle.log)
            render_terminal(battle.summary, timeline, console)
            markdown = render_markdown(battle.summary, timeline)
            document = battle.summary.to_json()
        else:
            summary = summarize_runs([f.summary for f in fought], scenario=name, seed=seed)
            render_runs_terminal(summary, console)
            markdown = render_runs_markdown(summary)
            document = summary.to_json()
        if json_path is not None:
            write_atomically(json_path, json.dumps(document, indent=2, allow_nan=False) + "\n", "--json")
        if report_path is not None:
            write_atomically(report_path, markdown, "--report")
        nothing_left_to_free()
    except ScenarioError as exc:
        fail(exc.line())
    except UsageProblem as exc:
        fail(str(exc))


def _scenario_with(scenario: str, assignments: list[str]) -> ResolvedScenario:
    """The scenario, with each `--set PATH=VALUE` applied before it is validated. A path under `catalog.`
    sets a value the catalog holds (`catalog.aircraft.LGF.energy_weapon.hit_probability=0.2`), for this
    run only."""
    if not assignments:
        return load_scenario(scenario)
    data, source = read_scenario_data(scenario)
    sets = []
    for text in assignments:
        option = f"--set {text}"
        name, eq, value = text.partition("=")
        if not eq or not value.strip():
            raise OverrideError(option, "", "expected PATH=VALUE, like squadrons.slayers.aircraft=6")
        sets.append((parse_path(name, option), parse_value(value), option))
    try:
        return resolve_with(data, source, sets)
    except OverrideError:
        raise  # it names the --set already
    except ScenarioError as exc:
        raise OverrideError(" ".join(f"--set {text}" for text in assignments), "", exc.line()) from None
