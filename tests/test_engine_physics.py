"""How a Guardian flies, fights and breaks, told as story moments, with every invariant checked on every
step of whole battles; and property tests of the rules that must hold for any input."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captainred.doctrine.steering import (
    PATH_SAMPLES,
    PULL_UP_RAD,
    ROOF_MARGIN_M,
    STEEPEST_PULL_UP_RAD,
    avoid_terrain,
    rotated,
    turned_rad,
)
from captainred.engine.checks import StepChecker, check_world
from captainred.engine.damage import consequences
from captainred.engine.events import EventKind
from captainred.engine.kinematics import (
    REDLINE_THROTTLE,
    THRUST_ACCEL_MPS2,
    burn_rate_kg_s,
    engine_power,
    fly,
    heading_of,
    keep_angles,
    wrap,
    wrap_angle,
    wrap_heading,
)
from captainred.engine.radio import WORDS_PER_S, start_call
from captainred.engine.rng import Purpose, uniform
from captainred.engine.seeds import spawn_seeds
from captainred.engine.setup import build_world
from captainred.engine.terrain import collide, inside_box, inside_hull
from captainred.engine.weapons import Armoury, fire
from captainred.engine.world import G, Status, Sub, World
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import Simulation

GUARDIAN, WINGMAN, LGF_ROW = 0, 1, 4
Airborne = Callable[..., int]


def fly_for(world: World, steps: int, dt_s: float) -> None:
    """Fly and collide, as the step loop does, with the commands held (no doctrine)."""
    dt = np.full(world.n, dt_s)
    for _ in range(steps):
        moving = np.flatnonzero(world.airborne)
        x0, y0, z0 = world.x_m[moving].copy(), world.y_m[moving].copy(), world.z_m[moving].copy()
        fly(world, world.airborne, dt)
        collide(world, moving, x0, y0, z0)


# ------------------------------------------------------------------------------------------ whole battles


@pytest.mark.parametrize("seeds", [[7], [5, 1]], ids=["alone", "batch"])
def test_a_whole_skirmish_keeps_every_invariant_on_every_step(skirmish: ResolvedScenario, seeds: list[int]) -> None:
    sim = Simulation(build_world(skirmish, seeds))
    checker = StepChecker(sim.world)
    while not sim.finished:
        sim.step()
        checker.check()
    assert checker.steps_checked == sim.steps > 500
    for log in sim.world.logs:
        assert log[-1].kind == EventKind.END
        assert log.of_kind(EventKind.LAUNCH), "nobody flew: the battle tested nothing"


@pytest.mark.slow
def test_the_whole_recon_keeps_every_invariant_on_every_step(recon: ResolvedScenario) -> None:
    sim = Simulation(build_world(recon, [2]))
    checker = StepChecker(sim.world)
    while not sim.finished:
        sim.step()
        checker.check()
    assert checker.steps_checked == sim.steps > 1000


# ------------------------------------------------------------------------------------------ flight


def test_guardian_out_of_fuel_glides_and_cannot_climb(world: World, airborne: Airborne) -> None:
    def glide(throttle: float) -> np.ndarray:
        w = build_world(world.scenario, [1])
        row = airborne(w, GUARDIAN, z_m=2000.0, throttle=throttle)
        w.fuel_kg[row] = 0.0
        w.cmd_gamma_rad[row] = 0.4  # the pilot hauls back for all she is worth
        heights = []
        for _ in range(300):
            fly_for(w, 1, 0.2)
            heights.append(w.z_m[row])
            check_world(w)
        assert w.status[row] == Status.AIRBORNE and w.fuel_kg[row] == 0.0
        return np.array(heights)

    heights = glide(REDLINE_THROTTLE)
    assert heights[0] <= 2000.0
    assert np.all(np.diff(heights) <= 0.0), "a dry Guardian gained height"
    assert heights[-1] < 2000.0 - 100.0
    assert np.array_equal(glide(0.0), heights), "the throttle of a dry aircraft made a difference"


def test_below_stall_speed_the_nose_drops(world: World, airborne: Airborne) -> None:
    row = airborne(world, GUARDIAN, speed_mps=0.8 * world.stall_speed_mps[GUARDIAN], throttle=1.0)
    world.cmd_gamma_rad[row] = 0.3
    fly_for(world, 1, 0.2)
    assert world.gamma_rad[row] < 0.0
    assert world.load_g[row] < 1.0


def test_the_ceiling_is_never_exceeded(world: World, airborne: Airborne) -> None:
    ceiling = float(world.ceiling_m[GUARDIAN])
    row = airborne(world, GUARDIAN, z_m=ceiling - 300.0, speed_mps=world.max_speed_mps[GUARDIAN], throttle=1.15)
    world.cmd_gamma_rad[row] = 0.6
    for _ in range(400):
        fly_for(world, 1, 0.2)
        assert world.z_m[row] <= ceiling
    assert world.z_m[row] > ceiling - 50.0, "she never got near the ceiling: the test tested nothing"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    speed_fraction=st.floats(0.3, 1.0),
    turn_rad=st.floats(-np.pi, np.pi),
    gamma_rad=st.floats(-0.5, 0.5),
    dt_s=st.sampled_from([0.1, 0.2, 2.0]),
)
def test_turn_rate_is_limited_by_g(
    world: World, airborne: Airborne, speed_fraction: float, turn_rad: float, gamma_rad: float, dt_s: float
) -> None:
    v = max(speed_fraction * float(world.max_speed_mps[GUARDIAN]), 1.0)
    row = airborne(world, GUARDIAN, speed_mps=v, heading_rad=1.0, gamma_rad=gamma_rad)
    world.cmd_heading_rad[row] = 1.0 + turn_rad
    fly_for(world, 1, dt_s)
    turned = abs(float(wrap_angle(np.array([world.heading_rad[row] - 1.0]))[0]))
    limit = G * float(world.max_g[row]) / (v * max(np.cos(gamma_rad), 0.05))
    assert turned <= limit * dt_s + 1e-9
    assert world.load_g[row] <= world.max_g[row] + 1e-9


def test_redline_burns_more_fuel_than_cruise(world: World) -> None:
    idx = np.array([GUARDIAN])
    cruise = float((world.cruise_speed_mps[GUARDIAN] / world.max_speed_mps[GUARDIAN]) ** 2)

    def burn(throttle: float) -> float:
        return float(burn_rate_kg_s(world, idx, np.array([throttle]))[0])

    assert 0.0 < burn(0.0) < burn(cruise) < burn(1.0) < burn(REDLINE_THROTTLE)
    guardian = world.types[int(world.type_index[GUARDIAN])]
    assert guardian.burn is not None
    assert burn(REDLINE_THROTTLE) == pytest.approx(2 * guardian.burn.redline_kg_s)  # two engines


def test_an_engine_out_halves_the_thrust_of_a_twin(world: World, airborne: Airborne) -> None:
    whole = airborne(world, GUARDIAN, speed_mps=200.0)
    crippled = airborne(world, WINGMAN, speed_mps=200.0, y_m=-14_000.0)
    world.health[crippled, Sub.ENGINE_STARBOARD] = 0.0
    assert engine_power(world)[[whole, crippled]].tolist() == [1.0, 0.5]
    idx = np.array([whole, crippled])
    burn = burn_rate_kg_s(world, idx, np.array([1.0, 1.0]))
    assert burn[1] == pytest.approx(burn[0] / 2)

    dt = 0.2
    fly_for(world, 1, dt)
    lost_accel = (world.speed_mps[whole] - world.speed_mps[crippled]) / dt
    assert lost_accel == pytest.approx(0.5 * THRUST_ACCEL_MPS2, rel=1e-9)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fuel_kg=st.floats(0.0, 30.0),
    throttle=st.floats(-0.5, 2.0),
    dt_s=st.floats(0.01, 5.0),
    steps=st.integers(1, 40),
    leak_kg_s=st.floats(0.0, 2.0),
    engine_health=st.floats(0.0, 1.0),
)
def test_fuel_is_never_negative_and_only_ever_burns(
    world: World,
    airborne: Airborne,
    fuel_kg: float,
    throttle: float,
    dt_s: float,
    steps: int,
    leak_kg_s: float,
    engine_health: float,
) -> None:
    row = airborne(world, GUARDIAN, z_m=9000.0, throttle=throttle)
    world.fuel_kg[row] = fuel_kg
    world.leak_kg_s[row] = leak_kg_s
    world.health[row, Sub.ENGINE_PORT] = engine_health
    dt = np.full(world.n, dt_s)
    previous = fuel_kg
    for _ in range(steps):
        fly(world, world.airborne, dt)
        assert 0.0 <= world.fuel_kg[row] <= previous
        previous = float(world.fuel_kg[row])


# ------------------------------------------------------------------------------------------ the radio


def test_a_dead_radio_cuts_a_call_off_mid_word(world: World, airborne: Airborne) -> None:
    row = airborne(world, GUARDIAN)
    text = "Devil one, tally ho, two bandits low at three o'clock, engaging now"
    assert start_call(world, row, text)
    world.time_s[0] += 2.0  # five words out
    before = world.health[row].copy()
    world.health[row, Sub.RADIO] = 0.0
    consequences(world, row, before, None)

    assert row not in world.calls
    calls = world.logs[0].of_kind(EventKind.RADIO)
    assert len(calls) == 1
    call = calls[0].details
    assert call["cut"] is True
    spoken = call["text"].split()
    assert 1 <= len(spoken) < len(text.split())
    assert spoken == text.split()[: len(spoken)]
    assert len(spoken) == int(2.0 * WORDS_PER_S)
    dead = [e for e in world.logs[0].of_kind(EventKind.SUBSYSTEM) if e.details["subsystem"] == "radio"]
    assert len(dead) == 1 and dead[0].details["state"] == "dead"
    assert not start_call(world, row, "Anyone read me?")


# ------------------------------------------------------------------------------------------ guns


def duel(world: World, airborne: Airborne, rounds: float) -> tuple[int, int]:
    """A Guardian sits 300 m behind an LGF, both level over the sea, thumb on the button."""
    shooter = airborne(world, GUARDIAN, speed_mps=200.0)
    target = airborne(world, LGF_ROW, speed_mps=200.0, y_m=-15_000.0 + 300.0)
    world.rounds[shooter] = rounds
    world.target[shooter] = target
    world.trigger[shooter] = True
    return shooter, target


def cannon_fire_from(world: World, shooter: int) -> list[EventKind]:
    actor = int(world.craft[shooter])
    return [
        e.kind
        for e in world.logs[0]
        if e.actor == actor and e.kind in (EventKind.SHOT, EventKind.HIT) and e.details.get("weapon") == "cannon"
    ]


def test_ammunition_runs_out_and_a_pilot_with_none_cannot_fire(world: World, airborne: Airborne) -> None:
    shooter, _ = duel(world, airborne, rounds=10.0)
    armoury = Armoury(world)
    active = np.ones(world.n, dtype=bool)
    dt = np.full(world.n, 0.2)
    fire(world, armoury, active, dt)
    assert EventKind.SHOT in cannon_fire_from(world, shooter)
    spent_at = None
    for k in range(20):
        hits = fire(world, armoury, active, dt)
        assert world.rounds[shooter] >= 0.0
        if world.rounds[shooter] == 0.0 and spent_at is None:
            spent_at = k
            fired = len(world.logs[0])
        elif spent_at is not None:
            assert shooter not in hits.shooter.tolist()
            assert not world.firing[shooter]
    assert spent_at is not None and spent_at < 5
    assert len(world.logs[0]) == fired, "events after the guns ran dry"


def test_a_pilot_with_no_rounds_never_fires_a_shot(world: World, airborne: Airborne) -> None:
    shooter, _ = duel(world, airborne, rounds=0.0)
    armoury = Armoury(world)
    for _ in range(25):
        hits = fire(world, armoury, np.ones(world.n, dtype=bool), np.full(world.n, 0.2))
        assert shooter not in hits.shooter.tolist()
    assert cannon_fire_from(world, shooter) == []
    assert not world.firing[shooter]


def test_guardians_with_empty_guns_fire_no_cannon_all_battle(skirmish: ResolvedScenario) -> None:
    sim = Simulation(build_world(skirmish, [4]))
    w = sim.world
    ours = np.flatnonzero(w.side == 0)
    w.rounds[ours] = 0.0
    while not sim.finished and sim.steps < 2500:
        sim.step()
    ours_ids = set(w.craft[ours].tolist())
    cannon = [
        e
        for e in w.logs[0]
        if e.actor in ours_ids and e.kind in (EventKind.SHOT, EventKind.HIT) and e.details.get("weapon") == "cannon"
    ]
    assert cannon == []
    assert w.logs[0].of_kind(EventKind.CONTACT), "they never met the swarm: the test tested nothing"


# ------------------------------------------------------------------------------------------ buildings

# Midtown towers (307 m, then 201 m) stand on x = -1500 from y = 5000 to a north face at y = 5040 (a street beyond);
# south of it, nothing reaches 100 m.
TOWER_X_M, TOWER_SOUTH_M, TOWER_NORTH_M = -1500.0, 5000.0, 5040.0


def test_the_tower_is_where_the_tests_think(world: World) -> None:
    ys = np.array([TOWER_SOUTH_M - 1, TOWER_SOUTH_M + 1, TOWER_NORTH_M - 1, TOWER_NORTH_M + 1])
    heights = world.theatre.ground_height_m(np.full(4, TOWER_X_M), ys)
    assert heights[0] < 100.0 and heights[1] > 300.0 and heights[2] > 200.0 and heights[3] == 0.0
    approach = world.theatre.ground_height_m(np.full(100, TOWER_X_M), np.linspace(TOWER_SOUTH_M - 1000, 4999, 100))
    assert approach.max() < 100.0


@pytest.mark.parametrize("dt_s", [0.2, 2.0], ids=["combat-tick", "transit-tick"])
def test_nothing_flies_through_a_building(world: World, airborne: Airborne, dt_s: float) -> None:
    row = airborne(
        world, GUARDIAN, x_m=TOWER_X_M, y_m=TOWER_SOUTH_M - 1000.0, z_m=100.0, speed_mps=world.max_speed_mps[GUARDIAN]
    )
    for _ in range(int(60 / dt_s)):
        fly_for(world, 1, dt_s)
        assert world.y_m[row] < TOWER_NORTH_M, "she came out on the far side of the tower"
        if world.status[row] != Status.AIRBORNE:
            break
    assert world.status[row] == Status.LOST
    crashes = world.logs[0].of_kind(EventKind.CRASH)
    assert len(crashes) == 1 and crashes[0].details["cause"] == "flew into a building"
    assert crashes[0].position_m[1] < TOWER_NORTH_M
    assert crashes[0].position_m[1] == pytest.approx(TOWER_SOUTH_M, abs=1.0)  # stopped at the wall it hit
    assert crashes[0].position_m[2] == pytest.approx(100.0, abs=1.0)


def test_skimming_a_roof_is_allowed(world: World, airborne: Airborne) -> None:
    row = airborne(world, GUARDIAN, x_m=TOWER_X_M, y_m=TOWER_SOUTH_M - 500.0, z_m=320.0, speed_mps=200.0)
    fly_for(world, 25, 0.2)
    assert world.status[row] == Status.AIRBORNE
    assert world.y_m[row] > TOWER_NORTH_M


def _into_the_tower_by_a_turn(world: World, speed_mps: float) -> tuple[float, float]:
    """Where a Guardian heading east at this speed, in a hard left turn for north (the most her wings
    give), starts so that sixty degrees into the turn she is at the tower's middle."""
    n = min(float(world.max_g[GUARDIAN]), (speed_mps / float(world.stall_speed_mps[GUARDIAN])) ** 2)
    radius = speed_mps**2 / (G * np.sqrt(n * n - 1.0))
    middle_y = 0.5 * (TOWER_SOUTH_M + TOWER_NORTH_M)
    return TOWER_X_M - radius * np.sin(np.pi / 3), middle_y - radius * (1.0 - np.cos(np.pi / 3))


