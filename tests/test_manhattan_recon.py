"""The story's first sortie over New York, fought over several seeds: its beats must play out as told."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from captainred.doctrine.piloting import bingo_fuel_kg
from captainred.engine.events import EventKind
from captainred.engine.setup import build_world
from captainred.engine.world import AIR_COMMAND
from captainred.report import check_summary, summarize
from captainred.scenario import load_scenario
from captainred.simulation import BattleResult, run_battles

pytestmark = pytest.mark.slow

SEEDS = list(range(101, 109))


@pytest.fixture(scope="module")
def battles() -> list[BattleResult]:
    return run_battles(load_scenario("manhattan-recon"), SEEDS)


def _by_callsign(result: BattleResult) -> dict[int, str]:
    return {e.actor: e.details["callsign"] for e in result.log.of_kind(EventKind.LAUNCH)}


def test_every_battle_summarises_cleanly(battles: list[BattleResult]) -> None:
    for result in battles:
        check_summary(summarize(result.log, scenario="manhattan-recon", seed=result.seed))


def test_both_squadrons_are_off_the_deck_in_about_five_minutes(battles: list[BattleResult]) -> None:
    for result in battles:
        ours = [e.time_s for e in result.log.of_kind(EventKind.LAUNCH) if e.details["side"] == "air_command"]
        assert len(ours) == 16
        assert max(ours) - min(ours) <= 5.5 * 60


def test_the_skyline_comes_up_about_thirty_minutes_out(battles: list[BattleResult]) -> None:
    for result in battles:
        course = min(e.time_s for e in result.log.of_kind(EventKind.COURSE_SET))
        contact = min(e.time_s for e in result.log.of_kind(EventKind.CONTACT))
        assert 25 * 60 <= contact - course <= 35 * 60


def test_the_swarm_pours_out_of_two_doors_once_the_intruders_are_committed(battles: list[BattleResult]) -> None:
    for result in battles:
        doors = result.log.of_kind(EventKind.SWARM_LAUNCH)
        assert sorted(e.details["door"] for e in doors) == [0, 1]
        assert sum(e.details["craft"] for e in doors) == 107  # every defender of the calibrated scenario
        first_contact = min(e.time_s for e in result.log.of_kind(EventKind.CONTACT))
        assert doors[0].time_s >= first_contact - 60.0


def test_the_guardians_bring_lgfs_down_and_most_come_home(battles: list[BattleResult]) -> None:
    ours_lost, theirs_lost = [], []
    for result in battles:
        summary = summarize(result.log, scenario="manhattan-recon", seed=result.seed)
        ours_lost.append(summary.sides.air_command.lost)
        theirs_lost.append(summary.sides.lgf.lost)
        assert summary.sides.lgf.lost > 0
    assert sum(ours_lost) / len(ours_lost) < 8, ours_lost
    assert sum(theirs_lost) > 2 * sum(ours_lost), (theirs_lost, ours_lost)


def test_photos_count_only_when_their_aircraft_gets_home(battles: list[BattleResult]) -> None:
    brought_home = 0
    for result in battles:
        summary = summarize(result.log, scenario="manhattan-recon", seed=result.seed)
        recovered = sum(e.details["photos"] for e in result.log.of_kind(EventKind.RECOVERED))
        assert summary.photos_returned == recovered
        for pilot in summary.pilots:
            if pilot.status not in ("returned", "wounded"):
                assert pilot.photos_returned == 0
        brought_home += recovered
    assert brought_home > 0


def test_the_ship_reaches_into_susceptible_minds_most(battles: list[BattleResult]) -> None:
    blackouts: Counter[str] = Counter()
    for result in battles:
        names = _by_callsign(result)
        for e in result.log.of_kind(EventKind.BLACKOUT):
            blackouts[names[e.actor]] += 1
    assert blackouts["Slayer five"] >= 1
    others = [n for callsign, n in blackouts.items() if callsign != "Slayer five"]
    assert blackouts["Slayer five"] >= max(others, default=0)


def test_a_blacked_out_pilot_spins_and_fights_out_of_it_or_spins_in(battles: list[BattleResult]) -> None:
    for result in battles:
        for blackout in result.log.of_kind(EventKind.BLACKOUT):
            later = [e for e in result.log if e.actor == blackout.actor and e.time_s >= blackout.time_s]
            kinds = {e.kind for e in later}
            assert kinds & {EventKind.SPIN_RECOVERED, EventKind.CRASH, EventKind.DESTROYED, EventKind.AIRBORNE_AT_END}


def test_some_lgfs_force_a_pilot_down_rather_than_kill_her(battles: list[BattleResult]) -> None:
    forced = [e for r in battles for e in r.log.of_kind(EventKind.FORCE_DOWN)]
    assert forced, "no force-down in any of the seeds"
    for result in battles:
        for landing in result.log.of_kind(EventKind.FORCED_LANDING):
            assert landing.details["outcome"] in ("landed", "crashed")
            if landing.details["captured"]:
                assert any(e.actor == landing.actor for e in result.log.of_kind(EventKind.FORCE_DOWN))


def test_pilots_call_in_and_call_mayday_in_their_own_callsigns(battles: list[BattleResult]) -> None:
    for result in battles:
        names = _by_callsign(result)
        for e in result.log.of_kind(EventKind.RADIO, EventKind.MAYDAY):
            assert e.details["callsign"] == names[e.actor]
            if e.kind == EventKind.MAYDAY and not e.details["cut"]:
                assert e.details["text"].startswith(f"Mayday, mayday, {names[e.actor]}")


def test_pilots_turn_for_home_with_fuel_to_get_there(battles: list[BattleResult]) -> None:
    home_fuel = [e.details["fuel_kg"] for r in battles for e in r.log.of_kind(EventKind.RECOVERED)]
    assert home_fuel
    assert min(home_fuel) >= 0.0
    assert sorted(home_fuel)[len(home_fuel) // 2] < 1200.0  # most come home with little to spare


def test_a_pilot_is_forced_down_only_over_land_where_she_can_be_taken(battles: list[BattleResult]) -> None:
    theatre = build_world(load_scenario("manhattan-recon"), [1]).theatre
    forced = [e for r in battles for e in r.log.of_kind(EventKind.FORCE_DOWN)]
    assert forced
    for e in forced:
        x, y, _ = e.position_m
        assert theatre.on_land(np.array([x]), np.array([y]))[0], e


def test_a_photo_pilot_short_of_her_pictures_keeps_her_own_reserve() -> None:
    base = load_scenario("manhattan-recon")
    doctrine = base.scenario.doctrine

    def bingo(photo_reserve_kg: float) -> tuple[float, float]:
        update = {"doctrine": doctrine.model_copy(update={"photo_reserve_fuel_kg": photo_reserve_kg})}
        world = build_world(base.model_copy(update={"scenario": base.scenario.model_copy(update=update)}), [1])
        camera = int(np.flatnonzero(world.camera)[0])
        fighter = int(np.flatnonzero(~world.camera & (world.side == AIR_COMMAND))[0])
        rows = np.array([camera, fighter])
        world.x_m[rows], world.y_m[rows] = 0.0, 0.0  # both over the Battery
        short = bingo_fuel_kg(world, rows)
        world.photos[camera] = base.scenario.mission.photos_wanted  # her pictures taken
        done = bingo_fuel_kg(world, rows)
        assert done[0] == pytest.approx(short[1])  # then she keeps everyone's reserve
        return float(short[0]), float(short[1])

    camera_low, fighter = bingo(100.0)
    camera_high, same_fighter = bingo(900.0)
    assert fighter == same_fighter
    assert camera_high - camera_low == pytest.approx(800.0)
    assert camera_low == pytest.approx(fighter - doctrine.reserve_fuel_kg + 100.0)
