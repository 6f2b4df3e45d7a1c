"""Building a World from a resolved scenario: rows for every craft, type parameters copied out."""

from __future__ import annotations

import math

import numpy as np

from captainred import compile_ahead
from captainred.engine.front import build_front
from captainred.engine.kinematics import keep_angles
from captainred.engine.launch import put_in_air
from captainred.engine.party import build_party
from captainred.engine.rng import Purpose, uniform
from captainred.engine.world import AIR_COMMAND, I32, I64, LGF, World
from captainred.scenario.maps import build_theatre
from captainred.scenario.model import AircraftType, ResolvedScenario

PRE_LAUNCH_S = 60.0  # manning the aircraft, clearing the deck, the all-clear flag


def build_world(resolved: ResolvedScenario, seeds: list[int]) -> World:
    """Allocate one battle per seed, every row of every craft that may fly, the raid's party and the
    front."""
    compile_ahead.start()  # on a cold kernel cache, a second core compiles the kernels this World will need
    world = _populate(resolved, seeds)
    world.party = build_party(world)
    world.front = build_front(world)
    return world


def type_rockets(world: World, rows: I64) -> I32:
    """The full rocket load of each row's aircraft type (0 for a type without rockets)."""
    per_type = np.array([t.rockets.count if t.rockets else 0 for t in world.types] or [0], dtype=np.int32)
    out: I32 = per_type[world.type_index[rows]]
    return out


def rocket_load(world: World) -> I32:
    """The rockets each row carries: its squadron's loadout where the scenario sets one, else its type's
    full load."""
    orders = world.plan.squadrons
    loadout = np.array([o.rockets if o.rockets is not None else -1 for o in orders] or [-1], dtype=np.int32)
    order = np.where(world.squadron >= 0, world.squadron % max(world.squadrons_per_battle, 1), 0)
    squadron_rockets = np.where(world.squadron >= 0, loadout[order], -1)
    rockets: I32 = np.where(squadron_rockets >= 0, squadron_rockets, type_rockets(world, np.arange(world.n)))
    return rockets


