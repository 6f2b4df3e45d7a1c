"""What every `captainred` sub-command shares: the Typer app, the one-line error for a user's mistake (exit
status 2), and files written whole or not at all."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO

import typer
from rich.console import Console

from captainred.interrupts import interrupts_held
from captainred.scenario.errors import one_line

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Captain Red: Air Command against the LGF swarm. Load a scenario, fight it, read what happened.",
)
err = Console(stderr=True, highlight=False, soft_wrap=True)


_THE_WHOLE_PROCESS = [False]  # the command runs as `captainred` itself, not inside another program


def the_whole_process() -> None:
    """Said by `captainred`'s own entry point: the process ends with the command."""
    _THE_WHOLE_PROCESS[0] = True


def nothing_left_to_free() -> None:
    """Said by a command that has written, closed and printed everything it will and holds no connection
    to a server: if the process ends with it, what it still holds is kept out of the collector's passes
    (`gc.freeze`). Python's exit otherwise walks every object the process holds (the engine, its loaded
    kernels, plotting, Arrow) to free cycles in memory that the process is about to give back whole:
    0.2-0.3 s after a sweep or a battle, more than some battles take. Called inside another program (a
    test), it does nothing."""
    if _THE_WHOLE_PROCESS[0]:
        gc.freeze()


class UsageProblem(Exception):
    """A bad option value: reported like a scenario error."""


def fail(line: str) -> None:
    """Bad input: one line on stderr (a control character in it written as its escape), exit status 2."""
    err.print(f"error: {one_line(line)}", markup=False)
    raise typer.Exit(2)


@contextmanager
def atomic_output(path: Path, what: str) -> Iterator[BinaryIO]:
    """Write the whole file or nothing: a temporary file beside it, renamed into place only if the
    block finishes; on any failure the temporary file goes and the old file (if any) stays."""
    check_writable(path, what)
    folder = path.parent if str(path.parent) else Path(".")
    with ExitStack() as cleanup:
        # Held, so that a Ctrl-C cannot fall between the file's making and the note to remove it.
        with interrupts_held():
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
            except OSError as exc:
                raise UsageProblem(f"{path}: {what}: cannot write ({exc.strerror})") from None
            cleanup.callback(Path(tmp).unlink, missing_ok=True)  # nothing left to remove once renamed
        try:
            # mkstemp makes the file private (0600); give it the mode an ordinary `open` would have.
            os.fchmod(fd, new_file_mode(path))
            with os.fdopen(fd, "wb") as handle:
                yield handle
            os.replace(tmp, path)
        except OSError as exc:
            raise UsageProblem(f"{path}: {what}: cannot write ({exc.strerror})") from None


def write_atomically(path: Path, text: str, what: str) -> None:
    with atomic_output(path, what) as handle:
        handle.write(text.encode("utf-8"))


def new_file_mode(path: Path) -> int:
    """The mode a file written in place would have: the old file's, or 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def check_writable(path: Path | None, what: str) -> None:
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


MIN_REPLAY_EVERY_S = 0.01  # below the finest tick a scenario may take: a frame a step at most either way


def check_replay_every(every_s: float) -> None:
    if not MIN_REPLAY_EVERY_S <= every_s <= 3600:
        raise UsageProblem(f"--replay-every: must be between {MIN_REPLAY_EVERY_S:g} and 3600 seconds, got {every_s:g}")
