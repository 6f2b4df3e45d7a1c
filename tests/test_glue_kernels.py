"""The small kernels of the step's glue (the clock, the net's hold, the ship's reach into minds, the fleet's
place, the prey and Air Command's selections) give what the NumPy rules they replaced gave, on arbitrary
inputs: the rules are written out here as they were."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.doctrine.air_command import _count_modes, _how_they_steer
from captainred.doctrine.modes import Mode
from captainred.doctrine.sortie import POSITION_REPORT_S, lowest_of_squadrons, reports_due
from captainred.doctrine.triage import _herded, _unclaimed_kills
from captainred.engine.arrays import arrays_with
from captainred.engine.census import _count
from captainred.engine.clock import _tick
from captainred.engine.damage import _mark_prey_rows, _wings_at_risk
from captainred.engine.mind import _wake_and_recover
from captainred.engine.rng import Purpose, uniform, uniform_one
from captainred.engine.world import AIR_COMMAND, LGF, Flag, Status, Sub, _mean_of_carriers
from captainred.fleet.carrier_deck import DeckPlace, _any_deck_job, _anything_due
from captainred.fleet.net import CRIPPLED, _meeting_the_net
from captainred.fleet.steaming import _soonest_deck_jobs, _soonest_launches, _steam_battles

COORDS = st.tuples(
    st.integers(0, 2**64 - 1), st.integers(0, 2**31 - 1), st.integers(0, 2**40), st.sampled_from(list(Purpose))
)


@settings(deadline=None)
@given(st.lists(COORDS, min_size=1, max_size=50))
def test_one_draw_in_a_kernel_is_the_arrays_draw(coords: list[tuple[int, int, int, Purpose]]) -> None:
    seeds = np.array([c[0] for c in coords], dtype=np.uint64)
    for purpose in Purpose:
        crafts = np.array([c[1] for c in coords], dtype=np.int64)
        ticks = np.array([c[2] for c in coords], dtype=np.int64)
        drawn = uniform(seeds, crafts, ticks, purpose).tolist()
        one = [uniform_one(s, int(c), int(t), int(purpose)) for s, c, t in zip(seeds, crafts, ticks, strict=True)]
        assert one == drawn
        # A number, or an array of one, stands for every element (NumPy's broadcasting).
        first = [uniform_one(seeds[0], int(c), int(ticks[0]), int(purpose)) for c in crafts]
        assert uniform(seeds[0], crafts, int(ticks[0]), purpose).tolist() == first
        assert uniform(seeds[:1], crafts, ticks[:1], purpose).tolist() == first


def test_draws_refuse_coordinates_that_do_not_broadcast() -> None:
    with pytest.raises(ValueError, match="do not broadcast"):
        uniform(np.zeros(2, np.uint64), np.zeros(3, np.int64), 0, Purpose.HEARD)
    with pytest.raises(ValueError, match="one-dimensional"):
        uniform(np.zeros((2, 2), np.uint64), 0, 0, Purpose.HEARD)
    assert uniform(np.zeros(0, np.uint64), 5, np.zeros(1, np.int64), Purpose.HEARD).shape == (0,)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**32))
def test_the_clock_kernel_takes_the_tick_the_numpy_rule_took(n_battles: int, key: int) -> None:
    rng = np.random.default_rng(key)
    quiet_m, transit_s, combat_s, idle_s, duration_s = 20_000.0, 2.0, 0.2, 60.0, 3_600.0
    done = rng.random(n_battles) < 0.3
    enemy_m = rng.choice([5_000.0, 20_000.0, 50_000.0, np.inf], n_battles)
    in_the_air = rng.choice([0, 0, 3], n_battles).astype(np.int64)
    caps = rng.choice([np.inf, 0.2, 1.0, 0.05], n_battles)
    wakes = rng.choice([np.inf, 0.0, 0.1, 30.0, 1e4], n_battles) + rng.uniform(0.0, 4000.0, n_battles)
    near_the_end = rng.random(n_battles) < 0.2
    time_s = np.where(near_the_end, duration_s - rng.uniform(0.0, 1.0, n_battles), rng.uniform(0.0, 3_000.0, n_battles))
    before = time_s.copy()
    tick = rng.integers(0, 10_000, n_battles)
    per = rng.integers(0, 4, n_battles)
    battle = np.repeat(np.arange(n_battles), per).astype(np.int32)

    # The rule as simulation._clock had it in NumPy.
    flying = in_the_air > 0
    active_battles = ~done
    dt_b = np.where(enemy_m > quiet_m, transit_s, combat_s)
    if not flying.all():
        idle = np.clip(np.minimum(idle_s, wakes - time_s), combat_s, None)
        dt_b = np.where(flying, dt_b, idle)
    dt_b = np.minimum(dt_b, caps)
    dt_b = np.where(active_battles, np.minimum(dt_b, duration_s - time_s), 0.0)
    want_time, want_tick = time_s.copy(), tick.copy()
    want_time[active_battles] += dt_b[active_battles]
    want_tick[active_battles] += 1

    dt_s, tick_start_s = np.full(n_battles, -1.0), np.full(n_battles, -1.0)
    got_active_battles = np.zeros(n_battles, bool)
    active, dt = np.zeros(len(battle), bool), np.full(len(battle), -1.0)
    w = arrays_with(done=done, time_s=time_s, tick=tick, dt_s=dt_s, tick_start_s=tick_start_s, battle=battle)
    _tick.in_turn(
        w, enemy_m, quiet_m, transit_s, combat_s, idle_s, duration_s, in_the_air, caps, wakes,
        got_active_battles, active, dt,
    )  # fmt: skip
    assert dt_s.tolist() == dt_b.tolist()
    assert tick_start_s.tolist() == before.tolist()
    assert time_s.tolist() == want_time.tolist() and tick.tolist() == want_tick.tolist()
    assert got_active_battles.tolist() == active_battles.tolist()
    assert active.tolist() == active_battles[battle].tolist() and dt.tolist() == dt_b[battle].tolist()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32))
def test_the_nets_hold_finds_the_crossings_the_numpy_rule_found(n: int, key: int) -> None:
    rng = np.random.default_rng(key)
    n_battles, radius_m = 3, 6_000.0
    battle = rng.integers(0, n_battles, n).astype(np.int32)
    side = rng.choice([AIR_COMMAND, LGF], n).astype(np.int8)
    mode = rng.choice([0, 2, CRIPPLED], n).astype(np.int8)
    centre = rng.uniform(-1_000.0, 1_000.0, (n_battles, 2))
    net_up = rng.random(n_battles) < 0.8
    x, y, z = (rng.uniform(-7_000.0, 7_000.0, n) for _ in range(3))
    moved = np.sort(rng.choice(n, rng.integers(0, n + 1), replace=False)).astype(np.int64)
    x0, y0 = x[moved] + rng.normal(0.0, 300.0, len(moved)), y[moved] + rng.normal(0.0, 300.0, len(moved))
    z0 = z[moved] + rng.normal(0.0, 300.0, len(moved))

    # The rule as fleet.net._hold_friendlies had it in NumPy.
    ours = (side[moved] == AIR_COMMAND) & (mode[moved] != CRIPPLED)
    k = np.flatnonzero(ours)
    b = battle[moved[k]]
    c = centre[b]
    r0 = np.sqrt((x0[k] - c[:, 0]) ** 2 + (y0[k] - c[:, 1]) ** 2 + np.maximum(z0[k], 0.0) ** 2)
    x1, y1, z1 = x[moved[k]], y[moved[k]], z[moved[k]]
    r1 = np.sqrt((x1 - c[:, 0]) ** 2 + (y1 - c[:, 1]) ** 2 + np.maximum(z1, 0.0) ** 2)
    want = k[((r0 < radius_m) != (r1 < radius_m)) & net_up[b]]

    w = arrays_with(side=side, mode=mode, battle=battle, x_m=x, y_m=y, z_m=z, net_up=net_up)
    got = _meeting_the_net(moved, x0, y0, z0, w, centre, radius_m)
    assert got.tolist() == want.tolist()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20), st.integers(0, 2**32), st.sampled_from([1e-4, 0.05, 2.0, 50.0]))
def test_the_minds_kernel_passes_over_no_pilot_the_ship_would_catch(n: int, key: int, hazard_per_s: float) -> None:
    rng = np.random.default_rng(key)
    ours = np.arange(n, dtype=np.int64)
    active = rng.random(n) < 0.9
    dt = rng.choice([0.05, 0.2, 2.0], n)
    battle = np.zeros(n, np.int32)
    time_s = np.array([100.0])
    status = rng.choice([int(Status.AIRBORNE), int(Status.READY)], n, p=[0.9, 0.1]).astype(np.int8)
    pilot_dead = rng.random(n) < 0.05
    blackout_s = rng.choice([0.0, 0.0, 0.1, 5.0], n)
    spinning = rng.random(n) < 0.2
    spin_until_s = rng.choice([50.0, 150.0], n)
    ship_range_m = rng.uniform(0.0, 3_000.0, n)
    reach_m = 2_000.0
    susceptibility = rng.uniform(0.0, 1.0, n)
    row_seed = rng.integers(0, 2**63, n).astype(np.uint64)
    craft = np.arange(n, dtype=np.int32)
    tick = np.array([int(rng.integers(0, 10**6))])

    # The rule as engine.mind had it in NumPy: blackouts wear off, spins end, then who is exposed.
    left = blackout_s.copy()
    waking = ours[active & (left > 0)]
    left[waking] = np.maximum(left[waking] - dt[waking], 0.0)
    up = ours[active & (status == int(Status.AIRBORNE)) & ~pilot_dead]
    still = spinning.copy()
    recovering = up[still[up] & (left[up] <= 0) & (time_s[battle[up]] >= spin_until_s[up])]
    still[recovering] = False
    idx = up[(ship_range_m[up] < reach_m) & (left[up] <= 0) & ~still[up]]
    hazard = hazard_per_s * susceptibility[idx] ** 2
    u = uniform(row_seed[idx], craft[idx], tick[battle[idx]], Purpose.BLACKOUT)
    caught = u < 1 - np.exp(-hazard * dt[idx])

    w = arrays_with(
        battle=battle, time_s=time_s, status=status, pilot_dead=pilot_dead, blackout_s=blackout_s, spinning=spinning,
        spin_until_s=spin_until_s, susceptibility=susceptibility, row_seed=row_seed, craft=craft, tick=tick,
    )  # fmt: skip
    recovered, exposed = _wake_and_recover(ours, active, dt, w, ship_range_m, reach_m, hazard_per_s)
    assert blackout_s.tolist() == left.tolist() and spinning.tolist() == still.tolist()
    assert recovered.tolist() == recovering.tolist()
    if caught.any():
        assert exposed.tolist() == idx.tolist()
    assert exposed.tolist() in (idx.tolist(), [])


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3), st.integers(1, 5), st.integers(0, 2**32))
def test_the_fleets_centre_and_its_steaming_are_the_numpy_rules_to_the_bit(
    n_carriers: int, n_battles: int, key: int
) -> None:
    rng = np.random.default_rng(key)
    start = rng.uniform(-1e5, 1e5, (n_carriers, 2))
    time_s = rng.uniform(0.0, 1e5, n_battles)
    velocity = rng.uniform(-20.0, 20.0, 2)
    carrier_xy = np.zeros((n_battles, n_carriers, 2))
    _steam_battles(start, time_s, velocity, carrier_xy)
    want = start[None, :, :] + time_s[:, None, None] * velocity[None, None, :]
    assert carrier_xy.tolist() == want.tolist()
    centre = np.empty((n_battles, 2))
    _mean_of_carriers(carrier_xy, centre)
    with np.errstate(invalid="ignore"):
        mean = carrier_xy.sum(axis=1) / n_carriers if n_carriers else np.full((n_battles, 2), np.nan)
    np.testing.assert_array_equal(centre, mean)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 60), st.integers(0, 2**32))
def test_prey_the_herded_and_unclaimed_kills_are_the_numpy_rules(n: int, key: int) -> None:
    rng = np.random.default_rng(key)
    side = rng.choice([AIR_COMMAND, LGF], n).astype(np.int8)
    status = rng.choice([int(Status.AIRBORNE), int(Status.READY), int(Status.LOST)], n).astype(np.int8)
    smoking, wounded, spinning, forced_down = (rng.random(n) < 0.2 for _ in range(4))
    flags = rng.choice([0, int(Flag.TAIL_HIT), int(Flag.MAYDAY), int(Flag.TAIL_HIT | Flag.BINGO)], n).astype(np.int32)
    leak = np.where(rng.random(n) < 0.2, rng.uniform(0.0, 2.0, n), 0.0)
    escorts = rng.integers(0, 5, n)
    kills, kills_called = rng.integers(0, 3, n).astype(np.int32), rng.integers(0, 3, n).astype(np.int32)
    ours = np.flatnonzero(side == AIR_COMMAND)
    up = ours[status[ours] == int(Status.AIRBORNE)]

    # The rules as they were in NumPy (damage's struggling, simulation's prey, Air Command's selections).
    struggling = smoking | wounded | (flags & int(Flag.TAIL_HIT) > 0) | (leak > 0)
    prey = np.ones(n, bool)  # stale scratch: every Air Command row is written, the swarm's are not
    prey[side == LGF] = False
    w = arrays_with(
        status=status, smoking=smoking, wounded=wounded, flags=flags, leak_kg_s=leak, spinning=spinning, prey=prey
    )
    _mark_prey_rows(ours, w)
    assert (
        prey.tolist() == ((side == AIR_COMMAND) & (status == int(Status.AIRBORNE)) & (struggling | spinning)).tolist()
    )
    escorted = up[escorts[up] >= 3]
    herded = escorted[struggling[escorted] & ~forced_down[escorted]]
    assert _herded(up, escorts, forced_down, smoking, wounded, flags, leak).tolist() == herded.tolist()
    assert _unclaimed_kills(up, kills, kills_called).tolist() == up[kills[up] > kills_called[up]].tolist()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 60), st.integers(1, 12), st.integers(0, 2**32))
def test_air_commands_census_leaders_and_steerers_are_the_numpy_rules(n: int, squadrons: int, key: int) -> None:
    rng = np.random.default_rng(key)
    mode = rng.integers(0, len(Mode), n).astype(np.int8)
    spinning = rng.random(n) < 0.2
    skill = rng.random(n)
    squadron = rng.integers(-1, squadrons, n).astype(np.int32)
    up = np.sort(rng.choice(n, rng.integers(0, n + 1), replace=False)).astype(np.int64)

    counts = np.zeros(len(Mode), dtype=np.int64)
    _count_modes(up, mode, counts)
    assert counts.tolist() == np.bincount(mode[up], minlength=len(Mode)).tolist()

    # Leaders as they were found in NumPy (np.minimum.at over the rows with a squadron).
    want = np.full(squadrons, n, dtype=np.int64)
    rows = up[squadron[up] >= 0]
    np.minimum.at(want, squadron[rows], rows)
    leaders = np.full(squadrons, -1, dtype=np.int64)
    lowest_of_squadrons(up, squadron, leaders)
    assert leaders.tolist() == np.where(want == n, -1, want).tolist()

    steering, lookahead, unspun = _how_they_steer(up, mode, spinning, skill)
    want_steering = up[~spinning[up] & (mode[up] != int(Mode.CRIPPLED))]
    assert steering.tolist() == want_steering.tolist()
    assert lookahead.tolist() == (2.0 + 2.5 * skill[want_steering]).tolist()
    assert unspun.tolist() == up[~spinning[up]].tolist()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(1, 4), st.integers(0, 2**32))
def test_reports_due_and_deck_jobs_are_what_the_numpy_rules_found(n: int, n_battles: int, key: int) -> None:
    rng = np.random.default_rng(key)
    battle = rng.integers(0, n_battles, n).astype(np.int32)
    time_s = rng.uniform(0.0, 5_000.0, n_battles)

    # Position reports: the loop over the squadrons with a leader, as it was.
    leaders = np.where(rng.random(8) < 0.6, rng.integers(0, n, 8), -1).astype(np.int64)
    reported = rng.choice([-np.inf, 0.0, 1_000.0, 4_900.0], 8)
    want = [
        sq
        for sq in np.flatnonzero(leaders >= 0).tolist()
        if not float(time_s[battle[leaders[sq]]]) - reported[sq] < POSITION_REPORT_S
    ]
    assert reports_due(leaders, battle, time_s, reported).tolist() == want

    # The deck's turnaround has work exactly when its NumPy pass would finish a job, or start one: an
    # aircraft waiting for hands at a deck or hangar (of her own carrier) where some are free.
    ours = np.arange(n, dtype=np.int64)
    active = rng.random(n) < 0.8
    status = rng.choice([int(Status.RETURNED), int(Status.READY), int(Status.AIRBORNE)], n).astype(np.int8)
    place = rng.choice([int(p) for p in DeckPlace], n).astype(np.int8)
    ready = rng.choice([np.inf, np.nan, 0.0, 2_500.0, 6_000.0], n)
    n_carriers = int(rng.integers(1, 3))
    key = battle.astype(np.int64) * n_carriers + rng.integers(0, n_carriers, n)
    crews, mechanics = rng.integers(0, 3, n_carriers), rng.integers(0, 3, n_carriers)
    aboard = ours[active & (status == int(Status.RETURNED))]
    worked = aboard[np.isin(place[aboard], (int(DeckPlace.ON_DECK), int(DeckPlace.HANGAR)))]
    due = worked[ready[worked] <= time_s[battle[worked]]]
    starts = False
    for where, hands in ((DeckPlace.ON_DECK, crews), (DeckPlace.HANGAR, mechanics)):
        here = worked[place[worked] == int(where)]
        busy = np.bincount(key[here[np.isfinite(ready[here])]], minlength=n_battles * n_carriers)
        free = hands[np.arange(n_battles * n_carriers) % n_carriers] - busy
        waiting = here[~np.isfinite(ready[here])]
        starts |= bool((free[key[waiting]] > 0).any())
    w = arrays_with(status=status, deck_place=place, deck_ready_s=ready, time_s=time_s, battle=battle)
    got = _any_deck_job(ours, active, w, key, crews, mechanics)
    assert got == bool(len(due) or starts)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 50), st.integers(1, 5), st.integers(0, 2**32))
def test_the_soonest_launch_and_deck_job_are_what_the_numpy_rules_found(n: int, n_battles: int, key: int) -> None:
    """What the clock waits for while nothing flies: the compiled passes against the NumPy rules they
    replaced (np.minimum.at over the rows that count), on rows in battles of any sizes."""
    rng = np.random.default_rng(key)
    cuts = np.sort(rng.integers(0, n + 1, n_battles - 1))
    row_start = np.concatenate([[0], cuts]).astype(np.int64)
    row_stop = np.concatenate([cuts, [n]]).astype(np.int64)
    battle = np.repeat(np.arange(n_battles), row_stop - row_start).astype(np.int32)
    status = rng.choice([int(Status.READY), int(Status.AIRBORNE), int(Status.RETURNED)], n).astype(np.int8)
    side = rng.choice([AIR_COMMAND, LGF], n).astype(np.int8)
    sorties = rng.integers(0, 3, n).astype(np.int32)
    launch_at_s = rng.choice([np.inf, -np.inf, np.nan, 0.0, 100.0, 7_200.0], n)
    next_sortie_s = rng.choice([np.inf, np.nan, 50.0, 9_000.0], n)
    deck_ready_s = rng.choice([np.inf, -np.inf, np.nan, 0.0, 1_000.0, 3_000.0, 6_000.0], n)
    time_s = rng.choice([0.0, 1_000.0, 2_000.0], n_battles)

    first = (sorties == 0) | (side != AIR_COMMAND)
    pending = (status == int(Status.READY)) & first & np.isfinite(launch_at_s)
    want = np.full(n_battles, np.inf)
    np.minimum.at(want, battle[pending], launch_at_s[pending])
    relay = (status == int(Status.READY)) & np.isfinite(next_sortie_s)
    np.minimum.at(want, battle[relay], next_sortie_s[relay])
    got = np.empty(n_battles)
    w = arrays_with(
        row_start=row_start,
        row_stop=row_stop,
        status=status,
        side=side,
        sorties=sorties,
        launch_at_s=launch_at_s,
        next_sortie_s=next_sortie_s,
    )
    _soonest_launches(w, got)
    assert got.tolist() == want.tolist()

    pending = np.isfinite(deck_ready_s) & (deck_ready_s > time_s[battle])
    want = np.full(n_battles, np.inf)
    np.minimum.at(want, battle[pending], deck_ready_s[pending])
    _soonest_deck_jobs(row_start, row_stop, deck_ready_s, time_s, got)
    assert got.tolist() == want.tolist()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20), st.integers(0, 2**32), st.sampled_from([0.15, 5.0, 1e3]))
def test_the_wings_kernel_passes_over_no_aircraft_whose_wing_would_tear_off(
    n: int, key: int, hazard_per_s: float
) -> None:
    rng = np.random.default_rng(key)
    ours = np.arange(n, dtype=np.int64)
    active = rng.random(n) < 0.9
    dt = rng.choice([0.05, 0.2, 2.0], n)
    status = rng.choice([int(Status.AIRBORNE), int(Status.READY)], n, p=[0.9, 0.1]).astype(np.int8)
    health = rng.uniform(0.0, 1.0, (n, len(Sub)))
    max_g = rng.uniform(5.0, 9.0, n)
    load_g = max_g * rng.uniform(0.0, 1.0, n)
    row_seed = rng.integers(0, 2**63, n).astype(np.uint64)
    craft = np.arange(n, dtype=np.int32)
    battle = np.zeros(n, np.int32)
    tick = np.array([int(rng.integers(0, 10**6))])

    # The rule as engine.damage had it in NumPy: who is at risk, then whose wing tears off.
    up = ours[active & (status == int(Status.AIRBORNE))]
    wings = np.minimum(health[up, Sub.WING_PORT], health[up, Sub.WING_STARBOARD])
    at_risk = up[(wings < 0.35) & (load_g[up] > 0.6 * max_g[up])]
    wings = np.minimum(health[at_risk, Sub.WING_PORT], health[at_risk, Sub.WING_STARBOARD])
    hazard = hazard_per_s * (1.0 - wings) * (load_g[at_risk] / max_g[at_risk]) ** 4
    u = uniform(row_seed[at_risk], craft[at_risk], tick[battle[at_risk]], Purpose.WING_FAILURE)
    torn = u < 1.0 - np.exp(-hazard * dt[at_risk])

    w = arrays_with(
        status=status, health=health, load_g=load_g, max_g=max_g, row_seed=row_seed, craft=craft, tick=tick,
        battle=battle,
    )  # fmt: skip
    got = _wings_at_risk(ours, active, dt, hazard_per_s, w)
    if torn.any():
        assert got.tolist() == at_risk.tolist()
    assert got.tolist() in (at_risk.tolist(), [])


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 50), st.integers(1, 5), st.integers(0, 2**32))
def test_the_census_counts_what_the_numpy_rules_counted(n: int, n_battles: int, key: int) -> None:
    """Per battle, the craft in the air and Air Command's still in play, and the battles being fought
    with nothing in the air (what the clock asked NumPy: `((in_the_air == 0) & ~done).any()`)."""
    rng = np.random.default_rng(key)
    cuts = np.sort(rng.integers(0, n + 1, n_battles - 1))
    row_start = np.concatenate([[0], cuts]).astype(np.int64)
    row_stop = np.concatenate([cuts, [n]]).astype(np.int64)
    battle = np.repeat(np.arange(n_battles), row_stop - row_start)
    status = rng.choice([int(s) for s in Status], n).astype(np.int8)
    side = rng.choice([AIR_COMMAND, LGF], n).astype(np.int8)
    sorties = rng.integers(0, 3, n).astype(np.int32)
    next_sortie_s = rng.choice([np.inf, 50.0, 9_000.0], n)
    stand_by = rng.random(n) < 0.2
    done = rng.random(n_battles) < 0.3

    up = status == int(Status.AIRBORNE)
    waiting = (status == int(Status.READY)) & ~stand_by & ((sorties == 0) | (next_sortie_s < np.inf))
    want_air = np.bincount(battle[up], minlength=n_battles)
    want_ours = np.bincount(battle[(side == AIR_COMMAND) & (up | waiting)], minlength=n_battles)
    in_the_air, still_in_play = np.full(n_battles, -1), np.full(n_battles, -1)
    w = arrays_with(
        done=done,
        row_start=row_start,
        row_stop=row_stop,
        side=side,
        status=status,
        sorties=sorties,
        next_sortie_s=next_sortie_s,
        stand_by=stand_by,
    )
    idle = _count.in_turn(w, in_the_air, still_in_play)
    assert in_the_air.tolist() == want_air.tolist() and still_in_play.tolist() == want_ours.tolist()
    assert idle == int(((want_air == 0) & ~done).sum())


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(1, 4), st.integers(0, 2**32))
def test_a_deck_with_nobody_due_lifts_its_all_clear(n: int, n_battles: int, key: int) -> None:
    """`CarrierDeck.launch`'s question (is anybody due on any deck?) answered as its NumPy `due` did;
    answered no, every launch sequence running is over: each all-clear goes back to inf, as the launch
    did in NumPy after the call; answered yes, the kernel leaves them to the launch."""
    rng = np.random.default_rng(key)
    battle = rng.integers(0, n_battles, n).astype(np.int32)
    time_s = rng.uniform(0.0, 5_000.0, n_battles)
    ours = np.sort(rng.choice(n, int(rng.integers(0, n + 1)), replace=False)).astype(np.int64)
    active = rng.random(n) < 0.8
    status = rng.choice([int(Status.READY), int(Status.AIRBORNE), int(Status.RETURNED)], n).astype(np.int8)
    place = rng.choice([int(p) for p in DeckPlace], n).astype(np.int8)
    sorties = rng.integers(0, 3, n).astype(np.int32)
    launch_at_s = rng.choice([np.inf, 0.0, 2_500.0, 6_000.0], n)
    next_sortie_s = rng.choice([np.inf, 100.0, 4_000.0], n)
    sick_bay_until_s = rng.choice([0.0, 0.0, 3_000.0], n)
    all_clear_s = rng.choice([np.inf, 0.0, 1_234.5], (n_battles, 2))
    before = all_clear_s.copy()

    now = time_s[battle[ours]]
    due = (
        active[ours]
        & (status[ours] == int(Status.READY))
        & (place[ours] == int(DeckPlace.ON_DECK))
        & (((sorties[ours] == 0) & (launch_at_s[ours] <= now)) | (next_sortie_s[ours] <= now))
        & (sick_bay_until_s[ours] <= now)
    )
    w = arrays_with(
        status=status,
        deck_place=place,
        sorties=sorties,
        launch_at_s=launch_at_s,
        next_sortie_s=next_sortie_s,
        sick_bay_until_s=sick_bay_until_s,
        time_s=time_s,
        battle=battle,
        all_clear_s=all_clear_s,
    )
    assert _anything_due(ours, active, w) == bool(due.any())
    assert all_clear_s.tolist() == (before if due.any() else np.full_like(before, np.inf)).tolist()
