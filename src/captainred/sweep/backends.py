"""Where a sweep's battles are fought: in this process, in worker processes on this machine, or on Ray.

The unit of work is a chunk: consecutive runs of one cell, fought together in one World by the batch
engine. A chunk's rows depend only on its cell's scenario and its seeds (a battle fights the same alone
or in any batch), so no backend, worker count or batch size can change a result; the tests check that.
Every backend yields chunks as they finish, in whatever order; the caller stores them. This process and
the local workers also tell, as a chunk is fought, how many of its battles have ended (`Ended`), so a
progress bar moves battle by battle while chunks are large; Ray tells only when a chunk is done.
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import importlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

from captainred.scenario.model import ResolvedScenario
from captainred.sweep.errors import SweepError


class BackendError(SweepError):
    """A backend that cannot start (Ray not installed, no cluster at the address)."""


@dataclass(frozen=True)
class Chunk:
    """Runs `first_run`, `first_run + 1`, … of one cell, with their seeds."""

    cell: int
    first_run: int
    seeds: tuple[int, ...]


Rows = list[dict[str, Any]]
# Told, while a chunk is fought, how many of its battles have ended so far (each time that number grows).
Ended = Callable[[Chunk, int], None]


def fight_chunk(scenario: ResolvedScenario, chunk: Chunk, ended: Callable[[int], None] | None = None) -> Rows:
    """Fight a chunk's battles in one World and return one row per run (without the varied fields).
    `ended`, if given, is told how many of them have ended, each time that number grows."""
    from captainred.fight import fight
    from captainred.sweep.metrics import run_row

    observe = None if ended is None else _count_the_ended(ended)
    fought = fight(scenario, chunk.seeds, observe)
    return [run_row(chunk.cell, chunk.first_run + i, f.summary) for i, f in enumerate(fought)]


def _count_the_ended(tell: Callable[[int], None]) -> Callable[[Any], None]:
    """An observer of the simulation (after each step) that tells how many battles have ended whenever
    that number grows (`Simulation.battles_ended`)."""
    told = 0

    def observe(sim: Any) -> None:
        nonlocal told
        ended: int = sim.battles_ended
        if ended > told:
            told = ended
            tell(ended)

    return observe


# The queue a worker of the sweep's own tells its battles' ends on (`worker_pool`), if it was given one.
_ended_queue: Any = None


def fight_chunk_in_worker(scenario: ResolvedScenario, chunk: Chunk, tell_ends: bool = False) -> Rows:
    """`fight_chunk` in a worker process of the sweep's own. What the worker holds before the chunk (the
    engine's modules, the kernels it has loaded) lives as long as the worker, so it is frozen out of the
    garbage collector's full passes, which the chunk's growing event logs set off (in a chunk of 64 recon
    battles they took 117 ms; 14 ms frozen). Only the sweep's own workers freeze: what the sweep's process
    (one worker) or a Ray worker holds is not the sweep's to keep.

    With `tell_ends`, the battles' ends go on the worker's queue as (cell, first run, ended so far)."""
    out = _ended_queue if tell_ends else None
    ended = None if out is None else (lambda n: out.put((chunk.cell, chunk.first_run, n)))
    gc.freeze()
    try:
        return fight_chunk(scenario, chunk, ended)
    finally:
        # Thawed after each chunk: garbage the worker held when the chunk began (a chunk leaves none in
        # cycles, but a later change might) is then collected as usual, never kept for good.
        gc.unfreeze()


def fight_chunk_on_one_core(scenario: ResolvedScenario, chunk: Chunk) -> Rows:
    """`fight_chunk` for a task given one core (Ray's, which runs as many at once as there are cores):
    the kernels keep to one thread. (Ray's worker processes are Ray's, not the sweep's: nothing frozen.)"""
    from captainred.engine import threads

    threads.share_cores(threads.cores())
    return fight_chunk(scenario, chunk)


class Backend(Protocol):
    """Fights chunks and yields each with its rows as it finishes; `close` stops whatever is in flight."""

    workers: int

    def fight(
        self, scenarios: Sequence[ResolvedScenario], chunks: Sequence[Chunk], ended: Ended | None = None
    ) -> Iterator[tuple[Chunk, Rows]]: ...

    def close(self) -> None: ...


class InProcess:
    """One worker: this process, chunk after chunk."""

    workers = 1

    def fight(
        self, scenarios: Sequence[ResolvedScenario], chunks: Sequence[Chunk], ended: Ended | None = None
    ) -> Iterator[tuple[Chunk, Rows]]:
        for chunk in chunks:
            tell = None if ended is None else (lambda n, chunk=chunk: ended(chunk, n))
            yield chunk, fight_chunk(scenarios[chunk.cell], chunk, tell)

    def close(self) -> None:
        pass


PARENT_WATCH_S = 0.5  # how often a worker looks for its sweep
ENDS_READ_S = 0.25  # how often the sweep reads the battles' ends its workers tell while chunks are fought


def worker_pool(workers: int, ended_queue: Any = None) -> ProcessPoolExecutor:
    """Processes to fight chunks in: spawned (never forked from a process that may hold threads), each
    ignoring Ctrl-C and ending with the sweep that started it. The sweep and the calibration share them.
    Given a queue (the spawn context's `SimpleQueue`), a worker tells its battles' ends on it when a chunk asks
    (`fight_chunk_in_worker`).

    Every worker is started at once, not when the first chunks are handed out: each spends about a
    second importing the engine, and meanwhile the sweep imports its plotting and opens its folder on
    the core that would otherwise wait."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker_start, initargs=(os.getpid(), workers, ended_queue)
    )
    for _ in range(workers):
        # A process is spawned for each task handed out while none is idle (see ProcessPoolExecutor.submit):
        # one empty task each starts them all now.
        pool.submit(_started)
    return pool


def _started() -> None:
    """The empty task that starts a worker (`worker_pool`)."""


def _worker_start(sweep_pid: int, workers: int, ended_queue: Any) -> None:
    global _ended_queue
    _ended_queue = ended_queue
    # Ctrl-C reaches the whole process group; the parent alone decides what stops, so a worker ignores it
    # (the parent then terminates the pool) rather than dying mid-chunk with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(sweep_pid)
    from captainred.engine import threads  # here, not at the top: the sweep's own process needs no engine

    threads.share_cores(workers)  # the workers share the machine: threads beyond a worker's share only wait
    # What every chunk needs, imported while the sweep is still getting ready.
    for module in ("captainred.fight", "captainred.sweep.metrics"):
        importlib.import_module(module)
    # A worker ends when its sweep has every chunk (or is stopped); what it holds then is memory given
    # back whole, not cycles worth the collector's last walk through it (0.2 s: the engine and kernels).
    atexit.register(gc.freeze)


def _die_with(parent: int) -> None:
    """End this worker when its sweep's process ends, however it ends (a SIGKILL included, which leaves
    the sweep no chance to stop its workers): on Linux the kernel sends SIGKILL at once; elsewhere, and as
    a second guard, a thread notices that the parent has changed."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the sweep ended while this worker was still starting
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_WATCH_S)
        os._exit(1)

    threading.Thread(target=watch, name="watch-the-sweep", daemon=True).start()


