"""Export a replay as a Tacview ACMI 2.2 text recording, for the flight-sim community's tools.

ACMI wants the world on the globe. Our map frame (x east, y north along the island, origin at the
Battery) is laid on the Earth at the Battery and turned by Manhattan's grid bearing, so that the island
lies where the real one does; over a few hundred kilometres a local tangent plane is close enough for a
replay. Headings turn by the same bearing. The story gives no date, so the recording starts at a fixed
1940s morning (the time of day is the reconnaissance briefing's); a frame's offset is its sim time.

Aircraft appear when they launch (`TakenOff`) and leave when they are lost (`Destroyed`) or recovered
(`Landed`); carriers and the mother ship are there throughout; radio calls, kills and photos become
`Message` events and the end of the battle a `Bookmark`. The export reads the replay as a stream, so a
long battle never sits whole in memory.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from captainred.replay.format import Frame, ReplayError, iter_replay

BATTERY_LAT_DEG = 40.7033
BATTERY_LON_DEG = -74.0170
GRID_BEARING_DEG = 29.0  # Manhattan's avenues run this far east of true north
EARTH_RADIUS_M = 6_371_000.0
REFERENCE_TIME = "1946-06-03T11:00:00Z"

CARRIER_ID = 0x10
SHIP_ID = 0x30
CRAFT_ID = 0x100

# Event kinds that become messages in Tacview's event log, and how they read.
MESSAGES: dict[str, str] = {
    "radio": "{text}",
    "mayday": "MAYDAY: {text}",
    "kill": "{callsign} downs {target}",
    "photo": "{callsign}: photo {number}",
    "force_down": "{callsign} forced down by {escorts} LGFs",
    "bingo": "{callsign}: bingo ({reason})",
    "net_hit": "the net absorbs a hit",
    "net_broken": "the net has given way",
    "breach": "the mother ship's hull is breached",
    "salvo": "the fleet fires salvo {salvo}",
}


def to_geodetic(x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map-frame metres to (latitude, longitude) degrees on the local tangent plane at the Battery."""
    b = math.radians(GRID_BEARING_DEG)
    east = x_m * math.cos(b) + y_m * math.sin(b)
    north = -x_m * math.sin(b) + y_m * math.cos(b)
    lat = BATTERY_LAT_DEG + np.degrees(north / EARTH_RADIUS_M)
    lon = BATTERY_LON_DEG + np.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(BATTERY_LAT_DEG))))
    return lat, lon


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace("\n", " ")


def _id(value: int) -> str:
    return format(value, "x")


def _coalition(side: str) -> str:
    return "Coalition=Air Command,Color=Blue" if side == "air_command" else "Coalition=Mars,Color=Red"


