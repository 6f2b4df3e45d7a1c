"""Ctrl-C and SIGTERM held back for the moment a file is being written whole or not at all.

A signal's Python handler runs between two bytecodes, wherever the main thread is: inside `mkstemp`
after the file was made but before its name came back, or between the rename and the bookkeeping. A
temporary file left there is a half-written part the next `--resume` must step round. Inside
`interrupts_held()` the signal is only noted; when the block ends the old handlers come back and each
noted signal is raised again, so Ctrl-C still stops the command, one write later (a few milliseconds).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the block runs, then deliver them. Outside the main thread (where
    no handler runs anyway) it holds nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []

    def note(signum: int, _frame: FrameType | None) -> None:
        if signum not in noted:
            noted.append(signum)

    before = {signum: signal.signal(signum, note) for signum in HELD}
    try:
        yield
    finally:
        for signum, handler in before.items():
            if handler is not None:  # None: a handler set outside Python, which `signal` cannot put back
                signal.signal(signum, handler)
        for caught in noted:
            signal.raise_signal(caught)
