"""Sweeps: `--vary` and the grid, the table, the statistics, the same results on every backend and batch size,
and a sweep stopped by a real Ctrl-C that resumes without fighting a finished run again."""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from as_typed import captainred, one_error_line
from captainred.scenario import ScenarioError
from captainred.scenario.overrides import OverrideError, apply_overrides, parse_path, parse_value
from captainred.sweep import Sweep, SweepError, SweepFolder, plan_sweep, summarize_cells
from captainred.sweep.backends import InProcess, LocalProcesses, fight_chunk
from captainred.sweep.grid import parse_values, parse_vary
from captainred.sweep.runner import auto_batch, plan_chunks
from captainred.sweep.stats import mean_interval, wilson
from on_threads import child_env
from waiting import wait_for

SKIRMISH = Path(__file__).parent / "scenarios" / "skirmish.toml"
# Small and quick: two or four Devils against six LGFs (about a second a battle in a batch).
SMALL = ("--vary", "squadrons.devils.aircraft=2,4", "--vary", "enemy.defenders=6")
SMALL_VARY = ["squadrons.devils.aircraft=2,4", "enemy.defenders=6"]


def fought(
    folder: Path, backend, *, vary=SMALL_VARY, runs: int = 3, batch: int | None = None, on_runs=None
) -> pa.Table:
    plan = plan_sweep(str(SKIRMISH), runs=runs, seed=11, vary=vary)
    job = Sweep(plan, SweepFolder(folder))
    job.start(resume=False)
    job.fight(backend, batch, on_runs)
    return job.gather()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    """The small sweep, fought in this process one battle at a time: what every other way must reproduce."""
    return fought(tmp_path_factory.mktemp("reference") / "sweep", InProcess(), batch=1)


# ------------------------------------------------------------------------------------------ --vary


def test_a_list_of_values_and_a_range_both_parse():
    assert parse_vary("squadrons.slayers.aircraft=4,6,8").values == (4, 6, 8)
    assert parse_vary("doctrine.bingo_fuel_kg=300:900:100").values == (300, 400, 500, 600, 700, 800, 900)
    assert parse_vary("enemy.skill=0.5:0.7:0.1").values == (0.5, 0.6, 0.7)  # exact, not 0.6000000000000001
    assert parse_vary("enemy.skill=0.5:0.75:0.1").values == (0.5, 0.6, 0.7)  # the stop only when a step lands on it
    assert parse_vary('carriers.Odysseus.position_m=[0, "10 km"],["1 km", 0]').values == ([0, "10 km"], ["1 km", 0])
    assert parse_vary("enemy.commit_range_m=9 km,12 km").values == ("9 km", "12 km")
    assert parse_vary("net.enabled=true,false").values == (True, False)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("squadrons.slayers.aircraft", "expected PATH=VALUES"),
        ("squadrons.slayers.aircraft=", "no values"),
        ("squadrons.slayers.aircraft=4,,8", "empty value"),
        ("squadrons.slayers.aircraft=4,4", "given twice"),
        ("doctrine.bingo_fuel_kg=300:900:0", "step of a range must be above 0"),
        ("doctrine.bingo_fuel_kg=900:300:100", "runs backwards"),
        ("doctrine.bingo_fuel_kg=0:1e9:1", "at most 1000"),
        ("squadrons..aircraft=4", "not a field path"),
        ("[0].aircraft=4", "not a field path"),
    ],
)
def test_a_malformed_vary_is_refused_naming_the_option(text: str, problem: str):
    with pytest.raises(OverrideError) as caught:
        parse_vary(text)
    assert caught.value.line().startswith(f"--vary {text}")
    assert problem in caught.value.line()


