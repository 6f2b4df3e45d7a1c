"""The campaign database: its constraints make the story's impossible states unrepresentable, its migrations
carry an old campaign into new code, and its transactions keep a campaign whole when a second captainred
writes at the same time or the first is killed half-way. Every test runs against SQLite and against a real
PostgreSQL server that the tests start on a loopback port (Debian's `postgresql` package must be installed)."""

from __future__ import annotations

import itertools
import os
import pwd
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, MetaData, Table, create_engine, delete, insert, inspect, text, update
from sqlalchemy import select as select_rows
from sqlalchemy.exc import IntegrityError

from captainred.campaign import (
    Aircraft,
    Campaign,
    CampaignStoreError,
    Intelligence,
    LogbookEntry,
    Operation,
    Pilot,
    RosterEntry,
    Squadron,
    Store,
    open_store,
)
from captainred.campaign.revisions import current_revision, head_revision
from captainred.campaign.schema import PILOT_STATUSES, ROSTERABLE_STATUSES, Base
from on_threads import child_env

DATA = Path(__file__).parent / "data"
CAMPAIGN_0001 = DATA / "campaign-0001.sqlite"
BUSY = re.compile(r"is busy: another captainred is writing to it")


# --- a throwaway PostgreSQL server --------------------------------------------------------------------------


