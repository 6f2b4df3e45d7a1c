"""Replays a hostile user hands to `export` and `view`: well-formed chunks with valid checksums whose
contents are not what the format says, and chunks that inflate far past what their kind can hold. Each
is refused in one line naming the chunk and the field, within a memory ceiling, and `export` leaves no
file behind."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from captainred.replay.format import (
    CHUNK_HEAD,
    END,
    EVNT,
    FILE_HEAD,
    FRAM,
    FRAME_HEAD,
    HEAD,
    MAGIC,
    iter_chunks,
    read_replay,
)
from hostile import assert_refused, captainred_bounded

SKIRMISH = Path(__file__).parent / "scenarios" / "skirmish.toml"
Chunks = list[tuple[bytes, bytes]]


@pytest.fixture(scope="module")
def replay_chunks(tmp_path_factory: pytest.TempPathFactory) -> Chunks:
    """A real replay of two minutes of the skirmish, written by `captainred run --replay`, as its chunks."""
    folder = tmp_path_factory.mktemp("replay")
    ran = captainred_bounded(
        "run", SKIRMISH, "-q", "--set", "timing.duration_s=120", "--replay", "battle.crr", "--replay-every", "5",
        cwd=folder,
    )  # fmt: skip
    assert ran.code == 0, ran.err
    with (folder / "battle.crr").open("rb") as stream:
        return [(chunk.kind, chunk.raw) for chunk in iter_chunks(stream, "battle.crr")]


def chunk_bytes(kind: bytes, raw: bytes = b"", payload: bytes | None = None) -> bytes:
    payload = zlib.compress(raw) if payload is None else payload
    return CHUNK_HEAD.pack(kind, len(payload), zlib.crc32(payload)) + payload


def write(path: Path, chunks: Chunks, *, fix_end: bool = True) -> Path:
    """The chunks as a replay file with valid checksums, its END's counts and digest made to agree with the
    events given, so only a check of the contents themselves can find what is wrong."""
    lines = [line for kind, raw in chunks if kind == EVNT for line in raw.decode("ascii").splitlines()]
    out = [FILE_HEAD.pack(MAGIC, 1, 0)]
    for kind, raw in chunks:
        if kind == END and fix_end:
            end = json.loads(raw)
            end["events"] = len(lines)
            end["digest"] = hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).hexdigest()
            raw = json.dumps(end).encode()
        out.append(chunk_bytes(kind, raw))
    path.write_bytes(b"".join(out))
    return path


def with_header(chunks: Chunks, change: Callable[[dict[str, Any]], None]) -> Chunks:
    header = json.loads(chunks[0][1])
    change(header)
    return [(HEAD, json.dumps(header).encode()), *chunks[1:]]


def refused_by_export_and_view(path: Path, *words: str) -> str:
    out = path.with_suffix(".acmi")
    line = assert_refused(captainred_bounded("export", path, "-o", out, timeout_s=60), str(path), *words)
    assert not out.exists(), "export left a file behind"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(f".{out.name}")], "a temporary file stayed"
    assert_refused(captainred_bounded("view", path, "--port", "0", timeout_s=60), str(path), *words)
    return line


def test_the_real_replay_passes_the_checks(replay_chunks: Chunks, tmp_path: Path) -> None:
    path = write(tmp_path / "same.crr", replay_chunks)
    assert read_replay(path).frames
    ran = captainred_bounded("export", path, "-o", tmp_path / "same.acmi")
    assert ran.code == 0, ran.err


# ------------------------------------------------------------------------------------ fields of the header


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(header: dict[str, Any]) -> None:
        node: Any = header
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda header: header.pop(key)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_set(("map",), [1, 2, 3]), ("HEAD", "map")),
        (_set(("craft", 0, "id"), "0"), ("HEAD", "craft[0].id")),
        (_set(("craft", 1, "id"), 0), ("HEAD", "craft[1].id", "listed twice")),
        (_drop("statuses"), ("HEAD", "statuses", "missing")),
        (_set(("statuses",), ["ready"]), ("HEAD", "statuses", "airborne")),
        (_set(("party",), 5), ("HEAD", "party")),
        (_set(("craft", 0, "squadron"), 7), ("HEAD", "craft[0].squadron")),
        (_set(("squadrons", 0, "colour"), '#fff"><img src=x>'), ("HEAD", "squadrons[0].colour")),
        (_set(("seed",), -1), ("HEAD", "seed")),
        (_set(("sample_s",), 1e400), ("HEAD",)),
        (_set(("map", "shape"), [100000, 100000]), ("HEAD", "map.shape")),
        (_set(("frame_columns", 0, 2), 10**12), ("HEAD", "frame_columns[0]")),
        (_set(("scenario",), {"x": _deep(100)}), ("HEAD", "nested")),
    ],
    ids=[
        "map-is-a-list", "craft-id-a-string", "craft-id-twice", "no-statuses", "statuses-without-airborne",
        "party-a-number", "squadron-past-the-list", "colour-with-markup", "negative-seed", "infinite-sample",
        "terrain-of-ten-billion-cells", "column-count-huge", "nested-deep",
    ],
)  # fmt: skip
def test_a_header_that_is_not_what_the_format_says_is_refused(
    replay_chunks: Chunks, tmp_path: Path, change: Callable[[dict[str, Any]], None], words: tuple[str, ...]
) -> None:
    path = write(tmp_path / "bad.crr", with_header(replay_chunks, change))
    refused_by_export_and_view(path, "chunk 0", "corrupt", *words)


# ---------------------------------------------------------------------------------------------- events


def _with_event_line(chunks: Chunks, line: str) -> Chunks:
    out = list(chunks)
    k = next(i for i, (kind, _) in enumerate(out) if kind == EVNT)
    out[k] = (EVNT, out[k][1] + line.encode("ascii") + b"\n")
    return out


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("[1, 2, 3]", ("7 fields",)),
        ('{"tick": 1}', ("7 fields",)),
        ('[1, 0.2, "kill", "3", -1, [0, 0, 0], {}]', ("actor",)),
        ('[1, 0.2, "kill", 3, -1, [0, 0], {}]', ("position",)),
        ('[1, 0.2, "kill", 3, -1, [0, 0, 0], []]', ("details",)),
        ('[1, NaN, "kill", 3, -1, [0, 0, 0], {}]', ("not an event",)),
        ('[1, 0.2, "radio", 3, -1, [0, 0, 1e999], {"text": "x"}]', ("not an event",)),
        ("not json at all", ("not an event",)),
    ],
)
def test_an_event_line_that_is_not_an_event_is_refused(
    replay_chunks: Chunks, tmp_path: Path, line: str, words: tuple[str, ...]
) -> None:
    path = write(tmp_path / "bad.crr", _with_event_line(replay_chunks, line))
    refused_by_export_and_view(path, "EVNT", "corrupt", *words)


# ---------------------------------------------------------------------------------------------- frames


def _first_frame_changed(chunks: Chunks, change: Callable[[bytearray], None]) -> Chunks:
    out = list(chunks)
    k = next(i for i, (kind, _) in enumerate(out) if kind == FRAM)
    raw = bytearray(out[k][1])
    change(raw)
    out[k] = (FRAM, bytes(raw))
    return out


def test_a_frame_with_a_nan_position_is_refused_not_exported(replay_chunks: Chunks, tmp_path: Path) -> None:
    def nan_x(raw: bytearray) -> None:
        struct.pack_into("<f", raw, FRAME_HEAD.size, float("nan"))

    path = write(tmp_path / "nan.crr", _first_frame_changed(replay_chunks, nan_x))
    refused_by_export_and_view(path, "FRAM", "x_m", "finite")


def test_a_frame_status_past_the_list_of_statuses_is_refused(replay_chunks: Chunks, tmp_path: Path) -> None:
    header = json.loads(replay_chunks[0][1])
    n = len(header["craft"])
    offset = FRAME_HEAD.size
    for name, kind, per in header["frame_columns"]:
        if name == "status":
            break
        size = n * per * {"f32": 4, "u16": 2, "u8": 1}[kind]
        offset += size + (-size) % 4

    def bad_status(raw: bytearray) -> None:
        raw[offset] = 200

    path = write(tmp_path / "status.crr", _first_frame_changed(replay_chunks, bad_status))
    refused_by_export_and_view(path, "FRAM", "status")


# ------------------------------------------------------------------------------------------- zlib bombs


def _bomb(size: int) -> bytes:
    inflater = zlib.compressobj(9)
    zeros = bytes(1 << 20)
    parts = [inflater.compress(zeros) for _ in range(size >> 20)]
    return b"".join(parts) + inflater.flush()


@pytest.mark.parametrize(
    ("kind", "words"),
    [(HEAD, ("inflates past",)), (EVNT, ("inflates past",)), (FRAM, ("inflates past",)), (END, ("chunk length",))],
)
def test_a_chunk_that_inflates_past_what_its_kind_holds_is_refused_unread(
    replay_chunks: Chunks, tmp_path: Path, kind: bytes, words: tuple[str, ...]
) -> None:
    """A 200 KB chunk that inflates to 200 MB, its checksum valid: refused once it passes its kind's
    limit (an END that long is refused before it is even read), so the memory ceiling is never near."""
    bomb = _bomb(200 << 20)
    assert len(bomb) < 300_000
    body = b"".join(chunk_bytes(k, raw) for k, raw in replay_chunks if k == HEAD) if kind != HEAD else b""
    path = tmp_path / "bomb.crr"
    path.write_bytes(FILE_HEAD.pack(MAGIC, 1, 0) + body + chunk_bytes(kind, payload=bomb))
    refused_by_export_and_view(path, *words)


def test_a_chunk_of_a_kind_the_reader_skips_is_never_inflated(replay_chunks: Chunks, tmp_path: Path) -> None:
    bomb = _bomb(1 << 30)  # a gigabyte: inflated, it alone would break the memory ceiling twice over
    head, rest = replay_chunks[0], replay_chunks[1:]
    body = b"".join(chunk_bytes(k, raw) for k, raw in rest)
    path = tmp_path / "skipped.crr"
    path.write_bytes(FILE_HEAD.pack(MAGIC, 1, 0) + chunk_bytes(*head) + chunk_bytes(b"XTRA", payload=bomb) + body)
    ran = captainred_bounded("export", path, "-o", tmp_path / "skipped.acmi", timeout_s=120)
    assert ran.code == 0, ran.err


def test_a_chunk_length_a_short_file_only_claims_costs_nothing(tmp_path: Path) -> None:
    path = tmp_path / "claims.crr"
    path.write_bytes(FILE_HEAD.pack(MAGIC, 1, 0) + CHUNK_HEAD.pack(HEAD, 60 << 20, 0) + b"x" * 100)
    refused_by_export_and_view(path, "truncated")


def test_a_fifo_nobody_writes_to_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "battle.crr"
    os.mkfifo(fifo)
    refused_by_export_and_view(fifo, "not a Captain Red replay")
