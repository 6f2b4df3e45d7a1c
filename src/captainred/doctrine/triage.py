"""After the transitions, each tick: who is herded down, who comes down or calls a mayday, which kills are
called, and how a crippled aircraft is put down.

`triage` does the finding in one compiled pass (`_triage_rows`) where, on most ticks, nothing happens;
Python then writes the events and calls of the few it found.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from captainred.doctrine.modes import Mode
from captainred.doctrine.piloting import trouble_rows
from captainred.doctrine.sortie import say, set_mode
from captainred.doctrine.steering import aim, pull_up
from captainred.engine.arrays import WorldArrays, arrays_of
from captainred.engine.damage import is_struggling
from captainred.engine.events import EventKind
from captainred.engine.kinematics import wrap
from captainred.engine.rng import Purpose, uniform
from captainred.engine.sensing import Picture
from captainred.engine.world import F64, I32, I64, B, Flag, Sub, World, constant, emit
from captainred.scenario.maps import Ground, landing_line

FORCE_DOWN_HAZARD_PER_S = 0.05  # with three LGFs close around a struggling pilot
CITY_REACH_M = 8000.0  # a crippled aircraft this close to the island makes for a street
CRIPPLED = int(Mode.CRIPPLED)  # a plain int for the compiled rules
N_MODES = len(Mode)


def triage(world: World, up: I64, picture: Picture) -> tuple[I64, I64, list[int]]:
    """After the transitions, in one compiled pass where nothing happens (most ticks): pilots herded
    down (`_forced_down`); then the aircraft that come down and the pilots who must call a mayday
    (`piloting.trouble_rows`), the kills not yet called, the guns and rockets made safe until a flying
    rule fires them, and a census of the modes. Returns the mayday callers, the kill callers and the
    census."""
    found = np.empty((2, len(up)), dtype=np.int64)
    modes = np.zeros(N_MODES + 2, dtype=np.int64)  # and the two numbers found
    herded = _triage_in(world, False, up, picture.escorts, found, modes)
    if herded:
        _forced_down(world, found[0, :herded], picture)
        _triage_in(world, True, up, picture.escorts, found, modes)
    census: list[int] = modes.tolist()
    return found[0, : census[N_MODES]], found[1, : census[N_MODES + 1]], census[:N_MODES]


def _triage_in(world: World, herding_done: bool, up: I64, escorts: I64, found: I64, counts: I64) -> int:
    """`_triage_rows` on the World's arrays."""
    herded: int = _triage_rows(herding_done, up, escorts, arrays_of(world), found, counts)
    return herded


@numba.njit(cache=True, error_model="numpy")
def _triage_rows(herding_done: bool, up: I64, escorts: I64, w: WorldArrays, found: I64, counts: I64) -> int:
    """Unless `herding_done`, the herded (`_herded`) first: if there are any, they go in `found[0]` and
    their number is returned, with nothing else done (the caller forces them down, then asks again with
    `herding_done`). Otherwise returns 0, with the mayday callers (`piloting.trouble_rows`, which also
    cripples the aircraft that cannot fly) in `found[0]`, the kill callers (`_unclaimed_kills`) in
    `found[1]`, trigger and rockets cleared, and in `counts` the pilots in each mode, then the two
    numbers found."""
    forced_down, smoking, wounded, flags, leak_kg_s = w.forced_down, w.smoking, w.wounded, w.flags, w.leak_kg_s
    health, engines, fuel_limited, fuel_kg = w.health, w.engines, w.fuel_limited, w.fuel_kg
    mode, mode_since_s, time_s, battle = w.mode, w.mode_since_s, w.time_s, w.battle
    kills, kills_called, trigger, fire_rockets = w.kills, w.kills_called, w.trigger, w.fire_rockets
    if not herding_done:
        herded = _herded(up, escorts, forced_down, smoking, wounded, flags, leak_kg_s)
        if len(herded):
            # Element by element, here and below: a slice assigned from an array would compile Numba's
            # error message for a mismatch of shapes (string formatting, a second a cold start).
            for i in range(len(herded)):
                found[0, i] = herded[i]
            return len(herded)
    troubled = trouble_rows(
        up, health, engines, fuel_limited, fuel_kg, mode, mode_since_s, time_s, battle, flags, wounded, leak_kg_s,
        found[0],
    )  # fmt: skip
    claims = _unclaimed_kills(up, kills, kills_called)
    for i in range(len(claims)):
        found[1, i] = claims[i]
    counts[:] = 0
    for r in up:
        trigger[r] = False
        fire_rockets[r] = False
        counts[mode[r]] += 1
    counts[len(counts) - 2] = troubled
    counts[len(counts) - 1] = len(claims)
    return 0