def _postgres_bin_dir() -> Path:
    """Where initdb and pg_ctl are: on PATH, or in Debian's /usr/lib/postgresql/<version>/bin (newest first)."""
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)

    def version(bin_dir: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", bin_dir.parent.name))

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for bin_dir in candidates:
        if (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file():
            return bin_dir
    pytest.fail(
        "the campaign tests need a PostgreSQL server and found no initdb/pg_ctl (on PATH or in "
        "/usr/lib/postgresql/*/bin): install Debian's postgresql package (apt-get install postgresql)",
        pytrace=False,
    )


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """A PostgreSQL cluster of our own in a temporary folder, trusting anyone on 127.0.0.1 as `postgres`."""

    root: Path
    bin_dir: Path
    port: int
    user: pwd.struct_passwd | None  # the unprivileged account it runs as when the tests run as root
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def _run(self, *args: str) -> None:
        owner = {} if self.user is None else {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=self.root, **owner)  # type: ignore[call-overload]
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{tail}")

    def start(self) -> None:
        data = self.root / "data"
        sockets = self.root / "sockets"
        sockets.mkdir()
        if self.user is not None:
            os.chown(sockets, self.user.pw_uid, self.user.pw_gid)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=40 -c shared_buffers=16MB"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"campaign_{next(self._numbers)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the whole session (one per xdist worker), stopped and deleted at the end.
    PostgreSQL refuses to run as root: then it runs as `captainred-pg` if that account exists, else `nobody`."""
    bin_dir = _postgres_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="captainred-pg-"))
    user = None
    if os.geteuid() == 0:
        names = [entry.pw_name for entry in pwd.getpwall()]
        user = pwd.getpwnam("captainred-pg" if "captainred-pg" in names else "nobody")
        os.chown(root, user.pw_uid, user.pw_gid)
    server = PostgresServer(root=root, bin_dir=bin_dir, port=_free_loopback_port(), user=user)
    try:
        server.start()
        yield server
        server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def campaign_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A campaign database that does not exist yet: a SQLite file name, or an empty PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "campaign.db")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture
def store(campaign_db: str) -> Iterator[Store]:
    with open_store(campaign_db) as opened:
        yield opened


# --- a small campaign ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    campaign_id: int
    devils_id: int
    slayers_id: int
    red_id: int  # Captain Red, fit, on the Devils' roster
    blake_id: int  # wounded until day 9, on the Devils' roster
    hart_id: int  # fit, on no roster
    operation_id: int  # planned


def begin_the_story(store: Store, name: str = "the story") -> Story:
    with store.transaction() as session:
        campaign = Campaign(name=name, story=True, day=0, next_operation=1, created_version="0.1.0")
        session.add(campaign)
        session.flush()
        devils = Squadron(campaign_id=campaign.id, code="devils", name="Devils", carrier="Hornet", colour="red")
        slayers = Squadron(campaign_id=campaign.id, code="slayers", name="Slayers", carrier="Hornet", colour="blue")
        red = Pilot(
            campaign_id=campaign.id, name="Mary Red", callsign="Red One", skill=0.9, susceptibility=0.1, status="fit"
        )
        blake = Pilot(
            campaign_id=campaign.id,
            name="Ann Blake",
            callsign="Red Two",
            skill=0.6,
            susceptibility=0.3,
            status="wounded",
            wounded_until_day=9,
        )
        hart = Pilot(
            campaign_id=campaign.id, name="Joan Hart", callsign="Red Three", skill=0.5, susceptibility=0.4, status="fit"
        )
        operation = Operation(
            campaign_id=campaign.id,
            sequence=0,
            name="Reconnaissance over Manhattan",
            scenario="manhattan-recon",
            seed=7,
            state="planned",
            plan_json="{}",
        )
        session.add_all([devils, slayers, red, blake, hart, operation])
        session.flush()
        session.add_all(
            [
                RosterEntry(pilot_id=red.id, campaign_id=campaign.id, squadron_id=devils.id, pilot_status="fit"),
                RosterEntry(pilot_id=blake.id, campaign_id=campaign.id, squadron_id=devils.id, pilot_status="wounded"),
                Aircraft(
                    campaign_id=campaign.id,
                    squadron_id=devils.id,
                    aircraft_type="Guardian",
                    serial="G-101",
                    state="ready",
                    carrier="Hornet",
                ),
            ]
        )
        return Story(campaign.id, devils.id, slayers.id, red.id, blake.id, hart.id, operation.id)


def refused(store: Store, *statements: object) -> bool:
    """Whether the database refuses the statements (run in one transaction, rolled back either way)."""
    with store.transaction() as session:
        try:
            with session.begin_nested():
                for statement in statements:
                    session.execute(statement)  # type: ignore[call-overload]
        except IntegrityError:
            return True
        return False


def snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in primary-key order."""
    with store.transaction() as session:
        rows = {}
        for table in Base.metadata.sorted_tables:
            ordered = select_rows(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in session.execute(ordered)]
        rows["alembic_version"] = [tuple(row) for row in session.execute(text("SELECT * FROM alembic_version"))]
        return rows


# --- constraints -----------------------------------------------------------------------------------------------


def test_a_killed_pilot_cannot_stay_on_a_roster(store: Store) -> None:
    story = begin_the_story(store)
    assert refused(store, update(Pilot).where(Pilot.id == story.red_id).values(status="killed"))
    for status in ("missing", "captured"):
        dies = update(Pilot).where(Pilot.id == story.blake_id).values(status=status, wounded_until_day=None)
        assert refused(store, dies)
    with store.transaction() as session:
        assert session.get(Pilot, story.red_id).status == "fit"  # type: ignore[union-attr]
        assert session.get(RosterEntry, story.red_id).pilot_status == "fit"  # type: ignore[union-attr]


def test_a_pilot_struck_off_the_roster_can_then_be_killed(store: Store) -> None:
    story = begin_the_story(store)
    with store.transaction(story.campaign_id) as session:
        session.execute(delete(RosterEntry).where(RosterEntry.pilot_id == story.red_id))
        session.execute(update(Pilot).where(Pilot.id == story.red_id).values(status="killed"))
    with store.transaction() as session:
        assert session.get(Pilot, story.red_id).status == "killed"  # type: ignore[union-attr]
        assert session.get(RosterEntry, story.red_id) is None


def test_the_dead_cannot_be_put_on_a_roster_and_the_living_on_one_at_a_time(store: Store) -> None:
    story = begin_the_story(store)
    with store.transaction() as session:
        session.execute(update(Pilot).where(Pilot.id == story.hart_id).values(status="killed"))
    enlist = insert(RosterEntry).values(campaign_id=story.campaign_id, squadron_id=story.slayers_id)
    assert refused(store, enlist.values(pilot_id=story.hart_id, pilot_status="killed"))  # the CHECK
    assert refused(store, enlist.values(pilot_id=story.hart_id, pilot_status="fit"))  # the foreign key
    assert refused(store, enlist.values(pilot_id=story.red_id, pilot_status="fit"))  # already a Devil
    other = begin_the_story(store, name="another war")
    assert refused(store, enlist.values(pilot_id=other.hart_id, pilot_status="fit"))  # another campaign's pilot


def test_a_wounded_pilot_heals_on_her_roster_and_needs_a_day_to_be_wounded(store: Store) -> None:
    story = begin_the_story(store)
    blake = update(Pilot).where(Pilot.id == story.blake_id)
    assert refused(store, blake.values(wounded_until_day=None))
    assert refused(store, update(Pilot).where(Pilot.id == story.red_id).values(status="wounded"))
    assert refused(store, update(Pilot).where(Pilot.id == story.red_id).values(wounded_until_day=3))
    assert refused(store, update(Pilot).where(Pilot.id == story.red_id).values(skill=1.5))
    with store.transaction() as session:
        session.execute(blake.values(status="fit", wounded_until_day=None))
    with store.transaction() as session:
        assert session.get(RosterEntry, story.blake_id).pilot_status == "fit"  # type: ignore[union-attr]


def test_an_aircraft_has_one_state_and_a_serial_of_its_own(store: Store) -> None:
    story = begin_the_story(store)
    guardian = update(Aircraft).where(Aircraft.serial == "G-101")
    assert refused(store, guardian.values(state="repair"))  # under repair until when?
    assert refused(store, guardian.values(repair_until_day=4))  # ready, and under repair?
    assert refused(store, guardian.values(state="repair", repair_until_day=4))  # with how many hours of work?
    assert refused(store, guardian.values(state="repair", repair_until_day=4, repair_hours_left=0.0))
    assert refused(store, guardian.values(state="shot up"))
    assert refused(store, guardian.values(squadron_id=story.devils_id + 1000))  # a squadron that does not exist
    with store.transaction() as session:
        session.execute(guardian.values(state="repair", repair_until_day=4, repair_hours_left=40.0))
    twin = dict(aircraft_type="Guardian", serial="G-101", state="ready")
    assert refused(store, insert(Aircraft).values(campaign_id=story.campaign_id, **twin))
    begin_the_story(store, name="another war")  # with a G-101 of its own
    with store.transaction() as session:
        assert len(session.scalars(select_rows(Aircraft).where(Aircraft.serial == "G-101")).all()) == 2


def test_an_operation_has_a_digest_exactly_when_it_has_been_flown(store: Store) -> None:
    story = begin_the_story(store)
    operation = update(Operation).where(Operation.id == story.operation_id)
    assert refused(store, operation.values(state="flown", flown_on_day=3))
    assert refused(store, operation.values(digest="ab" * 32))
    assert refused(store, operation.values(state="flown", digest="ab" * 32))  # and on which day?
    assert not refused(store, operation.values(state="flown", digest="ab" * 32, flown_on_day=3))
    again = dict(campaign_id=story.campaign_id, sequence=0, name="again", scenario="x", seed=1, plan_json="{}")
    assert refused(store, insert(Operation).values(state="planned", **again))


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("status"), st.integers(0, 2), st.sampled_from(PILOT_STATUSES)),
        st.tuples(st.just("strike off"), st.integers(0, 2), st.none()),
        st.tuples(st.just("enlist"), st.integers(0, 2), st.sampled_from(["devils", "slayers"])),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_no_sequence_of_status_changes_leaves_the_dead_on_a_roster(store: Store, steps: list[tuple]) -> None:
    with store.transaction() as session:
        begun = session.scalar(select_rows(Campaign.id).where(Campaign.name == "the story")) is not None
    if not begun:
        begin_the_story(store)
    with store.transaction() as session:
        campaign_id = session.scalar(select_rows(Campaign.id).where(Campaign.name == "the story"))
        pilots = list(session.scalars(select_rows(Pilot.id).order_by(Pilot.id)))
        squadrons = {code: id_ for code, id_ in session.execute(select_rows(Squadron.code, Squadron.id))}
        status = {id_: status for id_, status in session.execute(select_rows(Pilot.id, Pilot.status))}
        rostered = set(session.scalars(select_rows(RosterEntry.pilot_id)))
        example = session.begin_nested()  # undone at the end, so that every example starts from the story
        for action, index, argument in steps:
            pilot_id = pilots[index]
            if action == "status":
                statement = update(Pilot).where(Pilot.id == pilot_id)
                statement = statement.values(status=argument, wounded_until_day=9 if argument == "wounded" else None)
                allowed = pilot_id not in rostered or argument in ROSTERABLE_STATUSES
            elif action == "strike off":
                statement = delete(RosterEntry).where(RosterEntry.pilot_id == pilot_id)
                allowed = True
            else:
                entry = dict(campaign_id=campaign_id, squadron_id=squadrons[argument], pilot_status=status[pilot_id])
                statement = insert(RosterEntry).values(pilot_id=pilot_id, **entry)
                allowed = pilot_id not in rostered and status[pilot_id] in ROSTERABLE_STATUSES
            try:
                with session.begin_nested():
                    session.execute(statement)
                done = True
            except IntegrityError:
                done = False
            assert done == allowed, (action, index, argument)
            if done and action == "status":
                status[pilot_id] = argument
            elif done:
                (rostered.discard if action == "strike off" else rostered.add)(pilot_id)
            on_roster = session.execute(
                select_rows(Pilot.status, RosterEntry.pilot_status).join(RosterEntry, RosterEntry.pilot_id == Pilot.id)
            ).all()
            assert all(pilot == entry and pilot in ROSTERABLE_STATUSES for pilot, entry in on_roster)
        example.rollback()


# --- migrations ------------------------------------------------------------------------------------------------


def test_an_empty_database_is_migrated_to_the_newest_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        assert current_revision(connection) == head_revision() == "0004_fighting"
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_a_database_is_migrated_one_revision_at_a_time(campaign_db: str) -> None:
    with open_store(campaign_db, upgrade_to="0001_initial") as old, old.engine.connect() as connection:
        assert current_revision(connection) == "0001_initial"
        columns = [column["name"] for column in inspect(connection).get_columns("logbook")]
        assert "seconds_flown" not in columns
    with open_store(campaign_db) as new, new.engine.connect() as connection:
        assert current_revision(connection) == head_revision()


def _columns_0001(table_name: str) -> list:
    later = {"seconds_flown", "repair_hours_left", "fighting"}  # added by revisions 0002, 0003 and 0004
    return [column for column in Base.metadata.tables[table_name].c if column.name not in later]


def test_a_campaign_stored_by_the_first_schema_opens_migrated(campaign_db: str, tmp_path: Path) -> None:
    stored = create_engine(f"sqlite:///file:{CAMPAIGN_0001}?mode=ro&uri=true")
    with stored.connect() as connection:
        assert current_revision(connection) == "0001_initial"
        tables = [table for table in Base.metadata.sorted_tables]
        before = {
            table.name: [dict(row._mapping) for row in connection.execute(select_rows(*_columns_0001(table.name)))]
            for table in tables
        }
    stored.dispose()
    if campaign_db.startswith("postgresql"):
        with open_store(campaign_db, upgrade_to="0001_initial") as old, old.engine.begin() as connection:
            for table in tables:
                if before[table.name]:
                    table_0001 = Table(
                        table.name, MetaData(), *(Column(c.name, c.type) for c in _columns_0001(table.name))
                    )
                    connection.execute(insert(table_0001), before[table.name])
    else:
        shutil.copyfile(CAMPAIGN_0001, campaign_db)
    with open_store(campaign_db) as store, store.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        for table in tables:
            after = [dict(row._mapping) for row in connection.execute(select_rows(*_columns_0001(table.name)))]
            assert sorted(after, key=repr) == sorted(before[table.name], key=repr), table.name
        assert sum(len(rows) for rows in before.values()) >= 15
        assert connection.scalars(select_rows(LogbookEntry.seconds_flown)).all() == [0.0, 0.0, 0.0]
        # A repair begun under the first schema is given the hangar's hours until the day it was due.
        repairs = connection.execute(select_rows(Aircraft.repair_until_day, Aircraft.repair_hours_left)).all()
        assert all((until is None) == (hours is None) for until, hours in repairs)
        assert any(hours is not None and hours > 0 for _, hours in repairs)
    # The constraints came through the migration too.
    assert refused(store, update(LogbookEntry).values(seconds_flown=-1.0))
    assert refused(store, update(LogbookEntry).values(kills=-1))
    assert refused(store, update(Pilot).where(Pilot.name == "Mary Red").values(status="killed"))


def test_a_database_from_a_newer_captainred_is_refused_naming_both_revisions(campaign_db: str) -> None:
    with open_store(campaign_db) as store, store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    with pytest.raises(CampaignStoreError, match=r"0099_from_the_future.*0004_fighting") as refusal:
        open_store(campaign_db)
    assert "\n" not in str(refusal.value)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    letter = tmp_path / "orders.db"
    letter.write_text("Proceed north under the net at dawn.\n" * 200)
    with pytest.raises(CampaignStoreError, match=r"orders\.db: the file is not a database$"):
        open_store(letter)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(CampaignStoreError, match=r"other\.db is not a campaign database.*recipes"):
        open_store(other)


def test_an_unreachable_server_is_refused_in_one_line() -> None:
    url = f"postgresql://postgres:secret@127.0.0.1:{_free_loopback_port()}/campaign"
    with pytest.raises(CampaignStoreError, match=r"^cannot reach the campaign database postgresql://postgres:\*\*\*@"):
        open_store(url)


def test_with_no_database_named_the_campaigns_live_in_the_user_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with open_store(None) as store:
        begin_the_story(store)
    assert (tmp_path / "data" / "captainred" / "campaigns.db").is_file()


# --- transactions, other processes, and kills ------------------------------------------------------------------

# A second captainred: opens the campaign, begins a transaction on it, (in "fly") writes what flying an operation
# writes, says it is holding, and holds until it is killed (it waits on its stdin, which nobody writes to).
SECOND_CAPTAINRED = """
import sys, time
from sqlalchemy import delete, select, update
from captainred.campaign import (Aircraft, Campaign, Intelligence, LogbookEntry, Operation, Pilot, RosterEntry,
                                 open_store)
db, campaign_id, operation_id, red_id, blake_id, mode = sys.argv[1:]
store = open_store(db)
with store.transaction(int(campaign_id)) as session:
    if mode == "fly":
        session.execute(update(Campaign).where(Campaign.id == int(campaign_id)).values(day=Campaign.day + 3))
        session.execute(update(Operation).where(Operation.id == int(operation_id))
                        .values(state="flown", digest="cd" * 32, flown_on_day=3, report_md="# Over Manhattan"))
        session.execute(delete(RosterEntry).where(RosterEntry.pilot_id == int(blake_id)))
        session.execute(update(Pilot).where(Pilot.id == int(blake_id)).values(status="killed", wounded_until_day=None))
        session.execute(update(Aircraft).values(state="lost", squadron_id=None, carrier=None))
        session.add_all([
            LogbookEntry(pilot_id=int(red_id), operation_id=int(operation_id), squadron_code="devils", sorties=1,
                         seconds_flown=5400.0, kills=3, photos=8, wounded=False),
            Intelligence(campaign_id=int(campaign_id), operation_id=int(operation_id), kind="photos", photos=8,
                         summary="the ship's bays"),
            Pilot(campaign_id=int(campaign_id), name="A replacement", callsign="Red Four", skill=0.3,
                  susceptibility=0.5, status="fit"),
        ])
        session.flush()
    print("holding", flush=True)
    sys.stdin.read()
"""


def start_second_captainred(db: str, story: Story, mode: str) -> subprocess.Popen[str]:
    arguments = [db, story.campaign_id, story.operation_id, story.red_id, story.blake_id, mode]
    return start_holding(SECOND_CAPTAINRED, arguments)


def start_holding(script: str, arguments: list[object]) -> subprocess.Popen[str]:
    """Run `script` in a second Python, and return once it says it is holding its transaction open."""
    holder = subprocess.Popen(
        [sys.executable, "-c", script, *map(str, arguments)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    assert holder.stdout is not None
    ready, _, _ = select.select([holder.stdout], [], [], 30)
    line = holder.stdout.readline() if ready else ""
    if line.strip() != "holding":
        holder.kill()
        _, errors = holder.communicate()
        pytest.fail(f"the second captainred did not start holding the campaign: {errors[-2000:]}")
    return holder


def kill_dead(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_a_second_captainred_is_refused_while_the_first_writes(campaign_db: str) -> None:
    with open_store(campaign_db, busy_timeout_s=0.5) as store:
        story = begin_the_story(store)
        holder = start_second_captainred(campaign_db, story, mode="hold")
        try:
            # Refused once it has waited its busy timeout, and saying so.
            with pytest.raises(CampaignStoreError, match=BUSY) as refusal, store.transaction(story.campaign_id):
                pass
            assert "(waited 0.5 s)" in str(refusal.value)
        finally:
            kill_dead(holder)
        with store.transaction(story.campaign_id) as session:  # the campaign is free again
            session.execute(update(Campaign).values(day=1))


def test_a_captainred_killed_in_the_middle_of_an_operation_leaves_the_campaign_as_it_was(campaign_db: str) -> None:
    with open_store(campaign_db) as store:
        story = begin_the_story(store)
        before = snapshot(store)
    holder = start_second_captainred(campaign_db, story, mode="fly")
    kill_dead(holder)
    with open_store(campaign_db) as store:
        assert snapshot(store) == before
        with store.transaction(story.campaign_id) as session:  # and nobody holds it any more
            assert session.get(Operation, story.operation_id).state == "planned"  # type: ignore[union-attr]


def test_a_transaction_that_raises_writes_nothing(store: Store) -> None:
    story = begin_the_story(store)
    before = snapshot(store)
    with pytest.raises(RuntimeError, match="the net is down"), store.transaction(story.campaign_id) as session:
        session.execute(update(Campaign).values(day=5))
        session.add(
            Intelligence(
                campaign_id=story.campaign_id,
                operation_id=story.operation_id,
                kind="sighting",
                photos=0,
                summary="LGFs over the Hudson",
            )
        )
        session.flush()
        raise RuntimeError("the net is down")
    assert snapshot(store) == before


def test_everything_an_operation_changes_is_written_in_one_transaction(store: Store) -> None:
    story = begin_the_story(store)
    with store.transaction(story.campaign_id) as session:
        session.execute(update(Campaign).values(day=Campaign.day + 3, next_operation=Campaign.next_operation + 1))
        session.execute(update(Operation).values(state="flown", digest="ef" * 32, flown_on_day=3))
        session.execute(update(Aircraft).values(state="repair", repair_until_day=6, repair_hours_left=80.0))
        session.execute(delete(RosterEntry).where(RosterEntry.pilot_id == story.blake_id))
        missing = dict(status="missing", wounded_until_day=None)
        session.execute(update(Pilot).where(Pilot.id == story.blake_id).values(**missing))
        session.add(
            LogbookEntry(
                pilot_id=story.red_id,
                operation_id=story.operation_id,
                squadron_code="devils",
                sorties=1,
                seconds_flown=5400.0,
                kills=2,
                photos=6,
                wounded=False,
            )
        )
        session.add(
            Intelligence(
                campaign_id=story.campaign_id,
                operation_id=story.operation_id,
                kind="photos",
                photos=6,
                summary="the bays",
            )
        )
    with store.transaction() as session:
        entry = session.get(LogbookEntry, (story.red_id, story.operation_id))
        assert entry is not None and entry.seconds_flown == 5400.0
        assert session.get(Campaign, story.campaign_id).day == 3  # type: ignore[union-attr]
        assert session.get(RosterEntry, story.blake_id) is None


# --- reading while another process writes ---------------------------------------------------------------------

# A captainred flying an operation, as the database sees it: a write transaction (on SQLite BEGIN IMMEDIATE, the
# write lock taken; on PostgreSQL the campaign's advisory lock) with a change made and not committed, held open.
FLYING = """
import sys
from sqlalchemy import update
from captainred.campaign import Campaign, open_store
db, campaign_id = sys.argv[1:]
with open_store(db) as store, store.transaction(int(campaign_id)) as session:
    session.execute(update(Campaign).where(Campaign.id == int(campaign_id)).values(day=Campaign.day + 3))
    session.flush()
    print("holding", flush=True)
    sys.stdin.read()
"""


def test_campaign_status_answers_while_another_captainred_holds_a_write_transaction(campaign_db: str) -> None:
    from captainred.campaign.founding import new_campaign

    with open_store(campaign_db) as store:
        campaign_id = new_campaign(store, "the war")
    holder = start_holding(FLYING, [campaign_db, campaign_id])
    try:
        shown = subprocess.Popen(
            [sys.executable, "-m", "captainred", "campaign", "status", "the war", "--db", campaign_db],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        out, err = shown.communicate(timeout=120)  # its exit, whenever it comes, within a generous deadline
        assert shown.returncode == 0, err
        assert "Campaign the war, day 0" in out  # what is committed, not the operation still being written
        assert holder.poll() is None, "the writer let go before the status was read"
    finally:
        kill_dead(holder)


def test_a_read_only_store_reads_under_a_writer_and_writes_nothing(campaign_db: str, tmp_path: Path) -> None:
    from captainred.campaign.founding import new_campaign
    from captainred.campaign.views import campaign_history, campaign_status, export_campaign

    with open_store(campaign_db) as store:
        campaign_id = new_campaign(store, "the war")
    holder = start_holding(FLYING, [campaign_db, campaign_id])
    try:
        with open_store(campaign_db, read_only=True, busy_timeout_s=0.5) as reader:
            assert campaign_status(reader, "the war").day == 0
            assert campaign_history(reader, "the war") == ()
            assert export_campaign(reader, "the war")["campaign"] == "the war"
    finally:
        kill_dead(holder)
    with (
        open_store(campaign_db, read_only=True) as reader,
        pytest.raises(CampaignStoreError, match="opened for reading only"),
        reader.transaction() as session,
    ):
        session.execute(update(Campaign).values(day=5))
    with open_store(campaign_db, read_only=True) as reader:
        assert campaign_status(reader, "the war").day == 0
    missing = tmp_path / "nowhere.db"
    with pytest.raises(CampaignStoreError, match="does not exist"):
        open_store(missing, read_only=True)
    assert not missing.exists()


def test_a_read_only_store_upgrades_an_old_schema_once_then_reads(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(CAMPAIGN_0001, db)
    with open_store(db, read_only=True) as reader, reader.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
