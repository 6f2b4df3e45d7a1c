"""Compiling the kernels on a second core while the first run fights: the cold start in about half the time.

Numba compiles a kernel the first time it is called with new argument types, one kernel at a time under a
lock of its process, so a run with an empty kernel cache (the first after a clone or after any change of
the sources, `captainred.kernel_cache`) spends most of its time compiling about a hundred kernels on one
core while the other waits. This module starts a helper process that compiles the same kernels, from
their recorded argument types, into the same cache folder, from the last the run will need to the first.
The run meets the helper's kernels halfway and loads them instead of compiling them: Numba looks in the
cache before it compiles each one.

- `kernel_signatures.txt` records the kernels and argument types that some commands compile, a section
  per command, in the order the command first compiled them (a kernel's callees before it). The helper
  goes through each section last kernel first. Regenerate the file with
  `python -m captainred.compile_ahead --record` when kernels change their arguments: a test fails until
  then. A stale line costs only time: the run compiles what the helper could not.
- `start()` is called where a World is first built. It starts at most one helper a cache folder: none
  where the folder says the helper finished (`DONE`), none while another holds the folder's lock, none
  on one core, and none where `CAPTAINRED_COMPILE_AHEAD=0`.
- The helper runs at a lower priority, with no terminal, and lives no longer than the process that
  started it: that process stops it on exit, and it stops itself if its parent is gone.

Nothing here changes what a kernel computes: a kernel loaded from the cache is the one the run would have
compiled (the digests are the same either way).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from captainred.kernel_cache import current_folder

SIGNATURES = Path(__file__).resolve().with_name("kernel_signatures.txt")
DONE = "compiled-ahead"  # in the cache folder: the helper went through every signature
LOCK = "compile-ahead.lock"  # in the cache folder: held by the running helper
ENV = "CAPTAINRED_COMPILE_AHEAD"  # "0": never start the helper
RECORDED = (  # the demo first, then the other built-in scenarios
    ("run", "manhattan-recon", "--quiet"),
    ("run", "net-bombardment", "--quiet"),
    ("run", "night-raid", "--quiet"),
    ("run", "fifty-mile-circuit", "--quiet"),
    ("run", "the-front", "--quiet"),
)

_helper: subprocess.Popen[bytes] | None = None
_tried = False


def start(signatures: Path = SIGNATURES) -> subprocess.Popen[bytes] | None:
    """Start the helper if this process is the first to want kernels of a cache folder it has not yet
    filled (see the module's docstring); the helper, or None. Asked once a process."""
    global _helper, _tried
    if _tried:
        return _helper
    _tried = True
    folder = current_folder()
    if os.environ.get(ENV) == "0" or folder is None or (folder / DONE).exists() or not signatures.exists():
        return None
    from captainred.engine.threads import cores

    try:
        import fcntl  # POSIX: elsewhere the run compiles every kernel itself
    except ImportError:
        return None
    if cores() < 2:
        return None
    try:
        lock = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when the helper's copy closes
    except OSError:
        os.close(lock)
        return None  # another process's helper is at work
    try:
        _helper = subprocess.Popen(
            [sys.executable, "-m", "captainred.compile_ahead", str(signatures), str(os.getpid())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(lock,),
            start_new_session=True,  # not stopped by a Ctrl-C meant for the run: the run stops it
        )
    except OSError:
        return None
    finally:
        os.close(lock)
    atexit.register(stop)
    return _helper


def stop() -> None:
    """Stop this process's helper if it is still at work. What it compiled stays in the cache: Numba
    writes each kernel whole or not at all."""
    if _helper is not None and _helper.poll() is None:
        _helper.terminate()
        try:
            _helper.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _helper.kill()


def read_signatures(path: Path) -> list[list[tuple[str, str, str]]]:
    """The file's sections, each a list of (module, qualified name, argument types)."""
    sections: list[list[tuple[str, str, str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            if line.startswith("# captainred "):
                sections.append([])
            continue
        module, name, args = line.split("\t")
        if not sections:
            sections.append([])
        sections[-1].append((module, name, args))
    return sections


def helper_order(sections: list[list[tuple[str, str, str]]]) -> Iterator[tuple[str, str, str]]:
    """The order the helper compiles in: section by section, each from its last kernel to its first."""
    for section in sections:
        yield from reversed(section)


def dispatchers(module: Any) -> Iterator[Any]:
    """The compiled functions a module holds: Numba's dispatchers, and both copies of its twins."""
    from numba.core.dispatcher import Dispatcher

    from captainred.engine.threads import Twins

    for value in vars(module).values():
        if isinstance(value, Dispatcher):
            yield value
        elif isinstance(value, Twins):
            yield value.in_turn
            yield value.in_parallel


def find_dispatcher(module_name: str, name: str) -> Any | None:
    """The dispatcher of the function `name` (its qualified name) in `module_name`, or None."""
    module = importlib.import_module(module_name)
    for dispatcher in dispatchers(module):
        if dispatcher.py_func.__qualname__ == name:
            return dispatcher
    return None


def compiles_when_called(dispatcher: Any) -> bool:
    """Whether a dispatcher compiles for new argument types as it is called: not one declared with its
    signature, which Numba compiles as its module is imported and then closes to further compiles (its
    flag for that, `_can_compile`, is the one thing here read from Numba's insides)."""
    return bool(getattr(dispatcher, "_can_compile", True))


def argument_types(text: str) -> tuple[Any, ...]:
    """Numba's types from their written form (`written`)."""
    from numba.core import types

    from captainred.engine.arrays import WORLD_ARRAYS

    names = {**vars(types), WORLD_ARRAYS_NAME: WORLD_ARRAYS}
    value = eval(text, {"__builtins__": {}}, names)  # the package's own file, with no builtins
    if not isinstance(value, tuple):
        raise ValueError(f"not a tuple of types: {text[:80]}")
    return value


WORLD_ARRAYS_NAME = "WorldArrays"


def written(types: tuple[Any, ...]) -> str:
    """The written form of a signature's argument types: the `repr` of their tuple, with the World's
    arrays (`captainred.engine.arrays`, whose type spells out every field of the table) by name."""
    from captainred.engine.arrays import WORLD_ARRAYS

    return repr(tuple(types)).replace(repr(WORLD_ARRAYS), WORLD_ARRAYS_NAME)


def compile_all(signatures: Path, parent: int | None = None) -> int:
    """Compile every kernel of the file in the helper's order (into the cache); how many it compiled or
    found compiled. A line that no longer names a kernel, or no longer types, is passed over. Stops early
    if `parent` is no longer this process's parent."""
    done = 0
    for module_name, name, args in helper_order(read_signatures(signatures)):
        if parent is not None and os.getppid() != parent:
            return done
        try:
            dispatcher = find_dispatcher(module_name, name)
            if dispatcher is None or not compiles_when_called(dispatcher):
                continue
            dispatcher.compile(argument_types(args))
            done += 1
        except Exception:  # a stale line: the run compiles that kernel itself
            continue
    return done


def _helper_main(signatures: Path, parent: int) -> None:
    with contextlib.suppress(OSError):
        os.nice(5)  # the run that waits comes first
    compile_all(signatures, parent)
    folder = current_folder()
    if folder is not None and os.getppid() == parent:
        (folder / DONE).write_text("every kernel of the signature file compiled or found\n", encoding="utf-8")


def record(commands: Sequence[Sequence[str]] = RECORDED, out: Path = SIGNATURES) -> None:
    """Run each command in a fresh process, all on one cache folder that starts empty, and write what each
    compiled: a command's section lists only the kernels that the commands before it did not compile. Run
    when kernels change their arguments."""
    import tempfile

    sections = []
    seen: set[tuple[str, str, str]] = set()
    with tempfile.TemporaryDirectory() as empty:
        for command in commands:
            env = {**os.environ, "NUMBA_CACHE_DIR": empty, ENV: "0"}
            listed = subprocess.run(
                [sys.executable, "-m", "captainred.compile_ahead", "--list", *command],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            lines = [
                (module, name, args)
                for module, name, args in (line.split("\t") for line in listed.splitlines() if line.count("\t") == 2)
            ]
            new = [line for line in lines if line not in seen]
            seen.update(new)
            sections.append((command, new))
    text = [
        "# The kernels and argument types that these commands compile, a section a command, in the order",
        "# each first compiled them. Written by `python -m captainred.compile_ahead --record`; read by the",
        "# helper that compiles them on a second core during a cold start (captainred/compile_ahead.py).",
    ]
    for command, lines in sections:
        text.append(f"# captainred {' '.join(command)}")
        text.extend("\t".join(line) for line in lines)
    out.write_text("\n".join(text) + "\n", encoding="utf-8")


def _run_command(command: Sequence[str]) -> None:
    """Run one `captainred` command in this process, as the command line would."""
    import captainred.cli  # noqa: F401 (registers the commands on `app`)
    from captainred.cli.common import app

    with contextlib.suppress(SystemExit):
        app(list(command), standalone_mode=False)


def _list_compiled(command: Sequence[str]) -> None:
    """Run one `captainred` command in this process and print every kernel of the package it compiled,
    in the order each compile finished: module, qualified name and argument types, tab-separated."""
    from numba.core import event

    compiled: list[tuple[Any, tuple[Any, ...]]] = []

    class Listener(event.Listener):
        def on_start(self, ev: Any) -> None:
            pass

        def on_end(self, ev: Any) -> None:
            if ev.data["dispatcher"].py_func.__module__.startswith("captainred."):
                compiled.append((ev.data["dispatcher"], tuple(ev.data["args"])))  # written once all is imported

    event.register("numba:compile", Listener())  # type: ignore[no-untyped-call]
    _run_command(command)
    for dispatcher, arg_types in compiled:
        args = written(arg_types)
        if compiles_when_called(dispatcher) and _reads_back(args):
            # Not one declared with its signature (compiled as its module is imported), nor one called
            # with a constant that Numba types as a literal (`Literal[int](1)`, which has no written form).
            print(f"{dispatcher.py_func.__module__}\t{dispatcher.py_func.__qualname__}\t{args}")


def _reads_back(args: str) -> bool:
    """Whether `argument_types` reads `args` back as the same types."""
    try:
        return written(argument_types(args)) == args
    except Exception:
        return False


def _list_used(command: Sequence[str]) -> None:
    """Run one `captainred` command in this process and print every kernel of the package it then holds,
    compiled or loaded from the cache (not those declared with their signatures), in no particular order.
    With a warm cache these are the kernels called from Python: one that only other kernels call is
    compiled into them and never loaded alone."""
    _run_command(command)
    for name, module in sorted(sys.modules.items()):
        if not name.startswith("captainred.") or module is None:
            continue
        for dispatcher in dispatchers(module):
            if compiles_when_called(dispatcher) and dispatcher.py_func.__module__ == name:
                for args in dispatcher.signatures:
                    print(f"{name}\t{dispatcher.py_func.__qualname__}\t{written(args)}")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--record"]:
        record()
    elif argv[:1] == ["--list"]:
        _list_compiled(argv[1:])
    elif argv[:1] == ["--used"]:
        _list_used(argv[1:])
    elif len(argv) == 2:
        _helper_main(Path(argv[0]), int(argv[1]))
    else:
        raise SystemExit(
            "usage: python -m captainred.compile_ahead --record | --list COMMAND... | --used COMMAND... "
            "| SIGNATURES PARENT"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
