"""Captain Red: an air-war simulator of Air Command's fight against the LGF swarm.

The public surface is small: load a scenario, build a world, step it, read the event log.

    >>> from captainred import load_scenario, run_battles
    >>> scenario = load_scenario("manhattan-recon")
    >>> [result] = run_battles(scenario, seeds=[7])
    >>> result.digest  # doctest: +SKIP
"""

from captainred.kernel_cache import use_kernel_cache

use_kernel_cache()  # before any module that declares a kernel is imported

from captainred.scenario import ScenarioError, load_scenario  # noqa: E402

__all__ = ["ScenarioError", "__version__", "load_scenario", "run_battles"]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # The engine is imported lazily so that `captainred scenarios` stays quick.
    if name == "run_battles":
        from captainred.simulation import run_battles

        return run_battles
    raise AttributeError(name)
