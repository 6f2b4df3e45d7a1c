"""The after-action report as data: a title, a headline and sections of paragraphs and tables.

What the report says is decided here, once, from a summary and a timeline: the outcome in a sentence, the
timeline, the pilots and their fates, each side's losses, the photographs. The writers in
`captainred.report.render` only lay this structure out (Rich for the terminal, Markdown for a file), so the
two reports cannot drift apart. A row may carry a `Tone` that a writer can show (colour on a terminal).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from captainred.engine.events import LOSS_KINDS, EventKind
from captainred.report.summary import (
    DeckRecord,
    FrontRecord,
    Landing,
    PilotRecord,
    RaidRecord,
    RunsSummary,
    Sides,
    Summary,
)
from captainred.report.timeline import TimelineRow, format_clock, plural
from captainred.scenario.sides import AIR_COMMAND, LGF

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


def build_document(summary: Summary, timeline: Sequence[TimelineRow]) -> ReportDocument:
    """The report's content, from a single-run summary and its timeline."""
    return ReportDocument(
        title=f"After-action report: {summary.scenario} (seed {summary.seed})",
        headline=headline(summary),
        sections=(
            Section("Timeline", (_timeline_table(timeline),)),
            *_air_sections(summary),
            *((_radio_section(timeline),) if summary.pilots else ()),
            *((_raid_section(summary.raid),) if summary.raid else ()),
            *((_front_section(summary.front),) if summary.front else ()),
            *_deck_sections(summary.carriers),
            Section("Record", (Paragraph(_record(summary)),)),
        ),
    )


def _air_sections(summary: Summary) -> tuple[Section, ...]:
    """Pilots, losses and photos: left out of a raid on foot in which no aircraft flew."""
    if summary.raid and not summary.pilots:
        return ()
    return (
        Section("Pilots", (_pilot_table(summary.pilots),)),
        Section("Losses", (_loss_table(summary.sides),)),
        _photo_section(summary),
    )


def _radio_section(timeline: Sequence[TimelineRow]) -> Section:
    """Who talked on the radio: calls and maydays by callsign, the most talkative first, and how often
    the mother ship heard each (and sent the swarm after her)."""
    calls: Counter[str] = Counter(r.who for r in timeline if r.kind is EventKind.RADIO)
    maydays: Counter[str] = Counter(r.who for r in timeline if r.kind is EventKind.MAYDAY)
    heard: Counter[str] = Counter(r.who for r in timeline if r.kind is EventKind.HEARD)
    talkers = sorted(set(calls) | set(maydays), key=lambda who: (-(calls[who] + maydays[who]), who))
    blocks: list[Block] = []
    if talkers:
        rows = tuple(Row((who, str(calls[who]), str(maydays[who]), str(heard[who])), Tone.RADIO) for who in talkers)
        blocks.append(Table(("Callsign", "Calls", "Maydays", "Heard by the ship"), rows))
    else:
        blocks.append(Paragraph("Nobody spoke on the radio."))
    return Section("Radio", tuple(blocks))


def headline(summary: Summary) -> str:
    """The outcome in a sentence or two: who was lost, what came home, how it ended."""
    raid = summary.raid
    if raid and not summary.pilots:
        return (
            f"The raid: the captive {raid.captive}, her secret {'kept' if raid.secret_kept else 'broken'}; "
            f"{raid.killed} of {len(raid.party)} of the party killed, {raid.wounded} wounded"
            + (", the party trapped inside" if raid.trapped_inside else "")
            + f"; {raid.minutes:.0f} min."
        )
    ours = summary.sides.of(AIR_COMMAND)
    theirs = summary.sides.of(LGF)
    pilots = summary.pilots
    fates = [f"{n} {status}" for status in ("killed", "missing", "captured") if (n := _count(pilots, status))]
    lost = f"{ours.lost} lost" + (f" ({', '.join(fates)})" if fates else "")
    parts = [
        f"Air Command: {ours.launched} launched, {lost}, {ours.returned} home"
        + (f", {ours.airborne} still airborne" if ours.airborne else "")
        + ".",
        f"LGFs: {theirs.lost} of {theirs.launched} brought down.",
        f"{plural(summary.photos_returned, 'photo')} brought home.",
    ]
    if summary.front is not None:
        parts[-1] = _front_headline(summary.front)
    ended = f"Ended after {format_clock(float(summary.sim_seconds))}"
    reason = summary.end_reason
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


