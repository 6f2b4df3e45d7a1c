"""The campaign game: the story's war flown from the first briefing to the reconnaissance over Manhattan with
nobody at the controls, against SQLite and a real PostgreSQL server; what each battle's summary says is what
the campaign remembers (the dead struck off their rosters, the logbooks adding up, photos turned into
intelligence); the same campaign twice is the same war; time passes, the wounded heal and repairs finish; and
the `captainred campaign` commands as a player types them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from captainred.campaign import (
    Aircraft,
    Campaign,
    Intelligence,
    LogbookEntry,
    Operation,
    Pilot,
    RosterEntry,
    Store,
    ledger,
    open_store,
)
from captainred.campaign.founding import new_campaign
from captainred.campaign.game import fly_next
from captainred.campaign.ledger import CampaignError, OperationResult, operation_seed
from captainred.campaign.planning import next_plan, set_plan
from captainred.campaign.story import OperationPlan, SquadronPlan, load_story
from captainred.campaign.views import campaign_history, campaign_status, export_campaign
from captainred.scenario.loader import load_catalog
from on_threads import child_env
from test_campaign_store import PostgresServer, postgres_server, snapshot  # noqa: F401 (a fixture)
from waiting import wait_for

NAME = "the war"


def fly_the_whole_story(store: Store, name: str = NAME) -> list[OperationResult]:
    new_campaign(store, name)
    return [fly_next(store, name) for _ in load_story().operations]


def rows(store: Store, model: type[Any], **where: object) -> list[Any]:
    with store.transaction() as session:
        query = select(model).filter_by(**where)
        return list(session.scalars(query))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "campaign.db") as store:
        yield store


# --- the story as data --------------------------------------------------------------------------------------


def test_the_story_runs_in_canon_order_and_re_equips_at_angel_island() -> None:
    story = load_story()
    assert [o.scenario for o in story.operations] == [
        "fifty-mile-circuit",
        None,
        "manhattan-recon",
        "the-front",
        "night-raid",
    ]
    assert [o.chapter for o in story.operations] == ["I", "I-II", "II", "III", "III"]
    patrol, training, recon, front, raid = story.operations
    assert front.plan is not None and [s.squadron for s in front.plan.squadrons] == ["devils", "slayers"]
    assert raid.days_before == 0, "the party slips out on the front's day"
    assert raid.raid is not None and raid.raid.party == 7 and raid.plan is None
    assert patrol.plan is not None and patrol.plan.radio == "silence"
    assert [s.squadron for s in patrol.plan.squadrons] == ["devils"]
    assert {s.aircraft_type for s in story.squadrons} == {"Draken"}
    assert training.interlude is not None and training.interlude.place == "Angel Island"
    assert {(c.squadron, c.aircraft_type) for c in training.interlude.re_equip} == {
        ("devils", "Guardian"),
        ("slayers", "Guardian"),
    }
    assert recon.plan is not None and sum(s.photo_aircraft for s in recon.plan.squadrons) == 4


def test_a_new_campaign_puts_the_story_squadrons_on_their_carrier_in_drakens(sqlite_store: Store) -> None:
    new_campaign(sqlite_store, NAME)
    status = campaign_status(sqlite_store, NAME)
    catalog = load_catalog()
    assert status.day == 0
    assert [s.code for s in status.squadrons] == ["devils", "slayers"]
    assert {(s.aircraft_type, s.aircraft_ready, s.pilots_fit) for s in status.squadrons} == {("Draken", 8, 8)}
    assert [p.name for p in status.pilots if p.squadron == "devils"] == [
        p.name for p in catalog.squadrons["devils"].pilots
    ]
    red = next(p for p in status.pilots if p.nickname == "Captain Red")
    assert (red.skill, red.status, red.sorties) == (catalog.squadrons["devils"].pilots[0].skill, "fit", 0)
    assert {a.carrier for a in status.aircraft} == {"Odysseus"}
    assert status.next_operation is not None and status.next_operation.name == "The fifty-mile circuit"
    assert "fifty miles" in status.next_operation.briefing
    with pytest.raises(CampaignError, match="already exists"):
        new_campaign(sqlite_store, NAME)
    with pytest.raises(CampaignError, match="no campaign named 'other'"):
        fly_next(sqlite_store, "other")


# --- the whole story ----------------------------------------------------------------------------------------


def check_the_campaign_remembers_what_the_battles_say(store: Store, results: list[OperationResult]) -> None:
    """Every flown battle's summary, against the pilots, rosters, logbooks, airframes and intelligence."""
    [campaign] = rows(store, Campaign, name=NAME)
    assert campaign.next_operation == len(results) == 5
    operations = rows(store, Operation, campaign_id=campaign.id)
    assert all(o.state == "flown" and o.digest == r.digest for o, r in zip(operations, results, strict=True))
    pilots = {p.name: p for p in rows(store, Pilot, campaign_id=campaign.id)}
    rostered = {r.pilot_id for r in rows(store, RosterEntry, campaign_id=campaign.id)}
    logbook = rows(store, LogbookEntry)
    intelligence = rows(store, Intelligence, campaign_id=campaign.id)
    last_fate: dict[str, str] = {}
    for operation in operations:
        if not operation.scenario:
            continue
        summary = json.loads(operation.summary_json)
        if summary.get("raid") == "not mounted":
            continue
        assert summary["digest"] == operation.digest and summary["seed"] == operation.seed
        lines = {e.pilot_id: e for e in logbook if e.operation_id == operation.id}
        if "raid" in summary:
            check_the_raid_is_written_back(summary["raid"], lines, pilots, rostered, last_fate)
            continue
        assert len(lines) == len(summary["pilots"])
        for record in summary["pilots"]:
            line = lines[pilots[record["name"]].id]
            assert (line.sorties, line.kills, line.photos) == (
                record["sorties"],
                record["kills"],
                record["photos_returned"],
            )
            assert line.wounded == record["wounded"] and line.squadron_code == record["squadron"]
            assert line.seconds_flown > 0
            last_fate[record["name"]] = record["status"]
        photos = sum(i.photos for i in intelligence if i.operation_id == operation.id)
        assert photos == summary["photos_returned"] == sum(e.photos for e in lines.values())
    assert sum(i.photos for i in intelligence) > 0, "the reconnaissance brought no photographs home"
    for name, fate in last_fate.items():
        pilot = pilots[name]
        if fate in ("killed", "missing", "captured"):
            assert pilot.status == fate and pilot.id not in rostered, f"{name} is {fate} but still rostered"
        else:
            assert pilot.status in ("fit", "wounded") and pilot.id in rostered
    airframes = rows(store, Aircraft, campaign_id=campaign.id)
    lost_in_battle = sum(len(r.aircraft_lost) for r in results)
    assert sum(a.state == "lost" for a in airframes) == lost_in_battle
    assert {a.aircraft_type for a in airframes if a.squadron_id is not None} == {"Guardian"}
    assert {a.carrier for a in airframes if a.aircraft_type == "Draken"} == {"Angel Island"}
    with pytest.raises(CampaignError, match="is over"):
        fly_next(store, NAME)


