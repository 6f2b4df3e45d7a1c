"""A campaign handled roughly: its plan changed while its next operation is being fought, and a fight
killed outright. Real processes on a real SQLite file, as a player at two terminals would."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hostile import assert_refused, captainred_bounded
from on_threads import child_env
from waiting import wait_for

NAME = "the war"


def _fighting(db: Path) -> str | None:
    connection = sqlite3.connect(db, timeout=30)
    try:
        row = connection.execute("SELECT fighting FROM campaigns").fetchone()
    finally:
        connection.close()
    return None if row is None else row[0]


def _next_in_background(db: Path) -> subprocess.Popen[str]:
    """`campaign next` started, and returned once it is fighting (its mark is in the database)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "captainred", "campaign", "next", NAME, "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )

    def fighting() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"campaign next ended before it was seen fighting: {proc.communicate()}")
        return _fighting(db) is not None

    # Asked often: the mark is seen, and the fight stopped, long before the battle could be over.
    wait_for(fighting, within_s=120, what="campaign next was never seen fighting", every_s=0.002)
    return proc


def _operations(db: Path, tmp_path: Path) -> list[dict[str, object]]:
    out = tmp_path / "war.json"
    ran = captainred_bounded("campaign", "export", NAME, "--db", db, "-o", out)
    assert ran.code == 0, ran.err
    operations: list[dict[str, object]] = json.loads(out.read_text("utf-8"))["operations"]
    return operations


def test_a_plan_changed_while_the_operation_is_fought_is_refused_and_the_flown_plan_recorded(tmp_path: Path) -> None:
    db = tmp_path / "war.db"
    assert captainred_bounded("campaign", "new", NAME, "--db", db).code == 0
    planned = captainred_bounded("campaign", "plan", NAME, "--db", db, "-s", "devils:6")
    assert planned.code == 0, planned.err
    flown_plan = _operations(db, tmp_path)[0]["orders"]

    proc = _next_in_background(db)
    # The engine may finish this battle before a second process has started, so the fight is held still
    # (stopped, as a long battle or a busy machine would keep it) while the other terminal tries its plan.
    # It is stopped within milliseconds of committing its mark, while it fights: it holds no lock on the database.
    proc.send_signal(signal.SIGSTOP)
    try:
        changed = captainred_bounded("campaign", "plan", NAME, "--db", db, "-s", "devils:4", timeout_s=120)
        proc.send_signal(signal.SIGCONT)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
            proc.kill()
    assert_refused(changed, "is being fought now", "plan the next operation once this one is recorded")
    assert proc.returncode == 0, err
    assert "6 flew" in out
    first = _operations(db, tmp_path)[0]
    assert first["state"] == "flown"
    assert first["orders"] == flown_plan, "the operation records a plan it did not fly"
    assert _fighting(db) is None


def test_a_fight_killed_outright_does_not_lock_the_campaign(tmp_path: Path) -> None:
    db = tmp_path / "war.db"
    assert captainred_bounded("campaign", "new", NAME, "--db", db).code == 0
    proc = _next_in_background(db)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert _fighting(db) is not None  # the mark stays: nothing could clear it
    # Its process is gone, so the mark is nobody's: the plan can be changed, and the operation flown.
    planned = captainred_bounded("campaign", "plan", NAME, "--db", db, "-s", "devils:5")
    assert planned.code == 0, planned.err
    flown = captainred_bounded("campaign", "next", NAME, "--db", db, timeout_s=300)
    assert flown.code == 0, flown.err
    assert "5 flew" in flown.out
    assert _fighting(db) is None


@pytest.mark.parametrize(
    ("name", "words"), [("red\x1b[31m", ("control character",)), ("x" * 5000, ("at most 200 characters",))]
)
def test_a_campaign_name_that_would_garble_a_terminal_or_a_table_is_refused(
    tmp_path: Path, name: str, words: tuple[str, ...]
) -> None:
    db = tmp_path / "war.db"
    assert_refused(captainred_bounded("campaign", "new", name, "--db", db), *words)
    assert_refused(captainred_bounded("campaign", "status", name, "--db", db), "no campaign named")
