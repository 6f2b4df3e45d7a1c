"""The mother ship listens, which is why pilots keep radio silence "for fear the enemy homes on radio".

While an Air Command craft within the enemy's `listen_range_m` of the ship is transmitting, every second
brings a chance (`hear_per_s`) that the ship hears her; then every LGF not already close on a pilot of its
own goes for her. Over seeds, a squadron that keeps silence loses fewer than one that chatters.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pytest

from captainred.engine.events import EventKind
from captainred.fight import fight
from captainred.scenario import load_scenario
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import Simulation, run_battles

CLASH = Path(__file__).parent / "scenarios" / "brief-clash.toml"
SEEDS = [1, 2, 3, 4]


def with_enemy(base: ResolvedScenario, radio: str | None = None, **enemy: float) -> ResolvedScenario:
    scenario = base.scenario
    update: dict[str, object] = {"enemy": scenario.enemy.model_copy(update=enemy)}
    if radio is not None:
        update["mission"] = scenario.mission.model_copy(update={"radio": radio})
    return base.model_copy(update={"scenario": scenario.model_copy(update=update)})


def heard(resolved: ResolvedScenario) -> list[float]:
    """The range of every call the ship heard, over the seeds."""
    logs = [r.log for r in run_battles(resolved, SEEDS)]
    return [float(e.details["range_m"]) for log in logs for e in log.of_kind(EventKind.HEARD)]


def test_a_ship_that_hears_everything_hears_calls_only_within_its_listen_range() -> None:
    base = with_enemy(load_scenario(CLASH), radio="normal", hear_per_s=100.0)
    everything = heard(with_enemy(base, listen_range_m=60_000.0))
    near = heard(with_enemy(base, listen_range_m=5_000.0))
    assert everything and near
    assert max(near) <= 5_000.0 < max(everything)


def test_a_deaf_ship_hears_nothing_and_a_silent_squadron_is_heard_only_in_its_maydays() -> None:
    base = load_scenario(CLASH)
    assert heard(with_enemy(base, radio="normal", listen_range_m=0.0)) == []
    assert heard(with_enemy(base, radio="normal", hear_per_s=0.0)) == []
    logs = [r.log for r in run_battles(with_enemy(base, radio="silence", hear_per_s=100.0), SEEDS)]
    for log in logs:
        callers = {e.actor for e in log.of_kind(EventKind.HEARD)}
        assert callers <= {e.actor for e in log.of_kind(EventKind.MAYDAY)}


def test_the_swarm_goes_for_a_caller_the_ship_heard() -> None:
    """A listening ship's battle and a deaf one's are the same battle (hearing draws from its own stream)
    until the first LGF turns on a caller because she was heard: at the first tick where the number of
    LGFs on the heard caller differs between the two, more are on her in the listening battle."""
    Key = tuple[int, int]  # (battle, tick)

    def on_callers(resolved: ResolvedScenario, callers: dict[Key, int]) -> dict[Key, int]:
        """LGFs targeting the caller, at each (battle, tick) of `callers`; an empty `callers` is filled
        with the listening ship's caller at every tick it has one in mind."""
        listening = not callers
        count: dict[Key, int] = {}

        def watch(sim: Simulation) -> None:
            w = sim.world
            for b in range(w.n_battles):
                key = (b, int(w.tick[b]))
                if listening and w.heard_craft[b] >= 0 and w.time_s[b] - w.heard_s[b] < 60.0:
                    callers[key] = int(w.heard_craft[b])
                if key in callers:
                    count[key] = int(np.sum(w.target[w.rows_of(b)] == int(w.row_start[b]) + callers[key]))

        run_battles(resolved, SEEDS, watch)
        return count

    base = with_enemy(load_scenario(CLASH), radio="normal")
    callers: dict[Key, int] = {}
    listening = on_callers(with_enemy(base, hear_per_s=100.0), callers)
    deaf = on_callers(with_enemy(base, hear_per_s=0.0), callers)
    assert callers, "the ship never heard anyone"
    parted = 0
    for b in sorted({b for b, _ in callers}):
        ticks = sorted(t for bb, t in callers if bb == b)
        first = next((t for t in ticks if listening[b, t] != deaf.get((b, t))), None)
        if first is not None:
            parted += 1
            assert listening[b, first] > deaf[b, first], (b, first, listening[b, first], deaf.get((b, first)))
    assert parted, "no LGF ever turned on a caller it heard"


@pytest.mark.slow
def test_silence_pays_over_seeds_and_a_loud_patrol_pays_for_its_chatter() -> None:
    """The story's reason for radio silence, over 48 seeds of the reconnaissance: the squadrons that keep
    silence lose fewer Guardians than those that chatter, and are heard far less."""
    base = load_scenario("manhattan-recon")
    seeds = list(range(100, 148))
    lost, heard_calls = {}, {}
    for radio in ("silence", "normal"):
        fought = fight(with_enemy(base, radio=radio), seeds)
        lost[radio] = statistics.mean(f.summary.sides.air_command.lost for f in fought)
        heard_calls[radio] = statistics.mean(len(f.log.of_kind(EventKind.HEARD)) for f in fought)
    assert heard_calls["silence"] < heard_calls["normal"] / 2, heard_calls
    assert lost["silence"] < lost["normal"], lost