class LocalProcesses:
    """Worker processes on this machine (started fresh, `spawn`, so no thread or lock of the parent's is
    inherited half-held), each fighting one chunk at a time. A worker that dies (killed, out of memory)
    stops the sweep with an error rather than a hang; what was stored stays for `--resume`."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        # A simple queue: a worker's put is written to the pipe before it returns, so every end a chunk
        # tells is there to be read by the time its rows come back.
        self._ended: Any = multiprocessing.get_context("spawn").SimpleQueue()
        self._executor: ProcessPoolExecutor | None = worker_pool(workers, self._ended)  # started now: see `worker_pool`

    def fight(
        self, scenarios: Sequence[ResolvedScenario], chunks: Sequence[Chunk], ended: Ended | None = None
    ) -> Iterator[tuple[Chunk, Rows]]:
        if self._executor is None:
            self._executor = worker_pool(self.workers, self._ended)
        telling = ended is not None
        try:
            # A worker can die while the chunks are still being handed out, not only while they are fought.
            futures: dict[Future[Rows], Chunk] = {
                self._executor.submit(fight_chunk_in_worker, scenarios[chunk.cell], chunk, telling): chunk
                for chunk in chunks
            }
            by_start = {(chunk.cell, chunk.first_run): chunk for chunk in chunks}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=ENDS_READ_S if telling else None, return_when=FIRST_COMPLETED)
                if ended is not None:
                    self._read_ends(by_start, ended)
                for future in done:
                    yield futures[future], future.result()
        except BrokenProcessPool:
            raise BackendError("a worker process died (killed, or out of memory?); --resume goes on") from None
        # Every chunk is in: the workers end while the sweep writes its tables and plots (the pool's own
        # thread joins them, and the interpreter waits for it before it exits).
        self._executor.shutdown(wait=False)
        self._executor = None

    def _read_ends(self, by_start: dict[tuple[int, int], Chunk], ended: Ended) -> None:
        """Pass on every battle's end the workers have told so far (read before the rows of the chunks
        that are done are passed on: a chunk's ends were all written before its rows)."""
        while not self._ended.empty():
            cell, first_run, n = self._ended.get()
            chunk = by_start.get((cell, first_run))
            if chunk is not None:
                ended(chunk, n)

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        # Stop the chunks in flight now, not when they finish: their results would be thrown away anyway.
        # (Python 3.14 has Executor.terminate_workers for this; before it, the processes are only reachable
        # through this attribute.)
        for process in list(getattr(executor, "_processes", {}).values()):
            process.terminate()
        executor.shutdown(wait=True, cancel_futures=True)


