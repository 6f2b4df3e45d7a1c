"""An output folder written whole or not at all: everything goes into a hidden folder beside it, which is
renamed into place only when the command has finished; a failure (a bad target found late, Ctrl-C) leaves
nothing behind. The sweep writes file by file into its own folder, because it must resume; a calibration
or a sensitivity analysis does not resume, so it can afford to land all at once."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from captainred.sweep.errors import SweepError


def check_out(out: Path) -> None:
    """Refuse an output folder that holds something already, or whose parent is not there, before any run."""
    if out.exists() and not out.is_dir():
        raise SweepError(f"{out}: --out: is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        raise SweepError(f"{out}: --out: the folder is not empty")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise SweepError(f"{out}: --out: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise SweepError(f"{out}: --out: the folder {parent} is not writable")


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A fresh hidden folder to write into; on success it becomes `out`, on any failure it goes."""
    check_out(out)
    parent = out.parent if str(out.parent) else Path(".")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    except OSError as exc:
        raise SweepError(f"{out}: --out: cannot write ({exc.strerror})") from None
    try:
        yield staging
        staging.chmod(0o755)
        if out.is_dir():
            out.rmdir()  # empty (checked above): the finished folder takes its place
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
