"""The after-action report, from hand-built event logs: a small fight over Manhattan in which Captain Red
downs an LGF and brings her photos home on fumes, while Slayer five loses her port engine, calls a mayday
that her dying radio cuts off, and is forced down on the east side and taken."""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from captainred.engine.events import LOSS_KINDS, Event, EventKind, EventLog
from captainred.report import (
    BrokenEventLog,
    build_timeline,
    check_summary,
    render_markdown,
    render_terminal,
    summarize,
    summarize_runs,
)
from captainred.report.summary import LossStats, PilotRecord, SideCounts, Summary
from captainred.report.timeline import TimelineRow, format_clock

WILLOW, TARA = 1, 2
LGF_A, LGF_B, LGF_C = 101, 102, 103


class Battle:
    """A hand-written event log, one line per thing that happens, ticks at 1 s."""

    def __init__(self) -> None:
        self.log = EventLog()

    def at(self, time_s: float, kind: EventKind, actor: int = -1, target: int = -1, **details: Any) -> Battle:
        self.log.append(Event(int(time_s), float(time_s), kind, actor, target, (0.0, 0.0, 0.0), details))
        return self

    def guardian(self, time_s: float, craft: int, pilot: str, callsign: str, squadron: str, **extra: Any) -> Battle:
        details: dict[str, Any] = dict(
            side="air_command",
            type="Guardian",
            squadron=squadron,
            squadron_name=squadron.title(),
            pilot=pilot,
            callsign=callsign,
            nickname=None,
            photo=False,
            base="Odysseus",
        )
        details.update(extra)
        return self.at(time_s, EventKind.LAUNCH, craft, **details)

    def lgf(self, time_s: float, craft: int) -> Battle:
        return self.at(
            time_s,
            EventKind.LAUNCH,
            craft,
            side="lgf",
            type="LGF",
            squadron="",
            squadron_name="",
            pilot="",
            callsign=f"LGF-{craft}",
            nickname=None,
            photo=False,
            base="mother-ship",
        )


def manhattan() -> Battle:
    b = Battle()
    b.guardian(0, WILLOW, "Willow Rosenberg", "Devil one", "devils", nickname="Captain Red", photo=True)
    b.guardian(20, TARA, "Tara Maclay", "Slayer five", "slayers", photo=True)
    b.at(60, EventKind.FORMED_UP, WILLOW, squadron="devils", aircraft=1)
    b.at(1800, EventKind.CONTACT, WILLOW, squadron="devils", range_m=15000.0)
    b.at(1801, EventKind.CONTACT, TARA, squadron="slayers", range_m=14000.0)
    b.at(1810, EventKind.PHOTO, TARA, callsign="Slayer five", number=1, range_m=900.0)
    b.at(1812, EventKind.PHOTO, WILLOW, callsign="Devil one", number=1, range_m=1200.0)
    b.at(1815, EventKind.PHOTO, TARA, callsign="Slayer five", number=2, range_m=800.0)
    b.at(1830, EventKind.SWARM_LAUNCH, door=0, craft=2)
    b.at(1830, EventKind.SWARM_LAUNCH, door=1, craft=1)
    b.lgf(1830, LGF_A).lgf(1830, LGF_B).lgf(1831, LGF_C)
    b.at(1850, EventKind.HIT, WILLOW, LGF_A, weapon="cannon", subsystem="airframe", severity=1.0)
    b.at(1850, EventKind.KILL, WILLOW, LGF_A, weapon="cannon")
    b.at(1850, EventKind.DESTROYED, LGF_A, cause="shot down")
    b.at(1855, EventKind.HIT, WILLOW, LGF_B, weapon="cannon", subsystem="airframe", severity=0.1)
    b.at(1860, EventKind.PHOTO, WILLOW, callsign="Devil one", number=2, range_m=700.0)
    b.at(1870, EventKind.HIT, LGF_B, TARA, weapon="blue_fire", subsystem="port_engine", severity=0.9)
    b.at(1870, EventKind.SUBSYSTEM, TARA, subsystem="port_engine", state="engine out, black smoke")
    b.at(1872, EventKind.BLACKOUT, TARA, seconds=4.0)
    b.at(1877, EventKind.SPIN_RECOVERED, TARA, altitude_m=61.0)
    b.at(1880, EventKind.SUBSYSTEM, TARA, subsystem="radio", state="dead")
    b.at(
        1880,
        EventKind.MAYDAY,
        TARA,
        callsign="Slayer five",
        text="Mayday, mayday, Slayer five, lost my port",
        cut=True,
    )
    b.at(1885, EventKind.FORCE_DOWN, TARA, escorts=[LGF_B, LGF_C])
    b.at(1886, EventKind.FORCE_DOWN, TARA, escorts=[LGF_B, LGF_C])
    b.at(1900, EventKind.FORCED_LANDING, TARA, where="East 72nd Street", outcome="landed", captured=True)
    b.at(1950, EventKind.BINGO, WILLOW, fuel_kg=900.0, reason="ammunition")
    b.at(
        1950,
        EventKind.RADIO,
        WILLOW,
        callsign="Devil one",
        text="Devil one, out of ammunition. Heading home.",
        cut=False,
    )
    b.at(2000, EventKind.RETURNED_TO_SHIP, LGF_B)
    b.at(3600, EventKind.RECOVERED, WILLOW, carrier="Odysseus", fuel_kg=45.5, photos=2)
    b.at(3700, EventKind.AIRBORNE_AT_END, LGF_C, fuel_kg=100.0, photos=0)
    b.at(3700, EventKind.END, reason="every aircraft home or lost", sim_seconds=3700.0)
    return b


