"""Scenario validation as a user meets it: each bad file is one line naming the file, the field and the fault.

Each bad case starts from the built-in Manhattan reconnaissance, changes one thing, writes it to a file and
loads it the way the CLI does.
"""

from __future__ import annotations

import copy
import json
import math
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from captainred.scenario import ScenarioError, load_catalog, load_scenario, resolve
from captainred.scenario.model import PilotSpec
from captainred.scenario.units import Duration, Length, Mass, Speed

Data = dict[str, Any]


def recon() -> Data:
    """The built-in chapter II scenario as raw TOML data, fresh for each case to change."""
    text = (resources.files("captainred.scenario") / "builtin" / "manhattan-recon.toml").read_text("utf-8")
    return tomllib.loads(text)


# ------------------------------------------------------------------------------------ a tiny TOML writer


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON strings are TOML basic strings
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def to_toml(data: Data, prefix: str = "") -> str:
    """Enough TOML for scenario files: scalars, lists, tables and arrays of tables."""
    lines = [
        f"{json.dumps(k)} = {_toml_value(v)}"
        for k, v in data.items()
        if not isinstance(v, dict) and not _is_table_array(v)
    ]
    for key, value in data.items():
        name = f"{prefix}.{json.dumps(key)}" if prefix else json.dumps(key)
        if isinstance(value, dict):
            lines += ["", f"[{name}]", to_toml(value, name)]
        elif _is_table_array(value):
            for item in value:
                lines += ["", f"[[{name}]]", to_toml(item, name)]
    return "\n".join(lines)


def test_the_tiny_toml_writer_round_trips_the_builtin() -> None:
    data = recon()
    data["extra"] = {"flag": True, "ratio": 0.5, "names": ["a", 'b"c'], "inline": [{"x": 1}]}
    assert tomllib.loads(to_toml(data)) == data


