"""The `captainred` command as a user types it: a real process, real files, real exit statuses.

Every test runs `python -m captainred ...` in a subprocess, so what is checked is what a user sees: the
exit status, stdout, the single `error:` line on stderr, and the files left behind (DESIGN.md, "Contracts
others depend on").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from captainred.scenario import builtin_scenarios
from on_threads import child_env

SKIRMISH = Path(__file__).parent / "scenarios" / "skirmish.toml"
SUMMARY_KEYS = ("scenario", "seed", "digest", "sim_seconds", "sides", "pilots", "photos_returned", "events")
SIDE_KEYS = ("launched", "lost", "returned", "airborne")
PILOT_KEYS = ("name", "callsign", "squadron", "status", "kills", "photos_returned", "fuel_left_kg")
PILOT_STATUSES = {"returned", "killed", "missing", "captured", "wounded", "airborne"}


@dataclass(frozen=True)
class Ran:
    """What a user saw: exit status, stdout, stderr."""

    code: int
    out: str
    err: str


def captainred(*args: str | Path, cwd: Path | None = None, timeout_s: float = 300) -> Ran:
    """Run `python -m captainred ARGS` in a fresh process, wide enough that Rich does not wrap tables."""
    env = child_env(COLUMNS="240", NO_COLOR="1")
    done = subprocess.run(
        [sys.executable, "-m", "captainred", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def file_mode_for_new_files() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# --------------------------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Battle:
    ran: Ran
    folder: Path
    summary: dict[str, Any]
    report: str


@pytest.fixture(scope="module")
def skirmish_seed_3(tmp_path_factory: pytest.TempPathFactory) -> Battle:
    """`captainred run tests/scenarios/skirmish.toml --seed 3 --json out.json --report out.md`."""
    folder = tmp_path_factory.mktemp("skirmish-seed-3")
    ran = captainred("run", SKIRMISH, "--seed", "3", "--json", "out.json", "--report", "out.md", cwd=folder)
    assert ran.code == 0, ran.err
    return Battle(
        ran,
        folder,
        json.loads((folder / "out.json").read_text("utf-8")),
        (folder / "out.md").read_text("utf-8"),
    )


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`captainred run skirmish.toml --runs 3 --seed 5 --json runs.json`."""
    folder = tmp_path_factory.mktemp("three-runs")
    ran = captainred("run", SKIRMISH, "--runs", "3", "--seed", "5", "--json", "runs.json", "--quiet", cwd=folder)
    assert ran.code == 0, ran.err
    document: dict[str, Any] = json.loads((folder / "runs.json").read_text("utf-8"))
    return document


def digest_of(seed: int, folder: Path) -> str:
    ran = captainred("run", SKIRMISH, "--seed", str(seed), "--json", "alone.json", "--quiet", cwd=folder)
    assert ran.code == 0, ran.err
    digest: str = json.loads((folder / "alone.json").read_text("utf-8"))["digest"]
    return digest


def assert_summary_contract(summary: dict[str, Any]) -> None:
    """The keys DESIGN.md promises in a one-battle summary, and the conservation law on each side."""
    for key in SUMMARY_KEYS:
        assert key in summary, f"missing {key!r}"
    assert isinstance(summary["digest"], str)
    assert len(summary["digest"]) == 64
    assert summary["sim_seconds"] > 0
    assert set(summary["sides"]) == {"air_command", "lgf"}
    for side, counts in summary["sides"].items():
        for key in SIDE_KEYS:
            assert isinstance(counts[key], int), f"sides.{side}.{key}"
            assert counts[key] >= 0
        assert counts["launched"] == counts["returned"] + counts["lost"] + counts["airborne"], side
    assert summary["pilots"], "no pilots"
    for pilot in summary["pilots"]:
        for key in PILOT_KEYS:
            assert key in pilot, f"pilot {pilot.get('callsign')} has no {key!r}"
        assert pilot["status"] in PILOT_STATUSES
    assert summary["photos_returned"] == sum(p["photos_returned"] for p in summary["pilots"])
    assert summary["events"]["launch"] == sum(c["launched"] for c in summary["sides"].values())


# ------------------------------------------------------------------------------------ what works


def test_scenarios_lists_manhattan_recon_with_its_description() -> None:
    ran = captainred("scenarios")
    assert ran.code == 0, ran.err
    assert "manhattan-recon" in ran.out
    assert builtin_scenarios()["manhattan-recon"] in ran.out
    assert ran.err == ""


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"]], ids=["captainred", "run"])
def test_help_shows_the_commands_and_options(args: list[str]) -> None:
    ran = captainred(*args)
    assert ran.code == 0, ran.err
    if args == ["--help"]:
        assert "run" in ran.out
        assert "scenarios" in ran.out
    else:
        for option in ("--seed", "--runs", "--json", "--report"):
            assert option in ran.out


