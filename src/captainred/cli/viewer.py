"""`captainred view`, `watch` and `export`: a replay served to the browser viewer on this machine, a battle
shown live as it is fought, and a replay converted for other tools."""

from __future__ import annotations

import threading
import webbrowser
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from captainred.cli.common import (
    UsageProblem,
    app,
    atomic_output,
    check_replay_every,
    check_writable,
    fail,
)
from captainred.replay.format import DEFAULT_EVERY_S, ReplayWriter
from captainred.scenario import ScenarioError, load_scenario


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
    from captainred.replay import ReplayError
    from captainred.replay.format import check_replay
    from captainred.replay.server import FileReplay, ViewerNotBuilt

    try:
        _check_port(port)
        check_replay(replay)  # the whole file is checked, a chunk at a time, before the page is offered
        server = _start_server(FileReplay(replay), host, port)
    except (ReplayError, UsageProblem, ViewerNotBuilt) as exc:
        fail(str(exc))
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
    from captainred.replay.record import Recorder
    from captainred.replay.server import LiveReplay, ViewerNotBuilt, serve
    from captainred.simulation import run_battles

    live = LiveReplay()
    try:
        _check_port(port)
        if not 0 <= seed < 2**63:
            raise UsageProblem(f"--seed: must be between 0 and 2**63 - 1, got {seed}")
        check_replay_every(replay_every)
        check_writable(replay_path, "--replay")
        resolved = load_scenario(scenario)
        server = _start_server(live, host, port)
        serve(server)
        print(f"Watching {resolved.scenario.name} (seed {seed}) at {server.url} (Ctrl-C to stop)", flush=True)
        if open_browser:
            webbrowser.open(server.url)
        with ExitStack() as stack:
            sink: Any = live
            if replay_path is not None:
                sink = _Tee(live, stack.enter_context(atomic_output(replay_path, "--replay")))
            results = run_battles(resolved, [seed], Recorder(ReplayWriter(sink), replay_every))
    except ScenarioError as exc:
        fail(exc.line())
    except (UsageProblem, ViewerNotBuilt) as exc:
        fail(str(exc))
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
    from captainred.scenario.bounded import open_without_waiting

    try:
        if format != "acmi":
            raise UsageProblem(f"--format: unknown format {format!r} (known: acmi)")
        destination = output if output is not None else replay.with_suffix(".acmi")
        if destination.resolve() == replay.resolve():
            raise UsageProblem(f"{destination}: --output: the same file as the replay")
        try:
            stream = open_without_waiting(replay)
        except OSError as exc:
            raise ReplayError(str(replay), "file", f"cannot read ({exc.strerror})") from None
        with stream, atomic_output(destination, "--output") as handle:
            frames = export_acmi(stream, str(replay), handle)
    except (ReplayError, UsageProblem) as exc:
        fail(str(exc))
    print(f"Wrote {destination} ({frames:,} frames, Tacview ACMI 2.2)")
