"""What a calibration writes: the best values and their targets' intervals (`best.json`), every trial
(`trials.json`), a report (`report.md`) and a plot of the search (`search.png`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from captainred.sweep.calibrate import Calibration, Point
from captainred.sweep.measures import QUANTITIES
from captainred.sweep.targets import Target


def write_calibration(result: Calibration, folder: Path, command: str) -> list[str]:
    """Write every output of a calibration into `folder`; their names."""
    best = {"command": command, **result.as_dict()}
    (folder / "best.json").write_text(json.dumps(best, indent=2) + "\n")
    trials = [
        {
            "trial": p.number,
            "values": p.values,
            "objective": p.objective,
            "estimates": [e.as_dict() for e in p.estimates],
        }
        for p in result.trials
    ]
    (folder / "trials.json").write_text(json.dumps({"labels": _labels(result), "trials": trials}, indent=2) + "\n")
    (folder / "report.md").write_text(render_report(result, command))
    render_search(result, folder / "search.png")
    return ["best.json", "trials.json", "report.md", "search.png"]


def _labels(result: Calibration) -> list[str]:
    return [t.label for t in result.targets.targets]


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if float(value).is_integer() and abs(value) >= 1 else f"{value:.4g}"


def _estimate(point: Point, i: int, *, percent: bool) -> str:
    e = point.estimates[i]
    if e.value is None or e.low is None or e.high is None:
        return "—"
    if percent:
        return f"{e.value:.0%} ({e.low:.0%}–{e.high:.0%})"
    return f"{e.value:.2f} ({e.low:.2f}–{e.high:.2f})"


def _in_band(point: Point, i: int, band: tuple[float, float]) -> str:
    value = point.estimates[i].value
    return "yes" if value is not None and band[0] <= value <= band[1] else "no"


def _target_table(result: Calibration, columns: list[tuple[str, Point, bool]]) -> list[str]:
    """A Markdown table of the targets: each column (header, point, in_band) shows the point's estimate of
    every target, or whether it falls inside the band."""
    lines = ["| target | band | " + " | ".join(h for h, _, _ in columns) + " |", "|---|---|" + "---|" * len(columns)]
    for i, t in enumerate(result.targets.targets):
        pct, band = _band(t)
        cells = [_in_band(p, i, t.band) if in_band else _estimate(p, i, percent=pct) for _, p, in_band in columns]
        lines.append(f"| {t.label} | {band} | " + " | ".join(cells) + " |")
    return lines


def render_report(result: Calibration, command: str) -> str:
    """The Markdown report: what moved from what to what, each target before and after, the search."""
    best, base = result.best, result.baseline
    lines = [
        f"# Calibration of {result.scenario}",
        "",
        f"`{command}`",
        "",
        f"Targets from `{result.targets.source}`. {len(result.trials)} trials, each fought over the same "
        f"{len(result.seeds)} seeds (spawned from {result.seed}); TPE sampler seeded with {result.seed}. "
        f"Best: trial {best.number}, objective {best.objective:.4g} (the scenario as it is: {base.objective:.4g}; "
        "0 is every target inside its band).",
        "",
    ]
    if result.targets.description:
        lines += [result.targets.description, ""]
    lines += ["## Design values", "", "| design value | bounds | was | best |", "|---|---|---|---|"]
    for r in result.space.ranges:
        was = result.space.base_values[r.name]
        lines.append(
            f"| `{r.name}` | {_number(r.low)} – {_number(r.high)} | {_number(was)} | {_number(best.values[r.name])} |"
        )
    lines += [
        "",
        "## Targets (95% intervals over the search's seeds)",
        "",
        *_target_table(
            result,
            [("as it was", base, False), ("in band", base, True), ("best", best, False), ("in band", best, True)],
        ),
    ]
    why = [(t.label, t.why) for t in result.targets.targets if t.why]
    if why:
        lines += ["", "Where the bands come from:", ""] + [f"- **{label}**: {text}" for label, text in why]
    if result.check is not None:
        before, after = result.check
        n = len(next(iter(before.runs.values()), []))
        lines += [
            "",
            f"## Before and after, over {n} fresh seed{'' if n == 1 else 's'}",
            "",
            *_target_table(result, [("before", before, False), ("after", after, False)]),
        ]
        lines += ["", "Runs by value (before → after):", ""]
        for quantity in before.runs:
            lines.append(
                f"- {QUANTITIES[quantity].label}: {_counts(before.runs[quantity])} → {_counts(after.runs[quantity])}"
            )
    lines += [
        "",
        "## The search",
        "",
        "![the search](search.png)",
        "",
        "| trial | objective | " + " | ".join(f"`{name}`" for name in result.space.names) + " |",
        "|---|---|" + "---|" * len(result.space.names),
    ]
    for p in sorted(result.trials, key=lambda p: (p.objective, p.number))[:20]:
        lines.append(
            f"| {p.number} | {p.objective:.4g} | " + " | ".join(_number(p.values[n]) for n in result.space.names) + " |"
        )
    if len(result.trials) > 20:
        lines.append(f"\nThe best 20 of {len(result.trials)} trials; every one is in `trials.json`.")
    return "\n".join(lines) + "\n"


def _counts(values: list[float | None]) -> str:
    """`0: 12, 1: 30, 2: 8` for whole numbers; the mean and range otherwise."""
    present = [v for v in values if v is not None]
    if not present:
        return "—"
    if all(float(v).is_integer() for v in present):
        counts: dict[int, int] = {}
        for v in present:
            counts[int(v)] = counts.get(int(v), 0) + 1
        return ", ".join(f"{k}: {counts[k]}" for k in sorted(counts))
    return f"mean {sum(present) / len(present):.3g} (from {min(present):.3g} to {max(present):.3g})"


def render_search(result: Calibration, path: Path) -> None:
    """The objective trial by trial with the best so far; each design value against the objective; and,
    with a check over fresh seeds, the first target's quantity before and after."""
    panels = 3 if result.check is not None else 2
    figure, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.2), layout="constrained")
    numbers = [p.number for p in result.trials]
    objectives = [max(p.objective, 1e-6) for p in result.trials]
    best_so_far = [min(objectives[: i + 1]) for i in range(len(objectives))]
    ax = axes[0]
    ax.scatter(numbers, objectives, s=18, label="trial")
    ax.step(numbers, best_so_far, where="post", color="C3", label="best so far")
    ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel("objective (misses, in band widths²)")
    ax.set_title("the search")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax = axes[1]
    for k, r in enumerate(result.space.ranges):
        span = (r.high - r.low) or 1.0
        xs = [(float(p.values[r.name]) - r.low) / span for p in result.trials]
        ax.scatter(xs, objectives, s=14, alpha=0.7, color=f"C{k}", label=r.name)
        ax.axvline((float(result.best.values[r.name]) - r.low) / span, color=f"C{k}", lw=1, ls="--")
    ax.set_yscale("log")
    ax.set_xlabel("design value, from its low bound (0) to its high bound (1)")
    ax.set_ylabel("objective")
    ax.set_title("design values (dashed: the best)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="x-small")
    if result.check is not None:
        before, after = result.check
        quantity = result.targets.targets[0].quantity
        _histogram(axes[2], before.runs[quantity], after.runs[quantity], QUANTITIES[quantity].label)
    figure.suptitle(f"calibration of {result.scenario}: {len(result.trials)} trials × {len(result.seeds)} seeds")
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _histogram(ax: Any, before: list[float | None], after: list[float | None], label: str) -> None:
    b = [v for v in before if v is not None]
    a = [v for v in after if v is not None]
    values = b + a
    if not values:
        return
    if all(float(v).is_integer() for v in values):
        bins: Any = [x - 0.5 for x in range(int(min(values)), int(max(values)) + 2)]
    else:
        bins = 20
    ax.hist([b, a], bins=bins, label=["before", "after"])
    ax.set_xlabel(label)
    ax.set_ylabel("runs")
    ax.set_title(f"over {len(b)} fresh seeds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")


def _band(target: Target) -> tuple[bool, str]:
    """Whether a target is a probability, and its band as the report writes it."""
    pct = target.statistic == "probability"
    low, high = target.band
    return pct, (f"{low:.0%} – {high:.0%}" if pct else f"{low:g} – {high:g}")
