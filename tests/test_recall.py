"""A committed swarm goes back into the ship once nobody has been within its reach for the scenario's
`enemy.recall_after_s`, and comes out again if intruders come back.

No LGF fights a pilot beyond its leash of the ship, so a swarm recalled then would only have circled the
ship: the battle's outcome is the one it would have had, and it costs nothing more to fight.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from captainred.doctrine.modes import Mode
from captainred.doctrine.swarm import LEASH_M
from captainred.engine.events import EventKind
from captainred.engine.setup import build_world
from captainred.engine.world import AIR_COMMAND, LGF, Status, World
from captainred.report import summarize
from captainred.scenario import load_scenario
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import Simulation, run_battles

SKIRMISH = Path(__file__).parent / "scenarios" / "skirmish.toml"
SEEDS = [1, 2, 3]


def in_reach(w: World, b: int) -> bool:
    """Whether an Air Command craft of battle b is in the air within the swarm's reach of the ship."""
    assert w.ship_xyz is not None
    rows = np.arange(w.row_start[b], w.row_stop[b])
    up = rows[(w.side[rows] == AIR_COMMAND) & (w.status[rows] == int(Status.AIRBORNE))]
    reach = max(LEASH_M, w.plan.enemy.commit_range_m)
    return bool(np.any(np.hypot(w.x_m[up] - w.ship_xyz[0], w.y_m[up] - w.ship_xyz[1]) < reach))


def test_the_swarm_goes_home_once_nobody_has_been_within_its_reach_a_while() -> None:
    last_in_reach: dict[int, float] = {}

    def watch(sim: Simulation) -> None:
        w = sim.world
        for b in range(w.n_battles):
            if in_reach(w, b):
                last_in_reach[b] = float(w.time_s[b])

    resolved = load_scenario(SKIRMISH)
    after_s = resolved.scenario.enemy.recall_after_s
    assert after_s == 120.0  # the default
    for b, result in enumerate(run_battles(resolved, SEEDS, watch)):
        (recall,) = result.log.of_kind(EventKind.SWARM_RECALLED)
        # Recalled when the last intruder had been out of reach a little over recall_after_s, not before.
        assert after_s < recall.time_s - last_in_reach[b] <= after_s + 2.0
        # Every LGF out when it was recalled goes back in within a minute and a half, and none comes out.
        back = [e.time_s for e in result.log.of_kind(EventKind.RETURNED_TO_SHIP) if e.time_s >= recall.time_s]
        assert len(back) == recall.details["craft"] > 0
        assert max(back) <= recall.time_s + 90.0
        lgf_launches = [e for e in result.log.of_kind(EventKind.LAUNCH) if e.details["side"] == "lgf"]
        assert max(e.time_s for e in lgf_launches) < recall.time_s


def test_a_recalled_swarm_comes_out_again_for_intruders_who_come_back() -> None:
    sim = Simulation(build_world(load_scenario(SKIRMISH), [1]))
    w = sim.world
    assert w.ship_xyz is not None
    while not w.logs[0].of_kind(EventKind.SWARM_RECALLED):
        sim.step()
        assert not sim.finished, "the swarm was never recalled"
    (recall,) = w.logs[0].of_kind(EventKind.SWARM_RECALLED)
    assert not np.isfinite(w.committed_s[0])
    while np.any((w.side == LGF) & (w.status == int(Status.AIRBORNE))):
        sim.step()
    held = np.flatnonzero((w.side == LGF) & (w.status == int(Status.READY)))
    assert len(held) >= recall.details["craft"]  # every one that went back in is ready to come out

    # A Guardian still flying turns up over the park again, inside the commit range.
    up = np.flatnonzero((w.side == AIR_COMMAND) & (w.status == int(Status.AIRBORNE)))
    assert len(up), "every Guardian was down before the test could bring one back"
    pilot = int(up[0])
    w.x_m[pilot], w.y_m[pilot] = w.ship_xyz[0] + 3000.0, w.ship_xyz[1]
    launches = len(w.logs[0].of_kind(EventKind.SWARM_LAUNCH))
    for _ in range(50):
        sim.step()
    again = w.logs[0].of_kind(EventKind.SWARM_LAUNCH)[launches:]
    assert sum(int(e.details["craft"]) for e in again) == len(held)
    assert np.isfinite(w.committed_s[0])
    relaunched = [e.actor for e in w.logs[0].of_kind(EventKind.LAUNCH) if e.time_s > recall.time_s]
    assert set(relaunched) <= {int(w.craft[r]) for r in held}
    assert len(relaunched) > 0


