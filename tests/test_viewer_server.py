"""The viewer's server: it serves the page's own files and the one replay, nothing else, to this machine,
whatever the request; a live replay streams to every client from the start; and `captainred view`,
`watch` and `export` behave as a user types them (a bad replay: one line, exit status 2)."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from as_typed import captainred, one_error_line
from captainred.replay import FORMAT_VERSION
from captainred.replay.server import REPLAY_PATH, FileReplay, LiveReplay, ViewerServer, serve
from captainred.scenario.model import ResolvedScenario
from on_threads import child_env
from waiting import wait_for

SECRET = "the-fleet-sails-at-dawn"
SKIRMISH = Path(__file__).parent / "scenarios" / "skirmish.toml"


@pytest.fixture(scope="module")
def sea_replay_file(sea_skirmish: ResolvedScenario, tmp_path_factory: pytest.TempPathFactory, record_replay) -> Path:
    path = tmp_path_factory.mktemp("replays") / "sea.crr"
    path.write_bytes(record_replay(sea_skirmish, 5, 2.0)[0])
    return path


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A stand-in for the built page, with a secret beside it that must never be served."""
    folder = tmp_path / "site" / "static"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><title>viewer</title>")
    (folder / "assets" / "app.js").write_text("console.log('viewer')")
    (tmp_path / "site" / "secret.txt").write_text(SECRET)
    (folder / "assets" / "link.txt").symlink_to(tmp_path / "site" / "secret.txt")
    return folder


@pytest.fixture
def server(site: Path, sea_replay_file: Path) -> Iterator[ViewerServer]:
    srv = ViewerServer(FileReplay(sea_replay_file), "127.0.0.1", 0, folder=site)
    serve(srv)
    yield srv
    srv.shutdown()
    srv.server_close()


def raw_get(srv: ViewerServer, target: str, host: str | None = None, method: str = "GET") -> tuple[int, bytes]:
    """Send the request line exactly as given (no client-side normalisation of the path)."""
    port = srv.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: {host or f'127.0.0.1:{port}'}\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_the_page_its_assets_and_the_replay_are_served(server: ViewerServer, sea_replay_file: Path):
    assert raw_get(server, "/") == (200, b"<!doctype html><title>viewer</title>")
    assert raw_get(server, "/assets/app.js")[0] == 200
    assert raw_get(server, "/index.html?x=1")[0] == 200
    assert raw_get(server, REPLAY_PATH) == (200, sea_replay_file.read_bytes())


@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..\\secret.txt",
        "/assets\\..\\..\\secret.txt",
        "//secret.txt",
        "/assets/link.txt",
        "/assets/",
        "/assets",
        "/static/index.html",
        "/etc/passwd",
        "/proc/self/environ",
        "/%00",
        "/index.html%00.js",
        "http://127.0.0.1/../secret.txt",
        "secret.txt",
        "*",
        "/replay.crr/../secret.txt",
        "/" + "../" * 20 + "etc/passwd",
    ],
)
def test_no_path_reaches_outside_the_viewer(server: ViewerServer, target: str):
    status, body = raw_get(server, target)
    assert status in (400, 404)
    assert SECRET.encode() not in body and b"root:" not in body


def test_a_request_for_another_host_is_refused(server: ViewerServer):
    """A page on some other site that rebinds its name to 127.0.0.1 cannot read the replay."""
    assert raw_get(server, REPLAY_PATH, host="evil.example:80")[0] == 403
    assert raw_get(server, "/", host=f"localhost:{server.server_address[1]}")[0] == 200


def test_only_reading_is_allowed(server: ViewerServer):
    for method in ("POST", "PUT", "DELETE"):
        assert raw_get(server, "/", method=method)[0] == 405


def test_the_server_listens_only_on_this_machine_by_default(site: Path, sea_replay_file: Path):
    srv = ViewerServer(FileReplay(sea_replay_file), folder=site)
    try:
        assert srv.server_address[0] == "127.0.0.1"
        assert srv.url.startswith("http://127.0.0.1:")
    finally:
        srv.server_close()


def test_a_live_replay_streams_to_a_client_as_it_is_written(site: Path):
    live = LiveReplay()
    srv = ViewerServer(live, folder=site)
    serve(srv)
    try:
        live.write(b"first ")
        conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=10)
        conn.request("GET", REPLAY_PATH)
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("Content-Length") is None
        assert response.read1(100) == b"first "
        threading.Timer(0.2, lambda: (live.write(b"second"), live.close())).start()
        rest = response.read()
        assert rest == b"second"
        # A client that comes late reads the whole of it.
        late = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=10)
        late.request("GET", REPLAY_PATH)
        assert late.getresponse().read() == b"first second"
    finally:
        srv.shutdown()
        srv.server_close()