@pytest.fixture
def battle() -> EventLog:
    return manhattan().log


@pytest.fixture
def summary(battle: EventLog) -> Summary:
    return summarize(battle, scenario="manhattan-recon", seed=7)


def pilot(summary: Summary, callsign: str) -> PilotRecord:
    [found] = [p for p in summary.pilots if p.callsign == callsign]
    return found


# -- the summary ------------------------------------------------------------------------------------


def test_summary_counts_each_side_launched_lost_home_and_airborne(summary: Summary) -> None:
    assert summary.sides.air_command == SideCounts(launched=2, sorties=2, lost=1, returned=1, airborne=0, kills=1)
    assert summary.sides.lgf == SideCounts(launched=3, sorties=3, lost=1, returned=1, airborne=1, kills=0)
    for _, counts in summary.sides.items():
        assert counts.launched == counts.returned + counts.lost + counts.airborne
    check_summary(summary.to_json())


def test_summary_carries_the_record_of_the_battle(battle: EventLog, summary: Summary) -> None:
    assert summary.scenario == "manhattan-recon" and summary.seed == 7
    assert summary.digest == battle.digest()
    assert summary.sim_seconds == 3700.0
    assert summary.events == battle.counts()
    assert summary.events["launch"] == 5
    assert check_summary(json.loads(json.dumps(summary.to_json()))) == summary  # plain JSON, nothing exotic


def test_captain_red_comes_home_on_fumes_with_her_photos_and_a_kill(summary: Summary) -> None:
    willow = pilot(summary, "Devil one")
    assert willow.name == "Willow Rosenberg" and willow.nickname == "Captain Red"
    assert willow.squadron == "devils"
    assert willow.status == "returned" and not willow.wounded
    assert willow.kills == 1
    assert willow.photos_returned == 2
    assert willow.fuel_left_kg == 45.5


def test_slayer_five_forced_down_and_taken_brings_no_photos_home(summary: Summary) -> None:
    tara = pilot(summary, "Slayer five")
    assert tara.status == "captured"
    assert tara.photos_taken == 2 and tara.photos_returned == 0
    assert tara.fuel_left_kg is None
    assert summary.photos_returned == 2


def test_only_air_command_pilots_are_listed(summary: Summary) -> None:
    assert sorted(p.callsign for p in summary.pilots) == ["Devil one", "Slayer five"]


