"""The story's campaign as data: the squadrons it begins with (their aircraft type and how many airframes) and
its operations in order, each with its chapter, its briefing, the days that pass before it, and either the
built-in scenario it flies with its default plan or an interlude where time passes, pilots train and squadrons
re-equip. `load_story` reads the package's story.toml once, validates it (frozen pydantic models, like the
scenario catalog) and checks every name it uses against the catalog and the built-in scenarios."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from captainred.scenario import builtin_scenarios
from captainred.scenario.errors import ScenarioError, from_validation_error
from captainred.scenario.model import Catalog
from captainred.scenario.sides import AIR_COMMAND

STORY_SOURCE = "campaign/story.toml"


class _Frozen(BaseModel):
    # No float may be infinite or NaN: a plan is stored as JSON and becomes a scenario.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class SquadronPlan(_Frozen):
    """One squadron committed to an operation: how many aircraft (as many as are fit and ready, at most this),
    how many of them carry cameras, and the rockets each carries (None: the type's full load)."""

    squadron: str
    aircraft: int = Field(ge=1, le=24)
    photo_aircraft: int = Field(default=0, ge=0, le=24)
    rockets: int | None = Field(default=None, ge=0, le=255)

    @model_validator(mode="after")
    def _photo(self) -> SquadronPlan:
        if self.photo_aircraft > self.aircraft:
            raise ValueError(f"photo_aircraft: {self.photo_aircraft} exceeds aircraft ({self.aircraft})")
        return self


class OperationPlan(_Frozen):
    """The player's plan for a battle: the squadrons that fly, bingo fuel (None: the scenario's) and radio
    discipline (None: the scenario's)."""

    squadrons: tuple[SquadronPlan, ...] = Field(min_length=1)
    bingo_fuel_kg: float | None = Field(default=None, ge=0, le=100_000)
    radio: Literal["normal", "essential", "silence"] | None = None

    @model_validator(mode="after")
    def _once(self) -> OperationPlan:
        codes = [plan.squadron for plan in self.squadrons]
        for code in codes:
            if codes.count(code) > 1:
                raise ValueError(f"squadrons: squadron '{code}' planned twice")
        return self


class ReEquip(_Frozen):
    """A squadron hands back its airframes and receives new ones of another type."""

    squadron: str
    aircraft_type: str
    aircraft: int = Field(ge=1, le=40)
    serial_prefix: str = Field(min_length=1)


class Interlude(_Frozen):
    """Time ashore between operations: `days` pass, every pilot on a roster gains `training_skill`, and the
    squadrons named re-equip (the old airframes stay at `place`)."""

    place: str = Field(min_length=1)
    days: int = Field(ge=1, le=3650)
    training_skill: float = Field(default=0.0, ge=0, le=0.5)
    re_equip: tuple[ReEquip, ...] = ()


class RaidPlan(_Frozen):
    """A raid on foot for a captured pilot: how many go, drawn from the fit pilots on the rosters (the best
    first, and the wounded slipping out of the hospital when the fit are too few, if `hospital`), and who
    insists on the light machine gun."""

    party: int = Field(default=7, ge=1, le=12)
    hospital: bool = True
    insists_on_bren: str | None = Field(default=None, description="a pilot's name or nickname")


class StoryOperation(_Frozen):
    name: str = Field(min_length=1)
    chapter: str = Field(min_length=1)
    briefing: str = Field(min_length=1)
    days_before: int = Field(default=0, ge=0, le=3650)
    scenario: str | None = Field(default=None, description="the built-in scenario it flies; None: an interlude")
    plan: OperationPlan | None = None
    raid: RaidPlan | None = Field(default=None, description="a raid on foot instead of a plan of squadrons")
    interlude: Interlude | None = None

    @model_validator(mode="after")
    def _battle_or_interlude(self) -> StoryOperation:
        if (self.scenario is None) == (self.interlude is None):
            raise ValueError("scenario: an operation flies a scenario or is an interlude, exactly one of them")
        if (self.scenario is None) != ((self.plan is None) == (self.raid is None)):
            raise ValueError("plan: a battle needs a plan (or a raid on foot its raid), and an interlude neither")
        return self


class StorySquadron(_Frozen):
    id: str
    aircraft_type: str
    aircraft: int = Field(ge=1, le=40)
    serial_prefix: str = Field(min_length=1)


class Story(_Frozen):
    name: str = Field(min_length=1)
    title: str = ""
    squadrons: tuple[StorySquadron, ...] = Field(min_length=1)
    operations: tuple[StoryOperation, ...] = Field(min_length=1)


def check_story(story: Story, catalog: Catalog, source: str = STORY_SOURCE) -> None:
    """Raise ScenarioError for a name the story uses that the catalog or the built-in scenarios lack."""
    known = {squadron.id for squadron in story.squadrons}
    ours = sorted(name for name, kind in catalog.aircraft.items() if kind.side == AIR_COMMAND)
    scenarios = builtin_scenarios()
    for i, squadron in enumerate(story.squadrons):
        if squadron.id not in catalog.squadrons:
            raise ScenarioError(source, f"squadrons[{i}].id", f"unknown squadron '{squadron.id}'")
        if squadron.aircraft_type not in ours:
            raise ScenarioError(source, f"squadrons[{i}].aircraft_type", f"unknown type '{squadron.aircraft_type}'")
    for i, operation in enumerate(story.operations):
        where = f"operations[{i}]"
        if operation.scenario is not None and operation.scenario not in scenarios:
            raise ScenarioError(source, f"{where}.scenario", f"no built-in scenario '{operation.scenario}'")
        planned = operation.plan.squadrons if operation.plan else ()
        changed = operation.interlude.re_equip if operation.interlude else ()
        for code in [plan.squadron for plan in planned] + [change.squadron for change in changed]:
            if code not in known:
                raise ScenarioError(source, f"{where}: squadron '{code}'", "not one of the story's squadrons")
        for j, change in enumerate(changed):
            if change.aircraft_type not in ours:
                raise ScenarioError(
                    source, f"{where}.interlude.re_equip[{j}].aircraft_type", f"unknown type '{change.aircraft_type}'"
                )


@cache
def load_story() -> Story:
    """The story's campaign, shipped with the package."""
    from captainred.scenario.loader import load_catalog

    text = (resources.files("captainred.campaign") / "story.toml").read_text("utf-8")
    try:
        story = Story.model_validate(tomllib.loads(text))
    except ValidationError as exc:
        raise from_validation_error(STORY_SOURCE, exc) from None
    check_story(story, load_catalog())
    return story
