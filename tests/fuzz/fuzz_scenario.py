"""Atheris target: the scenario loader, fed any bytes as a scenario file.

Whatever the input, loading it either gives a resolved scenario or raises ScenarioError (one line for the
user); any other exception is a bug, and atheris stops with it.

    python tests/fuzz/fuzz_scenario.py -max_total_time=60 -rss_limit_mb=2048 -timeout=10 CORPUS_DIR
"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports(include=["captainred"]):
    from captainred.scenario import ScenarioError, resolve
    from captainred.scenario.loader import load_catalog, scenario_tables


def one_input(data: bytes) -> None:
    with contextlib.suppress(ScenarioError):
        resolve(scenario_tables(data, "fuzz.toml"), "fuzz.toml", load_catalog())


def main() -> None:
    load_catalog()
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
