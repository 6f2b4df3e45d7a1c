"""What rules take of the scenario every tick is gathered once for each World (`world.constant`)."""

from __future__ import annotations

from captainred.doctrine.evasion import evasion_rules
from captainred.doctrine.fighting import fight_rules
from captainred.doctrine.piloting import break_off_rules, fuel_rules
from captainred.engine.setup import build_world
from captainred.engine.world import World, constant
from captainred.scenario import load_scenario


def test_a_constant_is_gathered_once_for_each_world() -> None:
    resolved = load_scenario("manhattan-recon")
    one, other = build_world(resolved, [1]), build_world(resolved, [2])
    gathered: list[World] = []

    @constant
    def engage_range(world: World) -> float:
        gathered.append(world)
        return float(world.plan.doctrine.engage_range_m)

    assert engage_range(one) == engage_range(one) == resolved.scenario.doctrine.engage_range_m
    assert engage_range(other) == resolved.scenario.doctrine.engage_range_m
    assert gathered == [one, other]


def test_the_rules_constants_are_the_scenarios() -> None:
    resolved = load_scenario("manhattan-recon")
    world = build_world(resolved, [1])
    doctrine, mission = resolved.scenario.doctrine, resolved.scenario.mission
    assert fight_rules(world)[:3] == (
        1.5 * doctrine.engage_range_m,
        2 * doctrine.engage_range_m,
        0.7 * mission.photo_range_m,
    )
    assert evasion_rules(world)[0] == doctrine.evade_range_m
    assert fuel_rules(world)[1] == doctrine.reserve_fuel_kg
    breaks = break_off_rules(world)
    assert breaks[:3] == (doctrine.engage_range_m, doctrine.joker_fuel_kg, mission.time_over_target_s)
    assert breaks[3:] == tuple(rule in mission.break_off for rule in ("fuel", "ammunition", "photos", "time", "damage"))
    assert fight_rules(world) is fight_rules(world)  # kept, not gathered again
