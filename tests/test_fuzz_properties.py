"""Hypothesis strategies for what a hostile user hands us: scenario TOML with any field set to anything,
replay chunks with valid checksums and any contents, and HTTP requests of any shape. The properties: the
scenario loader and the replay reader end in a value or in their one user-facing error, never in anything
else; the viewer's server answers or closes every request, prints no traceback, and goes on serving."""

from __future__ import annotations

import contextlib
import copy
import http.client
import io
import json
import math
import socket
import tomllib
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from captainred.replay.acmi import export_acmi
from captainred.replay.format import CHUNK_HEAD, END, EVNT, FILE_HEAD, FRAM, HEAD, MAGIC, ReplayError, iter_chunks
from captainred.replay.server import LiveReplay, ViewerServer, serve
from captainred.scenario import ScenarioError, resolve
from captainred.scenario.loader import load_catalog, scenario_tables

SKIRMISH = Path(__file__).parent / "scenarios" / "skirmish.toml"
BASE = tomllib.loads(SKIRMISH.read_text("utf-8"))

# ------------------------------------------------------------------------------------------ values of any kind

hostile_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, 5e-324, 1e300, -1e300, 1e15, 2.0**63, 2.0**64]),
)
hostile_ints = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 2**31, 2**63 - 1, 2**63, 2**64]))
hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "\x1b[31m", "../../x", "<script>", "1e999 km", "nan m", "5 parsecs", "-0 s"]),
)
scalars = st.one_of(st.booleans(), hostile_ints, hostile_floats, hostile_text)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value in the skirmish's tables."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


PATHS = list(_paths(BASE))
NEW_KEYS = ["raid", "bombardments", "fleet", "net", "doctrine", "enemy.airborne", "timing.idle_tick_s"]


@st.composite
def hostile_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """The skirmish with a few of its fields (or fields it lacks) set to anything at all."""
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS) | st.sampled_from(NEW_KEYS).map(lambda k: tuple(k.split("."))))
        node: Any = data
        for part in path[:-1]:
            if isinstance(node, dict) and isinstance(part, str):
                node = node.setdefault(part, {})
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                break
        else:
            if (isinstance(node, dict) and isinstance(path[-1], str)) or (
                isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node)
            ):
                node[path[-1]] = draw(values)
    return data


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"


def as_toml(data: dict[str, Any]) -> str:
    """Every top-level key as one inline value: enough to round-trip any tables tomllib reads."""
    return "".join(f"{json.dumps(key)} = {_toml(value)}\n" for key, value in data.items())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_scenarios())
@example({**BASE, "raid": {"party": [{"pilot": "x"}], "captive": "y", "start_m": [1e7, 0], "rubble_m": [0, 0]}})
@example({**BASE, "net": {"strength_t": math.inf}})
@example({**BASE, "fleet": {"\n": False}})  # a key with a line break in it: the error stays one line
@example({**BASE, "bombardments": [{"name": "b", "from_m": [0, 0], "at": "fleet", "salvos": 1, "interval_s": 1,
                                     "shells": 1, "shell_tnt_kg": 1, "shell_speed_mps": 1e-300}]})  # fmt: skip
def test_a_scenario_with_any_field_set_to_anything_loads_or_is_one_error(data: dict[str, Any]) -> None:
    raw = as_toml(data).encode("utf-8", "surrogatepass")
    try:
        tables = scenario_tables(raw, "hostile.toml")
        resolved = resolve(tables, "hostile.toml", load_catalog())
    except ScenarioError as exc:
        assert "\n" not in exc.line() and "\r" not in exc.line()
        return
    # What loads is finite throughout: nothing downstream may meet inf or NaN.
    dumped = resolved.scenario.model_dump_json()
    assert "Infinity" not in dumped and "NaN" not in dumped


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000) | st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")))
@example(b"a = " + b"[" * 1000 + b"]" * 1000)
@example(b"a" + b".a" * 5000 + b" = 1")
@example(b'x = """' + b"[" * 50)
def test_any_bytes_as_a_scenario_are_a_scenario_or_one_error(raw: bytes) -> None:
    with contextlib.suppress(ScenarioError):
        resolve(scenario_tables(raw, "bytes.toml"), "bytes.toml", load_catalog())


# ------------------------------------------------------------------------------------------------- replays


@pytest.fixture(scope="module")
def seed_chunks(tmp_path_factory: pytest.TempPathFactory, sea_skirmish, record_replay) -> list[tuple[bytes, bytes]]:
    data, _ = record_replay(sea_skirmish, 5, 10.0)
    return [(c.kind, c.raw) for c in iter_chunks(io.BytesIO(data), "seed.crr")]


def _file(chunks: list[tuple[bytes, bytes]]) -> bytes:
    out = [FILE_HEAD.pack(MAGIC, 1, 0)]
    for kind, raw in chunks:
        payload = zlib.compress(raw, 1)
        out.append(CHUNK_HEAD.pack(kind, len(payload), zlib.crc32(payload)) + payload)
    return b"".join(out)


