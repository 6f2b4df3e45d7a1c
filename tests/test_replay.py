"""The replay file: what a recorded battle holds, that recording changes nothing, and that a damaged,
truncated or too-new file is refused with one clear line (docs/replay-format.md). Also the Tacview ACMI
export, read back as a Tacview reader would, and the front's units on the ground, strength and all."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captainred.engine.world import Status
from captainred.replay import FORMAT_VERSION, ReplayError, iter_replay, read_replay
from captainred.replay.acmi import BATTERY_LAT_DEG, BATTERY_LON_DEG, export_acmi, to_geodetic
from captainred.replay.format import CHUNK_HEAD, FILE_HEAD, FRNT
from captainred.report import summarize
from captainred.scenario.model import ResolvedScenario
from captainred.simulation import run_battles
from conftest import hard_front_day


@pytest.fixture(scope="module")
def skirmish_replay(
    skirmish: ResolvedScenario, tmp_path_factory: pytest.TempPathFactory, record_replay
) -> tuple[Path, str]:
    data, digest = record_replay(skirmish, 3)
    path = tmp_path_factory.mktemp("replay") / "skirmish.crr"
    path.write_bytes(data)
    return path, digest


@pytest.fixture(scope="module")
def sea_replay(sea_skirmish: ResolvedScenario, record_replay) -> bytes:
    return record_replay(sea_skirmish, 5, every_s=2.0)[0]


def chunk_offsets(data: bytes) -> list[tuple[bytes, int, int]]:
    """(kind, offset, total length) of each chunk."""
    out, offset = [], FILE_HEAD.size
    while offset < len(data):
        kind, length, _ = CHUNK_HEAD.unpack_from(data, offset)
        out.append((kind, offset, CHUNK_HEAD.size + length))
        offset += CHUNK_HEAD.size + length
    return out


def read_bytes(data: bytes, tmp_path: Path, name: str = "battle.crr") -> None:
    path = tmp_path / name
    path.write_bytes(data)
    read_replay(path)


# ------------------------------------------------------------------------------------------ what it holds


def test_recording_a_battle_changes_nothing_in_it(skirmish: ResolvedScenario, skirmish_replay: tuple[Path, str]):
    plain = run_battles(skirmish, [3])[0]
    assert skirmish_replay[1] == plain.digest


def test_the_replay_holds_the_whole_event_log_and_its_digest(skirmish_replay: tuple[Path, str], skirmish):
    path, digest = skirmish_replay
    replay = read_replay(path)
    assert replay.end["digest"] == digest
    plain = run_battles(skirmish, [3])[0]
    assert replay.event_lines == list(plain.log.canonical_lines())
    assert replay.end["reason"] == plain.log[-1].details["reason"]


def test_frames_are_sampled_at_the_chosen_rate_and_cover_the_battle(skirmish_replay: tuple[Path, str]):
    replay = read_replay(skirmish_replay[0])
    times = np.array([f.time_s for f in replay.frames])
    assert times[0] == 0.0
    assert np.all(np.diff(times) > 0)
    assert times[-1] == pytest.approx(replay.end["sim_seconds"], abs=1e-3)
    combat = np.diff(times)[np.diff(times) < 2.0]  # while things fly the ticks are short
    assert np.median(combat) == pytest.approx(0.6, abs=0.21)  # every 0.5 s, on the 0.2 s tick: 0.6 s


def test_the_header_names_every_craft_with_its_squadron_and_markings(skirmish_replay: tuple[Path, str]):
    header = read_replay(skirmish_replay[0]).header
    assert header["version"] == FORMAT_VERSION
    devils = [c for c in header["craft"] if c["side"] == "air_command"]
    lgfs = [c for c in header["craft"] if c["side"] == "lgf"]
    assert [c["callsign"] for c in devils] == ["Devil one", "Devil two", "Devil three", "Devil four"]
    assert devils[0]["pilot"] == "Willow Rosenberg" and devils[0]["nickname"] == "Captain Red"
    assert header["squadrons"][devils[0]["squadron"]]["colour"] == "#c0392b"
    assert len(lgfs) == 12 and all(c["squadron"] == -1 for c in lgfs)
    assert header["map"]["kind"] == "manhattan" and header["map"]["coastline_m"]
    assert header["ship"]["centre_m"][2] > 0


def test_terrain_is_the_theatres_height_grid_in_whole_metres(skirmish_replay: tuple[Path, str]):
    from captainred.scenario.maps import build_theatre

    replay = read_replay(skirmish_replay[0])
    theatre = build_theatre("manhattan", "manhattan")
    assert replay.heights_m is not None
    assert replay.heights_m.shape == theatre.heights_m.shape
    assert np.all(replay.heights_m >= theatre.heights_m) and np.all(replay.heights_m - theatre.heights_m < 1)


def test_the_last_frame_agrees_with_the_after_action_summary(skirmish: ResolvedScenario, skirmish_replay):
    replay = read_replay(skirmish_replay[0])
    summary = summarize(run_battles(skirmish, [3])[0].log, scenario="skirmish", seed=3)
    last = replay.frames[-1]
    ours = np.array([c["side"] == "air_command" for c in replay.header["craft"]])
    lost = int(np.sum(ours & (last["status"] == Status.LOST)))
    assert lost == summary.sides.air_command.lost
    assert int(last["photos"][ours].sum()) >= summary.photos_returned
    assert last["health"].shape == (len(ours), len(replay.header["subsystems"]))


def test_open_sea_has_no_terrain_chunk(sea_replay: bytes):
    kinds = [kind for kind, _, _ in chunk_offsets(sea_replay)]
    assert kinds[0] == b"HEAD" and b"TERR" not in kinds and kinds[-1] == b"END "
    items = list(iter_replay(io.BytesIO(sea_replay), "sea.crr"))
    assert items[0][1]["map"]["shape"] is None


# -------------------------------------------------------------------------------------- what it refuses


def test_a_flipped_byte_is_refused_as_corrupt_naming_the_chunk(skirmish_replay: tuple[Path, str], tmp_path: Path):
    data = bytearray(skirmish_replay[0].read_bytes())
    _, offset, _ = chunk_offsets(bytes(data))[5]
    data[offset + CHUNK_HEAD.size + 3] ^= 0x40
    with pytest.raises(ReplayError, match=r"battle\.crr: chunk 5 at byte \d+: corrupt: checksum mismatch"):
        read_bytes(bytes(data), tmp_path)


def test_a_replay_cut_short_is_refused_as_truncated(skirmish_replay: tuple[Path, str], tmp_path: Path):
    data = skirmish_replay[0].read_bytes()
    chunks = chunk_offsets(data)
    with pytest.raises(ReplayError, match="truncated: the file stops before its end chunk"):
        read_bytes(data[: chunks[-1][1]], tmp_path)  # every chunk whole, but no END
    with pytest.raises(ReplayError, match=r"truncated: the file ends .* short"):
        read_bytes(data[: len(data) // 2], tmp_path)


def test_a_newer_format_is_refused_naming_both_versions(skirmish_replay: tuple[Path, str], tmp_path: Path):
    data = bytearray(skirmish_replay[0].read_bytes())
    struct.pack_into("<H", data, 8, FORMAT_VERSION + 1)
    with pytest.raises(ReplayError) as caught:
        read_bytes(bytes(data), tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'battle.crr'}: format version: replay format version {FORMAT_VERSION + 1} is newer than "
        f"this captainred reads ({FORMAT_VERSION})"
    )


def test_something_that_is_not_a_replay_is_refused(tmp_path: Path):
    with pytest.raises(ReplayError, match="not a Captain Red replay"):
        read_bytes(b"FileType=text/acmi/tacview\n", tmp_path)
    with pytest.raises(ReplayError, match="not a Captain Red replay"):
        read_bytes(b"", tmp_path)


def test_events_that_do_not_match_the_recorded_digest_are_refused(skirmish_replay, tmp_path: Path):
    """A well-formed chunk whose events were changed (and re-checksummed) still fails the digest."""
    data = skirmish_replay[0].read_bytes()
    kind, offset, size = next(c for c in chunk_offsets(data) if c[0] == b"EVNT")
    text = zlib.decompress(data[offset + CHUNK_HEAD.size : offset + size]).replace(b"launch", b"lunch!")
    payload = zlib.compress(text)
    forged = data[:offset] + CHUNK_HEAD.pack(kind, len(payload), zlib.crc32(payload)) + payload + data[offset + size :]
    with pytest.raises(ReplayError, match="do not match the digest"):
        read_bytes(forged, tmp_path)


def test_a_chunk_kind_from_a_later_minor_version_is_skipped(sea_replay: bytes, tmp_path: Path):
    payload = zlib.compress(b"something new")
    extra = CHUNK_HEAD.pack(b"XTRA", len(payload), zlib.crc32(payload)) + payload
    first_frame = next(offset for kind, offset, _ in chunk_offsets(sea_replay) if kind == b"FRAM")
    read_bytes(sea_replay[:first_frame] + extra + sea_replay[first_frame:], tmp_path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0.0, 1.0, exclude_max=True), flip=st.one_of(st.none(), st.floats(0.0, 1.0, exclude_max=True)))
def test_any_damage_is_refused_with_a_replay_error_and_nothing_else(sea_replay: bytes, cut: float, flip):
    """However a replay is cut or a byte flipped, reading it ends in ReplayError, never another exception."""
    data = bytearray(sea_replay)
    if flip is not None:
        data[int(flip * len(data))] ^= 0x01
    else:
        data = data[: int(cut * len(data))]
    with pytest.raises(ReplayError):
        for _ in iter_replay(io.BytesIO(bytes(data)), "damaged.crr"):
            pass


# ------------------------------------------------------------------------------------------------ ACMI


def test_the_acmi_export_reads_as_tacview_expects(skirmish_replay: tuple[Path, str]):
    path, _ = skirmish_replay
    replay = read_replay(path)
    out = io.BytesIO()
    with path.open("rb") as stream:
        frames = export_acmi(stream, str(path), out)
    lines = out.getvalue().decode("utf-8").splitlines()
    assert frames == len(replay.frames)
    assert lines[:2] == ["FileType=text/acmi/tacview", "FileVersion=2.2"]
    times = [float(line[1:]) for line in lines if line.startswith("#")]
    assert times == sorted(times) and len(set(times)) == len(times)

    # Every aircraft that flew appears once with its identity and leaves once: destroyed if lost.
    ours = {format(0x100 + c["id"], "x"): c for c in replay.header["craft"]}
    introduced = {line.split(",", 1)[0] for line in lines if ",Type=Air+FixedWing" in line}
    removed = [line[1:] for line in lines if line.startswith("-")]
    assert introduced <= set(ours) and sorted(removed) == sorted(set(removed))
    destroyed = {line.split("|")[1] for line in lines if line.startswith("0,Event=Destroyed|")}
    lost = {
        format(0x100 + c["id"], "x")
        for c, s in zip(replay.header["craft"], replay.frames[-1]["status"], strict=True)
        if s == Status.LOST
    }
    assert destroyed == lost & introduced
    devil_one = next(line for line in lines if line.startswith("100,") and "Type=" in line)
    assert "Pilot=Willow Rosenberg" in devil_one and "Group=Devils" in devil_one and "CallSign=Devil one" in devil_one
    assert any(line.startswith("0,Event=Bookmark|battle ends") for line in lines)


def test_positions_land_on_manhattan():
    """Central Park (map frame x 0, y 10.3 km) lies where the real park does, within the map's simplification."""
    lat, lon = to_geodetic(np.array([0.0]), np.array([10_300.0]))
    assert lat[0] == pytest.approx(40.7829, abs=0.01) and lon[0] == pytest.approx(-73.9654, abs=0.01)
    lat, lon = to_geodetic(np.array([0.0]), np.array([0.0]))
    assert (lat[0], lon[0]) == (BATTERY_LAT_DEG, BATTERY_LON_DEG)


