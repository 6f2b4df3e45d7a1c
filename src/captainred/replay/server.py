"""The viewer's local web server: the built page, and one replay (a file, or a battle streamed live).

It serves a fixed table of paths made when it starts — the files of the built viewer (`static/`, written
by the front-end's build step in `viewer/`) and `/replay.crr` — and nothing else: a request is looked up
in that table as a string, never joined onto a folder, so no spelling of a path (`..`, encodings,
backslashes, absolute paths, links) can reach another file. It binds to 127.0.0.1 unless told otherwise,
and refuses requests whose Host is not the address it serves (a guard against DNS rebinding).

A live replay is a byte buffer the recorder appends to while the battle is fought; each client reads
it from the start and then waits for more, so a page opened late still sees the whole battle.

It survives its clients: a client has HEAD_DEADLINE_S to send a whole request head (however slowly it
trickles in) and SEND_TIMEOUT_S for each block it is sent; at most MAX_CONNECTIONS are open at once, and
when that many are open the one that has waited longest for its request is closed to make room (an idle
connection never starves a real one); the listen backlog is LISTEN_BACKLOG; and a client that resets or
times out costs one line on stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import mimetypes
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

REPLAY_PATH = "/replay.crr"
BLOCK = 1 << 16
HEAD_DEADLINE_S = 10.0  # to send the request line and headers, in all
SEND_TIMEOUT_S = 30.0  # for one block of a response to be taken
MAX_CONNECTIONS = 256
LISTEN_BACKLOG = 512
REAP_EVERY_S = 0.25
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'"
)


class ViewerNotBuilt(Exception):
    """The front-end has not been built into the package (`make viewer`)."""


class ReplaySource(Protocol):
    def blocks(self) -> Iterator[bytes]: ...

    def size(self) -> int | None: ...


class FileReplay:
    """A replay file on disk, served as it is."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def size(self) -> int | None:
        return self.path.stat().st_size

    def blocks(self) -> Iterator[bytes]:
        with self.path.open("rb") as handle:
            while block := handle.read(BLOCK):
                yield block


class LiveReplay:
    """A replay being written: a sink for `ReplayWriter` that any number of clients stream from."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._closed = False
        self._changed = threading.Condition()

    def write(self, data: bytes) -> int:
        with self._changed:
            self._buffer.extend(data)
            self._changed.notify_all()
        return len(data)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def getvalue(self) -> bytes:
        with self._changed:
            return bytes(self._buffer)

    def size(self) -> int | None:
        return None  # not known until the battle ends: the response ends when the connection closes

    def blocks(self) -> Iterator[bytes]:
        sent = 0
        while True:
            with self._changed:
                while sent == len(self._buffer) and not self._closed:
                    self._changed.wait(timeout=1.0)
                block = bytes(self._buffer[sent : sent + BLOCK])
                closed = self._closed
            if block:
                sent += len(block)
                yield block
            elif closed:
                return


def static_dir() -> Path:
    """The built viewer inside the installed package."""
    folder = Path(str(resources.files("captainred.replay").joinpath("static")))
    if not (folder / "index.html").is_file():
        raise ViewerNotBuilt(
            f"{folder}: the viewer is not built (run `make viewer`, or `npm ci && npm run build` in viewer/)"
        )
    return folder


def static_routes(folder: Path) -> dict[str, Path]:
    """Every regular file under the built viewer, by URL path; '/' is the page."""
    routes: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            routes["/" + path.relative_to(folder).as_posix()] = path
    routes["/"] = folder / "index.html"
    return routes


class _Connections:
    """The open connections, each with the moment its current request head must be in by (None: it is
    being answered). A reaper thread closes those past their deadline; `admit` makes room for a new one."""

    def __init__(self, limit: int, head_deadline_s: float) -> None:
        self.limit = limit
        self.head_deadline_s = head_deadline_s
        self._lock = threading.Lock()
        self._open: dict[socket.socket, float | None] = {}
        self._stopped = threading.Event()

    def admit(self, connection: socket.socket) -> bool:
        """Register a new connection; when full, close the one waiting longest for its request head to make
        room, or refuse this one (False) if every open connection is being answered."""
        with self._lock:
            if len(self._open) >= self.limit:
                waiting = [(deadline, c) for c, deadline in self._open.items() if deadline is not None]
                if not waiting:
                    return False
                _, oldest = min(waiting, key=lambda item: item[0])
                self._open.pop(oldest)
                _shut(oldest)
            self._open[connection] = time.monotonic() + self.head_deadline_s
        return True

    def answering(self, connection: socket.socket) -> None:
        with self._lock:
            if connection in self._open:
                self._open[connection] = None

    def waiting(self, connection: socket.socket) -> None:
        """The connection is kept alive for another request: its head has the same deadline again."""
        with self._lock:
            if connection in self._open:
                self._open[connection] = time.monotonic() + self.head_deadline_s

    def close(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.pop(connection, None)

    def count(self) -> int:
        with self._lock:
            return len(self._open)

    def reap_forever(self) -> None:
        while not self._stopped.wait(REAP_EVERY_S):
            now = time.monotonic()
            with self._lock:
                late = [c for c, deadline in self._open.items() if deadline is not None and deadline < now]
                for connection in late:
                    self._open.pop(connection)
            for connection in late:
                _shut(connection)  # its handler's read returns at once, and the handler ends quietly

    def stop(self) -> None:
        self._stopped.set()


def _shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already gone
        connection.shutdown(socket.SHUT_RDWR)


class ViewerServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self,
        source: ReplaySource,
        host: str = "127.0.0.1",
        port: int = 0,
        folder: Path | None = None,
        *,
        max_connections: int = MAX_CONNECTIONS,
        head_deadline_s: float = HEAD_DEADLINE_S,
    ):
        self.source = source
        self.routes = static_routes(folder if folder is not None else static_dir())
        self.files = {route: path.read_bytes() for route, path in self.routes.items()}
        self.connections = _Connections(max_connections, head_deadline_s)
        super().__init__((host, port), _Handler)
        self._reaper = threading.Thread(target=self.connections.reap_forever, name="viewer-reaper", daemon=True)
        self._reaper.start()

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        if not self.connections.admit(request):
            self.shutdown_request(request)  # every connection is being answered: this one is turned away
            return
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        self.connections.close(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away or was too slow: one line, no traceback. Anything else is a bug."""
        kind, error, _ = sys.exc_info()
        if isinstance(error, (ConnectionError, TimeoutError, OSError)):
            host, port = client_address if isinstance(client_address, tuple) else (client_address, "")
            print(f"viewer: client {host}:{port}: {kind.__name__ if kind else 'error'}", file=sys.stderr, flush=True)
            return
        super().handle_error(request, client_address)

    def server_close(self) -> None:
        self.connections.stop()
        super().server_close()

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), self.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def allowed_hosts(self) -> set[str]:
        host, port = str(self.server_address[0]), self.server_address[1]
        names = {host, f"[{host}]"}
        if host in ("127.0.0.1", "::1", "0.0.0.0", "::"):
            names |= {"localhost", "127.0.0.1", "[::1]"}
        return {f"{name}:{port}" for name in names} | names