def check_the_raid_is_written_back(
    raid: dict[str, Any],
    lines: dict[int, LogbookEntry],
    pilots: dict[str, Pilot],
    rostered: set[int],
    last_fate: dict[str, str],
) -> None:
    """A raid's party and captive, as the campaign remembers them after it."""
    assert len(lines) == len(raid["party"])
    for member in raid["party"]:
        line = lines[pilots[member["name"]].id]
        assert (line.sorties, line.seconds_flown, line.wounded) == (0, 0.0, member["wounded"])
        last_fate[member["name"]] = {"killed": "killed", "inside": "captured"}.get(member["fate"], "returned")
    fate = {"rescued": "returned", "dead": "killed"}.get(raid["captive"], "captured")
    last_fate[raid["captive_name"]] = fate
    if raid["captive"] == "rescued":
        assert pilots[raid["captive_name"]].status == "wounded"  # home, in hospital after the ship


@pytest.mark.slow
def test_the_story_campaign_runs_from_start_to_end_on_sqlite(sqlite_store: Store) -> None:
    results = fly_the_whole_story(sqlite_store)
    check_the_campaign_remembers_what_the_battles_say(sqlite_store, results)
    patrol, training, recon, front, raid = results
    assert patrol.flew and not (patrol.killed or patrol.missing or patrol.captured), "chapter I: all land safely"
    assert training.interlude and training.day_after == training.flown_on_day + 120
    assert recon.flown_on_day == training.day_after + 7 and recon.day_after >= recon.flown_on_day + 3
    assert front.flown_on_day == recon.day_after + 3 and front.flew
    assert not set(front.flew) & set(recon.killed + recon.missing + recon.captured), "the lost stay lost"
    assert raid.flown_on_day == front.day_after
    assert (raid.secret_kept is None) == (not recon.captured), "the raid goes for whoever the swarm took"
    history = campaign_history(sqlite_store, NAME)
    assert [h.operation.digest for h in history] == [r.digest for r in results]
    assert all(h.report_md for h in history)
    document = export_campaign(sqlite_store, NAME)
    json.dumps(document, allow_nan=False)
    assert [o["digest"] for o in document["operations"]] == [r.digest for r in results]
    assert document["next_operation"] is None
    kills = sum(line["kills"] for line in document["logbook"])
    assert kills == sum(r.kills for r in results) == sum(p["kills"] for p in document["pilots"])


