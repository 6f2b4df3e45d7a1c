"""The replay file (`.crr`): a versioned stream of checksummed, compressed chunks (docs/replay-format.md).

This module owns the bytes: `ReplayWriter` appends chunks to any binary sink (a file, or the live buffer
the viewer's server streams from), and `iter_replay` reads them back one at a time, checking every
checksum, the order of the chunks and the format version, so a damaged, truncated or too-new file is
refused with one line that says where and why. `read_replay` gathers a whole file and checks the event
log against the digest its last chunk records.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import struct
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ValidationError

from captainred.replay import contents
from captainred.replay.ground import (
    PARTY_HEAD,
    FrontFrame,
    PartyFrame,
    decode_front,
    decode_party,
    encode_front,
    encode_party,
    front_bytes,
)
from captainred.scenario.bounded import InputLimitError, loads_json, open_without_waiting

MAGIC = b"CRREPLAY"
FORMAT_VERSION = 1
DEFAULT_EVERY_S = 0.5  # sim seconds between recorded frames, unless the user says
READABLE_VERSIONS = frozenset({1})
FILE_HEAD = struct.Struct("<8sHH")
CHUNK_HEAD = struct.Struct("<4sII")
FRAME_HEAD = struct.Struct("<dIHH")
FLEET_TAIL = struct.Struct("<fBBH")
MAX_CHUNK_BYTES = 1 << 30  # a length beyond this is damage, not data
# What each kind of chunk may inflate to (a FRAM, PRTY or FRNT is exactly as long as its header says; TERR as its
# map's shape): a chunk of a few kilobytes that would inflate past its kind's limit is refused unread.
MAX_HEAD_BYTES = 64 << 20
MAX_EVENTS_BYTES = 16 << 20  # a sample's events: a swarm of 20,000 launching at once is a few megabytes
MAX_END_BYTES = 64 << 10

HEAD, TERR, EVNT, FRAM, END = b"HEAD", b"TERR", b"EVNT", b"FRAM", b"END "
# Additions within version 1 (a reader that predates one skips it, as it skips any kind it does not know):
PRTY = b"PRTY"  # a raid's party on foot, after its frame
FRNT = b"FRNT"  # the front's units on the ground, after its frame when any of them changed

DTYPES: dict[str, np.dtype[Any]] = {"f32": np.dtype("<f4"), "u16": np.dtype("<u2"), "u8": np.dtype("u1")}

# (name, type, values per craft): the columns every frame carries, in order.
FRAME_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("x_m", "f32", 1),
    ("y_m", "f32", 1),
    ("z_m", "f32", 1),
    ("heading_rad", "f32", 1),
    ("speed_mps", "f32", 1),
    ("fuel_kg", "f32", 1),
    ("rounds", "u16", 1),
    ("rockets", "u8", 1),
    ("photos", "u8", 1),
    ("kills", "u8", 1),
    ("status", "u8", 1),
    ("mode", "u8", 1),
    ("state", "u8", 1),
    ("health", "u8", 10),
)
STATE_BITS = ("smoking", "wounded", "pilot_dead", "firing", "spinning", "forced_down", "blackout")


class ReplayError(Exception):
    """A replay that cannot be read: where in the file, and what is wrong with it."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"{source}: {where}: {problem}")
        self.source, self.where, self.problem = source, where, problem

    def line(self) -> str:
        return str(self)


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


# ------------------------------------------------------------------------------------------------ frames


@dataclass(frozen=True)
class Frame:
    """Every craft's state at one moment (columns by name, one row per craft), and the fleet's."""

    time_s: float
    columns: Mapping[str, NDArray[Any]]
    carriers_xy: NDArray[np.float32]  # (n_carriers, 2)
    net_strength_t: float
    net_up: bool
    net_open: bool

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self.columns[name]


def _pad4(n: int) -> int:
    return (-n) % 4


