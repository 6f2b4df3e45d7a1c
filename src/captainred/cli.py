"""The `captainred` command: list scenarios, run battles, write the report and the JSON summary.

Holds no logic a library user would need: it parses arguments, calls the library, and turns a user's
error into one line on stderr with exit status 2.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import webbrowser
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import typer
from rich.console import Console
from rich.table import Table

from captainred.replay.format import ReplayWriter
from captainred.replay.record import DEFAULT_EVERY_S, Recorder
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


@contextmanager
def _atomic_output(path: Path, what: str) -> Iterator[BinaryIO]:
    """Write the whole file or nothing: a temporary file beside it, renamed into place only if the
    block finishes; on any failure the temporary file goes and the old file (if any) stays."""
    _check_writable(path, what)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise UsageProblem(f"{path}: {what}: cannot write ({exc.strerror})") from None
    try:
        # mkstemp makes the file private (0600); give it the mode an ordinary `open` would have.
        os.fchmod(fd, _new_file_mode(path))
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageProblem(f"{path}: {what}: cannot write ({exc.strerror})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_atomically(path: Path, text: str, what: str) -> None:
    with _atomic_output(path, what) as handle:
        handle.write(text.encode("utf-8"))


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
    replay_path: Annotated[
        Path | None, typer.Option("--replay", help="Record the battle as a replay file (.crr) for `view`.")
    ] = None,
    replay_every: Annotated[
        float, typer.Option("--replay-every", help="Sim seconds between the replay's samples.")
    ] = DEFAULT_EVERY_S,
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
        outputs = {"--json": json_path, "--report": report_path, "--replay": replay_path}
        seen: dict[Path, str] = {}
        for what, path in outputs.items():
            _check_writable(path, what)
            if path is not None:
                if path.resolve() in seen:
                    raise UsageProblem(f"{path}: {what}: the same file as {seen[path.resolve()]}")
                seen[path.resolve()] = what
        if replay_path is not None:
            if runs != 1:
                raise UsageProblem(
                    "--replay: records one battle; drop --runs (each run's seed, given to --seed, replays it)"
                )
            _check_replay_every(replay_every)
        resolved = load_scenario(scenario)
        seeds = spawn_seeds(seed, runs)
        name = resolved.scenario.name
        with ExitStack() as stack:
            recorder = None
            if replay_path is not None:
                recorder = Recorder(
                    ReplayWriter(stack.enter_context(_atomic_output(replay_path, "--replay"))), replay_every
                )
            results = run_battles(resolved, seeds, recorder)
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


def _check_replay_every(every_s: float) -> None:
    if not 0 < every_s <= 3600:
        raise UsageProblem(f"--replay-every: must be more than 0 and at most 3600 seconds, got {every_s:g}")


def _check_port(port: int) -> None:
    if not 0 <= port <= 65535:
        raise UsageProblem(f"--port: must be between 0 (any free port) and 65535, got {port}")


def _start_server(source: Any, host: str, port: int) -> Any:
    from captainred.replay.server import ViewerServer

    try:
        return ViewerServer(source, host, port)
    except OSError as exc:
        raise UsageProblem(f"--port: cannot listen on {host}:{port} ({exc.strerror or exc})") from None


def _serve_until_interrupted(server: Any) -> None:
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command()
def view(
    replay: Annotated[Path, typer.Argument(help="A replay file written by `run --replay`.")],
    port: Annotated[int, typer.Option(help="Port to serve on (0: any free port).")] = 0,
    host: Annotated[str, typer.Option(help="Address to bind (only this machine by default).")] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open", help="Open the page in the default browser.")] = False,
) -> None:
    """Serve a replay to the browser viewer on this machine and print its address."""
    from captainred.replay import ReplayError, read_replay
    from captainred.replay.server import FileReplay, ViewerNotBuilt

    try:
        _check_port(port)
        read_replay(replay)  # the whole file is checked before the page is offered
        server = _start_server(FileReplay(replay), host, port)
    except (ReplayError, UsageProblem, ViewerNotBuilt) as exc:
        _fail(str(exc))
    print(f"Viewing {replay} at {server.url} (Ctrl-C to stop)", flush=True)
    if open_browser:
        webbrowser.open(server.url)
    _serve_until_interrupted(server)


class _Tee:
    """A sink that writes to several sinks (the live stream and the replay file)."""

    def __init__(self, *sinks: Any) -> None:
        self.sinks = sinks

    def write(self, data: bytes) -> int:
        for sink in self.sinks:
            sink.write(data)
        return len(data)


@app.command()
def watch(
    scenario: Annotated[str, typer.Argument(help="A built-in scenario name or a path to a TOML file.")],
    seed: Annotated[int, typer.Option(help="Seed of the battle.")] = 7,
    port: Annotated[int, typer.Option(help="Port to serve on (0: any free port).")] = 0,
    host: Annotated[str, typer.Option(help="Address to bind (only this machine by default).")] = "127.0.0.1",
    replay_path: Annotated[Path | None, typer.Option("--replay", help="Also keep the replay in this file.")] = None,
    replay_every: Annotated[
        float, typer.Option("--replay-every", help="Sim seconds between samples.")
    ] = DEFAULT_EVERY_S,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the page in the default browser.")] = False,
) -> None:
    """Fight a battle and show it live in the browser viewer as it is simulated."""
    from captainred.replay.server import LiveReplay, ViewerNotBuilt, serve
    from captainred.simulation import run_battles

    live = LiveReplay()
    try:
        _check_port(port)
        if not 0 <= seed < 2**63:
            raise UsageProblem(f"--seed: must be between 0 and 2**63 - 1, got {seed}")
        _check_replay_every(replay_every)
        _check_writable(replay_path, "--replay")
        resolved = load_scenario(scenario)
        server = _start_server(live, host, port)
        serve(server)
        print(f"Watching {resolved.scenario.name} (seed {seed}) at {server.url} (Ctrl-C to stop)", flush=True)
        if open_browser:
            webbrowser.open(server.url)
        with ExitStack() as stack:
            sink: Any = live
            if replay_path is not None:
                sink = _Tee(live, stack.enter_context(_atomic_output(replay_path, "--replay")))
            results = run_battles(resolved, [seed], Recorder(ReplayWriter(sink), replay_every))
    except ScenarioError as exc:
        _fail(exc.line())
    except (UsageProblem, ViewerNotBuilt) as exc:
        _fail(str(exc))
    # From here on Ctrl-C is how the user stops serving: the stream ends (and a page may stop waiting) only
    # inside this block, so an interrupt can only arrive inside it.
    try:
        live.close()
        print(
            f"Battle over after {results[0].sim_seconds:,.0f} s of sim time (digest {results[0].digest[:16]}); "
            "still serving (Ctrl-C to stop)",
            flush=True,
        )
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()


@app.command()
def export(
    replay: Annotated[Path, typer.Argument(help="A replay file written by `run --replay`.")],
    format: Annotated[str, typer.Option("--format", help="What to write: acmi (Tacview).")] = "acmi",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write it (default: beside the replay).")
    ] = None,
) -> None:
    """Convert a replay for other tools: Tacview's ACMI text format."""
    from captainred.replay import ReplayError
    from captainred.replay.acmi import export_acmi

    try:
        if format != "acmi":
            raise UsageProblem(f"--format: unknown format {format!r} (known: acmi)")
        destination = output if output is not None else replay.with_suffix(".acmi")
        if destination.resolve() == replay.resolve():
            raise UsageProblem(f"{destination}: --output: the same file as the replay")
        try:
            stream = replay.open("rb")
        except OSError as exc:
            raise ReplayError(str(replay), "file", f"cannot read ({exc.strerror})") from None
        with stream, _atomic_output(destination, "--output") as handle:
            frames = export_acmi(stream, str(replay), handle)
    except (ReplayError, UsageProblem) as exc:
        _fail(str(exc))
    print(f"Wrote {destination} ({frames:,} frames, Tacview ACMI 2.2)")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


