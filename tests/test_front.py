"""The front (chapter III's day): the line and its batteries on the ground, the swarm's waves against it,
and the carriers' squadrons over it in relays."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from captainred.cli import app
from captainred.doctrine.modes import Mode
from captainred.engine.checks import check_determinism
from captainred.engine.events import Event, EventKind, EventLog
from captainred.engine.front import GROUND_ID_BASE, Unit, layout
from captainred.engine.setup import build_world
from captainred.engine.world import LGF, Status, World
from captainred.fleet.carrier_deck import check_deck
from captainred.front.stage import _deal_new_units, _pounded
from captainred.report.sorties import BrokenEventLog, read_sorties
from captainred.report.summary import check_summary, summarize
from captainred.scenario import load_scenario
from captainred.scenario.errors import ScenarioError
from captainred.scenario.loader import read_scenario_data, resolve
from captainred.scenario.model import FrontSpec, ResolvedScenario
from captainred.scenario.overrides import resolve_with
from captainred.simulation import BattleResult, Simulation, run_battles
from captainred.sweep import Sweep, SweepFolder, plan_sweep
from captainred.sweep.backends import InProcess
from on_threads import on_threads

FRONT_SMALL = Path(__file__).parent / "scenarios" / "front-small.toml"


@pytest.fixture(scope="module")
def front_small() -> ResolvedScenario:
    return load_scenario(FRONT_SMALL)


@pytest.fixture(scope="module")
def fought(front_small: ResolvedScenario) -> list[BattleResult]:
    """Two small days at the front, fought once for the module."""
    return run_battles(front_small, [1, 2])


def variant(changes: dict[str, dict[str, object]], source: str = "front-variant") -> ResolvedScenario:
    data, _ = read_scenario_data(FRONT_SMALL)
    for table, values in changes.items():
        data.setdefault(table, {}).update(values)
    return resolve(data, source)


# ------------------------------------------------------------------------------------------- the ground


def test_positions_lie_along_the_line_and_batteries_behind_it_away_from_the_ship() -> None:
    spec = FrontSpec(
        line_m=((-4000.0, 30000.0), (4000.0, 30000.0)),
        positions=4,
        position_type="infantry position",
        batteries=2,
        batteries_behind_m=1500.0,
    )
    x, y = layout(spec, toward_xy=(0.0, 10000.0))  # the ship lies south of the line
    assert x[:4].tolist() == [-3000.0, -1000.0, 1000.0, 3000.0]
    assert y[:4].tolist() == [30000.0] * 4
    assert x[4:].tolist() == [-2000.0, 2000.0]
    assert y[4:].tolist() == [31500.0, 31500.0]  # north of the line: behind it
    _, y_north = layout(spec, toward_xy=(0.0, 50000.0))
    assert y_north[4:].tolist() == [28500.0, 28500.0]


def test_a_world_holds_the_front_at_full_strength(front_small: ResolvedScenario) -> None:
    world = build_world(front_small, [1, 2])
    front = world.front
    assert front is not None and front.g == 6
    assert front.kind.tolist() == ([int(Unit.POSITION)] * 4 + [int(Unit.BATTERY)] * 2) * 2
    assert (front.strength == front.full_strength).all()
    battery = front_small.catalog.batteries["AA battery"]
    assert front.guns[4:6].tolist() == [battery.guns] * 2 and front.shells[4].item() == battery.shells
    # The waves' LGFs wait in the ship, each sent against a unit of the front; nobody else is.
    waves = (world.side == LGF) & (world.strike_at >= 0)
    assert int(waves.sum()) == 2 * 3 * 60
    assert np.isfinite(world.launch_at_s[waves]).all()
    assert set(world.strike_at[waves].tolist()) == set(range(6))


def test_a_position_pounded_to_nothing_is_lost_and_enough_lost_break_the_front(front_small: ResolvedScenario) -> None:
    world = build_world(front_small, [1])
    front = world.front
    assert front is not None
    _pounded(world, front, 0, 0.3 * float(front.full_strength[0]))
    assert not front.lost[0] and front.garrison[0] == round(
        0.7 * front_small.catalog.positions["infantry position"].garrison
    )
    assert [e.kind for e in world.logs[0]] == [EventKind.POUNDED]  # a quarter (and more) gone
    _pounded(world, front, 0, 1e6)
    assert front.lost[0] and front.garrison[0] == 0 and front.positions_lost[0] == 1
    assert not np.isfinite(front.broken_s[0])
    _pounded(world, front, 1, 1e6)  # two of four: half the line, as the scenario's breaks_at
    kinds = [e.kind for e in world.logs[0]]
    assert kinds[-2:] == [EventKind.POSITION_LOST, EventKind.FRONT_BROKEN]
    assert world.logs[0][-2].actor == GROUND_ID_BASE + 1
    _pounded(world, front, 4, 1e6)  # a battery: silenced, its guns gone with its strength
    assert world.logs[0][-1].kind is EventKind.BATTERY_SILENCED and front.guns[4] == 0
    assert world.logs[0][-1].details["reason"] == "destroyed"


def test_lgfs_whose_unit_is_gone_are_sent_against_the_next_one_standing(front_small: ResolvedScenario) -> None:
    world = build_world(front_small, [1])
    front = world.front
    assert front is not None
    front.lost[[1, 2]] = True
    rows = np.flatnonzero(world.strike_at >= 0)
    before = world.strike_at[rows].copy()
    _deal_new_units(world, front)
    after = world.strike_at[rows]
    assert (after[before == 1] == 3).all() and (after[before == 2] == 3).all()
    assert (after[~np.isin(before, [1, 2])] == before[~np.isin(before, [1, 2])]).all()


def hold_over(world: World, row: int, xyz: tuple[float, float, float]) -> None:
    world.status[row] = Status.AIRBORNE
    world.x_m[row], world.y_m[row], world.z_m[row] = xyz
    world.speed_mps[row] = 150.0
    world.mode[row] = Mode.GUARD


def test_a_battery_brings_down_an_lgf_overhead_and_never_fires_past_its_range_or_ceiling(
    front_small: ResolvedScenario,
) -> None:
    battery = front_small.catalog.batteries["AA battery"]
    results = {}
    for case, xyz in {
        "overhead": (0.0, 0.0, 600.0),
        "past its range": (battery.range_m + 500.0, 0.0, 600.0),
        "above its ceiling": (0.0, 0.0, battery.ceiling_m + 300.0),
    }.items():
        world = build_world(front_small, [1])
        front = world.front
        assert front is not None
        sim = Simulation(world)
        lgf = int(np.flatnonzero(world.side == LGF)[0])
        bx, by = float(front.x_m[4]), float(front.y_m[4])
        target = (bx + xyz[0], by + xyz[1], xyz[2])
        for _ in range(600):  # two minutes of combat ticks, the LGF held where it is
            hold_over(world, lgf, target)
            sim.step()
            if world.status[lgf] != Status.AIRBORNE:
                break
        results[case] = (world.status[lgf] == Status.LOST, int(front.rounds_fired[4]))
    assert results["overhead"][0] and results["overhead"][1] > 0
    assert results["past its range"] == (False, 0)
    assert results["above its ceiling"] == (False, 0)


# ---------------------------------------------------------------------------------------- a day of it


@pytest.mark.slow
def test_the_swarm_pounds_the_front_and_the_batteries_and_fighters_bring_some_down(
    fought: list[BattleResult],
) -> None:
    for result in fought:
        summary = summarize(result.log, scenario="front-small", seed=result.seed)
        front = summary.front
        assert front is not None and front.waves == 3 and front.lgfs_sent == 180
        assert front.strength_left < 1.0  # pounded
        assert sum(u.bolts_taken for u in front.units) > 0
        assert 0 < front.lgfs_down_by_batteries < front.lgfs_sent // 2  # some, but they do not stop it
        assert front.lgfs_down_by_fighters > 0
        batteries = [u for u in front.units if u.kind == "battery"]
        assert all(u.rounds_fired and u.rounds_fired > 0 for u in batteries)
        assert summary.sides.lgf.sorties > summary.sides.lgf.launched  # rearmed in the ship and back out
    fronts = [summarize(r.log, scenario="front-small", seed=r.seed).front for r in fought]
    assert fronts[0] != fronts[1], "two seeds, two days at the front"


@pytest.mark.slow
def test_squadrons_relaunch_in_relays_up_to_their_sorties_and_a_grounded_aircraft_stays_down(
    fought: list[BattleResult],
) -> None:
    for result in fought:
        sorties = read_sorties(result.log)
        ours = [s for s in sorties.values() if s.side == "air_command"]
        assert any(s.flights == 2 for s in ours)
        assert max(s.flights for s in ours) <= 2  # sorties_per_day
        relaunches = [
            e
            for e in result.log.of_kind(EventKind.LAUNCH)
            if e.details.get("sortie") and e.details["side"] == "air_command"
        ]
        assert relaunches
        for launch in relaunches:
            before = [e for e in result.log if e.actor == launch.actor and e.time_s <= launch.time_s]
            kinds = [e.kind for e in before]
            assert EventKind.REFUELLED in kinds and EventKind.GROUNDED not in kinds


def test_one_sortie_a_day_means_no_relays() -> None:
    once = variant({"doctrine": {"sorties_per_day": 1}, "timing": {"duration_s": "25 min"}})
    log = run_battles(once, [1])[0].log
    assert not [
        e for e in log.of_kind(EventKind.LAUNCH) if e.details.get("sortie") and e.details["side"] == "air_command"
    ]


@pytest.mark.slow
def test_a_battle_of_the_front_is_the_same_alone_or_in_a_batch(
    front_small: ResolvedScenario, fought: list[BattleResult]
) -> None:
    alone = run_battles(front_small, [2])[0]
    assert alone.digest == fought[1].digest


# ------------------------------------------------------------------------------------ the record of it


def launch(t: float, craft: int = 0, **details: object) -> Event:
    return Event(0, t, EventKind.LAUNCH, actor=craft, details={"side": "air_command", **details})


def test_a_craft_home_may_fly_again_and_its_record_counts_each_flight() -> None:
    log = EventLog()
    log.append(launch(0.0))
    log.append(Event(1, 10.0, EventKind.PHOTO, actor=0, details={"number": 1}))
    log.append(Event(2, 20.0, EventKind.RECOVERED, actor=0, details={"fuel_kg": 100.0, "photos": 1}))
    log.append(launch(30.0, sortie=2))
    log.append(Event(4, 40.0, EventKind.KILL, actor=0))
    log.append(Event(5, 50.0, EventKind.RECOVERED, actor=0, details={"fuel_kg": 300.0, "photos": 0}))
    sortie = read_sorties(log)[0]
    assert sortie.flights == 2 and sortie.kills == 1 and sortie.photos_returned == 1
    assert sortie.fuel_left_kg == 300.0 and sortie.launched_s == 0.0


@pytest.mark.parametrize(
    ("after", "why"),
    [(None, "while still flying"), (EventKind.DITCHED, "after ditched")],
)
def test_a_craft_launched_again_while_flying_or_after_a_loss_breaks_the_log(after: EventKind | None, why: str) -> None:
    log = EventLog()
    log.append(launch(0.0))
    if after is not None:
        log.append(Event(1, 5.0, after, actor=0))
    log.append(launch(10.0))
    with pytest.raises(BrokenEventLog, match=why):
        read_sorties(log)


@pytest.mark.slow
def test_the_json_summary_has_a_front_section_and_its_checker_catches_a_broken_one(
    fought: list[BattleResult],
) -> None:
    document = summarize(fought[0].log, scenario="front-small", seed=1).to_json()
    assert check_summary(json.loads(json.dumps(document)))
    front = document["front"]
    assert len(front["units"]) == 6 and front["positions"] == 4
    broken = json.loads(json.dumps(document))
    broken["front"]["positions_lost"] += 1
    with pytest.raises(ValueError, match="positions_lost"):
        check_summary(broken)
    broken = json.loads(json.dumps(document))
    broken["sides"]["air_command"]["sorties"] = 0
    with pytest.raises(ValueError, match="sorties"):
        check_summary(broken)


# ---------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"front": {"position_type": "bunker"}}, "front.position_type", "unknown position 'bunker'"),
        ({"front": {"battery_type": "Bofors"}}, "front.battery_type", "unknown battery 'Bofors'"),
        ({"front": {"line_m": [[0, 0], [0, 0]]}}, "front.line_m", "the same point"),
        ({"enemy": {"waves": {"count": 200, "size": 20000}}}, "enemy", "LGFs in all"),
        ({"doctrine": {"sorties_per_day": 0}}, "doctrine.sorties_per_day", ""),
    ],
)
def test_a_bad_front_is_one_clear_error(changes: dict[str, dict[str, object]], field: str, says: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        variant(changes, source="bad-front.toml")
    assert field in str(caught.value) and says in str(caught.value)


def test_waves_with_no_front_to_fly_at_are_refused() -> None:
    data, _ = read_scenario_data(FRONT_SMALL)
    del data["front"]
    with pytest.raises(ScenarioError, match="front"):
        resolve(data, "no-front.toml")


def test_the_front_is_a_built_in_scenario_the_cli_lists() -> None:
    ran = CliRunner().invoke(app, ["scenarios"])
    assert ran.exit_code == 0 and "the-front" in ran.output
    resolved = load_scenario("the-front")
    assert resolved.scenario.front is not None and resolved.scenario.enemy.waves is not None
    waves = resolved.scenario.enemy.waves
    craft = (
        waves.count * waves.size
        + resolved.scenario.enemy.defenders
        + sum(o.aircraft for o in resolved.scenario.squadrons)
    )
    assert craft >= 5000


@pytest.mark.slow
def test_the_front_steps_the_same_alone_twice_in_a_batch_and_on_one_thread_or_two(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    short = variant({"timing": {"duration_s": "12 min"}})
    report = check_determinism(short, seed=3, steps=2500, others=[4], stepper=Simulation)
    assert report.steps == 2500 and report.events > 400
    digests = []
    for count in (1, 2):
        with on_threads(count, monkeypatch):
            digests.append([r.digest for r in run_battles(short, [5, 6])])
    assert digests[0] == digests[1]


@pytest.mark.slow
def test_a_sweep_shows_batteries_and_squadrons_each_pushing_the_day_their_way(tmp_path: Path) -> None:
    """More batteries bring more LGFs down from the ground and leave more of the line standing; more
    fighters over it bring more down from the air and leave more of the line standing too."""
    vary = [
        "front.batteries=0,4",
        "squadrons.devils.aircraft=1,6",
        "squadrons.slayers.aircraft=1",
        "timing.duration_s=1500",
    ]
    plan = plan_sweep(str(FRONT_SMALL), runs=2, seed=3, vary=vary)
    job = Sweep(plan, SweepFolder(tmp_path / "sweep"))
    job.start(resume=False)
    job.fight(InProcess(), None)
    rows = job.gather().to_pylist()

    def mean(column: str, **where: object) -> float:
        picked = [r[column] for r in rows if all(r[k] == v for k, v in where.items())]
        assert len(picked) == 4  # two runs in each of the two cells of the other field
        return sum(picked) / len(picked)

    assert mean("front_lgfs_down_by_batteries", **{"front.batteries": 0}) == 0
    assert mean("front_lgfs_down_by_batteries", **{"front.batteries": 4}) > 10
    assert mean("front_strength_left", **{"front.batteries": 4}) > mean("front_strength_left", **{"front.batteries": 0})
    few, many = ({"squadrons.devils.aircraft": n} for n in (1, 6))
    assert mean("front_lgfs_down_by_fighters", **many) > mean("front_lgfs_down_by_fighters", **few)
    assert mean("front_strength_left", **many) > mean("front_strength_left", **few)
    assert all(r["front_held"] is not None and r["front_relaunches"] is not None for r in rows)


@pytest.mark.slow
def test_a_pilot_short_of_fuel_whose_deck_is_foul_diverts_to_the_camp_and_the_deck_law_counts_her(
    front_small: ResolvedScenario,
) -> None:
    world = build_world(front_small, [1])
    sim = Simulation(world)
    while not sim.finished:
        sim.step()
    counts = check_deck(world)  # started = on deck + hangar + airborne + lost + diverted, for each carrier
    log = world.logs[0]
    diverted = log.of_kind(EventKind.DIVERTED)
    assert diverted and int(counts.diverted.sum()) == len({e.actor for e in diverted})
    limit = front_small.scenario.doctrine.divert_fuel_kg
    for event in diverted:
        assert event.details["to"] == "the camp" and event.details["fuel_kg"] < limit
        after = [e for e in log if e.actor == event.actor and e.time_s >= event.time_s]
        landed = [e for e in after if e.kind is EventKind.RECOVERED]
        assert landed and landed[0].details.get("at") == "the camp"  # on the runway, not a deck
        assert not [e for e in after if e.kind is EventKind.LAUNCH]  # and there for the day
    summary = summarize(log, scenario="front-small", seed=1)
    assert summary.front is not None and summary.front.diverted == len({e.actor for e in diverted})


def test_with_no_divert_fuel_nobody_diverts_and_the_deck_is_as_before(front_small: ResolvedScenario) -> None:
    calm = variant({"doctrine": {"divert_fuel_kg": 0}, "timing": {"duration_s": "20 min"}})
    log = run_battles(calm, [1])[0].log
    assert not log.of_kind(EventKind.DIVERTED)


@pytest.mark.slow
def test_the_front_as_a_user_runs_it_pounds_the_line_relaunches_and_diverts(tmp_path: Path) -> None:
    """`captainred run the-front`: thousands of LGFs in one battle; the line is pounded, the batteries
    bring some down but do not stop the swarm, squadrons relaunch and some aircraft divert."""
    out = tmp_path / "front.json"
    ran = CliRunner().invoke(app, ["run", "the-front", "--seed", "1", "--json", str(out), "--quiet"])
    assert ran.exit_code == 0, ran.output
    document = json.loads(out.read_text("utf-8"))
    check_summary(document)
    sides, front = document["sides"], document["front"]
    assert sides["air_command"]["launched"] + sides["lgf"]["launched"] >= 5000
    assert front["strength_left"] < 0.9 and front["positions_lost"] > 0
    assert 0 < front["lgfs_down_by_batteries"] < front["lgfs_sent"] // 10
    assert front["relaunches"] > 0 and front["diverted"] > 0
    assert sides["air_command"]["sorties"] == sides["air_command"]["launched"] + front["relaunches"]


@pytest.mark.slow
def test_a_damaged_aircraft_whose_hangar_is_full_diverts_rather_than_being_struck_off() -> None:
    data, _ = read_scenario_data(FRONT_SMALL)
    one_bay = resolve_with(data, "one-bay", [(("catalog", "carriers", "Odysseus", "hangar_capacity"), 1, "test")])
    log = run_battles(one_bay, [1])[0].log
    full = [e for e in log.of_kind(EventKind.DIVERTED) if e.details["reason"] == "hangar full"]
    assert full, "nobody came home damaged to a full hangar"
    assert len(log.of_kind(EventKind.GROUNDED)) <= 1 and not log.of_kind(EventKind.STRUCK_OFF)
    for event in full:  # she needed the hangar: her aircraft was damaged, whatever her fuel
        landed = [
            e for e in log if e.actor == event.actor and e.kind is EventKind.RECOVERED and e.time_s > event.time_s
        ]
        assert landed and landed[0].details.get("at") == "the camp"