def encode_frame(frame: Frame, columns: Sequence[tuple[str, str, int]] = FRAME_COLUMNS) -> bytes:
    n = len(frame.columns[columns[0][0]]) if columns else 0
    carriers = np.asarray(frame.carriers_xy, dtype="<f4").reshape(-1, 2)
    parts = [FRAME_HEAD.pack(frame.time_s, n, len(carriers), 0)]
    for name, kind, per in columns:
        values = np.ascontiguousarray(frame.columns[name], dtype=DTYPES[kind]).reshape(-1)
        if len(values) != n * per:
            raise ValueError(f"frame column {name}: {len(values)} values for {n} craft x {per}")
        raw = values.tobytes()
        parts.append(raw + b"\0" * _pad4(len(raw)))
    parts.append(carriers.tobytes())
    parts.append(FLEET_TAIL.pack(frame.net_strength_t, int(frame.net_up), int(frame.net_open), 0))
    return b"".join(parts)


def frame_bytes(columns: Sequence[tuple[str, str, int]], n_craft: int, n_carriers: int) -> int:
    """The exact length of a FRAM payload for this many craft and carriers."""
    size = FRAME_HEAD.size
    for _, kind, per in columns:
        column = n_craft * per * DTYPES[kind].itemsize
        size += column + _pad4(column)
    return size + 8 * n_carriers + FLEET_TAIL.size


def decode_frame(
    raw: bytes, columns: Sequence[tuple[str, str, int]], n_craft: int, codes: Mapping[str, int] | None = None
) -> Frame:
    """One FRAM payload, decompressed. Raises ValueError (with the reason) if it does not add up: its
    length, a value that is not a finite number, or (given `codes`: column -> how many names it indexes)
    an index past its list of names."""
    if len(raw) < FRAME_HEAD.size:
        raise ValueError("frame shorter than its head")
    time_s, n, n_carriers, _ = FRAME_HEAD.unpack_from(raw)
    if n != n_craft:
        raise ValueError(f"frame holds {n} craft, the header lists {n_craft}")
    if not np.isfinite(time_s) or time_s < 0:
        raise ValueError("frame time is not a finite time")
    offset = FRAME_HEAD.size
    out: dict[str, NDArray[Any]] = {}
    for name, kind, per in columns:
        dtype = DTYPES[kind]
        size = n * per * dtype.itemsize
        if offset + size > len(raw):
            raise ValueError(f"frame ends inside column {name}")
        values = np.frombuffer(raw, dtype=dtype, count=n * per, offset=offset)
        if kind == "f32" and not np.isfinite(values).all():
            raise ValueError(f"column {name} holds a value that is not a finite number")
        if codes is not None and name in codes and len(values) and int(values.max()) >= codes[name]:
            raise ValueError(f"column {name} holds {int(values.max())}, past the {codes[name]} names it indexes")
        out[name] = values.reshape(n, per) if per > 1 else values
        offset += size + _pad4(size)
    fleet_bytes = 8 * n_carriers
    if offset + fleet_bytes + FLEET_TAIL.size != len(raw):
        raise ValueError(f"frame is {len(raw)} bytes, its columns and fleet make {offset + fleet_bytes + 16}")
    carriers = np.frombuffer(raw, dtype="<f4", count=2 * n_carriers, offset=offset).reshape(n_carriers, 2)
    strength, up, parted, _ = FLEET_TAIL.unpack_from(raw, offset + fleet_bytes)
    if not (np.isfinite(carriers).all() and np.isfinite(strength)):
        raise ValueError("the fleet's positions or the net's strength are not finite numbers")
    return Frame(float(time_s), out, carriers, float(strength), bool(up), bool(parted))


# ------------------------------------------------------------------------------------------------ writer


