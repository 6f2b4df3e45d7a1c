"""Getting out of the fight: bingo comes at joker fuel while LGFs are close, and squadron mates cover a pilot
out (Buffy and a wingman cover Captain Red out of Manhattan)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from captainred.doctrine.evasion import evade
from captainred.doctrine.fighting import COVER_OUT_M, _place_in
from captainred.doctrine.modes import Mode
from captainred.doctrine.piloting import bingo_fuel_kg
from captainred.doctrine.sortie import send_cover, turn_for_home
from captainred.engine.events import EventKind
from captainred.engine.kinematics import keep_angles
from captainred.engine.sensing import Picture
from captainred.engine.setup import build_world
from captainred.engine.world import AIR_COMMAND, LGF, Status, World, fleet_centre
from captainred.scenario import load_scenario
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import run_battles


def _recon(**doctrine: float) -> ResolvedScenario:
    base = load_scenario("manhattan-recon")
    update = {"doctrine": base.scenario.doctrine.model_copy(update=doctrine)}
    return base.model_copy(update={"scenario": base.scenario.model_copy(update=update)})


def _over_the_target(world: World, rows: np.ndarray, mode: Mode) -> None:
    """Rows in the air over the recon's target, in a mode, their squadron in contact from now."""
    tx, ty = world.plan.mission.target_m or (0.0, 0.0)
    world.status[rows] = Status.AIRBORNE
    world.x_m[rows], world.y_m[rows], world.z_m[rows] = tx, ty, 600.0
    world.speed_mps[rows] = 220.0
    world.mode[rows] = mode
    world.contact_s[world.squadron[rows]] = 0.0


def _picture(world: World, **seen: np.ndarray) -> Picture:
    """A tick's picture in which nobody sees anything but what `seen` says."""
    n = world.n
    blank = {
        "nearest_enemy": np.full(n, -1, dtype=np.int64),
        "nearest_range_m": np.full(n, np.inf),
        "tail_threat": np.full(n, -1, dtype=np.int64),
        "tail_range_m": np.full(n, np.inf),
        "escorts": np.zeros(n, dtype=np.int64),
        "ship_range_m": np.full(n, np.inf),
        "nearest_prey": np.full(n, -1, dtype=np.int64),
        "battle_enemy_range_m": np.full(world.n_battles, np.inf),
    }
    return Picture(**(blank | seen))


def _fighters(world: World, count: int) -> np.ndarray:
    """The first `count` Guardians of the first squadron that carry no camera."""
    ours = np.flatnonzero((world.side == AIR_COMMAND) & ~world.camera & (world.squadron == 0))
    return ours[:count]


@pytest.mark.parametrize("lgf_close", [True, False], ids=["in-a-fight", "nobody-near"])
def test_in_a_fight_a_pilot_turns_for_home_at_joker_fuel(lgf_close: bool) -> None:
    world = build_world(_recon(joker_fuel_kg=300.0), [1])
    (row,) = _fighters(world, 1)
    _over_the_target(world, np.array([row]), Mode.ENGAGE)
    world.fuel_kg[row] = bingo_fuel_kg(world, np.array([row]))[0] + 150.0  # above bingo, below joker
    nearest = np.full(world.n, np.inf)
    nearest[row] = 1500.0 if lgf_close else 20000.0
    turn_for_home(world, np.array([row]), _picture(world, nearest_range_m=nearest))
    assert world.mode[row] == (Mode.RETURN if lgf_close else Mode.ENGAGE)
    bingo = world.logs[0].of_kind(EventKind.BINGO)
    assert [e.details["reason"] for e in bingo] == (["fuel"] if lgf_close else [])


def _chased_home(world: World, mates: int) -> tuple[int, np.ndarray, int, Picture]:
    """A pilot turning for home over the target with an LGF 500 m behind her, and `mates` of her squadron
    still fighting at 1, 2, 3... km from her, armed and fuelled."""
    rows = _fighters(world, mates + 1)
    going, fighting = int(rows[0]), rows[1:]
    _over_the_target(world, rows, Mode.ENGAGE)
    world.mode[going] = Mode.RETURN
    world.x_m[fighting] += 1000.0 * np.arange(1, mates + 1)
    world.fuel_kg[fighting] = bingo_fuel_kg(world, fighting) + world.plan.doctrine.joker_fuel_kg + 1000.0
    world.rounds[fighting] = 100.0
    lgf = int(np.flatnonzero(world.side == LGF)[0])
    world.status[lgf] = Status.AIRBORNE
    tail_threat = np.full(world.n, -1, dtype=np.int64)
    tail_range = np.full(world.n, np.inf)
    tail_threat[going], tail_range[going] = lgf, 500.0
    return going, fighting, lgf, _picture(world, tail_threat=tail_threat, tail_range_m=tail_range)