def write(tmp_path: Path, data: Data, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(to_toml(data), "utf-8")
    return path


# ------------------------------------------------------------------------------------------ bad inputs


Mutation = Callable[[Data], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets a dotted path ('squadrons.1.aircraft') to a value."""

    def mutate(data: Data) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: Data) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(data: Data) -> None:
        for m in mutations:
            m(data)

    return mutate


def _second_odysseus(data: Data) -> None:
    data["carriers"].append(copy.deepcopy(data["carriers"][0]))


# (case id, mutation, field path in the message, words the problem must contain)
BAD_FIELDS: list[tuple[str, Mutation, str, tuple[str, ...]]] = [
    (
        "missing-field",
        _delete("mission.cruise_altitude_m"),
        "mission.cruise_altitude_m",
        ("missing required field",),
    ),
    ("missing-name", _delete("name"), "name", ("missing required field",)),
    ("missing-table", _delete("timing"), "timing", ("missing required field",)),
    (
        "wrong-type-int",
        _set("squadrons.1.aircraft", "eight"),
        "squadrons[1].aircraft",
        ("valid integer", "'eight'"),
    ),
    ("wrong-type-table", _set("timing", "soon"), "timing", ("dictionary", "'soon'")),
    (
        "wrong-type-list",
        _set("carriers.0.position_m", "north"),
        "carriers[0].position_m",
        ("tuple", "'north'"),
    ),
    (
        "wrong-type-bool-length",
        _set("mission.cruise_altitude_m", True),
        "mission.cruise_altitude_m",
        ("boolean",),
    ),
    (
        "negative-fuel",
        _set("doctrine.reserve_fuel_kg", -10),
        "doctrine.reserve_fuel_kg",
        ("greater than or equal to 0",),
    ),
    (
        "negative-bingo",
        _set("doctrine.bingo_fuel_kg", "-5 lb"),
        "doctrine.bingo_fuel_kg",
        ("greater than or equal to 0",),
    ),
    (
        "unknown-aircraft-type",
        _set("squadrons.1.aircraft_type", "Spitfire"),
        "squadrons[1].aircraft_type",
        ("unknown type 'Spitfire'", "known: Draken, Guardian"),
    ),
    (
        "enemy-type-is-ours",
        _set("enemy.aircraft_type", "Guardian"),
        "enemy.aircraft_type",
        ("unknown type 'Guardian'", "known: LGF"),
    ),
    (
        "unknown-squadron",
        _set("squadrons.1.id", "eagles"),
        "squadrons[1].id",
        ("unknown squadron 'eagles'", "devils", "slayers"),
    ),
    (
        "pilot-not-in-roster",
        _set("squadrons.0.pilots", ["Willow Rosenberg", "Tara Maclay"]),
        "squadrons[0].pilots[1]",
        ("no pilot 'Tara Maclay' in the Devils", "roster: Willow Rosenberg"),
    ),
    (
        "pilot-named-twice",
        _set("squadrons.1.pilots", ["Faith", "Buffy Summers", "Faith"]),
        "squadrons[1].pilots[2]",
        ("pilot 'Faith' named twice",),
    ),
    (
        "more-pilots-than-aircraft",
        _both(
            _set("squadrons.0.aircraft", 1),
            _set("squadrons.0.photo_aircraft", 1),
            _set("squadrons.0.pilots", ["Willow Rosenberg", "Charlie"]),
        ),
        "squadrons[0].pilots",
        ("2 pilots named for 1 aircraft",),
    ),
    ("unknown-map", _set("map", "atlantis"), "map", ("unknown map 'atlantis'", "known: manhattan, open-sea")),
    ("unknown-field", _set("squadrons.1.colour", "red"), "squadrons[1].colour", ("unknown field",)),
    ("unknown-top-level-field", _set("weather", "fog"), "weather", ("unknown field",)),
    (
        "unit-of-wrong-dimension",
        _set("mission.cruise_altitude_m", "30 min"),
        "mission.cruise_altitude_m",
        ("unit 'min' is not a length", "km"),
    ),
    (
        "duration-given-a-length",
        _set("timing.duration_s", "50 mi"),
        "timing.duration_s",
        ("unit 'mi' is not a duration",),
    ),
    (
        "unparseable-quantity",
        _set("mission.photo_range_m", "four km"),
        "mission.photo_range_m",
        ("expected a length", "'four km'"),
    ),
    (
        "quantity-without-number",
        _set("doctrine.engage_range_m", "km"),
        "doctrine.engage_range_m",
        ("expected a length",),
    ),
    ("infinite-quantity", _set("mission.photo_range_m", math.inf), "mission.photo_range_m", ("finite",)),
    (
        "photo-aircraft-exceed-aircraft",
        _set("squadrons.1.photo_aircraft", 9),
        "squadrons[1].photo_aircraft",
        ("9 exceeds aircraft (8)",),
    ),
    (
        "too-many-rockets",
        _set("squadrons.0.rockets", 6),
        "squadrons[0].rockets",
        ("6 rockets", "a Guardian carries at most 4"),
    ),
    (
        "negative-rockets",
        _set("squadrons.0.rockets", -2),
        "squadrons[0].rockets",
        ("greater than or equal to 0",),
    ),
    (
        "camera-on-a-draken",
        _set("squadrons.0.aircraft_type", "Draken"),
        "squadrons[0].photo_aircraft",
        ("a Draken carries no camera",),
    ),
    (
        "squadron-ordered-twice",
        _set("squadrons.1.id", "devils"),
        "squadrons[1].id",
        ("squadron 'devils' ordered twice",),
    ),
    (
        "carrier-not-placed",
        _set("carriers.0.name", "Achilles"),
        "squadrons[0].carrier",
        ("carrier 'Odysseus' is not in this scenario", "placed: Achilles"),
    ),
    (
        "ordered-to-an-absent-carrier",
        _set("squadrons.1.carrier", "Achilles"),
        "squadrons[1].carrier",
        ("carrier 'Achilles' is not in this scenario", "placed: Odysseus"),
    ),
    ("carrier-placed-twice", _second_odysseus, "carriers[1].name", ("carrier 'Odysseus' placed twice",)),
    (
        "unknown-carrier",
        _set("carriers.0.name", "Titanic"),
        "carriers[0].name",
        ("unknown carrier 'Titanic'", "known: Achilles, Odysseus"),
    ),
    ("no-carriers", _set("carriers", []), "carriers", ("at least 1",)),
    ("no-squadrons", _set("squadrons", []), "squadrons", ("at least 1",)),
    (
        "unknown-enemy-ship",
        _set("enemy.ship", "saucer"),
        "enemy.ship",
        ("unknown ship 'saucer'", "known: mother-ship"),
    ),
    ("defenders-without-a-ship", _delete("enemy.ship"), "enemy.ship", ("107 defenders need a ship",)),
    (
        "transit-tick-below-combat-tick",
        _set("timing.transit_tick_s", 0.1),
        "timing.transit_tick_s",
        ("0.1 s is below combat_tick_s (0.2 s)",),
    ),
    (
        "combat-tick-too-fine",
        _set("timing.combat_tick_s", "1 ms"),
        "timing.combat_tick_s",
        ("unit 'ms' is not a duration",),
    ),
    (
        "reconnaissance-without-photo-aircraft",
        _both(_set("squadrons.0.photo_aircraft", 0), _set("squadrons.1.photo_aircraft", 0)),
        "mission.type",
        ("a reconnaissance needs photo_aircraft",),
    ),
    (
        "zero-aircraft",
        _set("squadrons.0.aircraft", 0),
        "squadrons[0].aircraft",
        ("greater than or equal to 1", "(got 0)"),
    ),
    (
        "too-many-aircraft",
        _set("squadrons.0.aircraft", 25),
        "squadrons[0].aircraft",
        ("less than or equal to 24", "(got 25)"),
    ),
    (
        "unknown-mission-type",
        _set("mission.type", "bombing"),
        "mission.type",
        ("'reconnaissance'", "'strike'", "(got 'bombing')"),
    ),
    (
        "unknown-flight-side",
        _set("squadrons.1.flight", "aft"),
        "squadrons[1].flight",
        ("'starboard'", "'port'"),
    ),
    (
        "force-down-fraction-above-one",
        _set("enemy.force_down_fraction", 1.5),
        "enemy.force_down_fraction",
        ("less than or equal to 1",),
    ),
    (
        "enemy-too-many",
        _set("enemy.defenders", 1_000_000),
        "enemy.defenders",
        ("less than or equal to 20000",),
    ),
    ("empty-name", _set("name", ""), "name", ("at least 1 character",)),
]


@pytest.mark.parametrize(
    ("mutate", "field", "words"), [case[1:] for case in BAD_FIELDS], ids=[case[0] for case in BAD_FIELDS]
)
def test_a_bad_field_is_one_line_naming_file_field_and_fault(
    tmp_path: Path, mutate: Mutation, field: str, words: tuple[str, ...]
) -> None:
    data = recon()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    error = caught.value
    line = str(error)
    assert line.startswith(f"{path}: {field}: "), line
    assert (error.source, error.field) == (str(path), field)
    for word in words:
        assert word in error.problem, line
    assert "\n" not in line


def test_the_bad_cases_are_many_and_distinct() -> None:
    assert len(BAD_FIELDS) >= 24
    assert len({case[0] for case in BAD_FIELDS}) == len(BAD_FIELDS)


# Files that are not scenarios at all: the message names the file and what is wrong with it.
BAD_FILES: list[tuple[str, bytes | None, tuple[str, ...]]] = [
    ("invalid-toml", b'name = "manhattan-recon"\nmap = \n', ("invalid TOML", "line 2")),
    ("unclosed-table", b"[timing\nduration_s = 60\n", ("invalid TOML",)),
    ("duplicate-key", b'name = "a"\nname = "b"\n', ("invalid TOML",)),
    ("empty-file", b"", ("empty file",)),
    ("blank-file", b"  \n\n\t\n", ("empty file",)),
    ("not-utf8", 'name = "Café"\n'.encode("latin-1"), ("not UTF-8", "byte 11")),
    ("a-table-of-nothing", b"# just a comment\n", ("missing required field",)),
]


@pytest.mark.parametrize(("content", "words"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_a_file_that_is_not_a_scenario_is_named(tmp_path: Path, content: bytes, words: tuple[str, ...]) -> None:
    path = tmp_path / "broken.toml"
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    line = str(caught.value)
    assert line.startswith(f"{path}: "), line
    for word in words:
        assert word in line, line
    assert "\n" not in line


def test_a_directory_is_not_a_scenario(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios.toml"
    folder.mkdir()
    with pytest.raises(ScenarioError, match="is a directory") as caught:
        load_scenario(folder)
    assert str(caught.value).startswith(f"{folder}: ")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "recon.toml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == f"{path}: no such file"


def test_an_unknown_builtin_name_lists_the_builtins() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("manhattan-raid")
    line = str(caught.value)
    assert line.startswith("manhattan-raid: unknown scenario")
    assert "manhattan-recon" in line


def test_a_pilot_cannot_fly_in_two_squadrons_at_once(tmp_path: Path) -> None:
    # The shipped rosters share no name, so this needs a catalog where Tara is on both rosters (as after a
    # transfer): ordering her in each squadron must fail, naming the second order.
    catalog = load_catalog()
    devils = catalog.squadrons["devils"]
    tara = next(p for p in catalog.squadrons["slayers"].pilots if p.name == "Tara Maclay")
    on_loan = PilotSpec(name=tara.name, callsign="Devil nine", skill=tara.skill)
    with_tara = devils.model_copy(update={"pilots": (*devils.pilots, on_loan)})
    squadrons = {**catalog.squadrons, "devils": with_tara}
    transferred = catalog.model_copy(update={"squadrons": squadrons})
    data = recon()
    data["squadrons"][0]["pilots"] = ["Tara Maclay"]
    data["squadrons"][1]["pilots"] = ["Buffy Summers", "Tara Maclay"]
    path = str(write(tmp_path, data))
    with pytest.raises(ScenarioError) as caught:
        resolve(data, source=path, catalog=transferred)
    expected = f"{path}: squadrons[1].pilots: pilot 'Tara Maclay' also flies with squadrons[0]"
    assert str(caught.value) == expected


# ----------------------------------------------------------------------------------------- good inputs


@pytest.mark.parametrize(
    ("adapter", "text", "si"),
    [
        (Length, "50 mi", 80_467.2),
        (Length, "200 ft", 60.96),
        (Length, "4 km", 4000.0),
        (Length, "1.5e3 m", 1500.0),
        (Length, "2 nmi", 3704.0),
        (Speed, "450 km/h", 125.0),
        (Speed, "100 kn", 51.444_444),
        (Speed, "60 mph", 26.8224),
        (Duration, "30 min", 1800.0),
        (Duration, "4 d", 345_600.0),
        (Mass, "100 lb", 45.359_237),
        (Mass, "3.6 t", 3600.0),
        (Length, 12, 12.0),
    ],
)
def test_quantities_with_units_become_si(adapter: Any, text: str | int, si: float) -> None:
    assert TypeAdapter(adapter).validate_python(text) == pytest.approx(si, rel=1e-6)


def test_units_in_a_scenario_file_are_read_as_si(tmp_path: Path) -> None:
    data = recon()
    data["doctrine"]["engage_range_m"] = "50 mi"
    data["doctrine"]["streets_altitude_m"] = "200 ft"
    data["doctrine"]["bingo_fuel_kg"] = "1000 lb"
    data["mission"]["time_over_target_s"] = "9 min"
    data["carriers"][0]["position_m"] = ["165 mi", "-165 mi"]
    scenario = load_scenario(write(tmp_path, data)).scenario
    assert scenario.doctrine.engage_range_m == pytest.approx(80_467.2)
    assert scenario.doctrine.streets_altitude_m == pytest.approx(60.96)
    assert scenario.doctrine.bingo_fuel_kg == pytest.approx(453.592_37)
    assert scenario.mission.time_over_target_s == 540.0
    assert scenario.carriers[0].position_m == pytest.approx((265_541.76, -265_541.76))


def test_the_builtin_reconnaissance_loads_with_the_story_crews() -> None:
    resolved = load_scenario("manhattan-recon")
    assert resolved.source == "manhattan-recon"
    assert resolved.scenario.map == "manhattan"
    assert resolved.scenario.timing.duration_s == 4 * 86400.0
    devils, slayers = resolved.crews
    assert len(devils) == len(slayers) == 8
    assert (devils[0].name, devils[0].nickname) == ("Willow Rosenberg", "Captain Red")
    assert slayers[0].name == "Buffy Summers"
    assert ("Tara Maclay", "Slayer five") in {(p.name, p.callsign) for p in slayers}


def test_a_copy_of_the_builtin_loads_from_its_path(tmp_path: Path) -> None:
    path = write(tmp_path, recon())
    resolved = load_scenario(str(path))
    assert resolved.source == str(path)
    assert resolved.scenario == load_scenario("manhattan-recon").scenario


def test_named_pilots_fly_in_the_slots_given(tmp_path: Path) -> None:
    data = recon()
    data["squadrons"][1]["pilots"] = ["Tara Maclay", "Buffy Summers"]
    slayers = load_scenario(write(tmp_path, data)).crews[1]
    assert [p.name for p in slayers[:3]] == ["Tara Maclay", "Buffy Summers", "Faith"]
    assert len({p.name for p in slayers}) == 8


def test_more_aircraft_than_the_roster_brings_in_new_pilots_the_same_each_time(tmp_path: Path) -> None:
    data = recon()
    data["squadrons"][0]["aircraft"] = 12
    path = write(tmp_path, data)
    devils = load_scenario(path).crews[0]
    assert len(devils) == 12
    callsigns = [p.callsign for p in devils]
    assert len(set(callsigns)) == 12
    assert callsigns[8:] == ["Devil nine", "Devil ten", "Devil eleven", "Devil twelve"]
    assert len({p.name for p in devils}) == 12
    assert all(0.55 <= p.skill <= 0.75 for p in devils[8:])
    assert load_scenario(path).crews[0] == devils  # the same names, skills and callsigns every time


def test_a_full_squadron_of_new_pilots_never_repeats_a_callsign(tmp_path: Path) -> None:
    data = recon()
    data["squadrons"][1]["aircraft"] = 24
    data["squadrons"][1]["pilots"] = ["Tara Maclay"]
    slayers = load_scenario(write(tmp_path, data)).crews[1]
    assert len({p.callsign for p in slayers}) == len({p.name for p in slayers}) == 24
    assert slayers[0].callsign == "Slayer five"
