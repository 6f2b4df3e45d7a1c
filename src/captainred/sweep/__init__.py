"""Monte Carlo sweeps: many runs of a scenario over seeds and a grid of varied fields, fought by the batch
engine in this process, in worker processes or on Ray, stored run by run so that a stopped sweep resumes,
and summarised as a Parquet table, confidence intervals, plots and a page.

    >>> from pathlib import Path
    >>> from captainred.sweep import plan_sweep, Sweep, SweepFolder, open_backend
    >>> plan = plan_sweep("manhattan-recon", runs=100, seed=7, vary=["squadrons.slayers.aircraft=4,6,8"])
    >>> sweep = Sweep(plan, SweepFolder(Path("sweep-out")))  # doctest: +SKIP
    >>> sweep.start(resume=False); sweep.fight(open_backend("local", workers=2, address=None))  # doctest: +SKIP
    >>> table = sweep.gather()  # a pyarrow.Table, one row per run  # doctest: +SKIP
"""

from captainred.sweep.backends import BackendError, Chunk, fight_chunk, open_backend
from captainred.sweep.errors import SweepError
from captainred.sweep.grid import Cell, SweepPlan, Vary, parse_vary, plan_sweep
from captainred.sweep.runner import Sweep
from captainred.sweep.stats import summarize_cells
from captainred.sweep.store import SweepFolder

__all__ = [
    "BackendError",
    "Cell",
    "Chunk",
    "Sweep",
    "SweepError",
    "SweepFolder",
    "SweepPlan",
    "Vary",
    "fight_chunk",
    "open_backend",
    "parse_vary",
    "plan_sweep",
    "summarize_cells",
]