class ReplayWriter:
    """Appends a replay to a binary sink, chunk by chunk, in the order the format requires."""

    def __init__(self, sink: Sink, level: int = 6) -> None:
        self._sink = sink
        self._level = level
        self._digest = hashlib.sha256()
        self.events = 0
        self.frames = 0
        self.party_frames = 0
        self.front_frames = 0
        self._headed = False
        self._ended = False
        sink.write(FILE_HEAD.pack(MAGIC, FORMAT_VERSION, 0))

    def _chunk(self, kind: bytes, raw: bytes) -> None:
        if self._ended:
            raise RuntimeError("replay already ended")
        payload = zlib.compress(raw, self._level)
        self._sink.write(CHUNK_HEAD.pack(kind, len(payload), zlib.crc32(payload)) + payload)

    def head(self, header: Mapping[str, Any], heights_m: NDArray[np.uint16] | None = None) -> None:
        if self._headed:
            raise RuntimeError("replay head already written")
        self._chunk(HEAD, json.dumps(header, allow_nan=False, separators=(",", ":")).encode("utf-8"))
        if heights_m is not None:
            self._chunk(TERR, np.ascontiguousarray(heights_m, dtype="<u2").tobytes())
        self._headed = True

    def event_lines(self, lines: Sequence[str]) -> None:
        if not lines:
            return
        text = "".join(line + "\n" for line in lines)
        self._digest.update(text.encode("ascii"))
        self.events += len(lines)
        self._chunk(EVNT, text.encode("ascii"))

    def frame(self, frame: Frame) -> None:
        self.frames += 1
        self._chunk(FRAM, encode_frame(frame))

    def party(self, frame: PartyFrame) -> None:
        self.party_frames += 1
        self._chunk(PRTY, encode_party(frame))

    def front(self, frame: FrontFrame) -> None:
        self.front_frames += 1
        self._chunk(FRNT, encode_front(frame))

    def end(self, sim_seconds: float, reason: str) -> str:
        """Write the closing chunk (the digest of every event line written) and return the digest."""
        digest = self._digest.hexdigest()
        info = {
            "digest": digest,
            "events": self.events,
            "frames": self.frames,
            **({"party_frames": self.party_frames} if self.party_frames else {}),
            **({"front_frames": self.front_frames} if self.front_frames else {}),
            "sim_seconds": round(sim_seconds, 3),
            "reason": reason,
        }
        self._chunk(END, json.dumps(info, separators=(",", ":")).encode("utf-8"))
        self._ended = True
        return digest


# ------------------------------------------------------------------------------------------------ reader


@dataclass
class Chunk:
    kind: bytes
    index: int  # 0 for the first chunk
    offset: int  # byte offset of the chunk's head in the file
    raw: bytes  # decompressed payload


ChunkLimit = Callable[[bytes], int | None]