def test_export_of_a_damaged_replay_stops_with_the_replay_error(skirmish_replay: tuple[Path, str]):
    data = skirmish_replay[0].read_bytes()
    with pytest.raises(ReplayError, match="truncated"):
        export_acmi(io.BytesIO(data[: len(data) - 10]), "cut.crr", io.BytesIO())


def test_header_json_is_plain_json(sea_replay: bytes):
    head = chunk_offsets(sea_replay)[0]
    raw = zlib.decompress(sea_replay[head[1] + CHUNK_HEAD.size : head[1] + head[2]])
    header = json.loads(raw)
    assert [c[0] for c in header["frame_columns"]][:3] == ["x_m", "y_m", "z_m"]


def test_a_raid_replay_holds_the_party_frame_by_frame_as_its_events_tell(record_replay, tmp_path: Path):
    from captainred.scenario import load_scenario

    data, digest = record_replay(load_scenario("night-raid"), 8, 5.0)
    path = tmp_path / "raid.crr"
    path.write_bytes(data)
    replay = read_replay(path)
    party = replay.header["party"]
    assert len(party["members"]) == 7 and party["captive"] == "Tara Maclay"
    assert len(replay.party) == len(replay.frames) == replay.end["party_frames"]
    assert [p.time_s for p in replay.party] == [f.time_s for f in replay.frames]
    events = list(replay.events())
    for _, time_s, kind, actor, _, _, details in events:
        if kind == "through_breach" and details["way"] == "in":
            member = actor - 20_000_000
            later = [p for p in replay.party if p.time_s >= time_s + 1e-6]
            assert later and later[0].has("inside")[member], f"{details['name']} is not inside after going in"
    first = replay.party[0]
    assert first.has("alive").all() and not first.has("inside").any() and first.captive_held
    # The END's count of party frames is checked: one dropped is caught.
    offsets = chunk_offsets(data)
    _, start, length = next(c for c in offsets if c[0] == b"PRTY")
    (tmp_path / "cut.crr").write_bytes(data[:start] + data[start + length :])
    with pytest.raises(ReplayError, match="party frames"):
        read_replay(tmp_path / "cut.crr")
    assert digest == replay.end["digest"]