# --- the campaign ---------------------------------------------------------------------------------------------

campaign_app = typer.Typer(
    no_args_is_help=True,
    help="Carry the war from one operation to the next, in a campaign database (SQLite, or PostgreSQL by URL).",
)
app.add_typer(campaign_app, name="campaign")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="A SQLite file or a postgresql:// URL (default: campaigns.db in the user's data directory)."
    ),
]
NameArgument = Annotated[str, typer.Argument(help="The campaign's name.")]


@contextmanager
def _campaign_store(db: str | None) -> Iterator[Any]:
    """Open the campaign database, turning every refusal a player must act on into one `error:` line."""
    from captainred.campaign import CampaignStoreError, open_store
    from captainred.campaign.game import CampaignError

    try:
        with open_store(db) as store:
            yield store
    except (CampaignError, CampaignStoreError, UsageProblem) as exc:
        _fail(str(exc))
    except ScenarioError as exc:
        _fail(exc.line())


@campaign_app.command("new")
def campaign_new(name: NameArgument, db: DbOption = None) -> None:
    """Start the story's campaign, from the first briefing after the invasion."""
    from captainred.campaign.game import new_campaign
    from captainred.campaign.views import campaign_status

    with _campaign_store(db) as store:
        new_campaign(store, name)
        status = campaign_status(store, name)
    upcoming = status.next_operation
    first = f"; first: {upcoming.name} (chapter {upcoming.chapter})" if upcoming else ""
    print(f"Campaign {name!r} started in {store.name}: {len(status.operations)} operations{first}")


