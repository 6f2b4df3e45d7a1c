"""The deck's quick check before its diversion rule (`carrier_deck._anyone_may_divert`): it may say
"nobody" only where the rule itself, written out in NumPy below, would send nobody elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.engine.arrays import arrays_of
from captainred.engine.setup import build_world
from captainred.engine.world import Status, World
from captainred.fleet.carrier_deck import DIVERT_DECISION_M, CarrierDeck, DeckPlace, _anyone_may_divert
from captainred.scenario import load_scenario
from captainred.scenario.model import ResolvedScenario

FRONT_SMALL = Path(__file__).parent / "scenarios" / "front-small.toml"
LIMIT_KG = 300.0


@pytest.fixture(scope="module")
def front_small() -> ResolvedScenario:
    return load_scenario(FRONT_SMALL)


def foul_or_full_in_numpy(world: World, deck: CarrierDeck, rows: np.ndarray, capacity: np.ndarray) -> bool:
    """Whether the rule's NumPy finds a pilot near her own carrier, not diverted yet, short of fuel with
    her deck foul, or with her carrier's hangar full (`CarrierDeck._divert`'s `foul` and, were every one
    of them in need of the hangar, its `full`)."""
    w = world
    rows = rows[w.divert_to[rows] < 0]
    b, c = w.battle[rows], w.home_carrier[rows]
    now = w.time_s[b]
    near = np.hypot(w.x_m[rows] - w.carrier_xy[b, c, 0], w.y_m[rows] - w.carrier_xy[b, c, 1]) < DIVERT_DECISION_M
    rows, b, c, now = rows[near], b[near], c[near], now[near]
    short = (w.fuel_kg[rows] < LIMIT_KG) & w.fuel_limited[rows]
    foul = short & ((w.deck_free_s[b, c] > now) | np.isfinite(w.all_clear_s[b, c]))
    full = deck._below(w)[b, c] >= capacity[c]
    return bool((foul | full).any())


pilots = st.lists(
    st.tuples(
        st.sampled_from([-1, 0, 1]),  # diverted already: no, to a carrier, to the other
        st.sampled_from([0.0, 5_000.0, DIVERT_DECISION_M, 9_000.0]),  # from her carrier, on the edge too
        st.sampled_from([100.0, LIMIT_KG, 900.0]),  # fuel: short, exactly the limit, plenty
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(
    pilots=pilots,
    deck_busy=st.booleans(),
    launching=st.booleans(),
    below=st.integers(0, 4),
    capacity=st.integers(0, 4),
)
def test_the_quick_check_says_nobody_only_where_the_rule_would_divert_nobody(
    front_small: ResolvedScenario,
    pilots: list[tuple[int, float, float]],
    deck_busy: bool,
    launching: bool,
    below: int,
    capacity: int,
) -> None:
    world = build_world(front_small, [1])
    deck = CarrierDeck(world)
    ours = deck.ours
    rows = ours[: len(pilots)]
    for row, (diverted, off_m, fuel) in zip(rows.tolist(), pilots, strict=True):
        b, c = int(world.battle[row]), int(world.home_carrier[row])
        world.status[row] = Status.AIRBORNE
        world.divert_to[row] = diverted
        world.x_m[row], world.y_m[row] = world.carrier_xy[b, c] + np.array([off_m, 0.0])
        world.fuel_kg[row] = fuel
    world.time_s[:] = 100.0
    world.deck_free_s[:] = 150.0 if deck_busy else 50.0
    world.all_clear_s[:] = 90.0 if launching else np.inf
    for row in ours[len(pilots) : len(pilots) + below].tolist():
        world.status[row] = Status.RETURNED
        world.deck_place[row] = DeckPlace.HANGAR
    hangar = np.full(deck.n_carriers, capacity, dtype=np.int64)
    quick = _anyone_may_divert(rows, arrays_of(world), LIMIT_KG, ours, deck.key, hangar, deck.n_carriers)
    assert quick == foul_or_full_in_numpy(world, deck, rows, hangar)
