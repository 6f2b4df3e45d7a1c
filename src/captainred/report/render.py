"""Writing the after-action report out: to a terminal with Rich, or to Markdown.

Both writers take the one `ReportDocument` that `captainred.report.document` builds from a summary and a
timeline, and only lay it out; neither decides what the report says. Add a section there and both reports
have it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable
from rich.text import Text

from captainred.report.document import (
    Paragraph,
    ReportDocument,
    Table,
    Tone,
    build_document,
    build_runs_document,
)
from captainred.report.summary import RunsSummary, Summary
from captainred.report.timeline import TimelineRow

TONE_STYLES: Mapping[Tone, str] = {
    Tone.PLAIN: "",
    Tone.GOOD: "green",
    Tone.BAD: "bold red",
    Tone.RADIO: "cyan",
}


def render_terminal(summary: Summary, timeline: Sequence[TimelineRow], console: Console) -> None:
    """Print the report to a Rich console."""
    write_terminal(build_document(summary, timeline), console)


def render_markdown(summary: Summary, timeline: Sequence[TimelineRow]) -> str:
    """The report as a Markdown document."""
    return write_markdown(build_document(summary, timeline))


def render_runs_terminal(runs: RunsSummary, console: Console) -> None:
    """Print the report of a batch of runs to a Rich console."""
    write_terminal(build_runs_document(runs), console)


def render_runs_markdown(runs: RunsSummary) -> str:
    """The report of a batch of runs as a Markdown document."""
    return write_markdown(build_runs_document(runs))


def write_terminal(document: ReportDocument, console: Console) -> None:
    console.rule(Text(document.title, style="bold"))
    console.print(Text(document.headline), soft_wrap=False)
    for section in document.sections:
        console.print()
        console.rule(Text(section.heading, style="bold"), align="left")
        for block in section.blocks:
            if isinstance(block, Paragraph):
                console.print(Text(block.text))
            else:
                console.print(_rich_table(block))


def _rich_table(table: Table) -> RichTable:
    out = RichTable(show_edge=False, header_style="bold", expand=False)
    for i, column in enumerate(table.columns):
        out.add_column(escape(column), justify="right" if i in table.numeric else "left")
    for row in table.rows:
        out.add_row(*(Text(cell) for cell in row.cells), style=TONE_STYLES[row.tone] or None)
    return out


def write_markdown(document: ReportDocument) -> str:
    lines = [f"# {document.title}", "", document.headline, ""]
    for section in document.sections:
        lines += [f"## {section.heading}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [block.text, ""]
            else:
                lines += [*_markdown_table(block), ""]
    return "\n".join(lines)


def _markdown_table(table: Table) -> list[str]:
    rule = ["---:" if i in table.numeric else "---" for i in range(len(table.columns))]
    return [
        _markdown_row(table.columns),
        "| " + " | ".join(rule) + " |",
        *(_markdown_row(row.cells) for row in table.rows),
    ]


def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_markdown_cell(c) for c in cells) + " |"


def _markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
