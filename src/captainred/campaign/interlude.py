"""An interlude in the campaign: days away from the war at a place of the story, where the pilots on the
rosters train and the squadrons named re-equip (their old airframes stay behind). Its record, and the
'digest' of what it changed, are written through the ledger like any operation's."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from captainred.campaign.ledger import OperationResult, close_operation, new_airframes
from captainred.campaign.schema import Campaign, Operation, RosterEntry
from captainred.campaign.story import Interlude, StoryOperation


def live_through(
    session: Session, campaign: Campaign, row: Operation, orders: StoryOperation, interlude: Interlude
) -> OperationResult:
    """An interlude: the pilots on the rosters train, the squadrons named re-equip (the old airframes stay
    behind at the interlude's place), and its days pass. Its 'digest' is that of what it changed."""
    flight_day = campaign.day
    rostered = set(session.scalars(select(RosterEntry.pilot_id).where(RosterEntry.campaign_id == campaign.id)))
    trained = [p for p in campaign.pilots if p.id in rostered]
    for pilot in trained:
        pilot.skill = min(1.0, round(pilot.skill + interlude.training_skill, 4))
    squadrons = {s.code: s for s in campaign.squadrons}
    re_equipped = []
    for change in interlude.re_equip:
        squadron = squadrons[change.squadron]
        for airframe in campaign.aircraft:
            if airframe.squadron_id == squadron.id and airframe.state != "lost":
                airframe.squadron_id, airframe.carrier = None, interlude.place
        new = new_airframes(campaign.id, squadron, change.aircraft_type, change.aircraft, change.serial_prefix)
        session.add_all(new)
        re_equipped.append(f"{squadron.name}: {change.aircraft} {change.aircraft_type}s")
    end_day = flight_day + interlude.days
    record = {
        "interlude": interlude.place,
        "from_day": flight_day,
        "days": interlude.days,
        "trained": sorted(p.name for p in trained),
        "training_skill": interlude.training_skill,
        "re_equipped": re_equipped,
    }
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"))
    row.state, row.flown_on_day = "flown", flight_day
    row.digest = hashlib.sha256(canonical.encode()).hexdigest()
    row.summary_json = json.dumps(record)
    lines = [f"# {row.name}", "", f"Days {flight_day}–{end_day} at {interlude.place}.", ""]
    lines.append(f"- {len(trained)} pilots trained (skill +{interlude.training_skill:g})")
    lines += [f"- re-equipped: {item}" for item in re_equipped]
    row.report_md = "\n".join(lines) + "\n"
    return close_operation(
        session,
        campaign,
        row,
        orders,
        flight_day,
        end_day,
        interlude=True,
        digest=row.digest,
        trained=len(trained),
        re_equipped=tuple(re_equipped),
    )
