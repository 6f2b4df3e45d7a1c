"""Reading scenarios and the catalog: TOML in, validated frozen configuration out, or one clear error."""

from __future__ import annotations

import hashlib
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from captainred.scenario.bounded import MAX_SCENARIO_BYTES, InputLimitError, parse_toml, read_bounded
from captainred.scenario.errors import ScenarioError, from_validation_error
from captainred.scenario.model import (
    AircraftType,
    BatteryType,
    CampType,
    CarrierSpec,
    Catalog,
    MapSpec,
    MotherShipType,
    PilotSpec,
    PositionType,
    ResolvedScenario,
    Scenario,
    SmallArm,
    SquadronOrder,
    SquadronSpec,
)
from captainred.scenario.sides import AIR_COMMAND, LGF

_CATALOG_FILES: dict[str, tuple[str, type[Any]]] = {
    "aircraft": ("aircraft.toml", AircraftType),
    "ships": ("ships.toml", MotherShipType),
    "squadrons": ("squadrons.toml", SquadronSpec),
    "carriers": ("carriers.toml", CarrierSpec),
    "maps": ("maps.toml", MapSpec),
    "small_arms": ("small_arms.toml", SmallArm),
    "positions": ("ground.toml", PositionType),
    "batteries": ("ground.toml", BatteryType),
    "camps": ("ground.toml", CampType),
}

_NUMBER_WORDS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "twenty-one",
    "twenty-two",
    "twenty-three",
    "twenty-four",
]
_FIRST_NAMES = [
    "Alan",
    "Betty",
    "Colin",
    "Daphne",
    "Edward",
    "Freda",
    "Gerald",
    "Hazel",
    "Ian",
    "Jean",
    "Keith",
    "Lorna",
    "Miles",
    "Nancy",
    "Owen",
    "Pamela",
    "Raymond",
    "Sylvia",
    "Trevor",
    "Ursula",
    "Vernon",
    "Wendy",
]
_LAST_NAMES = [
    "Abbott",
    "Birch",
    "Cooke",
    "Drury",
    "Eastwood",
    "Finch",
    "Garside",
    "Hollis",
    "Ireton",
    "Jessop",
    "Knowles",
    "Lister",
    "Mercer",
    "Nuttall",
    "Oakes",
    "Pickering",
    "Radcliffe",
    "Shaw",
    "Tindall",
    "Walsh",
]