# ----------------------------------------------------------------------------------------- the commands


def test_view_refuses_a_corrupt_replay_in_one_line(sea_replay_file: Path, tmp_path: Path):
    data = bytearray(sea_replay_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.crr"
    bad.write_bytes(bytes(data))
    assert re.fullmatch(
        r"error: .*bad\.crr: chunk \d+ at byte \d+: corrupt: .*", one_error_line(captainred("view", bad))
    )


def test_view_refuses_a_replay_from_a_newer_version_naming_both(sea_replay_file: Path, tmp_path: Path):
    data = bytearray(sea_replay_file.read_bytes())
    struct.pack_into("<H", data, 8, 7)
    newer = tmp_path / "newer.crr"
    newer.write_bytes(bytes(data))
    line = one_error_line(captainred("view", newer))
    assert f"replay format version 7 is newer than this captainred reads ({FORMAT_VERSION})" in line


def test_view_refuses_a_truncated_replay_and_a_missing_one(sea_replay_file: Path, tmp_path: Path):
    cut = tmp_path / "cut.crr"
    cut.write_bytes(sea_replay_file.read_bytes()[:-5])
    assert "truncated" in one_error_line(captainred("view", cut))
    assert "cannot read" in one_error_line(captainred("view", tmp_path / "nowhere.crr"))
    assert "--port" in one_error_line(captainred("view", sea_replay_file, "--port", "70000"))


def test_export_writes_acmi_beside_the_replay_and_refuses_unknown_formats(sea_replay_file: Path, tmp_path: Path):
    replay = tmp_path / "battle.crr"
    replay.write_bytes(sea_replay_file.read_bytes())
    ran = captainred("export", replay, "--format", "acmi")
    assert ran.returncode == 0, ran.stderr
    text = (tmp_path / "battle.acmi").read_text("utf-8")
    assert text.startswith("FileType=text/acmi/tacview\nFileVersion=2.2\n")
    assert "--format: unknown format 'kml' (known: acmi)" in one_error_line(
        captainred("export", replay, "--format", "kml")
    )
    cut = tmp_path / "cut.crr"
    cut.write_bytes(replay.read_bytes()[:-5])
    one_error_line(captainred("export", cut, "-o", tmp_path / "cut.acmi"))
    assert not (tmp_path / "cut.acmi").exists()  # nothing half-written
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_run_replay_records_one_battle_and_refuses_runs(tmp_path: Path):
    out = tmp_path / "skirmish.crr"
    ran = captainred(
        "run", SKIRMISH, "--seed", "3", "--replay", out, "--replay-every", "1", "-q", "--json", tmp_path / "s.json"
    )
    assert ran.returncode == 0, ran.stderr
    assert out.read_bytes().startswith(b"CRREPLAY")
    assert "--replay: records one battle" in one_error_line(captainred("run", SKIRMISH, "--runs", "2", "--replay", out))
    assert "--replay-every" in one_error_line(captainred("run", SKIRMISH, "--replay", out, "--replay-every", "0"))
    assert "the same file as --json" in one_error_line(captainred("run", SKIRMISH, "--replay", out, "--json", out))


def _start(*args: str | Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "captainred", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not found:
        proc.kill()
        raise AssertionError(f"no address in {line!r}; stderr: {proc.stderr.read() if proc.stderr else ''}")
    return proc, found.group(1)


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.usefixtures("built_viewer")
def test_view_prints_its_address_serves_the_replay_and_stops_on_ctrl_c(sea_replay_file: Path):
    proc, port = _start("view", sea_replay_file)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
        conn.request("GET", REPLAY_PATH)
        assert conn.getresponse().read() == sea_replay_file.read_bytes()
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
        conn.request("GET", "/")
        assert b"<html" in conn.getresponse().read().lower()
    finally:
        assert _stop(proc) == 0


@pytest.mark.usefixtures("built_viewer")
def test_watch_streams_the_battle_as_it_is_fought_and_keeps_the_replay(tmp_path: Path):
    kept = tmp_path / "watched.crr"
    proc, port = _start("watch", SKIRMISH, "--seed", "3", "--replay", kept, "--replay-every", "2")
    try:
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
        conn.request("GET", REPLAY_PATH)
        streamed = conn.getresponse().read()  # ends when the battle does
        wait_for(kept.exists, within_s=30, what="the watched battle's replay was never kept")
        assert streamed.startswith(b"CRREPLAY") and streamed == kept.read_bytes()
    finally:
        assert _stop(proc) == 0
    assert os.path.getsize(kept) > 0