def _forced_down(world: World, herded: I64, picture: Picture) -> None:
    """Three LGFs close around a struggling pilot can force her down over land, to take her, not kill her.
    Over open water there is nobody to take: they stay with her, and she may yet reach the coast or home.
    `herded`: the pilots in visible trouble with three LGFs or more around them (`_herded`)."""
    herded = herded[world.theatre.on_land(world.x_m[herded], world.y_m[herded])]
    if not len(herded):
        return
    tick = world.tick[world.battle[herded]]
    dt = world.dt_s[world.battle[herded]]
    taken = uniform(world.row_seed[herded], world.craft[herded], tick, Purpose.FORCED_LANDING) < 1 - np.exp(
        -FORCE_DOWN_HAZARD_PER_S * dt
    )
    for row in herded[taken].tolist():
        world.forced_down[row] = True
        world.flags[row] |= Flag.FORCE_DOWN
        emit(world, row, EventKind.FORCE_DOWN, escorts=int(picture.escorts[row]))
        set_mode(world, np.array([row]), Mode.CRIPPLED)


@numba.njit(cache=True, error_model="numpy")
def _herded(up: I64, escorts: I64, forced_down: B, smoking: B, wounded: B, flags: I32, leak_kg_s: F64) -> I64:
    """The pilots of `up` in visible trouble (`damage.is_struggling`), not yet forced down, with three
    LGFs or more close around them."""
    rows = np.empty(len(up), dtype=np.int64)
    n = 0
    for r in up:
        if escorts[r] >= 3 and not forced_down[r] and is_struggling(smoking[r], wounded[r], flags[r], leak_kg_s[r]):
            rows[n] = r
            n += 1
    return rows[:n]


def call_maydays(world: World, rows: I64) -> None:
    """A pilot in serious trouble calls a mayday, once (`rows`: `piloting.trouble_rows`')."""
    h = world.health
    for row in rows.tolist():
        cs = world.callsigns[row]
        if h[row, Sub.ENGINE_PORT] <= 0:
            trouble = "I've lost my port engine"
        elif h[row, Sub.ENGINE_STARBOARD] <= 0:
            trouble = "I've lost my starboard engine"
        elif world.wounded[row]:
            trouble = "I'm hit, I'm hurt"
        elif world.leak_kg_s[row] > 0.4:
            trouble = "I'm losing fuel"
        elif world.mode[row] == int(Mode.CRIPPLED):
            trouble = "she won't fly"
        else:
            trouble = "my tail's shot up, she's barely answering"
        intent = "going down" if world.mode[row] == int(Mode.CRIPPLED) else "trying to make it home"
        side = "east" if world.x_m[row] >= 0 else "west"
        where = f" on the {side} side" if world.mode[row] == int(Mode.CRIPPLED) else ""
        world.flags[row] |= Flag.MAYDAY
        say(world, row, f"Mayday, mayday, {cs}, {trouble}, {intent}{where}.", mayday=True)


def call_kills(world: World, rows: I64) -> None:
    """A pilot calls each kill (`rows`: those with one not yet called). Under `essential` or `silence`
    it does not go out, but counts as called, so a later change of discipline does not bring them all
    out."""
    for row in rows.tolist():
        world.kills_called[row] = world.kills[row]
        say(world, row, f"{world.callsigns[row]}, splash one!", essential=False)


@numba.njit(cache=True, error_model="numpy")
def _unclaimed_kills(up: I64, kills: I32, kills_called: I32) -> I64:
    """The pilots of `up` with a kill not yet called."""
    rows = np.empty(len(up), dtype=np.int64)
    n = 0
    for r in up:
        if kills[r] > kills_called[r]:
            rows[n] = r
            n += 1
    return rows[:n]


