"""Invariant and determinism checkers: functions that raise when a World breaks the rules of the game.

They ship with the engine (as Gymnasium's `env_checker` ships with Gymnasium) so that tests, drivers and
the RL environment can all call them. `check_world` checks one state (fuel, ammunition, health, speed,
height, row identity); `check_step` checks what one step may change (gone craft stay put, craft on deck
only leave by launching, fuel and ammunition never come back but in a carrier's turnaround, each active
battle's clock advances by exactly one tick of its dt); `StepChecker` runs both on every step of a driver's loop; and
`check_determinism` runs a battle twice alone and once inside a batch, over many steps, and names the
first event where the runs part ways. Every violation raises `WorldInvariantError`, naming the rule and
the rows (battle, craft, callsign) that broke it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from captainred.engine.events import EventKind
from captainred.engine.fields import state_fields
from captainred.engine.kinematics import sines_and_cosines
from captainred.engine.setup import build_world
from captainred.engine.terrain import inside_hull
from captainred.engine.world import AIR_COMMAND, F64, I64, B, Status, World
from captainred.scenario.model import ResolvedScenario

SPEED_SLACK_MPS = 1e-9
HEIGHT_SLACK_M = 1e-9
MOVE_SLACK_M = 1e-6
MAX_ROWS_NAMED = 8

GONE = (int(Status.LOST), int(Status.RETURNED))


class WorldInvariantError(AssertionError):
    """A World (or a pair of runs) broke a rule. `rule` names it; `rows` are the offending rows."""

    def __init__(self, rule: str, message: str, rows: Sequence[int] = ()) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.rows = tuple(int(r) for r in rows)


def _describe(world: World | None, rows: NDArray[np.intp], values: dict[str, NDArray[np.generic]]) -> str:
    """'row 3 (battle 0 craft 3 'Devil four'): fuel_kg=-1.0, ...' for the first few rows."""
    parts = []
    for k, row in enumerate(rows[:MAX_ROWS_NAMED].tolist()):
        who = f"row {row}"
        if world is not None:
            who += f" (battle {int(world.battle[row])} craft {int(world.craft[row])} {world.callsigns[row]!r})"
        shown = ", ".join(f"{name}={np.asarray(v)[k]!r}" for name, v in values.items())
        parts.append(f"{who}: {shown}" if shown else who)
    more = f" and {len(rows) - MAX_ROWS_NAMED} more" if len(rows) > MAX_ROWS_NAMED else ""
    return "; ".join(parts) + more


def _require(
    ok: B, rule: str, what: str, world: World | None = None, **values: NDArray[np.generic] | F64 | I64
) -> None:
    """Raise naming `rule` and the rows where `ok` is False (NaN compares False, so it fails too)."""
    bad = np.flatnonzero(~np.asarray(ok, dtype=bool))
    if len(bad):
        shown = {name: np.asarray(v)[bad[:MAX_ROWS_NAMED]] for name, v in values.items()}
        raise WorldInvariantError(
            rule, f"{what}; {len(bad)} row(s): {_describe(world, bad[:MAX_ROWS_NAMED], shown)}", bad.tolist()
        )


def fuel_capacity_kg(world: World) -> F64:
    """Each row's tank capacity (0 for types that need no fuel)."""
    per_type = np.array([t.fuel_kg or 0.0 for t in world.types], dtype=np.float64)
    out: F64 = per_type[world.type_index]
    return out


# ------------------------------------------------------------------------------------------- one state


