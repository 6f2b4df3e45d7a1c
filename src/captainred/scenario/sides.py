"""The two sides, by name and by number: the one home of the mapping between them.

A scenario file, the event log, the summary, the sweep's columns and the replay name a side
(`"air_command"`, `"lgf"`); the engine's arrays hold its number, which is its place in `SIDES`
(Air Command 0, the LGFs 1). Everything that turns one into the other does it here.
"""

from __future__ import annotations

from typing import Final, Literal

Side = Literal["air_command", "lgf"]

AIR_COMMAND: Final[Side] = "air_command"
LGF: Final[Side] = "lgf"
SIDES: Final[tuple[Side, ...]] = (AIR_COMMAND, LGF)  # a side's number in the engine is its place here


def side_name(number: int) -> Side:
    """The name of the side the engine numbers `number`."""
    return SIDES[number]


def side_number(name: str) -> int:
    """The engine's number for the side called `name` (ValueError for a name that is no side)."""
    if name not in SIDES:
        raise ValueError(f"unknown side {name!r} (known: {', '.join(SIDES)})")
    return SIDES.index(name)