@pytest.mark.parametrize(
    ("vary", "problem"),
    [
        ("squadrons.spitfires.aircraft=4,6", "squadrons: no entry 'spitfires' (there are: devils)"),
        ("squadrons.devils.aircraft=4,99", "squadrons[0].aircraft: Input should be less than or equal to 24 (got 99)"),
        ("squadrons.devils.aircraft_type=Guardian,Spitfire", "unknown type 'Spitfire'"),
        ("doctrine.bingo=1,2", "doctrine.bingo: unknown field"),
        ("squadrons[3].aircraft=4", "squadrons: has 1 entries, no [3]"),
        ("name.first=a", "name: is a value, not a table"),
    ],
)
def test_a_vary_the_scenario_cannot_take_is_refused_before_anything_runs(vary: str, problem: str, tmp_path: Path):
    with pytest.raises(ScenarioError) as caught:
        plan_sweep(str(SKIRMISH), runs=2, seed=1, vary=[vary])
    assert problem in caught.value.line()
    ran = captainred("sweep", SKIRMISH, "--runs", "2", "--vary", vary, "--out", tmp_path / "out")
    line = one_error_line(ran)
    assert line.startswith("error: --vary ") and problem in line
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_overrides_pick_list_entries_by_id_name_or_index_and_leave_the_original_alone():
    data = tomllib.loads(SKIRMISH.read_text("utf-8"))
    changed = apply_overrides(
        data,
        [
            (parse_path("squadrons.devils.aircraft", "t"), 2),
            (parse_path("carriers.Odysseus.position_m", "t"), parse_value('["1 km", 0]')),
            (parse_path("squadrons[0].photo_aircraft", "t"), 2),
            (parse_path("doctrine.bingo_fuel_kg", "t"), 400),  # [doctrine] is absent from the file
        ],
        "t",
    )
    assert changed["squadrons"][0]["aircraft"] == 2 and changed["squadrons"][0]["photo_aircraft"] == 2
    assert changed["carriers"][0]["position_m"] == ["1 km", 0]
    assert changed["doctrine"] == {"bingo_fuel_kg": 400}
    assert data["squadrons"][0]["aircraft"] == 4 and "doctrine" not in data


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(-1000, 1000),
    steps=st.integers(0, 50),
    step=st.integers(1, 100),
    overshoot=st.integers(0, 99),
)
def test_an_integer_range_holds_every_step_from_start_to_stop(start: int, steps: int, step: int, overshoot: int):
    stop = start + steps * step + overshoot % step
    values = parse_values(f"{start}:{stop}:{step}", "t")
    assert values == tuple(range(start, stop + 1, step))


def test_the_grid_is_every_combination_each_validated_and_every_cell_fights_the_same_seeds():
    plan = plan_sweep(str(SKIRMISH), runs=5, seed=3, vary=["squadrons.devils.aircraft=2,3,4", "enemy.defenders=6,9"])
    assert len(plan.cells) == 6 and plan.total_runs == 30
    assert [c.params for c in plan.cells[:2]] == [
        (("squadrons.devils.aircraft", 2), ("enemy.defenders", 6)),
        (("squadrons.devils.aircraft", 2), ("enemy.defenders", 9)),
    ]
    assert [len(c.scenario.crews[0]) for c in plan.cells] == [2, 2, 3, 3, 4, 4]
    assert plan.cells[5].scenario.scenario.enemy.defenders == 9
    assert plan.seeds[0] == 3 and len(set(plan.seeds)) == 5


def test_chunks_cover_each_missing_run_once_taking_the_cells_in_turn():
    plan = plan_sweep(str(SKIRMISH), runs=7, seed=3, vary=["enemy.defenders=6,9"])
    done = {(0, 0), (0, 1), (1, 4)}
    chunks = plan_chunks(plan, done, batch=3)
    runs = sorted((c.cell, c.first_run + i) for c in chunks for i in range(len(c.seeds)))
    assert runs == sorted({(cell, run) for cell in (0, 1) for run in range(7)} - done)
    assert all(len(c.seeds) <= 3 for c in chunks)
    assert [c.cell for c in chunks[:2]] == [0, 1]
    for c in chunks:
        assert c.seeds == plan.seeds[c.first_run : c.first_run + len(c.seeds)]
    assert auto_batch(1000, 2) == 64 and auto_batch(128, 2) == 64 and auto_batch(16, 2) == 8 and auto_batch(1, 8) == 1
    assert auto_batch(128, 2, alike=False) == 32 and auto_batch(16, 2, alike=False) == 4


# ---------------------------------------------------------------------------------------- the table


