"""Captain Red: an air-war simulator of Air Command's fight against the LGF swarm.

The public surface is small: load a scenario, build a world, step it, read the event log.

    >>> from captainred import load_scenario, run_battles
    >>> scenario = load_scenario("manhattan-recon")
    >>> [result] = run_battles(scenario, seeds=[7])
    >>> result.digest  # doctest: +SKIP
"""

import os

from captainred.kernel_cache import use_kernel_cache

use_kernel_cache()  # before any module that declares a kernel is imported

# Arrow's own allocator (mimalloc) reserves a gigabyte of address space with a sweep's first Parquet
# file. The sweeps' tables are small, and under a ceiling on address space (a batch system's, or the
# hostile-input tests' 2 GiB) that reservation is half the room; the C library's allocator reserves
# nothing ahead. Arrow reads the choice when it is imported, so it is made here, before any module of the
# package imports it. A choice already in the environment stands.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

from captainred.scenario import ScenarioError, load_scenario  # noqa: E402

__all__ = ["ScenarioError", "__version__", "load_scenario", "run_battles"]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # The engine is imported lazily so that `captainred scenarios` stays quick.
    if name == "run_battles":
        from captainred.simulation import run_battles

        return run_battles
    raise AttributeError(name)