def _pilot_table(pilots: Sequence[PilotRecord]) -> Table:
    rows = []
    for p in pilots:
        name = p.name + (f" “{p.nickname}”" if p.nickname else "")
        status = p.status + (" (wounded)" if p.wounded and p.status != "wounded" else "")
        fuel = "—" if p.fuel_left_kg is None else f"{p.fuel_left_kg:.0f}"
        tone = Tone.BAD if p.lost else Tone.PLAIN
        cells = (name, p.callsign, p.squadron_name or p.squadron, status, str(p.kills))
        rows.append(Row((*cells, str(p.photos_returned), fuel), tone))
    columns = ("Pilot", "Callsign", "Squadron", "Status", "Kills", "Photos home", "Fuel left (kg)")
    return Table(columns, tuple(rows), numeric=frozenset({4, 5, 6}))


def _loss_table(sides: Sides) -> Table:
    rows = tuple(
        Row(
            (
                SIDE_TITLES[side],
                *map(str, (counts.launched, counts.lost, counts.returned, counts.airborne, counts.kills)),
            )
        )
        for side, counts in sides.items()
    )
    columns = ("Side", "Launched", "Lost", "Home", "Airborne at end", "Kills")
    return Table(columns, rows, numeric=frozenset({1, 2, 3, 4, 5}))


def _front_headline(front: FrontRecord) -> str:
    held = "The front held" if front.held else f"The front broke after {format_clock(front.broken_s or 0.0)}"
    return (
        f"{held}: {front.positions_lost} of {front.positions} positions lost, "
        f"{round(100 * front.strength_left)}% of the line's strength left; LGFs brought down by batteries "
        f"{front.lgfs_down_by_batteries}, by fighters {front.lgfs_down_by_fighters}."
    )


def _front_section(front: FrontRecord) -> Section:
    told = (
        f"{_front_headline(front)} {plural(front.waves, 'wave')} of the swarm, {front.lgfs_sent} LGFs, "
        f"went for the line; {front.batteries_silenced} of {front.batteries} batteries fell silent; "
        f"the squadrons flew {plural(front.relaunches, 'relay')} after their first sorties, "
        f"{plural(front.diverted, 'aircraft')} diverted, and they lost {plural(front.pilots_lost, 'pilot')}."
    )
    rows = tuple(
        Row(
            (
                u.unit,
                f"{u.strength_left:.0f} of {u.full_strength:.0f}",
                str(u.garrison),
                str(u.bolts_taken),
                "—" if u.rounds_fired is None else str(u.rounds_fired),
                "—" if u.kills is None else str(u.kills),
            ),
            Tone.BAD if u.lost else Tone.PLAIN,
        )
        for u in front.units
    )
    table = Table(
        ("Unit", "Strength", "Garrison", "Bolts taken", "Rounds fired", "LGFs down"),
        rows,
        numeric=frozenset({2, 3, 4, 5}),
    )
    return Section("The front", (Paragraph(told), table))


def _raid_section(raid: RaidRecord) -> Section:
    told = (
        f"The captive: {raid.captive}, her secret {'kept' if raid.secret_kept else 'broken'} "
        f"after {raid.searched_h:.0f} h of searching. The raid took {raid.minutes:.0f} min: "
        f"{plural(raid.spotted, 'patrol')} spotted the party, {plural(raid.firefights, 'firefight')}, "
        f"{raid.killed} of {len(raid.party)} killed and {raid.wounded} wounded"
        + ("; the party is trapped inside." if raid.trapped_inside else ".")
    )
    fates = {"out": "out again", "inside": "inside the ship", "outside": "outside", "killed": "killed"}
    rows = tuple(
        Row(
            (
                m.name,
                m.weapon + (f", {m.sidearm}" if m.sidearm else ""),
                f"{m.load_kg:.1f}",
                fates[m.fate] + (f" ({m.cause})" if m.cause else ""),
                ", ".join(w for w, on in (("wounded", m.wounded), ("stripped", m.stripped)) if on) or "—",
            ),
            Tone.BAD if m.fate == "killed" else Tone.PLAIN,
        )
        for m in raid.party
    )
    table = Table(("Member", "Weapons", "Load (kg)", "Fate", "Also"), rows, numeric=frozenset({2}))
    return Section("The raid", (Paragraph(told), table))


def _photo_section(summary: Summary) -> Section:
    cameras = [p for p in summary.pilots if p.photo_aircraft or p.photos_taken]
    total = Paragraph(f"{plural(summary.photos_returned, 'photo')} brought home.")
    if not cameras:
        return Section("Photos", (total,))
    rows = tuple(
        Row(
            (p.callsign, p.name, str(p.photos_taken), str(p.photos_returned), p.status),
            Tone.BAD if p.photos_taken and not p.photos_returned else Tone.PLAIN,
        )
        for p in cameras
    )
    table = Table(("Camera aircraft", "Pilot", "Taken", "Home", "Status"), rows, numeric=frozenset({2, 3}))
    return Section("Photos", (total, table))


WIRE_NAMES = ("first", "second", "third", "last")


