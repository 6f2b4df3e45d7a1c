"""The net over the fleet: it holds against a full bombardment, turns enemy craft back, stops enemy fire,
and parts for aircraft; and bombardment of the mother ship tears breaches its plates close again."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from typing import Any

import numpy as np
import pytest

from captainred.engine.events import EventKind
from captainred.engine.kinematics import fly
from captainred.engine.net import net_centre
from captainred.engine.setup import build_world
from captainred.engine.weapons import Armoury, fire
from captainred.engine.world import LGF, World
from captainred.fleet.carrier_deck import check_deck
from captainred.fleet.net import tend_net
from captainred.report import check_summary, summarize
from captainred.scenario import load_scenario, resolve
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import Simulation, run_battles


def _builtin(name: str) -> dict[str, Any]:
    text = (resources.files("captainred.scenario") / "builtin" / f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_the_net_holds_against_a_full_bombardment() -> None:
    resolved = load_scenario("net-bombardment")
    sim = Simulation(build_world(resolved, [3]))
    while not sim.finished:
        sim.step()
        check_deck(sim.world)  # the Devils at readiness stay aboard, every one counted
    [result] = sim.results()
    summary = summarize(result.log, scenario="net-bombardment", seed=3)
    check_summary(summary.to_json())
    spec = resolved.scenario.bombardments[0]
    assert len(result.log.of_kind(EventKind.SALVO)) == spec.salvos
    net = summary.net
    assert net is not None and net.held is True
    assert 0 < net.strength_left < resolved.scenario.net.strength_t
    assert net.hits_absorbed == spec.salvos * spec.shells  # every shell fell on the dome
    assert not result.log.of_kind(EventKind.IMPACT, EventKind.NET_BROKEN)


def test_a_net_too_weak_gives_way_and_the_shells_then_fall_inside() -> None:
    data = _builtin("net-bombardment")
    data["net"]["strength_t"] = 1.0  # about fourteen heavy shells
    [result] = run_battles(resolve(data, source="weak-net"), [3])
    broken = result.log.of_kind(EventKind.NET_BROKEN)
    assert len(broken) == 1
    after = [e for e in result.log.of_kind(EventKind.IMPACT) if e.time_s >= broken[0].time_s]
    assert after, "once it broke, shells should reach the sea under it"
    summary = summarize(result.log, scenario="weak-net", seed=3)
    assert summary.net is not None
    assert summary.net.held is False and summary.net.strength_left == 0.0


def test_the_net_moves_with_the_fleet() -> None:
    sim = Simulation(build_world(load_scenario("fifty-mile-circuit"), [2]))
    start = net_centre(sim.world)[0].copy()
    for _ in range(200):
        sim.step()
    moved = net_centre(sim.world)[0] - start
    assert moved[1] > 1000.0 and abs(moved[0]) < 1e-6  # the fleet steams north, the dome with it


def test_the_net_parts_for_the_launch_and_for_the_recovery_and_closes_behind() -> None:
    [result] = run_battles(load_scenario("fifty-mile-circuit"), [2])
    opened = result.log.of_kind(EventKind.NET_OPENED)
    closed = result.log.of_kind(EventKind.NET_CLOSED)
    assert [e.details["reason"] for e in opened][:2] == ["launch", "recovery"]
    assert all(e.details["gap_m"] == 150.0 for e in opened)
    first_launch = result.log.of_kind(EventKind.LAUNCH)[0]
    assert opened[0].time_s <= first_launch.time_s
    assert closed and opened[0].time_s < closed[0].time_s < opened[1].time_s


@pytest.fixture
def sea_fleet(sea_skirmish: ResolvedScenario) -> World:
    """The sea skirmish's World: the carrier 28 km east and 20 km south of the map origin, under its net."""
    world = build_world(sea_skirmish, [1])
    world.time_s[:] = 600.0
    world.tick[:] = 3000
    return world


