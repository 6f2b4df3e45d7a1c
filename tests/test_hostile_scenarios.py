"""Scenario files and `--set` values a hostile user writes: each is refused in one line, quickly, within a
small memory ceiling, before anything is fought or written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from captainred.scenario.bounded import InputLimitError, check_json_nesting, check_toml_shape, loads_json
from hostile import assert_refused, captainred_bounded

SKIRMISH = Path(__file__).parent / "scenarios" / "skirmish.toml"


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "hostile.toml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# ------------------------------------------------------------------------------------------ the TOML edge


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a = " + "[" * 400 + "]" * 400 + "\n", ("nested more than 32 deep", "line 1")),
        ("a = " + "{b = " * 400 + "1" + "}" * 400 + "\n", ("nested more than 32 deep",)),
        ("name = 'x'\n" + "a" + ".a" * 20_000 + " = 1\n", ("dotted key", "line 2")),
        ("[" + ".".join(["t"] * 5000) + "]\n", ("dotted key",)),
    ],
    ids=["arrays-400-deep", "inline-tables-400-deep", "dotted-key-20000-parts", "table-header-5000-parts"],
)
def test_a_scenario_shaped_to_exhaust_the_parser_is_refused_before_parsing(
    tmp_path: Path, text: str, words: tuple[str, ...]
) -> None:
    path = _write(tmp_path, text)
    assert_refused(captainred_bounded("run", path, timeout_s=30), str(path), *words)


def test_an_endless_file_is_read_no_further_than_its_limit() -> None:
    assert_refused(captainred_bounded("run", "/dev/zero", timeout_s=30), "/dev/zero", "KiB")


def test_a_fifo_nobody_writes_to_is_an_empty_file_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.toml"
    os.mkfifo(fifo)
    assert_refused(captainred_bounded("run", fifo, timeout_s=30), str(fifo), "empty file")


def test_a_scenario_larger_than_a_megabyte_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, SKIRMISH.read_text("utf-8") + "#" * (2 << 20) + "\n")
    assert_refused(captainred_bounded("run", path, timeout_s=30), str(path), "1024 KiB")


def test_brackets_and_dots_inside_strings_and_comments_do_not_count() -> None:
    check_toml_shape('a = "' + "[" * 100 + '"  # ' + "{" * 100 + "\nb = '" + "." * 100 + "'\n")
    check_toml_shape('d = """\n' + "[[[." * 100 + '\n"""\nx = [1.5, 2.5, 3.5, 4.5]\n' * 3)
    check_toml_shape("f = [" + ", ".join(["1.5"] * 100) + "]\n")


def test_json_nesting_and_non_numbers_are_refused() -> None:
    with pytest.raises(InputLimitError):
        check_json_nesting("[" * 100 + "]" * 100)
    check_json_nesting('["' + "[" * 100 + '"]')
    with pytest.raises(InputLimitError):
        loads_json('{"x": NaN}')
    with pytest.raises(InputLimitError):
        loads_json('{"x": -Infinity}')
    assert loads_json('{"x": [1, 2.5]}') == {"x": [1, 2.5]}


def test_a_set_value_nested_too_deep_is_a_value_not_a_crash() -> None:
    ran = captainred_bounded("run", SKIRMISH, "--set", "name=" + "[" * 2000 + "]" * 2000, timeout_s=30)
    assert_refused(ran, "name")


def test_a_set_path_of_thousands_of_parts_is_refused() -> None:
    ran = captainred_bounded("run", SKIRMISH, "--set", ".".join(["net"] * 5000) + "=1", timeout_s=30)
    assert_refused(ran, "field path of more than")


# ---------------------------------------------------------------------- non-finite and overflowing values


@pytest.mark.parametrize(
    ("assignment", "words"),
    [
        ("net.strength_t=inf", ("net.strength_t", "finite")),
        ("net.strength_t=nan", ("net.strength_t", "finite")),
        ("timing.duration_s=1e400", ("timing.duration_s", "finite")),
        ("fleet.speed_mps=-inf", ("fleet.speed_mps", "finite")),
        ("carriers[0].position_m=[1e300, 0]", ("carriers[0].position_m[0]", "beyond")),
        ("carriers[0].position_m=[99999999999999999999999999999, 0]", ("carriers[0].position_m[0]",)),
        ("mission.photos_wanted=100000000000000000000000", ("mission.photos_wanted", "less than")),
        ('name="Skirmish\\u0000"', ("name", "control character")),
        ('description="\\u001b[31mred"', ("description", "control character")),
        ("enemy.aircraft_type=" + "L" * 5000, ("enemy.aircraft_type", "at most")),
    ],
)
def test_a_value_no_unit_allows_is_refused_in_the_model(assignment: str, words: tuple[str, ...]) -> None:
    assert_refused(captainred_bounded("run", SKIRMISH, "--set", assignment, timeout_s=30), *words)


_BOMBARDMENT = """
[[bombardments]]
name = "fleet"
from_m = ["-30 km", "10 km"]
at = "mother-ship"
salvos = 2
interval_s = 60
shells = 4
"""


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("shell_speed_mps", "1e-300", ("bombardments[0].shell_speed_mps", "greater than or equal to 50")),
        ("shell_tnt_kg", "inf", ("bombardments[0].shell_tnt_kg", "finite")),
        ("spread_m", '"1e9 km"', ("bombardments[0].spread_m", "beyond")),
    ],
)
def test_a_bombardment_cannot_fire_shells_that_never_land(
    tmp_path: Path, field: str, value: str, words: tuple[str, ...]
) -> None:
    fields = {"shell_tnt_kg": "50", field: value}
    lines = "".join(f"{key} = {text}\n" for key, text in fields.items())
    path = _write(tmp_path, SKIRMISH.read_text("utf-8") + _BOMBARDMENT + lines)
    assert_refused(captainred_bounded("run", path, timeout_s=30), str(path), *words)


@pytest.mark.parametrize(
    ("assignment", "words"),
    [
        ("raid.first_aid_uses=1000000000000000000", ("raid.first_aid_uses", "less than or equal to 100")),
        ("raid.patrols=1e308", ("raid.patrols",)),
        ("raid.swarm_wave=9223372036854775808", ("raid.swarm_wave",)),
    ],
)
def test_a_raid_with_impossible_kit_or_odds_is_refused(assignment: str, words: tuple[str, ...]) -> None:
    assert_refused(captainred_bounded("run", "night-raid", "--set", assignment, timeout_s=30), *words)


# ----------------------------------------------------------------------- work that grows with a number


def test_bombardments_of_millions_of_shells_are_refused(tmp_path: Path) -> None:
    """Each shell that lands is an event: fifty bombardments of a thousand salvos of two hundred shells
    would fill the event log with ten million of them, from a few lines of TOML."""
    one = _BOMBARDMENT.replace("salvos = 2", "salvos = 1000").replace("shells = 4", "shells = 200")
    path = _write(tmp_path, SKIRMISH.read_text("utf-8") + (one + "shell_tnt_kg = 50\n") * 50)
    assert_refused(captainred_bounded("run", path, timeout_s=30), str(path), "bombardments", "10,000,000 shells")


@pytest.mark.parametrize("start", ["[-5e6, 0]", '["-3000 mi", "5 km"]', "[1650, -31000]"])
def test_a_raid_from_a_camp_far_away_is_refused_not_walked(start: str) -> None:
    """The party's route is laid every few metres from camp to rubble: a camp thousands of kilometres away
    once cost gigabytes for one line of TOML."""
    ran = captainred_bounded("run", "night-raid", "--set", f"raid.start_m={start}", timeout_s=60)
    assert_refused(ran, "raid.start_m", "night's march")


def test_a_raid_from_a_camp_within_a_night_is_still_fought() -> None:
    ran = captainred_bounded(
        "run", "night-raid", "-q", "--set", "raid.start_m=[1650, 0]", "--set", "timing.duration_s=20 min"
    )
    assert ran.code == 0, ran.err


@pytest.mark.parametrize("every", ["1e-300", "nan", "inf", "-1"])
def test_a_replay_sampled_at_no_interval_at_all_is_refused(tmp_path: Path, every: str) -> None:
    ran = captainred_bounded("run", SKIRMISH, "--replay", tmp_path / "r.crr", "--replay-every", every, timeout_s=30)
    assert_refused(ran, "--replay-every", "between 0.01 and 3600")
    assert not list(tmp_path.iterdir())


def test_a_key_with_a_line_break_is_refused_on_one_line(tmp_path: Path) -> None:
    """A key the file quotes may hold any character; the error names it escaped, on the one line."""
    skirmish = (Path(__file__).parent / "scenarios" / "skirmish.toml").read_text("utf-8")
    path = _write(tmp_path, skirmish + '\n[fleet]\n"course\\nspeed" = 1\n')
    line = assert_refused(captainred_bounded("run", path, timeout_s=60), str(path), "unknown field")
    assert 'fleet["course\\nspeed"]' in line
