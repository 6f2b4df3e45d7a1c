"""Radio discipline, as a user sets it: `mission.radio` decides what pilots say. Everything under `normal`
(check-ins, a leader's formed-up call and position reports, a pilot's call of each kill), only essential
calls and maydays under `essential`, nothing but maydays under `silence`; and the report says who talked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from captainred.cli import app
from captainred.doctrine.sortie import may_say

CLASH = Path(__file__).parent / "scenarios" / "brief-clash.toml"


@pytest.mark.parametrize(
    ("radio", "chatter", "essential", "mayday"),
    [("normal", True, True, True), ("essential", False, True, True), ("silence", False, False, True)],
)
def test_each_discipline_lets_through_what_it_should(radio: str, chatter: bool, essential: bool, mayday: bool) -> None:
    assert may_say(radio, essential=False, mayday=False) is chatter
    assert may_say(radio, essential=True, mayday=False) is essential
    assert may_say(radio, essential=True, mayday=True) is mayday
    assert may_say(radio, essential=False, mayday=True) is mayday


def fight(radio: str, tmp_path: Path) -> tuple[dict[str, object], str]:
    json_path, report_path = tmp_path / f"{radio}.json", tmp_path / f"{radio}.md"
    args = ["run", str(CLASH), "--seed", "3", "--set", f"mission.radio={radio}", "--json", str(json_path)]
    ran = CliRunner().invoke(app, [*args, "--report", str(report_path), "--quiet"])
    assert ran.exit_code == 0, ran.output
    return json.loads(json_path.read_text("utf-8")), report_path.read_text("utf-8")


def test_normal_chatters_essential_keeps_to_essentials_and_silence_says_nothing(tmp_path: Path) -> None:
    calls = {}
    for radio in ("normal", "essential", "silence"):
        summary, _ = fight(radio, tmp_path)
        events = summary["events"]
        assert isinstance(events, dict)
        calls[radio] = events.get("radio", 0)
    assert calls["normal"] > calls["essential"] > calls["silence"] == 0, calls


def test_the_report_says_who_talked(tmp_path: Path) -> None:
    _, loud = fight("normal", tmp_path)
    radio = loud.split("## Radio", 1)[1].split("\n## ", 1)[0]
    assert "| Callsign | Calls | Maydays | Heard by the ship |" in radio
    assert "Devil one" in radio
    _, quiet = fight("silence", tmp_path)
    assert "Nobody spoke on the radio." in quiet.split("## Radio", 1)[1].split("\n## ", 1)[0]


def test_only_normal_discipline_brings_out_formed_up_calls_and_kill_calls(tmp_path: Path) -> None:
    from captainred.engine.events import EventKind
    from captainred.scenario import load_scenario
    from captainred.simulation import run_battles

    base = load_scenario(CLASH)
    said: dict[str, list[str]] = {}
    for radio in ("normal", "essential"):
        mission = base.scenario.mission.model_copy(update={"radio": radio})
        resolved = base.model_copy(update={"scenario": base.scenario.model_copy(update={"mission": mission})})
        logs = [r.log for r in run_battles(resolved, [1, 2, 3, 4])]
        said[radio] = [str(e.details["text"]) for log in logs for e in log.of_kind(EventKind.RADIO)]
        kills = sum(1 for log in logs for e in log.of_kind(EventKind.KILL) if e.details.get("weapon") != "blue_fire")
        if radio == "normal":
            assert any("formed up" in text for text in said[radio])
            splashes = sum("splash one" in text for text in said[radio])
            assert 0 < splashes <= kills  # a dead or busy radio keeps a kill unsaid
    assert not any("formed up" in text or "splash one" in text for text in said["essential"])
