"""A committed swarm goes back into the ship once nobody has been within its reach for `STAND_DOWN_S`, and
comes out again if intruders come back.

No LGF fights a pilot beyond its leash of the ship, so a swarm recalled then would only have circled the
ship: the battle's outcome is the one it would have had, and it costs nothing more to fight.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from captainred.doctrine.modes import Mode
from captainred.doctrine.swarm import LEASH_M, STAND_DOWN_S
from captainred.engine.events import EventKind
from captainred.engine.setup import build_world
from captainred.engine.world import AIR_COMMAND, LGF, Status, World
from captainred.scenario import load_scenario
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

    for b, result in enumerate(run_battles(load_scenario(SKIRMISH), SEEDS, watch)):
        (recall,) = result.log.of_kind(EventKind.SWARM_RECALLED)
        # Recalled when the last intruder had been out of reach a little over STAND_DOWN_S, not before.
        assert STAND_DOWN_S < recall.time_s - last_in_reach[b] <= STAND_DOWN_S + 2.0
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
