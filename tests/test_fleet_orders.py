"""The fleet under way and the orders it gives: steaming, launching on range, the radial patrol."""

from __future__ import annotations

import numpy as np
import pytest

from captainred.doctrine.formation import fly_formation, station_point
from captainred.doctrine.modes import Mode
from captainred.engine.events import EventKind
from captainred.engine.kinematics import keep_angles
from captainred.engine.setup import build_world
from captainred.engine.world import AIR_COMMAND, Status, fleet_centre
from captainred.report import check_summary, summarize
from captainred.scenario import ScenarioError, load_scenario, resolve
from captainred.simulation import Simulation, run_battles

MILE_M = 1609.344


@pytest.fixture(scope="module")
def circuit() -> dict[str, object]:
    """The fifty-mile circuit flown once, with the Devils' track round the (moving) fleet recorded."""
    sim = Simulation(build_world(load_scenario("fifty-mile-circuit"), [11]))
    w = sim.world
    bearings, ranges, fleet_y = [], [], []
    while not sim.finished:
        sim.step()
        up = np.flatnonzero(w.airborne & (w.side == AIR_COMMAND))
        if len(up):
            centre = fleet_centre(w)[0]
            dx, dy = w.x_m[up] - centre[0], w.y_m[up] - centre[1]
            bearings.append(float(np.arctan2(dx[0], dy[0])))
            ranges.append(float(np.hypot(dx, dy).max()))
            fleet_y.append(float(centre[1]))
    return {"result": sim.results()[0], "bearings": np.array(bearings), "ranges": np.array(ranges), "fleet_y": fleet_y}


def test_the_devils_fly_fifty_miles_out_round_the_fleet_and_home(circuit: dict[str, object]) -> None:
    result = circuit["result"]
    summary = summarize(result.log, scenario="fifty-mile-circuit", seed=11)  # type: ignore[attr-defined]
    check_summary(summary.to_json())
    assert summary.to_json()["sides"]["air_command"] == {
        "launched": 8,
        "sorties": 8,
        "lost": 0,
        "returned": 8,
        "airborne": 0,
        "kills": 0,
    }
    ranges = circuit["ranges"]
    assert 48 * MILE_M <= ranges.max() <= 53 * MILE_M  # type: ignore[union-attr]
    # Round the fleet: the leader's bearing from the fleet sweeps a full circle.
    bearings = np.unwrap(circuit["bearings"])  # type: ignore[arg-type]
    assert bearings.max() - bearings.min() >= 2 * np.pi * 0.97


def test_the_circuit_takes_hours_and_the_fleet_steams_north_meanwhile(circuit: dict[str, object]) -> None:
    result = circuit["result"]
    assert 1.0 * 3600 <= result.sim_seconds <= 4.0 * 3600  # type: ignore[attr-defined]
    fleet_y = circuit["fleet_y"]
    assert fleet_y[-1] - fleet_y[0] > 20_000.0  # type: ignore[index]  # 18 knots for hours


def test_radio_silence_is_kept_on_a_patrol_without_contact(circuit: dict[str, object]) -> None:
    log = circuit["result"].log  # type: ignore[attr-defined]
    assert not log.of_kind(EventKind.RADIO, EventKind.MAYDAY)
    assert [e.details["toward"] for e in log.of_kind(EventKind.COURSE_SET)] == ["radial_patrol", "home"]


def test_the_recon_launches_only_once_the_convoy_is_in_range() -> None:
    resolved = load_scenario("manhattan-recon")
    sim = Simulation(build_world(resolved, [5]))
    w = sim.world
    start = w.carrier_xy[0, 0].copy()
    steps_before_launch = 0
    while not w.airborne.any():
        sim.step()
        steps_before_launch += 1
    carrier = w.carrier_xy[0, 0]
    tx, ty = resolved.scenario.mission.target_m  # type: ignore[misc]
    launch_range = resolved.scenario.mission.launch_range_m
    assert launch_range is not None
    assert np.hypot(carrier[0] - tx, carrier[1] - ty) <= launch_range
    assert np.hypot(*(carrier - start)) > 2_000_000.0  # days of steaming
    assert w.time_s[0] > 3 * 86400
    # Days pass in idle ticks: a few thousand steps at most, not a combat tick's worth.
    assert steps_before_launch < 2000


def test_a_patrol_alone_equals_the_same_patrol_in_a_batch() -> None:
    resolved = load_scenario("fifty-mile-circuit")
    [alone] = run_battles(resolved, [4])
    batch = run_battles(resolved, [9, 4, 2])
    assert list(alone.log.canonical_lines()) == list(batch[1].log.canonical_lines())


def _patrol(**mission: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "patrol",
        "map": "open-sea",
        "timing": {"duration_s": 3600},
        "carriers": [{"name": "Odysseus", "position_m": [0, 0]}],
        "squadrons": [{"id": "devils", "aircraft_type": "Draken", "aircraft": 2}],
        "mission": {"type": "radial_patrol", "cruise_altitude_m": 3000, **mission},
    }
    return data


