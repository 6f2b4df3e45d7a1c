"""How smoothly the browser viewer plays a real battle of thousands: frames per second in the plan and the
3-D views while it plays `the-front` (5,324 craft, waves of LGFs over the army's line), in Debian's headless
Chromium (software WebGL), over the real server and the built page.

Run by hand (`make bench` runs it too; not part of the test suite):

    .venv/bin/python benchmarks/bench_viewer.py                          # records the-front (~1.5 min), then measures
    .venv/bin/python benchmarks/bench_viewer.py --replay /tmp/front.crr  # plays that file (records it there if missing)
    .venv/bin/python benchmarks/bench_viewer.py --replay /tmp/front.crr --static OTHER/static  # another build
    .venv/bin/python benchmarks/bench_viewer.py --quick                  # smoke check: small front, 500 synthetic

The battle is `captainred run the-front --seed 1 --replay PATH` (the default sample every 0.5 s), recorded
here unless `--replay` names a file that exists. It is played at 1x from just before the moment the most
aircraft are in the air (found by reading the file), so the seconds counted are its busiest; frames are
counted with the browser's own animation-frame clock (not the page's meter), per second, and the median
is reported beside the page's own figure, with the aircraft drawn and those inside the map on screen.

Beside it, as an anchor to earlier figures, the synthetic replay the benchmark used to play alone: 10,000
aircraft all airborne over Manhattan for a minute, circling at their own radius, speed and altitude
(`--synthetic N ...` to choose counts, `--synthetic` alone for none; --quick plays 500, enough for the
page to draw them on the CPU, as it does with the front's thousands).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from captainred.engine.setup import build_world
from captainred.replay.browser import ChromiumMissing, launch_chromium
from captainred.replay.format import Frame, ReplayWriter, iter_replay
from captainred.replay.record import Recorder, replay_header
from captainred.replay.server import FileReplay, LiveReplay, ReplaySource, ViewerServer, serve
from captainred.scenario import load_scenario
from captainred.scenario.loader import resolve
from captainred.simulation import run_battles

SCENARIOS = Path(__file__).resolve().parent.parent / "tests" / "scenarios"
SKIRMISH = SCENARIOS / "skirmish.toml"
PARK_CENTRE_M = (0.0, 10_300.0)
WARM_UP_MS = 2_000  # shaders compiled, buffers sized, the city's detail chosen
# Frames counted at the least, however long they take: a page on a loaded machine may draw one frame in more than
# the counted seconds, and one frame has no interval to measure.
MIN_FRAMES = 3


def record_battle(path: Path, quick: bool, console: Console) -> None:
    """Fight the battle the benchmark plays and record it to `path`: `the-front`, seed 1, or for --quick the
    small front of the tests for five minutes (its first wave out at one minute)."""
    if quick:
        data = tomllib.loads((SCENARIOS / "front-small.toml").read_text("utf-8"))
        data["timing"]["duration_s"] = "5 min"
        data["enemy"]["waves"]["first_s"] = "1 min"
        resolved = resolve(data, source="bench-viewer-quick")
    else:
        resolved = load_scenario("the-front")
    started = time.perf_counter()
    with path.open("wb") as sink:
        run_battles(resolved, [1], Recorder(ReplayWriter(sink), 0.5))
    console.log(
        f"recorded {resolved.scenario.name}, seed 1: {path.stat().st_size / 1e6:.0f} MB in "
        f"{time.perf_counter() - started:.0f} s"
    )


def busiest_moment(path: Path) -> tuple[float, int, list[int], str]:
    """The replay's sample with the most aircraft airborne: (its time in s, how many), every craft id, and
    the scenario's name; read as a stream, one chunk at a time."""
    best_t, best_n, ids, name = 0.0, -1, [], ""
    with path.open("rb") as stream:
        for kind, value in iter_replay(stream, str(path)):
            if kind == "head":
                airborne = value["statuses"].index("airborne")
                ids = [int(c["id"]) for c in value["craft"]]
                name = str(value.get("scenario", ""))
            elif kind == "frame":
                n = int(np.count_nonzero(value["status"] == airborne))
                if n > best_n:
                    best_t, best_n = value.time_s, n
    return best_t, best_n, ids, name