def test_each_row_is_the_battles_own_summary(reference: pa.Table, tmp_path: Path):
    """A row says what `captainred run --seed S --set ...` says for that run alone, digest and all."""
    rows = reference.to_pylist()
    assert len(rows) == 6 and [(r["cell"], r["run"]) for r in rows] == [(c, r) for c in (0, 1) for r in range(3)]
    row = rows[4]  # four Devils, the second seed
    plan = plan_sweep(str(SKIRMISH), runs=3, seed=11, vary=SMALL_VARY)
    assert row["seed"] == plan.seeds[1]
    assert plan.cells[1].set_options() == "--set squadrons.devils.aircraft=4 --set enemy.defenders=6"
    ran = captainred(
        "run", SKIRMISH, "--seed", str(row["seed"]), "--set", "squadrons.devils.aircraft=4", "--set",
        "enemy.defenders=6", "--json", tmp_path / "alone.json", "-q",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    alone = json.loads((tmp_path / "alone.json").read_text())
    assert row["digest"] == alone["digest"]
    assert row["air_command_lost"] == alone["sides"]["air_command"]["lost"]
    assert row["lgf_lost"] == alone["sides"]["lgf"]["lost"]
    assert row["photos_returned"] == alone["photos_returned"]
    for pilot in alone["pilots"]:
        assert row[f"pilot:{pilot['callsign']}"] == pilot["status"]
    assert row["squadrons.devils.aircraft"] == 4 and row["enemy.defenders"] == 6
    # Pilots who did not fly in a cell have no fate there.
    assert rows[0]["pilot:Devil four"] is None and rows[4]["pilot:Devil four"] is not None


def test_the_table_reads_in_duckdb_with_the_parameters_as_columns(tmp_path: Path, reference: pa.Table):
    pq.write_table(reference, tmp_path / "runs.parquet")
    query = (
        'SELECT "squadrons.devils.aircraft" AS devils, count(*) AS runs, sum(air_command_launched) AS launched '
        f"FROM read_parquet('{tmp_path / 'runs.parquet'}') GROUP BY devils ORDER BY devils"
    )
    assert duckdb.sql(query).fetchall() == [(2, 3, 6), (4, 3, 12)]


def test_the_cells_summary_counts_outcomes_with_intervals(reference: pa.Table):
    cells = summarize_cells(reference, ["squadrons.devils.aircraft", "enemy.defenders"])
    assert [c["params"] for c in cells] == [
        {"squadrons.devils.aircraft": 2, "enemy.defenders": 6},
        {"squadrons.devils.aircraft": 4, "enemy.defenders": 6},
    ]
    for cell, rows in zip(cells, (reference.slice(0, 3).to_pylist(), reference.slice(3, 3).to_pylist()), strict=True):
        home = cell["outcomes"]["all_home"]
        assert home["n"] == 3 and home["value"] == sum(r["all_home"] for r in rows) / 3
        assert 0 <= home["low"] <= home["value"] <= home["high"] <= 1
        lost = cell["means"]["lgf_lost"]
        assert lost["value"] == pytest.approx(sum(r["lgf_lost"] for r in rows) / 3)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 10_000), data=st.data())
def test_a_wilson_interval_holds_its_estimate_inside_zero_and_one(n: int, data: st.DataObject):
    k = data.draw(st.integers(0, n))
    e = wilson(k, n)
    assert 0.0 <= e.low <= e.value <= e.high <= 1.0
    assert e.high - e.low <= 2 * 1.96 / math.sqrt(n) + 1e-12  # never wider than the worst normal interval


def test_intervals_narrow_with_more_runs_and_cover_a_known_mean():
    assert wilson(5, 10).high - wilson(5, 10).low > wilson(500, 1000).high - wilson(500, 1000).low
    assert wilson(0, 20).low == 0.0 and wilson(0, 20).high > 0.1  # no runs with it is not "impossible"
    e = mean_interval([1.0, 2.0, 3.0, 4.0])
    assert e.value == 2.5 and e.low == pytest.approx(2.5 - 3.182 * 1.2909944 / 2, rel=1e-5)
    assert mean_interval([]).value is None and mean_interval([7.0]).low == 7.0


# -------------------------------------------------------------------------- backends and batch sizes


@pytest.mark.slow
@pytest.mark.parametrize(("workers", "batch"), [(1, 6), (1, 2), (2, 1), (2, 3)])
def test_results_are_identical_whatever_the_workers_and_the_batch(
    tmp_path: Path, reference: pa.Table, workers: int, batch: int
):
    backend = InProcess() if workers == 1 else LocalProcesses(workers)
    told: list[int] = []
    assert fought(tmp_path / "sweep", backend, batch=batch, on_runs=told.append).equals(reference)
    # Every run is counted once, as its battle ends: the same steps of the count whoever fights the chunks
    # (a worker's ends all reach the sweep before its chunk's rows), in whatever order the chunks land.
    in_process: list[int] = []
    fought(tmp_path / "again", InProcess(), batch=batch, on_runs=in_process.append)
    assert sum(told) == reference.num_rows and sorted(told) == sorted(in_process)