def check_world(world: World) -> None:
    """Raise `WorldInvariantError` if any row of `world` is in an impossible state."""
    n = world.n
    rows = np.arange(n)
    _require(
        (world.battle >= 0) & (world.battle < world.n_battles),
        "battle_in_range",
        "row tagged with a battle that does not exist",
        battle=world.battle,
    )
    b = np.clip(world.battle, 0, world.n_battles - 1)
    _require(
        (rows >= world.row_start[b]) & (rows < world.row_stop[b]),
        "rows_within_their_battle",
        "row outside its battle's row range",
        world,
        row_start=world.row_start[b],
        row_stop=world.row_stop[b],
    )
    _require(
        world.craft == rows - world.row_start[b],
        "stable_craft_ids",
        "craft id is not row - row_start[battle]",
        world,
        craft=world.craft,
        expected=rows - world.row_start[b],
    )
    _require(
        np.isin(world.status, [int(s) for s in Status]), "status_valid", "unknown status", world, status=world.status
    )

    capacity = fuel_capacity_kg(world)
    _require(world.fuel_kg >= 0.0, "fuel_non_negative", "negative (or NaN) fuel", world, fuel_kg=world.fuel_kg)
    _require(
        world.fuel_kg <= capacity,
        "fuel_within_capacity",
        "more fuel than the tank holds",
        world,
        fuel_kg=world.fuel_kg,
        capacity_kg=capacity,
    )
    _require(world.rounds >= 0.0, "rounds_non_negative", "negative (or NaN) rounds", world, rounds=world.rounds)
    _require(world.rockets >= 0, "rockets_non_negative", "negative rockets", world, rockets=world.rockets)
    health_ok: B = np.all((world.health >= 0.0) & (world.health <= 1.0), axis=1)
    _require(health_ok, "health_in_unit_interval", "subsystem health outside [0, 1]", world, health=world.health)

    up = world.status == int(Status.AIRBORNE)
    finite = np.isfinite(world.x_m) & np.isfinite(world.y_m) & np.isfinite(world.z_m)
    finite &= np.isfinite(world.speed_mps) & np.isfinite(world.heading_rad) & np.isfinite(world.gamma_rad)
    _require(~up | finite, "airborne_state_finite", "airborne craft with a NaN or infinite state", world)
    # The sines and cosines the World keeps are those of its angles, bit for bit, on every row.
    sin_h, cos_h, sin_g, cos_g = (np.empty(world.n) for _ in range(4))
    sines_and_cosines(
        np.arange(world.n, dtype=np.int64), world.heading_rad, world.gamma_rad, sin_h, cos_h, sin_g, cos_g
    )
    kept = (world.sin_heading == sin_h) & (world.cos_heading == cos_h)
    kept &= (world.sin_gamma == sin_g) & (world.cos_gamma == cos_g)
    _require(
        kept,
        "angles_kept",
        "the sine or cosine kept of a heading or flight-path angle is not that of the angle",
        world,
        heading_rad=world.heading_rad,
        sin_heading=world.sin_heading,
        gamma_rad=world.gamma_rad,
        sin_gamma=world.sin_gamma,
    )
    _require(
        ~up | ((world.speed_mps > 0.0) & (world.speed_mps <= world.max_speed_mps + SPEED_SLACK_MPS)),
        "airborne_speed_in_envelope",
        "airborne speed outside (0, max_speed]",
        world,
        speed_mps=world.speed_mps,
        max_speed_mps=world.max_speed_mps,
    )
    ground = world.theatre.ground_height_m(world.x_m, world.y_m)
    where = {"x_m": world.x_m, "y_m": world.y_m, "z_m": world.z_m}  # shown where a craft is somewhere it may not be
    _require(
        ~up | (world.z_m >= -HEIGHT_SLACK_M),
        "airborne_above_sea_level",
        "airborne craft below sea level",
        world,
        z_m=world.z_m,
    )
    _require(
        ~up | (world.z_m >= ground - HEIGHT_SLACK_M),
        "airborne_above_ground",
        "airborne craft below the ground or a roof (inside a building)",
        world,
        **where,
        ground_m=ground,
    )
    if world.ship_xyz is not None:
        inside = inside_hull(world, world.x_m, world.y_m, world.z_m)
        _require(
            ~(up & (world.side == AIR_COMMAND) & inside),
            "air_command_outside_ship_hull",
            "an Air Command craft flying inside the mother ship's hull",
            world,
            **where,
        )
    gone = np.isin(world.status, GONE)
    _require(
        ~(gone & (world.trigger | world.firing)),
        "gone_craft_do_not_fire",
        "a lost or returned craft has its trigger held or is firing",
        world,
        status=world.status,
        trigger=world.trigger,
        firing=world.firing,
    )


# ------------------------------------------------------------------------------------------- one step