def _waves(resolved: ResolvedScenario) -> tuple[np.ndarray, I64]:
    """Each wave craft's launch time and the unit of the front it is sent against, in wave order: a wave
    leaves the ship's doors as fast as they launch, and its craft are dealt out over the front's units in
    turn, each wave starting one unit further along."""
    scenario = resolved.scenario
    waves, front = scenario.enemy.waves, scenario.front
    if waves is None or front is None or scenario.enemy.ship is None:
        return np.zeros(0), np.zeros(0, np.int64)
    ship = resolved.catalog.ships[scenario.enemy.ship]
    units = front.positions + front.batteries
    i = np.arange(waves.size)
    launch = [
        waves.first_s + w * waves.every_s + (i // ship.doors) / ship.launch_per_door_per_s for w in range(waves.count)
    ]
    unit = [(i + w) % units for w in range(waves.count)]
    return np.concatenate(launch), np.concatenate(unit).astype(np.int64)


def _populate(resolved: ResolvedScenario, seeds: list[int]) -> World:
    scenario, catalog = resolved.scenario, resolved.catalog
    theatre = build_theatre(scenario.map, catalog.maps[scenario.map].kind)
    types: list[AircraftType] = []
    type_of: dict[str, int] = {}

    def type_index(name: str) -> int:
        if name not in type_of:
            type_of[name] = len(types)
            types.append(catalog.aircraft[name])
        return type_of[name]

    # One battle's layout: (side, type index, squadron order, slot, skill, susceptibility, camera, launch time)
    layout: list[tuple[int, int, int, int, float, float, bool, float]] = []
    carrier_clock: dict[str, int] = {}
    for order_index, (squadron_order, crew) in enumerate(zip(scenario.squadrons, resolved.crews, strict=True)):
        carrier = squadron_order.carrier or catalog.squadrons[squadron_order.id].carrier
        interval = catalog.carriers[carrier].launch_interval_s
        for slot, pilot in enumerate(crew):
            k = carrier_clock.get(carrier, 0)
            carrier_clock[carrier] = k + 1
            layout.append(
                (
                    AIR_COMMAND,
                    type_index(squadron_order.aircraft_type),
                    order_index,
                    slot,
                    pilot.skill,
                    pilot.susceptibility,
                    slot >= len(crew) - squadron_order.photo_aircraft,  # the last slots fly the cameras
                    PRE_LAUNCH_S + k * interval,
                )
            )
    enemy = scenario.enemy
    wave_launch, wave_unit = _waves(resolved)
    n_lgf = enemy.airborne + enemy.defenders + len(wave_launch)
    if n_lgf:
        lgf_type = type_index(enemy.aircraft_type)
        for k in range(n_lgf):
            w = k - enemy.airborne - enemy.defenders
            launch = 0.0 if k < enemy.airborne else math.inf if w < 0 else float(wave_launch[w])
            layout.append((LGF, lgf_type, -1, k, enemy.skill, 0.0, False, launch))

    callsigns = [p.callsign for crew in resolved.crews for p in crew]
    callsigns += [f"LGF-{k + 1}" for k in range(n_lgf)]
    per = len(layout)
    n_battles = len(seeds)
    n = per * n_battles
    squadrons_per_battle = len(scenario.squadrons)

    def tile(values: list[float] | list[int] | list[bool], dtype: type) -> np.ndarray:
        return np.tile(np.asarray(values, dtype=dtype), n_battles)

    side = tile([r[0] for r in layout], np.int8)
    tix = tile([r[1] for r in layout], np.int32)
    order = tile([r[2] for r in layout], np.int32)
    battle = np.repeat(np.arange(n_battles, dtype=np.int32), per)
    craft = tile(list(range(per)), np.int32)
    squadron = np.where(order >= 0, battle * squadrons_per_battle + order, -1).astype(np.int32)
    seed_arr = np.asarray(seeds, dtype=np.uint64)
    row_seed = seed_arr[battle]

    def param(fn: object) -> np.ndarray:
        values = np.asarray([fn(t) for t in types], dtype=np.float64)  # type: ignore[operator]
        out: np.ndarray = values[tix]
        return out

    burn = np.zeros((n, 4))
    for i, t in enumerate(types):
        if t.burn is not None:
            burn[tix == i] = (t.burn.idle_kg_s, t.burn.cruise_kg_s, t.burn.full_kg_s, t.burn.redline_kg_s)

    rounds = param(lambda t: t.cannon.rounds if t.cannon else 0.0)
    bursts = param(lambda t: t.energy_weapon.bursts_before_rearm if t.energy_weapon else 0).astype(np.int32)

    # Where each craft starts: Air Command on its carrier's deck, LGFs inside the ship.
    x = np.zeros(n)
    y = np.zeros(n)
    z = np.zeros(n)
    carrier_pos = {c.name: c.position_m for c in scenario.carriers}
    for order_index, o in enumerate(scenario.squadrons):
        name = o.carrier or catalog.squadrons[o.id].carrier
        rows = order == order_index
        x[rows], y[rows] = carrier_pos[name]
        z[rows] = catalog.carriers[name].deck_altitude_m
    lgf_rows = side == LGF
    start_xy = np.array([c.position_m for c in scenario.carriers], dtype=np.float64)
    carrier_index = {c.name: i for i, c in enumerate(scenario.carriers)}
    order_carrier = np.array(
        [carrier_index[o.carrier or catalog.squadrons[o.id].carrier] for o in scenario.squadrons],
        dtype=np.int32,
    )
    home = np.where(order >= 0, order_carrier[np.maximum(order, 0)], -1).astype(np.int32)
    sx, sy = enemy.ship_position_m
    ship = catalog.ships[enemy.ship] if enemy.ship else None
    x[lgf_rows], y[lgf_rows] = sx, sy
    z[lgf_rows] = (ship.hover_altitude_m + ship.height_m / 2) if ship else 1500.0

    launch_offset = tile([r[7] for r in layout], np.float64)
    # Launching on range: nobody goes until the fleet has steamed within range of the target.
    on_range = scenario.mission.launch_range_m is not None
    launch_at = np.where((side == AIR_COMMAND) & on_range, np.inf, launch_offset)
    standing_by = np.array([o.stand_by for o in scenario.squadrons] or [False])
    stand_by = (order >= 0) & standing_by[np.maximum(order, 0)]
    launch_at = np.where(stand_by, np.inf, launch_at)
    heading = np.zeros(n)
    speed = np.zeros(n)
    # A patrol already airborne circles the ship at 1.5 km altitude, spread around it.
    lgf_k = craft - (per - n_lgf)  # each LGF's number among the battle's LGFs
    patrol = lgf_rows & (lgf_k < enemy.airborne)
    if patrol.any():
        k = craft[patrol] - craft[patrol].min()
        angle = 2 * np.pi * k / max(1, enemy.airborne)
        x[patrol] = sx + 2500 * np.sin(angle)
        y[patrol] = sy + 2500 * np.cos(angle)
        z[patrol] = 1500.0
        heading[patrol] = angle + np.pi / 2
        speed[patrol] = param(lambda t: t.cruise_speed_mps)[patrol]

    force_down = lgf_rows & (uniform(row_seed, craft, 0, Purpose.FORCE_DOWN_ROLE) < enemy.force_down_fraction)
    starts = np.arange(n_battles, dtype=np.int64) * per
    course = np.radians(scenario.fleet.course_deg)
    world = World(
        scenario=resolved,
        theatre=theatre,
        n_battles=n_battles,
        n=n,
        types=tuple(types),
        squadrons_per_battle=squadrons_per_battle,
        n_carriers=len(scenario.carriers),
        types_have_subsystems=np.array([t.subsystems for t in types], dtype=bool),
        types_cannon=np.array([t.cannon is not None for t in types], dtype=bool),
        ship_xyz=(sx, sy, ship.hover_altitude_m + ship.height_m / 2) if ship else None,
        ship_half_m=(ship.width_m / 2, ship.length_m / 2, ship.height_m / 2) if ship else (0.0, 0.0, 0.0),
        carrier_start_xy=start_xy,
        fleet_velocity_mps=np.array(
            [scenario.fleet.speed_mps * np.sin(course), scenario.fleet.speed_mps * np.cos(course)]
        ),
        net_radius_m=scenario.net.radius_m if scenario.net.enabled else 0.0,
        callsigns=callsigns * n_battles,
    )
    # Every array starts at its declared initial value (the field table); what differs is written here.
    assign = {
        "seed": seed_arr,
        "dt_s": scenario.timing.combat_tick_s,
        "row_start": starts,
        "row_stop": starts + per,
        "net_strength_t": scenario.net.strength_t if scenario.net.enabled else 0.0,
        "net_up": scenario.net.enabled,
        "battle": battle,
        "craft": craft,
        "side": side,
        "type_index": tix,
        "squadron": squadron,
        "slot": tile([r[3] for r in layout], np.int32),
        "skill": tile([r[4] for r in layout], np.float64),
        "susceptibility": tile([r[5] for r in layout], np.float64),
        "camera": tile([r[6] for r in layout], np.bool_),
        "launch_at_s": launch_at,
        "force_down_role": force_down,
        "target_spread": np.where(lgf_rows, 0.6 * uniform(row_seed, craft, 0, Purpose.TARGET_SPREAD), 0.0),
        "row_seed": row_seed,
        "engines": param(lambda t: t.engines),
        "max_speed_mps": param(lambda t: t.max_speed_mps),
        "cruise_speed_mps": param(lambda t: t.cruise_speed_mps),
        "stall_speed_mps": param(lambda t: t.stall_speed_mps),
        "max_g": param(lambda t: t.max_g),
        "ceiling_m": param(lambda t: t.ceiling_m),
        "fuel_limited": param(lambda t: t.fuel_kg is not None).astype(bool),
        "burn_kg_s": burn,
        "x_m": x,
        "y_m": y,
        "z_m": z,
        "speed_mps": speed,
        "heading_rad": heading,
        "fuel_kg": param(lambda t: t.fuel_kg or 0.0),
        "rounds": rounds,
        "bursts_left": bursts,
        "cmd_heading_rad": heading,
        "home_carrier": home,
        "carrier_xy": start_xy[None, :, :],
        "launch_offset_s": launch_offset,
        "stand_by": stand_by,
    }
    if len(wave_unit):
        waves = lgf_rows & (lgf_k >= enemy.airborne + enemy.defenders)
        assign["strike_at"] = np.where(
            waves, np.tile(np.concatenate([np.full(per - len(wave_unit), -1), wave_unit]), n_battles), -1
        )
    for name, value in assign.items():
        getattr(world, name)[...] = value
    world.rockets[...] = rocket_load(world)
    keep_angles(world)
    # A patrol already airborne takes off at time 0 where it circles, like any launch (with its event).
    rows = np.flatnonzero(patrol)
    put_in_air(world, rows, x[rows], y[rows], z[rows], heading[rows], speed[rows], base="patrol")
    return world
