"""Changing one field of a scenario before it is validated: `squadrons.slayers.aircraft = 6`.

A what-if is a scenario with a few fields changed, and the change must pass the same validation as the
file itself. So an override is applied to the scenario's raw TOML tables, and the result is resolved as
usual. A path names tables by key and picks an element of a list of tables by its `id` or `name`
(`squadrons.slayers`, `carriers.Odysseus`) or by its index (`squadrons[1]` or `squadrons.1`).
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from captainred.scenario.bounded import MAX_KEY_PARTS, InputLimitError, parse_toml
from captainred.scenario.errors import ScenarioError, from_validation_error
from captainred.scenario.loader import load_catalog, resolve
from captainred.scenario.model import Catalog, ResolvedScenario

Path = tuple[str | int, ...]

CATALOG = "catalog"  # the first part of a path that names a value the catalog holds
_SEGMENT = re.compile(r"^(?P<key>[A-Za-z0-9_-]+)(?P<index>(\[\d+\])*)$")


class OverrideError(ScenarioError):
    """A path or value given on the command line that cannot apply to the scenario."""


def parse_path(text: str, source: str) -> Path:
    """'squadrons.slayers.aircraft' -> ('squadrons', 'slayers', 'aircraft'); 'squadrons[1].aircraft' ->
    ('squadrons', 1, 'aircraft'). Raises OverrideError for an empty or malformed path."""
    text = text.strip()
    if not text:
        raise OverrideError(source, "", "empty field path")
    parts: list[str | int] = []
    for segment in text.split("."):
        match = _SEGMENT.match(segment)
        if match is None:
            raise OverrideError(source, "", f"'{text}' is not a field path (like squadrons.slayers.aircraft)")
        key = match["key"]
        parts.append(int(key) if key.isdigit() else key)
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", match["index"]))
    if isinstance(parts[0], int):
        raise OverrideError(source, "", f"'{text}' must start with a field name, not an index")
    if len(parts) > MAX_KEY_PARTS:
        raise OverrideError(source, "", f"a field path of more than {MAX_KEY_PARTS} parts")
    return tuple(parts)


def parse_value(text: str) -> Any:
    """A value as TOML would read it (`6`, `0.5`, `true`, `[0, "10 km"]`, `"Guardian"`), else the bare text
    (`3 km`, `Guardian`), so that units and names need no quotes on a command line."""
    text = text.strip()
    try:
        return parse_toml(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, InputLimitError):
        return text


def show_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def apply_overrides(data: dict[str, Any], overrides: Iterable[tuple[Path, Any]], source: str) -> dict[str, Any]:
    """A deep copy of the raw scenario tables with each (path, value) set. The tables on the way are made
    when absent (a scenario that leaves `[doctrine]` to its defaults); lists are only indexed, never grown.
    """
    out = copy.deepcopy(data)
    for path, value in overrides:
        node: Any = out
        walked: list[str | int] = []
        for part, ahead in zip(path, (*path[1:], None), strict=True):
            last = ahead is None
            where = show_path(tuple(walked)) or "the scenario"
            if isinstance(node, list):
                index = _pick(node, part, source, tuple(walked))
                walked.append(index)
                if last:
                    node[index] = value
                else:
                    node = node[index]
                continue
            if not isinstance(node, dict):
                raise OverrideError(source, where, f"is a value, not a table: cannot set {show_path(path)}")
            if isinstance(part, int):
                raise OverrideError(source, where, f"is a table, not a list: [{part}] does not apply")
            walked.append(part)
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return out


def _pick(items: list[Any], part: str | int, source: str, walked: Path) -> int:
    """The index of a list element named by position, or by the `id` or `name` of the table there."""
    where = show_path(walked)
    if isinstance(part, int):
        if not 0 <= part < len(items):
            raise OverrideError(source, where, f"has {len(items)} entries, no [{part}]")
        return part
    for i, item in enumerate(items):
        if isinstance(item, dict) and part in (item.get("id"), item.get("name")):
            return i
    names = [str(item.get("id") or item.get("name")) for item in items if isinstance(item, dict)]
    known = ", ".join(n for n in names if n != "None")
    raise OverrideError(source, where, f"no entry '{part}' (there are: {known or 'none with an id or name'})")


def resolve_with(data: dict[str, Any], source: str, overrides: Iterable[tuple[Path, Any, str]]) -> ResolvedScenario:
    """The scenario's raw tables (`source` names them) with each (path, value, where it was given) set, and
    validated: a path under `catalog.` sets a value the catalog holds, for this scenario only; any other
    sets a field of the scenario. One mechanism for `run --set`, a sweep's cells and a search's points."""
    catalog_sets = []
    for path, value, given in overrides:
        if path[0] == CATALOG:
            catalog_sets.append((path, value, given))
        else:
            data = apply_overrides(data, [(path, value)], given)
    catalog = catalog_with(load_catalog().model_dump(), catalog_sets) if catalog_sets else None
    return resolve(data, source, catalog)


def catalog_with(catalog_data: dict[str, Any], overrides: Iterable[tuple[Path, Any, str]]) -> Catalog:
    """The catalog (its tables, as `Catalog.model_dump` gives them) with each (path, value, where it was
    given) set, the path starting with `catalog`, validated again. Only a field the catalog has can be set:
    it never grows one."""
    data = catalog_data
    for path, value, source in overrides:
        data = _set_existing(data, path[1:], value, source)
    try:
        return Catalog.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(CATALOG, exc) from None


def step_into(node: Any, part: str | int, source: str, path: Path) -> Any:
    """One step down a path, through tables (dicts or models) and lists (by index, `id` or `name`)."""
    where = show_path(path)
    if isinstance(node, list | tuple):
        if isinstance(part, int):
            if 0 <= part < len(node):
                return node[part]
            raise OverrideError(source, where, f"the list has {len(node)} entries, no [{part}]")
        names = []
        for item in node:
            entry = item if isinstance(item, dict) else vars(item) if isinstance(item, BaseModel) else {}
            names += [str(entry[key]) for key in ("id", "name") if entry.get(key) is not None][:1]
            if part in (entry.get("id"), entry.get("name")):
                return item
        raise OverrideError(source, where, f"no entry '{part}' (there are: {', '.join(names) or 'none by name'})")
    if isinstance(node, BaseModel):
        fields = type(node).model_fields
        if isinstance(part, str) and part in fields:
            return getattr(node, part)
        raise OverrideError(source, where, f"unknown field '{part}' (known here: {', '.join(fields)})")
    if isinstance(node, dict):
        if part in node:
            return node[part]
        raise OverrideError(source, where, f"unknown field '{part}' (known here: {_known(node)})")
    raise OverrideError(source, where, f"runs past a value ({short_repr(node)}) into '{part}'")


def _set_existing(data: dict[str, Any], path: Path, value: Any, source: str) -> dict[str, Any]:
    """A copy of the catalog's tables with one existing field set (the catalog never grows a field)."""
    out = copy.deepcopy(data)
    parent: Any = out
    for part in path[:-1]:
        parent = step_into(parent, part, source, (CATALOG, *path))
    last = path[-1]
    step_into(parent, last, source, (CATALOG, *path))  # it must be there already
    parent[last] = value
    return out


def _known(table: dict[str, Any]) -> str:
    names = list(map(str, table))
    return ", ".join(names[:12]) + (", …" if len(names) > 12 else "")


def short_repr(value: Any) -> str:
    """A value as an error line shows it: its repr, cut at 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
