"""The field table: every array of the World (and of the raid's party, and of the front) declared once,
with its shape.

A field is declared where its class is, in one line: `x_m: F64 = per_row(np.float64, 0.0)`. The
declaration says its dtype, what it has one entry per (a craft row, a battle, a squadron, a carrier of a
battle, a member of the raid's party, a unit of the front), its initial value, its trailing width (the
subsystems of `health`), what kind of thing it holds (identity and type parameters that never change in
a run, or state the step changes), and whether it holds row numbers. From that one table come the
allocation (`allocate`), copies (`copy_fields`), the determinism checker's list of state to compare
(`state_fields`) and the benchmark's
tiling of a warmed World (`FieldSpec.holds_rows`). Adding a field is one line.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np


class Scope(Enum):
    """What a field has one entry per; the sizes come from the World being allocated."""

    ROW = "row"  # a craft that may fly (n rows, grouped by battle)
    BATTLE = "battle"
    SQUADRON = "squadron"  # battle * squadrons_per_battle + order
    CARRIER = "carrier"  # (battle, carrier)
    MEMBER = "member"  # a member of the raid's party: battle * m + i
    GROUND = "ground"  # a unit of the front on the ground (a position or a battery): battle * g + i


class Kind(Enum):
    """What a field holds: fixed for the whole run, changed by the step, or a kernel's scratch space (so
    that no step allocates an array the size of the World)."""

    IDENTITY = "identity"  # who and where a row is in the batch, and type parameters copied out
    STATE = "state"  # changed by the step
    SCRATCH = "scratch"  # written and read within one step by a compiled kernel; nothing carries over


SPEC = "captainred.field"


@dataclass(frozen=True)
class FieldSpec:
    """One array of the table."""

    name: str
    dtype: np.dtype[Any]
    scope: Scope
    init: float | int | bool
    kind: Kind
    width: int = 0  # a trailing dimension (0: none)
    holds_rows: bool = False  # row numbers (-1 for none): a copy of a battle must point at its own rows


def _declare(
    scope: Scope, dtype: type | np.dtype[Any], init: float | int | bool, kind: Kind, width: int, holds_rows: bool
) -> Any:
    spec = FieldSpec("", np.dtype(dtype), scope, init, kind, width, holds_rows)
    return dataclasses.field(init=False, repr=False, compare=False, metadata={SPEC: spec})


def per_row(
    dtype: type | np.dtype[Any],
    init: float | int | bool = 0,
    *,
    kind: Kind = Kind.STATE,
    width: int = 0,
    holds_rows: bool = False,
) -> Any:
    """A field with one entry per craft row."""
    return _declare(Scope.ROW, dtype, init, kind, width, holds_rows)


def per_battle(
    dtype: type | np.dtype[Any], init: float | int | bool = 0, *, kind: Kind = Kind.STATE, width: int = 0
) -> Any:
    """A field with one entry per battle."""
    return _declare(Scope.BATTLE, dtype, init, kind, width, False)


def per_squadron(dtype: type | np.dtype[Any], init: float | int | bool = 0) -> Any:
    """A field with one entry per squadron of each battle."""
    return _declare(Scope.SQUADRON, dtype, init, Kind.STATE, 0, False)


def per_carrier(dtype: type | np.dtype[Any], init: float | int | bool = 0, *, width: int = 0) -> Any:
    """A field with one entry per carrier of each battle: shape (battles, carriers[, width])."""
    return _declare(Scope.CARRIER, dtype, init, Kind.STATE, width, False)


def per_member(dtype: type | np.dtype[Any], init: float | int | bool = 0, *, kind: Kind = Kind.STATE) -> Any:
    """A field with one entry per member of the raid's party in each battle."""
    return _declare(Scope.MEMBER, dtype, init, kind, 0, False)


def per_ground(dtype: type | np.dtype[Any], init: float | int | bool = 0, *, kind: Kind = Kind.STATE) -> Any:
    """A field with one entry per unit of the front (a position or a battery) in each battle."""
    return _declare(Scope.GROUND, dtype, init, kind, 0, False)


def field_table(cls: type) -> tuple[FieldSpec, ...]:
    """The declared fields of a class, in declaration order, each with its name."""
    return tuple(
        dataclasses.replace(f.metadata[SPEC], name=f.name) for f in dataclasses.fields(cls) if SPEC in f.metadata
    )


def shape_of(spec: FieldSpec, sizes: dict[Scope, tuple[int, ...]]) -> tuple[int, ...]:
    """The array shape of a field, given what each scope's leading dimensions are."""
    return sizes[spec.scope] + ((spec.width,) if spec.width else ())


def allocate(obj: object, sizes: dict[Scope, tuple[int, ...]]) -> None:
    """Give every declared field of `obj` a fresh array at its initial value."""
    for spec in field_table(type(obj)):
        setattr(obj, spec.name, np.full(shape_of(spec, sizes), spec.init, dtype=spec.dtype))


def copy_fields(source: object, target: object) -> None:
    """Copy every declared array of `source` into `target` (same class), as new arrays."""
    for spec in field_table(type(source)):
        setattr(target, spec.name, getattr(source, spec.name).copy())


def state_fields(cls: type, scope: Scope = Scope.ROW) -> tuple[FieldSpec, ...]:
    """The fields of a scope that the step changes (what a determinism check compares)."""
    return tuple(s for s in field_table(cls) if s.kind is Kind.STATE and s.scope is scope)


__all__ = [
    "FieldSpec",
    "Kind",
    "Scope",
    "allocate",
    "copy_fields",
    "field_table",
    "per_battle",
    "per_carrier",
    "per_ground",
    "per_member",
    "per_row",
    "per_squadron",
    "shape_of",
    "state_fields",
]
