"""The army's front on the ground (chapter III's day): stages of the step over the front that the World
holds (`captainred.engine.front`): the batteries' fire, the swarm's strikes, positions lost and the front
broken."""

from captainred.front.stage import close_front, fight_the_front, front_pending, front_tick_s, lay_guns

__all__ = ["close_front", "fight_the_front", "front_pending", "front_tick_s", "lay_guns"]
