"""`captainred sweep`: many runs of a scenario over seeds and varied fields, with a progress bar, a summary
on the terminal, and a folder of results (Parquet table, summary JSON, plots, page) that a Ctrl-C leaves
ready to `--resume`."""

from __future__ import annotations

import json
import os
import shlex
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from captainred.cli.common import UsageProblem, app, err, fail, nothing_left_to_free, write_atomically
from captainred.scenario import ScenarioError

MAX_RUNS = 1_000_000


@app.command()
def sweep(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a path to a TOML file.")],
    runs: Annotated[int, typer.Option(help="Runs for each point of the grid, seeds spawned from --seed.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed the runs' seeds are spawned from (the same in every cell).")] = 7,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            help="A field and its values: squadrons.slayers.aircraft=4,6,8 or doctrine.bingo_fuel_kg=300:900:100 "
            "(start:stop:step). Repeat for a grid."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the results (default: sweep-SCENARIO).")] = None,
    resume: Annotated[
        bool, typer.Option(help="Go on with the sweep in --out, fighting only the runs not done.")
    ] = False,
    backend: Annotated[str, typer.Option(help="local (this machine's cores) or ray.")] = "local",
    address: Annotated[
        str | None, typer.Option(help="Ray cluster to join (host:port); without it a local Ray is started.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (local; default: every core) or CPUs of a local Ray.")
    ] = None,
    batch: Annotated[int | None, typer.Option(help="Battles fought together in one World (default: chosen).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary table.")] = False,
) -> None:
    """Fight a scenario many times over seeds and varied fields; summarise, plot and store every run."""
    from captainred.sweep import Sweep, SweepError, SweepFolder, open_backend, plan_sweep, summarize_cells
    from captainred.sweep.grid import default_folder_name

    console = Console(quiet=quiet, width=None if sys.stdout.isatty() else 200)
    try:
        if not 1 <= runs <= MAX_RUNS:
            raise UsageProblem(f"--runs: must be between 1 and {MAX_RUNS:,}, got {runs}")
        if not 0 <= seed < 2**63:
            raise UsageProblem(f"--seed: must be between 0 and 2**63 - 1, got {seed}")
        if workers is not None and not 1 <= workers <= 1024:
            raise UsageProblem(f"--workers: must be between 1 and 1024, got {workers}")
        if batch is not None and not 1 <= batch <= 4096:
            raise UsageProblem(f"--batch: must be between 1 and 4096, got {batch}")
        if backend not in ("local", "ray"):
            raise UsageProblem(f"--backend: unknown backend '{backend}' (known: local, ray)")
        if address is not None and backend != "ray":
            raise UsageProblem("--address: only for --backend ray")
        plan = plan_sweep(scenario, runs=runs, seed=seed, vary=tuple(vary or ()))
        folder = SweepFolder(out if out is not None else Path(default_folder_name(plan.name)))
        job = Sweep(plan, folder)
        with _stop_on_sigterm():
            # The backend first: one that cannot start leaves no folder behind.
            engine = open_backend(backend, workers=workers or os.cpu_count() or 1, address=address)
            try:
                # Plotting's imports take half a second: while the workers start, not before.
                from captainred.sweep.plots import render_page, render_plots, render_table

                done = job.start(resume=resume)
            except BaseException:
                engine.close()
                raise
            if done:
                err.print(f"{done} of {plan.total_runs} runs already done in {folder.path}; fighting the rest")
            with _progress(console, plan.total_runs, done) as advance:
                job.fight(engine, batch, advance)
        table = job.gather()
        params = [v.name for v in plan.varies]
        cells = summarize_cells(table, params)
        title = f"{plan.name}: {plan.runs} runs a cell, {len(plan.cells)} cells"
        command = shlex.join(["captainred", *sys.argv[1:]]) if sys.argv[1:] else f"captainred sweep {scenario}"
        plots = render_plots(table, params, folder.path / "plots", plan.name)
        page = render_page(
            title=title, command=command, cells=cells, params=params, plots=plots, total_runs=table.num_rows
        )
        write_atomically(folder.path / "index.html", page, "--out")
        summary: dict[str, Any] = {**plan.fingerprint(), "total_runs": table.num_rows, "cells": cells}
        write_atomically(folder.path / "summary.json", json.dumps(summary, indent=2) + "\n", "--out")
        console.print(render_table(cells, params, title))
        console.print(
            f"Wrote {folder.path / 'runs.parquet'} ({table.num_rows} runs), summary.json, index.html "
            f"and {len(plots)} plot(s) in {folder.path / 'plots'}"
        )
        nothing_left_to_free()
    except ScenarioError as exc:
        fail(exc.line())
    except (UsageProblem, SweepError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        stored = folder.stored_runs() if "folder" in locals() else 0
        again = shlex.join(["captainred", *sys.argv[1:]]) if sys.argv[1:] else f"captainred sweep {scenario}"
        if "--resume" not in sys.argv:
            again += " --resume"
        err.print(f"interrupted: {stored} runs are stored; go on with: {again}", markup=False)
        raise typer.Exit(130) from None


class _stop_on_sigterm:
    """A SIGTERM (a scheduler stopping the job, `kill`) stops the sweep as Ctrl-C does: what is stored stays."""

    def __enter__(self) -> None:
        self._before = signal.signal(signal.SIGTERM, self._raise)

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGTERM, self._before)

    @staticmethod
    def _raise(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt


class _progress:
    """The progress bar (on stderr): runs done of all, runs a second, time left; `advance(n)` moves it."""

    def __init__(self, console: Console, total: int, done: int) -> None:
        self.progress = Progress(
            TextColumn("[bold]sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=Console(stderr=True, quiet=console.quiet),
            transient=False,
        )
        self.task = self.progress.add_task("sweep", total=total, completed=done, rate="")
        self.fought = 0

    def __enter__(self) -> Any:
        self.progress.start()
        return self.advance

    def advance(self, n: int) -> None:
        self.fought += n
        task = self.progress.tasks[0]
        elapsed = task.elapsed or 0.0
        rate = f"{self.fought / elapsed:.2f} runs/s" if elapsed > 0 else ""
        self.progress.update(self.task, advance=n, rate=rate)

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