@dataclass(frozen=True, eq=False)
class WorldSnapshot:
    """The few arrays a step's rules compare, copied out of a World."""

    tick: I64
    time_s: F64
    dt_s: F64
    done: B
    craft: NDArray[np.int32]
    battle: NDArray[np.int32]
    status: NDArray[np.int8]
    x_m: F64
    y_m: F64
    z_m: F64
    max_speed_mps: F64
    fuel_kg: F64
    rounds: F64
    rockets: NDArray[np.int32]
    health: F64
    log_lengths: tuple[int, ...]


def snapshot(world: World) -> WorldSnapshot:
    """Copy out what `check_step` needs (the World is not kept)."""
    return WorldSnapshot(
        tick=world.tick.copy(),
        time_s=world.time_s.copy(),
        dt_s=world.dt_s.copy(),
        done=world.done.copy(),
        craft=world.craft.copy(),
        battle=world.battle.copy(),
        status=world.status.copy(),
        x_m=world.x_m.copy(),
        y_m=world.y_m.copy(),
        z_m=world.z_m.copy(),
        max_speed_mps=world.max_speed_mps.copy(),
        fuel_kg=world.fuel_kg.copy(),
        rounds=world.rounds.copy(),
        rockets=world.rockets.copy(),
        health=world.health.copy(),
        log_lengths=tuple(len(log) for log in world.logs),
    )


def launched_since(world: World, log_lengths: Sequence[int]) -> B:
    """Rows with a LAUNCH event among the events logged after `log_lengths`."""
    launched = np.zeros(world.n, dtype=bool)
    for b, log in enumerate(world.logs):
        for k in range(log_lengths[b], len(log)):
            event = log[k]
            if event.kind == EventKind.LAUNCH:
                launched[int(world.row_start[b]) + event.actor] = True
    return launched


def check_step(before: WorldSnapshot, after: WorldSnapshot, launched: B | None = None) -> None:
    """Raise `WorldInvariantError` if one step took `before` to `after` against the rules.

    `launched` marks rows whose LAUNCH event was logged in the step; without it, any departure from
    the deck is taken as a launch.
    """
    if before.craft.shape != after.craft.shape or before.tick.shape != after.tick.shape:
        raise WorldInvariantError("rows_preallocated", "the number of rows or battles changed in a step")
    _require(
        (before.craft == after.craft) & (before.battle == after.battle),
        "identity_constant",
        "a row's battle or craft id changed",
    )

    # Clocks: an active battle advances one tick of its own dt; an ended one stands still.
    active = ~before.done
    _require(~before.done | after.done, "ended_battles_stay_ended", "an ended battle started again")
    _require(
        np.where(active, after.tick == before.tick + 1, after.tick == before.tick),
        "tick_advances_by_one",
        "an active battle's tick did not advance by exactly 1 (or an ended one's moved)",
        tick_before=before.tick,
        tick_after=after.tick,
        done_before=before.done,
    )
    _require(
        np.where(active, after.dt_s > 0.0, True),
        "active_dt_positive",
        "an active battle stepped by no time",
        dt_s=after.dt_s,
    )
    _require(
        np.where(active, after.time_s == before.time_s + after.dt_s, after.time_s == before.time_s),
        "time_advances_by_dt",
        "a battle's clock did not advance by its dt",
        time_before=before.time_s,
        time_after=after.time_s,
        dt_s=after.dt_s,
    )

    # Craft in ended battles, and craft that are gone, do not move.
    moved = (after.x_m != before.x_m) | (after.y_m != before.y_m) | (after.z_m != before.z_m)
    frozen = before.done[before.battle]
    _require(
        ~(frozen & (moved | (after.status != before.status))),
        "ended_battles_frozen",
        "a craft moved or changed status in a battle that had ended",
        status_before=before.status,
        status_after=after.status,
    )
    lost = before.status == int(Status.LOST)
    _require(
        ~lost | (after.status == int(Status.LOST)),
        "lost_is_final",
        "a lost craft came back",
        status_after=after.status,
    )
    returned = before.status == int(Status.RETURNED)
    _require(
        ~returned | (after.status == int(Status.RETURNED)) | (after.status == int(Status.READY)),
        "returned_stay_aboard",
        "a recovered craft left the deck without going back to READY",
        status_after=after.status,
    )
    _require(
        ~((lost | returned) & moved),
        "gone_craft_do_not_move",
        "a lost or returned craft moved",
        x_before=before.x_m,
        x_after=after.x_m,
        y_before=before.y_m,
        y_after=after.y_m,
        z_before=before.z_m,
        z_after=after.z_m,
    )

    # On deck (or inside the ship) nothing happens to a craft until it launches.
    ready = before.status == int(Status.READY)
    left = ready & (after.status != int(Status.READY))
    evidence = launched if launched is not None else left
    _require(
        ~left | evidence,
        "ready_leaves_only_by_launch",
        "a craft left the deck without a LAUNCH event",
        status_before=before.status,
        status_after=after.status,
    )
    _require(
        ~(ready & ~left & moved),
        "ready_craft_stay_put",
        "a craft waiting to launch moved",
        x_before=before.x_m,
        x_after=after.x_m,
        y_before=before.y_m,
        y_after=after.y_m,
    )
    health_up = (after.health > before.health).any(axis=1)
    _require(
        ~(ready & ~left & health_up),
        "ready_craft_unchanged",
        "a craft waiting to launch was damaged or repaired",
    )

    # Fuel and ammunition are only ever spent, except aboard a carrier, where the deck crews refuel and
    # rearm a recovered aircraft (RETURNED before the step, still aboard after it).
    aboard = returned & ((after.status == int(Status.RETURNED)) | (after.status == int(Status.READY)))
    for name, rule, what in (
        ("fuel_kg", "fuel_never_increases", "fuel"),
        ("rounds", "rounds_never_increase", "rounds"),
        ("rockets", "rockets_never_increase", "rockets"),
    ):
        was, now = getattr(before, name), getattr(after, name)
        _require(
            aboard | (now <= was),
            rule,
            f"{what} went up outside a carrier's turnaround",
            **{f"{what}_before": was, f"{what}_after": now},
        )
    flying = (before.status == int(Status.AIRBORNE)) & (after.status == int(Status.AIRBORNE))
    _require(
        ~(flying & health_up),
        "no_repairs_in_the_air",
        "an airborne craft's subsystem health went up",
    )

    # Nothing flies faster than its top speed between two ticks.
    step_m = np.sqrt((after.x_m - before.x_m) ** 2 + (after.y_m - before.y_m) ** 2 + (after.z_m - before.z_m) ** 2)
    reach_m = before.max_speed_mps * after.dt_s[before.battle] + MOVE_SLACK_M
    _require(
        ~flying | (step_m <= reach_m),
        "no_faster_than_top_speed",
        "an airborne craft moved further in one step than its top speed allows",
        moved_m=step_m,
        reach_m=reach_m,
    )


