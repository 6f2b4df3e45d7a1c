"""The front's rules in compiled code, held to the NumPy rules they replaced, written out below.

The batteries' fire, the swarm's strikes and the dealing of new units run every tick of a day at the
front, over every craft: compiled, they must leave the World, the front and the event log exactly as the
NumPy rules did, through a whole small day at the front, at every tick where anything fires.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.doctrine.modes import Mode
from captainred.engine.damage import lose
from captainred.engine.events import EventKind, EventLog
from captainred.engine.fields import field_table
from captainred.engine.front import GROUND_ID_BASE, Front
from captainred.engine.rng import Purpose, uniform
from captainred.engine.setup import build_world
from captainred.engine.world import LGF, OWN_ARRAYS_KEYS, Status, Sub, World, emit
from captainred.front import stage
from captainred.front.stage import (
    FLAK_KILL,
    STRIKE_HITS_PER_S,
    STRIKE_SPREAD,
    TOO_CLOSE_TO_CALL,
    _batteries_fire,
    _battery_tally,
    _deal_new_units,
    _emit_unit,
    _pounded,
    _strikes,
    _waves_due,
    front_pending,
    front_tick_s,
)
from captainred.scenario import load_scenario
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import Simulation

FRONT_SMALL = Path(__file__).parent / "scenarios" / "front-small.toml"
EVERY = 10  # of the ticks where anything fires, those compared


def batteries_fire_in_numpy(world: World, front: Front) -> None:
    """The batteries' fire as NumPy gave it before the rule was compiled."""
    battery = front.battery_type
    assert battery is not None
    laid = np.flatnonzero(front.laying_on >= 0)
    front.rounds_due[front.laying_on < 0] = 0.0
    if not len(laid):
        return
    lgf = front.laying_on[laid]
    up = world.status[lgf] == int(Status.AIRBORNE)
    slant = np.sqrt(
        (world.x_m[lgf] - front.x_m[laid]) ** 2 + (world.y_m[lgf] - front.y_m[laid]) ** 2 + world.z_m[lgf] ** 2
    )
    in_reach = up & (slant < battery.range_m) & (world.z_m[lgf] <= battery.ceiling_m)
    front.rounds_due[laid[~in_reach]] = 0.0
    laid, lgf, slant = laid[in_reach], lgf[in_reach], slant[in_reach]
    if not len(laid):
        return
    b = front.battle[laid]
    front.rounds_due[laid] += front.guns[laid] * battery.rate_rpm / 60.0 * world.dt_s[b]
    rounds = np.minimum(np.floor(front.rounds_due[laid]).astype(np.int64), front.shells[laid])
    front.rounds_due[laid] -= np.floor(front.rounds_due[laid])
    dry = (front.shells[laid] > 0) & (front.shells[laid] - rounds == 0)
    front.shells[laid] -= rounds
    front.rounds_fired[laid] += rounds
    p_round = battery.hit_probability * np.clip(1.0 - slant / battery.range_m, 0.0, 1.0)
    p_hit = 1.0 - (1.0 - p_round) ** rounds
    key = GROUND_ID_BASE + front.unit[laid]
    tick = world.tick[b]
    hit = uniform(world.seed[b], key, tick, Purpose.FLAK_HIT) < p_hit
    outright = uniform(world.seed[b], key, tick, Purpose.FLAK_KILL) < FLAK_KILL
    for k in np.flatnonzero(hit).tolist():
        u, row = int(laid[k]), int(lgf[k])
        name = front.names[u % front.g]
        if world.status[row] != int(Status.AIRBORNE):
            continue
        if outright[k] or world.smoking[row]:
            world.health[row, Sub.AIRFRAME] = 0.0
            lose(world, row, EventKind.DESTROYED, None, cause="anti-aircraft fire", battery=name)
            front.kills[u] += 1
        else:
            world.health[row, Sub.AIRFRAME] = 0.5
            world.smoking[row] = True
            emit(world, row, EventKind.SMOKING, battery=name)
    for u in laid[dry].tolist():
        _emit_unit(world, front, u, EventKind.BATTERY_SILENCED, reason="out of shells", **_battery_tally(front, u))


