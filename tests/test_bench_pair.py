"""The paired benchmark runs: two versions (here the same tree twice) fight the same chunk side by side, and
their digests agree (no timing asserted)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import ModuleType

import pytest

from benchmark_scripts import load_script

REPO = Path(__file__).resolve().parent.parent
SKIRMISH = Path(__file__).parent / "scenarios" / "skirmish.toml"


@pytest.fixture(scope="module")
def pair() -> ModuleType:
    return load_script("bench_pair")


def test_two_copies_of_one_tree_fight_the_same_battles(
    pair: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pair.json"
    argv = [str(REPO), str(REPO), "--scenario", str(SKIRMISH), "--battles", "2", "--rounds", "2", "--json", str(out)]
    assert pair.main(argv) == 0
    result = json.loads(out.read_text("utf-8"))
    assert result["battles"] == 2 and result["threads"] == 1
    assert all(len(times) == 2 for times in result["seconds"])
    assert all(math.isfinite(s) and s > 0 for times in result["seconds"] for s in times)
    assert len(result["ratios"]) == 2 and result["median_ratio"] > 0
    assert result["same_digests"], result["digests"]
    assert result["steps"][0] == result["steps"][1] > 0
    printed = capsys.readouterr().out
    assert "digests the same" in printed and "ratio" in printed


def test_a_version_that_is_neither_a_folder_nor_a_revision_is_refused(pair: ModuleType) -> None:
    with pytest.raises(SystemExit, match="neither a folder"):
        pair.main(["no-such-revision-anywhere", str(REPO), "--battles", "1", "--rounds", "1"])


def test_counts_below_one_are_refused(pair: ModuleType) -> None:
    with pytest.raises(SystemExit):
        pair.main([str(REPO), str(REPO), "--rounds", "0"])