class StepChecker:
    """Checks a World after every step of a driver's loop:

    checker = StepChecker(sim.world)
    while not sim.finished:
        sim.step()
        checker.check()
    """

    def __init__(self, world: World) -> None:
        check_world(world)
        self.world = world
        self.steps_checked = 0
        self._before = snapshot(world)

    def check(self) -> None:
        after = snapshot(self.world)
        try:
            check_step(self._before, after, launched_since(self.world, self._before.log_lengths))
            check_world(self.world)
        except WorldInvariantError as error:
            ticks = ", ".join(str(int(t)) for t in self.world.tick[:4])
            raise WorldInvariantError(
                error.rule, f"{error.args[0]} (after step {self.steps_checked + 1}; ticks {ticks})", error.rows
            ) from None
        self._before = after
        self.steps_checked += 1


# ------------------------------------------------------------------------------------------- determinism

# Per-row state compared between runs: every per-row field the step changes (the field table). A field
# that holds row numbers (`target`) is compared as a craft id.
STATE_FIELDS = state_fields(World)


@dataclass(frozen=True)
class DeterminismReport:
    """What `check_determinism` compared: how many steps each run took and how many events matched."""

    seed: int
    batch: tuple[int, ...]
    steps: int
    events: int
    finished: bool


class Stepper(Protocol):
    """A driver of a World: the `Simulation` of `captainred.simulation`, or an RL environment's loop."""

    @property
    def finished(self) -> bool: ...

    def step(self) -> None: ...


def _run(
    resolved: ResolvedScenario, seeds: list[int], steps: int, stepper: Callable[[World], Stepper]
) -> tuple[World, int]:
    world = build_world(resolved, seeds)
    sim = stepper(world)
    taken = 0
    while taken < steps and not sim.finished:
        sim.step()
        taken += 1
    return world, taken