def one_sortie(*events: tuple[EventKind, dict[str, Any]]) -> Summary:
    b = Battle().guardian(0, TARA, "Tara Maclay", "Slayer five", "slayers")
    for i, (kind, details) in enumerate(events, start=1):
        b.at(i, kind, TARA, **details)
    b.at(len(events) + 1, EventKind.END, reason="time", sim_seconds=float(len(events) + 1))
    return summarize(b.log, scenario="s", seed=1)


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ([(EventKind.RECOVERED, dict(carrier="Odysseus", fuel_kg=10.0, photos=0))], "returned"),
        (
            [
                (EventKind.WOUNDED, {}),
                (EventKind.RECOVERED, dict(carrier="Odysseus", fuel_kg=10.0, photos=0)),
            ],
            "wounded",
        ),
        ([(EventKind.KILLED, {}), (EventKind.CRASH, dict(cause="ground"))], "killed"),
        ([(EventKind.DESTROYED, dict(cause="shot down"))], "killed"),
        ([(EventKind.CRASH, dict(cause="spin"))], "killed"),
        ([(EventKind.FORCED_LANDING, dict(where="Broadway", outcome="crashed", captured=False))], "killed"),
        ([(EventKind.FORCED_LANDING, dict(where="Broadway", outcome="landed", captured=True))], "captured"),
        ([(EventKind.FORCED_LANDING, dict(where="Broadway", outcome="landed", captured=False))], "missing"),
        ([(EventKind.DITCHED, dict(cause="ditched at sea"))], "missing"),
        ([(EventKind.AIRBORNE_AT_END, dict(fuel_kg=300.0, photos=4))], "airborne"),
    ],
)
def test_each_ending_gives_the_pilot_her_status(events: list[tuple[EventKind, dict[str, Any]]], status: str) -> None:
    [tara] = one_sortie(*events).pilots
    assert tara.status == status


def test_photos_still_in_the_air_at_the_end_are_not_home() -> None:
    summary = one_sortie((EventKind.AIRBORNE_AT_END, dict(fuel_kg=300.0, photos=4)))
    [tara] = summary.pilots
    assert tara.photos_returned == 0 and tara.fuel_left_kg == 300.0
    assert summary.sides.air_command.airborne == 1


def test_a_wounded_pilot_who_then_dies_is_killed_and_marked_wounded() -> None:
    [tara] = one_sortie((EventKind.WOUNDED, {}), (EventKind.DESTROYED, dict(cause="shot down"))).pilots
    assert tara.status == "killed" and tara.wounded is True


def test_a_log_that_breaks_the_contract_is_refused() -> None:
    never_ends = Battle().guardian(0, TARA, "Tara Maclay", "Slayer five", "slayers")
    with pytest.raises(BrokenEventLog, match="never ends"):
        summarize(never_ends.log, scenario="s", seed=1)
    ends_twice = Battle().guardian(0, TARA, "Tara Maclay", "Slayer five", "slayers")
    ends_twice.at(1, EventKind.DITCHED, TARA).at(2, EventKind.CRASH, TARA)
    with pytest.raises(BrokenEventLog, match="two endings"):
        summarize(ends_twice.log, scenario="s", seed=1)
    ghost = Battle().at(1, EventKind.RECOVERED, TARA, carrier="Odysseus", fuel_kg=1.0, photos=0)
    with pytest.raises(BrokenEventLog, match="never launched"):
        summarize(ghost.log, scenario="s", seed=1)


# -- the checker, fed broken summaries --------------------------------------------------------------


def broken(summary: Summary, path: str, value: Any) -> dict[str, Any]:
    """The summary's JSON, with one field changed (or, given `KeyError`, deleted)."""
    out = copy.deepcopy(summary.to_json())
    *parents, last = path.split(".")
    node: Any = out
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[int(last) if isinstance(node, list) else last] = value
    return out


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("sides.lgf.launched", 4, "launched 4 != returned"),
        ("sides.air_command.lost", -1, "not a count"),
        ("sides.air_command.returned", 1.5, "not a count"),
        ("sides.air_command.airborne", True, "not a count"),
        ("pilots.0.status", "eaten", "not one of"),
        ("pilots.1.fuel_left_kg", 12.0, "lost aircraft"),
        ("pilots.0.fuel_left_kg", -3.0, "must be >= 0"),
        ("pilots.0.kills", -1, "kills"),
        ("pilots.0.status", "airborne", "pilots' statuses say"),
        ("photos_returned", 5, "summed over the pilots"),
        ("events.launch", 4, "launch events"),
        ("events.kill", -2, "not a count"),
        ("digest", KeyError, "digest: missing"),
        ("sides", [1, 2], "malformed"),
    ],
)
def test_check_summary_names_what_is_broken(summary: Summary, path: str, value: Any, message: str) -> None:
    check_summary(summary.to_json())
    with pytest.raises(ValueError, match=message):
        check_summary(broken(summary, path, value))