class _Exporter:
    def __init__(self, header: dict[str, Any]) -> None:
        self.header = header
        self.craft = header["craft"]
        self.by_id = {int(c["id"]): c for c in self.craft}
        self.squadrons = header.get("squadrons", [])
        statuses = header["statuses"]
        self.airborne = statuses.index("airborne")
        self.lost = statuses.index("lost")
        self.shown = np.zeros(len(self.craft), dtype=bool)
        self.last_z: np.ndarray | None = None
        self.last_xy: tuple[np.ndarray, np.ndarray] | None = None
        self.time_s = -math.inf

    def _stamp(self, time_s: float) -> Iterator[str]:
        stamp = round(time_s, 2)  # the precision written: two times that print alike are one frame
        if stamp > self.time_s:
            self.time_s = stamp
            yield f"#{stamp:.2f}"

    def opening(self) -> Iterator[str]:
        h = self.header
        yield "FileType=text/acmi/tacview"
        yield "FileVersion=2.2"
        yield f"0,ReferenceTime={REFERENCE_TIME}"
        yield f"0,ReferenceLatitude={BATTERY_LAT_DEG}"
        yield f"0,ReferenceLongitude={BATTERY_LON_DEG}"
        yield f"0,Title={_escape(h.get('title') or h['scenario'])}"
        yield f"0,DataSource=Captain Red {h.get('captainred', '')}".rstrip()
        yield "0,DataRecorder=captainred export --format acmi"
        comment = f"scenario {h['scenario']}, seed {h['seed']}"
        yield f"0,Comments={_escape(comment)}"

    def _t(self, x: float, y: float, z: float, pitch_deg: float = 0.0, yaw_deg: float = 0.0) -> str:
        lat, lon = to_geodetic(np.array([x]), np.array([y]))
        dlat, dlon = float(lat[0]) - BATTERY_LAT_DEG, float(lon[0]) - BATTERY_LON_DEG
        return f"T={dlon:.6f}|{dlat:.6f}|{z:.1f}|0|{pitch_deg:.1f}|{yaw_deg:.1f}"

    def frame(self, frame: Frame, first: bool) -> Iterator[str]:
        yield from self._stamp(frame.time_s)
        h = self.header
        for k, (cx, cy) in enumerate(frame.carriers_xy.tolist()):
            carrier = h["carriers"][k] if k < len(h.get("carriers", [])) else {"name": f"carrier {k + 1}"}
            props = self._t(cx, cy, 0.0)
            if first:
                props += f",Type=Sea+Watercraft+AircraftCarrier,Name={_escape(carrier['name'])},"
                props += _coalition("air_command")
            yield f"{_id(CARRIER_ID + k)},{props}"
        if first and h.get("ship"):
            ship = h["ship"]
            cx, cy, cz = ship["centre_m"]
            hx, hy, hz = ship["half_m"]
            yield (
                f"{_id(SHIP_ID)},{self._t(cx, cy, cz)},Type=Air+Misc,Name=Mother ship,{_coalition('lgf')},"
                f"Width={2 * hx:.0f},Length={2 * hy:.0f},Height={2 * hz:.0f}"
            )
        status = frame["status"]
        up = status == self.airborne
        x, y, z = frame["x_m"].astype(np.float64), frame["y_m"].astype(np.float64), frame["z_m"].astype(np.float64)
        yaw = (np.degrees(frame["heading_rad"].astype(np.float64)) + GRID_BEARING_DEG) % 360.0
        pitch = np.zeros(len(x))
        if self.last_z is not None and self.last_xy is not None:
            run = np.hypot(x - self.last_xy[0], y - self.last_xy[1])
            pitch = np.where(run > 1.0, np.degrees(np.arctan2(z - self.last_z, run)), 0.0)
        lat, lon = to_geodetic(x, y)
        dlat, dlon = lat - BATTERY_LAT_DEG, lon - BATTERY_LON_DEG
        for i in np.flatnonzero(up).tolist():
            c = self.craft[i]
            line = (
                f"{_id(CRAFT_ID + int(c['id']))},T={dlon[i]:.6f}|{dlat[i]:.6f}|{z[i]:.1f}|0|{pitch[i]:.1f}|{yaw[i]:.1f}"
                f",IAS={float(frame['speed_mps'][i]):.1f}"
            )
            if not self.shown[i]:
                yield line + "," + self._identity(c)
                yield f"0,Event=TakenOff|{_id(CRAFT_ID + int(c['id']))}|"
                self.shown[i] = True
            else:
                yield line
        gone = self.shown & ~up
        for i in np.flatnonzero(gone).tolist():
            ident = _id(CRAFT_ID + int(self.craft[i]["id"]))
            yield f"0,Event={'Destroyed' if status[i] == self.lost else 'Landed'}|{ident}|"
            yield f"-{ident}"
            self.shown[i] = False
        self.last_xy, self.last_z = (x, y), z

    def _identity(self, c: dict[str, Any]) -> str:
        props = [f"Type=Air+FixedWing,Name={_escape(str(c['type']))},CallSign={_escape(str(c['callsign']))}"]
        if c.get("pilot"):
            props.append(f"Pilot={_escape(str(c['pilot']))}")
        squadron = c.get("squadron", -1)
        if isinstance(squadron, int) and 0 <= squadron < len(self.squadrons):
            props.append(f"Group={_escape(str(self.squadrons[squadron]['name']))}")
        elif c.get("side") == "lgf":
            props.append("Group=LGF swarm")
        props.append(_coalition(str(c.get("side"))))
        return ",".join(props)

    def events(self, lines: list[str]) -> Iterator[str]:
        for line in lines:
            tick, time_s, kind, actor, target, _pos, details = json.loads(line)
            del tick
            if kind == "end":
                yield from self._stamp(float(time_s))
                yield f"0,Event=Bookmark|{_escape('battle ends: ' + str(details.get('reason', '')))}"
            elif kind in MESSAGES:
                yield from self._stamp(float(time_s))
                who = self.by_id.get(int(actor), {}).get("callsign", "")
                whom = self.by_id.get(int(target), {}).get("callsign", "") if target >= 0 else ""
                try:
                    text = MESSAGES[kind].format(**{**details, "callsign": who, "target": whom})
                except (KeyError, IndexError):
                    text = f"{who} {kind}".strip()
                subject = f"{_id(CRAFT_ID + int(actor))}|" if actor >= 0 else ""
                yield f"0,Event=Message|{subject}{_escape(text)}"


def export_acmi(stream: BinaryIO, source: str, out: BinaryIO) -> int:
    """Write the replay read from `stream` to `out` as ACMI text; returns the number of frames written.
    Raises ReplayError, at the first fault, for a replay that cannot be read."""
    exporter: _Exporter | None = None
    frames = 0
    for kind, value in iter_replay(stream, source):
        if kind == "head":
            exporter = _Exporter(value)
            lines: Iterator[str] = exporter.opening()
        elif exporter is None:
            raise ReplayError(source, "chunk 0", "no header")  # iter_replay refuses this first; kept for types
        elif kind == "events":
            lines = exporter.events(value)
        elif kind == "frame":
            lines = exporter.frame(value, first=frames == 0)
            frames += 1
        else:
            continue
        out.write("".join(line + "\n" for line in lines).encode("utf-8"))
    return frames


def export_acmi_file(replay: Path, destination: Path) -> int:
    """Export one replay file to an ACMI file (the caller makes the write atomic)."""
    with replay.open("rb") as stream, destination.open("wb") as out:
        return export_acmi(stream, str(replay), out)
