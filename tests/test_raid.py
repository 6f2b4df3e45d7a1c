"""The night raid on foot: the quartermaster's rules, the party's pace, the bombardment and the breach, the
captive, determinism alone and in a batch, and the trade-off a bigger party makes between firepower and
being seen."""

from __future__ import annotations

import copy
import statistics
from typing import Any

import numpy as np
import pytest

from captainred.engine.events import EventKind
from captainred.engine.party import MEMBER_ID_BASE, SPACING_M, Phase, speed_factor
from captainred.engine.setup import build_world
from captainred.raid.stage import SHELL_COVER, WALK_MPS, WALL_CRUSH_M, WALL_REACH_M
from captainred.report.summary import check_summary, summarize
from captainred.scenario import ScenarioError
from captainred.scenario.loader import read_scenario_data, resolve
from captainred.scenario.quartermaster import issue_kit
from captainred.simulation import Simulation, run_battles

PILOTS = [
    "Willow Rosenberg", "Buffy Summers", "Faith", "William", "Alex Harris", "Charlie", "Dennis", "Barrel",
    "Edith Rowntree", "Leonard Ellison", "Queenie Ingram", "Frances Ellison",
]  # fmt: skip


def raid_data(**raid: Any) -> dict[str, Any]:
    data, _ = read_scenario_data("night-raid")
    data = copy.deepcopy(data)
    data["raid"].update(raid)
    return data


def quiet_approach(size: int, **raid: Any) -> dict[str, Any]:
    """The ruins only: a party of `size` with Tommy guns, 1.2 km from the rubble, no bombardment."""
    data = raid_data(
        party=[{"pilot": name} for name in PILOTS[:size]],
        start_m=[1200, "9.5 km"],
        **raid,
    )
    data["bombardments"] = []
    data["timing"]["duration_s"] = "30 min"
    return data


@pytest.fixture(scope="module")
def story_runs() -> list[Any]:
    """The story's raid, a dozen nights."""
    return run_battles(resolve(raid_data(), "night-raid"), list(range(1, 13)))


# ------------------------------------------------------------------------------------ the quartermaster


def test_the_quartermaster_issues_tommy_guns_a_bren_to_who_insists_and_loads_add_up():
    resolved = resolve(raid_data(), "night-raid")
    raid = resolved.scenario.raid
    assert raid is not None
    kit = issue_kit(raid, resolved.catalog, "night-raid")
    weapons = [issue.weapon.name for issue in kit]
    assert weapons.count("Tommy gun") == 6 and weapons.count("Bren gun") == 1
    by_name = {issue.pilot.name: issue for issue in kit}
    # A pack of 9 kg, the weapon, its spare magazines; a sidearm and the first-aid kit for who carries them.
    assert by_name["Buffy Summers"].load_kg(raid) == pytest.approx(9.0 + 4.9 + 5 * 0.7)
    assert by_name["William"].load_kg(raid) == pytest.approx(9.0 + 10.0 + 6 * 1.0)
    assert by_name["Willow Rosenberg"].load_kg(raid) == pytest.approx(9.0 + 4.9 + 3.5 + 1.1 + 0.3 + 1.5)
    assert [issue.first_aid_kit for issue in kit].count(True) == 1
    assert by_name["William"].rounds == 30 * 7


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"weapon": "Vickers gun"}, "raid.party[1].weapon", "nothing heavier than 10 kg; a Vickers gun weighs 23 kg"),
        ({"weapon": "Bren gun"}, "raid.party[3].weapon", "at most 1 light machine gun(s)"),  # William's is 2nd
        ({"weapon": "Webley"}, "raid.party[1].weapon", "a Webley is a sidearm, not a main weapon"),
        ({"weapon": "Spitfire"}, "raid.party[1].weapon", "unknown weapon 'Spitfire'"),
        ({"sidearm": "Bren gun"}, "raid.party[1].sidearm", "'Bren gun' is not a sidearm"),
        ({"pilot": "Nobody"}, "raid.party[1].pilot", "no pilot 'Nobody' in any squadron's roster"),
        ({"pilot": "Tara Maclay"}, "raid.captive", "cannot be both in the party and the captive"),
        ({"first_aid_kit": True}, "raid.party", "one first-aid kit for the party"),
    ],
)
def test_the_quartermaster_refuses_what_the_rules_forbid(change: dict[str, Any], field: str, problem: str):
    data = raid_data()
    data["raid"]["party"][1].update(change)
    with pytest.raises(ScenarioError) as caught:
        resolve(data, "night-raid")
    assert caught.value.field == field and problem in caught.value.problem


