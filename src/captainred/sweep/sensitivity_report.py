"""What a sensitivity analysis shows and writes: a table for the terminal, a plot (`sensitivity.png`: one
panel per quantity, a bar per design value with its 95% interval), the numbers (`sensitivity.json`), and a
page (`index.html`) with both, in the style of a sweep's page. Written into a sweep's folder
(`--out sweep-NAME/sensitivity`), the same section is added to the sweep's own `index.html`."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from rich.table import Table

from captainred.sweep.errors import SweepError
from captainred.sweep.measures import QUANTITIES
from captainred.sweep.plots import html_page
from captainred.sweep.sensitivity import Sensitivity
from captainred.sweep.store import MANIFEST, write_atomically


def sweep_page_for(out: Path) -> Path | None:
    """The sweep page an analysis written to `out` joins: that of the sweep folder holding `out`, if any."""
    parent = out.parent if str(out.parent) else Path(".")
    page = parent / "index.html"
    return page if (parent / MANIFEST).is_file() and page.is_file() else None


INDEX_LABELS = {
    "first": "first-order S1",
    "total": "total effect ST",
    "mu_star": "μ* (mean |effect|)",
    "sigma": "σ (interactions, non-linearity)",
}


def write_sensitivity(result: Sensitivity, folder: Path, command: str) -> list[str]:
    """Write the numbers, the plot and the page into `folder`; their names."""
    (folder / "sensitivity.json").write_text(json.dumps({"command": command, **result.as_dict()}, indent=2) + "\n")
    render_plot(result, folder / "sensitivity.png")
    section = render_section(result, command, folder / "sensitivity.png")
    (folder / "index.html").write_text(render_page(section, _heading(result)))
    return ["sensitivity.json", "sensitivity.png", "index.html"]


def _cell(result: Sensitivity, quantity: str, name: str) -> str:
    if quantity in result.constant:
        return "no change"
    index = result.indices[quantity][name][result.main_index]
    return f"{index.value:.2f} ±{index.conf:.2f}"


def _heading(result: Sensitivity) -> str:
    what = "Sobol' total effect" if result.method == "sobol" else "Morris μ*"
    return (
        f"{result.scenario}: {what} of each design value ({len(result.points)} points × {len(result.seeds)} seeds, "
        "95% intervals)"
    )


def render_table(result: Sensitivity) -> Table:
    """A row per design value, a column per quantity: its main index with its interval."""
    table = Table(title=_heading(result), title_justify="left")
    table.add_column("design value", style="bold", overflow="fold")
    table.add_column("bounds", justify="right")
    for q in result.quantities:
        table.add_column(QUANTITIES[q].label, justify="right")
    for r in result.space.ranges:
        table.add_row(r.name, f"{r.low:g} – {r.high:g}", *(_cell(result, q, r.name) for q in result.quantities))
    return table


def render_plot(result: Sensitivity, path: Path) -> None:
    """One panel per quantity: a bar per design value (its main index) with the interval, and for Sobol'
    the first-order index beside it (the gap between them is what the value does through interactions)."""
    count = len(result.quantities)
    names = list(result.space.names)
    figure, axes = plt.subplots(1, count, figsize=(4.6 * count, 1.2 + 0.55 * len(names) + 1.2), layout="constrained")
    axes = [axes] if count == 1 else list(axes)
    shown = ("total", "first") if result.method == "sobol" else ("mu_star",)
    height = 0.8 / len(shown)
    for ax, q in zip(axes, result.quantities, strict=True):
        ax.set_title(QUANTITIES[q].label)
        ax.set_yticks(range(len(names)), names if ax is axes[0] else [""] * len(names), fontsize="small")
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
        if q in result.constant:
            ax.text(0.5, 0.5, "no change at any point", ha="center", va="center", transform=ax.transAxes)
            continue
        for k, index_name in enumerate(shown):
            values = [result.indices[q][n][index_name].value for n in names]
            confs = [result.indices[q][n][index_name].conf for n in names]
            offsets = [i + (k - (len(shown) - 1) / 2) * height for i in range(len(names))]
            ax.barh(
                offsets, values, height=height, xerr=confs, capsize=3, label=INDEX_LABELS[index_name], color=f"C{k}"
            )
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel("index" if result.method == "sobol" else f"μ* ({QUANTITIES[q].label} per span of the value)")
        if ax is axes[0]:
            ax.legend(fontsize="x-small", loc="lower right")
    figure.suptitle(_heading(result), fontsize="medium")
    figure.savefig(path, dpi=90)
    plt.close(figure)


def render_section(result: Sensitivity, command: str, plot: Path) -> str:
    """The analysis as one `<section>`: the command, the table of indices and the plot (inlined)."""
    head = ["design value", "bounds", *(QUANTITIES[q].label for q in result.quantities)]
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(text)}</td>"
            for text in (r.name, f"{r.low:g} – {r.high:g}", *(_cell(result, q, r.name) for q in result.quantities))
        )
        + "</tr>"
        for r in result.space.ranges
    )
    image = base64.b64encode(plot.read_bytes()).decode()
    method = (
        "Sobol' indices (the share of the outcome's variance a value explains, alone and with the others)"
        if result.method == "sobol"
        else "Morris screening (the mean absolute change of the outcome over a step of each value)"
    )
    return f"""<section id="sensitivity">
<h2>What changes the outcome: {html.escape(result.scenario)}</h2>
<p><code>{html.escape(command)}</code></p>
<p>{method}, with 95% bootstrap intervals. {len(result.points)} design points sampled by SALib (seed
{result.seed}), each fought over the same {len(result.seeds)} seeds; each outcome is its mean over them.</p>
<table id="indices">
<thead><tr>{"".join(f"<th>{html.escape(h)}</th>" for h in head)}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
<figure><img alt="sensitivity" src="data:image/png;base64,{image}"><figcaption>sensitivity.png</figcaption></figure>
</section>
"""


def render_page(section: str, title: str) -> str:
    """A page holding the section alone, styled as a sweep's page."""
    return html_page(title, section)


def add_to_sweep_page(page: Path, section: str) -> None:
    """Put the section into a sweep's `index.html`, before the end of its body (in place of one put there
    before), written whole or not at all."""
    text = page.read_text("utf-8")
    start, end = text.find('<section id="sensitivity">'), text.find("</section>")
    if start >= 0 and end > start:
        text = text[:start] + section + text[end + len("</section>\n") :]
    else:
        at = text.rfind("</body>")
        if at < 0:
            raise SweepError(f"{page}: not a sweep's page (no </body>); the analysis is in its own folder")
        text = text[:at] + section + text[at:]
    write_atomically(page, text.encode("utf-8"))