def test_the_progress_moves_battle_by_battle_within_a_chunk(tmp_path: Path, reference: pa.Table):
    """A chunk tells its battles' ends as they come: the count grows before the chunk is done."""
    told: list[int] = []
    assert fought(tmp_path / "sweep", InProcess(), batch=3, on_runs=told.append).equals(reference)
    assert sum(told) == reference.num_rows
    # Two chunks of three battles; in each the battles end on different steps (seed 11's runs), so each
    # chunk tells more than once. Counted a chunk at a time, there would be two.
    assert len(told) > 2 and min(told) > 0


def test_one_chunk_fought_in_a_batch_gives_the_rows_each_battle_gives_alone(reference: pa.Table):
    plan = plan_sweep(str(SKIRMISH), runs=3, seed=11, vary=SMALL_VARY)
    from captainred.sweep.backends import Chunk

    together = fight_chunk(plan.cells[1].scenario, Chunk(1, 0, plan.seeds))
    expected = [{k: v for k, v in row.items() if k in together[0]} for row in reference.slice(3, 3).to_pylist()]
    assert together == expected


# ------------------------------------------------------------------------------------- the folder


def test_a_new_sweep_will_not_write_over_another_or_into_a_foreign_folder(tmp_path: Path, reference: pa.Table):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    line = one_error_line(captainred("sweep", SKIRMISH, *SMALL, "--runs", "2", "--out", tmp_path / "busy"))
    assert "the folder is not empty and holds no sweep" in line
    (tmp_path / "a-file").write_text("x")
    assert "is a file" in one_error_line(captainred("sweep", SKIRMISH, "--runs", "1", "--out", tmp_path / "a-file"))
    line = one_error_line(captainred("sweep", SKIRMISH, "--runs", "2", "--resume", "--out", tmp_path / "none"))
    assert "no sweep here to resume" in line


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("--runs", "0"), "--runs: must be between 1"),
        (("--workers", "0"), "--workers: must be between 1"),
        (("--batch", "0"), "--batch: must be between 1"),
        (("--backend", "mpi"), "--backend: unknown backend 'mpi' (known: local, ray)"),
        (("--address", "127.0.0.1:1"), "--address: only for --backend ray"),
        (("--seed", "-1"), "--seed: must be between 0"),
    ],
)
def test_bad_options_get_one_line(tmp_path: Path, args: tuple[str, ...], problem: str):
    line = one_error_line(captainred("sweep", SKIRMISH, *args, "--out", tmp_path / "out"))
    assert problem in line
    assert not (tmp_path / "out").exists()


def test_the_cli_writes_the_table_summary_plots_and_page(tmp_path: Path, reference: pa.Table):
    out = tmp_path / "sweep"
    ran = captainred("sweep", SKIRMISH, *SMALL, "--runs", "3", "--seed", "11", "--workers", "1", "--out", out)
    assert ran.returncode == 0, ran.stderr
    assert pq.read_table(out / "runs.parquet").equals(reference)
    assert not (out / "parts").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["total_runs"] == 6 and len(summary["cells"]) == 2
    assert [p.name for p in sorted((out / "plots").iterdir())] == [
        "enemy.defenders.png",
        "squadrons.devils.aircraft.png",
    ]
    for png in (out / "plots").iterdir():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "index.html").read_text()
    assert page.count("<tr>") == 3 and page.count("data:image/png;base64,") == 2
    assert "6/6" in ran.stderr and "runs/s" in ran.stderr  # the progress bar's last state
    table_rows = [line for line in ran.stdout.splitlines() if line.startswith(("│ 2 ", "│ 4 "))]
    assert len(table_rows) == 2 and "%" in table_rows[0] and "±" in table_rows[0], ran.stdout
    # A finished sweep resumed has nothing to fight; it summarises again from the table.
    again = captainred("sweep", SKIRMISH, *SMALL, "--runs", "3", "--seed", "11", "--out", out, "--resume")
    assert again.returncode == 0, again.stderr
    assert "6 of 6 runs already done" in again.stderr
    assert pq.read_table(out / "runs.parquet").equals(reference)


def test_a_sweep_without_vary_plots_histograms(tmp_path: Path):
    ran = captainred("sweep", SKIRMISH, "--runs", "2", "--out", tmp_path / "plain", "-q", "--workers", "1")
    assert ran.returncode == 0, ran.stderr
    assert [p.name for p in (tmp_path / "plain" / "plots").iterdir()] == ["runs.png"]
    assert ran.stdout == "" and ran.stderr == ""
    assert pq.read_table(tmp_path / "plain" / "runs.parquet").num_rows == 2


