"""The battle viewer in a real browser: Debian's Chromium driven by Playwright, against the real server and
the built page. A user loads a replay, plays, scrubs, clicks an event and an aircraft; a damaged,
truncated or too-new replay shows a clear error, never a blank page; a live battle streams in as it is
fought; the front's units stand on the ground and their day is told in the feed. Screenshots land in
out/screenshots/ for a person to look at."""

from __future__ import annotations

import re
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from captainred.replay import ReplayWriter, read_replay
from captainred.replay.browser import ChromiumMissing, launch_chromium
from captainred.replay.format import Replay
from captainred.replay.record import Recorder
from captainred.replay.server import FileReplay, LiveReplay, ReplaySource, ViewerServer, serve
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import run_battles
from conftest import hard_front_day

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("built_viewer")]

SHOTS = Path(__file__).resolve().parent.parent / "out" / "screenshots"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with sync_playwright() as p:
        try:
            browser = launch_chromium(p)
        except ChromiumMissing as exc:
            pytest.fail(str(exc))
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def skirmish_file(skirmish: ResolvedScenario, tmp_path_factory: pytest.TempPathFactory, record_replay) -> Path:
    path = tmp_path_factory.mktemp("replays") / "skirmish.crr"
    path.write_bytes(record_replay(skirmish, 3, 0.5)[0])
    return path


@pytest.fixture(scope="module")
def skirmish_replay(skirmish_file: Path) -> Replay:
    return read_replay(skirmish_file)


def start(source: ReplaySource) -> ViewerServer:
    server = ViewerServer(source)
    serve(server)
    return server


class Viewer:
    """A page of the viewer, with the page's own automation API (window.captainred) at hand."""

    def __init__(self, page: Any, errors: list[str]) -> None:
        self.page, self.errors = page, errors

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.page.evaluate("() => ({...window.captainred.state})")
        return state

    def call(self, expression: str) -> Any:
        return self.page.evaluate(f"() => window.captainred.{expression}")

    def wait(self, condition: str, timeout_ms: float = 30_000) -> None:
        self.page.wait_for_function(f"() => window.captainred && ({condition})", timeout=timeout_ms)

    def frames_drawn(self, count: int = 10) -> None:
        """Wait until the page has drawn `count` more animation frames: a condition on the page, not a time."""
        self.page.evaluate(
            "n => new Promise(done => { const next = () => (--n <= 0 ? done() : requestAnimationFrame(next));"
            " requestAnimationFrame(next); })",
            count,
        )

    def clock_s(self) -> float:
        return float(self.page.get_attribute("#clock", "data-time-s"))

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def open_viewer(chromium: Any) -> Iterator[Any]:
    servers: list[ViewerServer] = []
    contexts: list[Any] = []

    def opener(source: ReplaySource, wait_ready: bool = True) -> Viewer:
        server = start(source)
        servers.append(server)
        context = chromium.new_context(viewport={"width": 1440, "height": 900})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url)
        viewer = Viewer(page, errors)
        if wait_ready:
            viewer.wait("window.captainred.state.ready && window.captainred.state.ended")
        return viewer

    yield opener
    for context in contexts:
        context.close()
    for server in servers:
        server.shutdown()
        server.server_close()


def first_airborne_s(replay: Replay, craft: int) -> float:
    column = replay.craft_index[craft]
    return next(f.time_s for f in replay.frames if f["status"][column] == 1)


# ----------------------------------------------------------------------------------------------- playing


def test_the_page_loads_the_whole_replay_and_opens_where_the_flying_starts(open_viewer, skirmish_file, skirmish_replay):
    viewer = open_viewer(FileReplay(skirmish_file))
    state = viewer.state()
    assert state["error"] is None and not state["live"]
    assert state["frames"] == len(skirmish_replay.frames)
    assert state["events"] == len(skirmish_replay.event_lines)
    assert state["craft"] == len(skirmish_replay.header["craft"])
    assert state["end_s"] == pytest.approx(skirmish_replay.frames[-1].time_s, abs=1e-3)
    assert not state["playing"]
    # Opened at the first frame where anything flies, not at the start of the approach.
    start_s = min(first_airborne_s(skirmish_replay, c["id"]) for c in skirmish_replay.header["craft"])
    assert viewer.clock_s() == pytest.approx(start_s, abs=1.0)
    assert viewer.page.inner_text("#status").strip().lower() == "ready"
    viewer.shot("viewer-opened")
    assert viewer.errors == []