def strikes_in_numpy(world: World, front: Front, active: np.ndarray, dt: np.ndarray) -> None:
    """The swarm's strikes as NumPy gave them before the rule was compiled."""
    rows = np.flatnonzero(
        active
        & (world.side == LGF)
        & (world.status == int(Status.AIRBORNE))
        & (world.mode == int(Mode.STRIKE))
        & world.trigger
    )
    rows = rows[~world.overheated[rows] & (world.blackout_s[rows] <= 0.0)]
    if not len(rows):
        return
    spec = [t.energy_weapon for t in world.types]
    heat_limit = np.array([w.heat_limit_s if w else np.inf for w in spec])[world.type_index[rows]]
    damage = np.array([w.ground_damage if w else 0.0 for w in spec])[world.type_index[rows]]
    world.heat_s[rows] += dt[rows]
    world.overheated[rows[world.heat_s[rows] >= heat_limit]] = True
    world.firing[rows] = True
    units = world.battle[rows].astype(np.int64) * front.g + world.strike_at[rows]
    started = rows[~world.was_firing[rows]]
    world.bursts_left[started] -= 1
    np.add.at(front.bursts_taken, units[~world.was_firing[rows]], 1)
    b = world.battle[rows]
    tick = world.tick[b]
    p = 1.0 - np.exp(-STRIKE_HITS_PER_S * world.skill[rows] * dt[rows])
    hit = uniform(world.row_seed[rows], world.craft[rows], tick, Purpose.STRIKE_HIT) < p
    size = 1.0 + STRIKE_SPREAD * (
        2.0 * uniform(world.row_seed[rows], world.craft[rows], tick, Purpose.STRIKE_DAMAGE) - 1.0
    )
    taken = np.zeros(len(front.battle))
    np.add.at(taken, units[hit], (damage * size)[hit])
    np.add.at(front.bolts_taken, units[hit], 1)
    for u in np.flatnonzero(taken > 0).tolist():
        _pounded(world, front, u, float(taken[u]))


def new_units_in_numpy(world: World, front: Front) -> None:
    """The dealing of new units as NumPy gave it before the rule was compiled."""
    lost = front.lost.reshape(world.n_battles, front.g)
    striker = np.flatnonzero(world.strike_at >= 0)
    b = world.battle[striker]
    orphan = striker[lost[b, world.strike_at[striker]]]
    for row in orphan.tolist():
        battle, old = int(world.battle[row]), int(world.strike_at[row])
        standing = np.flatnonzero(~lost[battle])
        if len(standing):
            world.strike_at[row] = int(standing[np.searchsorted(standing, old) % len(standing)])


def branch(world: World) -> World:
    """A copy of the World to try a rule on: every field and the front's copied, and empty logs (the
    rule's own events are what is compared). Cheaper than a deep copy, whose logs grow all day."""
    other = copy.copy(world)
    for spec in field_table(World):
        setattr(other, spec.name, getattr(world, spec.name).copy())
    assert world.front is not None
    other.front = copy.copy(world.front)
    for spec in field_table(Front):
        setattr(other.front, spec.name, getattr(world.front, spec.name).copy())
    other.logs = [EventLog() for _ in world.logs]
    other.calls = dict(world.calls)
    other.constants = {k: v for k, v in world.constants.items() if k not in OWN_ARRAYS_KEYS}
    return other


def tick_cap_in_numpy(world: World) -> np.ndarray:
    """The front's cap on the tick as NumPy gave it before the rule was compiled."""
    cap = np.full(world.n_battles, np.inf)
    out = (world.strike_at >= 0) & (world.status == int(Status.AIRBORNE))
    cap[np.unique(world.battle[out])] = world.plan.timing.combat_tick_s
    return cap


def pending_in_numpy(world: World, front: Front) -> np.ndarray:
    """What keeps a battle at the front open, as NumPy gave it before the rule was compiled."""
    pending = np.zeros(world.n_battles, dtype=bool)
    striker = world.strike_at >= 0
    going = striker & (
        (world.status == int(Status.AIRBORNE)) | ((world.status == int(Status.READY)) & np.isfinite(world.launch_at_s))
    )
    pending[np.unique(world.battle[going])] = True
    pending &= ~np.isfinite(front.broken_s)
    return pending


def differences(a: World, b: World) -> list[str]:
    """The fields, front fields and logs in which two Worlds differ."""
    out = [
        spec.name
        for spec in field_table(World)
        if not np.array_equal(getattr(a, spec.name), getattr(b, spec.name), equal_nan=True)
    ]
    assert a.front is not None and b.front is not None
    out += [
        f"front.{spec.name}"
        for spec in field_table(Front)
        if not np.array_equal(getattr(a.front, spec.name), getattr(b.front, spec.name), equal_nan=True)
    ]
    if [log.digest() for log in a.logs] != [log.digest() for log in b.logs]:
        out.append("logs")
    return out


@pytest.fixture(scope="module")
def front_small() -> ResolvedScenario:
    return load_scenario(FRONT_SMALL)


def all_too_close_to_call(kernel: Callable[..., tuple[Any, ...]], verdicts_at: int) -> Callable[..., tuple[Any, ...]]:
    """`kernel` with every draw it returns marked too close to call, so that NumPy settles each."""

    def wrapped(*args: Any) -> tuple[Any, ...]:
        out = list(kernel(*args))
        out[verdicts_at] = np.full_like(out[verdicts_at], TOO_CLOSE_TO_CALL)
        return tuple(out)

    return wrapped


