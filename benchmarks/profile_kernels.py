"""Where the step's time goes, kernel by kernel: `perf` over a tiled World, with the kernels named.

Run by hand on Linux with `perf` installed (not part of the test suite):

    .venv/bin/python benchmarks/profile_kernels.py                  # 9,963 craft, one thread, 1,000 steps
    .venv/bin/python benchmarks/profile_kernels.py --battles 9 --steps 3000 --top 40

`perf` names the C maths library's functions and Python's, but a compiled kernel is code Numba wrote
into memory: without help every sample in it reads `[unknown]`. This script compiles the kernels
afresh (into a temporary cache folder: a kernel loaded back from the cache keeps no record of where its
functions start), steps a World until every kernel the step uses is compiled, and writes
`/tmp/perf-PID.map`, the file in which `perf report` looks up the names of code it cannot otherwise name:
each compiled function's address, with its size taken as the distance to the next one (code between
two functions that is neither's, such as Numba's wrappers, counts to the first). Then `perf record`
attaches to this process, the steps are timed under it, and `perf report` prints the top symbols and the
share of each library. A kernel's share includes what LLVM inlined into it; the maths library's calls
stay apart (`__sincos_fma`, `hypot`, `atan2`...).

`--callers` also names the kernels that call Numba's reference counts (`NRT_incref`, `NRT_decref`: small
functions of their own that the compiled code calls, often from inside a loop where a helper takes
arrays). `perf` cannot walk a compiled kernel's stack, but those two push nothing: the word at the top of
the stack when one is sampled is the address it returns to, in its caller. The samples are recorded with
64 bytes of the stack each (`--call-graph dwarf,64`), and that word is looked up in the map.

The World is the one `bench_engine.py` times: `manhattan-recon` battles warmed to 60 s of combat and
tiled (`--battles` is how many times the 9 warmed battles are copied; 9 gives 9,963 craft).
"""

from __future__ import annotations

import argparse
import bisect
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

# Before Numba is imported: a fresh cache, so every kernel is compiled here and can be located.
os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="captainred-profile-")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from numba.core.registry import CPUDispatcher

from bench_engine import tile, warm
from captainred.engine.setup import build_world
from captainred.engine.threads import Twins
from captainred.scenario import load_scenario
from captainred.simulation import Simulation, run_battles

MAP_MAX_BYTES = 1 << 20  # no function is longer
LAST_BYTES = 256  # the highest function's size is unknown: small, so it cannot take code that is not its own


def readable(symbol: str) -> str:
    """`captainred.engine.grid._nearest_on_grid` from Numba's mangled name (the length-prefixed parts)."""
    body = symbol.removeprefix("_ZN")
    parts, at = [], 0
    while at < len(body) and body[at].isdigit():
        digits = re.match(r"\d+", body[at:])
        assert digits is not None
        length, at = int(digits.group()), at + len(digits.group())
        parts.append(body[at : at + length])
        at += length
    return ".".join(parts) if parts else symbol[:100]


def compiled_functions() -> dict[int, str]:
    """Address → name of every function of every compiled kernel this process holds."""
    dispatchers: list[Any] = []  # CPUDispatcher, whose compiled results Numba leaves untyped
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("captainred"):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, CPUDispatcher):
                dispatchers.append(value)
            elif isinstance(value, Twins):
                dispatchers += [value.in_turn, value.in_parallel]
    found: dict[int, str] = {}
    for dispatcher in dispatchers:
        for compiled in dispatcher.overloads.values():
            library = compiled.library
            engine = library._codegen._engine
            for function in library._final_module.functions:
                if function.is_declaration:
                    continue
                address = engine.get_function_address(function.name)
                if address:
                    found[address] = readable(function.name)
    return found