def test_no_arguments_shows_the_help_not_a_traceback() -> None:
    ran = captainred()
    assert "Traceback" not in ran.out + ran.err
    assert "run" in ran.out + ran.err


def test_a_battle_writes_the_json_summary_the_design_promises(skirmish_seed_3: Battle) -> None:
    summary = skirmish_seed_3.summary
    assert_summary_contract(summary)
    assert summary["scenario"] == "skirmish"
    assert summary["seed"] == 3
    assert summary["sides"]["air_command"]["launched"] == 4
    assert summary["sides"]["lgf"]["launched"] <= 12


def test_the_markdown_report_names_every_pilot_by_callsign(skirmish_seed_3: Battle) -> None:
    for pilot in skirmish_seed_3.summary["pilots"]:
        assert pilot["callsign"] in skirmish_seed_3.report
    assert skirmish_seed_3.summary["digest"] in skirmish_seed_3.report


def test_the_terminal_report_goes_to_stdout_and_stderr_stays_quiet(skirmish_seed_3: Battle) -> None:
    assert "Devil one" in skirmish_seed_3.ran.out
    assert skirmish_seed_3.ran.err == ""


def test_written_files_are_whole_and_have_ordinary_permissions(skirmish_seed_3: Battle) -> None:
    names = sorted(p.name for p in skirmish_seed_3.folder.iterdir())
    assert names == ["out.json", "out.md"], "a temporary file was left behind"
    for name in names:
        assert (skirmish_seed_3.folder / name).stat().st_mode & 0o777 == file_mode_for_new_files(), name


def test_the_same_seed_gives_the_same_digest(skirmish_seed_3: Battle, tmp_path: Path) -> None:
    assert digest_of(3, tmp_path) == skirmish_seed_3.summary["digest"]


def test_runs_gives_one_record_per_run_and_an_aggregate(three_runs: dict[str, Any]) -> None:
    assert three_runs["scenario"] == "skirmish"
    assert three_runs["seed"] == 5
    runs = three_runs["runs"]
    assert len(runs) == 3
    for record in runs:
        assert_summary_contract(record)
    assert len({r["seed"] for r in runs}) == 3, "runs share a seed"
    assert len({r["digest"] for r in runs}) == 3, "three different seeds fought the same battle"
    aggregate = three_runs["aggregate"]
    assert aggregate["runs"] == 3
    assert set(aggregate["losses"]) == {"air_command", "lgf"}


@pytest.mark.parametrize("index", [1, 2])
def test_each_run_seed_given_alone_reproduces_that_run(three_runs: dict[str, Any], index: int, tmp_path: Path) -> None:
    record = three_runs["runs"][index]
    assert digest_of(record["seed"], tmp_path) == record["digest"]


def test_a_users_own_scenario_file_runs_by_relative_path(tmp_path: Path) -> None:
    """A smaller skirmish out at sea, saved under a user's own name: about a second of battle."""
    text = SKIRMISH.read_text("utf-8")
    text = text.replace('name = "skirmish"', 'name = "my-patrol"').replace('map = "manhattan"', 'map = "open-sea"')
    text = text.replace('duration_s = "25 min"', 'duration_s = "10 min"').replace("aircraft = 4", "aircraft = 2")
    text = text.replace("defenders = 12", "defenders = 6")
    assert tomllib.loads(text)["map"] == "open-sea"
    (tmp_path / "missions").mkdir()
    (tmp_path / "missions" / "patrol.toml").write_text(text, "utf-8")

    ran = captainred("run", "missions/patrol.toml", "--seed", "11", "--json", "patrol.json", cwd=tmp_path)

    assert ran.code == 0, ran.err
    summary = json.loads((tmp_path / "patrol.json").read_text("utf-8"))
    assert_summary_contract(summary)
    assert summary["scenario"] == "my-patrol"
    assert summary["sides"]["air_command"]["launched"] == 2


# ------------------------------------------------------------------------------------- bad input

Setup = Callable[[Path], Sequence[str | Path]]


def _scenario_with(folder: Path, name: str, old: str, new: str) -> Path:
    text = SKIRMISH.read_text("utf-8")
    assert old in text
    path = folder / name
    path.write_text(text.replace(old, new), "utf-8")
    return path


def _folder(folder: Path, name: str) -> Path:
    path = folder / name
    path.mkdir()
    return path