def test_an_lgf_cannot_fly_through_the_net(sea_fleet: World, airborne: Any) -> None:
    put_airborne = airborne
    w = sea_fleet
    centre = net_centre(w)[0]
    lgf = int(np.flatnonzero(w.side == LGF)[0])
    put_airborne(w, lgf, x_m=centre[0], y_m=centre[1] - 8000.0, z_m=500.0, speed_mps=250.0, heading_rad=0.0)
    active = np.ones(w.n_battles, dtype=bool)
    moving = np.zeros(w.n, dtype=bool)
    moving[lgf] = True
    for _ in range(100):
        w.cmd_heading_rad[lgf] = np.arctan2(centre[0] - w.x_m[lgf], centre[1] - w.y_m[lgf])  # straight at it
        fly(w, moving, np.full(w.n, 0.2))
        tend_net(w, active, np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0))
        r = np.sqrt((w.x_m[lgf] - centre[0]) ** 2 + (w.y_m[lgf] - centre[1]) ** 2 + w.z_m[lgf] ** 2)
        assert r >= w.net_radius_m
    blows = [e for e in w.logs[0].of_kind(EventKind.NET_HIT) if e.details["what"] == "craft"]
    assert blows


def _duel(world: World, net_up: bool, put_airborne: Any) -> tuple[int, int]:
    """An LGF just outside the dome fires on a Guardian just inside it for five minutes: (hits, blocked)."""
    w = copy.deepcopy(world)
    w.net_up[:] = net_up
    centre = net_centre(w)[0]
    guardian, lgf = 0, int(np.flatnonzero(w.side == LGF)[0])
    radius = w.net_radius_m
    put_airborne(w, guardian, x_m=centre[0], y_m=centre[1] + radius - 200.0, z_m=300.0, heading_rad=0.0)
    put_airborne(w, lgf, x_m=centre[0], y_m=centre[1] + radius + 150.0, z_m=300.0, heading_rad=np.pi)
    w.speed_mps[[guardian, lgf]] = 1.0  # hold the geometry: this is about the fire, not the flying
    armoury = Armoury(w)
    active = np.zeros(w.n, dtype=bool)
    active[[guardian, lgf]] = True
    hits = 0
    for _ in range(1500):
        w.tick[:] += 1
        w.target[lgf], w.trigger[lgf], w.heat_s[lgf], w.overheated[lgf] = guardian, True, 0.0, False
        hits += len(fire(w, armoury, active, np.full(w.n, 0.2)).target)
    blocked = [e for e in w.logs[0].of_kind(EventKind.NET_HIT) if e.details["what"] == "blue_fire"]
    return hits, len(blocked)


def test_enemy_fire_spends_itself_on_the_net(sea_fleet: World, airborne: Any) -> None:
    hits_through, blocked = _duel(sea_fleet, True, airborne)
    assert hits_through == 0 and blocked > 0
    hits_without, _ = _duel(sea_fleet, False, airborne)
    assert hits_without == blocked  # the same bolts, the same draws: without the net, each one strikes home