def test_the_nearest_squadron_mates_cover_a_chased_pilot_out_and_go_back_when_she_is_clear() -> None:
    world = build_world(_recon(cover_wingmen=2), [1])
    going, fighting, _, picture = _chased_home(world, 3)
    up = np.sort(np.concatenate([[going], fighting]))
    send_cover(world, up, picture, fleet_centre(world))
    nearest_two, farthest = fighting[:2], fighting[2]
    assert (world.mode[nearest_two] == Mode.COVER).all() and (world.covering[nearest_two] == going).all()
    assert world.mode[farthest] == Mode.ENGAGE and world.covering[farthest] == -1
    covers = world.logs[0].of_kind(EventKind.COVER)
    assert sorted(e.actor for e in covers) == sorted(world.craft[nearest_two].tolist())
    assert {e.target for e in covers} == {int(world.craft[going])}

    send_cover(world, up, picture, fleet_centre(world))  # the next tick: she has her two, nobody else joins
    assert len(world.logs[0].of_kind(EventKind.COVER)) == 2

    world.y_m[going] -= COVER_OUT_M + 1000.0  # out of the fight
    send_cover(world, up, picture, fleet_centre(world))
    assert (world.mode[nearest_two] == Mode.ENGAGE).all() and (world.covering[nearest_two] == -1).all()


def test_nobody_covers_where_the_doctrine_says_none_and_a_pilot_short_of_fuel_never_does() -> None:
    world = build_world(_recon(cover_wingmen=0), [1])
    going, fighting, _, picture = _chased_home(world, 2)
    send_cover(world, np.sort(np.concatenate([[going], fighting])), picture, fleet_centre(world))
    assert (world.mode[fighting] == Mode.ENGAGE).all()

    world = build_world(_recon(cover_wingmen=2, joker_fuel_kg=200.0), [1])
    going, fighting, _, picture = _chased_home(world, 2)
    world.fuel_kg[fighting[0]] = bingo_fuel_kg(world, fighting[:1])[0] + 100.0  # below her own joker
    send_cover(world, np.sort(np.concatenate([[going], fighting])), picture, fleet_centre(world))
    assert world.mode[fighting[0]] == Mode.ENGAGE
    assert world.mode[fighting[1]] == Mode.COVER


@pytest.mark.slow
def test_in_the_recon_covers_fly_with_their_own_squadron_and_most_of_those_covered_come_home() -> None:
    results = run_battles(load_scenario("manhattan-recon"), list(range(201, 209)))
    covered_home = covered = 0
    for result in results:
        squadron = {e.actor: e.details["squadron"] for e in result.log.of_kind(EventKind.LAUNCH)}
        home = {e.actor for e in result.log.of_kind(EventKind.RECOVERED)}
        for e in result.log.of_kind(EventKind.COVER):
            assert squadron[e.actor] == squadron[e.target]
            covered += 1
            covered_home += e.target in home
    assert covered >= 8, "a wingman covers somebody out in most battles"
    assert covered_home > covered / 2


@pytest.mark.parametrize("threat_side", [1.0, -1.0], ids=["lgf-to-starboard", "lgf-to-port"])
def test_a_pilot_out_at_sea_breaks_hard_toward_the_lgf_on_her_tail(threat_side: float) -> None:
    """Out over the water, far from the ship, with no chop (an average pilot): she breaks toward the
    side the LGF is on, 1.6 rad round, diving a little at full throttle past the gate."""
    world = build_world(_recon(), [1])
    (row,) = _fighters(world, 1)
    lgf = int(np.flatnonzero(world.side == LGF)[0])
    world.status[[row, lgf]] = Status.AIRBORNE
    world.skill[row] = 0.6
    world.mode[row] = Mode.ENGAGE
    world.x_m[row], world.y_m[row], world.z_m[row], world.heading_rad[row] = -40000.0, -40000.0, 600.0, 0.0
    keep_angles(world, np.array([row]))
    world.x_m[lgf], world.y_m[lgf], world.z_m[lgf] = -40000.0 + threat_side * 100.0, -40400.0, 600.0
    threat = np.full(world.n, -1, dtype=np.int64)
    threat[row] = lgf
    behind = np.full(world.n, np.inf)
    behind[row] = 412.0
    evade(world, np.array([row]), threat, behind, np.full(world.n, np.inf))
    assert world.cmd_heading_rad[row] == pytest.approx((threat_side * 1.6) % (2 * np.pi))
    assert (world.cmd_throttle[row], world.cmd_gamma_rad[row]) == (1.15, -0.1)


def test_a_pilot_with_nobody_close_behind_does_not_evade() -> None:
    world = build_world(_recon(), [1])
    (row,) = _fighters(world, 1)
    world.status[row] = Status.AIRBORNE
    world.mode[row] = Mode.ENGAGE
    world.cmd_heading_rad[row], world.cmd_throttle[row], world.cmd_gamma_rad[row] = 0.3, 0.7, 0.05
    threat = np.full(world.n, -1, dtype=np.int64)
    threat[row] = int(np.flatnonzero(world.side == LGF)[0])
    behind = np.full(world.n, np.inf)
    behind[row] = 5000.0  # on her tail, but far beyond the evade range
    evade(world, np.array([row]), threat, behind, np.full(world.n, np.inf))
    assert (world.cmd_heading_rad[row], world.cmd_throttle[row], world.cmd_gamma_rad[row]) == (0.3, 0.7, 0.05)


@given(st.sets(st.integers(0, 60), max_size=20), st.integers(-2, 62), st.integers(0, 5))
def test_a_chased_pilot_is_found_among_the_chased_by_her_row(rows: set[int], row: int, spare: int) -> None:
    """How many covers each chased pilot already has is counted by finding her row among the chased
    (ascending, each once) by a binary search: the place a scan would give, or -1; what lies past the count
    is never read."""
    chased = np.array(sorted(rows) + [row] * spare, dtype=np.int64)
    n = len(rows)
    assert _place_in(chased, n, row) == (sorted(rows).index(row) if row in rows else -1)
