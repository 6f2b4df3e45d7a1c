"""Replays: the versioned `.crr` file (format), recording a battle into one (record), the Tacview ACMI
export (acmi) and the local web server that plays one in the browser (server)."""

from captainred.replay.format import FORMAT_VERSION, Frame, Replay, ReplayError, ReplayWriter, iter_replay, read_replay

__all__ = ["FORMAT_VERSION", "Frame", "Replay", "ReplayError", "ReplayWriter", "iter_replay", "read_replay"]
