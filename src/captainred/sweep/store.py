"""A sweep's folder on disk: what it is (`sweep.json`), what is done (`parts/`), and the table (`runs.parquet`).

Each finished chunk is written as its own Parquet file, whole or not at all (a temporary name, then a
rename), so a sweep stopped at any moment, by Ctrl-C or a kill, leaves only whole chunks behind. Each file
carries the SHA-256 of its rows in its metadata, and every file read back is checked against it: a part
that is readable but altered is refused by name, never taken in. `--resume` reads them back and fights
only the runs that are missing; the runs are keyed by (cell, run), so a resume may use another backend,
worker count or batch size. When every run is in and every part has been verified (by the caller, against
the plan), the parts are gathered into one `runs.parquet`, sorted by cell and run, and only then removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from captainred.interrupts import interrupts_held
from captainred.scenario.bounded import loads_json, read_bounded
from captainred.sweep.errors import SweepError

MANIFEST = "sweep.json"
PARTS = "parts"
RUNS = "runs.parquet"
CHECKSUM_KEY = b"captainred.rows_sha256"
SWEEP_KEY = b"captainred.sweep_sha256"  # the sweep's fingerprint: a part of another sweep is not taken in
MAX_MANIFEST_BYTES = 1 << 20


class SweepFolder:
    """The folder a sweep writes (`--out`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.manifest = path / MANIFEST
        self.parts = path / PARTS
        self.runs = path / RUNS
        self.sweep_sha256 = ""  # set by `start`, from the fingerprint of the sweep that owns the folder

    def start(self, fingerprint: dict[str, Any], table_schema: pa.Schema, *, resume: bool) -> set[tuple[int, int]]:
        """Make the folder ready and return the (cell, run) pairs already done (none for a new sweep)."""
        self.sweep_sha256 = hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()
        if resume:
            return self._resume(fingerprint, table_schema)
        if self.manifest.exists():
            raise SweepError(f"{self.path}: --out: already holds a sweep; add --resume to go on with it")
        if self.path.exists() and not self.path.is_dir():
            raise SweepError(f"{self.path}: --out: is a file, not a folder")
        if self.path.is_dir() and any(self.path.iterdir()):
            raise SweepError(f"{self.path}: --out: the folder is not empty and holds no sweep")
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
            write_atomically(self.manifest, (json.dumps(fingerprint, indent=2) + "\n").encode())
        except OSError as exc:
            raise SweepError(f"{self.path}: --out: cannot write ({exc.strerror})") from None
        return set()

    def _resume(self, fingerprint: dict[str, Any], table_schema: pa.Schema) -> set[tuple[int, int]]:
        if not self.manifest.exists():
            raise SweepError(f"{self.path}: --resume: no sweep here to resume ({MANIFEST} is missing)")
        try:
            started = loads_json(read_bounded(self.manifest, MAX_MANIFEST_BYTES))
        except (OSError, ValueError) as exc:
            raise SweepError(f"{self.manifest}: cannot read the sweep's record ({exc})") from None
        if not isinstance(started, dict):
            raise SweepError(f"{self.manifest}: cannot read the sweep's record (not a JSON object)")
        for key, value in fingerprint.items():
            if started.get(key) != value:
                was = json.dumps(started.get(key))
                raise SweepError(
                    f"{self.manifest}: {key}: this sweep was started with {_short(was)}, not "
                    f"{_short(json.dumps(value))}; resume it with the same scenario, --seed, --runs and --vary"
                )
        self.parts.mkdir(exist_ok=True)
        done: set[tuple[int, int]] = set()
        for _, table in self._stored(table_schema):
            done.update(zip(table["cell"].to_pylist(), table["run"].to_pylist(), strict=True))
        return done

    def _stored(self, table_schema: pa.Schema) -> Iterable[tuple[Path, pa.Table]]:
        """Every stored table, each checked against the checksum it carries: the gathered runs (a finished
        sweep) and each whole part."""
        files = ([self.runs] if self.runs.exists() else []) + sorted(self.parts.glob("*.parquet"))
        for file in files:
            try:
                table = pq.read_table(file)
            except (OSError, pa.ArrowException) as exc:
                raise SweepError(
                    f"{file}: not a readable part of this sweep ({_short(str(exc))}); remove it and --resume fights "
                    "those runs again"
                ) from None
            if not table.schema.equals(table_schema):
                raise SweepError(f"{file}: its columns are not this sweep's")
            metadata = table.schema.metadata or {}
            recorded = metadata.get(CHECKSUM_KEY)
            if recorded is None:
                raise SweepError(
                    f"{file}: carries no checksum of its rows, so it was not written by this sweep; remove it and "
                    "--resume fights those runs again"
                )
            if metadata.get(SWEEP_KEY, b"").decode("ascii", "replace") != self.sweep_sha256:
                raise SweepError(
                    f"{file}: a part of another sweep (its scenario, seeds or grid differ); remove it and --resume "
                    "fights those runs again"
                )
            if recorded.decode("ascii", "replace") != rows_sha256(table):
                raise SweepError(
                    f"{file}: its rows do not match their checksum (altered or damaged); remove it "
                    "and --resume fights those runs again"
                )
            yield file, table

    def stored_runs(self) -> int:
        """Runs stored so far, from the files' own metadata (a Ctrl-C's report)."""
        files = ([self.runs] if self.runs.exists() else []) + sorted(self.parts.glob("*.parquet"))
        total = 0
        for file in files:
            try:
                total += pq.ParquetFile(file).metadata.num_rows
            except (OSError, pa.ArrowException):
                continue
        return total

    def store(self, rows: list[dict[str, Any]], table_schema: pa.Schema) -> None:
        """Write one finished chunk's rows as a part file, whole or not at all."""
        first = rows[0]
        name = f"cell{first['cell']:05d}-run{first['run']:07d}-{len(rows)}.parquet"
        table = pa.Table.from_pylist(rows, schema=table_schema)
        write_atomically(self.parts / name, _parquet_bytes(table, self.sweep_sha256))

    def collect(self, table_schema: pa.Schema) -> tuple[pa.Table, list[Path]]:
        """Every stored run in one table sorted by cell and run (each file verified against its checksum),
        and the part files it came from. Writes nothing and removes nothing."""
        stored = list(self._stored(table_schema))
        tables = [table for _, table in stored]
        table = pa.concat_tables(tables) if tables else table_schema.empty_table()
        table = table.sort_by([("cell", "ascending"), ("run", "ascending")])
        keys = list(zip(table["cell"].to_pylist(), table["run"].to_pylist(), strict=True))
        if len(set(keys)) != len(keys):  # a part written again by a resume, after the first had landed
            keep = [i for i, key in enumerate(keys) if i == 0 or key != keys[i - 1]]
            table = table.take(keep)
        return table, [file for file, _ in stored if file != self.runs]

    def write_runs(self, table: pa.Table, parts: list[Path]) -> None:
        """Write the verified table to `runs.parquet`, then remove the parts it was gathered from (only
        those: a part that appeared since is left for the next resume to read)."""
        write_atomically(self.runs, _parquet_bytes(table, self.sweep_sha256))
        for part in parts:
            part.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty: something not gathered stays where it is
            self.parts.rmdir()


def rows_sha256(table: pa.Table) -> str:
    """The SHA-256 of a table's rows in a canonical form (JSON, keys sorted), whatever its file layout."""
    digest = hashlib.sha256()
    for row in table.to_pylist():
        digest.update(json.dumps(row, sort_keys=True, default=str).encode("utf-8") + b"\n")
    return digest.hexdigest()


def _parquet_bytes(table: pa.Table, sweep_sha256: str) -> bytes:
    metadata = {
        **(table.schema.metadata or {}),
        CHECKSUM_KEY: rows_sha256(table).encode("ascii"),
        SWEEP_KEY: sweep_sha256.encode("ascii"),
    }
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata(metadata), sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def write_atomically(path: Path, data: bytes) -> None:
    """The whole file or nothing: a temporary file beside it, flushed to disk, then renamed into place."""
    with interrupts_held():  # a Ctrl-C between `mkstemp` and `try` would leave the temporary file behind
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."
