"""The one kind of user error a scenario can raise, and how pydantic's errors become one line."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from pydantic import ValidationError

_BLAMED_FIELD = re.compile(r"^(?P<field>[a-z_][a-z0-9_]*): (?P<problem>.+)$", re.DOTALL)


_INPUT_NOT_SHOWN = ("missing", "extra_forbidden", "value_error", "assertion_error")


class ScenarioError(Exception):
    """Bad input: names the file, the field path and what is wrong, in one line."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        super().__init__(self.line())

    def line(self) -> str:
        """The one line: a control character anywhere in it (a newline in a key the file gave, say) is
        written as its escape, so the message never runs onto a second line."""
        where = f"{self.source}: {self.field}" if self.field else self.source
        return one_line(f"{where}: {self.problem}")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def one_line(text: str) -> str:
    """`text` with each control character (line breaks included) written as its Python escape."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def field_path(loc: Sequence[int | str]) -> str:
    """('squadrons', 1, 'aircraft') -> 'squadrons[1].aircraft'; a key that is not a plain name is
    quoted: ('fleet', 'a b') -> 'fleet["a b"]'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not _PLAIN_KEY.match(str(part)):
            path += "[" + json.dumps(str(part), ensure_ascii=False) + "]"
        else:
            path += f".{part}" if path else str(part)
    return path


def from_validation_error(source: str, error: ValidationError, prefix: Sequence[int | str] = ()) -> ScenarioError:
    """The first problem pydantic found, as a ScenarioError."""
    first = error.errors(include_url=False)[0]
    loc = [p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    problem = first["msg"]
    if first["type"] == "missing":
        problem = "missing required field"
    elif first["type"] == "extra_forbidden":
        problem = "unknown field"
    elif problem.startswith("Value error, "):
        problem = problem.removeprefix("Value error, ")
        # A check across a model's fields names the field it blames first: "photo_aircraft: 9 exceeds ...".
        named = _BLAMED_FIELD.match(problem)
        if named:
            loc.append(named["field"])
            problem = named["problem"]
    # Show what the file gave, except where the message already does (our own validators) or it is absent.
    if "input" in first and first["type"] not in _INPUT_NOT_SHOWN:
        given = repr(first["input"])
        problem += f" (got {given if len(given) <= 60 else given[:57] + '...'})"
    return ScenarioError(source, field_path([*prefix, *loc]), problem)
