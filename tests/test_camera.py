"""The camera's kernel hands Python only the photo aircraft that may take a picture, and the pictures taken
are the ones the NumPy rule took over every aircraft ready for one: written out here as it was."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from captainred.engine.arrays import arrays_with
from captainred.engine.camera import CLOSE_CALL, FIELD_OF_VIEW_RAD, _may_take_photos
from captainred.engine.kinematics import wrap_angle
from captainred.engine.world import Status

TARGET = (1_000.0, 2_000.0, 300.0)
PHOTO_RANGE_M = 4_000.0


def _in_view_numpy(
    x: NDArray[np.float64], y: NDArray[np.float64], z: NDArray[np.float64], heading: NDArray[np.float64]
):
    """`take_photos`' test of view, as it stands."""
    dx, dy, dz = TARGET[0] - x, TARGET[1] - y, TARGET[2] - z
    range_m = np.sqrt(dx * dx + dy * dy + dz * dz)
    off = np.abs(wrap_angle(np.arctan2(dx, dy) - heading))
    return (range_m < PHOTO_RANGE_M) & ((off < FIELD_OF_VIEW_RAD) | (np.hypot(dx, dy) < 0.5 * PHOTO_RANGE_M))


def _place(rng: np.random.Generator, how: str) -> tuple[float, float, float, float]:
    """A photo aircraft somewhere, heading somewhere: anywhere, or on an edge the kernel must not call."""
    bearing = rng.uniform(-math.pi, math.pi)  # from her to the target
    if how == "edge of the view":
        flat = rng.uniform(0.5, 0.95) * PHOTO_RANGE_M
        off = FIELD_OF_VIEW_RAD + rng.choice([-1.0, 0.0, 1.0]) * rng.choice([0.0, 1e-15, 1e-12, 1e-10, 1e-6])
        heading = bearing - rng.choice([-1.0, 1.0]) * off
    elif how == "edge of the circle":
        flat = 0.5 * PHOTO_RANGE_M + rng.choice([-1.0, 0.0, 1.0]) * rng.choice([0.0, 1e-12, 1e-10, 1e-6, 1.0])
        heading = rng.uniform(-math.pi, math.pi)
    else:
        flat = rng.uniform(0.0, 1.3) * PHOTO_RANGE_M
        heading = rng.uniform(-math.pi, math.pi)
    x = TARGET[0] - flat * math.sin(bearing)
    y = TARGET[1] - flat * math.cos(bearing)
    return x, y, TARGET[2] + rng.uniform(-300.0, 300.0), heading


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 24), st.integers(0, 2**32), st.sampled_from(["anywhere", "edge of the view", "edge of the circle"])
)
def test_the_pictures_taken_are_the_numpy_rules(n: int, key: int, how: str) -> None:
    rng = np.random.default_rng(key)
    placed = np.array([_place(rng, how) for _ in range(n)]).reshape(n, 4)
    x, y, z, heading = (np.ascontiguousarray(placed[:, k]) for k in range(4))
    status = np.where(rng.random(n) < 0.85, Status.AIRBORNE, Status.READY).astype(np.int8)
    camera = rng.random(n) < 0.8
    active = rng.random(n) < 0.9
    time_s = np.array([100.0])
    next_photo_s = np.where(rng.random(n) < 0.8, 90.0, 110.0)
    spinning = rng.random(n) < 0.05
    blackout_s = np.where(rng.random(n) < 0.05, 2.0, 0.0)
    pilot_dead = rng.random(n) < 0.05
    ours = np.arange(n, dtype=np.int64)
    w = arrays_with(
        camera=camera,
        status=status,
        battle=np.zeros(n, np.int32),
        time_s=time_s,
        next_photo_s=next_photo_s,
        spinning=spinning,
        blackout_s=blackout_s,
        pilot_dead=pilot_dead,
        x_m=x,
        y_m=y,
        z_m=z,
        heading_rad=heading,
    )
    may = _may_take_photos(ours, active, w, *TARGET, PHOTO_RANGE_M)
    taken = may[_in_view_numpy(x[may], y[may], z[may], heading[may])].tolist()

    # The rule before: every aircraft ready for a picture (none unless one has the target in range),
    # each then tested for view in NumPy.
    ready = active & camera & (status == Status.AIRBORNE) & (time_s[0] >= next_photo_s)
    ready &= ~spinning & ~(blackout_s > 0) & ~pilot_dead
    rows = np.flatnonzero(ready)
    expected = rows[_in_view_numpy(x[rows], y[rows], z[rows], heading[rows])].tolist()
    assert taken == expected
    assert np.all(np.diff(may) > 0)  # in order, each once
    assert set(may.tolist()) <= set(rows.tolist())


def test_one_circling_with_the_target_behind_her_costs_python_nothing() -> None:
    # In range, well outside the overhead circle, the target dead astern.
    x, y = np.array([TARGET[0]]), np.array([TARGET[1] - 0.8 * PHOTO_RANGE_M])
    heading = np.array([math.pi])
    w = arrays_with(
        camera=np.array([True]),
        status=np.array([Status.AIRBORNE], np.int8),
        battle=np.zeros(1, np.int32),
        time_s=np.array([100.0]),
        next_photo_s=np.array([0.0]),
        spinning=np.array([False]),
        blackout_s=np.array([0.0]),
        pilot_dead=np.array([False]),
        x_m=x,
        y_m=y,
        z_m=np.array([TARGET[2]]),
        heading_rad=heading,
    )
    ours, active = np.zeros(1, np.int64), np.ones(1, bool)
    assert len(_may_take_photos(ours, active, w, *TARGET, PHOTO_RANGE_M)) == 0
    # Turned toward it, she may.
    heading[0] = 0.0  # the structure holds the array itself
    assert _may_take_photos(ours, active, w, *TARGET, PHOTO_RANGE_M).tolist() == [0]
    assert CLOSE_CALL < 1e-6