@pytest.mark.slow
@pytest.mark.parametrize("hard_day", [False, True], ids=["as-built", "short-of-shells-every-draw-to-numpy"])
def test_the_compiled_front_leaves_what_the_numpy_rules_left_through_a_small_day(
    front_small: ResolvedScenario, hard_day: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two battles of a small day at the front, stepped to the end: at every tenth tick where a battery is
    # laid or an LGF is on a diving run, and every tick where a battery laid is down to its last shells,
    # each compiled rule is run on one copy of the World and its NumPy
    # rule on another, and the two must agree in every field, the front's and the logs. The battle itself
    # is fought on by the step, so later ticks see units lost. At every tick, the
    # front's cap on the tick and what keeps a battle open are NumPy's too. On the hard day the batteries
    # have 40 shells each, so they run dry, and every draw the kernels make is left to NumPy, as a draw too
    # close to its chance would be.
    world = build_world(front_small, [1, 2])
    assert world.front is not None
    if hard_day:
        np.minimum(world.front.shells, 40, out=world.front.shells)
        monkeypatch.setattr(stage, "_guns_fire", all_too_close_to_call(stage._guns_fire, 4))
        monkeypatch.setattr(stage, "_strike_rows", all_too_close_to_call(stage._strike_rows, 1))
    sim = Simulation(world)
    compared = {"batteries": 0, "strikes": 0, "units lost": 0, "dry": 0}
    eligible = 0
    while not sim.finished:
        sim.step()
        world, ctx = sim.world, sim.context
        front = world.front
        assert front is not None
        assert np.array_equal(front_tick_s(world), tick_cap_in_numpy(world))
        assert np.array_equal(front_pending(world), pending_in_numpy(world, front))
        striking = bool((world.mode == int(Mode.STRIKE)).any())
        if not ((front.laying_on >= 0).any() or striking):
            continue
        eligible += 1
        running_dry = bool(((front.shells > 0) & (front.shells <= 8) & (front.laying_on >= 0)).any())
        if eligible % EVERY and not running_dry:
            continue
        strikers = np.flatnonzero(world.strike_at >= 0)
        active, dt = ctx.active, ctx.dt
        rules = (
            ("batteries", _batteries_fire, batteries_fire_in_numpy),
            (
                "strikes",
                partial(_strikes, active=active, dt=dt),
                partial(strikes_in_numpy, active=active, dt=dt),
            ),
            ("units lost", _deal_new_units, new_units_in_numpy),
        )
        for name, compiled, in_numpy in rules:
            ours, theirs = branch(world), branch(world)
            assert ours.front is not None and theirs.front is not None
            if name == "units lost":
                # The step deals new units in the tick a unit is lost, so none is left to deal between
                # steps: lose the first striker's unit in both copies.
                if not len(strikers):
                    continue
                lost_unit = world.battle[strikers[0]] * front.g + world.strike_at[strikers[0]]
                ours.front.lost[lost_unit] = theirs.front.lost[lost_unit] = True
            compiled(ours, ours.front)
            in_numpy(theirs, theirs.front)
            assert differences(ours, theirs) == [], f"{name} at step {sim.steps}"
            compared[name] += 1
            if name == "batteries":
                compared["dry"] += sum(e.details.get("reason") == "out of shells" for log in ours.logs for e in log)
    assert min(compared["batteries"], compared["strikes"], compared["units lost"]) > 20, compared
    assert (compared["dry"] > 0) == hard_day, compared


@settings(max_examples=300, deadline=None)
@given(
    battles=st.lists(
        st.tuples(st.booleans(), st.integers(0, 4), st.integers(0, 6), st.sampled_from([0.0, 0.5, 1.0])),
        min_size=1,
        max_size=8,
    ),
    count=st.integers(0, 5),
)
def test_the_waves_due_are_those_the_timetable_says(battles: list[tuple[bool, int, int, float]], count: int) -> None:
    # Times land exactly on a wave's time (first + k * every), half a wave before, or on the next one.
    first_s, every_s = 30.0, 20.0
    done = np.array([b[0] for b in battles])
    out = np.array([b[1] for b in battles], dtype=np.int64)
    time_s = np.array([first_s + (b[2] - b[3]) * every_s for b in battles])
    expected = [
        b for b in range(len(battles)) if not done[b] and out[b] < count and time_s[b] >= first_s + out[b] * every_s
    ]
    assert _waves_due(done, out, time_s, count, first_s, every_s).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(
    g=st.integers(1, 12),
    data=st.data(),
)
def test_an_lgf_whose_unit_is_gone_goes_against_the_next_standing_one_along_as_searchsorted_finds_it(
    front_small: ResolvedScenario, g: int, data: st.DataObject
) -> None:
    world = build_world(front_small, [1, 2])
    front = world.front
    assert front is not None
    lost = np.array(data.draw(st.lists(st.booleans(), min_size=2 * g, max_size=2 * g)), dtype=bool)
    strike = data.draw(st.lists(st.integers(-1, g - 1), min_size=world.n, max_size=world.n))
    fake = copy.copy(front)
    fake.g, fake.lost = g, lost
    ours, theirs = copy.deepcopy(world), copy.deepcopy(world)
    for w in (ours, theirs):
        w.strike_at[:] = strike
    _deal_new_units(ours, fake)
    new_units_in_numpy(theirs, fake)
    assert np.array_equal(ours.strike_at, theirs.strike_at)
