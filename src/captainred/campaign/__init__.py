"""The campaign: a war carried from one operation to the next, kept in a real database (SQLite by default,
PostgreSQL by URL). This package owns the schema (schema), its revisions and their Alembic migrations
(revisions, migrations/) and the store that opens a database and changes it one transaction at a time (store)."""

from captainred.campaign.schema import (
    Aircraft,
    Campaign,
    Intelligence,
    LogbookEntry,
    Operation,
    Pilot,
    RosterEntry,
    Squadron,
)
from captainred.campaign.store import CampaignStoreError, Store, campaign_lock_key, open_store

__all__ = [
    "Aircraft",
    "Campaign",
    "CampaignStoreError",
    "Intelligence",
    "LogbookEntry",
    "Operation",
    "Pilot",
    "RosterEntry",
    "Squadron",
    "Store",
    "campaign_lock_key",
    "open_store",
]