@pytest.mark.slow
def test_the_same_campaign_is_the_same_war_on_postgresql_and_on_sqlite(
    postgres_server: PostgresServer,  # noqa: F811
    sqlite_store: Store,
) -> None:
    with open_store(postgres_server.create_database()) as store:
        on_postgresql = fly_the_whole_story(store)
        check_the_campaign_remembers_what_the_battles_say(store, on_postgresql)
    assert fly_the_whole_story(sqlite_store) == on_postgresql
    assert operation_seed(NAME, 0) != operation_seed("another war", 0) != operation_seed(NAME, 1)


# --- time, wounds and repairs -------------------------------------------------------------------------------


def test_a_wounded_pilot_and_an_airframe_under_repair_stay_aboard_then_time_heals_them(sqlite_store: Store) -> None:
    [campaign_id] = [new_campaign(sqlite_store, NAME)]
    with sqlite_store.transaction(campaign_id) as session:
        red = session.scalars(select(Pilot).filter_by(campaign_id=campaign_id, name="Willow Rosenberg")).one()
        red.status, red.wounded_until_day = "wounded", 30
        airframe = session.scalars(select(Aircraft).filter_by(campaign_id=campaign_id, serial="DK-101")).one()
        airframe.state, airframe.repair_until_day, airframe.repair_hours_left = "repair", 10, 150.0
    patrol = fly_next(sqlite_store, NAME)
    assert "Willow Rosenberg" not in patrol.flew and len(patrol.flew) == 7
    status = campaign_status(sqlite_store, NAME)
    red_view = next(p for p in status.pilots if p.name == "Willow Rosenberg")
    assert (red_view.status, red_view.days_left, red_view.sorties) == ("wounded", 30, 0)
    under_repair = next(a for a in status.aircraft if a.serial == "DK-101")
    assert under_repair.state == "repair" and under_repair.days_left == 10
    assert under_repair.hours_left == 150.0 - status.day * ledger.REPAIR_HOURS_PER_DAY  # the patrol's hours passed
    flew = next(p for p in status.pilots if p.name == "Alex Harris")
    assert flew.skill == pytest.approx(0.78 + ledger.SKILL_PER_SORTIE)
    training = fly_next(sqlite_store, NAME)  # 120 days at Angel Island
    status = campaign_status(sqlite_store, NAME)
    assert status.day == training.day_after == 120
    red_view = next(p for p in status.pilots if p.name == "Willow Rosenberg")
    assert (red_view.status, red_view.days_left) == ("fit", None)
    assert red_view.skill == pytest.approx(0.95 + 0.03)
    assert next(a for a in status.aircraft if a.serial == "DK-101").state == "ready"


