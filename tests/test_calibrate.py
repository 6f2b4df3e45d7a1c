"""Calibration against the story: targets files read and checked, the statistics and the objective, design
values set in the scenario or the catalog, `captainred calibrate` as a user types it, the same search from
the same seed, and bad input refused in one line with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from as_typed import captainred, one_error_line
from captainred.scenario import ScenarioError
from captainred.scenario.loader import load_catalog
from captainred.sweep.calibrate import calibrate
from captainred.sweep.design import DesignSpace, parse_range
from captainred.sweep.errors import SweepError
from captainred.sweep.measures import Fighter
from captainred.sweep.staging import staged_folder
from captainred.sweep.story import shipped_targets
from captainred.sweep.targets import CENTRE_PULL, load_targets, targets_from

BRIEF = Path(__file__).parent / "scenarios" / "brief-clash.toml"
HIT = "catalog.aircraft.LGF.energy_weapon.hit_probability"

TARGETS = f"""
description = "A brief clash where the Devils lose someone about half the time."

[[target]]
quantity = "air_command_lost"
statistic = "mean"
band = [0.3, 0.8]

[[target]]
quantity = "air_command_lost"
statistic = "probability"
condition = ">= 1"
band = [0.3, 0.7]
why = "about half the time"

[[target]]
quantity = "all_home"
statistic = "probability"
band = [0.2, 0.8]

[[design]]
path = "enemy.skill"
low = 0.2
high = 0.9

[[design]]
path = "{HIT}"
low = 0.05
high = 0.5

