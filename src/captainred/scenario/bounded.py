"""Reading a file we are handed, with bounds set before any parsing: its size, and for TOML how deep its
brackets nest and how many parts a dotted key has.

Python's TOML and JSON parsers recurse once per nesting level (so a few hundred `[` end in RecursionError)
and handle a dotted key in time quadratic in its parts; a file of a few kilobytes must not cost seconds or
gigabytes. The checks here scan the text once, in linear time, and name the line that breaks a limit.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Any, BinaryIO

MAX_SCENARIO_BYTES = 1 << 20  # a scenario is a page or two of TOML; a megabyte is far beyond any real one
MAX_NESTING = 32  # arrays and inline tables inside each other; a scenario needs four
MAX_KEY_PARTS = 16  # parts of one dotted key (`squadrons.devils.aircraft` has three)
MAX_JSON_NESTING = 64


class InputLimitError(ValueError):
    """Input that breaks one of the bounds: the message says which, and where."""


def read_bounded(path: Path, limit_bytes: int) -> bytes:
    """The file's bytes, reading at most one byte past the limit (so `/dev/zero` ends at once).

    Raises OSError as `open` does, and InputLimitError for a file larger than the limit.
    """
    with open_without_waiting(path) as handle:
        raw = handle.read(limit_bytes + 1)
    if len(raw) > limit_bytes:
        raise InputLimitError(f"larger than the {limit_bytes // 1024} KiB a file of this kind may be")
    return raw


def open_without_waiting(path: Path) -> BinaryIO:
    """A file opened for reading without waiting for it (a FIFO nobody writes to would hold `open`
    forever), then read as usual: a FIFO with no writer reads as empty. Raises OSError as `open` does."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


# Tokens that matter for nesting and dotted keys; strings and comments are skipped whole, so a bracket or a
# dot inside them does not count.
_TOKEN = re.compile(r"\"\"\"|'''|\"|'|#|\n|[\[\]{}=,.]")
_STRING_END = {
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*""""{0,2}', re.DOTALL),
    "'''": re.compile(r"(?:[^']|'(?!''))*''''{0,2}", re.DOTALL),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"'),
    "'": re.compile(r"[^'\n]*'"),
}
_COMMENT = re.compile(r"[^\n]*")


def check_toml_shape(text: str) -> None:
    """Raise InputLimitError if brackets nest deeper than MAX_NESTING or a key has more than MAX_KEY_PARTS
    parts. Malformed strings are left to the parser to report; this only bounds what it would be given."""
    depth = 0
    dots = 0
    line = 1
    at = 0
    while True:
        match = _TOKEN.search(text, at)
        if match is None:
            return
        token = match.group()
        at = match.end()
        if token in _STRING_END:
            end = _STRING_END[token].match(text, at)
            if end is None:
                return  # an unterminated string: the parser says so
            line += text.count("\n", at, end.end())
            at = end.end()
        elif token == "#":
            at = _COMMENT.match(text, at).end()  # type: ignore[union-attr]
        elif token == "\n":
            line += 1
            dots = 0
        elif token == ".":
            dots += 1
            if dots >= MAX_KEY_PARTS:
                raise InputLimitError(f"line {line}: a dotted key of more than {MAX_KEY_PARTS} parts")
        else:
            dots = 0
            if token in "[{":
                depth += 1
                if depth > MAX_NESTING:
                    raise InputLimitError(f"line {line}: arrays or tables nested more than {MAX_NESTING} deep")
            elif token in "]}":
                depth = max(depth - 1, 0)


def parse_toml(text: str) -> dict[str, Any]:
    """TOML text to tables, its shape bounded first. Raises InputLimitError or tomllib.TOMLDecodeError."""
    check_toml_shape(text)
    return tomllib.loads(text)


def check_json_nesting(text: str | bytes, limit: int = MAX_JSON_NESTING) -> None:
    """Raise InputLimitError if JSON brackets nest deeper than the limit (strings skipped), before parsing."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= limit:
        return
    depth = 0
    for match in re.finditer(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', data, re.DOTALL):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                raise InputLimitError(f"nested more than {limit} deep")
        elif token in (b"]", b"}"):
            depth -= 1


def loads_json(text: str | bytes, limit: int = MAX_JSON_NESTING) -> Any:
    """JSON with its nesting bounded and only finite numbers (`NaN` and `Infinity` refused)."""
    check_json_nesting(text, limit)
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite)


def _no_constant(name: str) -> Any:
    raise InputLimitError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise InputLimitError(f"{text[:40]} is beyond any finite number")
    return number
