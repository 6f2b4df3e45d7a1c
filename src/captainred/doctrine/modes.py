"""What each craft is doing (the values of World.mode)."""

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray


class Mode(IntEnum):
    WAITING = 0  # on deck or inside the ship
    FORM_UP = 1  # Air Command: joining the squadron after launch
    TRANSIT = 2  # in formation toward the target
    ENGAGE = 3  # fighting: pursuit, guns, rockets
    PHOTO = 4  # photo passes over the target
    RETURN = 5  # heading home: the carrier, or for an LGF the ship
    CRIPPLED = 6  # coming down: a street, or the sea
    GUARD = 7  # LGF: circling the ship
    ATTACK = 8  # LGF: after a pilot
    HERD = 9  # LGF: forcing a pilot down
    COVER = 10  # Air Command: covering a squadron mate out of the fight
    STRIKE = 11  # LGF: pounding a unit of the front with blue fire


def mode_in(mode: NDArray[np.int8], *modes: Mode) -> NDArray[np.bool_]:
    """Whether each craft's mode is one of `modes`: a comparison per mode with plain ints (cheaper than
    a set lookup, and than handing NumPy enum members, which it probes attribute by attribute)."""
    found: NDArray[np.bool_] = mode == int(modes[0])
    for m in modes[1:]:
        found |= mode == int(m)
    return found
