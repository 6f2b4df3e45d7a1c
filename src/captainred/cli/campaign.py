"""`captainred campaign ...`: start a campaign, see where it stands, plan and fly the next operation, read its
history and export it."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from captainred.cli.common import UsageProblem, app, check_writable, fail, write_atomically
from captainred.scenario import ScenarioError

campaign_app = typer.Typer(
    no_args_is_help=True,
    help="Carry the war from one operation to the next, in a campaign database (SQLite, or PostgreSQL by URL).",
)
app.add_typer(campaign_app, name="campaign")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="A SQLite file or a postgresql:// URL (default: campaigns.db in the user's data directory)."
    ),
]
NameArgument = Annotated[str, typer.Argument(help="The campaign's name.")]


@contextmanager
def _campaign_store(db: str | None, *, read_only: bool = False) -> Iterator[Any]:
    """Open the campaign database (for reading only, for the commands that only show it, so that they answer
    while an operation is being flown), turning every refusal a player must act on into one `error:` line."""
    from captainred.campaign import CampaignStoreError, open_store
    from captainred.campaign.ledger import CampaignError

    try:
        with open_store(db, read_only=read_only) as store:
            yield store
    except (CampaignError, CampaignStoreError, UsageProblem) as exc:
        fail(str(exc))
    except ScenarioError as exc:
        fail(exc.line())


@campaign_app.command("new")
def campaign_new(name: NameArgument, db: DbOption = None) -> None:
    """Start the story's campaign, from the first briefing after the invasion."""
    from captainred.campaign.founding import new_campaign
    from captainred.campaign.views import campaign_status

    with _campaign_store(db) as store:
        new_campaign(store, name)
        status = campaign_status(store, name)
    upcoming = status.next_operation
    first = f"; first: {upcoming.name} (chapter {upcoming.chapter})" if upcoming else ""
    print(f"Campaign {name!r} started in {store.name}: {len(status.operations)} operations{first}")


@campaign_app.command("status")
def campaign_status_command(name: NameArgument, db: DbOption = None) -> None:
    """Show the fleet, squadrons, pilots, aircraft, intelligence and the next operation's briefing."""
    from captainred.campaign.views import campaign_status

    with _campaign_store(db, read_only=True) as store:
        status = campaign_status(store, name)
    console = Console(width=None if sys.stdout.isatty() else 120)
    console.print(f"[bold]Campaign {status.name}[/bold], day {status.day}")
    fleet = Table(title="Fleet")
    for column in ("carrier", "squadrons", "ready", "under repair"):
        fleet.add_column(column)
    for carrier in status.fleet:
        fleet.add_row(
            carrier.name,
            ", ".join(carrier.squadrons),
            str(carrier.aircraft_ready),
            str(carrier.aircraft_under_repair),
        )
    console.print(fleet)
    squadrons = Table(title="Squadrons")
    for column in ("squadron", "carrier", "type", "pilots fit", "wounded", "aircraft ready", "under repair"):
        squadrons.add_column(column)
    for s in status.squadrons:
        squadrons.add_row(
            s.name,
            s.carrier,
            s.aircraft_type or "-",
            str(s.pilots_fit),
            str(s.pilots_wounded),
            str(s.aircraft_ready),
            str(s.aircraft_under_repair),
        )
    console.print(squadrons)
    pilots = Table(title="Pilots")
    for column in ("pilot", "callsign", "squadron", "status", "skill", "sorties", "hours", "kills", "photos"):
        pilots.add_column(column)
    for p in status.pilots:
        state = f"wounded, {p.days_left} days left" if p.status == "wounded" else p.status
        pilots.add_row(
            p.name + (f" ({p.nickname})" if p.nickname else ""),
            p.callsign,
            p.squadron or "-",
            state,
            f"{p.skill:.2f}",
            str(p.sorties),
            f"{p.hours_flown:.1f}",
            str(p.kills),
            str(p.photos),
        )
    console.print(pilots)
    aircraft = Table(title="Aircraft")
    for column in ("serial", "type", "squadron", "where", "state"):
        aircraft.add_column(column)
    for a in status.aircraft:
        state = (
            f"under repair: {a.hours_left:,.0f} hours of work left, ready in {a.days_left} days"
            if a.state == "repair" and a.hours_left is not None and a.days_left is not None
            else a.state
        )
        aircraft.add_row(a.serial, a.aircraft_type, a.squadron or "-", a.carrier or "-", state)
    console.print(aircraft)
    if status.intelligence:
        console.print("[bold]Intelligence[/bold]")
        for item in status.intelligence:
            console.print(f"  {item.summary}", markup=False)
    upcoming = status.next_operation
    if upcoming is None:
        console.print("The campaign is over: every operation has been flown.")
    else:
        when = f"in {upcoming.days_before} days" if upcoming.days_before else "now"
        console.print(f"[bold]Next: {upcoming.name}[/bold] (chapter {upcoming.chapter}, {when})")
        console.print(upcoming.briefing.strip(), markup=False)