def test_check_summary_refuses_a_pilot_marked_wounded_who_was_not(summary: Summary) -> None:
    bad = broken(summary, "pilots.0.status", "wounded")
    with pytest.raises(ValueError, match="wounded"):
        check_summary(bad)


# -- several runs -----------------------------------------------------------------------------------


def test_summarize_runs_aggregates_losses_photos_and_who_came_home(summary: Summary) -> None:
    b = Battle()
    b.guardian(0, WILLOW, "Willow Rosenberg", "Devil one", "devils", nickname="Captain Red", photo=True)
    b.guardian(20, TARA, "Tara Maclay", "Slayer five", "slayers", photo=True)
    b.at(3000, EventKind.RECOVERED, WILLOW, carrier="Odysseus", fuel_kg=300.0, photos=6)
    b.at(3010, EventKind.RECOVERED, TARA, carrier="Odysseus", fuel_kg=200.0, photos=4)
    b.at(3010, EventKind.END, reason="every aircraft home or lost", sim_seconds=3010.0)
    quiet = summarize(b.log, scenario="manhattan-recon", seed=8)

    runs = summarize_runs([summary, quiet], scenario="manhattan-recon", seed=7)
    assert check_summary(runs.to_json()) == runs
    aggregate = runs.aggregate
    assert aggregate.runs == 2 and len(runs.runs) == 2
    assert aggregate.losses["air_command"] == LossStats(mean=0.5, min=0, max=1)
    assert aggregate.losses["lgf"] == LossStats(mean=0.5, min=0, max=1)
    assert aggregate.photos_returned_mean == 6.0
    assert aggregate.kills_mean == dict(air_command=0.5, lgf=0.0)
    home = {p.callsign: p.came_home for p in aggregate.pilots}
    assert home == {"Devil one": 1.0, "Slayer five": 0.5}
    json.dumps(runs.to_json(), allow_nan=False)


def test_check_summary_checks_every_run(summary: Summary) -> None:
    runs = summarize_runs([summary, summary], scenario="manhattan-recon", seed=7).to_json()
    runs["runs"][1]["sides"]["lgf"]["lost"] = 0
    with pytest.raises(ValueError, match=r"runs\[1\]\.sides\.lgf"):
        check_summary(runs)
    runs = summarize_runs([summary], scenario="manhattan-recon", seed=7).to_json()
    runs["aggregate"]["runs"] = 3
    with pytest.raises(ValueError, match=r"aggregate\.runs"):
        check_summary(runs)


# -- the timeline -----------------------------------------------------------------------------------


def rows_of(timeline: list[TimelineRow], kind: EventKind) -> list[TimelineRow]:
    return [r for r in timeline if r.kind is kind]


def test_launches_are_one_line_per_squadron_with_first_and_last_away(battle: EventLog) -> None:
    launches = rows_of(build_timeline(battle), EventKind.LAUNCH)
    assert [(r.who, r.clock) for r in launches] == [
        ("Devils", "00:00"),
        ("Slayers", "00:20"),
        ("LGFs", "30:30"),
    ]
    assert launches[0].what == "launched 1 Guardian from Odysseus"
    assert launches[2].what == "launched 3 LGFs from the mother-ship, last away at 30:31"


def test_timeline_keeps_first_contact_swarm_and_first_photo_per_aircraft(battle: EventLog) -> None:
    timeline = build_timeline(battle)
    [contact] = rows_of(timeline, EventKind.CONTACT)
    assert contact.who == "Devil one" and "15.0 km" in contact.what
    [swarm] = rows_of(timeline, EventKind.SWARM_LAUNCH)
    assert swarm.what == "the swarm comes out: 3 LGFs from 2 doors"
    photos = rows_of(timeline, EventKind.PHOTO)
    assert [(r.who, r.clock) for r in photos] == [("Slayer five", "30:10"), ("Devil one", "30:12")]