def _compare(a: World, a_battle: int, b: World, b_battle: int, what: str) -> int:
    """Raise at the first event, then the first state field, where the two battles differ."""
    lines_a = list(a.logs[a_battle].canonical_lines())
    lines_b = list(b.logs[b_battle].canonical_lines())
    for k, (line_a, line_b) in enumerate(zip(lines_a, lines_b, strict=False)):
        if line_a != line_b:
            raise WorldInvariantError(
                "deterministic_events",
                f"{what}: event {k} differs:\n  first:  {line_a}\n  second: {line_b}"
                + (f"\n  (last common: {lines_a[k - 1]})" if k else ""),
            )
    if len(lines_a) != len(lines_b):
        k = min(len(lines_a), len(lines_b))
        extra = (lines_a if len(lines_a) > k else lines_b)[k]
        raise WorldInvariantError(
            "deterministic_events",
            f"{what}: {len(lines_a)} events against {len(lines_b)}; first extra event {k}: {extra}",
        )
    if int(a.tick[a_battle]) != int(b.tick[b_battle]) or a.time_s[a_battle] != b.time_s[b_battle]:
        raise WorldInvariantError(
            "deterministic_clock",
            f"{what}: clocks differ: tick {int(a.tick[a_battle])} at {a.time_s[a_battle]!r} s against "
            f"tick {int(b.tick[b_battle])} at {b.time_s[b_battle]!r} s",
        )
    rows_a, rows_b = a.rows_of(a_battle), b.rows_of(b_battle)
    for spec in STATE_FIELDS:
        name = spec.name
        va, vb = getattr(a, name)[rows_a], getattr(b, name)[rows_b]
        if spec.holds_rows:
            va = np.where(va >= 0, va - rows_a.start, -1)
            vb = np.where(vb >= 0, vb - rows_b.start, -1)
        same = (va == vb) | ((va != va) & (vb != vb))  # NaN where both are NaN counts as equal
        differs = np.flatnonzero(~same.reshape(len(va), -1).all(axis=1))
        if len(differs):
            craft = int(differs[0])
            raise WorldInvariantError(
                "deterministic_state",
                f"{what}: after the same events, {name} of craft {craft} differs: {va[craft]!r} against "
                f"{vb[craft]!r} (at tick {int(a.tick[a_battle])})",
                [craft],
            )
    return len(lines_a)


def check_determinism(
    resolved: ResolvedScenario,
    seed: int,
    steps: int,
    others: Sequence[int] | None = None,
    *,
    stepper: Callable[[World], Stepper],
) -> DeterminismReport:
    """Run battle `seed` for `steps` steps twice alone and once inside a batch; raise at the first difference.

    The batch puts `others` (by default three neighbouring seeds) around the battle, so it sits at a row
    offset other than 0 beside battles that are doing other things. Runs stop early only if the battle ends.
    `stepper` drives a World (the `Simulation` step loop, or an RL environment's driver of it: the
    engine does not import the loop, which lives above it). Every event and the final state of
    every craft are compared, and the report says how many steps and
    events were compared, so a caller can see the check ran as long as it claims.
    """
    if steps < 1:
        raise ValueError("steps must be at least 1")
    others = list(others) if others is not None else [seed + 1, seed + 2, seed + 3]
    half = (len(others) + 1) // 2
    batch = [*others[:half], seed, *others[half:]]
    position = half

    first, taken_first = _run(resolved, [seed], steps, stepper)
    second, taken_second = _run(resolved, [seed], steps, stepper)
    events = _compare(first, 0, second, 0, f"seed {seed}, run alone twice")
    if taken_first != taken_second:
        raise WorldInvariantError("deterministic_clock", f"seed {seed}: {taken_first} steps against {taken_second}")

    batched, _ = _run(resolved, batch, steps, stepper)
    _compare(first, 0, batched, position, f"seed {seed} alone against battle {position} of batch {batch}")
    finished = bool(first.done[0])
    if finished != bool(batched.done[position]):
        raise WorldInvariantError("deterministic_clock", f"seed {seed}: ended alone but not in the batch, or back")
    return DeterminismReport(seed=seed, batch=tuple(batch), steps=taken_first, events=events, finished=finished)