def read_toml_file(path: Path, source: str, kind: str = "scenario") -> dict[str, Any]:
    """A TOML input file (a scenario, a targets file) read within `MAX_SCENARIO_BYTES` and parsed to its raw
    tables (not yet validated); every failure to read or parse is one ScenarioError naming `source`."""
    try:
        raw = read_bounded(path, MAX_SCENARIO_BYTES)
    except InputLimitError as exc:
        raise ScenarioError(source, "", str(exc)) from None
    except FileNotFoundError:
        raise ScenarioError(source, "", "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(source, "", f"is a directory, not a {kind} file") from None
    except PermissionError:
        raise ScenarioError(source, "", "permission denied") from None
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot read: {exc.strerror}") from None
    return scenario_tables(raw, source)


def scenario_tables(raw: bytes, source: str) -> dict[str, Any]:
    """A scenario file's bytes to its raw TOML tables (not yet validated), bounded as `read_bounded` and
    `parse_toml` bound them; raises ScenarioError naming `source`."""
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ScenarioError(source, "", f"larger than the {MAX_SCENARIO_BYTES // 1024} KiB a file of this kind may be")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, "", f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise ScenarioError(source, "", "empty file")
    try:
        return parse_toml(text)
    except InputLimitError as exc:
        raise ScenarioError(source, "", f"refused: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "", f"invalid TOML: {exc}") from None


@cache
def load_catalog() -> Catalog:
    """The catalog shipped with the package (aircraft, ships, squadrons, carriers, maps)."""
    folder = resources.files("captainred.scenario") / "catalog"
    tables: dict[str, dict[str, Any]] = {}
    for key, (filename, model) in _CATALOG_FILES.items():
        source = f"catalog/{filename}"
        data = tomllib.loads((folder / filename).read_text("utf-8"))
        entries: dict[str, Any] = {}
        for index, item in enumerate(data.get(key, [])):
            try:
                entry = model.model_validate(item)
            except ValidationError as exc:
                raise from_validation_error(source, exc, (key, index)) from None
            name = getattr(entry, "id", None) or entry.name
            entries[name] = entry
        tables[key] = entries
    return Catalog(**tables)


def builtin_scenarios() -> dict[str, str]:
    """Built-in scenario names with their one-line descriptions."""
    folder = resources.files("captainred.scenario") / "builtin"
    out: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text("utf-8"))
            out[entry.name.removesuffix(".toml")] = str(data.get("description", ""))
    return out


def load_scenario(name_or_path: str | Path) -> ResolvedScenario:
    """A built-in scenario by name, or a TOML file by path, validated against the catalog.

    Raises ScenarioError (one line: file, field, problem) on any bad input.
    """
    data, source = read_scenario_data(name_or_path)
    return resolve(data, source=source)


def read_scenario_data(name_or_path: str | Path) -> tuple[dict[str, Any], str]:
    """A scenario's raw TOML tables, not yet validated, and the source to name in errors.

    For a caller that changes fields before resolving (a sweep's `--vary`, `run --set`).
    """
    text = str(name_or_path)
    builtins = builtin_scenarios()
    if text in builtins and not Path(text).exists():
        folder = resources.files("captainred.scenario") / "builtin"
        return tomllib.loads((folder / f"{text}.toml").read_text("utf-8")), text
    path = Path(text)
    if not path.exists() and not text.endswith(".toml") and "/" not in text:
        known = ", ".join(builtins)
        raise ScenarioError(text, "", f"unknown scenario (built-in: {known}; or give a path to a .toml file)")
    return read_toml_file(path, text), text


def resolve(data: dict[str, Any], source: str, catalog: Catalog | None = None) -> ResolvedScenario:
    """Validate raw scenario data and check every name it uses against the catalog."""
    catalog = catalog or load_catalog()
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(source, exc) from None
    _check_references(scenario, catalog, source)
    crews = tuple(_crew(order, catalog.squadrons[order.id], source, i) for i, order in enumerate(scenario.squadrons))
    seen: dict[str, int] = {}
    for i, crew in enumerate(crews):
        for pilot in crew:
            if pilot.name in seen and seen[pilot.name] != i:
                raise ScenarioError(
                    source,
                    f"squadrons[{i}].pilots",
                    f"pilot '{pilot.name}' also flies with squadrons[{seen[pilot.name]}]",
                )
            seen[pilot.name] = i
    return ResolvedScenario(scenario=scenario, catalog=catalog, crews=crews, source=source)


def _known(names: Any) -> str:
    return ", ".join(sorted(names))


def _check_references(scenario: Scenario, catalog: Catalog, source: str) -> None:
    if scenario.map not in catalog.maps:
        raise ScenarioError(source, "map", f"unknown map '{scenario.map}' (known: {_known(catalog.maps)})")
    placed: set[str] = set()
    for i, carrier in enumerate(scenario.carriers):
        if carrier.name not in catalog.carriers:
            raise ScenarioError(
                source,
                f"carriers[{i}].name",
                f"unknown carrier '{carrier.name}' (known: {_known(catalog.carriers)})",
            )
        if carrier.name in placed:
            raise ScenarioError(source, f"carriers[{i}].name", f"carrier '{carrier.name}' placed twice")
        placed.add(carrier.name)
    ours = [n for n, t in catalog.aircraft.items() if t.side == AIR_COMMAND]
    ids: set[str] = set()
    for i, order in enumerate(scenario.squadrons):
        where = f"squadrons[{i}]"
        if order.id not in catalog.squadrons:
            raise ScenarioError(
                source, f"{where}.id", f"unknown squadron '{order.id}' (known: {_known(catalog.squadrons)})"
            )
        if order.id in ids:
            raise ScenarioError(source, f"{where}.id", f"squadron '{order.id}' ordered twice")
        ids.add(order.id)
        if order.aircraft_type not in ours:
            raise ScenarioError(
                source,
                f"{where}.aircraft_type",
                f"unknown type '{order.aircraft_type}' (known: {_known(ours)})",
            )
        kind = catalog.aircraft[order.aircraft_type]
        home = order.carrier or catalog.squadrons[order.id].carrier
        if home not in placed:
            raise ScenarioError(
                source,
                f"{where}.carrier",
                f"carrier '{home}' is not in this scenario (placed: {_known(placed)})",
            )
        if order.photo_aircraft and not kind.camera:
            raise ScenarioError(source, f"{where}.photo_aircraft", f"a {kind.name} carries no camera")
        most = kind.rockets.count if kind.rockets else 0
        if order.rockets is not None and order.rockets > most:
            raise ScenarioError(
                source,
                f"{where}.rockets",
                f"{order.rockets} rockets, but a {kind.name} carries at most {most}",
            )
    enemy = scenario.enemy
    if enemy.ship is not None and enemy.ship not in catalog.ships:
        raise ScenarioError(source, "enemy.ship", f"unknown ship '{enemy.ship}' (known: {_known(catalog.ships)})")
    theirs = [n for n, t in catalog.aircraft.items() if t.side == LGF]
    if (enemy.defenders or enemy.airborne) and enemy.aircraft_type not in theirs:
        raise ScenarioError(
            source, "enemy.aircraft_type", f"unknown type '{enemy.aircraft_type}' (known: {_known(theirs)})"
        )
    if scenario.mission.type == "reconnaissance" and not any(o.photo_aircraft for o in scenario.squadrons):
        raise ScenarioError(source, "mission.type", "a reconnaissance needs photo_aircraft in some squadron")
    front = scenario.front
    if front is not None:
        if front.position_type not in catalog.positions:
            raise ScenarioError(
                source,
                "front.position_type",
                f"unknown position '{front.position_type}' (known: {_known(catalog.positions)})",
            )
        if front.camp is not None and front.camp not in catalog.camps:
            raise ScenarioError(source, "front.camp", f"unknown camp '{front.camp}' (known: {_known(catalog.camps)})")
        if front.batteries and front.battery_type not in catalog.batteries:
            raise ScenarioError(
                source,
                "front.battery_type",
                f"unknown battery '{front.battery_type}' (known: {_known(catalog.batteries)})",
            )
    if scenario.raid is not None:
        from captainred.scenario.quartermaster import issue_kit

        if enemy.ship is None:
            raise ScenarioError(source, "raid", "a raid into the mother ship needs enemy.ship")
        issue_kit(scenario.raid, catalog, source)


def _crew(order: SquadronOrder, squadron: SquadronSpec, source: str, index: int) -> tuple[PilotSpec, ...]:
    """The pilots who fly, slot by slot: those named, then the roster in order, then new pilots.

    New pilots (more aircraft than the roster has) get plausible names, deterministically.
    """
    roster = {p.name: p for p in squadron.pilots}
    chosen: list[PilotSpec] = []
    for j, name in enumerate(order.pilots or ()):
        if name not in roster:
            raise ScenarioError(
                source,
                f"squadrons[{index}].pilots[{j}]",
                f"no pilot '{name}' in the {squadron.name} (roster: {', '.join(roster)})",
            )
        if roster[name] in chosen:
            raise ScenarioError(source, f"squadrons[{index}].pilots[{j}]", f"pilot '{name}' named twice")
        chosen.append(roster[name])
    for pilot in squadron.pilots:
        if len(chosen) == order.aircraft:
            break
        if pilot not in chosen:
            chosen.append(pilot)
    taken = {p.callsign for p in chosen}
    slot = 0
    while len(chosen) < order.aircraft:
        while f"{squadron.callsign} {_NUMBER_WORDS[slot]}" in taken:
            slot += 1
        callsign = f"{squadron.callsign} {_NUMBER_WORDS[slot]}"
        taken.add(callsign)
        digest = int(hashlib.sha256(f"{squadron.id}/{callsign}".encode()).hexdigest(), 16)
        name = f"{_FIRST_NAMES[digest % len(_FIRST_NAMES)]} {_LAST_NAMES[(digest >> 16) % len(_LAST_NAMES)]}"
        skill = 0.55 + 0.2 * ((digest >> 32) % 1000) / 999
        chosen.append(
            PilotSpec(name=f"{name} ({callsign})", callsign=callsign, skill=round(skill, 2), susceptibility=0.1)
        )
    return tuple(chosen)
