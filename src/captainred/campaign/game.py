"""The campaign's game: flying its next operation, whichever kind it is (a battle, a raid on foot, an
interlude), and recording what happened in one transaction. This module only dispatches: the scenario a
battle flies and its results are `campaign.battle`'s, a raid's are `campaign.raid`'s, an interlude's
`campaign.interlude`'s, and all of them write through `campaign.ledger`; the fighting is `captainred.fight`.

The battle is flown outside any transaction, so a campaign is never locked for the seconds a battle takes;
the transaction that writes its results first checks that no other captainred has moved the campaign on
meanwhile. Seeds come from the campaign's name and the operation's place in it: the same campaign, played
again, gives the same battles."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from captainred.campaign import ledger
from captainred.campaign.battle import Slot, record_battle, scenario_for
from captainred.campaign.interlude import live_through
from captainred.campaign.ledger import (
    CampaignError,
    FoughtOperation,
    OperationResult,
    fight_mark,
    fighting_now,
    find_campaign,
    story_operation,
)
from captainred.campaign.raid import RaidParty, not_mounted, raid_for, record_raid
from captainred.campaign.store import Store
from captainred.campaign.story import StoryOperation
from captainred.fight import fight
from captainred.scenario.model import ResolvedScenario


@dataclass(frozen=True)
class _Mustered:
    """An operation ready to be fought: its scenario with the campaign applied, who flies (or goes) in it,
    and its seed."""

    scenario: ResolvedScenario
    crew: dict[str, Slot] | RaidParty
    seed: int


@dataclass(frozen=True)
class _Where:
    """Where the campaign stood when its operation was mustered, for the record to check it still does."""

    campaign_id: int
    day: int
    sequence: int


def fly_next(store: Store, name: str) -> OperationResult:
    """Fly the campaign's next operation (or live through its interlude) and record the result.

    While the battle is fought the campaign is marked as fighting it, so that `set_plan` refuses to change
    the plan under it; and the plan recorded with the result is the plan that was flown.
    """
    mark = fight_mark()
    with store.transaction() as session:
        campaign = find_campaign(session, name, store)
        operations = campaign.operations
        if campaign.next_operation >= len(operations):
            raise CampaignError(f"campaign {name!r} is over: all {len(operations)} operations have been flown")
        row = operations[campaign.next_operation]
        busy = fighting_now(campaign)
        if busy is not None:
            raise CampaignError(f"campaign {name!r}: {row.name} is being fought now by {busy}; wait for it")
        campaign.fighting = mark
        flown_plan = row.plan_json
        orders = story_operation(row)
        where = _Where(campaign.id, campaign.day, row.sequence)
        flight_day = campaign.day + orders.days_before
        mustered: _Mustered | None = None
        if orders.scenario is not None and orders.raid is not None:
            raid = raid_for(session, campaign, orders.scenario, orders.raid, flight_day, row.name)
            mustered = None if raid is None else _Mustered(*raid, row.seed)
        elif orders.scenario is not None:
            assert orders.plan is not None
            resolved, slots = scenario_for(session, campaign, orders.scenario, orders.plan, flight_day, row.name)
            mustered = _Mustered(resolved, slots, row.seed)
    try:
        return _fight_and_record(store, name, mark, where, flown_plan, orders, mustered)
    except BaseException:
        with contextlib.suppress(Exception), store.transaction(where.campaign_id) as session:
            campaign = find_campaign(session, name, store)
            if campaign.fighting == mark:
                campaign.fighting = None
        raise


def _fight_and_record(
    store: Store,
    name: str,
    mark: str,
    where: _Where,
    flown_plan: str,
    orders: StoryOperation,
    mustered: _Mustered | None,
) -> OperationResult:
    fought = None
    if mustered is not None:
        [battle] = fight(mustered.scenario, [mustered.seed])
        fought = FoughtOperation.of(battle)
    with store.transaction(where.campaign_id) as session:
        campaign = find_campaign(session, name, store)
        if (
            campaign.id != where.campaign_id
            or campaign.next_operation != where.sequence
            or campaign.day != where.day
            or campaign.fighting != mark
        ):
            raise CampaignError(f"campaign {name!r} was moved on by another captainred meanwhile: nothing recorded")
        row = campaign.operations[where.sequence]
        row.plan_json = flown_plan  # what was flown is what is recorded, whatever was written since
        campaign.fighting = None
        ledger.pass_time(session, campaign, where.day + orders.days_before)
        if mustered is None or fought is None:
            if orders.raid is not None:
                result = not_mounted(session, campaign, row, orders)
            else:
                assert orders.interlude is not None
                result = live_through(session, campaign, row, orders, orders.interlude)
        elif isinstance(mustered.crew, RaidParty):
            result = record_raid(session, campaign, row, orders, fought, mustered.crew)
        else:
            result = record_battle(session, campaign, row, orders, fought, mustered.crew)
        campaign.next_operation = where.sequence + 1
        return result
