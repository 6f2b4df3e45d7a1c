"""The helper that compiles the kernels on a second core during a cold start (`captainred.compile_ahead`):
what it reads, where it writes, when it starts, and that its signature file is current."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from captainred import compile_ahead
from captainred.compile_ahead import DONE, ENV, LOCK, SIGNATURES
from captainred.engine.threads import cores
from captainred.kernel_cache import kernel_cache_dir, sources_digest
from on_threads import child_env
from waiting import wait_for

# Two small kernels compiled lazily (from their first call), a line that names no kernel, and one whose
# types do not parse: the helper compiles the first two and passes over the rest.
SMALL = (
    "# a test's own signatures\n"
    "# captainred first\n"
    "captainred.scenario.maps\thalf_width_at\t(float64,)\n"
    "captainred.engine.rng\tno_such_kernel\t(int64,)\n"
    "# captainred second\n"
    "captainred.scenario.maps\t_height_of_cell\t(float64, float64)\n"
    "captainred.scenario.maps\thalf_width_at\t(no_such_type,)\n"
)


def test_the_helper_goes_through_each_section_last_kernel_first(tmp_path: Path) -> None:
    path = tmp_path / "signatures.txt"
    path.write_text(SMALL, encoding="utf-8")
    sections = compile_ahead.read_signatures(path)
    assert [[name for _, name, _ in section] for section in sections] == [
        ["half_width_at", "no_such_kernel"],
        ["_height_of_cell", "half_width_at"],
    ]
    assert [name for _, name, _ in compile_ahead.helper_order(sections)] == [
        "no_such_kernel",
        "half_width_at",
        "half_width_at",
        "_height_of_cell",
    ]


def test_argument_types_are_read_back_as_numba_wrote_them() -> None:
    from numba.core import types

    written = repr((types.int64, types.float32[:, ::1], types.UniTuple(types.float64, 3), types.boolean))
    assert compile_ahead.argument_types(written) == (
        types.int64,
        types.Array(types.float32, 2, "C"),
        types.UniTuple(types.float64, 3),
        types.boolean,
    )
    with pytest.raises(NameError):
        compile_ahead.argument_types("(__import__('os'),)")  # no builtins: only Numba's types
    with pytest.raises(ValueError, match="not a tuple"):
        compile_ahead.argument_types("int64")


def test_the_world_s_arrays_are_written_by_name_and_read_back() -> None:
    from numba.core import types

    from captainred.engine.arrays import WORLD_ARRAYS

    signature = (WORLD_ARRAYS, types.int64[::1], types.float64)
    text = compile_ahead.written(signature)
    assert text == "(WorldArrays, Array(int64, 1, 'C', False, aligned=True), float64)"
    assert compile_ahead.argument_types(text) == signature


def test_a_helper_whose_parent_is_gone_compiles_nothing(tmp_path: Path) -> None:
    path = tmp_path / "signatures.txt"
    path.write_text(SMALL, encoding="utf-8")
    assert compile_ahead.compile_all(path, parent=-1) == 0


def _folder(base: Path) -> Path:
    """The kernel folder a process started with `NUMBA_CACHE_DIR=base` uses."""
    return kernel_cache_dir(base, sources_digest())


# The helper is started only where a second core can run it.
needs_two_cores = pytest.mark.skipif(cores() < 2, reason="no helper is started on one core (compile_ahead.start)")


def _start(base: Path, signatures: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """A process that asks for the helper (as building a World does) and waits for it to finish."""
    code = (
        "import sys; from pathlib import Path; from captainred import compile_ahead\n"
        "helper = compile_ahead.start(Path(sys.argv[1]))\n"
        "print('started' if helper else 'not started')\n"
        "helper and print('helper exit', helper.wait(timeout=300))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(signatures)],
        env=child_env(NUMBA_CACHE_DIR=str(base), **env),
        capture_output=True,
        text=True,
        timeout=360,
    )


@needs_two_cores
def test_the_helper_compiles_into_the_run_s_cache_folder_once(tmp_path: Path) -> None:
    signatures = tmp_path / "signatures.txt"
    signatures.write_text(SMALL, encoding="utf-8")
    base = tmp_path / "cache"
    first = _start(base, signatures)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split("\n")[:2] == ["started", "helper exit 0"]
    folder = _folder(base)
    assert (folder / DONE).exists()
    indexes = sorted(p.name.split("-")[0] for p in folder.rglob("*.nbi"))
    assert "maps.half_width_at" in indexes and "maps._height_of_cell" in indexes
    # The folder says the helper finished: the next process starts none.
    again = _start(base, signatures)
    assert again.stdout.strip() == "not started", again.stderr


@needs_two_cores
def test_no_helper_while_another_holds_the_folder_or_when_told_not_to(tmp_path: Path) -> None:
    signatures = tmp_path / "signatures.txt"
    signatures.write_text(SMALL, encoding="utf-8")
    base = tmp_path / "cache"
    told = _start(base, signatures, **{ENV: "0"})
    assert told.stdout.strip() == "not started", told.stderr
    folder = _folder(base)
    assert folder.is_dir() and not (folder / DONE).exists()
    with open(folder / LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a helper of another process at work
        held = _start(base, signatures)
    assert held.stdout.strip() == "not started", held.stderr
    assert not (folder / DONE).exists()


@needs_two_cores
def test_the_run_stops_its_helper_when_it_ends(tmp_path: Path) -> None:
    # The whole file on an empty cache is tens of seconds of compiling; the process that asked exits at once.
    base = tmp_path / "cache"
    code = "from captainred import compile_ahead; print(compile_ahead.start().pid)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=child_env(NUMBA_CACHE_DIR=str(base)), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    pid = int(done.stdout)

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"  # stopped, not yet reaped

    wait_for(gone, within_s=30, what="the helper to stop")
    assert not (_folder(base) / DONE).exists()


@pytest.mark.slow
def test_the_signature_file_holds_every_kernel_the_demo_calls(tmp_path: Path) -> None:
    """Every kernel that `captainred run manhattan-recon` calls, with the types it calls it with, is in
    `kernel_signatures.txt`, and every line there still names a kernel: else the file is out of date
    (`python -m captainred.compile_ahead --record`). (A kernel only other kernels call is compiled into
    them, and is listed here only where the run compiled it: with a warm cache the run loads its callers.)"""
    done = subprocess.run(
        [sys.executable, "-m", "captainred.compile_ahead", "--used", "run", "manhattan-recon", "--quiet"],
        env=child_env(**{ENV: "0"}),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    used = {tuple(line.split("\t")) for line in done.stdout.splitlines() if line}
    recorded = {line for section in compile_ahead.read_signatures(SIGNATURES) for line in section}
    assert ("captainred.engine.kinematics", "_move_in_turn") in {(module, name) for module, name, _ in used}
    missing = sorted(f"{module}.{name}" for module, name, _ in used - recorded)
    assert not missing, f"not in {SIGNATURES.name} (python -m captainred.compile_ahead --record): {missing}"
    for module, name, args in recorded:
        assert compile_ahead.find_dispatcher(module, name) is not None, f"{module}.{name} is gone"
        compile_ahead.argument_types(args)
