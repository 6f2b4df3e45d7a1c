"""The atheris targets (tests/fuzz/), each run for a bounded time in a process of its own, from a seed
corpus of real files: the scenario loader from every shipped scenario, the replay reader from a real
replay. A crash (any exception but the one-line user error), a run past the per-input timeout or past
the memory limit fails the test, with the input atheris saved to reproduce it.

`CAPTAINRED_FUZZ_SECONDS` sets how long each target runs (default 5).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from on_threads import child_env

FUZZ = Path(__file__).parent / "fuzz"
SCENARIOS = Path(__file__).parent / "scenarios"
SECONDS = int(os.environ.get("CAPTAINRED_FUZZ_SECONDS", "5"))


@pytest.fixture(scope="module")
def seed_replay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real replay, short and at sea (no terrain chunk), so that each input is read in a moment."""
    folder = tmp_path_factory.mktemp("seed")
    ran = subprocess.run(
        [sys.executable, "-m", "captainred", "run", str(SCENARIOS / "skirmish.toml"), "-q", "--set", "map=open-sea",
         "--set", "timing.duration_s=90", "--replay", "seed.crr", "--replay-every", "10"],
        cwd=folder, capture_output=True, text=True, timeout=300, env=child_env(),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    return folder / "seed.crr"


def fuzz(target: str, corpus: Path, artifacts: Path, env: dict[str, str] | None = None) -> None:
    try:
        import atheris  # noqa: F401
    except ImportError:
        pytest.fail("atheris is not installed (it is in the dev extra: pip install -e '.[dev]')")
    artifacts.mkdir()
    ran = subprocess.run(
        [sys.executable, str(FUZZ / target), f"-max_total_time={SECONDS}", "-rss_limit_mb=2048", "-timeout=10",
         f"-artifact_prefix={artifacts}/", "-print_final_stats=1", str(corpus)],
        capture_output=True, text=True, timeout=SECONDS + 120, env=child_env(**(env or {})),
    )  # fmt: skip
    found = sorted(p.name for p in artifacts.iterdir())
    assert ran.returncode == 0 and not found, f"{target} found {found}:\n{ran.stderr[-4000:]}"
    assert "Done" in ran.stderr and "runs in" in ran.stderr, ran.stderr[-2000:]


def test_the_scenario_loader_takes_any_bytes_with_one_kind_of_error(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    builtin = Path(str(resources.files("captainred.scenario"))) / "builtin"
    for path in [*SCENARIOS.glob("*.toml"), *builtin.glob("*.toml")]:
        shutil.copy(path, corpus / path.name)
    fuzz("fuzz_scenario.py", corpus, tmp_path / "found")


def test_the_replay_reader_takes_any_bytes_with_one_kind_of_error(tmp_path: Path, seed_replay: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(seed_replay, corpus / "seed.crr")
    fuzz("fuzz_replay.py", corpus, tmp_path / "found", env={"FUZZ_REPLAY_SEED": str(seed_replay)})