def write_perf_map(functions: dict[int, str]) -> Path:
    path = Path(f"/tmp/perf-{os.getpid()}.map")
    starts = sorted(functions)
    lines = []
    for i, start in enumerate(starts):
        size = min(starts[i + 1] - start, MAP_MAX_BYTES) if i + 1 < len(starts) else LAST_BYTES
        lines.append(f"{start:x} {size:x} {functions[start]}\n")
    path.write_text("".join(lines))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--battles", type=int, default=9, help="copies of the 9 warmed battles (9: 9,963 craft)")
    parser.add_argument("--steps", type=int, default=1000, help="steps profiled")
    parser.add_argument("--top", type=int, default=30, help="symbols listed")
    parser.add_argument("--out", type=Path, default=Path("perf-kernels.data"), help="perf's data file")
    parser.add_argument("--callers", action="store_true", help="name the kernels that call NRT_incref/decref")
    parser.add_argument(
        "--whole",
        type=int,
        default=0,
        metavar="N",
        help="profile N whole battles (seeds 1..N) from launch to end, as a sweep's chunk fights them",
    )
    args = parser.parse_args()

    resolved = load_scenario("manhattan-recon")
    print("compiling every kernel afresh (about half a minute)...", flush=True)
    sim = Simulation(tile(warm(resolved, list(range(1, 10)), 60.0).world, resolved, args.battles))
    for _ in range(3):
        sim.step()
    if args.whole:
        run_battles(resolved, [1])  # every kernel a whole battle calls, compiled before perf attaches
        sim = Simulation(build_world(resolved, list(range(1, args.whole + 1))))
    perf_map = write_perf_map(compiled_functions())
    args.out.unlink(missing_ok=True)
    record = subprocess.Popen(
        [
            "perf",
            "record",
            *(["--call-graph", "dwarf,64"] if args.callers else []),
            "-F",
            "1999",
            "-p",
            str(os.getpid()),
            "-o",
            str(args.out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30.0
    while not args.out.exists():  # perf has attached once it has opened its output
        if record.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"error: perf record did not start (is perf installed and allowed?); exit {record.poll()}")
        time.sleep(0.05)
    start = time.perf_counter()
    steps = 0
    while (steps < args.steps or args.whole) and not sim.finished:
        sim.step()
        steps += 1
    seconds = time.perf_counter() - start
    record.send_signal(signal.SIGINT)
    record.wait(timeout=60)
    print(f"{sim.world.n:,} craft, {steps} steps in {seconds:.2f} s: {seconds / steps * 1e3:.2f} ms a step")
    for sort in ("dso", "symbol"):
        report = subprocess.run(
            ["perf", "report", "-i", str(args.out), "--sort", sort, "--stdio", "--no-children", "-g", "none"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rows = [line.rstrip() for line in report.splitlines() if line.strip() and not line.startswith("#")]
        print(f"\nby {sort}:")
        print("\n".join(rows[: 8 if sort == "dso" else args.top]))
    if args.callers:
        print_reference_count_callers(args.out, perf_map, args.top)
    perf_map.unlink(missing_ok=True)


def print_reference_count_callers(data: Path, perf_map: Path, top: int) -> None:
    """Of the samples in `NRT_incref` or `NRT_decref`, the share of all samples by the kernel each returns
    to (the first word of its stack), from `perf report -D`'s dump of each sample's raw bytes."""
    spans = []
    for line in perf_map.read_text().splitlines():
        start, size, name = line.split(" ", 2)
        spans.append((int(start, 16), int(start, 16) + int(size, 16), name))
    spans.sort()
    starts = [span[0] for span in spans]

    def name_of(address: int) -> str | None:
        i = bisect.bisect_right(starts, address) - 1
        return spans[i][2] if i >= 0 and address < spans[i][1] else None

    dump = subprocess.run(
        ["perf", "report", "-D", "-i", str(data)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    callers: Counter[tuple[str, str]] = Counter()
    samples, raw, ip = 0, bytearray(), 0
    for line in dump:
        if line.startswith(". ... raw event: size"):
            raw = bytearray()
        elif line.startswith(".  ") and ":" in line[:10]:
            raw += bytes(int(h, 16) for h in line[8:56].split())
        elif "PERF_RECORD_SAMPLE" in line:
            samples += 1
            found = re.search(r"PERF_RECORD_SAMPLE\(.*?\): \d+/\d+: (0x[0-9a-f]+)", line)
            ip = int(found.group(1), 16) if found else 0
        elif line.startswith("... ustack: size") and ip:
            leaf = name_of(ip)
            offset = int(line.rsplit("offset ", 1)[1], 16)
            if leaf in ("NRT_incref", "NRT_decref") and len(raw) >= offset + 16:
                returns_to = int.from_bytes(raw[offset + 8 : offset + 16], "little")
                callers[(leaf, name_of(returns_to) or "?")] += 1
            ip = 0
    print(f"\nreference counts by the kernel that called them (share of all {samples:,} samples):")
    for (leaf, caller), count in callers.most_common(top):
        print(f"    {100 * count / max(samples, 1):5.2f}%  {leaf:11s} {caller}")


if __name__ == "__main__":
    main()
