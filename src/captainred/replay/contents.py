"""What a replay's JSON chunks and event lines may hold (docs/replay-format.md), checked before anything
uses them: exact types (a craft id is an integer, never a string that looks like one), finite numbers,
bounded strings and lists, and the cross-references between them (a squadron index names a squadron).

A chunk with a valid checksum may still have been written by something else than `ReplayWriter`; the
exporter, the server and the page all trust what passes here. Fields this version does not know are kept
(later minor additions), but every field it does know must be what the format says.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

MAX_TEXT = 4000
MAX_CRAFT = 100_000
MAX_POINTS = 200_000  # a coastline's or a route's points
MAX_SHAPE = 4096  # cells along either side of the terrain grid (Manhattan's is 2,200 by 401)
MAX_ID = 2**31 - 1
MAX_UNITS = 4096  # the front's units (a scenario holds at most 200 positions and 200 batteries)

Text = Annotated[str, Field(max_length=MAX_TEXT)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Finite = float  # allow_inf_nan=False in the config makes every float finite
Point2 = Annotated[list[Finite], Field(min_length=2, max_length=2)]
Point3 = Annotated[list[Finite], Field(min_length=3, max_length=3)]
Box = Annotated[list[Finite], Field(min_length=4, max_length=4)]
Names = Annotated[list[Name], Field(max_length=256)]


class _Chunk(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="allow", frozen=True)


class MapInfo(_Chunk):
    name: Name
    kind: Name
    origin_m: Point2 = Field(default_factory=lambda: [0.0, 0.0])
    cell_m: Finite = Field(default=10.0, gt=0)
    shape: Annotated[list[Annotated[int, Field(ge=1, le=MAX_SHAPE)]], Field(min_length=2, max_length=2)] | None = None
    park_m: Box | None = None
    island_m: Box | None = None
    coastline_m: Annotated[list[Point2], Field(max_length=MAX_POINTS)] = Field(default_factory=list)
    max_height_m: Finite = Field(default=0.0, ge=0)


class ShipInfo(_Chunk):
    name: Name
    centre_m: Point3
    half_m: Point3


class NetInfo(_Chunk):
    radius_m: Finite = Field(ge=0)
    strength_t: Finite = Field(ge=0)


class CarrierInfo(_Chunk):
    name: Name
    deck_altitude_m: Finite = 0.0


class SquadronInfo(_Chunk):
    id: Name
    name: Name
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    insignia: Text = ""
    callsign: Text = ""
    carrier: Text | None = None


class CraftInfo(_Chunk):
    id: int = Field(ge=0, le=MAX_ID)
    side: Literal["air_command", "lgf"]
    squadron: int = Field(ge=-1)
    type: Name
    callsign: Text
    pilot: Text | None = None
    nickname: Text | None = None
    photo: bool = False
    carrier: Text | None = None


class PartyMemberInfo(_Chunk):
    name: Name
    callsign: Text
    nickname: Text | None = None
    squadron: Text | int | None = None
    weapon: Text
    sidearm: Text | None = None


class PartyInfo(_Chunk):
    members: Annotated[list[PartyMemberInfo], Field(min_length=1, max_length=255)]
    captive: Text
    route_m: Annotated[list[Point2], Field(min_length=1, max_length=MAX_POINTS)]
    rubble_m: Point2
    flank_x_m: Finite
    corridor_m: Finite = Field(ge=0)
    phases: Names
    bits: Names


class FrontUnitInfo(_Chunk):
    name: Name
    kind: Literal["position", "battery"]
    x_m: Finite
    y_m: Finite
    full_strength: Finite = Field(gt=0)
    garrison: int = Field(default=0, ge=0)
    guns: int = Field(default=0, ge=0)


class FrontInfo(_Chunk):
    line_m: Annotated[list[Point2], Field(min_length=2, max_length=2)]
    positions: int = Field(ge=0)
    breaks_at: Finite = Field(gt=0, le=1)
    position_type: Text = ""
    battery_type: Text | None = None
    battery_range_m: Finite | None = Field(default=None, ge=0)
    actor_base: int = Field(ge=0, le=MAX_ID)
    units: Annotated[list[FrontUnitInfo], Field(min_length=1, max_length=MAX_UNITS)]
    bits: Names

    @model_validator(mode="after")
    def _positions_first(self) -> FrontInfo:
        kinds = [unit.kind for unit in self.units]
        if kinds != ["position"] * self.positions + ["battery"] * (len(kinds) - self.positions):
            raise ValueError(f"units: not {self.positions} positions followed by the batteries")
        if self.actor_base + len(self.units) - 1 > MAX_ID:
            raise ValueError("actor_base: the units' ids run past a craft id's range")
        return self


Column = Annotated[
    list[Any], Field(min_length=3, max_length=3)
]  # [name, type, count]: checked item by item in the header's own check


class HeaderInfo(_Chunk):
    format: Literal["captainred-replay"] = "captainred-replay"
    version: int = 1
    captainred: Text = ""
    scenario: Name
    title: Text = ""
    seed: int = Field(ge=0, lt=2**63)
    sample_s: Finite = Field(gt=0, le=86400)
    map: MapInfo
    ship: ShipInfo | None = None
    net: NetInfo | None = None
    carriers: Annotated[list[CarrierInfo], Field(max_length=255)] = Field(default_factory=list)
    squadrons: Annotated[list[SquadronInfo], Field(max_length=255)] = Field(default_factory=list)
    craft: Annotated[list[CraftInfo], Field(max_length=MAX_CRAFT)]
    subsystems: Names
    statuses: Names
    modes: Names = Field(default_factory=list)
    state_bits: Annotated[list[Name], Field(max_length=8)] = Field(default_factory=list)
    frame_columns: Annotated[list[Column], Field(min_length=1, max_length=64)]
    party: PartyInfo | None = None
    front: FrontInfo | None = None

    @model_validator(mode="after")
    def _references(self) -> HeaderInfo:
        seen: set[int] = set()
        for i, craft in enumerate(self.craft):
            if craft.id in seen:
                raise ValueError(f"craft[{i}].id: {craft.id} is listed twice")
            seen.add(craft.id)
            if craft.squadron >= len(self.squadrons):
                raise ValueError(f"craft[{i}].squadron: {craft.squadron}, but there are {len(self.squadrons)}")
        for needed in ("airborne", "lost"):
            if needed not in self.statuses:
                raise ValueError(f"statuses: lacks '{needed}'")
        for i, column in enumerate(self.frame_columns):
            name, kind, count = column
            if not (isinstance(name, str) and 0 < len(name) <= 64 and kind in ("f32", "u16", "u8")):
                raise ValueError(f"frame_columns[{i}]: must be [name, f32|u16|u8, count]")
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 64:
                raise ValueError(f"frame_columns[{i}]: a count of values per craft from 1 to 64")
        return self


class EndInfo(_Chunk):
    digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    events: int = Field(ge=0)
    frames: int = Field(ge=0)
    party_frames: int = Field(default=0, ge=0)
    front_frames: int = Field(default=0, ge=0)
    sim_seconds: Finite = Field(ge=0)
    reason: Text = ""


def problem(error: ValidationError) -> tuple[str, str]:
    """The first fault pydantic found, as (field path, what is wrong)."""
    first = error.errors(include_url=False)[0]
    path = ""
    for part in first["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "missing"
    named = message.split(": ", 1)
    if len(named) == 2 and named[0].replace("[", "").replace("]", "").replace(".", "").replace("_", "").isalnum():
        path = f"{path}.{named[0]}" if path else named[0]
        message = named[1]
    return path, message


# ------------------------------------------------------------------------------------------------ events


def check_event(event: Any) -> str | None:
    """What is wrong with one decoded event line, or None: `[tick, time_s, kind, actor, target, [x, y, z],
    {details}]`, the tick and ids integers, the time and position finite numbers."""
    if not isinstance(event, list) or len(event) != 7:
        return "an event is a list of 7 fields [tick, time_s, kind, actor, target, [x, y, z], {details}]"
    tick, time_s, kind, actor, target, position, details = event
    if not _integer(tick) or tick < 0:
        return "tick: not a whole number of ticks"
    if not _number(time_s) or time_s < 0:
        return "time_s: not a finite time"
    if not isinstance(kind, str) or not 0 < len(kind) <= 64:
        return "kind: not an event kind"
    if not _integer(actor) or not _integer(target) or not (-1 <= actor <= MAX_ID and -1 <= target <= MAX_ID):
        return "actor and target: not craft ids (or -1)"
    if not isinstance(position, list) or len(position) != 3 or not all(_number(v) for v in position):
        return "position: not three finite numbers"
    if not isinstance(details, dict):
        return "details: not an object"
    return None


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and math.isfinite(value)