def test_shells_on_the_mother_ship_tear_breaches_that_her_plates_close() -> None:
    data = _builtin("manhattan-recon")
    data["squadrons"] = [dict(data["squadrons"][0], stand_by=True, photo_aircraft=0)]
    data["mission"] = {"type": "combat_air_patrol", "target_m": data["mission"]["target_m"], "cruise_altitude_m": 3000}
    data["fleet"]["speed_mps"] = 0
    data["timing"]["duration_s"] = "30 min"
    data["bombardments"] = [
        {
            "name": "the fleet",
            "from_m": ["20 km", "-15 km"],
            "at": "mother-ship",
            "start_s": 60,
            "salvos": 6,
            "interval_s": 20,
            "shells": 6,
            "shell_tnt_kg": 500,
            "spread_m": 500,
        }
    ]
    resolved = resolve(data, source="ship-bombardment")
    [result] = run_battles(resolved, [8])
    breaches = result.log.of_kind(EventKind.BREACH)
    sealed = {e.details["breach"]: e for e in result.log.of_kind(EventKind.BREACH_SEALED)}
    assert breaches
    # A 500 kg warhead's hole takes the plates longer than a small one: the cube root of 500/100 longer.
    seal_s = resolved.catalog.ships["mother-ship"].plate_seal_s * 5 ** (1 / 3)
    for breach in breaches:
        closing = sealed[breach.details["breach"]]
        assert closing.details["breach"] == breach.details["breach"]
        assert breach.details["seals_at_s"] == pytest.approx(breach.details["at_s"] + seal_s)
        assert closing.time_s >= breach.details["seals_at_s"] - 1e-9
        assert closing.time_s - breach.details["seals_at_s"] <= resolved.scenario.timing.transit_tick_s + 1e-9
    # The rest fall in the park or the streets around: each with its radius of danger to anyone there.
    ground = [e for e in result.log.of_kind(EventKind.IMPACT) if e.details["struck"] == "ground"]
    assert ground and all(e.details["danger_m"] > 0 for e in ground)


def test_a_bombarded_battle_is_the_same_alone_and_in_a_batch() -> None:
    resolved = load_scenario("net-bombardment")
    [alone] = run_battles(resolved, [12])
    batch = run_battles(resolved, [5, 12, 7])
    assert list(alone.log.canonical_lines()) == list(batch[1].log.canonical_lines())


def test_aircraft_file_out_and_home_only_through_the_gap_while_the_net_is_open() -> None:
    from captainred.engine.net import through_gap

    sim = Simulation(build_world(load_scenario("fifty-mile-circuit"), [6]))
    w = sim.world
    ours = np.flatnonzero(w.side != LGF)
    gap = sim.world.plan.net.gap_m
    crossings = 0
    inside_before = None
    while not sim.finished:
        sim.step()
        centre = net_centre(w)[0]
        r = np.sqrt((w.x_m[ours] - centre[0]) ** 2 + (w.y_m[ours] - centre[1]) ** 2 + np.maximum(w.z_m[ours], 0) ** 2)
        inside = (r < w.net_radius_m) & (w.status[ours] == 1)
        if inside_before is not None:
            crossed = np.flatnonzero((inside != inside_before) & (w.status[ours] == 1))
            for k in crossed.tolist():
                row = int(ours[k])
                battle = np.zeros(1, dtype=np.int64)
                assert w.net_open[0], "crossed the net while it was closed"
                assert through_gap(w, battle, w.x_m[row : row + 1], w.y_m[row : row + 1], gap)[0]
                crossings += 1
        inside_before = inside
    assert crossings >= 16  # eight out, eight home
    [result] = sim.results()
    assert len(result.log.of_kind(EventKind.RECOVERED)) == 8


def test_a_friendly_aircraft_meeting_the_closed_net_is_held(sea_fleet: World, airborne: Any) -> None:
    w = sea_fleet
    centre = net_centre(w)[0]
    row = 0
    w.mode[row] = 2  # in transit
    east = np.pi / 2  # the gap faces the skirmish's target, to the north-west: east is solid net
    airborne(w, row, x_m=centre[0] + w.net_radius_m - 100.0, y_m=centre[1], z_m=300.0, heading_rad=east)
    moving = np.zeros(w.n, dtype=bool)
    moving[row] = True
    for _ in range(20):
        x0, y0, z0 = w.x_m[[row]].copy(), w.y_m[[row]].copy(), w.z_m[[row]].copy()
        fly(w, moving, np.full(w.n, 0.2))
        tend_net(w, np.ones(w.n_battles, dtype=bool), np.array([row]), x0, y0, z0)
        r = np.sqrt((w.x_m[row] - centre[0]) ** 2 + (w.y_m[row] - centre[1]) ** 2 + w.z_m[row] ** 2)
        assert r < w.net_radius_m
