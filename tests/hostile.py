"""Running the `captainred` command as a hostile user would: a real process, under a memory ceiling and a
deadline, that must refuse bad input with one `error:` line and exit status 2."""

from __future__ import annotations

import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from on_threads import child_env

MEMORY_CEILING_BYTES = 2 << 30  # a refused file of a few kilobytes must never come near this
DEADLINE_S = 120.0


@dataclass(frozen=True)
class Refusal:
    code: int
    out: str
    err: str

    @property
    def line(self) -> str:
        return self.err.strip()


def _ceiling() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CEILING_BYTES, MEMORY_CEILING_BYTES))


def captainred_bounded(*args: str | Path, cwd: Path | None = None, timeout_s: float = DEADLINE_S) -> Refusal:
    """`python -m captainred ARGS` with its address space capped, so memory that grows with a number in
    the input ends in a MemoryError (a failure here) rather than in swapping the machine."""
    env = child_env(COLUMNS="240", NO_COLOR="1")
    done = subprocess.run(
        [sys.executable, "-m", "captainred", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        preexec_fn=_ceiling,
    )
    return Refusal(done.returncode, done.stdout, done.stderr)


def assert_refused(ran: Refusal, *words: str) -> str:
    """Exit status 2, one `error:` line on stderr naming each of `words`, no traceback; returns the line."""
    assert "Traceback" not in ran.err, ran.err[-2000:]
    assert ran.code == 2, (ran.code, ran.err[-2000:])
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, ran.err
    assert lines[0].startswith("error: "), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]