def test_hits_say_what_they_broke_and_kills_are_not_told_twice(battle: EventLog) -> None:
    timeline = build_timeline(battle)
    hits = rows_of(timeline, EventKind.HIT)
    # Hits that broke nothing are left out (the kill line tells of LGF-101); Slayer five's says what broke.
    assert [r.what for r in hits] == ["hits Slayer five with blue fire: port engine: engine out, black smoke"]
    assert hits[0].who == "LGF-102"
    [kill] = rows_of(timeline, EventKind.KILL)
    assert (kill.who, kill.what) == ("Devil one", "shoots down LGF-101 (cannon)")
    assert not rows_of(timeline, EventKind.DESTROYED)
    [radio_dies] = rows_of(timeline, EventKind.SUBSYSTEM)
    assert (radio_dies.who, radio_dies.what) == ("Slayer five", "radio: dead")


def test_the_mayday_is_in_her_own_words_and_cut_off(battle: EventLog) -> None:
    timeline = build_timeline(battle)
    [mayday] = rows_of(timeline, EventKind.MAYDAY)
    assert mayday.who == "Slayer five"
    assert mayday.what == "MAYDAY “Mayday, mayday, Slayer five, lost my port—” (cut off)"
    [call] = rows_of(timeline, EventKind.RADIO)
    assert call.what == "“Devil one, out of ammunition. Heading home.”"


def test_timeline_tells_the_end_of_each_flight(battle: EventLog) -> None:
    timeline = build_timeline(battle)
    [landing] = rows_of(timeline, EventKind.FORCED_LANDING)
    assert landing.what == "forced landing on East 72nd Street: down safely, taken captive"
    [force_down] = rows_of(timeline, EventKind.FORCE_DOWN)
    assert force_down.what == "boxed in by 2 LGFs, forced down"
    [recovered] = rows_of(timeline, EventKind.RECOVERED)
    assert recovered.clock == "1:00:00"
    assert recovered.what == "recovered aboard Odysseus, 46 kg of fuel left, 2 photos home"
    assert rows_of(timeline, EventKind.BINGO)[0].what == "bingo (ammunition), 900 kg of fuel"
    assert rows_of(timeline, EventKind.BLACKOUT)[0].what == "blacks out for 4 s"
    assert rows_of(timeline, EventKind.SPIN_RECOVERED)[0].what == "recovers from a spin at 200 ft"
    assert not rows_of(timeline, EventKind.RETURNED_TO_SHIP)
    assert not rows_of(timeline, EventKind.AIRBORNE_AT_END)  # an LGF still flying is no news
    assert timeline[-1].kind is EventKind.END


def test_timeline_is_in_time_order(battle: EventLog) -> None:
    times = [r.time_s for r in build_timeline(battle)]
    assert times == sorted(times)


@pytest.mark.parametrize(("time_s", "clock"), [(0, "00:00"), (59.9, "00:59"), (754, "12:34"), (3725, "1:02:05")])
def test_clock_shows_minutes_and_seconds_then_hours(time_s: float, clock: str) -> None:
    assert format_clock(time_s) == clock


# -- rendering --------------------------------------------------------------------------------------


def test_markdown_report_has_its_sections_tables_and_the_cut_mayday(battle: EventLog, summary: Summary) -> None:
    markdown = render_markdown(summary, build_timeline(battle))
    assert markdown.startswith("# After-action report: manhattan-recon (seed 7)")
    for heading in ("## Timeline", "## Pilots", "## Losses", "## Photos"):
        assert heading in markdown
    assert "| Time | Who | What |" in markdown
    assert "| Pilot | Callsign | Squadron | Status |" in markdown
    assert "| Willow Rosenberg “Captain Red” | Devil one | Devils | returned | 1 | 2 | 46 |" in markdown
    assert "| Tara Maclay | Slayer five | Slayers | captured | 0 | 0 | — |" in markdown
    assert "| Air Command | 2 | 1 | 1 | 0 | 1 |" in markdown
    assert "lost my port—” (cut off)" in markdown
    assert "Air Command: 2 launched, 1 lost (1 captured), 1 home." in markdown
    assert "2 photos brought home." in markdown


def test_markdown_escapes_pipes_in_what_pilots_say() -> None:
    b = Battle().guardian(0, TARA, "Tara Maclay", "Slayer five", "slayers")
    b.at(1, EventKind.RADIO, TARA, callsign="Slayer five", text="left | right", cut=False)
    b.at(2, EventKind.DITCHED, TARA).at(2, EventKind.END, reason="time", sim_seconds=2.0)
    markdown = render_markdown(summarize(b.log, scenario="s", seed=1), build_timeline(b.log))
    assert "“left \\| right”" in markdown


