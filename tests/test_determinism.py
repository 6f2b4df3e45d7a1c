"""Same scenario and seed, same story: twice in a row, alone or inside a batch, and through a JSON round
trip of the log. Only properties are tested, never a recorded digest (the numbers are still being tuned)."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captainred.engine import threads
from captainred.engine.checks import WorldInvariantError, check_determinism
from captainred.engine.events import Event, EventKind
from captainred.engine.rng import Purpose, uniform, uniform_one
from captainred.engine.world import World
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import BattleResult, Simulation, run_battles
from captainred.sweep.backends import worker_pool
from on_threads import on_threads

SEED = 3
BATCH_OF_16 = [101, 102, 103, 104, 105, SEED, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115]


_FOUGHT: dict[tuple[int, tuple[int, ...]], list[BattleResult]] = {}


def fight(resolved: ResolvedScenario, seeds: list[int]) -> list[BattleResult]:
    """Battles fought once per test process (the scenario fixtures are session-wide, so ids are stable)."""
    key = (id(resolved), tuple(seeds))
    if key not in _FOUGHT:
        _FOUGHT[key] = run_battles(resolved, seeds)
    return _FOUGHT[key]


def assert_same_story(alone: BattleResult, other: BattleResult, what: str) -> None:
    """Compare canonical lines, so a failure shows the first event where the two part ways."""
    a, b = list(alone.log.canonical_lines()), list(other.log.canonical_lines())
    for k, (line_a, line_b) in enumerate(zip(a, b, strict=False)):
        assert line_a == line_b, f"{what}: event {k} differs"
    assert len(a) == len(b), f"{what}: {len(a)} events against {len(b)}"
    assert alone.digest == other.digest


def test_the_same_seed_twice_tells_the_same_story(skirmish: ResolvedScenario) -> None:
    first = fight(skirmish, [SEED])[0]
    second = run_battles(skirmish, [SEED])[0]
    assert len(first.log) > 20
    assert_same_story(first, second, "run twice")


def test_a_battle_alone_and_inside_a_batch_of_16_tells_the_same_story(skirmish: ResolvedScenario) -> None:
    alone = fight(skirmish, [SEED])[0]
    batch = fight(skirmish, BATCH_OF_16)
    assert [b.seed for b in batch] == BATCH_OF_16
    assert_same_story(alone, batch[BATCH_OF_16.index(SEED)], f"seed {SEED} alone against in a batch of 16")


def test_the_first_battle_of_a_batch_is_its_own_seed_alone(skirmish: ResolvedScenario) -> None:
    batch = fight(skirmish, BATCH_OF_16)
    first = fight(skirmish, BATCH_OF_16[:1])[0]
    assert_same_story(first, batch[0], "first of the batch against alone")


@pytest.mark.slow
def test_the_recon_alone_and_inside_a_batch_of_4_tells_the_same_story(recon: ResolvedScenario) -> None:
    alone = run_battles(recon, [11])[0]
    batch = run_battles(recon, [20, 11, 21, 22])
    assert_same_story(alone, batch[1], "recon seed 11 alone against in a batch of 4")


def test_different_seeds_tell_different_stories(skirmish: ResolvedScenario) -> None:
    digests = [b.digest for b in fight(skirmish, BATCH_OF_16)]
    assert len(set(digests)) == len(digests)


def test_the_digest_survives_a_json_round_trip_of_the_log(skirmish: ResolvedScenario) -> None:
    log = fight(skirmish, [SEED])[0].log
    lines = list(log.canonical_lines())
    again = [json.dumps(json.loads(line), sort_keys=True, separators=(",", ":"), ensure_ascii=True) for line in lines]
    assert again == lines
    digest = hashlib.sha256("".join(f"{line}\n" for line in again).encode("ascii")).hexdigest()
    assert digest == log.digest()
    # The dict form a JSON report carries is the same record as the canonical line.
    for event, line in zip(log, lines, strict=True):
        d = event.to_dict()
        as_list = [d["tick"], d["time_s"], d["kind"], d["actor"], d["target"], d["position_m"], d["details"]]
        assert json.loads(json.dumps(as_list)) == json.loads(line)


# ------------------------------------------------------------------------------------------ the checker


def test_check_determinism_passes_a_sea_battle_over_many_steps(sea_skirmish: ResolvedScenario) -> None:
    report = check_determinism(sea_skirmish, seed=5, steps=1200, stepper=Simulation)
    assert report.steps == 1200, "the check stopped short of the steps it claims"
    assert report.events > 20
    assert report.batch.index(5) > 0, "the battle must sit at a row offset inside the batch"


@pytest.mark.slow
def test_check_determinism_passes_a_skirmish_to_its_end(skirmish: ResolvedScenario) -> None:
    report = check_determinism(skirmish, seed=7, steps=100_000, others=[8], stepper=Simulation)
    assert report.finished and 500 < report.steps < 100_000


class _HiddenGlobalState:
    """A broken driver: each step nudges one craft by a number from a generator shared by every run."""

    generator = np.random.default_rng(0)

    def __init__(self, world: World) -> None:
        self.sim = Simulation(world)

    @property
    def finished(self) -> bool:
        return self.sim.finished

    def step(self) -> None:
        self.sim.step()
        w = self.sim.world
        if self.sim.steps == 450:
            w.y_m[w.airborne] += self.generator.uniform(0.0, 1.0)


class _BatchAware(_HiddenGlobalState):
    """A broken driver whose battles feel the size of their batch, late in the run."""

    def step(self) -> None:
        self.sim.step()
        w = self.sim.world
        if self.sim.steps == 480 and w.n_battles > 1:
            w.speed_mps[w.airborne] *= 0.999


def test_check_determinism_catches_hidden_global_state(sea_skirmish: ResolvedScenario) -> None:
    with pytest.raises(WorldInvariantError, match="run alone twice") as error:
        check_determinism(sea_skirmish, seed=5, steps=500, stepper=_HiddenGlobalState)
    assert error.value.rule in {"deterministic_events", "deterministic_state"}


def test_check_determinism_catches_a_late_batch_dependence_and_names_the_first_event(
    sea_skirmish: ResolvedScenario,
) -> None:
    # The break comes at step 480 of 600: a checker that ran one step, or stopped early, would miss it.
    with pytest.raises(WorldInvariantError, match=r"inside a|batch") as error:
        check_determinism(sea_skirmish, seed=5, steps=600, stepper=_BatchAware)
    message = str(error.value)
    assert error.value.rule in {"deterministic_events", "deterministic_state"}
    if error.value.rule == "deterministic_events":
        assert "first:" in message and "second:" in message


def test_check_determinism_refuses_to_check_nothing(sea_skirmish: ResolvedScenario) -> None:
    with pytest.raises(ValueError):
        check_determinism(sea_skirmish, seed=5, steps=0, stepper=Simulation)


@pytest.mark.slow
def test_a_batch_gives_the_same_digests_on_one_thread_and_on_two(
    skirmish: ResolvedScenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compiled kernels spread battles and craft over threads in large Worlds; forced to here, a batch
    fought on one thread and on two gives the same battles, digest for digest."""
    digests = []
    for count in (1, 2):
        with on_threads(count, monkeypatch):
            digests.append([r.digest for r in run_battles(skirmish, [3, 4, 5])])
    assert digests[0] == digests[1]


