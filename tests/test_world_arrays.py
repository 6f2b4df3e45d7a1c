"""The World's arrays as one compiled object (`captainred.engine.arrays`): built from the field table,
holding the World's own arrays (never copies), kept with the World, and refused when the arrays handed to
it do not match the table."""

from __future__ import annotations

import copy
import gc
import pickle

import numba
import numpy as np
import pytest
from numba.core.errors import TypingError

from captainred.engine.arrays import WORLD_ARRAYS, _world_arrays, array_type, arrays_of
from captainred.engine.fields import field_table
from captainred.engine.setup import build_world
from captainred.engine.world import World
from captainred.scenario import load_scenario
from captainred.simulation import Simulation

FIELDS = field_table(World)

# Every member of the structure, handed back to Python: one compiled function that reads them all by name.
_namespace: dict[str, object] = {}
exec(  # a test's own function, compiled without a cache
    "def every_member(w):\n    return (" + "".join(f"w.{spec.name}, " for spec in FIELDS) + ")\n",
    _namespace,
)
every_member = numba.njit(_namespace["every_member"])


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(load_scenario("manhattan-recon"), [4, 5])


def test_the_type_has_a_member_for_every_field_of_the_table_in_its_order() -> None:
    members = list(WORLD_ARRAYS.field_dict.items())
    assert [name for name, _ in members] == [spec.name for spec in FIELDS]
    assert [t for _, t in members] == [array_type(spec) for spec in FIELDS]


def test_each_member_is_the_worlds_own_array(world: World) -> None:
    members = every_member(arrays_of(world))
    assert len(members) == len(FIELDS)
    for spec, member in zip(FIELDS, members, strict=True):
        array = getattr(world, spec.name)
        assert member.dtype == array.dtype, spec.name
        assert member.shape == array.shape, spec.name
        assert member.ctypes.data == array.ctypes.data, spec.name  # the same memory, not a copy


def test_a_write_on_either_side_is_seen_on_the_other(world: World) -> None:
    w = arrays_of(world)
    world.x_m[3] = 1234.5
    assert every_member(w)[[s.name for s in FIELDS].index("x_m")][3] == 1234.5
    fuel = every_member(w)[[s.name for s in FIELDS].index("fuel_kg")]
    fuel[2] = 77.0
    assert world.fuel_kg[2] == 77.0


def test_it_is_built_once_per_world_and_each_world_has_its_own(world: World) -> None:
    assert arrays_of(world) is arrays_of(world)
    other = build_world(load_scenario("manhattan-recon"), [4, 5])
    mine, theirs = every_member(arrays_of(world)), every_member(arrays_of(other))
    assert mine[0].ctypes.data != theirs[0].ctypes.data


def test_it_keeps_the_arrays_alive_after_the_world_is_gone() -> None:
    lost = build_world(load_scenario("manhattan-recon"), [6])
    lost.y_m[:] = 42.0
    held = arrays_of(lost)
    del lost
    gc.collect()
    y = every_member(held)[[s.name for s in FIELDS].index("y_m")]
    assert np.all(y == 42.0)


def test_arrays_that_do_not_match_the_table_are_refused(world: World) -> None:
    arrays = [getattr(world, spec.name) for spec in FIELDS]
    x = [s.name for s in FIELDS].index("x_m")
    wrong_dtype = arrays.copy()
    wrong_dtype[x] = world.x_m.astype(np.float32)
    with pytest.raises(TypingError, match="do not match the field table"):
        _world_arrays(tuple(wrong_dtype))
    with pytest.raises(TypingError, match="do not match the field table"):
        _world_arrays(tuple(arrays[:-1]))


def test_a_run_steps_its_world_through_the_same_arrays(world: World) -> None:
    """The kernels write the World's arrays through the structure: after steps, the World has moved."""
    sim = Simulation(build_world(load_scenario("manhattan-recon"), [7]))
    before = sim.world.time_s.copy()
    for _ in range(50):
        sim.step()
    assert sim.world.time_s[0] > before[0]
    assert every_member(arrays_of(sim.world))[[s.name for s in FIELDS].index("time_s")][0] == sim.world.time_s[0]


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copy_of_a_simulation_under_way_fights_on_alone_and_the_same(how: str) -> None:
    # A researcher branching a battle: copy it mid-fight, then step both. The copy builds a structure of
    # its own arrays, so neither steps the other's, and both fight the same battle to the same end.
    resolved = load_scenario("manhattan-recon")
    sim = Simulation(build_world(resolved, [3]))
    for _ in range(1500):
        sim.step()
    copied = copy.deepcopy(sim) if how == "deepcopy" else pickle.loads(pickle.dumps(sim))
    assert arrays_of(copied.world) is not arrays_of(sim.world)
    x_before = sim.world.x_m.copy()
    for _ in range(300):
        copied.step()
    assert np.array_equal(sim.world.x_m, x_before)  # the original did not move with the copy
    while not sim.finished:
        sim.step()
    while not copied.finished:
        copied.step()
    assert copied.world.logs[0].digest() == sim.world.logs[0].digest()
    x_member = every_member(arrays_of(copied.world))[[s.name for s in FIELDS].index("x_m")]
    assert x_member.ctypes.data == copied.world.x_m.ctypes.data