def _set_in(node: Any, path: list[Any], value: Any) -> None:
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@st.composite
def hostile_replays(draw: st.DrawFn, chunks: list[tuple[bytes, bytes]]) -> bytes:
    """A real replay with one chunk's contents changed, written back with valid checksums: a field of the
    header or the end set to anything, an event line replaced, or a frame's bytes overwritten."""
    out = list(chunks)
    how = draw(st.sampled_from(["header", "end", "event", "frame", "kind", "drop"]))
    if how in ("header", "end"):
        k = 0 if how == "header" else len(out) - 1
        document = json.loads(out[k][1])
        paths = [list(p) for p in _paths(document)]
        _set_in(document, draw(st.sampled_from(paths)), draw(values))
        out[k] = (out[k][0], json.dumps(document, allow_nan=True).encode())
    elif how == "event":
        k = next(i for i, (kind, _) in enumerate(out) if kind == EVNT)
        lines = out[k][1].decode().splitlines()
        lines[draw(st.integers(0, len(lines) - 1))] = json.dumps(draw(values), allow_nan=True)
        out[k] = (EVNT, "".join(f"{line}\n" for line in lines).encode("utf-8", "surrogatepass"))
    elif how == "frame":
        k = next(i for i, (kind, _) in enumerate(out) if kind == FRAM)
        raw = bytearray(out[k][1])
        at = draw(st.integers(0, len(raw) - 1))
        patch = draw(st.binary(min_size=1, max_size=16))
        raw[at : at + len(patch)] = patch
        out[k] = (FRAM, bytes(raw))
    elif how == "kind":
        k = draw(st.integers(0, len(out) - 1))
        out[k] = (draw(st.sampled_from([HEAD, END, FRAM, EVNT, b"TERR", b"PRTY", b"XXXX"])), out[k][1])
    else:
        del out[draw(st.integers(0, len(out) - 1))]
    return _file(out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_replay_with_any_chunk_changed_reads_or_is_one_error(seed_chunks, data: st.DataObject) -> None:
    replay = data.draw(hostile_replays(seed_chunks))
    try:
        export_acmi(io.BytesIO(replay), "hostile.crr", io.BytesIO())
    except ReplayError as exc:
        assert "\n" not in exc.line()


# ---------------------------------------------------------------------------------------------------- HTTP


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ViewerServer]:
    folder = tmp_path_factory.mktemp("site")
    (folder / "index.html").write_text("<!doctype html><title>viewer</title>")
    replay = LiveReplay()
    replay.write(b"CRREPLAY")
    replay.close()
    server = ViewerServer(replay, "127.0.0.1", 0, folder=folder, head_deadline_s=2.0)
    serve(server)
    yield server
    server.shutdown()
    server.server_close()


token = st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=30).map(lambda t: t.encode("latin-1"))
requests = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda method, target, version, headers, end: method + b" " + target + b" " + version + b"\r\n"
        + b"".join(k + b": " + v + b"\r\n" for k, v in headers) + end,
        st.sampled_from([b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"BREW", b"get", b""]) | token,
        st.sampled_from([b"/", b"/replay.crr", b"/../etc/passwd", b"//", b"*", b"/%2e%2e/", b"http://x/"]) | token,
        st.sampled_from([b"HTTP/1.0", b"HTTP/1.1", b"HTTP/2.0", b"HTTP/9", b""]) | token,
        st.lists(st.tuples(st.sampled_from([b"Host", b"Content-Length", b"Range", b"Connection"]) | token, token),
                 max_size=6),
        st.sampled_from([b"\r\n", b"", b"\n", b"\r\n\r\n"]),
    ),
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests)
@example(request=b"\x00")  # found by this test: answered with a bare page, no status line, no headers
@example(request=b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X: y\r\n" * 200 + b"\r\n")
@example(request=b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")
def test_any_request_is_answered_or_closed_and_the_server_goes_on(live_server: ViewerServer, capfd, request: bytes):
    port = live_server.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(request)
            s.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := s.recv(65536):  # the server answers and closes, or closes at its head deadline
                answer += chunk
        except (ConnectionResetError, BrokenPipeError):
            answer = b""
    assert answer == b"" or answer.startswith(b"HTTP/"), answer[:200]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    assert conn.getresponse().status == 200
    conn.close()
    assert "Traceback" not in capfd.readouterr().err


def test_an_unknown_key_with_a_line_break_is_named_on_one_line() -> None:
    """Hypothesis found this one: a key holding a newline, which the error once printed as it was."""
    raw = as_toml({**BASE, "fleet": {"\n": False, "odd key\u2028": 1}}).encode("utf-8")
    with pytest.raises(ScenarioError) as caught:
        resolve(scenario_tables(raw, "hostile.toml"), "hostile.toml", load_catalog())
    line = caught.value.line()
    assert line.splitlines() == [line]
    assert line.startswith('hostile.toml: fleet["\\n"]: unknown field') or line.startswith(
        'hostile.toml: fleet["odd key\\u2028"]: unknown field'
    )
