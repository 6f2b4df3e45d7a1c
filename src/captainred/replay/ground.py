"""What a replay records on the ground beside the frames of its aircraft: a raid's party on foot (`PRTY`) and
the army's front (`FRNT`), each a small chunk of its own (docs/replay-format.md).

This module owns those chunks' bytes: a frame of each, encoded and decoded, and every value checked on the
way in, so the reader in `format` only has to say where a chunk goes and what its header allows.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# ------------------------------------------------------------------------------------------- the party

PARTY_HEAD = struct.Struct("<dBBHf")  # time, phase, captive bits, members, corridor metres
PARTY_BITS = ("alive", "wounded", "bleeding", "stripped", "inside", "left_outside", "came_out")


@dataclass(frozen=True)
class PartyFrame:
    """A raid's party at one moment: where each member is and how she is, and where the party has got to."""

    time_s: float
    phase: int
    captive_held: bool
    secret_broken: bool
    corridor_m: float
    x_m: NDArray[np.float32]
    y_m: NDArray[np.float32]
    bits: NDArray[np.uint8]  # PARTY_BITS, one bit each

    def has(self, bit: str) -> NDArray[np.bool_]:
        on: NDArray[np.bool_] = (self.bits >> np.uint8(PARTY_BITS.index(bit))) & 1 > 0
        return on


def encode_party(frame: PartyFrame) -> bytes:
    captive = int(frame.captive_held) | int(frame.secret_broken) << 1
    n = len(frame.x_m)
    head = PARTY_HEAD.pack(frame.time_s, frame.phase, captive, n, frame.corridor_m)
    raw = np.asarray(frame.x_m, "<f4").tobytes() + np.asarray(frame.y_m, "<f4").tobytes()
    return head + raw + np.asarray(frame.bits, "u1").tobytes()


def decode_party(raw: bytes, members: int, phases: int = 256) -> PartyFrame:
    """One PRTY payload. Raises ValueError (with the reason) if it does not add up."""
    if len(raw) < PARTY_HEAD.size:
        raise ValueError("party frame shorter than its head")
    time_s, phase, captive, n, corridor = PARTY_HEAD.unpack_from(raw)
    if n != members or len(raw) != PARTY_HEAD.size + 9 * n:
        raise ValueError(f"party frame of {len(raw)} bytes for {n} members, the header lists {members}")
    if phase >= phases:
        raise ValueError(f"party phase {phase}, past the {phases} phases the header names")
    at = PARTY_HEAD.size
    x = np.frombuffer(raw, "<f4", n, at)
    y = np.frombuffer(raw, "<f4", n, at + 4 * n)
    if not (np.isfinite(time_s) and np.isfinite(corridor) and np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("a time or position that is not a finite number")
    bits = np.frombuffer(raw, "u1", n, at + 8 * n)
    return PartyFrame(float(time_s), int(phase), bool(captive & 1), bool(captive & 2), float(corridor), x, y, bits)


# ------------------------------------------------------------------------------------------- the front

FRONT_HEAD = struct.Struct("<dHBB")  # time, units, flags (bit 0: the front is broken), reserved
FRONT_BITS = ("lost", "laying", "under_fire")  # per unit; `laying`: a battery's guns are on an LGF
FRONT_BYTES_PER_UNIT = 5  # its strength (float32) and its bits (uint8)


@dataclass(frozen=True)
class FrontFrame:
    """The front at one moment: each unit's strength left and its state bits (units in HEAD.front order),
    and whether the front as a whole has broken."""

    time_s: float
    broken: bool
    strength: NDArray[np.float32]
    bits: NDArray[np.uint8]  # FRONT_BITS, one bit each

    def has(self, bit: str) -> NDArray[np.bool_]:
        on: NDArray[np.bool_] = (self.bits >> np.uint8(FRONT_BITS.index(bit))) & 1 > 0
        return on

    def same_state(self, other: FrontFrame | None) -> bool:
        """Whether `other` shows the front as this frame does (its time aside)."""
        return (
            other is not None
            and self.broken == other.broken
            and np.array_equal(self.strength, other.strength)
            and np.array_equal(self.bits, other.bits)
        )


def front_bytes(units: int) -> int:
    """The exact length of a FRNT payload for this many units."""
    return FRONT_HEAD.size + FRONT_BYTES_PER_UNIT * units


def encode_front(frame: FrontFrame) -> bytes:
    n = len(frame.strength)
    head = FRONT_HEAD.pack(frame.time_s, n, int(frame.broken), 0)
    return head + np.asarray(frame.strength, "<f4").tobytes() + np.asarray(frame.bits, "u1").tobytes()


def decode_front(raw: bytes, units: int) -> FrontFrame:
    """One FRNT payload. Raises ValueError (with the reason) if it does not add up: its length, its count
    of units against the header's, a time or strength that is not a finite number, or a negative strength."""
    if len(raw) < FRONT_HEAD.size:
        raise ValueError("front frame shorter than its head")
    time_s, n, flags, reserved = FRONT_HEAD.unpack_from(raw)
    if n != units or len(raw) != front_bytes(n):
        raise ValueError(f"front frame of {len(raw)} bytes for {n} units, the header lists {units}")
    if reserved != 0 or flags > 1:
        raise ValueError("front frame's flags or reserved byte hold bits the format does not name")
    strength = np.frombuffer(raw, "<f4", n, FRONT_HEAD.size)
    if not (np.isfinite(time_s) and time_s >= 0 and np.isfinite(strength).all()):
        raise ValueError("a time or strength that is not a finite number")
    if len(strength) and float(strength.min()) < 0:
        raise ValueError("a unit's strength below nothing")
    bits = np.frombuffer(raw, "u1", n, FRONT_HEAD.size + 4 * n)
    return FrontFrame(float(time_s), bool(flags & 1), strength, bits)
