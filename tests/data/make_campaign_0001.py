"""Makes tests/data/campaign-0001.sqlite: a small campaign stored at schema revision 0001_initial (before the
logbook kept hours), for test_campaign_store.py to check that an old campaign opens, migrated, in this code.

Run it once, from the repository root, only to regenerate the file (it is committed, and must stay a database
made at 0001 even when the schema moves on):

    .venv/bin/python tests/data/make_campaign_0001.py

The rows are written in plain SQL, because the models in captainred.campaign.schema describe the newest
revision. CAMPAIGN_0001_ROWS is also what the tests expect to find after the migration."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from captainred.campaign.store import open_store

DATABASE = Path(__file__).parent / "campaign-0001.sqlite"

# Table by table, in an order that satisfies the foreign keys.
CAMPAIGN_0001_ROWS: dict[str, list[dict[str, object]]] = {
    "campaigns": [
        {"id": 1, "name": "the story", "story": True, "day": 4, "next_operation": 2, "created_version": "0.1.0"},
    ],
    "squadrons": [
        {"id": 1, "campaign_id": 1, "code": "devils", "name": "Devils", "carrier": "Hornet", "colour": "red"},
        {"id": 2, "campaign_id": 1, "code": "slayers", "name": "Slayers", "carrier": "Hornet", "colour": "blue"},
    ],
    "pilots": [
        {
            "id": 1,
            "campaign_id": 1,
            "name": "Mary Red",
            "callsign": "Red One",
            "nickname": "Captain Red",
            "skill": 0.9,
            "susceptibility": 0.1,
            "status": "fit",
            "wounded_until_day": None,
        },
        {
            "id": 2,
            "campaign_id": 1,
            "name": "Ann Blake",
            "callsign": "Red Two",
            "nickname": None,
            "skill": 0.6,
            "susceptibility": 0.3,
            "status": "wounded",
            "wounded_until_day": 9,
        },
        {
            "id": 3,
            "campaign_id": 1,
            "name": "Joan Hart",
            "callsign": "Red Three",
            "nickname": None,
            "skill": 0.5,
            "susceptibility": 0.4,
            "status": "killed",
            "wounded_until_day": None,
        },
        {
            "id": 4,
            "campaign_id": 1,
            "name": "Kate Moss",
            "callsign": "Blue One",
            "nickname": "Slayer",
            "skill": 0.7,
            "susceptibility": 0.2,
            "status": "fit",
            "wounded_until_day": None,
        },
    ],
    "roster": [
        {"pilot_id": 1, "campaign_id": 1, "squadron_id": 1, "pilot_status": "fit"},
        {"pilot_id": 2, "campaign_id": 1, "squadron_id": 1, "pilot_status": "wounded"},
        {"pilot_id": 4, "campaign_id": 1, "squadron_id": 2, "pilot_status": "fit"},
    ],
    "aircraft": [
        {
            "id": 1,
            "campaign_id": 1,
            "squadron_id": 1,
            "aircraft_type": "Guardian",
            "serial": "G-101",
            "state": "ready",
            "repair_until_day": None,
            "carrier": "Hornet",
        },
        {
            "id": 2,
            "campaign_id": 1,
            "squadron_id": 1,
            "aircraft_type": "Guardian",
            "serial": "G-102",
            "state": "repair",
            "repair_until_day": 6,
            "carrier": "Hornet",
        },
        {
            "id": 3,
            "campaign_id": 1,
            "squadron_id": None,
            "aircraft_type": "Guardian",
            "serial": "G-103",
            "state": "lost",
            "repair_until_day": None,
            "carrier": None,
        },
        {
            "id": 4,
            "campaign_id": 1,
            "squadron_id": 2,
            "aircraft_type": "Guardian",
            "serial": "G-201",
            "state": "ready",
            "repair_until_day": None,
            "carrier": "Hornet",
        },
    ],
    "operations": [
        {
            "id": 1,
            "campaign_id": 1,
            "sequence": 0,
            "name": "Reconnaissance over Manhattan",
            "scenario": "manhattan-recon",
            "seed": 7,
            "state": "flown",
            "plan_json": '{"squadrons": ["devils"]}',
            "digest": "9f2c" * 16,
            "summary_json": '{"photos_returned": 12}',
            "report_md": "# Manhattan\n",
            "flown_on_day": 3,
        },
        {
            "id": 2,
            "campaign_id": 1,
            "sequence": 1,
            "name": "The night raid",
            "scenario": "night-raid",
            "seed": 11,
            "state": "planned",
            "plan_json": "{}",
            "digest": None,
            "summary_json": None,
            "report_md": None,
            "flown_on_day": None,
        },
    ],
    "logbook": [
        {
            "pilot_id": 1,
            "operation_id": 1,
            "squadron_code": "devils",
            "sorties": 1,
            "kills": 3,
            "photos": 8,
            "wounded": False,
        },
        {
            "pilot_id": 2,
            "operation_id": 1,
            "squadron_code": "devils",
            "sorties": 1,
            "kills": 1,
            "photos": 4,
            "wounded": True,
        },
        {
            "pilot_id": 3,
            "operation_id": 1,
            "squadron_code": "devils",
            "sorties": 1,
            "kills": 0,
            "photos": 0,
            "wounded": False,
        },
    ],
    "intelligence": [
        {
            "id": 1,
            "campaign_id": 1,
            "operation_id": 1,
            "kind": "photos of the mother ship",
            "photos": 12,
            "summary": "The ship's underside opens in bays.",
        },
    ],
}


def fill(connection: object) -> None:
    """Insert CAMPAIGN_0001_ROWS through a SQLAlchemy connection to a database at revision 0001."""
    from sqlalchemy.engine import Connection

    assert isinstance(connection, Connection)
    for table, rows in CAMPAIGN_0001_ROWS.items():
        columns = list(rows[0])
        statement = text(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + column for column in columns)})"
        )
        connection.execute(statement, rows)


def main() -> None:
    DATABASE.unlink(missing_ok=True)
    with open_store(DATABASE, upgrade_to="0001_initial") as store, store.engine.begin() as connection:
        fill(connection)
    print(f"wrote {DATABASE}")


if __name__ == "__main__":
    main()
