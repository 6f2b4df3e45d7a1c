"""Atheris target: the replay reader and the ACMI exporter, fed any bytes.

Whatever the input, reading it either succeeds or raises ReplayError (one line for the user); any other
exception is a bug, and atheris stops with it. Half the inputs are taken as they are; the other half
replace the payload of one chunk of a real replay (given as the seed, FUZZ_REPLAY_SEED) and write it back
with a valid checksum, so that the checks of each chunk's contents are reached, not only the checksums.

    python tests/fuzz/fuzz_replay.py -max_total_time=60 -rss_limit_mb=2048 -timeout=10
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import zlib

import atheris

with atheris.instrument_imports(include=["captainred"]):
    from captainred.replay.acmi import export_acmi
    from captainred.replay.format import CHUNK_HEAD, FILE_HEAD, MAGIC, ReplayError, iter_chunks, iter_replay

SEED: list[tuple[bytes, bytes]] = []


def _load_seed() -> None:
    path = os.environ.get("FUZZ_REPLAY_SEED")
    if path:
        with open(path, "rb") as stream:
            SEED.extend((c.kind, c.raw) for c in iter_chunks(stream, path))


def _spliced(data: bytes) -> bytes:
    """A real replay with one chunk's payload replaced by (or spliced with) the fuzzer's bytes."""
    fdp = atheris.FuzzedDataProvider(data)
    k = fdp.ConsumeIntInRange(0, len(SEED) - 1)
    keep = fdp.ConsumeIntInRange(0, len(SEED[k][1]))
    payload = SEED[k][1][:keep] + fdp.ConsumeBytes(fdp.remaining_bytes())
    out = [FILE_HEAD.pack(MAGIC, 1, 0)]
    for i, (kind, raw) in enumerate(SEED):
        body = zlib.compress(payload if i == k else raw, 1)
        out.append(CHUNK_HEAD.pack(kind, len(body), zlib.crc32(body)) + body)
    return b"".join(out)


def one_input(data: bytes) -> None:
    if SEED and data[:1] and data[0] & 1:
        data = _spliced(data[1:])
    with contextlib.suppress(ReplayError):
        for _ in iter_replay(io.BytesIO(data), "fuzz.crr"):
            pass
    with contextlib.suppress(ReplayError):
        export_acmi(io.BytesIO(data), "fuzz.crr", io.BytesIO())


def main() -> None:
    _load_seed()
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