class RayCluster:
    """Ray tasks on an existing cluster (`address`), or on a Ray started here for the sweep and stopped
    after it. Each cell's scenario is put in the object store once; each chunk is one task."""

    def __init__(self, address: str | None, workers: int | None) -> None:
        if address is not None:
            _probe(address)
        host = (address or "127.0.0.1").rsplit(":", 1)[0].strip("[]")
        if host in ("127.0.0.1", "localhost", "::1"):
            # Ray swaps a loopback address for this machine's outward one before it connects, where a head
            # bound to 127.0.0.1 does not listen; this keeps the driver (and a Ray it starts) on loopback.
            # It must be set before Ray is imported, which reads it once.
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        try:
            import ray
        except ImportError:
            raise BackendError("--backend ray: Ray is not installed (pip install 'captainred[ray]')") from None
        logging.getLogger("ray").setLevel(logging.ERROR)
        self._ray = ray
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
        if address is None:
            options |= {"address": "local", "num_cpus": workers or os.cpu_count() or 1}
        else:
            options["address"] = address
        try:
            ray.init(**options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            where = f"--address {address}: cannot join the Ray cluster" if address else "cannot start a local Ray"
            raise BackendError(f"{where} ({first})") from None
        self.workers = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        self._pending: list[Any] = []

    def fight(
        self, scenarios: Sequence[ResolvedScenario], chunks: Sequence[Chunk], ended: Ended | None = None
    ) -> Iterator[tuple[Chunk, Rows]]:
        """Each chunk as it lands (`ended` is not told: a Ray task says nothing until it is done)."""
        ray = self._ray
        remote = ray.remote(num_cpus=1, max_retries=2)(fight_chunk_on_one_core)
        refs = [ray.put(s) for s in scenarios]
        self._pending = [remote.remote(refs[chunk.cell], chunk) for chunk in chunks]
        by_ref = dict(zip(self._pending, chunks, strict=True))
        while self._pending:
            done, self._pending = ray.wait(self._pending, num_returns=1)
            for ref in done:
                yield by_ref[ref], ray.get(ref)

    def close(self) -> None:
        ray = self._ray
        for ref in self._pending:
            ray.cancel(ref, force=True)
        self._pending = []
        if ray.is_initialized():
            ray.shutdown()


def _probe(address: str) -> None:
    """Refuse at once an address where nothing listens (Ray itself would retry for minutes)."""
    if address == "auto" or "://" in address:
        return  # Ray's own conventions: the cluster this machine knows of, or a Ray Client URL
    host, colon, port = address.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BackendError(f"--address {address}: expected HOST:PORT of the Ray head (like 127.0.0.1:6379)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as exc:
        raise BackendError(f"--address {address}: cannot join the Ray cluster ({exc.strerror or exc})") from None


def open_backend(name: str, *, workers: int, address: str | None) -> Backend:
    """The backend a sweep runs on: `local` (in this process for one worker, else worker processes) or
    `ray` (a cluster at `address`, or a local one)."""
    if name == "local":
        if address is not None:
            raise BackendError("--address: only for --backend ray")
        return InProcess() if workers == 1 else LocalProcesses(workers)
    if name == "ray":
        return RayCluster(address, workers)
    raise BackendError(f"--backend: unknown backend '{name}' (known: local, ray)")