def synthetic_replay(n_craft: int, seconds: float = 60.0, every_s: float = 0.5, seed: int = 1) -> bytes:
    """A minute of `n_craft` aircraft circling over Manhattan, as a replay file's bytes."""
    world = build_world(load_scenario(SKIRMISH), [1])
    header = replay_header(world, 0, every_s)
    rng = np.random.default_rng(seed)  # a benchmark's own generator, not the simulation's
    ours = n_craft // 5
    header["craft"] = [
        {
            "id": i,
            "side": "air_command" if i < ours else "lgf",
            "squadron": 0 if i < ours else -1,
            "type": "Guardian" if i < ours else "LGF",
            "callsign": f"Devil {i + 1}" if i < ours else f"LGF-{i + 1 - ours}",
            "pilot": f"Pilot {i + 1}" if i < ours else None,
            "nickname": None,
            "photo": False,
            "carrier": "Odysseus" if i < ours else None,
        }
        for i in range(n_craft)
    ]
    radius = rng.uniform(300.0, 6_000.0, n_craft)
    speed = rng.uniform(80.0, 220.0, n_craft)
    phase = rng.uniform(0.0, 2 * math.pi, n_craft)
    sense = np.where(rng.random(n_craft) < 0.5, 1.0, -1.0)
    altitude = rng.uniform(100.0, 3_000.0, n_craft)
    sink = io.BytesIO()
    writer = ReplayWriter(sink, level=1)
    writer.head(header, np.ceil(world.theatre.heights_m).astype(np.uint16))
    n_frames = int(seconds / every_s) + 1
    for k in range(n_frames):
        t = k * every_s
        angle = phase + sense * speed / radius * t
        x = PARK_CENTRE_M[0] + radius * np.cos(angle)
        y = PARK_CENTRE_M[1] + radius * np.sin(angle)
        # Velocity is sense * (-sin, cos) of the angle round the circle; a compass bearing is atan2(east, north).
        heading = np.mod(np.arctan2(-sense * np.sin(angle), sense * np.cos(angle)), 2 * math.pi)
        if k % 10 == 5:
            caller = int(rng.integers(0, max(ours, 1)))
            line = [
                k,
                round(t, 3),
                "radio",
                caller,
                -1,
                [0.0, 0.0, 0.0],
                {"callsign": f"Devil {caller + 1}", "cut": False, "text": f"Devil {caller + 1}, in the swarm."},
            ]
            writer.event_lines([json.dumps(line, sort_keys=True, separators=(",", ":"))])
        columns = {
            "x_m": x,
            "y_m": y,
            "z_m": altitude + 50.0 * np.sin(t / 10.0 + phase),
            "heading_rad": heading,
            "speed_mps": speed,
            "fuel_kg": np.full(n_craft, 900.0 - t),
            "rounds": np.full(n_craft, 400),
            "rockets": np.full(n_craft, 4),
            "photos": np.zeros(n_craft),
            "kills": np.zeros(n_craft),
            "status": np.ones(n_craft),
            "mode": np.full(n_craft, 3),
            "state": np.zeros(n_craft),
            "health": np.full((n_craft, 10), 255),
        }
        writer.frame(Frame(t, columns, world.carrier_xy[0].astype(np.float32), 0.0, False, False))
    writer.end(seconds, "benchmark")
    return sink.getvalue()


COUNT_FRAMES = """([ms, atLeast]) => new Promise(resolve => {
  const stamps = [];
  const first = performance.now();
  function tick(now) {
    stamps.push(now);
    if (now - first < ms || stamps.length < atLeast) requestAnimationFrame(tick); else resolve(stamps);
  }
  requestAnimationFrame(tick);
})"""

# How many of the given craft are drawn inside the map now (the page's own screenPosition, paused).
ON_SCREEN = """(ids) => {
  const r = document.getElementById('map').getBoundingClientRect();
  let n = 0;
  for (const id of ids) {
    const p = window.captainred.screenPosition(id);
    if (p && p[0] >= r.left && p[0] <= r.right && p[1] >= r.top && p[1] <= r.bottom) n++;
  }
  return n;
}"""


def open_replay(source: ReplaySource, browser: Any, static: Path | None) -> tuple[Any, ViewerServer, float]:
    """The page over a server of `source`, once it has read and checked the whole replay; and how long that took."""
    server = ViewerServer(source, folder=static)
    serve(server)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    started = time.perf_counter()
    page.goto(server.url)
    page.wait_for_function(
        "() => window.captainred && (window.captainred.state.ended || window.captainred.state.error)", timeout=900_000
    )
    check_page(page)
    return page, server, time.perf_counter() - started


page_errors: list[str] = []


def check_page(page: Any) -> None:
    """Stop, saying why, if the page has shown an error or thrown one: its numbers would mean nothing."""
    shown = page.evaluate("() => window.captainred.state.error")
    if shown or page_errors:
        raise SystemExit(f"error: the page failed: {shown or page_errors[0]}")


def measure(page: Any, view: str, start_s: float, seconds: float, ids: list[int]) -> dict[str, Any]:
    """Play at 1x from `start_s` in `view` ('2d' or '3d'); frames counted for `seconds` after a warm-up, and until
    at least MIN_FRAMES have been drawn."""
    page.evaluate(
        f"() => {{ window.captainred.setView('{view}'); window.captainred.setSpeed(1); "
        f"window.captainred.setTime({start_s}); window.captainred.play(); }}"
    )
    page.wait_for_timeout(WARM_UP_MS)
    stamps = np.asarray(page.evaluate(COUNT_FRAMES, [int(seconds * 1000), MIN_FRAMES]))
    page_fps = float(page.evaluate("() => window.captainred.fps()"))
    page.evaluate("() => window.captainred.pause()")
    visible = int(page.evaluate("() => window.captainred.state.visible"))
    on_screen = int(page.evaluate(ON_SCREEN, ids))
    check_page(page)
    per_second = [
        int(np.sum((stamps >= s0) & (stamps < s0 + 1000))) for s0 in np.arange(stamps[0], stamps[-1] - 999, 1000)
    ]
    intervals = np.diff(stamps)
    return {
        "view": view,
        "visible": visible,
        "on_screen": on_screen,
        "frames": len(stamps),
        "fps_median": statistics.median(per_second) if per_second else 0,
        "fps_min": min(per_second) if per_second else 0,
        "frame_ms_p95": float(np.percentile(intervals, 95)) if len(intervals) else math.inf,
        "page_fps": page_fps,
    }