@campaign_app.command("status")
def campaign_status_command(name: NameArgument, db: DbOption = None) -> None:
    """Show the fleet, squadrons, pilots, aircraft, intelligence and the next operation's briefing."""
    from captainred.campaign.views import campaign_status

    with _campaign_store(db) as store:
        status = campaign_status(store, name)
    console = Console(width=None if sys.stdout.isatty() else 120)
    console.print(f"[bold]Campaign {status.name}[/bold], day {status.day}")
    fleet = Table(title="Fleet")
    for column in ("carrier", "squadrons", "ready", "under repair"):
        fleet.add_column(column)
    for carrier in status.fleet:
        fleet.add_row(
            carrier.name,
            ", ".join(carrier.squadrons),
            str(carrier.aircraft_ready),
            str(carrier.aircraft_under_repair),
        )
    console.print(fleet)
    squadrons = Table(title="Squadrons")
    for column in ("squadron", "carrier", "type", "pilots fit", "wounded", "aircraft ready", "under repair"):
        squadrons.add_column(column)
    for s in status.squadrons:
        squadrons.add_row(
            s.name,
            s.carrier,
            s.aircraft_type or "-",
            str(s.pilots_fit),
            str(s.pilots_wounded),
            str(s.aircraft_ready),
            str(s.aircraft_under_repair),
        )
    console.print(squadrons)
    pilots = Table(title="Pilots")
    for column in ("pilot", "callsign", "squadron", "status", "skill", "sorties", "hours", "kills", "photos"):
        pilots.add_column(column)
    for p in status.pilots:
        state = f"wounded, {p.days_left} days left" if p.status == "wounded" else p.status
        pilots.add_row(
            p.name + (f" ({p.nickname})" if p.nickname else ""),
            p.callsign,
            p.squadron or "-",
            state,
            f"{p.skill:.2f}",
            str(p.sorties),
            f"{p.hours_flown:.1f}",
            str(p.kills),
            str(p.photos),
        )
    console.print(pilots)
    aircraft = Table(title="Aircraft")
    for column in ("serial", "type", "squadron", "where", "state"):
        aircraft.add_column(column)
    for a in status.aircraft:
        state = f"under repair, {a.days_left} days left" if a.state == "repair" else a.state
        aircraft.add_row(a.serial, a.aircraft_type, a.squadron or "-", a.carrier or "-", state)
    console.print(aircraft)
    if status.intelligence:
        console.print("[bold]Intelligence[/bold]")
        for item in status.intelligence:
            console.print(f"  {item.summary}", markup=False)
    upcoming = status.next_operation
    if upcoming is None:
        console.print("The campaign is over: every operation has been flown.")
    else:
        when = f"in {upcoming.days_before} days" if upcoming.days_before else "now"
        console.print(f"[bold]Next: {upcoming.name}[/bold] (chapter {upcoming.chapter}, {when})")
        console.print(upcoming.briefing.strip(), markup=False)


@campaign_app.command("next")
def campaign_next(name: NameArgument, db: DbOption = None) -> None:
    """Fly the next operation (or live through the next interlude) and record what happened."""
    from captainred.campaign.game import fly_next

    with _campaign_store(db) as store:
        result = fly_next(store, name)
    print(f"{result.name} (chapter {result.chapter}), day {result.flown_on_day}; now day {result.day_after}")
    if result.interlude:
        print(f"  {result.trained} pilots trained; re-equipped: {', '.join(result.re_equipped) or 'none'}")
    else:
        print(f"  {len(result.flew)} flew, {result.kills} kills, {result.photos_returned} photos brought home")
        for fate in ("killed", "missing", "captured", "wounded"):
            names = getattr(result, fate)
            if names:
                print(f"  {fate}: {', '.join(names)}")
        if result.aircraft_lost:
            print(f"  aircraft lost: {', '.join(result.aircraft_lost)}")
        if result.aircraft_under_repair:
            print(f"  under repair: {', '.join(result.aircraft_under_repair)}")
    print(f"  digest {result.digest[:16]}; {result.remaining} operations to go")


