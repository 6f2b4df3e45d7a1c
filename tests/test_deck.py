"""The carriers' deck cycle: off the bow one at a time after the all-clear, back aboard one at a time on a
wire (or a bolter and round again), refuelled and rearmed by the deck crews, the shot-up struck below, and
every aircraft of every carrier accounted for at every tick."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from captainred.doctrine.modes import Mode
from captainred.engine.checks import StepChecker, WorldInvariantError, check_determinism, check_step, snapshot
from captainred.engine.events import EventKind
from captainred.engine.setup import build_world
from captainred.engine.world import Status, Sub, World
from captainred.fleet.carrier_deck import (
    GROOVE_ALTITUDE_M,
    CarrierDeck,
    DeckPlace,
    approach,
    check_deck,
    deck_counts,
    repair_hours,
)
from captainred.report import check_summary, summarize
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import BattleResult, Simulation

SEEDS = list(range(60))
ODYSSEUS = 0


def with_deck(world: World) -> Simulation:
    return Simulation(world, deck=CarrierDeck(world))


def fight_checked(resolved: ResolvedScenario, seeds: list[int]) -> tuple[World, list[BattleResult]]:
    """Fight to the end with the deck cycle, checking the engine's rules and the deck's law every step."""
    world = build_world(resolved, seeds)
    sim = with_deck(world)
    checker = StepChecker(world)
    check_deck(world)
    while not sim.finished:
        sim.step()
        checker.check()
        check_deck(world)
    assert checker.steps_checked == sim.steps > 100
    return world, sim.results()


@pytest.fixture(scope="module")
def skirmishes(skirmish: ResolvedScenario) -> tuple[World, list[BattleResult]]:
    return fight_checked(skirmish, [1, 2, 3])


def in_the_groove(world: World, row: int, *, fuel_kg: float, tail: float = 1.0, skill: float | None = None) -> None:
    """Put a Guardian in the landing pattern of her carrier, on her way home."""
    b, c = int(world.battle[row]), int(world.home_carrier[row])
    world.status[row] = Status.AIRBORNE
    world.deck_place[row] = DeckPlace.IN_AIR
    world.sorties[row] = 1
    world.x_m[row], world.y_m[row] = world.carrier_xy[b, c] + np.array([600.0, -700.0])
    world.z_m[row] = GROOVE_ALTITUDE_M - 150.0
    world.speed_mps[row] = 1.2 * world.stall_speed_mps[row]
    world.mode[row] = Mode.RETURN
    world.fuel_kg[row] = fuel_kg
    world.health[row, Sub.TAIL] = world.health[row, Sub.RUDDER] = tail
    if skill is not None:
        world.skill[row] = skill


def recover_now(world: World, deck: CarrierDeck) -> None:
    deck.recover(world, np.ones(world.n, dtype=bool), world.mode == Mode.RETURN)


def first_rows(world: World) -> np.ndarray:
    return world.row_start.copy()


# ------------------------------------------------------------------------------------------ whole battles


def test_every_aircraft_is_accounted_for_at_every_tick_of_a_skirmish(
    skirmishes: tuple[World, list[BattleResult]],
) -> None:
    world, results = skirmishes
    counts = deck_counts(world)
    assert (counts.started == 4).all()
    assert (counts.airborne + counts.on_deck + counts.hangar + counts.lost == 4).all()
    for result in results:
        check_summary(summarize(result.log, scenario="skirmish", seed=result.seed).to_json())


@pytest.mark.slow
def test_every_aircraft_is_accounted_for_at_every_tick_of_the_manhattan_recon(recon: ResolvedScenario) -> None:
    world, results = fight_checked(recon, [101])
    assert deck_counts(world).of(0, "Odysseus")["started"] == 16
    kinds = results[0].log.counts()
    assert kinds["launch"] - kinds.get("swarm_launch", 0) > 0
    assert kinds.get("wire_caught", 0) == kinds.get("recovered", 0) > 0


def test_launches_follow_the_all_clear_one_at_a_time(skirmishes: tuple[World, list[BattleResult]]) -> None:
    world, results = skirmishes
    spec = world.scenario.catalog.carriers["Odysseus"]
    for result in results:
        log = list(result.log)
        clear = [e for e in log if e.kind is EventKind.ALL_CLEAR]
        cleared = [e for e in log if e.kind is EventKind.DECK_CLEARED]
        ours = [e for e in log if e.kind is EventKind.LAUNCH and e.details["side"] == "air_command"]
        assert len(clear) == len(cleared) == 1 and cleared[0].details["aircraft"] == 4
        assert all(e.details["base"] == "Odysseus" for e in ours)
        assert ours[0].time_s >= clear[0].time_s + spec.preflight_s - 1e-9
        gaps = np.diff([e.time_s for e in ours])
        assert (gaps >= spec.launch_interval_s - 1e-9).all()


def test_recoveries_come_one_at_a_time_each_on_a_wire(skirmishes: tuple[World, list[BattleResult]]) -> None:
    world, results = skirmishes
    spec = world.scenario.catalog.carriers["Odysseus"]
    landed = 0
    for result in results:
        log = list(result.log)
        recovered = [e for e in log if e.kind is EventKind.RECOVERED]
        wires = {e.actor: e for e in log if e.kind is EventKind.WIRE_CAUGHT}
        for event in recovered:
            assert wires[event.actor].details["wire"] == event.details["wire"] in (1, 2, 3, 4)
            assert wires[event.actor].tick == event.tick
        gaps = np.diff([e.time_s for e in recovered])
        assert (gaps >= spec.recovery_interval_s - 1e-9).all()
        landed += len(recovered)
    assert landed > 0


@pytest.mark.slow
def test_a_battle_with_the_deck_cycle_is_the_same_alone_and_in_a_batch(skirmish: ResolvedScenario) -> None:
    report = check_determinism(skirmish, 2, steps=5000, others=[7, 8, 9], stepper=with_deck)
    assert report.finished and report.events > 50


# ------------------------------------------------------------------------------------------- the story


def test_captain_red_can_land_on_fumes_on_the_last_wire(skirmish: ResolvedScenario) -> None:
    world = build_world(skirmish, SEEDS)
    deck = CarrierDeck(world)
    rows = first_rows(world)
    for row in rows.tolist():
        in_the_groove(world, row, fuel_kg=40.0, tail=0.3, skill=0.95)
    recover_now(world, deck)
    last_wire = [
        e
        for log in world.logs
        for e in log.of_kind(EventKind.WIRE_CAUGHT)
        if e.details["wire"] == 4 and e.details["fuel_kg"] < 100.0
    ]
    assert last_wire, "no seed brought her aboard on the last wire"
    # With 40 kg she cannot go round: every approach ends aboard or in the sea.
    outcomes = world.status[rows]
    assert set(outcomes.tolist()) <= {Status.RETURNED, Status.LOST}
    ditched = [e for log in world.logs for e in log.of_kind(EventKind.DITCHED)]
    assert all(e.details["cause"] == "bolter with no fuel to go round" for e in ditched)
    check_deck(world)


def test_a_badly_damaged_aircraft_cannot_fly_again_that_day(skirmish: ResolvedScenario) -> None:
    world = build_world(skirmish, SEEDS[:20])
    deck = CarrierDeck(world)
    rows = first_rows(world)
    for row in rows.tolist():
        in_the_groove(world, row, fuel_kg=600.0, tail=0.3)
        world.health[row, Sub.ENGINE_PORT] = 0.0
        world.health[row, Sub.WING_STARBOARD] = 0.5
    recover_now(world, deck)
    grounded = [e for log in world.logs for e in log.of_kind(EventKind.GROUNDED)]
    assert grounded
    assert all(e.details["hours"] > 12 for e in grounded)
    aboard = rows[world.status[rows] == Status.RETURNED]
    assert (world.deck_place[aboard] == DeckPlace.HANGAR).all()
    # A day later (the mechanics were busy with her all along) she is still below.
    active = np.ones(world.n, dtype=bool)
    world.time_s[:] += 12 * 3600.0
    deck.turnaround(world, active)
    world.time_s[:] += 1.0
    deck.turnaround(world, active)
    assert (world.status[aboard] == Status.RETURNED).all()
    world.time_s[:] += 10 * 86400.0  # the worst of them, hard landing and all, is done by now
    deck.turnaround(world, active)
    assert (world.status[aboard] == Status.READY).all()
    assert (world.health[aboard] == 1.0).all()
    assert sum(len(log.of_kind(EventKind.REPAIRED)) for log in world.logs) == len(aboard)


# ------------------------------------------------------------------------------------------- recovery


def test_lowest_fuel_lands_first_and_only_one_at_a_time(skirmish: ResolvedScenario) -> None:
    world = build_world(skirmish, [5])
    deck = CarrierDeck(world)
    in_the_groove(world, 0, fuel_kg=900.0)
    in_the_groove(world, 1, fuel_kg=300.0)
    in_the_groove(world, 2, fuel_kg=600.0)
    recover_now(world, deck)
    tried = [e.actor for e in world.logs[0] if e.kind in (EventKind.WIRE_CAUGHT, EventKind.BOLTER)]
    assert tried == [1]
    # The deck is foul: nobody else comes aboard until it is clear.
    recover_now(world, deck)
    assert [e.actor for e in world.logs[0] if e.kind in (EventKind.WIRE_CAUGHT, EventKind.BOLTER)] == [1]
    world.time_s[0] = world.deck_free_s[0, ODYSSEUS]
    recover_now(world, deck)
    tried = [e.actor for e in world.logs[0] if e.kind in (EventKind.WIRE_CAUGHT, EventKind.BOLTER)]
    assert tried[1] == 2


def test_nobody_lands_while_a_launch_is_running(skirmish: ResolvedScenario) -> None:
    world = build_world(skirmish, [5])
    deck = CarrierDeck(world)
    in_the_groove(world, 0, fuel_kg=300.0)
    world.all_clear_s[0, ODYSSEUS] = 0.0
    recover_now(world, deck)
    assert world.status[0] == Status.AIRBORNE and not len(world.logs[0])


def test_a_bolter_goes_round_again_and_waits_its_turn(skirmish: ResolvedScenario) -> None:
    world = build_world(skirmish, SEEDS)
    deck = CarrierDeck(world)
    rows = first_rows(world)
    for row in rows.tolist():
        in_the_groove(world, row, fuel_kg=800.0, tail=0.2, skill=0.5)
    recover_now(world, deck)
    bolters = [(b, e) for b, log in enumerate(world.logs) for e in log.of_kind(EventKind.BOLTER)]
    assert bolters
    for b, event in bolters:
        row = int(world.row_start[b]) + event.actor
        assert event.details["go_around"] is True
        assert world.status[row] == Status.AIRBORNE and world.mode[row] == Mode.RETURN
        assert world.deck_ready_s[row] > world.time_s[b]
    # Going round, she may not try again yet, even with the deck clear.
    world.deck_free_s[:] = 0.0
    before = sum(len(log) for log in world.logs)
    recover_now(world, deck)
    assert sum(len(log) for log in world.logs) == before
    check_deck(world)


def test_the_approach_draw_reads_like_the_deck() -> None:
    u = np.linspace(0.0, 0.999, 400)
    ones = np.ones_like(u)
    steady = approach(0.9 * ones, ones, 2000.0 * ones, u, 0.5 * ones, 0.9 * ones)
    assert (steady.wire >= 1).all() and not steady.hard.any()
    assert set(steady.wire.tolist()) <= {2, 3, 4}
    shaky = approach(0.5 * ones, 0.2 * ones, 2000.0 * ones, u, 0.5 * ones, 0.9 * ones)
    fumes = approach(0.9 * ones, ones, 40.0 * ones, u, 0.5 * ones, 0.9 * ones)
    assert (shaky.wire == 0).mean() > (steady.wire == 0).mean()
    assert fumes.wire[fumes.wire > 0].mean() > steady.wire.mean()
    skipped = approach(0.9 * ones[:1], ones[:1], ones[:1] * 2000.0, u[:1] + 0.5, np.zeros(1), 0.9 * ones[:1])
    assert skipped.wire[0] == 0


def test_repairs_take_longer_the_worse_the_damage() -> None:
    health = np.ones((3, len(Sub)))
    health[1, Sub.RADIO] = 0.5
    health[2, Sub.ENGINE_PORT] = 0.0
    health[2, Sub.TAIL] = 0.3
    hours = repair_hours(health)
    assert hours[0] == 0.0 < hours[1] < 12.0 < hours[2]


# ------------------------------------------------------------------------------------------- aboard


def test_deck_crews_refuel_and_rearm_one_aircraft_each_in_no_less_than_five_minutes(
    recon: ResolvedScenario,
) -> None:
    world = build_world(recon, [1])
    deck = CarrierDeck(world)
    crews = world.scenario.catalog.carriers["Odysseus"].deck_crews
    rows = list(range(crews + 1))
    for row in rows:
        in_the_groove(world, row, fuel_kg=200.0)
        world.rounds[row] = 0.0
        world.rockets[row] = 0
        deck.land(world, row, wire=3)
    active = np.ones(world.n, dtype=bool)
    deck.turnaround(world, active)
    started = np.isfinite(world.deck_ready_s[rows])
    assert started.sum() == crews  # the last waits for a crew
    full = world.scenario.catalog.aircraft["Guardian"].fuel_kg
    assert full is not None
    first_done = float(world.deck_ready_s[0])
    assert first_done >= 300.0 and first_done >= (full - 200.0) / 12.0 - 1e-9
    world.time_s[0] = first_done - 1.0
    deck.turnaround(world, active)
    assert (world.status[rows] == Status.RETURNED).all()
    world.time_s[0] = first_done
    deck.turnaround(world, active)
    assert (world.status[rows[:crews]] == Status.READY).all()
    assert np.isfinite(world.deck_ready_s[rows[-1]])  # a crew freed took the last one on
    assert world.fuel_kg[0] == full and world.rounds[0] > 0 and world.rockets[0] == 4
    refuelled = world.logs[0].of_kind(EventKind.REFUELLED)
    assert len(refuelled) == crews and all(e.details["seconds"] >= 300.0 for e in refuelled)
    check_deck(world)


def test_a_wounded_pilot_goes_to_the_sick_bay(recon: ResolvedScenario) -> None:
    world = build_world(recon, [1])
    deck = CarrierDeck(world)
    in_the_groove(world, 0, fuel_kg=500.0)
    world.wounded[0] = True
    world.health[0, Sub.PILOT] = 0.4
    deck.land(world, 0, wire=2)
    (sick,) = world.logs[0].of_kind(EventKind.SICK_BAY)
    assert sick.details["days"] >= 3 and sick.details["pilot"]
    assert world.sick_bay_until_s[0] >= 3 * 86400.0


def test_an_aircraft_beyond_repair_is_struck_off_and_counted_lost(recon: ResolvedScenario) -> None:
    world = build_world(recon, [1])
    deck = CarrierDeck(world)
    in_the_groove(world, 0, fuel_kg=500.0)
    world.health[0, Sub.AIRFRAME] = 0.1
    deck.land(world, 0, wire=1)
    assert world.logs[0].of_kind(EventKind.STRUCK_OFF)
    assert deck_counts(world).of(0, "Odysseus")["lost"] == 1
    check_deck(world)


def test_a_damaged_aircraft_may_not_recover_from_the_drop_off_the_bow(skirmish: ResolvedScenario) -> None:
    world = build_world(skirmish, SEEDS)
    deck = CarrierDeck(world)
    rows = first_rows(world)
    world.health[rows, Sub.ENGINE_PORT] = 0.1
    world.health[rows, Sub.WING_PORT] = 0.3
    world.launch_at_s[:] = np.where(world.home_carrier >= 0, 0.0, world.launch_at_s)
    active = np.ones(world.n, dtype=bool)
    deck.launch(world, active)  # the deck cleared and the all-clear flag
    world.time_s[:] = 30.0
    world.tick[:] = 1
    deck.launch(world, active)
    assert (world.sorties[rows] == 1).all() and (world.sorties[rows + 1] == 0).all()
    ditched = [e for log in world.logs for e in log.of_kind(EventKind.DITCHED)]
    assert 0 < len(ditched) < len(SEEDS)
    assert all("bow" in e.details["cause"] for e in ditched)
    # A sound aircraft always makes it.
    world.time_s[:] = 60.0
    world.tick[:] = 2
    deck.launch(world, active)
    assert (world.status[rows + 1] == Status.AIRBORNE).all()
    check_deck(world)


# ------------------------------------------------------------------------------------------- checkers


def test_the_deck_checker_catches_an_aircraft_that_left_without_the_deck(world: World) -> None:
    check_deck(world)
    world.status[0] = Status.AIRBORNE  # launched by hand: the deck still has her
    with pytest.raises(WorldInvariantError) as caught:
        check_deck(world)
    assert caught.value.rule == "deck_conservation"


def test_the_deck_checker_catches_an_overfull_hangar(world: World) -> None:
    world.status[:4] = Status.RETURNED
    world.deck_place[:4] = DeckPlace.HANGAR
    check_deck(world)  # four fit
    with pytest.raises(WorldInvariantError) as caught:
        _with_hangar_capacity(world, 3, check_deck)
    assert caught.value.rule == "hangar_capacity"


def _with_hangar_capacity(world: World, capacity: int, check: Callable[[World], object]) -> None:
    catalog = world.scenario.catalog
    carriers = dict(catalog.carriers)
    carriers["Odysseus"] = carriers["Odysseus"].model_copy(update={"hangar_capacity": capacity})
    world.scenario = world.scenario.model_copy(update={"catalog": catalog.model_copy(update={"carriers": carriers})})
    check(world)


def test_refuelling_aboard_is_allowed_but_not_in_the_air(world: World, airborne: Callable[..., int]) -> None:
    world.status[0] = Status.RETURNED
    world.fuel_kg[0] = 100.0
    before = snapshot(world)
    world.fuel_kg[0] = 3600.0
    world.rounds[0] += 10
    world.status[0] = Status.READY
    world.tick += 1
    world.time_s += world.dt_s
    check_step(before, snapshot(world))

    airborne(world, 1)
    before = snapshot(world)
    world.fuel_kg[1] += 1.0
    world.tick += 1
    world.time_s += world.dt_s
    with pytest.raises(WorldInvariantError) as caught:
        check_step(before, snapshot(world))
    assert caught.value.rule == "fuel_never_increases"