def test_play_runs_the_clock_at_the_chosen_speed_and_pause_stops_it(open_viewer, skirmish_file):
    viewer = open_viewer(FileReplay(skirmish_file))
    viewer.page.select_option("#speed", "100")
    assert viewer.state()["speed"] == 100
    before = viewer.clock_s()
    viewer.page.click("#play")
    viewer.wait("window.captainred.state.time_s > %f" % (before + 30.0))
    viewer.page.click("#play")
    paused_at = viewer.clock_s()
    assert not viewer.state()["playing"]
    # Playing, the clock moves on every drawn frame; paused, it stays put however many the page draws.
    viewer.frames_drawn(30)
    assert viewer.clock_s() == pytest.approx(paused_at, abs=1e-6)
    viewer.shot("viewer-playing")


def test_dragging_the_scrubber_moves_the_clock(open_viewer, skirmish_file):
    viewer = open_viewer(FileReplay(skirmish_file))
    state = viewer.state()
    box = viewer.page.locator("#scrubber").bounding_box()
    viewer.page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    expected = state["start_s"] + 0.75 * (state["end_s"] - state["start_s"])
    assert viewer.clock_s() == pytest.approx(expected, rel=0.05)
    assert viewer.state()["time_s"] == pytest.approx(viewer.clock_s(), abs=1e-3)


def test_the_radio_feed_follows_the_clock_and_a_click_jumps_to_its_moment(open_viewer, skirmish_file, skirmish_replay):
    viewer = open_viewer(FileReplay(skirmish_file))
    viewer.call(f"setTime({skirmish_replay.frames[-1].time_s})")
    # The feed catches up with the clock on the next drawn frame.
    viewer.page.wait_for_function("() => document.querySelectorAll('#feed li.event[data-kind=\"radio\"]').length > 5")
    radio = viewer.page.locator("#feed li.event[data-kind='radio']:visible").nth(2)
    moment = float(radio.get_attribute("data-time-s"))
    actor = int(radio.get_attribute("data-actor"))
    radio.click()
    assert viewer.clock_s() == pytest.approx(moment, abs=0.01)
    assert viewer.state()["selected"] == actor
    # Following the clock: nothing later than now is shown, once the page has drawn the new moment (the
    # feed follows on the next drawn frame, which a loaded machine may take a while to reach).
    viewer.page.wait_for_function(
        "m => [...document.querySelectorAll('#feed li.event')].filter(i => i.offsetParent !== null)"
        ".every(i => +i.dataset.timeS <= m + 1e-6)",
        arg=moment,
    )
    shown = [
        float(t)
        for t in viewer.page.locator("#feed li.event:visible").evaluate_all("items => items.map(i => i.dataset.timeS)")
    ]
    assert shown and max(shown) <= moment + 1e-6
    viewer.shot("viewer-feed")


def test_clicking_an_aircraft_shows_its_pilot_fuel_weapons_and_subsystems(open_viewer, skirmish_file, skirmish_replay):
    viewer = open_viewer(FileReplay(skirmish_file))
    devil_one = 0
    column = skirmish_replay.craft_index[devil_one]
    frame = next(f for f in skirmish_replay.frames if f["status"][column] == 1 and f["z_m"][column] > 300)
    viewer.call(f"setTime({frame.time_s})")
    viewer.wait(f"Math.abs(window.captainred.state.time_s - {frame.time_s}) < 1e-6")
    viewer.frames_drawn(2)
    x, y = viewer.call(f"screenPosition({devil_one})")
    viewer.page.mouse.click(x, y)
    viewer.wait("window.captainred.state.selected !== null")
    # In formation her wingmen may be under the same pixels: whoever was picked is drawn where we clicked.
    picked = viewer.state()["selected"]
    px, py = viewer.call(f"screenPosition({picked})")
    assert abs(px - x) < 15 and abs(py - y) < 15
    viewer.call(f"select({devil_one})")
    expect(viewer.page.locator("#details")).to_contain_text("Willow Rosenberg")
    details = viewer.page.inner_text("#details")
    for expected in ("Willow Rosenberg", "Captain Red", "Devil one", "Devils", "Guardian"):
        assert expected in details
    assert f"{round(float(frame['fuel_kg'][column])):,}".replace(",", "") in details.replace(",", "")
    assert viewer.page.locator("#details tr[data-subsystem]").count() == len(skirmish_replay.header["subsystems"])
    assert "%" in viewer.page.inner_text("#details tr[data-subsystem='engine_port']")
    viewer.shot("viewer-selected")


