"""One run of a sweep as one flat row: what the battle's summary says, column by column.

The row is read from `report.summarize` (the event log's summary), never from the engine, so a sweep's
table and `captainred run --json` can never disagree. The columns are declared once, with their Arrow
types, so every part file of a sweep has the same schema, whatever its runs happened to produce.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from captainred.report.summary import SIDE_COUNTS, Summary
from captainred.scenario.sides import SIDES

PILOT_FATES = ("killed", "missing", "captured", "wounded")
PILOT_PREFIX = "pilot:"  # one column per callsign: that pilot's fate in the run (null: she did not fly)

RUN_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("cell", pa.int32()),
    ("run", pa.int32()),
    ("seed", pa.int64()),
    ("digest", pa.string()),
    ("sim_seconds", pa.float64()),
    ("end_reason", pa.string()),
    *((f"{side}_{count}", pa.int32()) for side in SIDES for count in SIDE_COUNTS),
    ("pilots_home", pa.int32()),
    ("pilots_lost", pa.int32()),
    *((f"pilots_{fate}", pa.int32()) for fate in PILOT_FATES),
    ("all_home", pa.bool_()),
    ("photos_taken", pa.int32()),
    ("photos_returned", pa.int32()),
    ("fuel_at_landing_mean_kg", pa.float64()),
    ("fuel_at_landing_min_kg", pa.float64()),
    ("net_held", pa.bool_()),
    # A raid on foot (null for a battle without one).
    ("raid_captive", pa.string()),
    ("raid_secret_kept", pa.bool_()),
    ("raid_killed", pa.int32()),
    ("raid_wounded", pa.int32()),
    ("raid_minutes", pa.float64()),
    # The front (null for a battle without one).
    ("front_held", pa.bool_()),
    ("front_broken_s", pa.float64()),
    ("front_strength_left", pa.float64()),
    ("front_positions_lost", pa.int32()),
    ("front_batteries_silenced", pa.int32()),
    ("front_lgfs_down_by_batteries", pa.int32()),
    ("front_lgfs_down_by_fighters", pa.int32()),
    ("front_relaunches", pa.int32()),
    ("front_diverted", pa.int32()),
)


def run_row(cell: int, run: int, summary: Summary) -> dict[str, Any]:
    """The row of one run, from its summary (`report.summarize`)."""
    pilots = summary.pilots
    home = [p for p in pilots if p.home]
    fuel = [p.fuel_left_kg for p in home if p.fuel_left_kg is not None]
    row: dict[str, Any] = {
        "cell": cell,
        "run": run,
        "seed": summary.seed,
        "digest": summary.digest,
        "sim_seconds": float(summary.sim_seconds),
        "end_reason": summary.end_reason,
    }
    for side in SIDES:
        counts = summary.sides.of(side)
        for count in SIDE_COUNTS:
            row[f"{side}_{count}"] = getattr(counts, count)
    row["pilots_home"] = len(home)
    row["pilots_lost"] = sum(p.lost for p in pilots)
    for fate in PILOT_FATES:
        row[f"pilots_{fate}"] = sum(p.status == fate for p in pilots)
    row["all_home"] = len(home) == len(pilots)
    row["photos_taken"] = sum(p.photos_taken for p in pilots)
    row["photos_returned"] = summary.photos_returned
    row["fuel_at_landing_mean_kg"] = statistics.fmean(fuel) if fuel else None
    row["fuel_at_landing_min_kg"] = min(fuel) if fuel else None
    row["net_held"] = None if summary.net is None else summary.net.held
    raid = summary.raid
    row["raid_captive"] = None if raid is None else raid.captive
    row["raid_secret_kept"] = None if raid is None else raid.secret_kept
    row["raid_killed"] = None if raid is None else raid.killed
    row["raid_wounded"] = None if raid is None else raid.wounded
    row["raid_minutes"] = None if raid is None else float(raid.minutes)
    front = summary.front
    row["front_held"] = None if front is None else front.held
    row["front_broken_s"] = None if front is None else front.broken_s
    row["front_strength_left"] = None if front is None else front.strength_left
    for count in (
        "positions_lost",
        "batteries_silenced",
        "lgfs_down_by_batteries",
        "lgfs_down_by_fighters",
        "relaunches",
    ):
        row[f"front_{count}"] = None if front is None else getattr(front, count)
    for p in pilots:
        row[PILOT_PREFIX + p.callsign] = p.status
    return row


def schema(params: Iterable[tuple[str, pa.DataType]], callsigns: Iterable[str]) -> pa.Schema:
    """The sweep's table: the run columns, a column per varied field, and a column per pilot's callsign."""
    fields = [pa.field(name, kind) for name, kind in RUN_COLUMNS]
    fields[2:2] = [pa.field(name, kind) for name, kind in params]
    fields += [pa.field(PILOT_PREFIX + c, pa.string()) for c in callsigns]
    return pa.schema(fields)


def param_type(values: Iterable[Any]) -> pa.DataType:
    """The Arrow type of a varied field's column: bool, int, float when numbers mix, else text."""
    values = list(values)
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


def param_value(value: Any, kind: pa.DataType) -> Any:
    """A varied field's value as its column holds it."""
    if kind == pa.float64():
        return float(value)
    if kind == pa.string():
        return value if isinstance(value, str) else str(value)
    return value
