"""The after-action report as data: a title, a headline and sections of paragraphs and tables.

What the report says is decided here, once, from a summary and a timeline: the outcome in a sentence, the
timeline, the pilots and their fates, each side's losses, the photographs. The writers in
`captainred.report.render` only lay this structure out (Rich for the terminal, Markdown for a file), so the
two reports cannot drift apart. A row may carry a `Tone` that a writer can show (colour on a terminal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from captainred.engine.events import LOSS_KINDS, EventKind
from captainred.report.sorties import AIR_COMMAND, LGF, LOST_STATUSES
from captainred.report.timeline import TimelineRow, format_clock, plural

SIDE_TITLES = {AIR_COMMAND: "Air Command", LGF: "LGFs"}


class Tone(StrEnum):
    """How a row reads: for Air Command good news, bad news, or words on the radio."""

    PLAIN = "plain"
    GOOD = "good"
    BAD = "bad"
    RADIO = "radio"


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[str, ...]
    tone: Tone = Tone.PLAIN


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    numeric: frozenset[int] = frozenset()  # columns to align right


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


Block = Paragraph | Table


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class ReportDocument:
    title: str
    headline: str
    sections: tuple[Section, ...]


def build_document(summary: Mapping[str, Any], timeline: Sequence[TimelineRow]) -> ReportDocument:
    """The report's content, from a single-run summary and its timeline."""
    return ReportDocument(
        title=f"After-action report: {summary['scenario']} (seed {summary['seed']})",
        headline=headline(summary),
        sections=(
            Section("Timeline", (_timeline_table(timeline),)),
            *_air_sections(summary),
            *((_raid_section(summary["raid"]),) if summary.get("raid") else ()),
            *_deck_sections(summary.get("carriers", {})),
            Section("Record", (Paragraph(_record(summary)),)),
        ),
    )


def _air_sections(summary: Mapping[str, Any]) -> tuple[Section, ...]:
    """Pilots, losses and photos: left out of a raid on foot in which no aircraft flew."""
    if summary.get("raid") and not summary["pilots"]:
        return ()
    return (
        Section("Pilots", (_pilot_table(summary["pilots"]),)),
        Section("Losses", (_loss_table(summary["sides"]),)),
        _photo_section(summary),
    )


def headline(summary: Mapping[str, Any]) -> str:
    """The outcome in a sentence or two: who was lost, what came home, how it ended."""
    raid = summary.get("raid")
    if raid and not summary["pilots"]:
        return (
            f"The raid: the captive {raid['captive']}, her secret {'kept' if raid['secret_kept'] else 'broken'}; "
            f"{raid['killed']} of {len(raid['party'])} of the party killed, {raid['wounded']} wounded"
            + (", the party trapped inside" if raid["trapped_inside"] else "")
            + f"; {raid['minutes']:.0f} min."
        )
    ours = summary["sides"].get(AIR_COMMAND, {})
    theirs = summary["sides"].get(LGF, {})
    pilots = summary["pilots"]
    fates = [f"{n} {status}" for status in ("killed", "missing", "captured") if (n := _count(pilots, status))]
    lost = f"{ours.get('lost', 0)} lost" + (f" ({', '.join(fates)})" if fates else "")
    parts = [
        f"Air Command: {ours.get('launched', 0)} launched, {lost}, {ours.get('returned', 0)} home"
        + (f", {ours['airborne']} still airborne" if ours.get("airborne") else "")
        + ".",
        f"LGFs: {theirs.get('lost', 0)} of {theirs.get('launched', 0)} brought down.",
        f"{plural(summary['photos_returned'], 'photo')} brought home.",
    ]
    ended = f"Ended after {format_clock(float(summary['sim_seconds']))}"
    reason = summary.get("end_reason")
    parts.append(ended + (f" ({reason})." if reason else "."))
    return " ".join(parts)


def _timeline_table(timeline: Sequence[TimelineRow]) -> Table:
    rows = tuple(Row((r.clock, r.who, r.what), _timeline_tone(r)) for r in timeline)
    return Table(("Time", "Who", "What"), rows)


def _timeline_tone(row: TimelineRow) -> Tone:
    if row.kind in (EventKind.RADIO, EventKind.MAYDAY):
        return Tone.BAD if row.kind is EventKind.MAYDAY else Tone.RADIO
    ours = row.side == AIR_COMMAND
    if row.kind in LOSS_KINDS or row.kind in (EventKind.KILLED, EventKind.WOUNDED, EventKind.FORCE_DOWN):
        return Tone.BAD if ours else Tone.GOOD
    if row.kind in (EventKind.KILL, EventKind.RECOVERED):
        return Tone.GOOD if ours else Tone.BAD
    if row.kind is EventKind.HIT:
        return Tone.PLAIN if ours else Tone.BAD
    return Tone.PLAIN


