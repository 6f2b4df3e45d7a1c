"""Quantities at the edge: scenario files may give a number in the unit its key names, or a string with
an explicit unit ("50 mi", "450 km/h", "200 ft", "30 min"). Everything inside is SI."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

_LENGTH = {"m": 1.0, "km": 1000.0, "ft": 0.3048, "mi": 1609.344, "nmi": 1852.0}
_TIME = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_SPEED = {"m/s": 1.0, "km/h": 1000.0 / 3600.0, "kn": 1852.0 / 3600.0, "mph": 1609.344 / 3600.0}
_MASS = {"kg": 1.0, "lb": 0.45359237, "t": 1000.0}
_ANGLE = {"deg": 1.0}
_SI_UNIT = {"length": "m", "duration": "s", "speed": "m/s", "mass": "kg", "angle": "deg"}

# The largest magnitude each dimension may have, in SI: far beyond any theatre, tide of fuel or night's
# wait, and small enough that no product or sum of them overflows downstream (a duration times a rate).
_LARGEST = {"length": 1e7, "duration": 1e8, "speed": 1e4, "mass": 1e8, "angle": 1e4}

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z/]+)\s*$")


def _parser(dimension: str, units: dict[str, float], default_unit: str) -> Any:
    def parse(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"expected a {dimension}, got a boolean")
        if isinstance(value, (int, float)):
            number = float(value) if isinstance(value, float) or abs(value) < 1e300 else math.inf
        elif isinstance(value, str):
            match = _QUANTITY.match(value)
            if not match:
                raise ValueError(f"expected a {dimension} such as '12 {default_unit}', got {value!r}")
            amount, unit = match.groups()
            if unit not in units:
                raise ValueError(f"unit '{unit}' is not a {dimension} (use one of: {', '.join(units)})")
            number = float(amount) * units[unit]
        else:
            return value  # let pydantic report the wrong type
        if not math.isfinite(number):
            raise ValueError(f"expected a finite {dimension}")
        if abs(number) > _LARGEST[dimension]:
            raise ValueError(
                f"a {dimension} of {number:g} {_SI_UNIT[dimension]} is beyond any this model allows "
                f"(at most {_LARGEST[dimension]:g})"
            )
        return number

    return parse


Length = Annotated[float, BeforeValidator(_parser("length", _LENGTH, "km"))]
Duration = Annotated[float, BeforeValidator(_parser("duration", _TIME, "min"))]
Speed = Annotated[float, BeforeValidator(_parser("speed", _SPEED, "km/h"))]
Mass = Annotated[float, BeforeValidator(_parser("mass", _MASS, "kg"))]
Angle = Annotated[float, BeforeValidator(_parser("angle", _ANGLE, "deg"))]
