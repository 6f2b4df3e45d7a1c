"""A sweep's plots (PNG) and its page (one self-contained HTML file): losses per side, who came home, photos
brought back and fuel at landing, each against every varied field, with 95% intervals.

With one varied field, each panel is that field against the quantity. With two, the second draws one line
per value. With more, each field is plotted against the mean over all the others. With none, the panels
are histograms of the runs.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: never a window, never a display
import matplotlib.pyplot as plt
import pyarrow as pa
from matplotlib.figure import Figure
from rich.table import Table

from captainred.sweep.stats import MEANS, OUTCOMES, mean_interval

PANELS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("losses per side", "aircraft lost", ("air_command_lost", "lgf_lost")),
    ("who came home", "pilots", ("pilots_home", "pilots_lost")),
    ("photos brought back", "photos", ("photos_returned",)),
    ("fuel at landing", "kg (mean of those home)", ("fuel_at_landing_mean_kg",)),
)
LABELS = {
    "air_command_lost": "Air Command",
    "lgf_lost": "LGF",
    "pilots_home": "home",
    "pilots_lost": "lost (killed, missing, captured)",
    "photos_returned": "photos home",
    "fuel_at_landing_mean_kg": "fuel at landing",
}


def render_plots(table: pa.Table, params: Sequence[str], folder: Path, title: str) -> list[Path]:
    """Write one PNG per varied field (or one of histograms) into `folder`; their paths, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = table.to_pydict()
    figures = [(name, _against(columns, params, name)) for name in params] or [("runs", _histograms(columns))]
    paths = []
    for name, figure in figures:
        figure.suptitle(f"{title}: {name}" if params else f"{title}: {len(columns['run'])} runs")
        path = folder / f"{_file_name(name)}.png"
        figure.savefig(path, dpi=110)
        paths.append(path)
        plt.close(figure)
    return paths


def _against(columns: dict[str, list[Any]], params: Sequence[str], name: str) -> Figure:
    others = [p for p in params if p != name]
    split = others[0] if len(params) == 2 else None
    xs = _ordered(columns[name])
    numeric = all(isinstance(x, int | float) and not isinstance(x, bool) for x in xs)
    positions = xs if numeric else list(range(len(xs)))
    figure, axes = plt.subplots(2, 2, figsize=(11, 7.5), layout="constrained")
    for ax, (heading, unit, quantities) in zip(axes.flat, PANELS, strict=True):
        for quantity in quantities:
            for group in _ordered(columns[split]) if split else [None]:
                points = []
                for position, x in zip(positions, xs, strict=True):
                    rows = [
                        i
                        for i, value in enumerate(columns[name])
                        if value == x and (split is None or columns[split][i] == group)
                    ]
                    values = [float(columns[quantity][i]) for i in rows if columns[quantity][i] is not None]
                    estimate = mean_interval(values)
                    if estimate.value is not None:
                        points.append((position, estimate.value, estimate.low, estimate.high))
                if not points:
                    continue
                p, m, lo, hi = (list(column) for column in zip(*points, strict=True))
                below = [a - b for a, b in zip(m, lo, strict=True)]
                above = [b - a for a, b in zip(m, hi, strict=True)]
                label = LABELS[quantity] if group is None else f"{LABELS[quantity]}, {split}={group}"
                ax.errorbar(p, m, yerr=[below, above], marker="o", capsize=3, label=label)
        if not numeric:
            ax.set_xticks(range(len(xs)), [str(x) for x in xs])
        elif len(xs) <= 12:
            ax.set_xticks(xs)
        ax.set_title(heading)
        ax.set_xlabel(name if not others or split else f"{name} (mean over {', '.join(others)})")
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        if ax.has_data():
            ax.legend(fontsize="small")
    return figure


def _histograms(columns: dict[str, list[Any]]) -> Figure:
    figure, axes = plt.subplots(2, 2, figsize=(11, 7.5), layout="constrained")
    for ax, (heading, unit, quantities) in zip(axes.flat, PANELS, strict=True):
        for quantity in quantities:
            values = [float(v) for v in columns[quantity] if v is not None]
            if values:
                integral = all(v.is_integer() for v in values)
                bins: Any = [b - 0.5 for b in range(int(min(values)), int(max(values)) + 2)] if integral else "auto"
                ax.hist(values, bins=bins, alpha=0.6, label=LABELS[quantity])
        ax.set_title(heading)
        ax.set_xlabel(unit)
        ax.set_ylabel("runs")
        ax.grid(alpha=0.3)
        if ax.has_data():
            ax.legend(fontsize="small")
    return figure