def test_a_radial_patrol_needs_a_radius() -> None:
    with pytest.raises(ScenarioError, match=r"patrol\.toml: mission\.radius_m: a radial patrol needs"):
        resolve(_patrol(), source="patrol.toml")


def test_launching_on_range_needs_a_target() -> None:
    with pytest.raises(ScenarioError, match=r"mission\.launch_range_m"):
        resolve(_patrol(radius_m=10000, launch_range_m=50000), source="patrol.toml")


def test_a_reconnaissance_needs_a_target() -> None:
    data = _patrol()
    data["mission"] = {"type": "reconnaissance", "cruise_altitude_m": 3000}
    with pytest.raises(ScenarioError, match=r"mission\.target_m: a reconnaissance needs a target"):
        resolve(data, source="patrol.toml")


def test_carriers_not_yet_launched_stay_ready_while_the_fleet_steams() -> None:
    sim = Simulation(build_world(load_scenario("manhattan-recon"), [1]))
    for _ in range(50):
        sim.step()
    w = sim.world
    assert (w.status[w.side == AIR_COMMAND] == Status.READY).all()
    assert not np.isfinite(w.launch_at_s[w.side == AIR_COMMAND]).any()


def _skirmish(**mission: object) -> dict[str, object]:
    import tomllib
    from pathlib import Path

    data = tomllib.loads((Path(__file__).parent / "scenarios" / "skirmish.toml").read_text("utf-8"))
    data["mission"].update(mission)
    return data


def test_the_formation_flies_its_route_out_waypoint_by_waypoint() -> None:
    route = [(20_000.0, -5_000.0), (25_000.0, 12_000.0)]  # both well outside the contact range
    resolved = resolve(_skirmish(waypoints_m=[list(p) for p in route]), source="route.toml")
    sim = Simulation(build_world(resolved, [2]))
    w = sim.world
    closest = [np.inf, np.inf]
    when = [np.inf, np.inf]
    while not sim.finished and not w.contact[0]:
        sim.step()
        leader = 0
        if w.status[leader] != Status.AIRBORNE:
            continue
        for k, (x, y) in enumerate(route):
            d = float(np.hypot(w.x_m[leader] - x, w.y_m[leader] - y))
            if d < closest[k]:
                closest[k], when[k] = d, float(w.time_s[0])
    assert max(closest) < 3000.0, closest
    assert when[0] < when[1]


def test_only_the_break_off_rules_ordered_send_a_pilot_home() -> None:
    strict = resolve(_skirmish(time_over_target_s=30, break_off=["fuel", "damage"]), source="strict.toml")
    [result] = run_battles(strict, [4])
    reasons = {e.details["reason"] for e in result.log.of_kind(EventKind.BINGO)}
    assert reasons <= {"fuel", "damage"}
    loose = resolve(_skirmish(time_over_target_s=30), source="loose.toml")
    [result] = run_battles(loose, [4])
    assert "time" in {e.details["reason"] for e in result.log.of_kind(EventKind.BINGO)}


def test_an_unknown_break_off_rule_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"bad\.toml: mission\.break_off\[1\]"):
        resolve(_skirmish(break_off=["fuel", "boredom"]), source="bad.toml")


@pytest.mark.parametrize(("side", "flight"), [(1.0, "starboard"), (-1.0, "port")])
def test_a_wingman_two_slots_down_the_echelon_flies_to_her_squadrons_side_and_behind(side: float, flight: str) -> None:
    """Her leader at the origin heading north at 200 m/s: her slot is 2 x 110 m to the squadron's side
    and 2 x 70 m behind where her leader will be in two seconds."""
    px, py = station_point(0.0, 0.0, 0.0, 200.0, side, 2.0, 2.0)
    assert (px, py) == pytest.approx((side * 220.0, -140.0 + 400.0)), flight


def test_off_the_bow_a_guardian_climbs_straight_ahead_before_joining_anyone() -> None:
    world = build_world(load_scenario("manhattan-recon"), [1])
    ours = world.air_command_rows[:3]
    world.status[ours] = Status.AIRBORNE
    world.mode[ours] = Mode.FORM_UP
    world.heading_rad[ours] = [0.3, 0.6, 0.9]
    keep_angles(world, ours)
    world.mode_since_s[ours] = world.time_s[0] - 5.0  # five seconds off the bow
    fly_formation(world, ours, fleet_centre(world), np.zeros(world.n_battles))
    assert world.cmd_heading_rad[ours].tolist() == [0.3, 0.6, 0.9]
    assert world.cmd_gamma_rad[ours].tolist() == [0.15] * 3 and world.cmd_throttle[ours].tolist() == [1.0] * 3