def test_an_operation_that_fails_while_being_recorded_leaves_the_campaign_as_it_was(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_campaign(sqlite_store, NAME)
    before = snapshot(sqlite_store)
    calls = []

    def pass_time_then_fail(*args: Any) -> None:
        calls.append(args)
        if len(calls) == 2:  # after every result is written, as the battle's days pass
            raise OSError("the disk is full")
        game_pass_time(*args)

    game_pass_time = ledger.pass_time
    monkeypatch.setattr(ledger, "pass_time", pass_time_then_fail)
    with pytest.raises(OSError, match="disk is full"):
        fly_next(sqlite_store, NAME)
    assert len(calls) == 2
    assert snapshot(sqlite_store) == before


# --- the plan -----------------------------------------------------------------------------------------------


def test_a_plan_within_what_is_fit_and_ready_is_flown_as_planned(sqlite_store: Store) -> None:
    new_campaign(sqlite_store, NAME)
    plan = OperationPlan(
        squadrons=(SquadronPlan(squadron="devils", aircraft=4), SquadronPlan(squadron="slayers", aircraft=3)),
        bingo_fuel_kg=200,
        radio="normal",
    )
    assert set_plan(sqlite_store, NAME, plan).plan == plan
    assert next_plan(sqlite_store, NAME).plan == plan
    patrol = fly_next(sqlite_store, NAME)
    [operation] = [o for o in rows(sqlite_store, Operation) if o.sequence == 0]
    summary = json.loads(operation.summary_json)
    flown = [p["squadron"] for p in summary["pilots"]]
    assert (flown.count("devils"), flown.count("slayers"), len(patrol.flew)) == (4, 3, 7)
    with pytest.raises(CampaignError, match="is an interlude"):
        next_plan(sqlite_store, NAME)


def test_a_plan_beyond_what_the_fleet_has_fit_and_ready_is_refused(sqlite_store: Store) -> None:
    campaign_id = new_campaign(sqlite_store, NAME)
    with sqlite_store.transaction(campaign_id) as session:
        charlie = session.scalars(select(Pilot).filter_by(campaign_id=campaign_id, name="Charlie")).one()
        charlie.status, charlie.wounded_until_day = "wounded", 5
    readiness = {r.code: r for r in next_plan(sqlite_store, NAME).readiness}
    assert (readiness["devils"].pilots_fit, readiness["devils"].can_fly, readiness["devils"].camera) == (7, 7, False)
    for planned, problem in [
        (SquadronPlan(squadron="devils", aircraft=8), "7 fit pilots and 8 ready aircraft"),
        (SquadronPlan(squadron="devils", aircraft=2, photo_aircraft=1), "carries no camera"),
        (SquadronPlan(squadron="lancers", aircraft=2), "not a squadron of this campaign"),
    ]:
        with pytest.raises(CampaignError, match=problem):
            set_plan(sqlite_store, NAME, OperationPlan(squadrons=(planned,)))
    set_plan(sqlite_store, NAME, OperationPlan(squadrons=(SquadronPlan(squadron="devils", aircraft=7),)))


# --- the command, as a player types it ----------------------------------------------------------------------


def captainred(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "captainred", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=child_env(),
    )


def test_campaign_commands_refuse_in_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "war.db")
    assert captainred("campaign", "new", NAME, "--db", db).returncode == 0
    for args, problem in [
        (("campaign", "new", NAME, "--db", db), "already exists"),
        (("campaign", "status", "nobody", "--db", db), "no campaign named 'nobody'"),
        (("campaign", "next", NAME, "--db", str(tmp_path / "no" / "war.db")), "does not exist"),
        (("campaign", "export", NAME, "--db", db, "-o", str(tmp_path / "no" / "x.json")), "does not exist"),
        (("campaign", "plan", NAME, "--db", db, "-s", "devils:9"), "(at most 8)"),
        (("campaign", "plan", NAME, "--db", db, "-s", "devils:2:3"), "photo_aircraft: 3 exceeds aircraft (2)"),
        (("campaign", "plan", NAME, "--db", db, "--radio", "shouting"), "--radio"),
    ]:
        done = captainred(*args)
        assert done.returncode == 2, done
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
        assert problem in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_player_flies_the_story_from_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "war.db")
    started = captainred("campaign", "new", NAME, "--db", db)
    assert started.returncode == 0 and "5 operations" in started.stdout
    planned = captainred("campaign", "plan", NAME, "--db", db, "-s", "devils:6", "--bingo", "250")
    assert planned.returncode == 0 and "devils: 6 aircraft" in planned.stdout, planned.stderr
    status = captainred("campaign", "status", NAME, "--db", db)
    assert status.returncode == 0 and "Captain Red" in status.stdout and "fifty-mile circuit" in status.stdout
    flown = [captainred("campaign", "next", NAME, "--db", db) for _ in range(5)]
    assert [f.returncode for f in flown] == [0] * 5, [f.stderr for f in flown]
    assert "The front (chapter III)" in flown[3].stdout
    assert "The night raid (chapter III)" in flown[4].stdout
    assert "6 flew" in flown[0].stdout
    assert "Reconnaissance over Manhattan" in flown[2].stdout and "photos brought home" in flown[2].stdout
    over = captainred("campaign", "next", NAME, "--db", db)
    assert over.returncode == 2 and "is over" in over.stderr
    history = captainred("campaign", "history", NAME, "--db", db)
    assert history.returncode == 0 and history.stdout.count("== ") == 5
    out = tmp_path / "war.json"
    exported = captainred("campaign", "export", NAME, "--db", db, "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    document = json.loads(out.read_text())
    assert document["campaign"] == NAME and len(document["operations"]) == 5
    assert [o["state"] for o in document["operations"]] == ["flown"] * 5
    assert "Intelligence" in captainred("campaign", "status", NAME, "--db", db).stdout


def _dump(db: Path) -> list[str]:
    """Every row of a SQLite campaign, as SQL text; opening it first rolls back any half-written transaction
    that a killed process left in the journal, exactly as the next captainred to open it would. The mark of
    a fight in progress is left out: a killed process leaves it, and the next captainred sees that its
    process is gone and takes it as nobody's (tests/test_hostile_campaign.py)."""
    import sqlite3

    connection = sqlite3.connect(db)
    try:
        connection.execute("UPDATE campaigns SET fighting = NULL")  # in this reading only: never committed
        return [line for line in connection.iterdump() if not line.startswith('INSERT INTO "alembic_version"')]
    finally:
        connection.close()


def _cpu_s(pid: int) -> float:
    """CPU seconds a process has used so far (Linux's /proc), 0 once it is gone: how far it has got, whatever
    the load on the machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, in ticks


def _writing(db: Path) -> bool:
    """Whether some process holds the campaign's write lock now (probed without waiting for it)."""
    import sqlite3

    connection = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def _fighting_mark(db: Path) -> bool:
    import sqlite3

    connection = sqlite3.connect(db, timeout=30)
    try:
        return connection.execute("SELECT fighting FROM campaigns").fetchone()[0] is not None
    finally:
        connection.close()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads a process's CPU time from /proc")
def test_a_campaign_next_killed_at_any_moment_leaves_the_campaign_before_or_after_never_between(tmp_path: Path) -> None:
    """Real processes, really killed (SIGKILL, no chance to tidy up) at moments spread over the whole of
    `campaign next`, each a condition polled until it holds (or the process has ended): at once; once the
    campaign is marked as fighting; once the process has done a share of the work a whole run does (its CPU
    time); and while it holds the write lock to record the result. Each time the database is found exactly
    as it was before the operation or exactly as it is after a run that was left alone."""
    import resource
    import shutil
    import signal

    before = tmp_path / "before.db"
    assert captainred("campaign", "new", NAME, "--db", str(before)).returncode == 0
    after = tmp_path / "after.db"
    shutil.copy(before, after)
    used_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert captainred("campaign", "next", NAME, "--db", str(after)).returncode == 0
    used_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    whole_cpu_s = (used_after.ru_utime + used_after.ru_stime) - (used_before.ru_utime + used_before.ru_stime)
    states = {"before": _dump(before), "after": _dump(after)}
    assert states["before"] != states["after"]

    def moments(db: Path) -> list[tuple[str, Callable[[int], bool]]]:
        shares = [(f"{share:.0%} of the work done", share) for share in (0.2, 0.4, 0.6, 0.75, 0.85, 0.9, 0.95)]
        return [
            ("at once", lambda pid: True),
            ("once marked as fighting", lambda pid: _fighting_mark(db)),
            *((what, lambda pid, share=share: _cpu_s(pid) >= share * whole_cpu_s) for what, share in shares),
            ("while recording", lambda pid: _fighting_mark(db) and _writing(db)),
        ]

    seen = []
    for k in range(10):
        db = tmp_path / f"killed-{k}.db"
        shutil.copy(before, db)
        what, reached = moments(db)[k]
        proc = subprocess.Popen(
            [sys.executable, "-m", "captainred", "campaign", "next", NAME, "--db", str(db)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=child_env(),
        )
        wait_for(
            lambda p=proc, r=reached: p.poll() is not None or r(p.pid),
            within_s=300,
            what=f"never reached the moment {what!r}",
            every_s=0.002,  # the moments are short: ask often
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        found = _dump(db)
        assert found in states.values(), f"killed {what}: the campaign is half-written"
        seen.append(next(name for name, state in states.items() if state == found))
    assert "before" in seen  # the kills landed while the operation was still in flight


def test_a_disk_that_fills_while_an_operation_is_recorded_leaves_the_campaign_as_it_was(tmp_path: Path) -> None:
    """SQLite is told it may not grow the file by a single page (as a full disk would): recording the patrol
    fails with the store's one-line refusal, and the campaign is exactly as it was before."""
    import sqlite3

    from sqlalchemy import event

    from captainred.campaign import CampaignStoreError

    db = tmp_path / "war.db"
    with open_store(db) as store:
        new_campaign(store, NAME)
    probe = sqlite3.connect(db)
    probe.execute("VACUUM")  # no free pages left over from the migrations' table copies
    pages = probe.execute("PRAGMA page_count").fetchone()[0]
    probe.close()
    before = _dump(db)
    with open_store(db) as store:

        @event.listens_for(store.engine, "connect")
        def _no_room(dbapi_connection: Any, _record: object) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        store.engine.dispose()  # every connection from now on is made with no room to grow
        with pytest.raises(CampaignStoreError, match="full"):
            fly_next(store, NAME)
    assert _dump(db) == before


# --- the night raid -----------------------------------------------------------------------------------------


def _to_the_raid(store: Store, captured: str | None) -> None:
    """A new campaign moved on to its night raid, with `captured` (if any) taken in a battle before it."""
    new_campaign(store, NAME)
    with store.transaction() as session:
        [campaign] = session.scalars(select(Campaign).where(Campaign.name == NAME)).all()
        recon = next(o for o in campaign.operations if o.scenario == "manhattan-recon")
        raid = next(o for o in campaign.operations if o.scenario == "night-raid")
        if captured is not None:
            pilot = next(p for p in campaign.pilots if p.name == captured)
            session.delete(session.get_one(RosterEntry, pilot.id))
            session.flush()
            pilot.status = "captured"
            session.add(LogbookEntry(pilot_id=pilot.id, operation_id=recon.id, squadron_code="slayers", sorties=1))
        campaign.next_operation = raid.sequence


def test_the_raid_goes_for_the_captured_pilot_and_writes_every_fate_back(sqlite_store: Store) -> None:
    _to_the_raid(sqlite_store, "Tara Maclay")
    result = fly_next(sqlite_store, NAME)
    assert result.secret_kept is not None and len(result.flew) == 7
    [operation] = [o for o in rows(sqlite_store, Operation) if o.scenario == "night-raid"]
    raid = json.loads(operation.summary_json)["raid"]
    assert raid["captive_name"] == "Tara Maclay"
    pilots = {p.name: p for p in rows(sqlite_store, Pilot)}
    rostered = {r.pilot_id for r in rows(sqlite_store, RosterEntry)}
    # The best of the fit go: Captain Red leads with the Webley and the first-aid kit; Spike has his Bren.
    assert raid["party"][0]["name"] == "Willow Rosenberg" and raid["party"][0]["sidearm"] == "Webley"
    assert {m["name"]: m["weapon"] for m in raid["party"]}.get("William", "Bren gun") == "Bren gun"
    for member in raid["party"]:
        pilot = pilots[member["name"]]
        if member["fate"] == "killed":
            assert pilot.status == "killed" and pilot.id not in rostered
        elif member["fate"] == "inside":
            assert pilot.status == "captured" and pilot.id not in rostered
        else:
            assert pilot.status == ("wounded" if member["wounded"] else "fit") and pilot.id in rostered
    tara = pilots["Tara Maclay"]
    expected = {"rescued": ("wounded", True), "dead": ("killed", False), "still held": ("captured", False)}
    assert (tara.status, tara.id in rostered) == expected[raid["captive"]]
    lost = [i for i in rows(sqlite_store, Intelligence) if i.kind == "lost to the enemy"]
    assert len(lost) == (0 if raid["secret_kept"] else 1)


def test_with_nobody_held_the_raid_is_not_mounted(sqlite_store: Store) -> None:
    _to_the_raid(sqlite_store, None)
    result = fly_next(sqlite_store, NAME)
    assert result.flew == () and result.secret_kept is None
    [operation] = [o for o in rows(sqlite_store, Operation) if o.scenario == "night-raid"]
    assert operation.state == "flown" and "Not mounted" in operation.report_md
