"""Each battle's clock, in compiled code: the tick it takes (`simulation._clock` gathers what the stages
allow and wait for), and whether its end may have come (`simulation._end`), so that neither makes a pass
over the World in NumPy every step.

- The tick: the combat tick while anything hostile is within the quiet range, otherwise the transit tick;
  while nothing at all flies, an idle tick up to the soonest thing a stage waits for (never shorter than
  the combat tick); never longer than any stage allows, and never past the scenario's end. A battle that
  is over takes none.
- The end may have come to a battle being fought when nothing of Air Command's is in play, or when its
  time is up.
"""

from __future__ import annotations

import numba

from captainred.engine import threads
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.world import F64, I64, B, World


def tick_battles(
    world: World,
    enemy_range_m: F64,
    in_the_air: I64,
    caps_s: F64,
    wakes_s: F64,
    active_battles: B,
    active: B,
    dt: F64,
) -> None:
    """Take each battle's tick (the module's rule): write its length, start the clock on, and mark the
    battles being fought (`active_battles`) and, per row, whether its battle is fought and its tick
    (`active`, `dt`). `wakes_s` is read only for a battle with nothing in the air."""
    timing = world.plan.timing
    _tick(
        world.n,  # a loop over battles that reads every row: threads by the World's size (`engine.threads`)
        arrays_of(world),
        enemy_range_m,
        timing.quiet_range_m,
        timing.transit_tick_s,
        timing.combat_tick_s,
        timing.idle_tick_s,
        timing.duration_s,
        in_the_air,
        caps_s,
        wakes_s,
        active_battles,
        active,
        dt,
    )


def _tick_battles(
    w: WorldArrays,
    enemy_range_m: F64,
    quiet_range_m: float,
    transit_tick_s: float,
    combat_tick_s: float,
    idle_tick_s: float,
    duration_s: float,
    in_the_air: I64,
    caps_s: F64,
    wakes_s: F64,
    active_battles: B,
    active: B,
    dt: F64,
) -> None:
    """The tick of each battle (the module's rule), then each row's copy of its battle's."""
    done = w.done
    time_s = w.time_s
    tick = w.tick
    dt_s = w.dt_s
    tick_start_s = w.tick_start_s
    battle = w.battle
    for b in numba.prange(len(done)):
        step = transit_tick_s if enemy_range_m[b] > quiet_range_m else combat_tick_s
        if not in_the_air[b] > 0:
            step = max(min(idle_tick_s, wakes_s[b] - time_s[b]), combat_tick_s)
        step = min(step, caps_s[b])
        fought = not done[b]
        step = min(step, duration_s - time_s[b]) if fought else 0.0
        dt_s[b] = step
        tick_start_s[b] = time_s[b]
        if fought:
            time_s[b] += step
            tick[b] += 1
        active_battles[b] = fought
    for r in numba.prange(len(battle)):
        active[r] = active_battles[battle[r]]
        dt[r] = dt_s[battle[r]]


_tick = threads.twins(_tick_battles)


@numba.njit(cache=True, error_model="numpy")
def may_end(active_battles: B, still_in_play: I64, time_s: F64, end_s: float) -> bool:
    """Whether the end may have come to any battle being fought: nothing of Air Command's in play, or its
    time (`end_s`) up."""
    come = False
    for b in range(len(active_battles)):
        come |= active_battles[b] and (still_in_play[b] == 0 or time_s[b] >= end_s)
    return come
