"""Two versions of the engine timed side by side: the same chunk of battles fought by each at the same
time, one on each core, their cores swapped every round.

Run by hand (its smoke test runs it on a tiny scenario):

    .venv/bin/python benchmarks/bench_pair.py HEAD~1                 # the commit before against this tree
    .venv/bin/python benchmarks/bench_pair.py 413dc09 HEAD --rounds 6
    .venv/bin/python benchmarks/bench_pair.py HEAD . --battles 16 --scenario fifty-mile-circuit

On the shared machines we measure on, the same chunk of 64 recon battles has taken anything from 14 to
21 s within an hour, so two versions timed one after the other differ by more than most changes are
worth. Fought at the same time on the two cores, both meet the same neighbours: over four rounds of one
version against itself the ratio of their times stayed within 3% (`README.md`, 2026-12-08), where runs
in turn differed by a third.

Each version is a git revision (checked out into a temporary worktree, removed after) or a folder that
holds the package's `src` (`.`, the working tree, is the default for the second). A round starts one
process for each version, with that version's `src` first on `PYTHONPATH` and this file as the program.
Each process fights one battle of the scenario to compile and load its kernels, says it is ready and
waits; when both are ready both are told to go, and each fights `--battles` battles (seeds 1..N) in one
World, as a sweep's worker fights its chunk, and reports the seconds, the steps and a digest of the
battles' event logs. The report gives each round's seconds and the ratio first ÷ second, their medians,
and whether the two versions' digests agree: a change meant to be exact must leave them equal.

With fewer than two cores the processes run one after the other, and the report says so.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve()
REPO = HERE.parent.parent
READY, GO = "ready", "go"


# ------------------------------------------------------------------------------- one version's process


def fight_chunk(scenario: str, battles: int, threads: int, say: IO[str], hear: IO[str]) -> None:
    """The child's work: warm up, say `READY`, wait for `GO`, fight, print one line of JSON."""
    import time

    import numba

    numba.set_num_threads(threads)
    from captainred.engine.setup import build_world
    from captainred.scenario import load_scenario
    from captainred.simulation import Simulation

    resolved = load_scenario(scenario)
    warming = Simulation(build_world(resolved, [1]))  # compiles or loads every kernel a battle calls
    while not warming.finished:
        warming.step()
    sim = Simulation(build_world(resolved, list(range(1, battles + 1))))
    print(READY, file=say, flush=True)
    if hear.readline().strip() != GO:
        return
    start = time.perf_counter()
    while not sim.finished:
        sim.step()
    seconds = time.perf_counter() - start
    digests = "".join(result.digest for result in sim.results())
    digest = hashlib.sha256(digests.encode()).hexdigest()[:16]
    print(json.dumps({"seconds": seconds, "steps": sim.steps, "digest": digest}), file=say, flush=True)


# ---------------------------------------------------------------------------------------- the harness


@dataclass(frozen=True)
class Version:
    label: str  # as the user named it
    src: Path  # the folder that holds the package


@dataclass(frozen=True)
class Run:
    seconds: float
    steps: int
    digest: str


@contextmanager
def checked_out(name: str, stack: list[Path]) -> Iterator[Version]:
    """`name` as a version: a folder with `src` as it is, or a git revision in a temporary worktree."""
    folder = Path(name)
    if (folder / "src" / "captainred").is_dir():
        yield Version(name, folder.resolve() / "src")
        return
    where = Path(tempfile.mkdtemp(prefix="captainred-pair-"))
    added = subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(where), name],
        capture_output=True,
        text=True,
    )
    if added.returncode:
        raise SystemExit(f"bench_pair: {name!r} is neither a folder with src/captainred nor a revision git knows")
    stack.append(where)
    try:
        yield Version(name, where / "src")
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(where)], capture_output=True)


def start(version: Version, args: argparse.Namespace, core: int | None) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(version.src), NUMBA_NUM_THREADS=str(args.threads))
    command = [sys.executable, str(HERE), "--child", "--scenario", args.scenario, "--battles", str(args.battles)]
    command += ["--threads", str(args.threads)]

    def pin() -> None:  # in the child, before it runs Python: its threads inherit the core
        if core is not None:
            os.sched_setaffinity(0, {core})

    return subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=pin)


def expect(process: subprocess.Popen[str], what: str) -> str:
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line:
        process.wait()
        raise SystemExit(f"bench_pair: a version's process ended before it was {what} (exit {process.returncode})")
    return line


