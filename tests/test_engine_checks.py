"""The invariant checkers themselves: a healthy World passes, and every deliberately broken one raises,
naming the rule it broke (as Gymnasium tests its env_checker on broken environments)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from captainred.engine.checks import (
    StepChecker,
    WorldInvariantError,
    check_step,
    check_world,
    snapshot,
)
from captainred.engine.events import EventKind
from captainred.engine.launch import put_in_air
from captainred.engine.world import Status, Sub, World
from captainred.simulation import Simulation

GUARDIAN, LGF_ROW = 0, 4


def broken(rule: str) -> Any:
    """`with broken("rule"):` expects a WorldInvariantError naming that rule."""
    return pytest.raises(WorldInvariantError, match=f"^{rule}:")


# ------------------------------------------------------------------------------------------- one state


def test_a_fresh_world_passes(world: World) -> None:
    check_world(world)


def test_a_world_in_the_middle_of_a_fight_passes(world: World, airborne: Callable[..., int]) -> None:
    airborne(world, GUARDIAN)
    airborne(world, LGF_ROW, y_m=-14_500.0)
    world.health[GUARDIAN, Sub.ENGINE_PORT] = 0.0
    world.fuel_kg[GUARDIAN] = 0.0
    world.rounds[GUARDIAN] = 0.0
    check_world(world)


@pytest.mark.parametrize(
    ("rule", "breakage"),
    [
        ("fuel_non_negative", lambda w: w.fuel_kg.__setitem__(GUARDIAN, -0.5)),
        ("fuel_non_negative", lambda w: w.fuel_kg.__setitem__(GUARDIAN, np.nan)),
        ("fuel_within_capacity", lambda w: w.fuel_kg.__setitem__(GUARDIAN, w.types[0].fuel_kg + 1.0)),
        ("fuel_within_capacity", lambda w: w.fuel_kg.__setitem__(LGF_ROW, 10.0)),  # an LGF has no tank
        ("rounds_non_negative", lambda w: w.rounds.__setitem__(GUARDIAN, -1.0)),
        ("rockets_non_negative", lambda w: w.rockets.__setitem__(GUARDIAN, -2)),
        ("health_in_unit_interval", lambda w: w.health.__setitem__((GUARDIAN, Sub.RADIO), 1.5)),
        ("health_in_unit_interval", lambda w: w.health.__setitem__((GUARDIAN, Sub.TAIL), -0.1)),
        ("health_in_unit_interval", lambda w: w.health.__setitem__((GUARDIAN, Sub.PILOT), np.nan)),
        ("stable_craft_ids", lambda w: w.craft.__setitem__(3, 2)),
        ("battle_in_range", lambda w: w.battle.__setitem__(3, 7)),
        ("status_valid", lambda w: w.status.__setitem__(3, 9)),
        ("angles_kept", lambda w: w.heading_rad.__setitem__(3, 0.5)),
        ("angles_kept", lambda w: w.gamma_rad.__setitem__(GUARDIAN, -0.1)),
    ],
)
def test_a_broken_state_on_deck_is_caught(world: World, rule: str, breakage: Callable[[World], None]) -> None:
    breakage(world)
    with broken(rule):
        check_world(world)


def test_speed_above_the_top_speed_is_caught(world: World, airborne: Callable[..., int]) -> None:
    row = airborne(world, GUARDIAN)
    world.speed_mps[row] = world.max_speed_mps[row] * (1 + 1e-6)
    with broken("airborne_speed_in_envelope") as error:
        check_world(world)
    assert error.value.rows == (row,)
    assert "'Devil one'" in str(error.value)


def test_a_craft_hanging_still_in_the_air_is_caught(world: World, airborne: Callable[..., int]) -> None:
    airborne(world, GUARDIAN, speed_mps=0.0)
    with broken("airborne_speed_in_envelope"):
        check_world(world)


def test_top_speed_itself_is_allowed(world: World, airborne: Callable[..., int]) -> None:
    row = airborne(world, GUARDIAN)
    world.speed_mps[row] = world.max_speed_mps[row]
    check_world(world)


def test_a_craft_inside_a_building_is_caught(world: World, airborne: Callable[..., int]) -> None:
    # A Midtown tower (307 m) stands at x = -1500, y = 5000..5039.
    tower = float(world.theatre.ground_height_m(np.array([-1500.0]), np.array([5010.0]))[0])
    assert tower > 100.0
    airborne(world, GUARDIAN, x_m=-1500.0, y_m=5010.0, z_m=100.0)
    with broken("airborne_above_ground") as error:
        check_world(world)
    assert "inside a building" in str(error.value)


def test_a_craft_under_the_sea_is_caught(world: World, airborne: Callable[..., int]) -> None:
    airborne(world, GUARDIAN, z_m=-3.0)
    with broken("airborne_above_sea_level"):
        check_world(world)


def test_an_air_command_craft_inside_the_mother_ship_is_caught(world: World, airborne: Callable[..., int]) -> None:
    assert world.ship_xyz is not None
    sx, sy, sz = world.ship_xyz
    airborne(world, GUARDIAN, x_m=sx, y_m=sy, z_m=sz)
    with broken("air_command_outside_ship_hull"):
        check_world(world)


def test_a_nan_position_in_the_air_is_caught(world: World, airborne: Callable[..., int]) -> None:
    row = airborne(world, GUARDIAN)
    world.heading_rad[row] = np.nan
    with broken("airborne_state_finite"):
        check_world(world)


@pytest.mark.parametrize("status", [Status.LOST, Status.RETURNED])
@pytest.mark.parametrize("array", ["trigger", "firing"])
def test_a_gone_craft_with_its_guns_going_is_caught(world: World, status: Status, array: str) -> None:
    world.status[GUARDIAN] = status
    getattr(world, array)[GUARDIAN] = True
    with broken("gone_craft_do_not_fire"):
        check_world(world)


# ------------------------------------------------------------------------------------------- one step


def stepped(world: World, change: Callable[[World], None]) -> None:
    """Advance the clocks by one tick (as the step loop does), apply `change`, and check the step."""
    before = snapshot(world)
    world.time_s += world.dt_s
    world.tick += 1
    change(world)
    check_step(before, snapshot(world))


def test_a_quiet_step_passes(world: World) -> None:
    stepped(world, lambda w: None)


def test_a_whole_step_of_the_simulation_passes(world: World) -> None:
    sim = Simulation(world)
    checker = StepChecker(world)
    for _ in range(400):  # past the first launches off the deck
        sim.step()
        checker.check()
    assert checker.steps_checked == 400
    assert (world.status == Status.AIRBORNE).any()


def test_a_lost_craft_that_moved_is_caught(world: World, airborne: Callable[..., int]) -> None:
    airborne(world, GUARDIAN)
    world.status[GUARDIAN] = Status.LOST
    with broken("gone_craft_do_not_move"):
        stepped(world, lambda w: w.x_m.__setitem__(GUARDIAN, w.x_m[GUARDIAN] + 1.0))


def test_a_lost_craft_that_came_back_is_caught(world: World) -> None:
    world.status[GUARDIAN] = Status.LOST
    with broken("lost_is_final"):
        stepped(world, lambda w: w.status.__setitem__(GUARDIAN, Status.AIRBORNE))


def test_a_craft_on_deck_that_moved_is_caught(world: World) -> None:
    with broken("ready_craft_stay_put"):
        stepped(world, lambda w: w.y_m.__setitem__(GUARDIAN, w.y_m[GUARDIAN] + 5.0))


def test_a_craft_that_left_the_deck_without_a_launch_is_caught(world: World) -> None:
    before = snapshot(world)
    world.time_s += world.dt_s
    world.tick += 1
    world.status[GUARDIAN] = Status.AIRBORNE
    no_launches = np.zeros(world.n, dtype=bool)
    with broken("ready_leaves_only_by_launch"):
        check_step(before, snapshot(world), no_launches)


def test_a_proper_launch_passes(world: World) -> None:
    checker = StepChecker(world)
    world.time_s += world.dt_s
    world.tick += 1
    rows = np.array([GUARDIAN])
    put_in_air(world, rows, world.x_m[rows], world.y_m[rows], world.z_m[rows] + 5, np.zeros(1), np.full(1, 80.0), "x")
    assert world.logs[0][-1].kind == EventKind.LAUNCH
    checker.check()


@pytest.mark.parametrize(
    ("rule", "change"),
    [
        ("fuel_never_increases", lambda w: w.fuel_kg.__setitem__(GUARDIAN, w.fuel_kg[GUARDIAN] + 1e-6)),
        ("rounds_never_increase", lambda w: w.rounds.__setitem__(GUARDIAN, w.rounds[GUARDIAN] + 1.0)),
        ("rockets_never_increase", lambda w: w.rockets.__setitem__(GUARDIAN, w.rockets[GUARDIAN] + 1)),
    ],
)
def test_fuel_and_ammunition_that_come_back_are_caught(
    world: World, rule: str, change: Callable[[World], None]
) -> None:
    with broken(rule):
        stepped(world, change)


def test_a_craft_waiting_on_deck_is_not_touched(world: World) -> None:
    world.health[GUARDIAN, Sub.TAIL] = 0.5
    with broken("ready_craft_unchanged"):
        stepped(world, lambda w: w.health.__setitem__((GUARDIAN, Sub.TAIL), 1.0))


def test_an_airborne_repair_is_caught(world: World, airborne: Callable[..., int]) -> None:
    airborne(world, GUARDIAN)
    world.health[GUARDIAN, Sub.WING_PORT] = 0.4
    with broken("no_repairs_in_the_air"):
        stepped(world, lambda w: w.health.__setitem__((GUARDIAN, Sub.WING_PORT), 0.6))


def test_a_teleport_is_caught(world: World, airborne: Callable[..., int]) -> None:
    airborne(world, GUARDIAN)
    jump = float(world.max_speed_mps[GUARDIAN] * world.dt_s[0]) + 1.0
    with broken("no_faster_than_top_speed"):
        stepped(world, lambda w: w.x_m.__setitem__(GUARDIAN, w.x_m[GUARDIAN] + jump))


def test_a_skipped_tick_is_caught(world: World) -> None:
    before = snapshot(world)
    world.time_s += world.dt_s
    world.tick += 2
    with broken("tick_advances_by_one"):
        check_step(before, snapshot(world))


def test_a_clock_that_drifts_from_its_dt_is_caught(world: World) -> None:
    before = snapshot(world)
    world.time_s += world.dt_s + 1e-9
    world.tick += 1
    with broken("time_advances_by_dt"):
        check_step(before, snapshot(world))


def test_an_ended_battle_must_stand_still(world: World) -> None:
    world.done[0] = True
    before = snapshot(world)
    world.tick += 1
    with broken("tick_advances_by_one"):
        check_step(before, snapshot(world))


def test_the_step_checker_says_which_step_broke(world: World) -> None:
    sim = Simulation(world)
    checker = StepChecker(world)
    for _ in range(3):
        sim.step()
        checker.check()
    sim.step()
    world.fuel_kg[GUARDIAN] = -1.0
    with pytest.raises(WorldInvariantError, match="after step 4") as error:
        checker.check()
    assert error.value.rule in {"fuel_non_negative", "fuel_never_increases"}