def _pilot_table(pilots: Sequence[Mapping[str, Any]]) -> Table:
    rows = []
    for p in pilots:
        name = p["name"] + (f" “{p['nickname']}”" if p.get("nickname") else "")
        status = p["status"] + (" (wounded)" if p.get("wounded") and p["status"] != "wounded" else "")
        fuel = "—" if p.get("fuel_left_kg") is None else f"{float(p['fuel_left_kg']):.0f}"
        tone = Tone.BAD if p["status"] in LOST_STATUSES else Tone.PLAIN
        cells = (name, p["callsign"], p.get("squadron_name") or p["squadron"], status, str(p["kills"]))
        rows.append(Row((*cells, str(p["photos_returned"]), fuel), tone))
    columns = ("Pilot", "Callsign", "Squadron", "Status", "Kills", "Photos home", "Fuel left (kg)")
    return Table(columns, tuple(rows), numeric=frozenset({4, 5, 6}))


def _loss_table(sides: Mapping[str, Mapping[str, int]]) -> Table:
    rows = tuple(
        Row(
            (
                SIDE_TITLES.get(side, side),
                *(str(counts.get(key, 0)) for key in ("launched", "lost", "returned", "airborne", "kills")),
            )
        )
        for side, counts in sides.items()
    )
    columns = ("Side", "Launched", "Lost", "Home", "Airborne at end", "Kills")
    return Table(columns, rows, numeric=frozenset({1, 2, 3, 4, 5}))


def _raid_section(raid: Mapping[str, Any]) -> Section:
    captive = {"rescued": "rescued", "dead": "dead", "still held": "still held"}[raid["captive"]]
    told = (
        f"The captive: {captive}, her secret {'kept' if raid['secret_kept'] else 'broken'} "
        f"after {raid['searched_h']:.0f} h of searching. The raid took {raid['minutes']:.0f} min: "
        f"{plural(raid['spotted'], 'patrol')} spotted the party, {plural(raid['firefights'], 'firefight')}, "
        f"{raid['killed']} of {len(raid['party'])} killed and {raid['wounded']} wounded"
        + ("; the party is trapped inside." if raid["trapped_inside"] else ".")
    )
    fates = {"out": "out again", "inside": "inside the ship", "outside": "outside", "killed": "killed"}
    rows = tuple(
        Row(
            (
                m["name"],
                m["weapon"] + (f", {m['sidearm']}" if m.get("sidearm") else ""),
                f"{float(m['load_kg']):.1f}",
                fates[m["fate"]] + (f" ({m['cause']})" if m.get("cause") else ""),
                ", ".join(w for w, on in (("wounded", m["wounded"]), ("stripped", m["stripped"])) if on) or "—",
            ),
            Tone.BAD if m["fate"] == "killed" else Tone.PLAIN,
        )
        for m in raid["party"]
    )
    table = Table(("Member", "Weapons", "Load (kg)", "Fate", "Also"), rows, numeric=frozenset({2}))
    return Section("The raid", (Paragraph(told), table))


def _photo_section(summary: Mapping[str, Any]) -> Section:
    cameras = [p for p in summary["pilots"] if p.get("photo_aircraft") or p.get("photos_taken")]
    total = Paragraph(f"{plural(summary['photos_returned'], 'photo')} brought home.")
    if not cameras:
        return Section("Photos", (total,))
    rows = tuple(
        Row(
            (p["callsign"], p["name"], str(p.get("photos_taken", 0)), str(p["photos_returned"]), p["status"]),
            Tone.BAD if p.get("photos_taken") and not p["photos_returned"] else Tone.PLAIN,
        )
        for p in cameras
    )
    table = Table(("Camera aircraft", "Pilot", "Taken", "Home", "Status"), rows, numeric=frozenset({2, 3}))
    return Section("Photos", (total, table))


WIRE_NAMES = ("first", "second", "third", "last")


