"""Where Numba keeps the compiled kernels: in a folder named by the sources that compile into them.

Numba checks a cached kernel against its own source file only. The engine's kernels call one another
across modules (a compiled call is compiled into its caller) and read other modules' constants, so a
kernel whose own file did not change would be loaded stale after a change elsewhere: the old rule, with no
warning, and digests that no longer match the sources. A folder per state of the sources makes any change
a fresh compile, and every process of the same sources (the test workers, a sweep's workers, the next
`captainred run`) shares one.

The folders lie under `NUMBA_CACHE_DIR` where that is set, else under the user's cache folder. Only the
few most recently used are kept.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import platformdirs

PACKAGE = Path(__file__).resolve().parent
# The parts whose modules hold kernels, or constants and enums that kernels read when they compile.
KERNEL_PARTS = ("doctrine", "engine", "fleet", "front", "raid", "rl", "scenario")
PREFIX = "captainred-kernels-"
KEEP = 4  # folders of other source states kept (the most recently used)


def sources_digest(package: Path = PACKAGE, parts: tuple[str, ...] = KERNEL_PARTS) -> str:
    """A short digest of every Python source file of the parts that compile into kernels: their paths
    within the package and their contents."""
    digest = hashlib.sha256()
    for part in parts:
        for path in sorted((package / part).rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def kernel_cache_dir(base: Path, digest: str) -> Path:
    """The folder for these sources under `base`."""
    return base / f"{PREFIX}{digest}"


def base_dir() -> Path:
    """Where the folders go: `NUMBA_CACHE_DIR`, or above it where this package already named it (in a
    process started by one that set it), else the user's cache folder."""
    given = os.environ.get("NUMBA_CACHE_DIR")
    if not given:
        return Path(platformdirs.user_cache_dir("captainred"))
    path = Path(given)
    return path.parent if path.name.startswith(PREFIX) else path


def use_kernel_cache() -> Path | None:
    """Point Numba at this source state's folder (before any kernel is compiled or loaded), make it, and
    drop the least recently used folders of other states beyond `KEEP`. Returns the folder; where no
    folder can be made (a read-only home and temporary folder), None, and Numba caches as it would."""
    digest = sources_digest()
    user = os.getuid() if hasattr(os, "getuid") else "user"
    for base in (base_dir(), Path(tempfile.gettempdir()) / f"captainred-{user}"):
        folder = kernel_cache_dir(base, digest)
        fresh = not folder.exists()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            os.utime(folder)  # used now: the last to be dropped
        except OSError:
            continue
        # Numba reads this when it is first imported (not before it is needed: a sweep's own process, a
        # scenario check or `--help` never imports it), and the processes this one starts find the
        # same folder. A Numba imported before this package has read its settings already: told here.
        os.environ["NUMBA_CACHE_DIR"] = str(folder)
        numba = sys.modules.get("numba")
        if numba is not None:
            numba.config.CACHE_DIR = str(folder)  # read as each kernel is declared
        if fresh:
            _drop_old_folders(base, folder)
        return folder
    return None


def current_folder() -> Path | None:
    """The folder `use_kernel_cache` named for this process (or for the process that started it), where
    it could make one; None where Numba caches as it would."""
    given = os.environ.get("NUMBA_CACHE_DIR", "")
    folder = Path(given)
    return folder if given and folder.name.startswith(PREFIX) and folder.is_dir() else None


def _drop_old_folders(base: Path, keep: Path) -> None:
    """Drop the folders of other source states beyond the `KEEP` most recently used. Another process may
    be dropping them at the same time: a folder gone meanwhile is simply passed over."""
    others: list[tuple[float, Path]] = []
    for folder in base.glob(f"{PREFIX}*"):
        try:
            if folder.is_dir() and folder != keep:
                others.append((folder.stat().st_mtime, folder))
        except OSError:
            continue
    others.sort(reverse=True)
    for _, old in others[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
