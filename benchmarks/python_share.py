"""How much of a step is Python between the kernels, and where: read a py-spy profile, print the shares.

A compiled kernel's time shows in a native profile as frames with no symbol (Numba's code) or in the C
library's maths; everything else under `Simulation.step` (the interpreter, NumPy, Numba typing each call's
arguments, `malloc`) is the Python between the kernels. This script sorts the samples so, by the stage
they fall in (the frame under `Simulation.step`) and by the innermost function of the package. py-spy is
not a dependency of the project: run it from a folder of its own (`pip download py-spy`, unpack the wheel)
or any installed copy.

    py-spy record --native --subprocesses -r 200 -f raw -o chunk.txt -- \
        .venv/bin/python -m captainred sweep manhattan-recon --runs 64 --workers 1 -q --out /tmp/profiled
    .venv/bin/python benchmarks/python_share.py chunk.txt
    .venv/bin/python benchmarks/python_share.py chunk.txt --stage _fire   # one stage's Python, by line

Only samples with `Simulation.step` in their stack count, so start-up, compiling, the tables and the
plots are left out. A profile of `bench_alone.py` or of any script that steps a Simulation reads the same.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

STEP_FRAME = "Simulation.step "
PACKAGE = "captainred/"


@dataclass
class Shares:
    """Samples under `Simulation.step`: in all, by kind of leaf, by stage, and the Python by function."""

    total: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    stages: Counter[str] = field(default_factory=Counter)
    stage_python: Counter[str] = field(default_factory=Counter)
    python_at: Counter[str] = field(default_factory=Counter)  # innermost frame of the package


def leaf_kind(leaf: str) -> str:
    """What a sample's innermost frame is: `compiled` (no symbol: Numba's code), `maths` (the C library's
    maths the kernels call), `numpy`, `interpreter`, or `other` (typing, allocation, the C library)."""
    if leaf.endswith("(?)"):
        return "compiled"
    if "libm" in leaf:
        return "maths"
    if "numpy" in leaf or "_multiarray" in leaf:
        return "numpy"
    if "libpython" in leaf or ".py:" in leaf:
        return "interpreter"
    return "other"


def read_shares(lines: Iterable[str], stage: str | None = None) -> Shares:
    """The shares of py-spy's raw lines (`frame;frame;... count`). With `stage`, `python_at` counts only
    that stage's Python, by line; otherwise every stage's, by function."""
    shares = Shares()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        steps = [i for i, f in enumerate(frames) if f.startswith(STEP_FRAME)]
        if not steps:
            continue
        n = int(count)
        below = frames[steps[-1] + 1 :]
        name = below[0].split(" (")[0] if below else "(the step itself)"
        kind = leaf_kind(frames[-1])
        shares.total += n
        shares.kinds[kind] += n
        shares.stages[name] += n
        if kind in ("compiled", "maths"):
            continue
        shares.stage_python[name] += n
        if stage is not None and name != stage:
            continue
        ours = [f for f in below if PACKAGE in f] or [STEP_FRAME.strip()]
        where = ours[-1] if stage is not None else ours[-1].split(":")[0] + ")"
        shares.python_at[where] += n
    return shares


def report(shares: Shares, top: int, out: TextIO | None = None) -> None:
    out = out if out is not None else sys.stdout
    if not shares.total:
        print("no samples under Simulation.step", file=out)
        return

    def pct(n: int) -> str:
        return f"{100.0 * n / shares.total:5.1f}%"

    python = shares.total - shares.kinds["compiled"] - shares.kinds["maths"]
    print(f"{shares.total} samples under Simulation.step; Python between the kernels {pct(python)}", file=out)
    for kind, n in shares.kinds.most_common():
        print(f"  {kind:12s} {pct(n)}", file=out)
    print("by stage (all / Python):", file=out)
    for name, n in shares.stages.most_common(top):
        print(f"  {name:30s} {pct(n)} {pct(shares.stage_python[name])}", file=out)
    print("Python by the package's innermost frame:", file=out)
    for where, n in shares.python_at.most_common(top):
        print(f"  {pct(n)} {where}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("profile", type=Path, help="py-spy's raw output (record -f raw)")
    parser.add_argument("--stage", help="one stage's Python, by line (a name as printed, e.g. _fire)")
    parser.add_argument("--top", type=int, default=20, help="rows of each table")
    args = parser.parse_args(argv)
    with args.profile.open(encoding="utf-8", errors="replace") as lines:
        report(read_shares(lines, args.stage), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