def go(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.write(GO + "\n")
    process.stdin.flush()


def finish(process: subprocess.Popen[str]) -> Run:
    data: dict[str, Any] = json.loads(expect(process, "done"))
    process.wait()
    return Run(float(data["seconds"]), int(data["steps"]), str(data["digest"]))


def round_of(versions: tuple[Version, Version], args: argparse.Namespace, cores: list[int], k: int) -> tuple[Run, Run]:
    """One round: both versions' chunks at once, one on each core (swapped on odd rounds); or in turn."""
    if len(cores) < 2:
        runs = []
        for version in versions:
            process = start(version, args, None)
            expect(process, READY)
            go(process)
            runs.append(finish(process))
        return runs[0], runs[1]
    first_core, second_core = (cores[0], cores[1]) if k % 2 == 0 else (cores[1], cores[0])
    processes = (start(versions[0], args, first_core), start(versions[1], args, second_core))
    try:
        for process in processes:
            expect(process, READY)
        for process in processes:
            go(process)
        return finish(processes[0]), finish(processes[1])
    finally:
        for process in processes:  # one failed: the other stops too
            if process.poll() is None:
                process.kill()
                process.wait()


def compare(versions: tuple[Version, Version], args: argparse.Namespace) -> dict[str, Any]:
    cores = sorted(os.sched_getaffinity(0))[:2] if hasattr(os, "sched_getaffinity") else []
    rounds = [round_of(versions, args, cores, k) for k in range(args.rounds)]
    ratios = [a.seconds / b.seconds for a, b in rounds]
    digests = {run.digest for pair in rounds for run in pair}
    return {
        "scenario": args.scenario,
        "battles": args.battles,
        "threads": args.threads,
        "side_by_side": len(cores) >= 2,
        "versions": [v.label for v in versions],
        "seconds": [[a.seconds for a, _ in rounds], [b.seconds for _, b in rounds]],
        "steps": [rounds[0][0].steps, rounds[0][1].steps],
        "digests": [rounds[0][0].digest, rounds[0][1].digest],
        "same_digests": len(digests) == 1,
        "ratios": ratios,
        "median_ratio": statistics.median(ratios),
    }


def report(result: dict[str, Any]) -> str:
    first, second = result["versions"]
    how = "side by side, cores swapped each round" if result["side_by_side"] else "one after the other (one core)"
    lines = [
        f"{result['scenario']}: {result['battles']} battles in one World, {result['threads']} thread(s), {how}",
        f"{'round':>5}  {first[:18]:>18}  {second[:18]:>18}  {'ratio':>6}",
    ]
    for k, (a, b, ratio) in enumerate(zip(*result["seconds"], result["ratios"], strict=True), start=1):
        lines.append(f"{k:>5}  {a:>16.2f} s  {b:>16.2f} s  {ratio:>6.3f}")
    medians = [statistics.median(times) for times in result["seconds"]]
    lines.append(f"{'median':>6} {medians[0]:>16.2f} s  {medians[1]:>16.2f} s  {result['median_ratio']:>6.3f}")
    lines.append(f"{first} ÷ {second}: {result['median_ratio']:.3f} (above 1: {second} is faster)")
    same = "the same" if result["same_digests"] else "DIFFERENT"
    lines.append(f"digests {same}: {result['digests'][0]} / {result['digests'][1]}; steps {result['steps']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", nargs="?", default="HEAD", help="a git revision or a folder with src/ (HEAD)")
    parser.add_argument("second", nargs="?", default=".", help="the same (.: the working tree)")
    parser.add_argument("--scenario", default="manhattan-recon", help="a built-in scenario's name or a TOML file")
    parser.add_argument("--battles", type=int, default=64, help="battles in the World each version fights (64)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds, each version once a round (4)")
    parser.add_argument("--threads", type=int, default=1, help="Numba threads in each process (1)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.battles < 1 or args.rounds < 1 or args.threads < 1:
        parser.error("--battles, --rounds and --threads must be at least 1")
    if args.child:
        fight_chunk(args.scenario, args.battles, args.threads, sys.stdout, sys.stdin)
        return 0
    stack: list[Path] = []
    try:
        with checked_out(args.first, stack) as first, checked_out(args.second, stack) as second:
            result = compare((first, second), args)
    finally:
        for where in stack:
            with suppress(OSError):
                where.rmdir()
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