def test_terminal_report_renders_with_rich(battle: EventLog, summary: Summary) -> None:
    console = Console(record=True, width=120)
    render_terminal(summary, build_timeline(battle), console)
    text = console.export_text()
    assert "After-action report: manhattan-recon (seed 7)" in text
    assert "Slayer five" in text and "Captain Red" in text
    assert "lost my port—" in text


def test_report_reads_the_event_log_and_nothing_else_of_the_engine() -> None:
    """Of the parts upstream, the report reads the event log, and the sides' names (which the scenario owns)."""
    allowed = ("captainred.engine.events", "captainred.scenario.sides")
    package = Path(__import__("captainred.report", fromlist=["_"]).__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                if name.startswith("captainred.") and not name.startswith("captainred.report"):
                    assert name in allowed, f"{source.name} imports {name}"


# -- property: any valid battle gives a summary that passes its checker -----------------------------

ENDINGS: list[tuple[EventKind, dict[str, Any]]] = [
    (EventKind.DESTROYED, dict(cause="shot down")),
    (EventKind.CRASH, dict(cause="building")),
    (EventKind.DITCHED, dict(cause="ditched at sea")),
    (EventKind.FORCED_LANDING, dict(where="Harlem", outcome="landed", captured=True)),
    (EventKind.FORCED_LANDING, dict(where="Harlem", outcome="landed", captured=False)),
    (EventKind.FORCED_LANDING, dict(where="Harlem", outcome="crashed", captured=False)),
    (EventKind.RECOVERED, dict(carrier="Achilles", fuel_kg=120.0, photos=3)),
    (EventKind.RETURNED_TO_SHIP, {}),
    (EventKind.AIRBORNE_AT_END, dict(fuel_kg=80.0, photos=1)),
]

sortie = st.tuples(
    st.sampled_from(["air_command", "lgf"]),
    st.sampled_from(range(len(ENDINGS))),
    st.sampled_from(["", "wounded", "killed"]),
    st.integers(0, 3),  # photos taken
    st.floats(2, 4999, allow_nan=False),  # ending time
)


@settings(max_examples=150, deadline=None)
@given(sorties=st.lists(sortie, max_size=25), seed=st.integers(0, 2**32 - 1), kills=st.lists(st.integers(0, 24)))
def test_any_valid_battle_summarises_to_a_summary_that_passes_its_checker(
    sorties: list[tuple[str, int, str, int, float]], seed: int, kills: list[int]
) -> None:
    b = Battle()
    for craft, (side, _, _, _, _) in enumerate(sorties):
        if side == "lgf":
            b.lgf(0, craft)
        else:
            b.guardian(0, craft, f"Pilot {craft}", f"Slayer {craft}", "slayers", photo=True)
    middle: list[tuple[float, EventKind, int, int, dict[str, Any]]] = []
    for shooter in kills:
        if shooter < len(sorties) and sorties:
            middle.append((1.0, EventKind.KILL, shooter, (shooter + 1) % len(sorties), dict(weapon="cannon")))
    for craft, (side, ending, hurt, photos, time_s) in enumerate(sorties):
        kind, details = ENDINGS[ending]
        if side == "lgf" and kind is EventKind.RECOVERED:
            kind, details = EventKind.RETURNED_TO_SHIP, {}
        if side == "air_command" and kind is EventKind.RETURNED_TO_SHIP:
            kind, details = EventKind.RECOVERED, dict(carrier="Odysseus", fuel_kg=5.0, photos=photos)
        for n in range(1, photos + 1):
            middle.append((time_s / 2, EventKind.PHOTO, craft, -1, dict(callsign=f"Slayer {craft}", number=n)))
        if hurt == "wounded" or (hurt == "killed" and kind in LOSS_KINDS and side == "air_command"):
            middle.append((time_s, EventKind.WOUNDED if hurt == "wounded" else EventKind.KILLED, craft, -1, {}))
        middle.append((time_s, kind, craft, -1, dict(details)))
    for time_s, kind, actor, target, details in sorted(middle, key=lambda m: m[0]):
        b.at(time_s, kind, actor, target, **details)
    b.at(5000, EventKind.END, reason="time", sim_seconds=5000.0)

    summary = summarize(b.log, scenario="random", seed=seed)
    assert check_summary(summary.to_json()) == summary
    sides = [counts for _, counts in summary.sides.items()]
    for counts in sides:
        assert counts.launched == counts.returned + counts.lost + counts.airborne
    assert sum(c.launched for c in sides) == len(sorties)
    assert sum(c.kills for c in sides) == summary.events.get("kill", 0)
    timeline = build_timeline(b.log)
    assert [r.time_s for r in timeline] == sorted(r.time_s for r in timeline)
    assert "## Pilots" in render_markdown(summary, timeline)


# -- the deck ---------------------------------------------------------------------------------------

BUFFY = 3


def deck_battle() -> EventLog:
    """Captain Red bolters, goes round and lands on fumes on the last wire, her aircraft grounded; Buffy
    lands on the second wire and is refuelled and rearmed in five minutes."""
    b = Battle()
    b.at(50, EventKind.DECK_CLEARED, carrier="Odysseus", aircraft=2)
    b.at(50, EventKind.ALL_CLEAR, carrier="Odysseus")
    b.guardian(70, WILLOW, "Willow Rosenberg", "Devil one", "devils", nickname="Captain Red")
    b.guardian(88, BUFFY, "Buffy Summers", "Slayer one", "slayers")
    b.at(3500, EventKind.BOLTER, WILLOW, carrier="Odysseus", fuel_kg=120.0, go_around=True)
    b.at(3600, EventKind.WIRE_CAUGHT, WILLOW, carrier="Odysseus", wire=4, fuel_kg=40.0)
    b.at(3600, EventKind.RECOVERED, WILLOW, carrier="Odysseus", fuel_kg=40.0, photos=0, wire=4)
    b.at(3600, EventKind.GROUNDED, WILLOW, carrier="Odysseus", hours=30.0)
    b.at(3645, EventKind.WIRE_CAUGHT, BUFFY, carrier="Odysseus", wire=2, fuel_kg=400.0)
    b.at(3645, EventKind.RECOVERED, BUFFY, carrier="Odysseus", fuel_kg=400.0, photos=0, wire=2)
    b.at(3945, EventKind.REFUELLED, BUFFY, carrier="Odysseus", seconds=300.0)
    b.at(4000, EventKind.END, reason="time", sim_seconds=4000.0)
    return b.log


def test_summary_counts_each_carriers_launches_recoveries_bolters_and_groundings() -> None:
    summary = summarize(deck_battle(), scenario="deck", seed=1)
    deck = summary.carriers["Odysseus"].model_dump(mode="json")
    assert {k: deck[k] for k in ("launched", "recovered", "bolters", "grounded")} == {
        "launched": 2,
        "recovered": 2,
        "bolters": 1,
        "grounded": 1,
    }
    assert deck["wires"] == [0, 1, 0, 1]
    assert (deck["first_launch_s"], deck["last_launch_s"]) == (70.0, 88.0)
    red, buffy = deck["landings"]
    assert (red["callsign"], red["wire"], red["fuel_kg"], red["bolters"], red["grounded_h"]) == (
        "Devil one",
        4,
        40.0,
        1,
        30.0,
    )
    assert buffy["turnaround_s"] == 300.0 and buffy["grounded_h"] is None


def test_check_summary_refuses_more_wires_than_recoveries() -> None:
    summary = summarize(deck_battle(), scenario="deck", seed=1).to_json()
    summary["carriers"]["Odysseus"]["wires"] = [3, 0, 0, 0]
    with pytest.raises(ValueError, match=r"carriers\.Odysseus\.wires"):
        check_summary(summary)


def test_the_report_has_the_deck_last_wire_bolter_fuel_and_grounding() -> None:
    log = deck_battle()
    text = render_markdown(summarize(log, scenario="deck", seed=1), build_timeline(log))
    assert "## Deck" in text
    assert "Odysseus: 2 aircraft launched 01:10–01:28; 2 recovered 1:00:00–1:00:45" in text
    assert "wires second 1, last 1; 1 bolter; 1 grounded" in text
    assert "grounded 30 h" in text and "ready again in 05:00" in text
    whats = [(r.who, r.what) for r in build_timeline(log)]
    assert ("Odysseus", "the all-clear flag") in whats
    assert ("Devil one", "recovered aboard Odysseus on the last wire, 40 kg of fuel left") in whats
    assert any(who == "Devil one" and what.startswith("bolter, goes round again") for who, what in whats)
