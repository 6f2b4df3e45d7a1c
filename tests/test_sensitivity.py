"""What changes the outcome: `captainred sensitivity` as a user types it (Sobol' and Morris), its numbers
against a known answer, and bad input refused in one line with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from as_typed import captainred, one_error_line
from captainred.sweep.design import DesignSpace, parse_range
from captainred.sweep.measures import Fighter
from captainred.sweep.sensitivity import analyse, check_samples, points_needed
from captainred.sweep.sensitivity_report import add_to_sweep_page

BRIEF = Path(__file__).parent / "scenarios" / "brief-clash.toml"
HIT = "catalog.aircraft.LGF.energy_weapon.hit_probability"
VARY = ("--vary", "enemy.skill=0.2:0.9", "--vary", f"{HIT}=0.02:0.6")


def test_the_points_fought_are_as_each_method_says():
    assert points_needed("sobol", 8, 3) == 40 and points_needed("morris", 8, 3) == 32
    assert check_samples("sobol", 8) is None and check_samples("morris", 6) is None
    assert "power of two" in (check_samples("sobol", 6) or "") and "try 8" in (check_samples("sobol", 6) or "")
    assert "unknown method" in (check_samples("fast", 8) or "")


def test_morris_gives_no_effect_to_a_value_no_battle_reads_and_some_to_one_that_matters():
    """No Draken flies in the brief clash, so its catalog entry cannot change a battle: over the same seeds
    its every elementary effect is exactly zero. The LGF's hit probability, from 0.02 to 0.9, changes what
    happens to the Devils."""
    draken = "catalog.aircraft.Draken.max_g"
    space = DesignSpace(str(BRIEF), [parse_range(f"{draken}=3:9"), parse_range(f"{HIT}=0.02:0.9")])
    quantities = ("air_command_lost", "pilots_home", "lgf_lost")
    with Fighter(1) as fighter:
        result = analyse(space, method="morris", samples=2, seeds=2, seed=3, fighter=fighter, quantities=quantities)
    assert len(result.points) == 2 * 3
    assert len({round(p[draken], 6) for p in result.points}) > 1  # the Draken's value did move
    assert set(result.indices) | set(result.constant) == set(quantities) and result.indices
    for by in result.indices.values():
        assert by[draken]["mu_star"].value == 0 and by[draken]["sigma"].value == 0
    assert any(by[HIT]["mu_star"].value > 0 for by in result.indices.values())


def test_sensitivity_as_a_user_types_it_prints_plots_and_writes_the_indices_into_the_sweeps_page(tmp_path: Path):
    sweep = tmp_path / "sweep"
    swept = captainred("sweep", BRIEF, "--runs", "1", "--workers", "1", "--out", sweep, "-q")
    assert swept.returncode == 0, swept.stderr
    sweep_page = (sweep / "index.html").read_text()
    out = sweep / "sensitivity"
    ran = captainred(
        "sensitivity",
        BRIEF,
        *VARY,
        "--method",
        "sobol",
        "--samples",
        "2",
        "--seeds",
        "2",
        "--workers",
        "1",
        "--out",
        out,
    )
    assert ran.returncode == 0, ran.stderr
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "sensitivity.json", "sensitivity.png"]
    assert (out / "sensitivity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = json.loads((out / "sensitivity.json").read_text())
    assert result["method"] == "sobol" and len(result["points"]) == 2 * (2 + 2) and len(result["seeds"]) == 2
    assert set(result["quantities"]) == {"air_command_lost", "photos_returned", "pilots_home"}
    for quantity in result["quantities"]:
        if quantity in result["constant"]:
            continue
        for path in ("enemy.skill", HIT):
            total = result["indices"][quantity][path]["total"]
            assert total["low"] <= total["value"] <= total["high"]
    for point in result["points"]:
        assert 0.2 <= point["values"]["enemy.skill"] <= 0.9 and 0.02 <= point["values"][HIT] <= 0.6
    page = (out / "index.html").read_text()
    assert '<section id="sensitivity">' in page and page.count("data:image/png;base64,") == 1
    assert page.count("<tr>") == 1 + 2  # the heading and a row per design value
    rows = [line for line in ran.stdout.splitlines() if line.startswith(("│ enemy.skill", f"│ {HIT}"))]
    assert len(rows) == 2, ran.stdout
    assert "Sobol' total effect" in ran.stdout
    # The sweep's own page now holds the same section after everything it held before.
    joined = (sweep / "index.html").read_text()
    assert f"Added the analysis to the sweep's page, {sweep / 'index.html'}" in ran.stdout
    section = page[page.index('<section id="sensitivity">') : page.index("</section>") + len("</section>\n")]
    assert joined == sweep_page.replace("</body>", section + "</body>")


def test_a_second_analysis_replaces_the_first_on_the_sweeps_page(tmp_path: Path):
    page = tmp_path / "index.html"
    page.write_text("<html><body>\n<table id=cells></table>\n</body>\n</html>\n")
    add_to_sweep_page(page, '<section id="sensitivity">first</section>\n')
    add_to_sweep_page(page, '<section id="sensitivity">second</section>\n')
    assert page.read_text() == (
        '<html><body>\n<table id=cells></table>\n<section id="sensitivity">second</section>\n</body>\n</html>\n'
    )


@pytest.mark.slow
def test_morris_from_the_command_line_gives_the_same_numbers_on_one_worker_or_two(tmp_path: Path):
    args = ("sensitivity", BRIEF, *VARY, "--method", "morris", "--samples", "2", "--seeds", "2", "-q")
    one = captainred(*args, "--workers", "1", "--out", tmp_path / "one")
    two = captainred(*args, "--workers", "2", "--out", tmp_path / "two")
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    first, second = (json.loads((tmp_path / d / "sensitivity.json").read_text()) for d in ("one", "two"))
    assert first["method"] == "morris" and len(first["points"]) == 2 * 3
    del first["command"], second["command"]
    assert first == second


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("--vary", "enemy.skil=0:1"), "--vary enemy.skil=0:1: enemy.skil: unknown field 'skil'"),
        (
            ("--vary", "enemy.skill=0.9:0.1"),
            "--vary enemy.skill=0.9:0.1: the low bound 0.9 is above the high bound 0.1",
        ),
        (("--vary", "enemy.skill=0:3"), "--vary enemy.skill=0:3: 3 cannot be taken: "),
        (("--vary", "enemy.skill=0.5:0.5"), "the bounds are equal"),
        (("--vary", f"{HIT}=-1:0.5"), "-1 cannot be taken: catalog: aircraft.LGF.energy_weapon.hit_probability"),
        (("--vary", "enemy.skill=low:high"), "expected LOW:HIGH"),
        ((), "--vary: give at least one design value to move"),
        (("--vary", "enemy.skill=0:1", "--samples", "6"), "--samples: Sobol' sampling needs a power of two"),
        (("--vary", "enemy.skill=0:1", "--method", "fast"), "--method: unknown method 'fast'"),
        (("--vary", "enemy.skill=0:1", "--seeds", "0"), "--seeds: must be between 1"),
    ],
)
def test_bad_input_to_sensitivity_is_one_line_and_writes_nothing(tmp_path: Path, args: tuple[str, ...], problem: str):
    line = one_error_line(captainred("sensitivity", BRIEF, *args, "--out", tmp_path / "out"))
    assert problem in line, line
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_scenario_is_one_line(tmp_path: Path):
    line = one_error_line(captainred("sensitivity", "manhattan-recce", "--vary", "enemy.skill=0:1"))
    assert "manhattan-recce: unknown scenario" in line