def _ordered(values: Sequence[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for v in values:
        seen.setdefault(json.dumps(v, default=str), v)
    out = list(seen.values())
    try:
        return sorted(out)
    except TypeError:
        return out


def _file_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def render_page(
    *,
    title: str,
    command: str,
    cells: Sequence[dict[str, Any]],
    params: Sequence[str],
    plots: Sequence[Path],
    total_runs: int,
) -> str:
    """The sweep's page: what was run, the table of outcomes per cell, and the plots (inlined, so the one
    file can be mailed or opened anywhere, no server needed)."""
    outcomes = [(c, label) for c, label in OUTCOMES if any(c in cell["outcomes"] for cell in cells)]
    means = _present_means(cells)
    head = [*params, "runs"] + [label for _, label in outcomes] + [label for _, label in means]
    rows = []
    for cell in cells:
        tds = [html.escape(str(cell["params"][p])) for p in params] + [str(cell["runs"])]
        tds += [_estimate(cell["outcomes"].get(column), percent=True) for column, _ in outcomes]
        tds += [_estimate(cell["means"].get(column)) for column, _ in means]
        rows.append("<tr>" + "".join(f"<td>{td}</td>" for td in tds) + "</tr>")
    images = "\n".join(
        f'<figure><img alt="{html.escape(p.stem)}" src="data:image/png;base64,'
        f'{base64.b64encode(p.read_bytes()).decode()}"><figcaption>{html.escape(p.name)}</figcaption></figure>'
        for p in plots
    )
    return html_page(
        title,
        f"""<h1>{html.escape(title)}</h1>
<p><code>{html.escape(command)}</code></p>
<p>{total_runs} runs. Each cell fought the same seeds. Probabilities and means are given with their 95% intervals:
Wilson intervals for probabilities and Student's t intervals for means. Every run is a row of
<code>runs.parquet</code>.</p>
<table id="cells">
<thead><tr>{"".join(f"<th>{html.escape(h)}</th>" for h in head)}</tr></thead>
<tbody>
{"".join(rows)}
</tbody>
</table>
{images}
""",
    )


def html_page(title: str, body: str) -> str:
    """A whole page in the sweeps' style around `body`: the sweep's index, and pages beside it."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #1c1c24; }}
code {{ background: #f1f1f4; padding: 0.1em 0.3em; }}
table {{ border-collapse: collapse; font-size: 13px; }}
th, td {{ border: 1px solid #d8d8e0; padding: 0.25em 0.5em; text-align: right; }}
th {{ background: #f1f1f4; }}
img {{ max-width: 100%; }}
figure {{ margin: 1.5rem 0; }}
</style>
</head>
<body>
{body}</body>
</html>
"""


def _present_means(cells: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """The means some cell has a value for (a raid's columns are empty for an air battle)."""
    return [
        (c, label) for c, label in MEANS if any(cell["means"].get(c, {}).get("value") is not None for cell in cells)
    ]


def _estimate(estimate: dict[str, Any] | None, *, percent: bool = False) -> str:
    """`50% (19–81)` for a probability with its interval; `7.3 ±2.7` for a mean (t intervals are symmetric)."""
    if not estimate or estimate["value"] is None:
        return "—"
    if percent:
        return f"{estimate['value']:.0%} ({100 * estimate['low']:.0f}–{100 * estimate['high']:.0f})"
    value, half = estimate["value"], estimate["high"] - estimate["value"]
    digits = 0 if abs(value) >= 100 else 1
    return f"{value:.{digits}f} ±{half:.{digits}f}"


def render_table(cells: Sequence[dict[str, Any]], params: Sequence[str], title: str) -> Table:
    """The terminal's summary: a row per cell, probabilities and means with their 95% intervals."""
    outcomes = [(c, label) for c, label in OUTCOMES if any(c in cell["outcomes"] for cell in cells)]
    means = _present_means(cells)
    table = Table(title=title, title_justify="left")
    for name in params:
        table.add_column(name, style="bold", overflow="fold")
    table.add_column("runs", justify="right")
    for _, label in outcomes:
        table.add_column(label, justify="right")
    for _, label in means:
        table.add_column(label, justify="right")
    for cell in cells:
        row = [str(cell["params"][p]) for p in params] + [str(cell["runs"])]
        row += [_estimate(cell["outcomes"].get(column), percent=True) for column, _ in outcomes]
        row += [_estimate(cell["means"].get(column)) for column, _ in means]
        table.add_row(*row)
    return table
