"""The built-in battles keep their event-log digests: a refactor of the engine that changes what
happens shows up here, naming the scenario and the seed. When a change of behaviour is meant, the file
`tests/data/digests.json` is regenerated with `python tests/test_digests.py` and the change is named in
the commit and the README."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from captainred.scenario import load_scenario
from captainred.simulation import run_battles

DIGESTS = Path(__file__).parent / "data" / "digests.json"
SCENARIOS = {
    "manhattan-recon": "manhattan-recon",
    "fifty-mile-circuit": "fifty-mile-circuit",
    "net-bombardment": "net-bombardment",
    "night-raid": "night-raid",
    "skirmish": str(Path(__file__).parent / "scenarios" / "skirmish.toml"),
    "front-small": str(Path(__file__).parent / "scenarios" / "front-small.toml"),
}
SEEDS = [1, 2, 3]


def fight(name: str) -> dict[str, str]:
    """The digest of each seed, all fought in one World."""
    return {str(r.seed): r.digest for r in run_battles(load_scenario(SCENARIOS[name]), SEEDS)}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_built_in_battles_keep_their_digests(name: str) -> None:
    expected = json.loads(DIGESTS.read_text("utf-8"))[name]
    assert fight(name) == expected


if __name__ == "__main__":
    DIGESTS.write_text(json.dumps({name: fight(name) for name in sorted(SCENARIOS)}, indent=1) + "\n", "utf-8")
    sys.exit(0)
