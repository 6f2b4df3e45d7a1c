"""A Ctrl-C while a file is being written whole leaves the whole file or nothing, never a temporary file."""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest

from captainred.cli.common import atomic_output
from captainred.interrupts import interrupts_held
from captainred.sweep.store import write_atomically


def test_a_signal_inside_the_block_is_raised_when_it_ends():
    reached_the_end = False
    with pytest.raises(KeyboardInterrupt), interrupts_held():
        signal.raise_signal(signal.SIGINT)
        reached_the_end = True
    assert reached_the_end
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_handlers_come_back_when_nothing_was_caught():
    before = signal.getsignal(signal.SIGTERM)
    with interrupts_held():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_sigterm_reaches_the_handler_that_was_there_before():
    caught: list[int] = []
    before = signal.signal(signal.SIGTERM, lambda signum, _frame: caught.append(signum))
    try:
        with interrupts_held():
            signal.raise_signal(signal.SIGTERM)
            assert caught == []
        assert caught == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, before)


@pytest.fixture
def ctrl_c_as_mkstemp_returns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The narrowest window: the temporary file exists, but its name has not come back to the caller."""
    real = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        made = real(*args, **kwargs)
        signal.raise_signal(signal.SIGINT)
        return made

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


@pytest.mark.usefixtures("ctrl_c_as_mkstemp_returns")
def test_a_part_interrupted_as_its_file_is_made_is_written_whole_then_stops(tmp_path: Path):
    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "part.parquet", b"whole")
    assert [p.name for p in tmp_path.iterdir()] == ["part.parquet"]
    assert (tmp_path / "part.parquet").read_bytes() == b"whole"


@pytest.mark.usefixtures("ctrl_c_as_mkstemp_returns")
def test_an_output_interrupted_as_its_file_is_made_leaves_nothing(tmp_path: Path):
    with pytest.raises(KeyboardInterrupt), atomic_output(tmp_path / "replay.jsonl", "--replay") as handle:
        handle.write(b"never")
    assert list(tmp_path.iterdir()) == []


def test_an_output_interrupted_while_written_leaves_the_old_file(tmp_path: Path):
    (tmp_path / "report.md").write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_output(tmp_path / "report.md", "--report") as handle:
        handle.write(b"half")
        signal.raise_signal(signal.SIGINT)
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]
    assert (tmp_path / "report.md").read_text() == "old"
