"""The night raid on foot (chapter III): its rules, a stage of the step over the party that the World
holds (`captainred.engine.party`)."""

from captainred.raid.stage import advance_raid, close_raid, raid_pending, raid_tick_s

__all__ = ["advance_raid", "close_raid", "raid_pending", "raid_tick_s"]
