"""Targets written from the story, shipped with the package: `captainred calibrate NAME` uses NAME's own
when no `--target` is given."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable


def shipped_targets(scenario: str) -> Traversable | None:
    """The targets file that ships for a built-in scenario, or None."""
    entry = resources.files("captainred.sweep") / "story_targets" / f"{scenario}.toml"
    return entry if entry.is_file() else None
