"""`captainred run --json` writes, byte for byte, the summary it wrote before the summary became a typed
model, for each built-in scenario (and a `--runs 2` batch); the Markdown report is unchanged too.

`tests/data/summaries.json` holds, for each case, the SHA-256 of the JSON file and of the report as they
were written by the dict-built summary (commit 1e5eb0a), with a few of their fields so that a failure says
what moved. Regenerate it only when the JSON contract itself changes (DESIGN.md), and say so in the commit.

The `manhattan-recon` cases were re-pinned when the compiled steering and the ditch changed their battles (the
digest changes the README names): the dict-built summary code of 1e5eb0a, fed the new engine's event
logs, wrote the same bytes as the typed model, and those bytes are the ones pinned. The reports of the
cases with pilots were re-pinned when the report gained its Radio section (who talked): with that section
taken out, each is byte for byte the report pinned before. The `manhattan-recon` cases were re-pinned
again when the ship began to listen, pilots came to be forced down only over land, time over the target
came to run from a squadron's own contact, and the story's calibration moved its design values (README,
Determinism): the JSON's form is unchanged, its battles are new. They were re-pinned once more when a swarm
with nobody in its reach came to be recalled into the ship: the same losses and photos, the same length
of battle, and the LGFs that were still airborne at the end are back aboard (`returned`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from captainred.cli import app

REFERENCE = Path(__file__).parent / "data" / "summaries.json"
CASES: list[dict[str, Any]] = json.loads(REFERENCE.read_text("utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['scenario']}-seed{c['seed']}-runs{c['runs']}")
def test_the_json_summary_and_report_are_what_they_were(case: dict[str, Any], tmp_path: Path) -> None:
    json_path, report_path = tmp_path / "summary.json", tmp_path / "report.md"
    args = [
        "run",
        case["scenario"],
        "--seed",
        str(case["seed"]),
        "--runs",
        str(case["runs"]),
        "--json",
        str(json_path),
        "--report",
        str(report_path),
        "--quiet",
    ]
    ran = CliRunner().invoke(app, args)
    assert ran.exit_code == 0, ran.output
    text = json_path.read_text("utf-8")
    document = json.loads(text)
    assert list(document) == case["keys"]
    if case["runs"] == 1:
        assert document["digest"] == case["digest"]
        assert document["sim_seconds"] == case["sim_seconds"]
        assert document["sides"] == case["sides"]
    else:
        assert [r["digest"] for r in document["runs"]] == case["digests"]
        assert [r["seed"] for r in document["runs"]] == case["seeds"]
    assert hashlib.sha256(text.encode()).hexdigest() == case["json_sha256"]
    report = report_path.read_text("utf-8")
    assert hashlib.sha256(report.encode()).hexdigest() == case["report_sha256"]