def play(
    source: ReplaySource,
    label: str,
    start_s: float,
    ids: list[int],
    args: argparse.Namespace,
    browser: Any,
    console: Console,
) -> list[dict[str, Any]]:
    """Open one replay and measure it in each view."""
    page, server, load_s = open_replay(source, browser, args.static)
    try:
        rows = []
        for view in args.views:
            row = {"replay": label, "load_s": load_s, **measure(page, view, start_s, args.seconds, ids)}
            rows.append(row)
            console.log(
                f"{label}, {view}: {row['fps_median']} fps (median), {row['visible']:,} drawn, "
                f"{row['on_screen']:,} on screen"
            )
        page.close()
    finally:
        server.shutdown()
        server.server_close()
    return rows


def run(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        path = args.replay or Path(scratch) / "battle.crr"
        if not path.exists():
            record_battle(path, args.quick, console)
        peak_s, peak_n, ids, name = busiest_moment(path)
        # the counted seconds centred on the busiest sample
        start_s = max(0.0, peak_s - (WARM_UP_MS / 1000 + args.seconds) / 2)
        console.log(
            f"{name}: {len(ids):,} craft, the most airborne {peak_n:,} at {peak_s:.0f} s; playing from {start_s:.0f} s"
        )
        rows = []
        with sync_playwright() as p:
            try:
                browser = launch_chromium(p)
            except ChromiumMissing as exc:
                raise SystemExit(f"error: {exc}") from None
            label = f"{name} (peak {peak_n:,} airborne)"
            for row in play(FileReplay(path), label, start_s, ids, args, browser, console):
                rows.append({**row, "craft": len(ids), "replay_mb": path.stat().st_size / 1e6})
            for n in args.synthetic:
                data = synthetic_replay(n)
                live = LiveReplay()
                live.write(data)
                live.close()
                for row in play(live, f"synthetic {n:,}", 0.0, list(range(n)), args, browser, console):
                    rows.append({**row, "craft": n, "replay_mb": len(data) / 1e6})
            version = browser.version
            browser.close()
    return {"chromium": version, "static": str(args.static) if args.static else None, "rows": rows}


def render(results: dict[str, Any], console: Console) -> None:
    table = Table(title=f"Viewer frame rate, headless Chromium {results['chromium']} (software WebGL), 1440x900")
    columns = (
        "replay",
        "view",
        "drawn",
        "on screen",
        "fps median",
        "fps worst second",
        "p95 frame ms",
        "page meter",
        "replay MB",
        "load s",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "replay" else "right")
    for r in results["rows"]:
        table.add_row(
            r["replay"],
            "plan" if r["view"] == "2d" else "3-D",
            f"{r['visible']:,}",
            f"{r['on_screen']:,}",
            str(r["fps_median"]),
            str(r["fps_min"]),
            f"{r['frame_ms_p95']:.1f}",
            f"{r['page_fps']:.0f}",
            f"{r['replay_mb']:.1f}",
            f"{r['load_s']:.1f}",
        )
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replay", type=Path, help="the battle to play (recorded there first if missing)")
    parser.add_argument("--synthetic", type=int, nargs="*", help="synthetic anchors, craft each (default 10000)")
    parser.add_argument("--views", nargs="+", default=["2d", "3d"], choices=["2d", "3d"])
    parser.add_argument("--seconds", type=float, help="wall seconds counted per measurement (default 10; quick 2)")
    parser.add_argument("--static", type=Path, help="serve this build of the viewer (another checkout's static/)")
    parser.add_argument("--quick", action="store_true", help="a short small front, 500 synthetic: a smoke check")
    parser.add_argument("--out", type=Path, help="write every number as JSON")
    args = parser.parse_args(argv)
    if args.synthetic is None:
        # quick: enough aircraft for the CPU-drawn path (RASTER_AT in viewer/src/main.js), over the city
        args.synthetic = [500] if args.quick else [10_000]
    if args.seconds is None:
        args.seconds = 2.0 if args.quick else 10.0
    if args.out is not None and not args.out.parent.is_dir():
        parser.error(f"--out: no folder {args.out.parent}")
    console = Console(width=None if sys.stdout.isatty() else 150)
    results = run(args, console)
    render(results, console)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