def crippled(world: World, up: I64) -> None:
    """Put her down: over the city, line up with a street or avenue above the roofs, then let down along
    it; out at sea, straight ahead and down (`_crippled_rows`)."""
    manhattan, island, park = landing_rules(world)
    _crippled_rows(
        np.ascontiguousarray(up, dtype=np.int64), arrays_of(world), manhattan, island, park, world.theatre.ground
    )


LandingRules = tuple[bool, tuple[float, float, float, float], tuple[float, float, float, float]]


@constant
def landing_rules(world: World) -> LandingRules:
    """What `_crippled_rows` takes of the theatre: whether it is Manhattan, the island's box and the park's."""
    theatre = world.theatre
    x0, y0, x1, y1 = theatre.island
    px0, py0, px1, py1 = theatre.park
    island = (float(x0), float(y0), float(x1), float(y1))
    return theatre.kind == "manhattan", island, (float(px0), float(py0), float(px1), float(py1))


_pull_up_in_turn = pull_up.in_turn  # as a compiled function calls it, by name


@numba.njit(cache=True, error_model="numpy")
def _crippled_rows(
    up: I64,
    w: WorldArrays,
    manhattan: bool,
    island: tuple[float, float, float, float],
    park: tuple[float, float, float, float],
    ground: Ground,
) -> None:
    """Each crippled aircraft of `up` makes to land: her throttle back, no target. Within `CITY_REACH_M`
    of the island's box she steers at the point `landing_line` gives (`steering.aim`, 600 m of gain),
    lets down along it once lined up (within 6 m of it and 0.06 rad of its heading), and until then
    holds her height and looks 3 s ahead for the roofs (`steering._pull_up_rows`); below 25 m she
    flattens out. Farther out she flies straight ahead, down. Each writes only her own row."""
    mode, landing_intent, target = w.mode, w.landing_intent, w.target
    x, y, z, heading = w.x_m, w.y_m, w.z_m, w.heading_rad
    cmd_heading, cmd_gamma, cmd_throttle = w.cmd_heading_rad, w.cmd_gamma_rad, w.cmd_throttle
    x0, y0, x1, y1 = island
    city = np.empty(len(up), np.int64)
    setting_up = np.empty(len(up), np.int64)
    n_city, n_setting_up = 0, 0
    for r in up:
        if mode[r] != CRIPPLED:
            continue
        landing_intent[r] = True
        target[r] = -1
        cmd_throttle[r] = 0.45
        xr, yr = x[r], y[r]
        if not (
            xr > x0 - CITY_REACH_M and xr < x1 + CITY_REACH_M and yr > y0 - CITY_REACH_M and yr < y1 + CITY_REACH_M
        ):
            cmd_heading[r] = heading[r]  # at sea
            cmd_gamma[r] = -0.12
            continue
        city[n_city] = r
        n_city += 1
        tx, ty, line_heading = landing_line(manhattan, park, xr, yr, heading[r])
        cmd_heading[r], cmd_gamma[r] = aim(xr, yr, z[r], tx, ty, 0.0, 600.0)
        off_line = abs(xr - tx) if abs(math.sin(line_heading)) < 0.5 else abs(yr - ty)
        lined_up = off_line < 6.0 and abs(wrap(heading[r] - line_heading)) < 0.06
        cmd_gamma[r] = -0.2 if lined_up else 0.0
        if not lined_up:  # until lined up, stay over the roofs
            setting_up[n_setting_up] = r
            n_setting_up += 1
    if n_setting_up:
        state = (x, y, z, w.speed_mps, heading, w.gamma_rad, w.sin_heading, w.cos_heading, w.sin_gamma, w.cos_gamma)
        rows = setting_up[:n_setting_up]
        lookahead = np.full(n_setting_up, 3.0)
        _pull_up_in_turn(
            rows, lookahead, state, w.max_g, w.stall_speed_mps, cmd_heading, ground, cmd_gamma, cmd_throttle
        )
    for k in range(n_city):  # flatten out at the last moment
        r = city[k]
        if z[r] < 25.0:
            cmd_gamma[r] = max(cmd_gamma[r], -0.05)
