"""The viewer's server against clients that hold connections open, trickle their requests in byte by byte,
or reset: a real client is still served, the slow ones are closed, and a reset costs one line on stderr.
Everything here is on 127.0.0.1, bounded in count and in time."""

from __future__ import annotations

import contextlib
import http.client
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from captainred.replay.server import LISTEN_BACKLOG, FileReplay, ViewerServer, serve
from captainred.scenario.model import ResolvedScenario
from on_threads import child_env
from waiting import wait_for

IDLE_CONNECTIONS = 200


@pytest.fixture(scope="module")
def replay_file(sea_skirmish: ResolvedScenario, tmp_path_factory: pytest.TempPathFactory, record_replay) -> Path:
    path = tmp_path_factory.mktemp("replays") / "sea.crr"
    path.write_bytes(record_replay(sea_skirmish, 5, 5.0)[0])
    return path


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>viewer</title>")
    return folder


@contextlib.contextmanager
def running(site: Path, replay: Path, **limits: float) -> Iterator[ViewerServer]:
    server = ViewerServer(FileReplay(replay), "127.0.0.1", 0, folder=site, **limits)  # type: ignore[arg-type]
    serve(server)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def idle_connections(port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections that connect and then send nothing."""
    held: list[socket.socket] = []
    try:
        for _ in range(count):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        yield held
    finally:
        for s in held:
            s.close()


def get_page(port: int, timeout_s: float = 10.0) -> bytes:
    """What a real client does: ask for the page and read it whole."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        conn.request("GET", "/")
        response = conn.getresponse()
        assert response.status == 200
        return response.read()
    finally:
        conn.close()


def closed_by_server(s: socket.socket, deadline_s: float) -> bool:
    """Wait for the server to close `s` (EOF or reset), up to a deadline."""
    s.settimeout(0.2)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            if s.recv(4096) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


def test_the_listen_backlog_is_wide_enough_for_a_crowd(site: Path, replay_file: Path) -> None:
    with running(site, replay_file) as server:
        assert server.request_queue_size == LISTEN_BACKLOG >= 128


def test_a_real_client_is_served_while_two_hundred_connections_sit_idle(site: Path, replay_file: Path) -> None:
    with running(site, replay_file) as server:
        port = server.server_address[1]
        with idle_connections(port, IDLE_CONNECTIONS):
            for _ in range(5):
                assert b"viewer" in get_page(port)


def test_idle_connections_beyond_the_cap_make_room_for_a_real_client(site: Path, replay_file: Path) -> None:
    """With every slot held by an idle connection, a new one takes the slot of the longest idle."""
    with running(site, replay_file, max_connections=20) as server:
        port = server.server_address[1]
        with idle_connections(port, 20) as held:
            wait_for(
                lambda: server.connections.count() >= 20,
                within_s=10,
                what="the idle connections were never all admitted",
            )
            assert b"viewer" in get_page(port)
            assert closed_by_server(held[0], deadline_s=10), "the longest idle connection was kept"
        assert server.connections.count() <= 20


def test_a_client_that_trickles_its_request_is_closed_at_the_head_deadline(site: Path, replay_file: Path) -> None:
    with running(site, replay_file, head_deadline_s=1.0) as server:
        port = server.server_address[1]
        slow = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
            closed = False
            for byte in request:  # a byte, then a tenth of a second listening for the server to hang up
                try:
                    slow.send(bytes([byte]))
                except OSError:
                    closed = True
                    break
                if closed_by_server(slow, deadline_s=0.1):
                    closed = True
                    break
            closed = closed or closed_by_server(slow, deadline_s=10)
            assert closed, "a request trickled in a byte at a time was never cut off"
            assert b"viewer" in get_page(port)
        finally:
            slow.close()


def test_an_idle_connection_is_closed_at_the_head_deadline(site: Path, replay_file: Path) -> None:
    with running(site, replay_file, head_deadline_s=0.5) as server:
        with idle_connections(server.server_address[1], 3) as held:
            assert all(closed_by_server(s, deadline_s=15) for s in held)
        wait_for(lambda: not server.connections.count(), within_s=10, what="closed connections are still counted")


# ------------------------------------------------------------------------------------------- the command


def _reset(port: int, partial: bytes) -> None:
    """Connect, send part of a request, and close with a reset (SO_LINGER 0), as a crashed client does."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if partial:
        s.sendall(partial)
    s.close()


@pytest.mark.usefixtures("built_viewer")
def test_view_takes_resets_quietly_and_keeps_serving(replay_file: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "captainred", "view", str(replay_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert proc.stdout is not None
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline())
        assert found, "view printed no address"
        port = int(found.group(1))
        for partial in (b"", b"GET / HTTP/1.1\r\n", b"GET /replay.crr HTTP/1.1\r\nHost: 127.0.0.1\r\n"):
            _reset(port, partial)
        # A reset in the middle of a replay being sent.
        conn = socket.create_connection(("127.0.0.1", port), timeout=10)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        conn.sendall(f"GET /replay.crr HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        conn.recv(100)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        assert b"<html" in get_page(port).lower() or b"<!doctype" in get_page(port).lower()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, stderr = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) <= 4, stderr  # at most one line a reset
    assert all(line.startswith("viewer: client 127.0.0.1:") for line in lines), stderr