class _Handler(BaseHTTPRequestHandler):
    server: ViewerServer
    server_version = "captainred-viewer"
    sys_version = ""
    timeout = SEND_TIMEOUT_S  # each read and each write; the whole request head has HEAD_DEADLINE_S

    # A request too malformed to name its version is answered in HTTP/1.0, with a status line and headers
    # (the standard library's default, HTTP/0.9, sends a bare page with neither).
    default_request_version = "HTTP/1.0"

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Every refusal the standard library makes (bad syntax, a line too long) in our own plain form."""
        self.close_connection = True
        self._refuse(HTTPStatus(code))

    def handle_one_request(self) -> None:
        self.server.connections.waiting(self.connection)
        super().handle_one_request()

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        self.server.connections.answering(self.connection)
        return parsed

    def log_message(self, format: str, *args: object) -> None:
        pass  # a viewer in a terminal should not scroll a request log over the user's prompt

    def _headers(self, status: HTTPStatus, content_type: str, length: int | None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()

    def _refuse(self, status: HTTPStatus) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self._headers(status, "text/plain; charset=utf-8", len(body))
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self) -> str | None:
        if self.headers.get("Host", "") not in self.server.allowed_hosts():
            self._refuse(HTTPStatus.FORBIDDEN)
            return None
        path = urlsplit(self.path).path if self.path.startswith("/") else None
        if path is None or (path not in self.server.files and path != REPLAY_PATH):
            self._refuse(HTTPStatus.NOT_FOUND)
            return None
        return path

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = self._route()
        if path is None:
            return
        if path == REPLAY_PATH:
            source = self.server.source
            self._headers(HTTPStatus.OK, "application/octet-stream", source.size())
            if self.command == "HEAD":
                return
            try:
                for block in source.blocks():
                    self.wfile.write(block)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the page went away
            return
        body = self.server.files[path]
        content_type = mimetypes.guess_type(self.server.routes[path].name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "text/javascript"):
            content_type += "; charset=utf-8"
        self._headers(HTTPStatus.OK, content_type, len(body))
        if self.command != "HEAD":
            self.wfile.write(body)

    def _not_allowed(self) -> None:
        self._refuse(HTTPStatus.METHOD_NOT_ALLOWED)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed


def serve(server: ViewerServer) -> threading.Thread:
    """Run the server in a background thread (for `watch`, which simulates in the foreground)."""
    thread = threading.Thread(target=server.serve_forever, name="captainred-viewer", daemon=True)
    thread.start()
    return thread
