"""How pilots, squadrons, the LGF swarm and the mother ship decide: pure functions of the World's arrays.

Every decision is written into the World's command arrays (heading, flight-path angle, throttle, target,
trigger) and mode arrays; nothing is kept anywhere else between ticks.
"""