def iter_chunks(stream: BinaryIO, source: str, limit: ChunkLimit | None = None) -> Iterator[Chunk]:
    """The file's chunks, checked: magic, version, lengths, checksums and decompression.

    `limit(kind)` says how many bytes a chunk of that kind may inflate to, or None to skip it uninflated
    (its payload then comes as b""); it is asked as each chunk is reached, so it may depend on the chunks
    before. Without it every chunk may inflate to MAX_CHUNK_BYTES.
    """
    head = stream.read(FILE_HEAD.size)
    if len(head) < FILE_HEAD.size or head[:8] != MAGIC:
        raise ReplayError(source, "byte 0", "not a Captain Red replay (no CRREPLAY signature)")
    _, version, reserved = FILE_HEAD.unpack(head)
    if version not in READABLE_VERSIONS:
        newer = "newer than" if version > FORMAT_VERSION else "older than any"
        raise ReplayError(
            source,
            "format version",
            f"replay format version {version} is {newer} this captainred reads ({FORMAT_VERSION})",
        )
    if reserved != 0:
        raise ReplayError(source, "byte 10", "corrupt: reserved bytes are not zero")
    offset = FILE_HEAD.size
    index = 0
    while True:
        chunk_head = stream.read(CHUNK_HEAD.size)
        if not chunk_head:
            return
        where = f"chunk {index} at byte {offset}"
        if len(chunk_head) < CHUNK_HEAD.size:
            raise ReplayError(source, where, "truncated: the file ends inside a chunk's head")
        kind, length, crc = CHUNK_HEAD.unpack(chunk_head)
        most = MAX_CHUNK_BYTES if limit is None else limit(kind)
        # zlib never grows what it compresses by more than a few bytes in a thousand.
        longest = MAX_CHUNK_BYTES if most is None else min(MAX_CHUNK_BYTES, most + most // 1000 + 64)
        if length > longest:
            raise ReplayError(source, where, f"corrupt: a chunk length of {length} bytes")
        payload = _read_exactly(stream, length)
        if len(payload) < length:
            raise ReplayError(source, where, f"truncated: the file ends {length - len(payload)} bytes short")
        if zlib.crc32(payload) != crc:
            raise ReplayError(source, where, "corrupt: checksum mismatch")
        raw = b"" if most is None else _inflate(payload, most, source, where)
        yield Chunk(kind, index, offset, raw)
        offset += CHUNK_HEAD.size + length
        index += 1


def _read_exactly(stream: BinaryIO, length: int) -> bytes:
    """Up to `length` bytes, read in blocks so that a length a short file only claims costs nothing."""
    blocks: list[bytes] = []
    left = length
    while left > 0:
        block = stream.read(min(left, 1 << 20))
        if not block:
            break
        blocks.append(block)
        left -= len(block)
    return b"".join(blocks)


def _inflate(payload: bytes, most: int, source: str, where: str) -> bytes:
    """The payload decompressed, refused the moment it would pass `most` bytes (a zlib bomb)."""
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(payload, most + 1)
    except zlib.error as exc:
        raise ReplayError(source, where, f"corrupt: cannot decompress ({exc})") from None
    if len(raw) > most:
        raise ReplayError(source, where, f"corrupt: inflates past the {most:,} bytes a chunk of its kind may hold")
    if not inflater.eof:
        raise ReplayError(source, where, "corrupt: cannot decompress (the compressed stream is incomplete)")
    if inflater.unused_data:
        raise ReplayError(source, where, "corrupt: bytes after the compressed stream")
    return raw


@dataclass
class Replay:
    """A whole replay, read and checked."""

    header: dict[str, Any]
    heights_m: NDArray[np.uint16] | None
    event_lines: list[str]
    frames: list[Frame]
    end: dict[str, Any]
    source: str = ""
    party: list[PartyFrame] = field(default_factory=list)  # a raid's party on foot, frame by frame
    front: list[FrontFrame] = field(default_factory=list)  # the front, at each frame where it changed
    craft_index: dict[int, int] = field(default_factory=dict)  # craft id -> column row

    def events(self) -> Iterator[list[Any]]:
        """Each event as its canonical array: [tick, time_s, kind, actor, target, [x, y, z], details]."""
        for line in self.event_lines:
            yield json.loads(line)

    def front_at(self, time_s: float) -> FrontFrame | None:
        """The front as it stood at `time_s`: the last front frame at or before it (the first, before the
        first); None for a battle without a front."""
        if not self.front:
            return None
        return self.front[max(0, bisect.bisect_right(self.front, time_s, key=lambda f: f.time_s) - 1)]


def _json(chunk: Chunk, source: str, what: str, model: type[BaseModel]) -> dict[str, Any]:
    """A JSON chunk, its nesting bounded before it is parsed, then checked field by field."""
    where = f"chunk {chunk.index} ({what})"
    try:
        value = loads_json(chunk.raw.decode("utf-8"))
    except InputLimitError as exc:
        raise ReplayError(source, where, f"corrupt: {exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReplayError(source, where, f"corrupt: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ReplayError(source, where, "corrupt: not a JSON object")
    try:
        model.model_validate(value)
    except ValidationError as exc:
        field_path, wrong = contents.problem(exc)
        raise ReplayError(source, f"{where}.{field_path}" if field_path else where, f"corrupt: {wrong}") from None
    return value


def _check_header(header: dict[str, Any], source: str) -> None:
    where = "chunk 0 (HEAD)"
    names = {c[0] for c in header["frame_columns"]}
    missing = [name for name, _, _ in FRAME_COLUMNS if name not in names]
    if missing:
        raise ReplayError(source, f"{where}.frame_columns", f"lacks {', '.join(missing)}")
    health = [c for c in header["frame_columns"] if c[0] == "health"]
    if health[0][2] != len(header["subsystems"]):
        raise ReplayError(source, f"{where}.frame_columns", "the health column does not match the subsystems")


def _chunk_limit(header: dict[str, Any] | None, columns: Sequence[tuple[str, str, int]]) -> ChunkLimit:
    """How far each kind of chunk may inflate, given the header read so far (None: skip it uninflated)."""

    def limit(kind: bytes) -> int | None:
        if header is None or kind == HEAD:
            return MAX_HEAD_BYTES
        if kind == TERR:
            shape = header["map"].get("shape")
            return 2 * int(shape[0]) * int(shape[1]) if shape else 0
        if kind == EVNT:
            return MAX_EVENTS_BYTES
        if kind == FRAM:
            return frame_bytes(columns, len(header["craft"]), 0xFFFF)
        if kind == PRTY:
            party = header.get("party")
            return PARTY_HEAD.size + 9 * len(party["members"]) if party else None
        if kind == FRNT:
            front = header.get("front")
            return front_bytes(len(front["units"])) if front else None
        if kind == END:
            return MAX_END_BYTES
        return None  # a kind this reader does not know: skipped, never inflated

    return limit


def _check_events(text: str, source: str, where: str) -> list[str]:
    """The lines of an EVNT chunk, each checked to be an event as the format gives it."""
    if not text.endswith("\n"):
        raise ReplayError(source, where, "corrupt: events do not end with a newline")
    lines = text[:-1].split("\n")
    for number, line in enumerate(lines):
        try:
            event = loads_json(line, limit=16)
        except (InputLimitError, json.JSONDecodeError) as exc:
            raise ReplayError(source, f"{where} line {number + 1}", f"corrupt: not an event ({exc})") from None
        wrong = contents.check_event(event)
        if wrong is not None:
            raise ReplayError(source, f"{where} line {number + 1}", f"corrupt: {wrong}")
    return lines


def iter_replay(stream: BinaryIO, source: str) -> Iterator[tuple[str, Any]]:
    """Read a replay as a stream: ("head", dict), ("terrain", array), ("events", [line]), ("frame",
    Frame), ("party", PartyFrame), ("front", FrontFrame) and finally ("end", dict), each checked as it
    comes; raises ReplayError at the first fault."""
    header: dict[str, Any] | None = None
    columns: list[tuple[str, str, int]] = []
    codes: dict[str, int] = {}
    ended = False
    last_time = -np.inf
    frames = events = party_frames = front_frames = 0
    last_front_time = -np.inf
    terrain = False

    def limit(kind: bytes) -> int | None:
        return _chunk_limit(header, columns)(kind)

    for chunk in iter_chunks(stream, source, limit):
        where = f"chunk {chunk.index} ({chunk.kind.decode('ascii', 'replace').strip()})"
        if ended:
            raise ReplayError(source, where, "corrupt: data after the end chunk")
        if header is None:
            if chunk.kind != HEAD:
                raise ReplayError(source, where, "corrupt: the first chunk must be the header (HEAD)")
            header = _json(chunk, source, "HEAD", contents.HeaderInfo)
            _check_header(header, source)
            columns = [(str(c[0]), str(c[1]), int(c[2])) for c in header["frame_columns"]]
            codes = {"status": len(header["statuses"]), "mode": len(header.get("modes") or ()) or 256}
            yield "head", header
        elif chunk.kind == TERR:
            shape = header["map"].get("shape")
            if not shape or len(chunk.raw) != 2 * int(shape[0]) * int(shape[1]):
                raise ReplayError(source, where, f"corrupt: {len(chunk.raw)} bytes do not fit the map's shape")
            terrain = True
            yield "terrain", np.frombuffer(chunk.raw, dtype="<u2").reshape(int(shape[0]), int(shape[1]))
        elif chunk.kind == EVNT:
            try:
                text = chunk.raw.decode("ascii")
            except UnicodeDecodeError:
                raise ReplayError(source, where, "corrupt: events are not ASCII text") from None
            lines = _check_events(text, source, where)
            events += len(lines)
            yield "events", lines
        elif chunk.kind == FRAM:
            try:
                frame = decode_frame(chunk.raw, columns, len(header["craft"]), codes)
            except ValueError as exc:
                raise ReplayError(source, where, f"corrupt: {exc}") from None
            if frame.time_s < last_time:
                raise ReplayError(source, where, f"corrupt: frame at {frame.time_s} s comes after {last_time} s")
            last_time = frame.time_s
            frames += 1
            yield "frame", frame
        elif chunk.kind == PRTY and header.get("party"):
            try:
                party = decode_party(chunk.raw, len(header["party"]["members"]), len(header["party"]["phases"]))
            except ValueError as exc:
                raise ReplayError(source, where, f"corrupt: {exc}") from None
            party_frames += 1
            yield "party", party
        elif chunk.kind == FRNT and header.get("front"):
            try:
                front = decode_front(chunk.raw, len(header["front"]["units"]))
            except ValueError as exc:
                raise ReplayError(source, where, f"corrupt: {exc}") from None
            if front.time_s < last_front_time:
                raise ReplayError(
                    source, where, f"corrupt: front frame at {front.time_s} s comes after {last_front_time} s"
                )
            last_front_time = front.time_s
            front_frames += 1
            yield "front", front
        elif chunk.kind == END:
            end = _json(chunk, source, "END", contents.EndInfo)
            for what, read in (("party", party_frames), ("front", front_frames)):
                recorded = end.get(f"{what}_frames", 0)
                if recorded != read:
                    raise ReplayError(source, where, f"corrupt: {read} {what} frames read, the end records {recorded}")
            # A chunk whose kind was damaged reads as an unknown kind and is skipped: the counts catch it.
            if end.get("frames") != frames or end.get("events") != events:
                raise ReplayError(
                    source,
                    where,
                    f"corrupt: {frames} frames and {events} events read, the end records "
                    f"{end.get('frames')} and {end.get('events')}",
                )
            if header["map"].get("shape") and not terrain:
                raise ReplayError(source, where, "corrupt: the map's terrain chunk is missing")
            yield "end", end
            ended = True
        elif chunk.kind == HEAD:
            raise ReplayError(source, where, "corrupt: a second header")
        # Any other kind: a later minor addition this reader does not know; skipped as the format says.
    if header is None:
        raise ReplayError(source, "byte 12", "truncated: no header chunk")
    if not ended:
        raise ReplayError(source, "end", "truncated: the file stops before its end chunk")


def _open_replay(path: str | Path) -> tuple[str, BinaryIO]:
    """A replay file opened for reading, with the name its errors give; one that cannot be read is a
    ReplayError."""
    source = str(Path(path))
    try:
        return source, open_without_waiting(Path(path))
    except OSError as exc:
        raise ReplayError(source, "file", f"cannot read ({exc.strerror})") from None


def check_replay(path: str | Path) -> dict[str, Any]:
    """Read and check a whole replay file as a stream, holding no more than one chunk at a time: every
    chunk, and the event log against the recorded digest. Returns its end record."""
    source, stream = _open_replay(path)
    digest = hashlib.sha256()
    events = 0
    end: dict[str, Any] = {}
    with stream:
        for kind, value in iter_replay(stream, source):
            if kind == "events":
                events += len(value)
                for line in value:
                    digest.update(line.encode("ascii") + b"\n")
            elif kind == "end":
                end = value
    if end.get("digest") != digest.hexdigest() or end.get("events") != events:
        raise ReplayError(source, "end.digest", "corrupt: the events do not match the digest recorded at the end")
    return end


def read_replay(path: str | Path) -> Replay:
    """Read and check a whole replay file: every chunk, and the event log against the recorded digest."""
    source, stream = _open_replay(path)
    header: dict[str, Any] = {}
    heights = None
    lines: list[str] = []
    frames: list[Frame] = []
    party: list[PartyFrame] = []
    front: list[FrontFrame] = []
    end: dict[str, Any] = {}
    digest = hashlib.sha256()
    with stream:
        for kind, value in iter_replay(stream, source):
            if kind == "head":
                header = value
            elif kind == "terrain":
                heights = value
            elif kind == "events":
                lines.extend(value)
                for line in value:
                    digest.update(line.encode("ascii") + b"\n")
            elif kind == "frame":
                frames.append(value)
            elif kind == "party":
                party.append(value)
            elif kind == "front":
                front.append(value)
            else:
                end = value
    if end.get("digest") != digest.hexdigest() or end.get("events") != len(lines):
        raise ReplayError(source, "end.digest", "corrupt: the events do not match the digest recorded at the end")
    craft_index = {int(c["id"]): i for i, c in enumerate(header["craft"])}
    return Replay(header, heights, lines, frames, end, source, party=party, front=front, craft_index=craft_index)