[[design]]
path = "enemy.defenders"
low = 4
high = 8
"""


def write(tmp_path: Path, text: str, name: str = "targets.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def row(lost: int, *, all_home: bool | None = None) -> dict[str, object]:
    return {"air_command_lost": lost, "all_home": lost == 0 if all_home is None else all_home, "raid_killed": None}


# ------------------------------------------------------------------------------------------- targets


def test_a_targets_file_reads_into_targets_and_design_values(tmp_path: Path):
    goals = load_targets(write(tmp_path, TARGETS))
    assert [t.label for t in goals.targets] == [
        "mean Air Command lost",
        "P(Air Command lost >= 1)",
        "P(every pilot home)",
    ]
    assert [(r.name, r.low, r.high, r.integral) for r in goals.design] == [
        ("enemy.skill", 0.2, 0.9, False),
        (HIT, 0.05, 0.5, False),
        ("enemy.defenders", 4, 8, True),
    ]
    assert goals.description.startswith("A brief clash")


def test_a_mean_and_a_probability_come_with_their_intervals():
    goals = targets_from(
        {
            "target": [
                {"quantity": "air_command_lost", "statistic": "mean", "band": [0, 5]},
                {"quantity": "air_command_lost", "statistic": "probability", "condition": "== 0", "band": [0, 1]},
                {"quantity": "all_home", "statistic": "probability", "band": [0, 1]},
            ]
        },
        "t.toml",
    )
    rows = [row(0), row(1), row(2), row(1), row(0), row(3), row(0), row(1)]
    mean, none_lost, all_home = (t.estimate(rows) for t in goals.targets)
    assert mean.value == pytest.approx(1.0) and mean.n == 8
    assert mean.low is not None and mean.high is not None and mean.low < 1.0 < mean.high
    assert none_lost.value == pytest.approx(3 / 8) and all_home.value == pytest.approx(3 / 8)
    assert none_lost.low is not None and none_lost.high is not None and 0 <= none_lost.low < 3 / 8 < none_lost.high <= 1


@pytest.mark.parametrize(
    ("condition", "values", "held"),
    [
        (">= 1", [0, 1, 2], [False, True, True]),
        ("< 2", [0, 1, 2], [True, True, False]),
        ("!= 1", [1, 3], [False, True]),
    ],
)
def test_a_condition_holds_as_written(condition: str, values: list[int], held: list[bool]):
    target = targets_from(
        {
            "target": [
                {"quantity": "air_command_lost", "statistic": "probability", "condition": condition, "band": [0, 1]}
            ]
        },
        "t.toml",
    ).targets[0]
    assert [target.holds(v) for v in values] == held


def test_the_objective_is_nearly_nothing_inside_a_band_and_grows_with_the_miss():
    target = targets_from(
        {"target": [{"quantity": "air_command_lost", "statistic": "mean", "band": [1, 2]}]}, "t.toml"
    ).targets[0]
    assert target.miss(1.5) == 0
    assert 0 < target.miss(1.1) < 1e-3  # the faint pull to the middle
    assert target.miss(3) > target.miss(2.5) > 0.2 > target.miss(2.0)
    assert target.miss(0) == pytest.approx(target.miss(3))  # one band width out either side


@given(
    low=st.floats(-1e6, 1e6),
    width=st.floats(1e-3, 1e6),
    value=st.floats(-1e7, 1e7),
)
def test_a_miss_is_never_negative_and_is_small_only_inside_the_band(low: float, width: float, value: float):
    high = low + width
    target = targets_from(
        {"target": [{"quantity": "lgf_lost", "statistic": "mean", "band": [low, high]}]}, "t.toml"
    ).targets[0]
    miss = target.miss(value)
    assert miss >= 0
    at_most_inside = CENTRE_PULL * 0.25 * 1.01  # the pull at a band's very edge, give or take rounding
    if low <= value <= high:
        assert miss <= at_most_inside
    elif max(low - value, value - high) > 0.01 * width:
        assert miss > at_most_inside


def test_a_target_no_run_measured_cannot_be_scored():
    goals = targets_from({"target": [{"quantity": "raid_killed", "statistic": "mean", "band": [0, 1]}]}, "t.toml")
    with pytest.raises(ScenarioError, match=r"t.toml: target\[0\].quantity: no run measured raid_killed"):
        goals.miss([row(0), row(1)])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[target]\nquantity = 1", "targets.toml: invalid TOML"),
        ('scenario = "x"', "targets.toml: target: missing required field"),
        (
            '[[target]]\nquantity = "losses"\nstatistic = "mean"\nband = [0, 1]',
            "target[0].quantity: unknown quantity 'losses'",
        ),
        (
            '[[target]]\nquantity = "lgf_lost"\nstatistic = "median"\nband = [0, 1]',
            "target[0].statistic: Input should be",
        ),
        (
            '[[target]]\nquantity = "lgf_lost"\nstatistic = "mean"\nband = [5, 1]',
            "target[0].band: the low end 5 is above",
        ),
        (
            '[[target]]\nquantity = "lgf_lost"\nstatistic = "mean"\nband = [1]',
            "target[0].band[1]: missing required field",
        ),
        (
            '[[target]]\nquantity = "lgf_lost"\nstatistic = "probability"\ncondition = ">= 1"\nband = [0, 2]',
            "target[0].band: a probability's band lies within [0, 1]",
        ),
        (
            '[[target]]\nquantity = "lgf_lost"\nstatistic = "probability"\nband = [0, 1]',
            "target[0].condition: a probability of lgf_lost needs one",
        ),
        (
            '[[target]]\nquantity = "lgf_lost"\nstatistic = "probability"\ncondition = "about 3"\nband = [0, 1]',
            "target[0].condition: 'about 3' is not a condition",
        ),
        (
            '[[target]]\nquantity = "lgf_lost"\nstatistic = "mean"\ncondition = ">= 1"\nband = [0, 9]',
            "target[0].condition: only for a probability",
        ),
        (
            '[[target]]\nquantity = "lgf_lost"\nstatistic = "mean"\nband = [0, 9]\n[[design]]\npath = "enemy.skill"\n'
            "low = 0.9\nhigh = 0.1",
            "targets.toml: design[0]: the low bound 0.9 is above the high bound 0.1",
        ),
        (
            '[[target]]\nquantity = "lgf_lost"\nstatistic = "mean"\nband = [0, 9]\n[[design]]\npath = "enemy.skill"\n'
            "low = 0.1\nhigh = 0.9\nstep = 1",
            "targets.toml: design[0].step: unknown field",
        ),
    ],
)
def test_a_malformed_targets_file_is_refused_naming_the_file_and_field(tmp_path: Path, text: str, problem: str):
    with pytest.raises(ScenarioError) as caught:
        load_targets(write(tmp_path, text))
    assert caught.value.line().startswith(str(tmp_path / "targets.toml"))
    assert problem in caught.value.line()


# ------------------------------------------------------------------------------------- design values


def test_a_catalog_value_moves_in_that_scenario_only():
    blue_fire = load_catalog().aircraft["LGF"].energy_weapon
    assert blue_fire is not None and blue_fire.hit_probability != 0.45
    space = DesignSpace(str(BRIEF), [parse_range(f"{HIT}=0.05:0.5"), parse_range("enemy.defenders=4:8")])
    assert space.base_values == {HIT: blue_fire.hit_probability, "enemy.defenders": 6.0}
    moved = space.scenario_at({HIT: 0.45, "enemy.defenders": 7.6})
    assert moved.catalog.aircraft["LGF"].energy_weapon is not None
    assert moved.catalog.aircraft["LGF"].energy_weapon.hit_probability == 0.45
    assert moved.scenario.enemy.defenders == 8  # an integral value is rounded
    shared = load_catalog().aircraft["LGF"].energy_weapon
    assert shared == blue_fire  # the shipped catalog is untouched
    assert space.base.catalog.aircraft["LGF"] == load_catalog().aircraft["LGF"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("enemy.skil=0:1", "--vary enemy.skil=0:1: enemy.skil: unknown field 'skil'"),
        ("enemy.skill=0.9:0.1", "the low bound 0.9 is above the high bound 0.1"),
        ("enemy.skill=0:2", "2 cannot be taken: "),
        ("enemy.skill=0.1", "expected LOW:HIGH"),
        ("enemy.defenders=-5:10", "-5 cannot be taken: "),
        ("mission.radio=0:1", "mission.radio: is not a number"),
        (f"{HIT}=0.1:1.5", "1.5 cannot be taken: catalog: aircraft.LGF.energy_weapon.hit_probability: Input should be"),
        ("catalog.aircraft.Spitfire.max_g=2:3", "unknown field 'Spitfire' (known here: Draken"),
    ],
)
def test_a_design_value_the_scenario_cannot_take_is_refused_in_one_line(text: str, problem: str):
    with pytest.raises(ScenarioError) as caught:
        DesignSpace(str(BRIEF), [parse_range(text)])
    assert problem in caught.value.line()


def test_the_story_targets_ship_and_move_only_design_values_from_where_the_story_stands():
    shipped = shipped_targets("manhattan-recon")
    assert shipped is not None and shipped_targets("night-raid") is None
    goals = load_targets(Path(str(shipped)))
    assert goals.scenario == "manhattan-recon"
    paths = {r.name for r in goals.design}
    assert paths == {
        HIT,
        "enemy.skill",
        "enemy.defenders",
        "enemy.force_down_fraction",
        "doctrine.reserve_fuel_kg",
        "doctrine.photo_reserve_fuel_kg",
        "doctrine.joker_fuel_kg",
        "doctrine.cover_wingmen",
    }
    space = DesignSpace("manhattan-recon", goals.design)
    assert space.base_inside  # the shipped scenario's values (the calibrated ones) lie inside the bounds
    defenders = next(r for r in goals.design if r.name == "enemy.defenders")
    assert (defenders.low, defenders.high, defenders.integral) == (80, 120, True)  # CANON.md: 80-120 craft
    measured = {t.quantity for t in goals.targets}
    assert {"air_command_lost", "pilots_home", "photos_returned", "lgf_crashed", "fuel_at_landing_min_kg"} <= measured


# --------------------------------------------------------------------------------------- the search


@pytest.mark.slow
def test_the_same_seed_gives_the_same_search_and_another_seed_another(tmp_path: Path):
    goals = load_targets(write(tmp_path, TARGETS))
    space = DesignSpace(str(BRIEF), goals.design[:2])
    with Fighter(1) as fighter:
        first = calibrate(space, goals, trials=2, seeds=2, seed=5, fighter=fighter)
        again = calibrate(space, goals, trials=2, seeds=2, seed=5, fighter=fighter)
        other = calibrate(space, goals, trials=2, seeds=2, seed=6, fighter=fighter)
    assert [p.values for p in first.trials] == [p.values for p in again.trials]
    assert [p.objective for p in first.trials] == [p.objective for p in again.trials]
    assert first.best.values == again.best.values
    assert first.baseline.values == {} and first.baseline.number == -1  # the scenario as it is, fought beside
    assert [p.values for p in first.trials] != [p.values for p in other.trials]
    assert first.seeds != other.seeds


@pytest.mark.slow
def test_a_scenario_that_took_the_best_values_finds_the_same_values_again(tmp_path: Path):
    """The search never starts from the scenario's own values, so calibrating the calibrated scenario
    (as a fresh clone of the shipped `manhattan-recon` does) gives the same trials and the same best."""
    goals = load_targets(write(tmp_path, TARGETS))
    design = [goals.design[0], goals.design[2]]  # enemy.skill, enemy.defenders: values the scenario holds
    space = DesignSpace(str(BRIEF), design)
    with Fighter(1) as fighter:
        first = calibrate(space, goals, trials=3, seeds=2, seed=5, fighter=fighter)
        best = first.best.values
        text = BRIEF.read_text("utf-8").replace("defenders = 6", f"defenders = {best['enemy.defenders']:g}")
        text = text.replace("[enemy]\n", f"[enemy]\nskill = {best['enemy.skill']!r}\n")
        took = DesignSpace(str(write(tmp_path, text, "brief-clash.toml")), design)
        again = calibrate(took, goals, trials=3, seeds=2, seed=5, fighter=fighter)
    assert took.base_values == first.best.values != space.base_values
    assert [p.values for p in again.trials] == [p.values for p in first.trials]
    assert again.best.values == first.best.values
    assert again.baseline.objective == pytest.approx(first.best.objective)


def test_an_output_folder_lands_whole_or_not_at_all(tmp_path: Path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), staged_folder(out) as staging:
        (staging / "half.json").write_text("{}")
        raise RuntimeError("a target found unmeasurable late")
    assert list(tmp_path.iterdir()) == []
    with staged_folder(out) as staging:
        (staging / "best.json").write_text("{}")
    assert [p.name for p in tmp_path.iterdir()] == ["out"] and (out / "best.json").exists()
    with pytest.raises(SweepError, match="the folder is not empty"), staged_folder(out):
        pass


# ---------------------------------------------------------------------------------------- the command


@pytest.mark.slow
def test_calibrate_as_a_user_types_it_writes_best_values_report_plot_and_trials(tmp_path: Path):
    targets = write(tmp_path, TARGETS)
    out = tmp_path / "cal"
    args = ("calibrate", BRIEF, "--target", targets, "--trials", "2", "--seeds", "2", "--seed", "5", "--workers", "1")
    ran = captainred(*args, "--check", "1", "--out", out)
    assert ran.returncode == 0, ran.stderr
    assert sorted(p.name for p in out.iterdir()) == ["best.json", "report.md", "search.png", "trials.json"]
    assert (out / "search.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    best = json.loads((out / "best.json").read_text())
    assert best["scenario"] == "brief-clash" and best["trials"] == 2 and len(best["seeds"]) == 2
    for design in best["design"]:
        assert design["low"] <= best["best"]["values"][design["path"]] <= design["high"]
    for target in best["best"]["targets"]:
        estimate = target["estimate"]
        assert estimate["n"] == 2 and estimate["low"] <= estimate["value"] <= estimate["high"]
        assert target["inside"] == (target["band"][0] <= estimate["value"] <= target["band"][1])
    assert len(best["check"]["after"]["runs"]["air_command_lost"]) == 1
    trials = json.loads((out / "trials.json").read_text())["trials"]
    assert [t["trial"] for t in trials] == [0, 1]
    assert min(t["objective"] for t in trials) == best["best"]["objective"]
    report = (out / "report.md").read_text()
    assert "# Calibration of brief-clash" in report and "| `enemy.defenders` | 4 – 8 | 6 |" in report
    assert "Before and after, over 1 fresh seed\n" in report and "about half the time" in report
    assert "P(Air Command lost >= 1)" in ran.stdout and "best of 2 trials" in ran.stdout
    # The same command from another process gives the same values (the search is seeded).
    again = captainred(*args, "--out", tmp_path / "again", "-q")
    assert again.returncode == 0 and again.stdout == ""
    assert json.loads((tmp_path / "again" / "best.json").read_text())["best"] == best["best"]
    assert "check" not in json.loads((tmp_path / "again" / "best.json").read_text())


@pytest.mark.slow
def test_calibrate_manhattan_recon_takes_the_story_targets_by_default(tmp_path: Path):
    out = tmp_path / "story"
    ran = captainred("calibrate", "manhattan-recon", "--trials", "1", "--seeds", "1", "--workers", "1", "--out", out)
    assert ran.returncode == 0, ran.stderr
    best = json.loads((out / "best.json").read_text())
    assert best["targets_file"] == "manhattan-recon (shipped targets)"
    assert set(best["best"]["values"]) == {d["path"] for d in best["design"]} and len(best["design"]) == 8
    assert best["baseline"]["values"] == {}  # the scenario as it stands, fought beside the search


@pytest.mark.parametrize(
    ("targets", "extra", "problem"),
    [
        ("[[target]\n", (), "targets.toml: invalid TOML"),
        (
            TARGETS.replace('"all_home"', '"raid_killed"').replace(
                'statistic = "probability"\nband = [0.2, 0.8]', 'statistic = "mean"\nband = [0, 1]'
            ),
            (),
            "targets.toml: target[2].quantity: no run of brief-clash can measure raid_killed",
        ),
        (
            TARGETS.replace('path = "enemy.skill"', 'path = "enemy.skil"'),
            (),
            "targets.toml: design[0]: enemy.skil: unknown field",
        ),
        (TARGETS.replace("low = 4\nhigh = 8", "low = 4\nhigh = 30000"), (), "design[2]: 30000 cannot be taken: "),
        (
            TARGETS.replace("low = 0.2\nhigh = 0.9", "low = 0.9\nhigh = 0.2"),
            (),
            "design[0]: the low bound 0.9 is above",
        ),
        (TARGETS.split("[[design]]")[0], (), "targets.toml: design: names no design value to move"),
        (
            'scenario = "manhattan-recon"\n' + TARGETS,
            (),
            "targets.toml: scenario: the targets are written for 'manhattan-recon', not 'brief-clash'",
        ),
        (TARGETS, ("--trials", "0"), "--trials: must be between 1"),
        (TARGETS, ("--seeds", "0"), "--seeds: must be between 1"),
    ],
)
def test_bad_input_to_calibrate_is_one_line_and_writes_nothing(
    tmp_path: Path, targets: str, extra: tuple[str, ...], problem: str
):
    path = write(tmp_path, targets)
    line = one_error_line(captainred("calibrate", BRIEF, "--target", path, *extra, "--out", tmp_path / "out"))
    assert problem in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["targets.toml"]


def test_calibrate_without_targets_for_a_scenario_that_ships_none_is_one_line(tmp_path: Path):
    line = one_error_line(captainred("calibrate", BRIEF, "--out", tmp_path / "out"))
    assert "--target: no targets ship for" in line
    missing = one_error_line(captainred("calibrate", BRIEF, "--target", tmp_path / "nope.toml"))
    assert missing == f"error: {tmp_path / 'nope.toml'}: no such file"
    assert list(tmp_path.iterdir()) == []


def test_calibrate_will_not_write_into_a_folder_that_holds_something(tmp_path: Path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep")
    path = write(tmp_path, TARGETS)
    line = one_error_line(captainred("calibrate", BRIEF, "--target", path, "--out", tmp_path / "out"))
    assert "--out: the folder is not empty" in line
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["mine.txt"]
