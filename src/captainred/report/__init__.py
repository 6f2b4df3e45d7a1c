"""After-action reports, from a battle's event log alone: the JSON summary, the timeline, and the report
for a terminal or a Markdown file. Reads `captainred.engine.events` and nothing else of the engine."""

from captainred.report.render import (
    render_markdown,
    render_runs_markdown,
    render_runs_terminal,
    render_terminal,
)
from captainred.report.sorties import BrokenEventLog
from captainred.report.summary import RunsSummary, Summary, check_summary, summarize, summarize_runs
from captainred.report.timeline import TimelineRow, build_timeline

__all__ = [
    "BrokenEventLog",
    "RunsSummary",
    "Summary",
    "TimelineRow",
    "build_timeline",
    "check_summary",
    "render_markdown",
    "render_runs_markdown",
    "render_runs_terminal",
    "render_terminal",
    "summarize",
    "summarize_runs",
]
