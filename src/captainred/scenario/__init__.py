"""Scenarios and the catalog: TOML schema, loading and validation, theatre maps. Runs nothing."""

from captainred.scenario.errors import ScenarioError
from captainred.scenario.loader import builtin_scenarios, load_catalog, load_scenario, resolve
from captainred.scenario.model import Catalog, ResolvedScenario, Scenario

__all__ = [
    "Catalog",
    "ResolvedScenario",
    "Scenario",
    "ScenarioError",
    "builtin_scenarios",
    "load_catalog",
    "load_scenario",
    "resolve",
]