@campaign_app.command("next")
def campaign_next(name: NameArgument, db: DbOption = None) -> None:
    """Fly the next operation (or live through the next interlude) and record what happened."""
    from captainred.campaign.game import fly_next

    with _campaign_store(db) as store:
        result = fly_next(store, name)
    print(f"{result.name} (chapter {result.chapter}), day {result.flown_on_day}; now day {result.day_after}")
    if result.interlude:
        print(f"  {result.trained} pilots trained; re-equipped: {', '.join(result.re_equipped) or 'none'}")
    else:
        print(f"  {len(result.flew)} flew, {result.kills} kills, {result.photos_returned} photos brought home")
        for fate in ("killed", "missing", "captured", "wounded", "rescued"):
            names = getattr(result, fate)
            if names:
                print(f"  {fate}: {', '.join(names)}")
        if result.secret_kept is not None:
            print(f"  the captive's secret: {'kept' if result.secret_kept else 'broken: the enemy has it'}")
        if result.aircraft_lost:
            print(f"  aircraft lost: {', '.join(result.aircraft_lost)}")
        if result.aircraft_under_repair:
            print(f"  under repair: {', '.join(result.aircraft_under_repair)}")
    print(f"  digest {result.digest[:16]}; {result.remaining} operations to go")


@campaign_app.command("history")
def campaign_history_command(name: NameArgument, db: DbOption = None) -> None:
    """List the operations flown, each with its after-action report."""
    from captainred.campaign.views import campaign_history

    with _campaign_store(db, read_only=True) as store:
        history = campaign_history(store, name)
    if not history:
        print(f"Campaign {name!r}: nothing flown yet")
    for entry in history:
        operation = entry.operation
        print(
            f"== {operation.sequence + 1}. {operation.name} (chapter {operation.chapter}, day {operation.flown_on_day})"
        )
        print((entry.report_md or "").rstrip())
        print()


@campaign_app.command("export")
def campaign_export(
    name: NameArgument,
    db: DbOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON here (default: stdout).")
    ] = None,
) -> None:
    """Write the whole campaign as JSON."""
    from captainred.campaign.views import export_campaign

    with _campaign_store(db, read_only=True) as store:
        check_writable(output, "--output")
        document = export_campaign(store, name)
        text = json.dumps(document, indent=2, allow_nan=False) + "\n"
        if output is None:
            sys.stdout.write(text)
        else:
            write_atomically(output, text, "--output")
    if output is not None:
        print(f"Wrote {output}")


def _squadron_plan(text: str) -> Any:
    """`CODE:AIRCRAFT[:PHOTO[:ROCKETS]]`, as a SquadronPlan."""
    from pydantic import ValidationError

    from captainred.campaign.story import SquadronPlan

    code, *numbers = text.split(":")
    if not code or not 1 <= len(numbers) <= 3 or not all(n.strip().isdigit() for n in numbers):
        raise UsageProblem(f"--squadron: {text!r}: expected CODE:AIRCRAFT[:PHOTO[:ROCKETS]], e.g. devils:8:2")
    fields = dict(zip(("aircraft", "photo_aircraft", "rockets"), (int(n) for n in numbers), strict=False))
    try:
        return SquadronPlan(squadron=code.strip(), **fields)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        raise UsageProblem(f"--squadron: {text!r}: {where + ': ' if where else ''}{message}") from None


@campaign_app.command("plan")
def campaign_plan(
    name: NameArgument,
    db: DbOption = None,
    squadrons: Annotated[
        list[str] | None,
        typer.Option(
            "--squadron",
            "-s",
            help="CODE:AIRCRAFT[:PHOTO[:ROCKETS]]: a squadron that flies (repeat for each; replaces the plan's).",
        ),
    ] = None,
    bingo: Annotated[
        str | None, typer.Option("--bingo", help="Bingo fuel in kg, or 'auto' (worked out from the distance).")
    ] = None,
    radio: Annotated[
        str | None, typer.Option("--radio", help="Radio discipline: normal, essential or silence.")
    ] = None,
) -> None:
    """Show the next operation's plan and what the fleet can put up, or change it."""
    from captainred.campaign.planning import next_plan, set_plan

    with _campaign_store(db) as store:
        planned = next_plan(store, name)
        changes: dict[str, Any] = {}
        if squadrons:
            changes["squadrons"] = tuple(_squadron_plan(text) for text in squadrons)
            codes = [s.squadron for s in changes["squadrons"]]
            twice = sorted({code for code in codes if codes.count(code) > 1})
            if twice:
                raise UsageProblem(f"--squadron: {', '.join(twice)} given twice")
        if bingo is not None:
            if bingo == "auto":
                changes["bingo_fuel_kg"] = None
            else:
                try:
                    changes["bingo_fuel_kg"] = float(bingo)
                except ValueError:
                    raise UsageProblem(f"--bingo: {bingo!r}: a number of kg, or 'auto'") from None
                if not 0 <= changes["bingo_fuel_kg"] <= 100_000:
                    raise UsageProblem(f"--bingo: {bingo}: must be between 0 and 100000 kg")
        if radio is not None:
            if radio not in ("normal", "essential", "silence"):
                raise UsageProblem(f"--radio: {radio!r}: one of normal, essential, silence")
            changes["radio"] = radio
        if changes:
            planned = set_plan(store, name, planned.plan.model_copy(update=changes))
    plan = planned.plan
    print(f"{planned.operation} ({planned.scenario}), flying on day {planned.day}")
    bingo_text = "auto" if plan.bingo_fuel_kg is None else f"{plan.bingo_fuel_kg:g} kg"
    print(f"  radio: {plan.radio or 'as briefed'}; bingo fuel: {bingo_text}")
    for s in plan.squadrons:
        rockets = "full load" if s.rockets is None else f"{s.rockets}"
        print(f"  {s.squadron}: {s.aircraft} aircraft, {s.photo_aircraft} with cameras, rockets: {rockets}")
    print("Can put up:")
    for r in planned.readiness:
        kind = r.aircraft_type or "no aircraft"
        print(f"  {r.code}: {r.can_fly} ({r.pilots_fit} fit pilots, {r.aircraft_ready} ready {kind})")