@pytest.mark.slow
def test_a_recon_gives_the_same_digests_on_one_thread_and_on_two(
    recon: ResolvedScenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On one thread the rules that run every tick are joined into single compiled calls (Air Command's and
    the swarm's); forced onto two, each is called on its own, threaded. The battles are the same."""
    digests = []
    for count in (1, 2):
        with on_threads(count, monkeypatch):
            digests.append([r.digest for r in run_battles(recon, [1, 2])])
    assert digests[0] == digests[1]


def test_processes_sharing_the_machine_each_take_their_share_of_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep's workers (or the test suite's) split the cores between them, never asking Numba for more
    threads than it started with, and never fewer than one."""
    before = numba.get_num_threads()
    try:
        monkeypatch.setattr(threads, "cores", lambda: 2)
        assert threads.share_cores(2) == 1 and numba.get_num_threads() == 1
        assert threads.share_cores(3) == 1
        assert threads.share_cores(1) == min(2, numba.config.NUMBA_NUM_THREADS)
        monkeypatch.setattr(threads, "cores", lambda: 64)
        assert threads.share_cores(4) == numba.config.NUMBA_NUM_THREADS == numba.get_num_threads()
    finally:
        numba.set_num_threads(before)


def test_a_sweep_worker_runs_its_kernels_on_its_share_of_the_cores() -> None:
    with worker_pool(2) as pool:
        counts = {pool.submit(numba.get_num_threads).result(timeout=120) for _ in range(2)}
    started = int(os.environ["NUMBA_NUM_THREADS"])  # what the pool's processes start with, this one's
    assert counts == {max(1, min(started, threads.cores() // 2))}


def test_a_test_worker_that_shares_the_cores_still_compiles_new_kernels() -> None:
    """Numba reads its environment again at every compile, and refuses once its threads have started
    under another `NUMBA_NUM_THREADS`: the suite shares the cores without touching its own environment
    (on a fresh clone, with no kernel cached yet, every kernel is compiled after the share is taken)."""
    assert os.environ["NUMBA_NUM_THREADS"] == str(numba.config.NUMBA_NUM_THREADS)
    fresh = numba.njit(lambda x: x + 1)  # never cached: compiled here and now
    assert fresh(1) == 2


MASK_64 = 2**64 - 1


def _splitmix64(x: int) -> int:
    """SplitMix64's finaliser on Python's integers: the specification the engine's draws are checked on."""
    x = (x + 0x9E3779B97F4A7C15) & MASK_64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK_64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK_64
    return x ^ (x >> 31)


def _draw(seed: int, craft: int, tick: int, purpose: int) -> float:
    key = _splitmix64(seed)
    key = _splitmix64(key ^ (((craft & MASK_64) * 0xD6E8FEB86659FD93) & MASK_64))
    key = _splitmix64(
        key ^ (((tick & MASK_64) * 0xA0761D6478BD642F) & MASK_64) ^ ((purpose * 0xE7037ED1A0B428DB) & MASK_64)
    )
    return (key >> 11) * 2.0**-53


@given(
    seed=st.integers(0, 2**64 - 1),
    craft=st.integers(-(2**63), 2**63 - 1),
    tick=st.integers(0, 2**40),
    purpose=st.sampled_from(list(Purpose)),
)
@settings(max_examples=300, deadline=None)
def test_a_draw_is_splitmix64_of_its_coordinates(seed: int, craft: int, tick: int, purpose: Purpose) -> None:
    """The compiled rules draw through `uniform_one`, the rest through `uniform`: both are the hash of the
    coordinates worked out here on Python's integers, so a rule moved into a kernel keeps its numbers."""
    expected = _draw(seed, craft, tick, int(purpose))
    assert uniform_one(np.uint64(seed), craft, tick, int(purpose)) == expected
    assert float(uniform(np.uint64(seed), craft, tick, purpose)) == expected
    assert (
        uniform(np.array([seed], dtype=np.uint64), np.array([craft, craft]), tick, purpose).tolist() == [expected] * 2
    )


# ------------------------------------------------------------------------------- the canonical line


def _reference_line(event: Event) -> str:
    """The canonical line as `json.dumps` writes it: what `Event.canonical` must give, character for
    character (it writes the numbers and strings itself, for speed)."""
    x, y, z = event.position_m
    details: dict[Any, Any] = {}
    for key in sorted(event.details):
        value = event.details[key]
        if isinstance(value, float):
            value = round(value, 3)
        elif isinstance(value, (list, tuple)):
            value = [round(v, 3) if isinstance(v, float) else v for v in value]
        details[key] = value
    line = [event.tick, round(event.time_s, 3), str(event.kind), event.actor, event.target]
    line += [[round(x, 1), round(y, 1), round(z, 1)], details]
    return json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


_ANY_FLOAT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2e12, max_value=2e12),  # where the text is written directly, and just beyond
    st.decimals(min_value=-1e6, max_value=1e6, places=4).map(float),  # halfway cases at the rounding digit
    st.integers(-(10**6), 10**6),  # an int where a float is expected: written as the encoder writes it
)
_DETAIL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    _ANY_FLOAT,
    st.text(max_size=12),
    st.sampled_from(list(EventKind)),
)
_DETAILS = st.dictionaries(
    st.text(max_size=8),
    st.one_of(
        _DETAIL,
        st.lists(_DETAIL, max_size=4),
        st.tuples(_ANY_FLOAT, _ANY_FLOAT),
        st.dictionaries(st.text(max_size=4), _DETAIL, max_size=3),
        st.lists(st.lists(_ANY_FLOAT, max_size=2), max_size=2),
    ),
    max_size=5,
)


@settings(max_examples=400, deadline=None)
@given(
    tick=st.integers(0, 2**40),
    time_s=_ANY_FLOAT,
    kind=st.one_of(st.sampled_from(list(EventKind)), st.sampled_from([str(k) for k in EventKind]), st.text()),
    actor=st.integers(-1, 2**31),
    target=st.integers(-1, 2**31),
    position=st.tuples(_ANY_FLOAT, _ANY_FLOAT, _ANY_FLOAT),
    details=_DETAILS,
)
def test_the_canonical_line_is_the_json_of_the_event(
    tick: int, time_s: float, kind: Any, actor: int, target: int, position: Any, details: dict[str, Any]
) -> None:
    """Whatever the event holds, its line is the JSON the digest was defined by, or both refuse it (an
    infinite or NaN is a bug upstream, not a value to log)."""
    event = Event(tick, time_s, kind, actor, target, position, details)
    try:
        expected = _reference_line(event)
    except ValueError:
        with pytest.raises(ValueError):
            event.canonical()
        return
    assert event.canonical() == expected