def test_a_heavier_load_slows_the_whole_party():
    assert speed_factor(np.array([12.0]))[0] == 1.0
    assert speed_factor(np.array([17.4]))[0] > speed_factor(np.array([25.0]))[0] >= 0.5
    minutes = {}
    for weapon in ("Tommy gun", "Bren gun"):
        data = quiet_approach(4, patrols=0.0)
        data["raid"]["party"][2]["weapon"] = weapon
        [result] = run_battles(resolve(data, "x"), [3])
        [at] = result.log.of_kind(EventKind.AT_RUBBLE)
        minutes[weapon] = at.details["minutes"]
    assert minutes["Bren gun"] > minutes["Tommy gun"]
    # With nobody to see them, the time is the route at the slowest member's pace.
    resolved = resolve(quiet_approach(4, patrols=0.0), "x")
    world = build_world(resolved, [3])
    assert world.party is not None
    pace = WALK_MPS * speed_factor(world.party.load_kg).min()
    assert minutes["Tommy gun"] == pytest.approx(world.party.route_length_m / pace / 60, abs=0.05)


# -------------------------------------------------------------------------------- the story's raid


def test_every_summary_of_the_raid_is_sound_and_tells_the_captives_fate(story_runs):
    for result in story_runs:
        summary = summarize(result.log, scenario="night-raid", seed=result.seed)
        check_summary(summary.to_json())
        raid = summary.raid
        assert raid is not None
        assert raid.captive in ("rescued", "dead", "still held")
        assert len(raid.party) == 7
        assert raid.minutes > 50  # the ruins alone take most of an hour
    outcomes = {getattr(summarize(r.log, scenario="x", seed=r.seed).raid, "captive", None) for r in story_runs}
    assert "rescued" in outcomes  # the story's night is a likely one, not an impossible one


def test_the_raid_is_the_same_alone_and_in_a_batch(story_runs):
    resolved = resolve(raid_data(), "night-raid")
    for seed in (3, 9):
        [alone] = run_battles(resolved, [seed])
        assert alone.digest == story_runs[seed - 1].digest


def test_nobody_is_inside_the_ship_without_climbing_through_an_open_breach():
    resolved = resolve(raid_data(), "night-raid")
    sim = Simulation(build_world(resolved, [1, 2, 3, 4, 5, 6]))
    party = sim.world.party
    assert party is not None
    while not sim.finished:
        sim.step()
        for r in np.flatnonzero(party.inside).tolist():
            b, actor = int(party.battle[r]), MEMBER_ID_BASE + int(party.member[r])
            log = sim.world.logs[b]
            ways_in = [
                e for e in log.of_kind(EventKind.THROUGH_BREACH) if e.actor == actor and e.details["way"] == "in"
            ]
            assert len(ways_in) == 1, f"battle {b}: member {r} is inside without a way in"
            opened = {e.details["breach"]: e for e in log.of_kind(EventKind.BREACH)}
            breach = opened[ways_in[0].details["breach"]]
            # In while it is open: the last one through, stripped by the closing plate, in the tick it closes.
            assert breach.details["at_s"] <= ways_in[0].time_s <= breach.details["seals_at_s"] + 0.2 + 1e-9


