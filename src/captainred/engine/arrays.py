"""The World's arrays as one compiled object: what a kernel takes instead of dozens of arrays.

Calling a compiled kernel from Python costs some fifty nanoseconds for every array it is handed (Numba
reads each array's type and unpacks it), and a few tens more to fetch each from the World and pack the
call. A battle alone is small enough that this is a good part of its step: some thirty kernel calls a
step were handed about 475 arrays. `WorldArrays` holds every array of the field table
(`captainred.engine.fields`) in one Numba structure, built once per World (`arrays_of`), so a kernel is
handed that one object and reads the arrays it needs by name (`w.x_m`), at the cost of a pointer each.

Its type comes from the field table, like the allocation: adding a field to the World adds it here with
no other line. A World's arrays are allocated once and never rebound (a step writes into them), so the
structure built for a World stays its own for the whole run.

A kernel that takes it reads the arrays it needs at its top (`status = w.status`; one per statement in a
kernel that may run over threads, as `captainred.engine.threads` says) and then loops over plain arrays,
so its rule reads as it did when the arrays were its arguments. Arrays that are not the World's (the
sensing picture, the armoury, the ground) are still handed over one by one. A unit test hands a kernel
`arrays_with(name=array, ...)`: a structure of just the arrays it reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

import numba
import numpy as np
from numba.core import cgutils, types
from numba.core.errors import TypingError
from numba.experimental import structref
from numba.experimental.jitclass.base import imp_dtor
from numba.extending import intrinsic
from numpy.typing import NDArray

from captainred.engine.fields import FieldSpec, Scope, field_table
from captainred.engine.world import OWN_ARRAYS_KEYS, World

# Each scope's number of leading dimensions (what `World.sizes` gives each scope).
_LEADING = {
    Scope.ROW: 1,
    Scope.BATTLE: 1,
    Scope.SQUADRON: 1,
    Scope.CARRIER: 2,
    Scope.MEMBER: 1,
    Scope.GROUND: 1,
}


@structref.register
class WorldArraysType(types.StructRef):
    """The compiled type of `WorldArrays`: one member per field of the table, each a C-ordered array."""

    def preprocess_fields(self, fields: Any) -> tuple[tuple[str, types.Type], ...]:
        return tuple((name, types.unliteral(t)) for name, t in fields)  # type: ignore[no-untyped-call]


if TYPE_CHECKING:
    # What a kernel reads of it, by name, are the World's arrays: checked against the World's fields.
    WorldArrays = World
else:

    class WorldArrays(structref.StructRefProxy):
        """A World's arrays, as compiled code reads them. Python holds it only to hand it to kernels (its
        arrays are the World's own: read them there)."""

    structref.define_boxing(WorldArraysType, WorldArrays)


def array_type(spec: FieldSpec) -> types.Array:
    """The compiled type of a field's array."""
    ndim = _LEADING[spec.scope] + (1 if spec.width else 0)
    return types.Array(numba.from_dtype(spec.dtype), ndim, "C")


_FIELDS = field_table(World)
WORLD_ARRAYS = WorldArraysType([(spec.name, array_type(spec)) for spec in _FIELDS])  # type: ignore[no-untyped-call]


@intrinsic
def _gather(typingctx: Any, struct_type: Any, arrays: Any) -> Any:
    """A new structure of `struct_type` holding `arrays` (one per member, in the members' order), each
    with a reference of its own. (Numba's own constructor sets one member per statement: for a table of
    a hundred fields that costs seconds of compiling, this one a fraction.) It allocates the structure
    as Numba's `structref.new` does, with the same insides of Numba (`imp_dtor`, the payload's data
    model): an upgrade of Numba that moves them fails `tests/test_world_arrays.py` at once."""
    inst_type = struct_type.instance_type
    wanted = tuple(t for _, t in inst_type._fields)
    if not isinstance(arrays, types.BaseTuple) or tuple(cast(Iterable[types.Type], arrays)) != wanted:
        raise TypingError(f"the World's arrays do not match the field table: {arrays} against {wanted}")

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        _, values = args
        model = context.data_model_manager[inst_type.get_data_type()]
        alloc_type = model.get_value_type()
        meminfo = context.nrt.meminfo_alloc_dtor(
            builder,
            context.get_constant(types.uintp, context.get_abi_sizeof(alloc_type)),
            imp_dtor(context, builder.module, inst_type),  # type: ignore[no-untyped-call]
        )
        data = builder.bitcast(context.nrt.meminfo_data(builder, meminfo), alloc_type.as_pointer())
        builder.store(cgutils.get_null_value(alloc_type), data)  # type: ignore[no-untyped-call]
        instance = context.make_helper(builder, inst_type)
        instance.meminfo = meminfo
        members = cgutils.create_struct_proxy(inst_type.get_data_type())(context, builder, ref=data)  # type: ignore[no-untyped-call]
        for i, (name, member_type) in enumerate(inst_type._fields):
            value = builder.extract_value(values, i)
            context.nrt.incref(builder, member_type, value)
            setattr(members, name, value)
        return instance._getvalue()

    return inst_type(struct_type, arrays), codegen


@numba.njit(cache=True)
def _world_arrays(arrays: tuple[np.ndarray, ...]) -> WorldArrays:
    return _gather(WORLD_ARRAYS, arrays)  # type: ignore[call-arg]  # typed by Numba, not by Python


def arrays_with(**arrays: NDArray[Any]) -> WorldArrays:
    """A structure of only the arrays given, by field name: for a kernel run on hand-made arrays (a unit
    test of its rule), which reads no others. Each new set of names and types compiles its own."""
    struct_type = WorldArraysType([(name, numba.typeof(array)) for name, array in arrays.items()])  # type: ignore[no-untyped-call]
    held: WorldArrays = _gathered(struct_type, tuple(arrays.values()))
    return held


@numba.njit
def _gathered(struct_type: Any, arrays: tuple[NDArray[Any], ...]) -> WorldArrays:
    return _gather(struct_type, arrays)  # type: ignore[call-arg]  # typed by Numba, not by Python


OWN_ARRAYS_KEYS.add(__name__)  # a copy of a World builds its own (`World.__getstate__`)


def arrays_of(world: World) -> WorldArrays:
    """The World's `WorldArrays`, built on first use and then kept with the World (not with a copy of it,
    whose arrays are its own)."""
    try:
        held: WorldArrays = world.constants[__name__]
    except KeyError:
        held = world.constants[__name__] = _world_arrays(tuple(getattr(world, spec.name) for spec in _FIELDS))
    return held


__all__ = ["WORLD_ARRAYS", "WorldArrays", "WorldArraysType", "array_type", "arrays_of", "arrays_with"]
