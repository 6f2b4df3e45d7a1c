"""How quickly the viewer's server answers a real client while others misbehave: its latency for the page
(`GET /`) alone, with 200 connections held open and idle, and with 50 clients trickling their requests in a
byte every 200 ms. Everything runs on 127.0.0.1, bounded in count and in time.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_viewer_clients.py                 # 200 requests in each situation
    .venv/bin/python benchmarks/bench_viewer_clients.py --requests 500 --idle 200 --slow 50
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table

from captainred.replay.server import LiveReplay, ViewerNotBuilt, ViewerServer, serve, static_dir


def latencies_ms(port: int, requests: int) -> list[float]:
    out = []
    for _ in range(requests):
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
        conn.close()
        assert response.status == 200
        out.append((time.perf_counter() - started) * 1000)
    return out


@contextlib.contextmanager
def idle(port: int, count: int) -> Iterator[None]:
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]
    try:
        yield
    finally:
        for s in held:
            s.close()


@contextlib.contextmanager
def slow_senders(port: int, count: int, every_s: float = 0.2) -> Iterator[None]:
    """Clients that each send a request a byte at a time, opening a new connection when cut off."""
    stop = threading.Event()
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10_000

    def trickle() -> None:
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                    for byte in request:
                        if stop.wait(every_s):
                            return
                        s.send(bytes([byte]))
            except OSError:
                continue  # cut off by the server's deadline: start again

    threads = [threading.Thread(target=trickle, daemon=True) for _ in range(count)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # let them all connect and start trickling
    try:
        yield
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=5)


def row(table: Table, label: str, values: list[float]) -> None:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    table.add_row(label, f"{statistics.median(values):.2f}", f"{p95:.2f}", f"{max(values):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--idle", type=int, default=200)
    parser.add_argument("--slow", type=int, default=50)
    args = parser.parse_args()
    if not (1 <= args.requests <= 10_000 and 0 <= args.idle <= 1000 and 0 <= args.slow <= 200):
        parser.error("at most 10,000 requests, 1,000 idle connections and 200 slow senders")
    try:
        folder = static_dir()
    except ViewerNotBuilt:
        folder = Path(tempfile.mkdtemp()) / "static"
        folder.mkdir()
        (folder / "index.html").write_text("<!doctype html><title>viewer</title>")
    live = LiveReplay()
    live.close()
    server = ViewerServer(live, "127.0.0.1", 0, folder=folder)
    serve(server)
    port = server.server_address[1]
    table = Table(title=f"GET / on 127.0.0.1, {args.requests} requests each (ms)")
    for column in ("situation", "median", "p95", "max"):
        table.add_column(column, justify="right" if column != "situation" else "left")
    try:
        row(table, "alone", latencies_ms(port, args.requests))
        with idle(port, args.idle):
            row(table, f"{args.idle} idle connections", latencies_ms(port, args.requests))
        with slow_senders(port, args.slow):
            row(table, f"{args.slow} slow senders (1 byte / 200 ms)", latencies_ms(port, args.requests))
    finally:
        server.shutdown()
        server.server_close()
    Console().print(table)


if __name__ == "__main__":
    main()