def _deck_sections(carriers: Mapping[str, Mapping[str, Any]]) -> tuple[Section, ...]:
    """The deck: for each carrier, launch and recovery times, wires, bolters, and each landing with its
    fuel, its turnaround or how long the aircraft is grounded."""
    if not carriers:
        return ()
    blocks: list[Block] = []
    for name, deck in carriers.items():
        landings = deck.get("landings", [])
        parts = [f"{name}: {plural(int(deck.get('launched', 0)), 'aircraft')} launched"]
        if deck.get("first_launch_s") is not None:
            first, last = float(deck["first_launch_s"]), float(deck["last_launch_s"])
            parts[0] += f" {format_clock(first)}–{format_clock(last)}"
        recovered = f"{int(deck.get('recovered', 0))} recovered"
        if landings:
            recovered += f" {format_clock(landings[0]['time_s'])}–{format_clock(landings[-1]['time_s'])}"
        parts.append(recovered)
        wires = deck.get("wires", [0, 0, 0, 0])
        if sum(wires):
            parts.append("wires " + ", ".join(f"{WIRE_NAMES[k]} {n}" for k, n in enumerate(wires) if n))
        parts.append(plural(int(deck.get("bolters", 0)), "bolter"))
        if deck.get("hard_landings"):
            parts.append(plural(int(deck["hard_landings"]), "hard landing"))
        parts.append(f"{int(deck.get('grounded', 0))} grounded")
        if deck.get("struck_off"):
            parts.append(f"{int(deck['struck_off'])} struck off")
        blocks.append(Paragraph("; ".join(parts) + "."))
        if landings:
            blocks.append(_landing_table(landings))
    return (Section("Deck", tuple(blocks)),)


def _landing_table(landings: Sequence[Mapping[str, Any]]) -> Table:
    rows = []
    for landing in landings:
        wire = landing.get("wire")
        if landing.get("struck_off"):
            after, tone = "struck off", Tone.BAD
        elif landing.get("grounded_h") is not None:
            after, tone = f"grounded {_hours(float(landing['grounded_h']))}", Tone.BAD
        elif landing.get("turnaround_s") is not None:
            after, tone = f"ready again in {format_clock(float(landing['turnaround_s']))}", Tone.GOOD
        else:
            after, tone = "turning around", Tone.PLAIN
        cells = (
            landing["callsign"],
            format_clock(float(landing["time_s"])),
            WIRE_NAMES[int(wire) - 1] if isinstance(wire, int) and 1 <= wire <= 4 else "—",
            f"{float(landing['fuel_kg']):.0f}",
            str(landing.get("bolters", 0)),
            after,
        )
        rows.append(Row(cells, tone))
    columns = ("Aircraft", "Landed", "Wire", "Fuel (kg)", "Bolters", "Then")
    return Table(columns, tuple(rows), numeric=frozenset({3, 4}))


def _hours(hours: float) -> str:
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _record(summary: Mapping[str, Any]) -> str:
    events = summary.get("events", {})
    n = sum(events.values())
    return f"{plural(n, 'event')} logged; digest {summary['digest']}."


def _count(pilots: Sequence[Mapping[str, Any]], status: str) -> int:
    return sum(p["status"] == status for p in pilots)


def build_runs_document(runs: Mapping[str, Any]) -> ReportDocument:
    """The report of a batch of runs (`--runs B`): what they add up to, pilot by pilot, and each run's outcome."""
    aggregate = runs["aggregate"]
    losses = aggregate["losses"]
    headline_text = (
        f"{aggregate['runs']} runs. Air Command lost {losses[AIR_COMMAND]['mean']:.1f} aircraft a run on average "
        f"({losses[AIR_COMMAND]['min']}-{losses[AIR_COMMAND]['max']}); the LGFs lost {losses[LGF]['mean']:.1f} "
        f"({losses[LGF]['min']}-{losses[LGF]['max']}). "
        f"{aggregate['photos_returned_mean']:.1f} photos brought home a run."
    )
    pilots = Table(
        columns=("pilot", "callsign", "squadron", "came home", "kills a run", "fates"),
        rows=tuple(
            Row(
                (
                    p["name"],
                    p["callsign"],
                    p["squadron"],
                    f"{100 * p['came_home']:.0f}%",
                    f"{p['kills_mean']:.2f}",
                    ", ".join(f"{status} {n}" for status, n in p["statuses"].items()),
                )
            )
            for p in aggregate["pilots"]
        ),
        numeric=frozenset({3, 4}),
    )
    outcomes = Table(
        columns=("seed", "digest", "Air Command lost", "LGFs lost", "photos home", "ended"),
        rows=tuple(
            Row(
                (
                    str(r["seed"]),
                    str(r["digest"])[:12],
                    str(r["sides"][AIR_COMMAND]["lost"]),
                    str(r["sides"][LGF]["lost"]),
                    str(r["photos_returned"]),
                    format_clock(float(r["sim_seconds"])),
                )
            )
            for r in runs["runs"]
        ),
        numeric=frozenset({2, 3, 4}),
    )
    return ReportDocument(
        title=f"Runs of {runs['scenario']} (seed {runs['seed']})",
        headline=headline_text,
        sections=(Section("Pilots across the runs", (pilots,)), Section("Each run", (outcomes,))),
    )