def test_lgfs_on_their_way_in_turn_back_out_if_the_swarm_is_committed_again() -> None:
    sim = Simulation(build_world(load_scenario(SKIRMISH), [1]))
    w = sim.world
    assert w.ship_xyz is not None
    while not w.logs[0].of_kind(EventKind.SWARM_RECALLED):
        sim.step()
    out = np.flatnonzero((w.side == LGF) & (w.status == int(Status.AIRBORNE)))
    assert len(out)
    up = np.flatnonzero((w.side == AIR_COMMAND) & (w.status == int(Status.AIRBORNE)))
    pilot = int(up[0])
    w.x_m[pilot], w.y_m[pilot] = w.ship_xyz[0] + 3000.0, w.ship_xyz[1]
    for _ in range(3):
        sim.step()
    assert np.isfinite(w.committed_s[0])
    still_out = out[w.status[out] == int(Status.AIRBORNE)]
    assert len(still_out)
    assert not np.any((w.mode[still_out] == int(Mode.RETURN)) & (w.bursts_left[still_out] > 0))


def with_recall(resolved: ResolvedScenario, recall_after_s: float) -> ResolvedScenario:
    scenario = resolved.scenario
    enemy = scenario.enemy.model_copy(update={"recall_after_s": recall_after_s})
    return resolved.model_copy(update={"scenario": scenario.model_copy(update={"enemy": enemy})})


def outcomes(resolved: ResolvedScenario, seeds: list[int]) -> list[tuple[int, ...]]:
    """Each seed's losses and kills on both sides, and the photos brought home."""
    rows = []
    for result in run_battles(resolved, seeds):
        summary = summarize(result.log, scenario=resolved.scenario.name, seed=result.seed)
        ours, theirs = summary.sides.air_command, summary.sides.lgf
        rows.append((ours.lost, ours.kills, theirs.lost, theirs.kills, summary.photos_returned))
    return rows


def test_a_swarm_never_recalled_circles_on_and_a_later_recall_comes_later() -> None:
    resolved = load_scenario(SKIRMISH)
    never = run_battles(with_recall(resolved, 0.0), SEEDS)
    assert not any(r.log.of_kind(EventKind.SWARM_RECALLED) for r in never)
    soon = [r.log.of_kind(EventKind.SWARM_RECALLED)[0].time_s for r in run_battles(resolved, SEEDS)]
    late = [r.log.of_kind(EventKind.SWARM_RECALLED) for r in run_battles(with_recall(resolved, 300.0), SEEDS)]
    for early, later in zip(soon, late, strict=True):
        assert not later or later[0].time_s > early + 170.0  # 180 s later, less a tick or so


def test_a_battle_is_the_same_until_its_swarm_is_recalled() -> None:
    """The rule reads nothing another rule writes until it fires: up to the recall, the battle's events
    are those of the swarm that never goes in, event for event."""
    resolved = load_scenario(SKIRMISH)
    seeds = list(range(1, 9))
    for recalled, never in zip(
        run_battles(resolved, seeds), run_battles(with_recall(resolved, 0.0), seeds), strict=True
    ):
        (recall,) = recalled.log.of_kind(EventKind.SWARM_RECALLED)
        before = [e for e in recalled.log if e.time_s < recall.time_s]
        assert before == [e for e in never.log if e.time_s < recall.time_s]
        assert before  # the whole fight


@pytest.mark.slow
def test_the_recall_changes_no_reconnaissance_outcome() -> None:
    """No LGF fights a pilot beyond its leash, so a swarm recalled would only have circled the ship. What
    can differ after the recall is the clock: the LGFs going in were what kept a battle on the combat tick,
    so the flight home may pass to the transit tick sooner, and the deck's draws at landing (the wire, a
    bolter) and the fuel at landing with them. On these seeds each side's losses and kills and the photos
    home are those of the swarm that never goes in (measured: landings differ in some seeds)."""
    resolved = load_scenario("manhattan-recon")
    seeds = list(range(1, 17))
    assert outcomes(resolved, seeds) == outcomes(with_recall(resolved, 0.0), seeds)