def test_following_an_aircraft_keeps_it_in_the_middle_of_the_map(open_viewer, skirmish_file, skirmish_replay):
    viewer = open_viewer(FileReplay(skirmish_file))
    viewer.call(f"setTime({first_airborne_s(skirmish_replay, 0) + 60})")
    viewer.call("select(0)")
    viewer.page.check("#follow")
    viewer.page.select_option("#speed", "10")
    flying_from_s = viewer.state()["time_s"]
    viewer.call("play()")
    viewer.wait(f"window.captainred.state.time_s > {flying_from_s + 15.0}")  # she has flown on a while
    viewer.call("pause()")
    viewer.frames_drawn(5)  # the map, following her, has caught up with where she is
    x, y = viewer.call("screenPosition(0)")
    box = viewer.page.locator("#map").bounding_box()
    assert abs(x - (box["x"] + box["width"] / 2)) < box["width"] * 0.1
    assert abs(y - (box["y"] + box["height"] / 2)) < box["height"] * 0.1


def test_the_3d_view_shows_the_towers_and_altitude(open_viewer, skirmish_file, skirmish_replay):
    viewer = open_viewer(FileReplay(skirmish_file))
    viewer.call(f"setTime({first_airborne_s(skirmish_replay, 4) + 30})")
    viewer.page.click("#view3d")
    viewer.wait("window.captainred.state.view === '3d' && window.captainred.state.visible > 0")
    assert viewer.state()["visible"] > 0
    viewer.shot("viewer-3d")
    assert viewer.errors == []


# -------------------------------------------------------------------------------------------- refusing


def page_error(viewer: Viewer) -> str:
    viewer.wait("window.captainred.state.error")
    assert viewer.page.locator("#error").is_visible()
    text: str = viewer.page.inner_text("#error")
    assert text.strip() == str(viewer.state()["error"]).strip() or str(viewer.state()["error"]) in text
    return text


