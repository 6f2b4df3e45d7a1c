"""The radio: calls take time to speak, and a radio that dies mid-call cuts the call off mid-word.

A call is reported when it ends (complete), or when the radio or its aircraft dies first (cut, with the
words that got out). Calls are rare, so the calls in progress live in a small dict on the World.
"""

from __future__ import annotations

from captainred.engine.events import EventKind
from captainred.engine.world import B, Flag, Status, Sub, World, emit

WORDS_PER_S = 2.5


def can_call(world: World, row: int) -> bool:
    return bool(
        world.health[row, Sub.RADIO] > 0.0
        and not world.flags[row] & int(Flag.RADIO_DEAD)
        and world.types[int(world.type_index[row])].radio
        and not world.pilot_dead[row]
        and row not in world.calls
    )


def start_call(world: World, row: int, text: str, mayday: bool = False) -> bool:
    """Begin speaking; False if the radio is dead or already busy."""
    if not can_call(world, row):
        return False
    kind = "mayday" if mayday else "radio"
    start = float(world.time_s[world.battle[row]])
    world.calls[row] = (kind, start, start + max(1.0, len(text.split()) / WORDS_PER_S), text)
    return True


def cut_call(world: World, row: int) -> None:
    """The radio (or the aircraft) died: report the words that got out."""
    call = world.calls.pop(row, None)
    if call is None:
        return
    kind, start, end, text = call
    words = text.split()
    now = float(world.time_s[world.battle[row]])
    spoken = max(1, int(len(words) * (now - start) / max(end - start, 1e-9)))
    _report(world, row, kind, " ".join(words[: min(spoken, len(words) - 1) or 1]), cut=True)


def finish_calls(world: World, active: B) -> None:
    """Report the calls that have been spoken in full by now."""
    for row in sorted(world.calls):
        if not active[row]:
            continue
        kind, _, end, text = world.calls[row]
        if world.status[row] == int(Status.LOST):
            cut_call(world, row)
        elif world.time_s[world.battle[row]] >= end:
            del world.calls[row]
            _report(world, row, kind, text, cut=False)


def _report(world: World, row: int, kind: str, text: str, cut: bool) -> None:
    callsign = world.callsigns[row]
    event = EventKind.MAYDAY if kind == "mayday" else EventKind.RADIO
    emit(world, row, event, callsign=callsign, text=text, cut=cut)