@pytest.mark.parametrize("turning", [True, False], ids=["turning-into-it", "holding-course"])
def test_the_look_ahead_follows_the_turn_not_the_nose(world: World, airborne: Airborne, turning: bool) -> None:
    speed = 230.0
    x0, y0 = _into_the_tower_by_a_turn(world, speed)
    straight_ahead = world.theatre.ground_height_m(np.linspace(x0, x0 + 4.0 * speed, 200), np.full(200, y0))
    assert straight_ahead.max() < 50.0, "the line off her nose is clear of every roof"
    row = airborne(world, GUARDIAN, x_m=x0, y_m=y0, z_m=150.0, speed_mps=speed, heading_rad=np.pi / 2)
    world.cmd_heading_rad[row] = 0.0 if turning else np.pi / 2
    avoid_terrain(world, np.array([row]), np.array([4.0]))
    if turning:
        assert world.cmd_gamma_rad[row] >= PULL_UP_RAD and world.cmd_throttle[row] >= 1.0
    else:
        assert world.cmd_gamma_rad[row] == 0.0


@settings(max_examples=300, deadline=None)
@given(
    a=st.floats(-4.0, 4.0),
    turns=st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=48),
)
def test_walking_a_turn_by_small_rotations_keeps_the_exact_heading(a: float, turns: list[float]) -> None:
    # The look-ahead carries its direction along a turn sample by sample (`rotated`), not by two calls
    # to sin and cos a sample: after a whole look-ahead of rotations, it is still the exact direction.
    east, north = math.sin(a), math.cos(a)
    for d in turns:
        east, north = rotated(east, north, d)
    heading = a + math.fsum(turns)
    assert east == pytest.approx(math.sin(heading), abs=1e-12)
    assert north == pytest.approx(math.cos(heading), abs=1e-12)