def test_a_corrupt_replay_shows_an_error_not_a_blank_page(open_viewer, skirmish_file, tmp_path):
    data = bytearray(skirmish_file.read_bytes())
    data[len(data) // 2] ^= 0x10
    bad = tmp_path / "bad.crr"
    bad.write_bytes(bytes(data))
    viewer = open_viewer(FileReplay(bad), wait_ready=False)
    text = page_error(viewer).lower()
    assert re.search(r"checksum|crc", text) and re.search(r"corrupt|damaged", text)
    viewer.shot("viewer-corrupt")


def test_a_replay_that_stops_short_is_reported_truncated(open_viewer, skirmish_file):
    live = LiveReplay()
    live.write(skirmish_file.read_bytes()[:-40])
    live.close()
    viewer = open_viewer(live, wait_ready=False)
    assert "truncated" in page_error(viewer).lower()


def test_a_replay_from_a_newer_version_is_refused_naming_both(open_viewer, skirmish_file, tmp_path):
    data = bytearray(skirmish_file.read_bytes())
    struct.pack_into("<H", data, 8, 2)
    newer = tmp_path / "newer.crr"
    newer.write_bytes(bytes(data))
    viewer = open_viewer(FileReplay(newer), wait_ready=False)
    text = page_error(viewer)
    assert "2" in text and "1" in text and "version" in text.lower()


# ------------------------------------------------------------------------------------------------- live


def test_a_battle_streams_into_the_page_as_it_is_fought(open_viewer, sea_skirmish: ResolvedScenario):
    live = LiveReplay()
    release = threading.Event()

    class Gate:
        """Holds the battle after its opening frames until the page has shown them as live."""

        def __init__(self) -> None:
            self.recorder = Recorder(ReplayWriter(live), 2.0)

        def __call__(self, sim: Any) -> None:
            self.recorder(sim)
            if sim.steps == 40:
                release.wait(timeout=30)

    def fight() -> None:
        run_battles(sea_skirmish, [5], Gate())
        live.close()

    threading.Thread(target=fight, daemon=True).start()
    viewer = open_viewer(live, wait_ready=False)
    viewer.wait("window.captainred.state.ready")
    state = viewer.state()
    assert state["live"] and not state["ended"]
    assert viewer.page.inner_text("#status").strip().lower() == "live"
    frames_while_live = state["frames"]
    release.set()
    viewer.wait("window.captainred.state.ended", timeout_ms=60_000)
    assert viewer.state()["frames"] > frames_while_live
    assert viewer.state()["error"] is None


# --------------------------------------------------------------------------------------------- the raid


@pytest.fixture(scope="module")
def raid_file(tmp_path_factory: pytest.TempPathFactory, record_replay) -> Path:
    """The night raid, a night on which the party gets in, finds the captive and comes out (seed 8)."""
    from captainred.scenario import load_scenario

    path = tmp_path_factory.mktemp("replays") / "raid.crr"
    path.write_bytes(record_replay(load_scenario("night-raid"), 8, 2.0)[0])
    return path


def test_the_raid_shows_the_party_in_the_ruins_and_the_ship_inside_once_they_are_through(open_viewer, raid_file):
    replay = read_replay(raid_file)
    members = [m["name"] for m in replay.header["party"]["members"]]
    events = [(e[1], e[2], e[6]) for e in replay.events()]
    first_in = min(t for t, kind, d in events if kind == "through_breach" and d["way"] == "in")
    found = min(t for t, kind, _ in events if kind == "captive_found")
    viewer = open_viewer(FileReplay(raid_file))
    # On the march: every one of the party on the map, the interior hidden.
    viewer.call("setTime(1200)")
    viewer.wait("window.captainred.party() && window.captainred.party().phase === 'approach'")
    party = viewer.page.evaluate("() => window.captainred.party()")
    assert [m["name"] for m in party["members"]] == members and party["alive"] == 7 and party["inside"] == 0
    assert viewer.page.locator("#interior").is_hidden()
    route = replay.header["party"]["route_m"]
    leader = party["members"][0]
    assert min(abs(leader["x"] - x) + abs(leader["y"] - y) for x, y in route) < 60  # on the route
    viewer.shot("raid-approach")
    # Inside: the corridor panel, the members inside by name, the captive still held.
    viewer.call(f"setTime({first_in + 60})")
    viewer.wait("!document.getElementById('interior').hidden")
    inside = viewer.page.evaluate("() => window.captainred.party()")
    assert inside["inside"] >= 1 and inside["captiveHeld"]
    text = viewer.page.inner_text("#interior")
    assert "Inside the mother ship" in text and "held in a cold cell" in text
    assert all(m["name"] in text for m in inside["members"] if m["alive"] and m["inside"])
    viewer.shot("raid-inside")
    # Past the cell: she is freed.
    viewer.call(f"setTime({found + 5})")
    viewer.wait("window.captainred.party() && !window.captainred.party().captiveHeld")
    # The panel follows on the next drawn frame.
    viewer.page.wait_for_function("() => document.getElementById('interior').textContent.includes('freed')")
    assert viewer.errors == []


# -------------------------------------------------------------------------------------------- the front

# The page's own GPU picking, restricted to the front's markers: the name of the unit drawn under a page pixel.
PICK_GROUND = """([x, y]) => {
  const r = document.getElementById('map').getBoundingClientRect();
  const hit = window.captainred._deck.pickObject({x: x - r.left, y: y - r.top, radius: 3, layerIds: ['front-units']});
  return hit && hit.object ? hit.object.name : null;
}"""


@pytest.fixture(scope="module")
def front_file(tmp_path_factory: pytest.TempPathFactory, record_replay) -> Path:
    """A quarter of an hour of front-small with its units made weak (catalog overrides, as `run --set` gives
    them): the swarm pounds every position into dust and the front breaks before the end."""
    hard_day = hard_front_day()
    path = tmp_path_factory.mktemp("replays") / "front.crr"
    path.write_bytes(record_replay(hard_day, 1, 2.0)[0])
    return path


def test_the_front_is_drawn_on_the_ground_and_its_day_told_in_the_feed(open_viewer, front_file):
    replay = read_replay(front_file)
    front = replay.header["front"]
    units, base = front["units"], front["actor_base"]
    events = list(replay.events())
    first_lost_s = min(e[1] for e in events if e[2] == "position_lost")
    viewer = open_viewer(FileReplay(front_file))
    # Before anything is lost: every unit drawn where it stands, each found by the page's own picking under
    # the pixel it is drawn at, in the plan view and in 3-D.
    viewer.call(f"setTime({first_lost_s - 20})")
    viewer.wait(f"window.captainred.state.ground === {len(units)} && window.captainred.front().frame >= 0")
    now = viewer.call("front()")
    assert [u["name"] for u in now["units"]] == [u["name"] for u in units]
    assert now["positionsLost"] == 0 and not now["broken"]
    for view in ("2d", "3d"):
        viewer.call(f"setView('{view}')")
        viewer.frames_drawn(3)
        for k, unit in enumerate(units):
            x, y = viewer.call(f"screenPosition({base + k})")
            assert viewer.page.evaluate(PICK_GROUND, [x, y]) == unit["name"], f"{unit['name']} in {view}"
    viewer.shot("front-standing-3d")
    viewer.call("setView('2d')")
    # At the end: the lost positions and silenced batteries marked lost (still drawn, dimmed), the front broken,
    # and the day's story in the feed.
    viewer.call(f"setTime({replay.end['sim_seconds']})")
    viewer.wait("window.captainred.front().broken")
    after = viewer.call("front()")
    lost = {e[3] - base for e in events if e[2] in ("position_lost", "battery_silenced")}
    assert {k for k, u in enumerate(after["units"]) if u["lost"]} == lost
    assert viewer.state()["ground"] == len(units)
    viewer.page.wait_for_function("() => document.querySelector('#feed li.event[data-kind=\"front_broken\"]')")

    def lines(kind: str) -> list[str]:
        """The feed's lines of one kind of event, without their clock."""
        texts = viewer.page.locator(f"#feed li.event[data-kind='{kind}']").all_inner_texts()
        return [re.sub(r"^\d\d:\d\d:\d\d\s*", "", text).strip() for text in texts]

    def told(kind: str) -> list[dict[str, Any]]:
        return [e[6] for e in events if e[2] == kind]

    broke = told("front_broken")[0]
    assert lines("front_broken") == [
        f"the front BROKEN: {broke['positions_lost']} of {broke['positions']} positions lost"
    ]
    assert lines("position_lost") == [f"{d['unit']} LOST: pounded into dust" for d in told("position_lost")]
    silenced = told("battery_silenced")
    assert [line.split(",")[0] for line in lines("battery_silenced")] == [
        f"{d['unit']} {'SILENCED: destroyed' if d['reason'] == 'destroyed' else 'silenced: out of shells'}"
        for d in silenced
    ]
    assert lines("swarm_wave")[0] == "mother ship wave 1 of the swarm leaves for the front: 60 LGFs"
    by_flak = [e for e in events if e[2] == "destroyed" and e[6].get("cause") == "anti-aircraft fire"]
    assert sum("brought down by anti-aircraft fire from battery" in line for line in lines("destroyed")) == len(by_flak)
    viewer.shot("front-broken")
    assert viewer.errors == []


def test_names_in_a_replay_are_drawn_as_text_never_as_markup(open_viewer, skirmish_file, tmp_path):
    """A replay whose names and colour carry markup (its checksums valid): the legend and the selection
    panel show the names as written, the colour is not used, and no element of theirs reaches the page."""
    import json
    import zlib

    from captainred.replay.format import CHUNK_HEAD, FILE_HEAD, HEAD, iter_chunks

    with skirmish_file.open("rb") as stream:
        chunks = [(c.kind, c.raw) for c in iter_chunks(stream, str(skirmish_file))]
    header = json.loads(chunks[0][1])
    header["squadrons"][0]["name"] = '<img src="x" id="injected-squadron">Devils'
    header["craft"][0]["callsign"] = '<b id="injected-callsign">Devil one</b>'
    header["craft"][0]["pilot"] = '<svg id="injected-pilot"></svg>Willow'
    header["squadrons"][0]["colour"] = '#fff"><img src="x" id="injected-colour">'
    chunks[0] = (HEAD, json.dumps(header).encode())
    out = [FILE_HEAD.pack(b"CRREPLAY", 1, 0)]
    for kind, raw in chunks:
        payload = zlib.compress(raw)
        out.append(CHUNK_HEAD.pack(kind, len(payload), zlib.crc32(payload)) + payload)
    path = tmp_path / "markup.crr"
    path.write_bytes(b"".join(out))
    # `captainred view` refuses that colour before serving; the page must hold even when served it directly.
    viewer = open_viewer(FileReplay(path))
    viewer.call("select(0)")
    viewer.wait("window.captainred.state.selected === 0")
    viewer.page.wait_for_function("() => document.querySelector('#details .callsign') !== null")
    assert viewer.page.locator("[id^=injected]").count() == 0
    assert '<img src="x" id="injected-squadron">Devils' in viewer.page.inner_text("#legend")
    assert '<b id="injected-callsign">Devil one</b>' in viewer.page.inner_text("#details")
    assert not viewer.errors
