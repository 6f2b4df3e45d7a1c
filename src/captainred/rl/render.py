"""A headless top view of one battle, as an RGB array (H x W x 3, uint8), for `render_mode="rgb_array"`.

North is up. The window is a square of `VIEW_M` on a side centred on the middle of the craft in the air
(or on the ship when none is up): sea, land and buildings (brighter the taller), the ship's hull, and each
craft as a dot with a short tail along its heading, Air Command in white, the LGFs in blue, the lost in
red where they fell.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from captainred.engine.terrain import inside_hull
from captainred.engine.world import AIR_COMMAND, Status, World
from captainred.rl.scenarios import RLError

SIZE_PX = 256
VIEW_M = 16_000.0
SEA = np.array([18, 40, 72], np.uint8)
LAND = np.array([46, 58, 44], np.uint8)
OURS = np.array([245, 245, 235], np.uint8)
THEIRS = np.array([80, 170, 255], np.uint8)
LOST = np.array([220, 60, 50], np.uint8)
HULL = np.array([120, 120, 130], np.uint8)


def render_mode_of(render_mode: str | None) -> str | None:
    """An environment's render mode, checked: "rgb_array" (the top view) or None (no pictures)."""
    if render_mode not in (None, "rgb_array"):
        raise RLError(f"render_mode: only 'rgb_array' (or None), got {render_mode!r}")
    return render_mode


def rendered(world: World, render_mode: str | None, battle: int = 0) -> NDArray[np.uint8] | None:
    """What an environment's `render` returns: battle `battle`'s top view in "rgb_array" mode, else None."""
    return top_view(world, battle) if render_mode == "rgb_array" else None


def top_view(world: World, battle: int = 0, size_px: int = SIZE_PX) -> NDArray[np.uint8]:
    """The picture of battle `battle` now (see the module docstring)."""
    rows = np.arange(world.row_start[battle], world.row_stop[battle])
    up = rows[world.status[rows] == int(Status.AIRBORNE)]
    if len(up):
        cx, cy = float(np.mean(world.x_m[up])), float(np.mean(world.y_m[up]))
    elif world.ship_xyz is not None:
        cx, cy = world.ship_xyz[0], world.ship_xyz[1]
    else:
        cx, cy = 0.0, 0.0
    metres = VIEW_M / size_px
    # Pixel centres in map metres: column j is east, row i is north at the top.
    xs = cx + (np.arange(size_px) + 0.5 - size_px / 2) * metres
    ys = cy - (np.arange(size_px) + 0.5 - size_px / 2) * metres
    gx, gy = np.meshgrid(xs, ys)
    theatre = world.theatre
    height = theatre.ground_height_m(gx.ravel(), gy.ravel()).reshape(gx.shape)
    land = theatre.on_land(gx.ravel(), gy.ravel()).reshape(gx.shape)
    image = np.empty((size_px, size_px, 3), np.uint8)
    image[:] = SEA
    image[land] = LAND
    tall = np.clip(height / 300.0, 0.0, 1.0)[..., None]
    image[:] = np.where(land[..., None], (LAND + tall * (200 - LAND)).astype(np.uint8), image)
    image[inside_hull(world, gx.ravel(), gy.ravel()).reshape(gx.shape)] = HULL

    def to_px(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        j = np.floor((x - cx) / metres + size_px / 2).astype(np.int64)
        i = np.floor((cy - y) / metres + size_px / 2).astype(np.int64)
        return i, j

    shown = rows[(world.status[rows] == int(Status.AIRBORNE)) | (world.status[rows] == int(Status.LOST))]
    colour = np.where(
        (world.status[shown] == int(Status.LOST))[:, None],
        LOST,
        np.where((world.side[shown] == AIR_COMMAND)[:, None], OURS, THEIRS),
    ).astype(np.uint8)
    x, y, psi = world.x_m[shown], world.y_m[shown], world.heading_rad[shown]
    for back_m in np.linspace(0.0, 6 * metres, 7):  # the tail, behind each craft
        i, j = to_px(x - back_m * np.sin(psi), y - back_m * np.cos(psi))
        ok = (i >= 0) & (i < size_px) & (j >= 0) & (j < size_px)
        image[i[ok], j[ok]] = colour[ok]
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            i, j = to_px(x, y)
            i, j = i + di, j + dj
            ok = (i >= 0) & (i < size_px) & (j >= 0) & (j < size_px)
            image[i[ok], j[ok]] = colour[ok]
    return image