def _file(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


# Each case: what the user types (given a fresh folder to put files in), and what the one error line must
# say: the file or option it names, and words of the problem.
BAD_INPUT: dict[str, tuple[Setup, tuple[str, ...]]] = {
    "unknown scenario name": (lambda d: ["run", "manhattan-raid"], ("manhattan-raid", "unknown scenario")),
    "missing file": (lambda d: ["run", d / "nowhere.toml"], ("{dir}/nowhere.toml", "no such file")),
    "a directory": (lambda d: ["run", _folder(d, "missions")], ("{dir}/missions", "is a directory")),
    "invalid TOML": (
        lambda d: ["run", _file(d, "broken.toml", b'name = "unterminated\n')],
        ("broken.toml", "invalid TOML"),
    ),
    "empty file": (lambda d: ["run", _file(d, "empty.toml", b"")], ("empty.toml", "empty")),
    "not UTF-8": (lambda d: ["run", _file(d, "binary.toml", b"\xff\xfe\x00\x81")], ("binary.toml", "UTF-8")),
    "unknown aircraft type": (
        lambda d: ["run", _scenario_with(d, "spit.toml", 'aircraft_type = "Guardian"', 'aircraft_type = "Spitfire"')],
        ("spit.toml", "squadrons[0].aircraft_type", "Spitfire", "Guardian"),
    ),
    "unknown squadron": (
        lambda d: ["run", _scenario_with(d, "sq.toml", 'id = "devils"', 'id = "dambusters"')],
        ("sq.toml", "squadrons[0].id", "dambusters"),
    ),
    "unknown field": (
        lambda d: ["run", _scenario_with(d, "extra.toml", 'map = "manhattan"', 'map = "manhattan"\nweather = "fog"')],
        ("extra.toml", "weather", "unknown field"),
    ),
    "field out of range": (
        lambda d: ["run", _scenario_with(d, "neg.toml", "defenders = 12", "defenders = -5")],
        ("neg.toml", "enemy.defenders"),
    ),
    "runs 0": (lambda d: ["run", SKIRMISH, "--runs", "0"], ("--runs", "0")),
    "seed -1": (lambda d: ["run", SKIRMISH, "--seed", "-1"], ("--seed", "-1")),
    "seed beyond 64 bits": (
        lambda d: ["run", SKIRMISH, "--seed", str(2**64)],
        ("--seed", str(2**64)),
    ),
    "json into a missing folder": (
        lambda d: ["run", SKIRMISH, "--json", d / "no-such-folder" / "out.json"],
        ("--json", "no-such-folder", "does not exist"),
    ),
    "json pointing at a directory": (
        lambda d: ["run", SKIRMISH, "--json", _folder(d, "a-folder")],
        ("--json", "{dir}/a-folder", "directory"),
    ),
    "report into a missing folder": (
        lambda d: ["run", SKIRMISH, "--report", d / "no-such-folder" / "out.md"],
        ("--report", "no-such-folder", "does not exist"),
    ),
    "json and report the same file": (
        lambda d: ["run", SKIRMISH, "--json", d / "both.txt", "--report", d / "both.txt"],
        ("both.txt", "--json", "--report"),
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_error_line_exit_2_and_nothing_written(case: str, tmp_path: Path) -> None:
    setup, must_name = BAD_INPUT[case]
    args = [str(a) for a in setup(tmp_path)]
    before = sorted(tmp_path.rglob("*"))
    outputs: list[str | Path] = ["--json", tmp_path / "out.json"] if "--json" not in args else []
    outputs += ["--report", tmp_path / "out.md"] if "--report" not in args else []

    ran = captainred(*args, *outputs, cwd=tmp_path, timeout_s=60)

    assert ran.code == 2, f"exit {ran.code}; stderr: {ran.err}"
    lines = ran.err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{ran.err}"
    line = lines[0]
    assert line.startswith("error: "), line
    for words in (w.format(dir=tmp_path) for w in must_name):
        assert words in line, f"{words!r} not in {line!r}"
    assert "Traceback" not in ran.out + ran.err
    assert sorted(tmp_path.rglob("*")) == before, "a failed run left files behind"


@pytest.mark.parametrize(
    "args",
    [
        ["run", SKIRMISH, "--seed", "three"],
        ["run", SKIRMISH, "--runs", "2.5"],
        ["run"],
        ["run", SKIRMISH, "--no-such-option"],
        ["launch-the-swarm"],
    ],
    ids=["seed not an integer", "runs not an integer", "no scenario", "unknown option", "unknown command"],
)
def test_usage_errors_exit_2_without_a_traceback(args: list[str | Path], tmp_path: Path) -> None:
    ran = captainred(*args, "--json", "out.json", "--report", "out.md", cwd=tmp_path, timeout_s=60)
    assert ran.code == 2, ran.err
    assert "Traceback" not in ran.out + ran.err
    assert list(tmp_path.iterdir()) == []


def test_a_failed_run_leaves_an_earlier_summary_untouched(tmp_path: Path) -> None:
    earlier = tmp_path / "out.json"
    earlier.write_text('{"earlier": true}\n', "utf-8")
    ran = captainred("run", "no-such-scenario", "--json", earlier, cwd=tmp_path, timeout_s=60)
    assert ran.code == 2
    assert earlier.read_text("utf-8") == '{"earlier": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


# ------------------------------------------------------------------------------ the whole chapter


@pytest.mark.slow
def test_manhattan_recon_report_tells_of_captain_red_and_slayer_five(tmp_path: Path) -> None:
    ran = captainred(
        "run", "manhattan-recon", "--seed", "7", "--json", "recon.json", "--report", "recon.md", cwd=tmp_path
    )
    assert ran.code == 0, ran.err
    report = (tmp_path / "recon.md").read_text("utf-8")
    for name in ("Captain Red", "Devil one", "Slayer five"):
        assert name in report
    summary = json.loads((tmp_path / "recon.json").read_text("utf-8"))
    assert_summary_contract(summary)
    assert summary["scenario"] == "manhattan-recon"
    assert summary["sides"]["air_command"]["launched"] == 16


def test_defenders_already_in_the_air_take_off_like_any_launch(tmp_path: Path) -> None:
    """`captainred run skirmish.toml --set enemy.airborne=4`: the patrol's take-off is logged at time 0,
    so every craft the swarm loses was launched first, and the summary's counts add up."""
    ran = captainred("run", SKIRMISH, "--seed", "2", "--set", "enemy.airborne=4", "--json", "out.json", cwd=tmp_path)
    assert ran.code == 0, ran.err
    summary = json.loads((tmp_path / "out.json").read_text("utf-8"))
    lgf = summary["sides"]["lgf"]
    assert lgf["launched"] >= 4
    assert lgf["launched"] == lgf["lost"] + lgf["returned"] + lgf["airborne"]


BLUE_FIRE = "catalog.aircraft.LGF.energy_weapon.hit_probability"


def test_run_set_reaches_the_catalog_for_that_run_only(tmp_path: Path) -> None:
    """`captainred run skirmish.toml --set catalog.aircraft.LGF.energy_weapon.hit_probability=0.9`: the
    catalog's value changes for this run, so the battle changes, and the same run without it is the plain one."""
    hot = captainred("run", SKIRMISH, "--seed", "3", "--set", f"{BLUE_FIRE}=0.9", "--json", "hot.json", cwd=tmp_path)
    plain = captainred("run", SKIRMISH, "--seed", "3", "--json", "plain.json", cwd=tmp_path)
    assert hot.code == 0 and plain.code == 0, hot.err + plain.err
    hot_summary = json.loads((tmp_path / "hot.json").read_text("utf-8"))
    plain_summary = json.loads((tmp_path / "plain.json").read_text("utf-8"))
    assert hot_summary["digest"] != plain_summary["digest"]
    again = captainred("run", SKIRMISH, "--seed", "3", "--json", "again.json", cwd=tmp_path)
    assert again.code == 0 and json.loads((tmp_path / "again.json").read_text("utf-8")) == plain_summary


@pytest.mark.parametrize(
    ("assignment", "problem"),
    [
        (f"{BLUE_FIRE}y=0.9", "unknown field 'hit_probabilityy' (known here: range_m, cone_deg, hit_probability"),
        ("catalog.aircraft.Spitfire.max_g=3", "unknown field 'Spitfire' (known here: Draken, Guardian, LGF)"),
        (f"{BLUE_FIRE}=7", "catalog: aircraft.LGF.energy_weapon.hit_probability: Input should be less than or equal"),
    ],
    ids=["misspelt-field", "unknown-type", "out-of-range"],
)
def test_a_bad_catalog_set_is_one_line_and_nothing_written(tmp_path: Path, assignment: str, problem: str) -> None:
    ran = captainred("run", SKIRMISH, "--set", assignment, "--json", "out.json", cwd=tmp_path)
    assert ran.code == 2
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --set {assignment}: "), ran.err
    assert problem in lines[0]
    assert not (tmp_path / "out.json").exists()


def test_a_command_run_inside_another_program_leaves_its_collector_alone(tmp_path: Path) -> None:
    """`captainred` itself ends without the collector's last walk through what it holds (`gc.freeze`
    once a battle or a sweep is written); the same command called inside another program (here, this
    test's process) must not freeze that program's objects."""
    import gc

    from typer.testing import CliRunner

    from captainred.cli import app

    before = gc.get_freeze_count()
    ran = CliRunner().invoke(app, ["run", str(SKIRMISH), "--seed", "3", "--json", str(tmp_path / "s.json"), "-q"])
    assert ran.exit_code == 0, ran.output
    assert json.loads((tmp_path / "s.json").read_text("utf-8"))["seed"] == 3
    assert gc.get_freeze_count() == before