def test_resume_refuses_a_sweep_started_otherwise(tmp_path: Path):
    out = tmp_path / "sweep"
    assert captainred("sweep", SKIRMISH, *SMALL, "--runs", "1", "--workers", "1", "--out", out, "-q").returncode == 0
    line = one_error_line(captainred("sweep", SKIRMISH, *SMALL, "--runs", "2", "--out", out, "--resume"))
    assert "sweep.json: runs: this sweep was started with 1, not 2" in line
    line = one_error_line(
        captainred(
            "sweep", SKIRMISH, "--vary", "squadrons.devils.aircraft=2,3", "--runs", "1", "--out", out, "--resume"
        )
    )
    assert "sweep.json: vary:" in line
    line = one_error_line(captainred("sweep", SKIRMISH, *SMALL, "--runs", "1", "--out", out))
    assert "already holds a sweep; add --resume" in line


# ----------------------------------------------------------------------------------- Ctrl-C, resume


@pytest.mark.slow
def test_ctrl_c_stops_the_sweep_and_resume_fights_only_the_missing_runs(tmp_path: Path, reference: pa.Table):
    out = tmp_path / "sweep"
    args = ["sweep", str(SKIRMISH), *SMALL, "--runs", "3", "--seed", "11", "--out", str(out), "--workers", "2"]
    # A session of its own, so the signal goes to the whole process group, workers included, as a
    # terminal's Ctrl-C does.
    proc = subprocess.Popen(
        [sys.executable, "-m", "captainred", *args, "--batch", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=child_env(NO_COLOR="1"),
    )
    try:
        wait_for(
            lambda: proc.poll() is not None or list((out / "parts").glob("*.parquet")),
            within_s=120,
            what="no chunk landed in two minutes",
        )
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted: ") and last.endswith(" --resume"), stderr
    stored = pa.concat_tables([pq.read_table(p) for p in (out / "parts").glob("*.parquet")])
    assert 1 <= stored.num_rows < 6, "the interrupt came after the sweep had finished"
    assert f"interrupted: {stored.num_rows} runs are stored" in last
    assert not (out / "runs.parquet").exists()
    assert not [p for p in (out / "parts").iterdir() if not p.name.endswith(".parquet")], "a half-written part"
    done = {(c, r) for c, r in zip(stored["cell"].to_pylist(), stored["run"].to_pylist(), strict=True)}

    resumed = captainred(*args, "--resume", "--batch", "2")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(done)} of 6 runs already done" in resumed.stderr
    table = pq.read_table(out / "runs.parquet")
    assert table.equals(reference)
    for row in stored.to_pylist():  # the runs done before the interrupt were kept, not fought again
        assert row == table.to_pylist()[row["cell"] * 3 + row["run"]]


