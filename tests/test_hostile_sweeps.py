"""Sweeps under hostile input and rough handling: grids too large to build, ranges that overflow, a scenario
name that points outside the folder, a part altered on disk, and a sweep killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from captainred.sweep import Sweep, SweepFolder, plan_sweep
from captainred.sweep.backends import InProcess
from hostile import assert_refused, captainred_bounded
from on_threads import child_env
from waiting import wait_for

SKIRMISH = Path(__file__).parent / "scenarios" / "skirmish.toml"


# ------------------------------------------------------------------------------------------------ the grid


def test_a_grid_of_a_million_cells_is_refused_before_one_is_built() -> None:
    ran = captainred_bounded(
        "sweep", SKIRMISH, "--runs", "1", "--vary", "enemy.defenders=0:999:1", "--vary", "enemy.skill=0:0.999:0.001",
        timeout_s=30,
    )  # fmt: skip
    assert_refused(ran, "--vary", "1,000,000 cells", "at most 4,096")


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ("1e999999999:2e999999999:1e999999999", ("beyond",)),
        ("0:1:1e-999999999", ("step of a range must be at least",)),
        ("-1e400:1e400:1", ("beyond",)),
    ],
)
def test_a_range_that_would_overflow_is_refused(values: str, words: tuple[str, ...]) -> None:
    ran = captainred_bounded("sweep", SKIRMISH, "--runs", "1", "--vary", f"net.strength_t={values}", timeout_s=30)
    assert_refused(ran, "--vary net.strength_t", *words)


def test_a_scenario_named_with_dots_and_slashes_writes_its_sweep_here(tmp_path: Path) -> None:
    work = tmp_path / "deep" / "work"
    work.mkdir(parents=True)
    scenario = SKIRMISH.read_text("utf-8").replace('name = "skirmish"', 'name = "../../escaped"', 1)
    assert 'name = "../../escaped"' in scenario
    (work / "odd.toml").write_text(scenario, "utf-8")
    ran = captainred_bounded(
        "sweep", "odd.toml", "--runs", "1", "--workers", "1", "-q", "--vary", "timing.duration_s=60", cwd=work
    )
    assert ran.code == 0, ran.err
    assert (work / "sweep-escaped" / "runs.parquet").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep"]
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["work"]


# ---------------------------------------------------------------------------------------------- the parts


def _stopped_sweep(out: Path) -> list[Path]:
    """A sweep of two cells by two runs whose four parts are stored but not yet gathered, as a Ctrl-C
    just before the end leaves it."""
    plan = plan_sweep(str(SKIRMISH), runs=2, seed=5, vary=["timing.duration_s=60,90"])
    job = Sweep(plan, SweepFolder(out))
    job.start(resume=False)
    job.fight(InProcess(), batch=1)
    parts = sorted((out / "parts").glob("*.parquet"))
    assert len(parts) == 4
    return parts


RESUME = ("sweep", SKIRMISH, "--runs", "2", "--seed", "5", "--vary", "timing.duration_s=60,90", "--workers", "1")


def test_a_part_altered_on_disk_is_refused_by_name_and_no_part_is_lost(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    parts = _stopped_sweep(out)
    victim = parts[1]
    table = pq.read_table(victim)
    # Readable and of the right shape, its checksum kept, but one number changed: what a careless edit or
    # a flipped bit in a value leaves behind.
    column = next(name for name, kind in zip(table.column_names, table.schema.types, strict=True)
                  if pa.types.is_integer(kind) and name not in ("cell", "run", "seed"))  # fmt: skip
    altered = table.set_column(
        table.column_names.index(column),
        column,
        pa.array([v + 1 for v in table[column].to_pylist()], table[column].type),
    )
    pq.write_table(altered.replace_schema_metadata(table.schema.metadata), victim)
    before = {p.name: p.read_bytes() for p in parts}

    ran = captainred_bounded(*RESUME, "--resume", "--out", out)
    assert_refused(ran, str(victim), "checksum")
    assert {p.name: p.read_bytes() for p in sorted((out / "parts").glob("*.parquet"))} == before
    assert not (out / "runs.parquet").exists()

    victim.unlink()  # the user takes the line's advice: remove it, and resume fights those runs again
    ran = captainred_bounded(*RESUME, "--resume", "--out", out, "-q")
    assert ran.code == 0, ran.err
    assert pq.read_table(out / "runs.parquet").num_rows == 4
    assert not (out / "parts").exists()


def test_a_part_without_a_checksum_is_not_taken_in(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    parts = _stopped_sweep(out)
    table = pq.read_table(parts[0])
    pq.write_table(table.replace_schema_metadata(None), parts[0])
    ran = captainred_bounded(*RESUME, "--resume", "--out", out)
    assert_refused(ran, str(parts[0]), "no checksum")
    assert len(list((out / "parts").glob("*.parquet"))) == 4


def test_a_part_of_another_sweep_is_not_taken_in(tmp_path: Path) -> None:
    """A whole, honest part, but of a sweep of another scenario: its checksum holds, its sweep does not."""
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    _stopped_sweep(ours)
    other = tmp_path / "other.toml"
    other.write_text(SKIRMISH.read_text("utf-8").replace('name = "skirmish"', 'name = "other"', 1), "utf-8")
    plan = plan_sweep(str(other), runs=2, seed=5, vary=["timing.duration_s=60,90"])
    job = Sweep(plan, SweepFolder(theirs))
    job.start(resume=False)
    job.fight(InProcess(), batch=1)
    stranger = sorted((theirs / "parts").glob("*.parquet"))[0]
    (ours / "parts" / stranger.name).unlink()
    stranger.rename(ours / "parts" / stranger.name)
    ran = captainred_bounded(*RESUME, "--resume", "--out", ours)
    assert_refused(ran, stranger.name, "another sweep")
    assert len(list((ours / "parts").glob("*.parquet"))) == 4


def test_a_gathered_table_altered_on_disk_is_refused_on_resume(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    _stopped_sweep(out)
    assert captainred_bounded(*RESUME, "--resume", "--out", out, "-q").code == 0
    runs = out / "runs.parquet"
    table = pq.read_table(runs)
    pq.write_table(table.slice(0, 3).replace_schema_metadata(table.schema.metadata), runs)
    assert_refused(captainred_bounded(*RESUME, "--resume", "--out", out), str(runs), "checksum")


def test_a_sweep_keeps_its_tables_in_the_c_librarys_memory() -> None:
    """Arrow's own allocator reserves a gigabyte of address space with its first Parquet file: half of
    what the tests above allow a sweep. The package asks for the C library's allocator unless the
    environment has already chosen one."""
    code = "import captainred.sweep, pyarrow as pa\nprint(pa.default_memory_pool().backend_name)"
    env = child_env()
    env.pop("ARROW_DEFAULT_MEMORY_POOL", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["system"], done.stderr
    env["ARROW_DEFAULT_MEMORY_POOL"] = "mimalloc"
    chosen = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert chosen.stdout.split() == ["mimalloc"], chosen.stderr


# --------------------------------------------------------------------------------------------- the workers


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid and b"spawn_main" in command:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_sweep_that_is_killed_outright(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "captainred", "sweep", str(SKIRMISH), "--runs", "40", "--workers", "2", "--batch", "1",
         "--out", str(tmp_path / "sweep"), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=child_env(),
    )  # fmt: skip
    workers: list[int] = []
    try:

        def both_workers() -> list[int]:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            found = _children(proc.pid)
            return found if len(found) >= 2 else []

        workers = wait_for(both_workers, within_s=120, what="the workers did not start")
        os.kill(proc.pid, signal.SIGKILL)  # no handler runs: the sweep cannot stop its workers itself
        proc.wait(timeout=30)
        wait_for(lambda: not any(_alive(w) for w in workers), within_s=30, what="workers outlived their sweep")
    finally:
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