@campaign_app.command("history")
def campaign_history_command(name: NameArgument, db: DbOption = None) -> None:
    """List the operations flown, each with its after-action report."""
    from captainred.campaign.views import campaign_history

    with _campaign_store(db) as store:
        history = campaign_history(store, name)
    if not history:
        print(f"Campaign {name!r}: nothing flown yet")
    for entry in history:
        operation = entry.operation
        print(
            f"== {operation.sequence + 1}. {operation.name} (chapter {operation.chapter}, day {operation.flown_on_day})"
        )
        print((entry.report_md or "").rstrip())
        print()


@campaign_app.command("export")
def campaign_export(
    name: NameArgument,
    db: DbOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON here (default: stdout).")
    ] = None,
) -> None:
    """Write the whole campaign as JSON."""
    from captainred.campaign.views import export_campaign

    with _campaign_store(db) as store:
        _check_writable(output, "--output")
        document = export_campaign(store, name)
        text = json.dumps(document, indent=2, allow_nan=False) + "\n"
        if output is None:
            sys.stdout.write(text)
        else:
            _write_atomically(output, text, "--output")
    if output is not None:
        print(f"Wrote {output}")


def _squadron_plan(text: str) -> Any:
    """`CODE:AIRCRAFT[:PHOTO[:ROCKETS]]`, as a SquadronPlan."""
    from pydantic import ValidationError

    from captainred.campaign.story import SquadronPlan

    code, *numbers = text.split(":")
    if not code or not 1 <= len(numbers) <= 3 or not all(n.strip().isdigit() for n in numbers):
        raise UsageProblem(f"--squadron: {text!r}: expected CODE:AIRCRAFT[:PHOTO[:ROCKETS]], e.g. devils:8:2")
    fields = dict(zip(("aircraft", "photo_aircraft", "rockets"), (int(n) for n in numbers), strict=False))
    try:
        return SquadronPlan(squadron=code.strip(), **fields)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        raise UsageProblem(f"--squadron: {text!r}: {where + ': ' if where else ''}{message}") from None


@campaign_app.command("plan")
def campaign_plan(
    name: NameArgument,
    db: DbOption = None,
    squadrons: Annotated[
        list[str] | None,
        typer.Option(
            "--squadron",
            "-s",
            help="CODE:AIRCRAFT[:PHOTO[:ROCKETS]]: a squadron that flies (repeat for each; replaces the plan's).",
        ),
    ] = None,
    bingo: Annotated[
        str | None, typer.Option("--bingo", help="Bingo fuel in kg, or 'auto' (worked out from the distance).")
    ] = None,
    radio: Annotated[
        str | None, typer.Option("--radio", help="Radio discipline: normal, essential or silence.")
    ] = None,
) -> None:
    """Show the next operation's plan and what the fleet can put up, or change it."""
    from captainred.campaign.planning import next_plan, set_plan

    with _campaign_store(db) as store:
        planned = next_plan(store, name)
        changes: dict[str, Any] = {}
        if squadrons:
            changes["squadrons"] = tuple(_squadron_plan(text) for text in squadrons)
            codes = [s.squadron for s in changes["squadrons"]]
            twice = sorted({code for code in codes if codes.count(code) > 1})
            if twice:
                raise UsageProblem(f"--squadron: {', '.join(twice)} given twice")
        if bingo is not None:
            if bingo == "auto":
                changes["bingo_fuel_kg"] = None
            else:
                try:
                    changes["bingo_fuel_kg"] = float(bingo)
                except ValueError:
                    raise UsageProblem(f"--bingo: {bingo!r}: a number of kg, or 'auto'") from None
                if not 0 <= changes["bingo_fuel_kg"] <= 100_000:
                    raise UsageProblem(f"--bingo: {bingo}: must be between 0 and 100000 kg")
        if radio is not None:
            if radio not in ("normal", "essential", "silence"):
                raise UsageProblem(f"--radio: {radio!r}: one of normal, essential, silence")
            changes["radio"] = radio
        if changes:
            planned = set_plan(store, name, planned.plan.model_copy(update=changes))
    plan = planned.plan
    print(f"{planned.operation} ({planned.scenario}), flying on day {planned.day}")
    bingo_text = "auto" if plan.bingo_fuel_kg is None else f"{plan.bingo_fuel_kg:g} kg"
    print(f"  radio: {plan.radio or 'as briefed'}; bingo fuel: {bingo_text}")
    for s in plan.squadrons:
        rockets = "full load" if s.rockets is None else f"{s.rockets}"
        print(f"  {s.squadron}: {s.aircraft} aircraft, {s.photo_aircraft} with cameras, rockets: {rockets}")
    print("Can put up:")
    for r in planned.readiness:
        kind = r.aircraft_type or "no aircraft"
        print(f"  {r.code}: {r.can_fly} ({r.pilots_fit} fit pilots, {r.aircraft_ready} ready {kind})")
