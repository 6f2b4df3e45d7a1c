"""Compiled kernels are cached per state of the sources, so a change in one module is never hidden by a
stale kernel of another that calls it (`captainred.kernel_cache`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from captainred import kernel_cache
from captainred.kernel_cache import PREFIX, base_dir, kernel_cache_dir, sources_digest
from on_threads import child_env


def _package(root: Path, rule: int) -> Path:
    """A two-module package: `caller.kernel` calls `rules.rule`, each compiled and cached; `rules.py` is
    rewritten with the rule given."""
    package = root / "toy"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "rules.py").write_text(
        f"import numba\n\n@numba.njit(cache=True)\ndef rule():\n    return {rule}\n", encoding="utf-8"
    )
    caller = package / "caller.py"
    if not caller.exists():  # written once: only the rule's file changes
        caller.write_text(
            "import numba\nfrom toy.rules import rule\n\n"
            "@numba.njit(cache=True)\ndef kernel():\n    return rule() * 10\n",
            encoding="utf-8",
        )
    return package


def _kernel(root: Path, cache_dir: Path | None) -> int:
    env = child_env()
    env.pop("NUMBA_CACHE_DIR", None)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    env["PYTHONPATH"] = str(root)
    code = "from toy.caller import kernel; print(kernel())"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


@pytest.mark.slow
def test_a_changed_rule_reaches_the_kernel_that_calls_it(tmp_path: Path) -> None:
    # What the folder per state guards against: Numba alone checks only the caller's own file, and loads
    # the caller compiled with the old rule.
    package = _package(tmp_path, rule=1)
    assert _kernel(tmp_path, None) == 10
    _package(tmp_path, rule=2)
    assert _kernel(tmp_path, None) == 10, "Numba no longer serves the stale kernel: this guard may go"
    # A folder per state of the sources compiles the change.
    base = tmp_path / "cache"
    _package(tmp_path, rule=1)
    first = kernel_cache_dir(base, sources_digest(tmp_path, ("toy",)))
    assert _kernel(tmp_path, first) == 10
    _package(tmp_path, rule=3)
    second = kernel_cache_dir(base, sources_digest(tmp_path, ("toy",)))
    assert second != first
    assert _kernel(tmp_path, second) == 30
    assert package.is_dir()


def test_the_digest_follows_the_kernel_parts_and_nothing_else(tmp_path: Path) -> None:
    package = _package(tmp_path, rule=1)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.py").write_text("x = 1\n")
    before = sources_digest(tmp_path, ("toy",))
    assert sources_digest(tmp_path, ("toy",)) == before  # the same sources, the same folder
    (tmp_path / "notes" / "readme.py").write_text("x = 2\n")
    assert sources_digest(tmp_path, ("toy",)) == before  # outside the parts: no recompile
    (package / "rules.py").write_text((package / "rules.py").read_text() + "\n# a comment\n")
    assert sources_digest(tmp_path, ("toy",)) != before


def test_the_folder_lies_under_the_given_cache_and_a_child_process_finds_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert base_dir() == tmp_path
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / f"{PREFIX}0123456789abcdef"))
    assert base_dir() == tmp_path  # set by this package in a parent process: its base, not a folder within
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    assert base_dir().name == "captainred"

    env = child_env()
    env["NUMBA_CACHE_DIR"] = str(tmp_path)
    code = "import os, captainred, numba; print(numba.config.CACHE_DIR); print(os.environ['NUMBA_CACHE_DIR'])"
    run = [sys.executable, "-c", code]
    done = subprocess.run(run, env=env, capture_output=True, text=True, timeout=120, check=True)
    folder, passed_on = done.stdout.split()
    assert Path(folder).parent == tmp_path and Path(folder).name.startswith(PREFIX) and passed_on == folder
    env["NUMBA_CACHE_DIR"] = passed_on  # a grandchild: what its parent passed on
    again = subprocess.run(run, env=env, capture_output=True, text=True, timeout=120, check=True)
    assert again.stdout.split() == [folder, folder]
    # Numba imported before the package has read its settings already: it is told the folder too.
    env["NUMBA_CACHE_DIR"] = str(tmp_path)
    first = "import numba, os, captainred; print(numba.config.CACHE_DIR); print(os.environ['NUMBA_CACHE_DIR'])"
    numba_first = subprocess.run([sys.executable, "-c", first], env=env, capture_output=True, text=True, timeout=120)
    assert numba_first.stdout.split() == [folder, folder], numba_first.stderr


def test_planning_a_sweep_does_not_load_the_compiler() -> None:
    """The sweep's own process reads the scenario, plans the runs and hands them to its workers: it never
    imports Numba (half a second, and a second core's worth while the workers start)."""
    code = (
        "import sys, captainred.cli\n"
        "from captainred.sweep import plan_sweep\n"
        "plan_sweep('manhattan-recon', runs=4, seed=7, vary=['enemy.defenders=6,9'])\n"
        "print('numba' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], env=child_env(), capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False"], done.stderr


def test_only_the_most_recently_used_folders_of_other_sources_are_kept(tmp_path: Path) -> None:
    for age in range(7):
        old = tmp_path / f"{PREFIX}{age:016x}"
        old.mkdir()
        os.utime(old, (1_000_000 - age, 1_000_000 - age))
    (tmp_path / "unrelated").mkdir()
    current = tmp_path / f"{PREFIX}current"
    current.mkdir()
    kernel_cache._drop_old_folders(tmp_path, current)
    left = sorted(p.name for p in tmp_path.iterdir())
    newest = [f"{PREFIX}{age:016x}" for age in range(kernel_cache.KEEP)]
    assert left == sorted([*newest, f"{PREFIX}current", "unrelated"])


def test_a_folder_dropped_by_another_process_meanwhile_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for age in range(kernel_cache.KEEP + 2):
        (tmp_path / f"{PREFIX}{age:016x}").mkdir()
    vanishing = tmp_path / f"{PREFIX}{0:016x}"
    real_stat = Path.stat
    looks = {"count": 0}

    def stat(self: Path, *args: object, **kwargs: object) -> os.stat_result:
        if self == vanishing:
            looks["count"] += 1
            if looks["count"] > 1:  # there when listed, gone when its age is read: another process dropped it
                raise FileNotFoundError(self)
        return real_stat(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "stat", stat)
    kernel_cache._drop_old_folders(tmp_path, tmp_path / f"{PREFIX}current")
    monkeypatch.undo()
    assert len(list(tmp_path.glob(f"{PREFIX}*"))) == kernel_cache.KEEP + 1  # the vanishing one, and KEEP


def test_the_current_folder_is_the_one_named_for_the_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    named = tmp_path / f"{PREFIX}0123456789abcdef"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(named))
    assert kernel_cache.current_folder() is None  # not made
    named.mkdir()
    assert kernel_cache.current_folder() == named
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))  # a user's own folder, not one named here
    assert kernel_cache.current_folder() is None
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    assert kernel_cache.current_folder() is None
