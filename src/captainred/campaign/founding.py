"""Starting a campaign from the story: its squadrons with their pilots and rosters from the catalog, their
airframes aboard their carriers, and every operation of the story planned, with its seed."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from captainred import __version__
from captainred.campaign.ledger import CampaignError, new_airframes, operation_seed
from captainred.campaign.schema import Campaign, Operation, Pilot, RosterEntry, Squadron
from captainred.campaign.store import Store
from captainred.campaign.story import Story, load_story
from captainred.scenario.loader import load_catalog

MAX_NAME = 200  # characters in a campaign's name


def new_campaign(store: Store, name: str, story: Story | None = None) -> int:
    """Start a campaign from the story (the package's own unless another is given): its squadrons with their
    pilots and rosters from the catalog, their airframes aboard their carrier, and every operation planned.
    Returns the campaign's id."""
    if not name.strip():
        raise CampaignError("a campaign needs a name")
    if len(name) > MAX_NAME:
        raise CampaignError(f"a campaign's name is at most {MAX_NAME} characters, not {len(name):,}")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in name):
        raise CampaignError("a campaign's name holds a control character (such as ESC): it is printed and stored")
    story = story or load_story()
    catalog = load_catalog()
    try:
        with store.transaction() as session:
            if session.scalars(select(Campaign.id).where(Campaign.name == name)).first() is not None:
                raise CampaignError(f"a campaign named {name!r} already exists in {store.name}")
            campaign = Campaign(
                name=name, story=story is load_story(), day=0, next_operation=0, created_version=__version__
            )
            session.add(campaign)
            session.flush()
            for planned in story.squadrons:
                spec = catalog.squadrons[planned.id]
                squadron = Squadron(
                    campaign_id=campaign.id, code=spec.id, name=spec.name, carrier=spec.carrier, colour=spec.colour
                )
                pilots = [
                    Pilot(
                        campaign_id=campaign.id,
                        name=p.name,
                        callsign=p.callsign,
                        nickname=p.nickname,
                        skill=p.skill,
                        susceptibility=p.susceptibility,
                        status="fit",
                    )
                    for p in spec.pilots
                ]
                session.add_all([squadron, *pilots])
                session.flush()
                session.add_all(
                    RosterEntry(pilot_id=p.id, campaign_id=campaign.id, squadron_id=squadron.id, pilot_status="fit")
                    for p in pilots
                )
                session.add_all(
                    new_airframes(campaign.id, squadron, planned.aircraft_type, planned.aircraft, planned.serial_prefix)
                )
            for sequence, operation in enumerate(story.operations):
                orders = operation.model_dump(mode="json", exclude={"name", "scenario"})
                session.add(
                    Operation(
                        campaign_id=campaign.id,
                        sequence=sequence,
                        name=operation.name,
                        scenario=operation.scenario or "",
                        seed=operation_seed(name, sequence),
                        state="planned",
                        plan_json=json.dumps(orders, sort_keys=True),
                    )
                )
            return campaign.id
    except IntegrityError:  # another captainred created it between our check and our insert
        raise CampaignError(f"a campaign named {name!r} already exists in {store.name}") from None