def _deck_sections(carriers: Mapping[str, DeckRecord]) -> tuple[Section, ...]:
    """The deck: for each carrier, launch and recovery times, wires, bolters, and each landing with its
    fuel, its turnaround or how long the aircraft is grounded."""
    if not carriers:
        return ()
    blocks: list[Block] = []
    for name, deck in carriers.items():
        landings = deck.landings
        parts = [f"{name}: {plural(deck.launched, 'aircraft')} launched"]
        if deck.first_launch_s is not None and deck.last_launch_s is not None:
            parts[0] += f" {format_clock(deck.first_launch_s)}–{format_clock(deck.last_launch_s)}"
        recovered = f"{deck.recovered} recovered"
        if landings:
            recovered += f" {format_clock(landings[0].time_s)}–{format_clock(landings[-1].time_s)}"
        parts.append(recovered)
        if sum(deck.wires):
            parts.append("wires " + ", ".join(f"{WIRE_NAMES[k]} {n}" for k, n in enumerate(deck.wires) if n))
        parts.append(plural(deck.bolters, "bolter"))
        if deck.hard_landings:
            parts.append(plural(deck.hard_landings, "hard landing"))
        parts.append(f"{deck.grounded} grounded")
        if deck.struck_off:
            parts.append(f"{deck.struck_off} struck off")
        blocks.append(Paragraph("; ".join(parts) + "."))
        if landings:
            blocks.append(_landing_table(landings))
    return (Section("Deck", tuple(blocks)),)


def _landing_table(landings: Sequence[Landing]) -> Table:
    rows = []
    for landing in landings:
        wire = landing.wire
        if landing.struck_off:
            after, tone = "struck off", Tone.BAD
        elif landing.grounded_h is not None:
            after, tone = f"grounded {_hours(landing.grounded_h)}", Tone.BAD
        elif landing.turnaround_s is not None:
            after, tone = f"ready again in {format_clock(landing.turnaround_s)}", Tone.GOOD
        else:
            after, tone = "turning around", Tone.PLAIN
        cells = (
            landing.callsign,
            format_clock(landing.time_s),
            WIRE_NAMES[wire - 1] if wire is not None and 1 <= wire <= 4 else "—",
            f"{landing.fuel_kg:.0f}",
            str(landing.bolters),
            after,
        )
        rows.append(Row(cells, tone))
    columns = ("Aircraft", "Landed", "Wire", "Fuel (kg)", "Bolters", "Then")
    return Table(columns, tuple(rows), numeric=frozenset({3, 4}))


def _hours(hours: float) -> str:
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _record(summary: Summary) -> str:
    n = sum(summary.events.values())
    return f"{plural(n, 'event')} logged; digest {summary.digest}."


def _count(pilots: Sequence[PilotRecord], status: str) -> int:
    return sum(p.status == status for p in pilots)


def build_runs_document(runs: RunsSummary) -> ReportDocument:
    """The report of a batch of runs (`--runs B`): what they add up to, pilot by pilot, and each run's outcome."""
    aggregate = runs.aggregate
    ours, theirs = aggregate.losses[AIR_COMMAND], aggregate.losses[LGF]
    headline_text = (
        f"{aggregate.runs} runs. Air Command lost {ours.mean:.1f} aircraft a run on average "
        f"({ours.min}-{ours.max}); the LGFs lost {theirs.mean:.1f} "
        f"({theirs.min}-{theirs.max}). "
        f"{aggregate.photos_returned_mean:.1f} photos brought home a run."
    )
    pilots = Table(
        columns=("pilot", "callsign", "squadron", "came home", "kills a run", "fates"),
        rows=tuple(
            Row(
                (
                    p.name,
                    p.callsign,
                    p.squadron,
                    f"{100 * p.came_home:.0f}%",
                    f"{p.kills_mean:.2f}",
                    ", ".join(f"{status} {n}" for status, n in p.statuses.items()),
                )
            )
            for p in aggregate.pilots
        ),
        numeric=frozenset({3, 4}),
    )
    outcomes = Table(
        columns=("seed", "digest", "Air Command lost", "LGFs lost", "photos home", "ended"),
        rows=tuple(
            Row(
                (
                    str(r.seed),
                    r.digest[:12],
                    str(r.sides.air_command.lost),
                    str(r.sides.lgf.lost),
                    str(r.photos_returned),
                    format_clock(r.sim_seconds),
                )
            )
            for r in runs.runs
        ),
        numeric=frozenset({2, 3, 4}),
    )
    return ReportDocument(
        title=f"Runs of {runs.scenario} (seed {runs.seed})",
        headline=headline_text,
        sections=(Section("Pilots across the runs", (pilots,)), Section("Each run", (outcomes,))),
    )