def _workers_of(pid: int) -> list[int]:
    """The worker processes a sweep has spawned (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_a_worker_that_dies_stops_the_sweep_with_one_line_not_a_hang(tmp_path: Path):
    out = tmp_path / "sweep"
    proc = subprocess.Popen(
        [sys.executable, "-m", "captainred", "sweep", str(SKIRMISH), "--runs", "8", "--workers", "2", "--batch", "1",
         "--out", str(out), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )  # fmt: skip
    try:

        def a_worker() -> list[int]:
            assert proc.poll() is None, "the sweep ended before a worker appeared"
            return _workers_of(proc.pid)

        workers = wait_for(a_worker, within_s=120, what="no worker appeared")
        os.kill(workers[0], signal.SIGKILL)  # as the kernel's out-of-memory killer would
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2, stderr
    assert stderr.strip().splitlines() == ["error: a worker process died (killed, or out of memory?); --resume goes on"]
    assert not _workers_of(proc.pid)


# ------------------------------------------------------------------------------------------------ Ray


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[tuple[str, dict[str, str]]]:
    """A Ray head on this machine, started by the test and stopped after it, on loopback and with token
    authentication: its address, and the environment a client needs to join it."""
    env = child_env(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32))
    ray_cli = Path(sys.executable).with_name("ray")
    temp = Path(tempfile.mkdtemp(prefix="cr-ray-", dir="/tmp"))  # Ray's socket paths must stay short
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(ray_cli), "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}",
            "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if "Ray runtime started" in line:
                break
        else:
            pytest.fail("the Ray head did not start:\n" + "".join(seen[-20:]))
        yield f"127.0.0.1:{port}", env
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.slow
def test_a_sweep_on_a_ray_cluster_gives_the_same_table(
    tmp_path: Path, reference: pa.Table, ray_cluster: tuple[str, dict[str, str]]
):
    address, env = ray_cluster
    out = tmp_path / "ray"
    ran = captainred(
        "sweep", SKIRMISH, *SMALL, "--runs", "3", "--seed", "11", "--out", out, "--backend", "ray",
        "--address", address, "--batch", "2", "-q", env=env,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr == ""
    assert pq.read_table(out / "runs.parquet").equals(reference)


def test_a_ray_address_with_no_cluster_is_one_line(tmp_path: Path):
    ran = captainred(
        "sweep", SKIRMISH, "--runs", "1", "--out", tmp_path / "out", "--backend", "ray",
        "--address", f"127.0.0.1:{_free_port()}", timeout_s=180,
    )  # fmt: skip
    assert "cannot join the Ray cluster (Connection refused)" in one_error_line(ran)
    assert not (tmp_path / "out").exists()


def test_sweep_errors_are_one_kind():
    assert issubclass(OverrideError, ScenarioError) and not issubclass(SweepError, ScenarioError)


# ------------------------------------------------------------------------------------------- the page


@pytest.mark.browser
def test_the_sweep_page_shows_its_table_and_every_plot_in_chromium(tmp_path: Path, reference: pa.Table):
    from playwright.sync_api import sync_playwright

    from captainred.replay.browser import launch_chromium
    from captainred.sweep.plots import render_page, render_plots

    params = ["squadrons.devils.aircraft", "enemy.defenders"]
    plots = render_plots(reference, params, tmp_path / "plots", "skirmish")
    page_file = tmp_path / "index.html"
    page_file.write_text(
        render_page(
            title="skirmish sweep",
            command="captainred sweep skirmish",
            cells=summarize_cells(reference, params),
            params=params,
            plots=plots,
            total_runs=reference.num_rows,
        )
    )
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri())
            assert page.locator("#cells tbody tr").count() == 2
            assert page.locator("#cells thead th").first.inner_text() == "squadrons.devils.aircraft"
            sizes = page.evaluate("() => [...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
            assert len(sizes) == 2 and all(done and w > 800 and h > 500 for done, w, h in sizes), sizes
            assert errors == []
        finally:
            browser.close()


def test_a_catalog_value_varies_per_cell_and_a_run_is_fought_again_alone_with_its_set(tmp_path: Path):
    """`--vary catalog.aircraft.LGF.energy_weapon.hit_probability=0.05,0.9`: each cell fights with its own
    blue fire, and `captainred run --seed S --set catalog...=0.9` gives that cell's run, digest and all."""
    path = "catalog.aircraft.LGF.energy_weapon.hit_probability"
    table = fought(tmp_path / "sweep", InProcess(), vary=[f"{path}=0.05,0.9"], runs=2)
    rows = table.to_pylist()
    assert [r[path] for r in rows] == [0.05, 0.05, 0.9, 0.9]
    assert rows[0]["seed"] == rows[2]["seed"] and rows[0]["digest"] != rows[2]["digest"]
    plan = plan_sweep(str(SKIRMISH), runs=2, seed=11, vary=[f"{path}=0.05,0.9"])
    assert plan.cells[1].set_options() == f"--set {path}=0.9"
    blue_fire = plan.cells[1].scenario.catalog.aircraft["LGF"].energy_weapon
    assert blue_fire is not None and blue_fire.hit_probability == 0.9
    seed = str(rows[2]["seed"])
    ran = captainred("run", SKIRMISH, "--seed", seed, "--set", f"{path}=0.9", "--json", tmp_path / "a.json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads((tmp_path / "a.json").read_text())["digest"] == rows[2]["digest"]


@pytest.mark.parametrize(
    ("vary", "problem"),
    [
        ("catalog.aircraft.LGF.max_gee=5,6", "catalog.aircraft.LGF.max_gee: unknown field 'max_gee'"),
        ("catalog.aircraft.LGF.energy_weapon.hit_probability=0.5,9", "Input should be less than or equal to 1"),
    ],
    ids=["unknown-field", "out-of-range"],
)
def test_a_bad_catalog_vary_is_refused_in_one_line_before_anything_runs(vary: str, problem: str):
    with pytest.raises(ScenarioError) as caught:
        plan_sweep(str(SKIRMISH), runs=1, seed=1, vary=[vary])
    assert problem in caught.value.line() and caught.value.line().startswith("--vary ")
