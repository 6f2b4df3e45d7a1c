"""How smoothly the browser viewer plays: frames per second with 1,000 and 10,000 aircraft on screen, in
Debian's headless Chromium (software WebGL), over the real server and the built page.

Run by hand (`make bench` runs it too; not part of the test suite):

    .venv/bin/python benchmarks/bench_viewer.py                  # 1k and 10k craft, plan and 3-D views
    .venv/bin/python benchmarks/bench_viewer.py --craft 10000 --seconds 5 --out viewer.json

The replay is synthetic — the engine does not fight 10,000-aircraft battles over one city — but it is a
real replay in the real format: every craft airborne over Manhattan for a minute, circling at its own
radius, speed and altitude, squadron colours and LGFs mixed, with radio traffic in the feed. The page
plays it at 1x; frames are counted with the browser's own animation-frame clock (not the page's meter),
per second, and the median is reported beside the page's own figure.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from captainred.engine.setup import build_world
from captainred.replay.browser import ChromiumMissing, launch_chromium
from captainred.replay.format import Frame, ReplayWriter
from captainred.replay.record import replay_header
from captainred.replay.server import LiveReplay, ViewerServer, serve
from captainred.scenario import load_scenario

SKIRMISH = Path(__file__).resolve().parent.parent / "tests" / "scenarios" / "skirmish.toml"
PARK_CENTRE_M = (0.0, 10_300.0)


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


COUNT_FRAMES = """(ms) => new Promise(resolve => {
  const stamps = [];
  const first = performance.now();
  function tick(now) { stamps.push(now); if (now - first < ms) requestAnimationFrame(tick); else resolve(stamps); }
  requestAnimationFrame(tick);
})"""


def measure(data: bytes, view: str, seconds: float, browser: Any) -> dict[str, Any]:
    live = LiveReplay()
    live.write(data)
    live.close()
    server = ViewerServer(live)
    serve(server)
    try:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(server.url)
        page.wait_for_function("() => window.captainred && window.captainred.state.ended", timeout=180_000)
        state = page.evaluate("() => ({...window.captainred.state})")
        page.evaluate(
            f"() => {{ window.captainred.setView('{view}'); window.captainred.setSpeed(1); "
            f"window.captainred.setTime({state['start_s']}); window.captainred.play(); }}"
        )
        page.wait_for_timeout(2_000)  # warm up: shaders compiled, buffers sized
        stamps = page.evaluate(COUNT_FRAMES, int(seconds * 1000))
        page_fps = float(page.evaluate("() => window.captainred.fps()"))
        visible = int(page.evaluate("() => window.captainred.state.visible"))
        page.close()
    finally:
        server.shutdown()
        server.server_close()
    stamps = np.asarray(stamps)
    per_second = [
        int(np.sum((stamps >= s0) & (stamps < s0 + 1000))) for s0 in np.arange(stamps[0], stamps[-1] - 999, 1000)
    ]
    intervals = np.diff(stamps)
    return {
        "view": view,
        "visible": visible,
        "fps_median": statistics.median(per_second) if per_second else 0,
        "fps_min": min(per_second) if per_second else 0,
        "frame_ms_p95": float(np.percentile(intervals, 95)) if len(intervals) else math.inf,
        "page_fps": page_fps,
        "replay_mb": len(data) / 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--craft", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--views", nargs="+", default=["2d", "3d"])
    parser.add_argument("--seconds", type=float, default=10.0, help="wall seconds counted per measurement")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    console = Console()
    rows = []
    with sync_playwright() as p:
        try:
            browser = launch_chromium(p)
        except ChromiumMissing as exc:
            console.print(f"error: {exc}")
            return 2
        for n in args.craft:
            data = synthetic_replay(n)
            for view in args.views:
                row = {"craft": n, **measure(data, view, args.seconds, browser)}
                rows.append(row)
                console.log(f"{n:,} craft, {view}: {row['fps_median']} fps (median), {row['visible']:,} drawn")
        version = browser.version
        browser.close()
    table = Table(title=f"Viewer frame rate, headless Chromium {version} (software WebGL), 1440x900")
    for column in (
        "craft",
        "view",
        "drawn",
        "fps median",
        "fps worst second",
        "p95 frame ms",
        "page meter",
        "replay MB",
    ):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            f"{r['craft']:,}",
            r["view"],
            f"{r['visible']:,}",
            str(r["fps_median"]),
            str(r["fps_min"]),
            f"{r['frame_ms_p95']:.1f}",
            f"{r['page_fps']:.0f}",
            f"{r['replay_mb']:.1f}",
        )
    console.print(table)
    if args.out:
        args.out.write_text(json.dumps({"chromium": version, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