def _look_ahead_sample_by_sample(world: World, row: int, length_s: float) -> tuple[float, float]:
    """The look-ahead's rule with none of its shortcuts (no ceiling test, no boxes, exact trigonometry at
    every sample): both paths walked sample by sample, each up to the first thing in the way. Returns the
    commanded flight-path angle and throttle it leaves."""
    x, y, z, v, psi, gam = (float(a[row]) for a in world.flight_state()[:6])
    margin = ROOF_MARGIN_M + 0.1 * v
    usable_g = max(0.7 * world.max_g[row] - 1.0, 0.5)
    pull_out_loss = v * v * (1.0 - math.cos(gam)) / (usable_g * G) if gam < 0 else 0.0
    ground_speed, vz = v * math.cos(gam), v * math.sin(gam)
    n = min(world.max_g[row], (v / world.stall_speed_mps[row]) ** 2)
    max_rate = G * math.sqrt(max(n * n - 1.0, 0.0)) / max(ground_speed, 1.0)
    error = wrap(float(world.cmd_heading_rad[row]) - psi)
    theatre = world.theatre

    def ground(px: float, py: float) -> float:
        return float(theatre.ground_height_m(np.array([px]), np.array([py]))[0])

    highest = ground(x, y)
    climb, steepest = z < highest + margin, PULL_UP_RAD
    step = length_s / PATH_SAMPLES
    for path in range(1 if turned_rad(error, max_rate, length_s) == 0.0 else 2):
        px, py = x, y
        for s in range(PATH_SAMPLES):
            swing = turned_rad(error, max_rate, (s + 0.5) * step) if path == 0 else 0.0
            px += ground_speed * math.sin(psi + swing) * step
            py += ground_speed * math.cos(psi + swing) * step
            under = ground(px, py)
            highest = max(highest, under)
            if z + vz * (s + 1) * step < under + margin:
                climb = True
                clear = math.atan2(under + margin - z, ground_speed * (s + 1) * step)
                steepest = max(steepest, min(clear, STEEPEST_PULL_UP_RAD))
                break
    gamma, throttle = float(world.cmd_gamma_rad[row]), float(world.cmd_throttle[row])
    level = z - pull_out_loss < highest + margin and not climb
    if climb:
        gamma = max(gamma, steepest)
    elif level:
        gamma = max(gamma, 0.05)
    return gamma, max(throttle, 1.0) if climb or level else throttle


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    craft=st.lists(
        st.tuples(
            st.floats(-1500.0, 1500.0),  # east of the island's middle
            st.floats(0.0, 1.0),  # how far up the island
            st.floats(0.0, 900.0),  # height
            st.floats(60.0, 240.0),  # speed
            st.floats(-math.pi, math.pi),  # heading
            st.floats(-0.7, 0.5),  # flight-path angle
            st.floats(-math.pi, math.pi),  # commanded heading
            st.floats(0.5, 6.0),  # look-ahead
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_look_aheads_shortcuts_change_no_pilots_commands(
    world: World, airborne: Airborne, craft: list[tuple[float, ...]]
) -> None:
    # Skipping craft above every roof, paths and stretches of a path whose box is clear, and walking
    # turns by small rotations are shortcuts only: over the towers, each pilot is left the commands
    # sampling every point gives.
    x0, y0, x1, y1 = world.theatre.island
    rows = np.arange(len(craft))
    looks = np.array([c[7] for c in craft])
    for row, (east, north, z, v, psi, gam, cmd, _) in zip(rows.tolist(), craft, strict=True):
        airborne(world, row, x_m=0.5 * (x0 + x1) + east, y_m=y0 + north * (y1 - y0), z_m=z, speed_mps=v)
        world.heading_rad[row], world.gamma_rad[row], world.cmd_heading_rad[row] = psi, gam, cmd
        keep_angles(world, np.array([row]))
        world.cmd_gamma_rad[row], world.cmd_throttle[row] = 0.0, 0.6
    expected = [
        _look_ahead_sample_by_sample(world, row, look) for row, look in zip(rows.tolist(), looks.tolist(), strict=True)
    ]
    avoid_terrain(world, rows, looks)
    for row, (gamma, throttle) in zip(rows.tolist(), expected, strict=True):
        assert world.cmd_gamma_rad[row] == pytest.approx(gamma, abs=1e-9)
        assert world.cmd_throttle[row] == throttle


@pytest.mark.parametrize("looking", [True, False], ids=["looking-ahead", "not-looking"])
def test_a_pilot_turning_hard_among_the_towers_clears_the_one_her_turn_carries_her_into(
    world: World, airborne: Airborne, looking: bool
) -> None:
    speed = 230.0
    x0, y0 = _into_the_tower_by_a_turn(world, speed)
    row = airborne(world, GUARDIAN, x_m=x0, y_m=y0, z_m=150.0, speed_mps=speed, heading_rad=np.pi / 2)
    rows, look = np.array([row]), np.array([4.0])
    for _ in range(50):  # ten seconds, turning for north all the while
        world.cmd_heading_rad[row], world.cmd_gamma_rad[row], world.cmd_throttle[row] = 0.0, 0.0, 0.8
        if looking:
            avoid_terrain(world, rows, look)
        fly_for(world, 1, 0.2)
    crashes = world.logs[0].of_kind(EventKind.CRASH)
    if looking:
        assert world.status[row] == Status.AIRBORNE and not crashes
        assert world.x_m[row] > TOWER_X_M, "she is past the tower"
    else:
        assert [e.details["cause"] for e in crashes] == ["flew into a building"]
        assert crashes[0].position_m[0] == pytest.approx(TOWER_X_M, abs=60.0)  # at the midtown towers


def test_a_crippled_guardian_ditching_at_sea_is_lost_like_any_other_and_her_mayday_is_cut(
    world: World, airborne: Airborne
) -> None:
    row = airborne(world, GUARDIAN, z_m=2.0, speed_mps=60.0, gamma_rad=-0.1)
    world.landing_intent[row] = True
    text = "Mayday, mayday, Devil one, both engines gone, putting her down in the water"
    assert start_call(world, row, text, mayday=True)
    world.time_s[0] += 2.0
    fly_for(world, 5, 0.2)

    assert world.status[row] == Status.LOST
    assert world.speed_mps[row] == 0.0
    assert row not in world.calls
    [ditched] = world.logs[0].of_kind(EventKind.DITCHED)
    [mayday] = world.logs[0].of_kind(EventKind.MAYDAY)
    assert mayday.details["cut"] is True and mayday.tick == ditched.tick


# ------------------------------------------------------------------------------------------ two worlds


def test_two_worlds_in_one_process_share_no_state(skirmish: ResolvedScenario) -> None:
    first = build_world(skirmish, [1, 2])
    second = build_world(skirmish, [1, 2])
    arrays = [name for name, value in vars(first).items() if isinstance(value, np.ndarray)]
    assert len(arrays) > 60
    for name in arrays:
        assert not np.shares_memory(getattr(first, name), getattr(second, name)), name
    for name in ("logs", "calls", "callsigns"):
        assert getattr(first, name) is not getattr(second, name), name

    untouched = {name: getattr(second, name).copy() for name in arrays}
    sim = Simulation(first)
    for _ in range(400):
        sim.step()
    first.health[:] = 0.5
    first.callsigns[0] = "Renegade"
    start_call(first, 0, "Nobody else hears this")
    for name in arrays:
        assert np.array_equal(getattr(second, name), untouched[name], equal_nan=True), name
    assert all(len(log) == 0 for log in second.logs)
    assert second.calls == {} and second.callsigns[0] == "Devil one"


# ------------------------------------------------------------------------------------------ randomness


COORDS = st.tuples(
    st.integers(0, 2**64 - 1), st.integers(0, 2**31 - 1), st.integers(0, 2**40), st.sampled_from(list(Purpose))
)


@given(st.lists(COORDS, min_size=1, max_size=20))
def test_uniform_is_in_the_unit_interval_and_a_pure_function_of_its_coordinates(
    coords: list[tuple[int, int, int, Purpose]],
) -> None:
    for seed, craft, tick, purpose in coords:
        u = float(uniform(np.uint64(seed), craft, tick, purpose))
        assert 0.0 <= u < 1.0
        assert float(uniform(np.uint64(seed), craft, tick, purpose)) == u
    # The same draws in one vectorised call, in any order, whatever else is drawn beside them.
    for purpose in {c[3] for c in coords}:
        mine = [c for c in coords if c[3] == purpose]
        seeds = np.array([c[0] for c in mine], dtype=np.uint64)
        crafts = np.array([c[1] for c in mine], dtype=np.int64)
        ticks = np.array([c[2] for c in mine], dtype=np.int64)
        together = uniform(seeds, crafts, ticks, purpose)
        reversed_ = uniform(seeds[::-1], crafts[::-1], ticks[::-1], purpose)[::-1]
        alone = [float(uniform(np.uint64(s), c, t, purpose)) for s, c, t, _ in mine]
        assert together.tolist() == alone == reversed_.tolist()


def test_each_purpose_is_its_own_stream() -> None:
    draws = {p: float(uniform(np.uint64(3), 5, 100, p)) for p in Purpose}
    assert len(set(draws.values())) == len(draws)


@given(seed=st.integers(0, 2**31 - 1), runs=st.integers(1, 64), prefix=st.integers(1, 64))
def test_spawned_seeds_are_reproducible_and_extend_a_smaller_batch(seed: int, runs: int, prefix: int) -> None:
    seeds = spawn_seeds(seed, runs)
    assert seeds == spawn_seeds(seed, runs)
    assert len(seeds) == runs and seeds[0] == seed
    assert spawn_seeds(seed, min(prefix, runs)) == seeds[: min(prefix, runs)]
    assert all(isinstance(s, int) and 0 <= s < 2**31 for s in seeds)
    assert len(set(seeds)) == len(seeds)


def test_a_batch_of_no_runs_is_refused() -> None:
    with pytest.raises(ValueError):
        spawn_seeds(1, 0)


ANGLES = st.floats(-1e4, 1e4, allow_nan=False)


@given(st.lists(ANGLES, min_size=1, max_size=20))
def test_the_compiled_wraps_are_the_numpy_wraps(angles: list[float]) -> None:
    """A kernel's `wrap` and `heading_of` give, to the bit, what `wrap_angle` and `wrap_heading` give."""
    a = np.array(angles)
    assert [wrap(v) for v in angles] == wrap_angle(a).tolist()
    assert [heading_of(v) for v in angles] == wrap_heading(a).tolist()
    # Within the circle; a tiny negative angle can round up onto 2 pi itself (floating-point modulo).
    assert np.all((wrap_angle(a) >= -np.pi) & (wrap_angle(a) <= np.pi))
    assert np.all((wrap_heading(a) >= 0.0) & (wrap_heading(a) <= 2 * np.pi))


def test_the_hull_is_one_box_for_crashes_checks_and_shells(world: World) -> None:
    """Inside the hull's box is inside for everyone: a point just in, one just out on each axis, and the
    footprint (no height) for a shell."""
    assert world.ship_xyz is not None
    sx, sy, sz = world.ship_xyz
    hx, hy, hz = world.ship_half_m
    x = np.array([sx, sx + hx - 1.0, sx + hx + 1.0, sx, sx])
    y = np.array([sy, sy, sy, sy + hy + 1.0, sy])
    z = np.array([sz, sz, sz, sz, sz + hz + 1.0])
    assert inside_hull(world, x, y, z).tolist() == [True, True, False, False, False]
    assert inside_hull(world, x, y).tolist() == [True, True, False, False, True]
    assert inside_box(hx + 50.0, 0.0, 0.0, hx, hy, hz, 80.0, 25.0)
    assert not inside_box(hx + 90.0, 0.0, 0.0, hx, hy, hz, 80.0, 25.0)