# ------------------------------------------------------------------------------------------- the front


@pytest.fixture(scope="module")
def front_replay(record_replay, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A short, hard day at the front: front-small for a quarter of an hour, its positions and batteries
    made weak enough (through catalog overrides, as `run --set` gives them) for the swarm to pound every
    one of them into dust and break the front before the end."""
    hard_day = hard_front_day()
    raw, _ = record_replay(hard_day, 1, 2.0)
    path = tmp_path_factory.mktemp("front") / "front.crr"
    path.write_bytes(raw)
    return path, raw


def test_a_front_replay_names_each_unit_with_its_kind_place_and_full_strength(front_replay):
    from captainred.engine.front import GROUND_ID_BASE, layout
    from captainred.scenario.model import FrontSpec

    replay = read_replay(front_replay[0])
    front = replay.header["front"]
    units = front["units"]
    assert [u["name"] for u in units] == [f"position {k}" for k in (1, 2, 3, 4)] + ["battery 1", "battery 2"]
    assert [u["kind"] for u in units] == ["position"] * 4 + ["battery"] * 2
    assert [u["full_strength"] for u in units] == [3.0] * 4 + [2.0] * 2
    assert front["positions"] == 4 and front["breaks_at"] == 0.5 and front["actor_base"] == GROUND_ID_BASE
    assert front["bits"] == ["lost", "laying", "under_fire"]
    spec = FrontSpec(line_m=front["line_m"], positions=4, position_type="infantry position", batteries=2)
    x, y = layout(spec, tuple(replay.header["ship"]["centre_m"][:2]))
    assert [u["x_m"] for u in units] == pytest.approx(x.tolist()) and [u["y_m"] for u in units] == pytest.approx(y)
    # Every event of the front names a unit the header lists, by its actor, where the header puts it.
    for _, _, kind, actor, _, position, details in replay.events():
        if kind in ("pounded", "position_lost", "battery_silenced", "front_state"):
            unit = units[actor - front["actor_base"]]
            assert details["unit"] == unit["name"] and details["kind"] == unit["kind"]
            assert position[:2] == pytest.approx([unit["x_m"], unit["y_m"]], abs=0.1)


def test_the_fronts_strength_comes_back_as_the_battle_wore_it_down(front_replay):
    replay = read_replay(front_replay[0])
    fronts, events = replay.front, list(replay.events())
    assert len(fronts) == replay.end["front_frames"] and 1 < len(fronts) < len(replay.frames)
    frame_times = {f.time_s for f in replay.frames}
    assert all(f.time_s in frame_times for f in fronts)  # sampled with the tracks, when anything changed
    first = fronts[0]
    assert first.time_s == 0.0 and first.strength.tolist() == [3.0] * 4 + [2.0] * 2 and not first.bits.any()
    strength = np.array([f.strength for f in fronts])
    assert (np.diff(strength, axis=0) <= 0).all() and (np.diff(strength, axis=0) < 0).any()
    # Each unit is marked lost from the first sample after the event that says so, and not before.
    for _, time_s, kind, actor, _, _, details in events:
        if kind == "position_lost" or (kind == "battery_silenced" and details["reason"] == "destroyed"):
            unit = actor - replay.header["front"]["actor_base"]
            assert not any(f.has("lost")[unit] for f in fronts if f.time_s < time_s)
            assert all(f.has("lost")[unit] and f.strength[unit] == 0 for f in fronts if f.time_s >= time_s)
    broken_s = next(e[1] for e in events if e[2] == "front_broken")
    assert [f.broken for f in fronts] == [f.time_s >= broken_s for f in fronts]
    # The last sample is the front as the battle left it, as each unit's closing event tells it.
    last = replay.front_at(replay.end["sim_seconds"])
    assert last is fronts[-1] and replay.front_at(-1.0) is first
    for _, _, kind, actor, _, _, details in events:
        if kind == "front_state":
            unit = actor - replay.header["front"]["actor_base"]
            assert float(last.strength[unit]) == pytest.approx(details["strength_left"], abs=0.006)
            assert bool(last.has("lost")[unit]) == details["lost"]
    assert any(f.has("laying").any() for f in fronts) and any(f.has("under_fire").any() for f in fronts)


def test_a_battle_without_a_front_records_nothing_of_one(skirmish_replay: tuple[Path, str]):
    """So such a replay is byte for byte what it was before the front was recorded."""
    data = skirmish_replay[0].read_bytes()
    replay = read_replay(skirmish_replay[0])
    assert "front" not in replay.header and "front_frames" not in replay.end and replay.front == []
    assert FRNT not in {kind for kind, _, _ in chunk_offsets(data)}
    assert replay.front_at(0.0) is None


def test_a_front_chunk_dropped_or_damaged_is_refused(front_replay, tmp_path: Path):
    data = front_replay[1]
    _, start, length = next(c for c in chunk_offsets(data) if c[0] == FRNT)
    with pytest.raises(ReplayError, match="front frames"):
        read_bytes(data[:start] + data[start + length :], tmp_path)  # the END's count catches it
    raw = bytearray(zlib.decompress(data[start + CHUNK_HEAD.size : start + length]))
    struct.pack_into("<f", raw, 12, float("nan"))  # the first unit's strength
    payload = zlib.compress(bytes(raw))
    forged = CHUNK_HEAD.pack(FRNT, len(payload), zlib.crc32(payload)) + payload
    with pytest.raises(ReplayError, match=r"chunk \d+ \(FRNT\): corrupt: a time or strength that is not a finite"):
        read_bytes(data[:start] + forged + data[start + length :], tmp_path)
