"""`captainred` as a user types it, in a fresh process: the helpers the end-to-end tests share."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from on_threads import child_env


def captainred(
    *args: str | Path, timeout_s: float = 300, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m captainred ARGS`, wide enough that Rich does not wrap its tables, without colour."""
    env = {**(env or child_env()), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "captainred", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout_s,
    )


def one_error_line(ran: subprocess.CompletedProcess[str]) -> str:
    """The one line a refusal prints (exit status 2, `error: ...`, no traceback)."""
    assert ran.returncode == 2, ran.stderr
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), ran.stderr
    assert "Traceback" not in ran.stderr
    return lines[0]