def test_the_breach_closes_on_time_and_catches_whoever_is_still_climbing(story_runs):
    caught = 0
    for result in story_runs:
        log = result.log
        breaches = {e.details["breach"]: e for e in log.of_kind(EventKind.BREACH)}
        sealed = {e.details["breach"]: e for e in log.of_kind(EventKind.BREACH_SEALED)}
        plate = [e for e in log.of_kind(EventKind.PARTY_HIT) if e.details["cause"] == "plate"]
        for sprint in log.of_kind(EventKind.SPRINT):
            breach = sprint.details["breach"]
            seals = breaches[breach].details["seals_at_s"]
            assert sprint.details["seals_at_s"] == seals
            assert seals <= sealed[breach].time_s <= seals + 0.2 + 1e-9  # on its time, to the combat tick
            ins = [e for e in log.of_kind(EventKind.THROUGH_BREACH) if e.details["breach"] == breach]
            assert all(e.time_s <= seals + 0.2 + 1e-9 for e in ins if e.details["way"] == "in")
            late = [e for e in log.of_kind(EventKind.STRIPPED, EventKind.LEFT_OUTSIDE) if e.details["breach"] == breach]
            at_the_close = late + [e for e in plate if sprint.time_s < e.time_s <= seals + 0.2 + 1e-9]
            for e in at_the_close:
                assert seals - 1e-9 <= e.time_s <= seals + 0.2 + 1e-9, e
            caught += len(at_the_close)
    assert caught, "in a dozen nights the plates never closed on anyone"


def test_bombardment_casualties_fall_only_near_an_impact(story_runs):
    reach = max(2 * SHELL_COVER * 6.0 * 1800 ** (1 / 3), WALL_REACH_M + WALL_CRUSH_M)
    counted = 0
    for result in story_runs:
        impacts = result.log.of_kind(EventKind.IMPACT)
        for hit in result.log.of_kind(EventKind.PARTY_HIT):
            if hit.details["cause"] not in ("shell", "wall"):
                continue
            counted += 1
            near = [
                e
                for e in impacts
                if e.tick == hit.tick
                and np.hypot(e.position_m[0] - hit.position_m[0], e.position_m[1] - hit.position_m[1]) <= reach
            ]
            assert near, f"seed {result.seed}: {hit} with no shell near"
    assert counted, "in a dozen nights no shell or wall touched the party"


def test_the_captive_breaks_more_often_the_longer_she_is_held():
    seeds = list(range(1, 41))
    broken = {}
    for held_h in (24, 120):
        data = quiet_approach(4, patrols=0.0, captive_held_s=held_h * 3600)
        results = run_battles(resolve(data, "x"), seeds)
        broken[held_h] = sum(bool(r.log.of_kind(EventKind.SECRET_BROKEN)) for r in results)
    assert broken[120] > broken[24]


# ------------------------------------------------------------------------ firepower against being seen


@pytest.mark.slow
def test_a_bigger_party_is_seen_more_often_but_wins_its_firefights_faster():
    """Sixty nights in the ruins, with patrols about, for three and for ten: the ten are spotted more
    often; but they beat more of the patrols that find them, and beat them sooner."""
    seeds = list(range(1, 61))
    spotted, won, won_s = {}, {}, {}
    for size in (3, 10):
        results = run_battles(resolve(quiet_approach(size, patrols=3.0), "x"), seeds)
        spotted[size] = statistics.fmean(
            any(e.details["by"] == "patrol" for e in r.log.of_kind(EventKind.PARTY_SPOTTED)) for r in results
        )
        fights = [e.details for r in results for e in r.log.of_kind(EventKind.FIREFIGHT_OVER)]
        assert len(fights) >= 10, f"too few firefights with {size} to compare"
        beaten = [f["seconds"] for f in fights if f["foes_down"] == 4]
        won[size] = len(beaten) / len(fights)
        won_s[size] = statistics.median(beaten) if beaten else float("inf")
    assert spotted[10] > spotted[3]  # more of them to see and to hear
    assert won[10] > won[3]  # more guns: a patrol that finds them is beaten more often...
    assert won_s[10] < won_s[3]  # ...and sooner


def test_the_party_keeps_its_column_and_its_phase_ends():
    resolved = resolve(quiet_approach(4, patrols=0.0), "x")
    world = build_world(resolved, [1])
    sim = Simulation(world)
    party = world.party
    assert party is not None
    while not sim.finished:
        sim.step()
        if party.phase[0] == Phase.APPROACH and party.progress_m[0] > 50:
            gaps = np.hypot(np.diff(party.x_m[:4]), np.diff(party.y_m[:4]))
            assert np.all(gaps <= SPACING_M + 5.0 + 1e-9)
    assert party.phase[0] == Phase.DONE
