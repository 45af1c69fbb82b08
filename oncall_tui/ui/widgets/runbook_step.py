"""One runbook step on screen: where it is, its Markdown, its live queries and its commands.

Unfilled placeholders (``<POD_NAME>``, ``{{ $labels.pod }}`` the alert had no label for) are shown
reversed in the warning colour in the commands and queries, and listed on a "fill in" line: they are
what the engineer must replace before a command is any use. The Markdown body is Textual's own
Markdown widget (headings, lists, fenced code), so code there is shown as written.

Queries are drawn by :class:`QueryPanel`: Textual's ``Sparkline`` over the last 30 minutes and the
current value — a minimal stand-in until the metrics panel widget is on main.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Markdown, Sparkline, Static

from oncall_tui.domain.runbooks import RunbookStep
from oncall_tui.models.incident_record import StepStatus
from oncall_tui.services.runbook_queries import QuerySample

STATUS_MARKS = {StepStatus.DONE: "✔ done", StepStatus.SKIPPED: "↷ skipped", StepStatus.PENDING: "○ to do"}
"""How a step's status reads (a word beside the mark: colour alone is easy to miss)."""
BAR_WIDTH = 10
"""Cells of the progress bar."""


def progress_bar(finished: int, total: int, width: int = BAR_WIDTH) -> str:
    """``▰▰▰▱▱▱▱▱▱▱ 30%`` for 3 of 10 steps done or skipped."""
    share = finished / total if total else 0.0
    filled = round(share * width)
    return f"{'▰' * filled}{'▱' * (width - filled)} {round(share * 100)}%"


def highlighted(text: str, placeholders: Sequence[str], style: str) -> Text:
    """``text`` with every unfilled placeholder in ``style``."""
    out = Text(text)
    for placeholder in placeholders:
        out.highlight_words([placeholder], style=style)
    return out


class QueryPanel(Horizontal):
    """One PromQL expression: the query, a sparkline of the last 30 minutes, the current value."""

    DEFAULT_CSS = """
    QueryPanel { height: auto; }
    QueryPanel > Vertical { width: 1fr; height: auto; }
    QueryPanel .query-expr { color: $text-muted; height: 1; }
    QueryPanel Sparkline { height: 1; margin: 0; }
    QueryPanel .query-value { width: 24; height: 2; padding: 0 1; content-align: right middle; }
    """

    def __init__(self, expr: str, unfilled: Sequence[str], *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.expr = expr
        """The PromQL shown and run."""
        self._unfilled = unfilled

    def compose(self) -> ComposeResult:
        one_line = " ".join(self.expr.split())
        with Vertical():
            yield Static(highlighted(one_line, self._unfilled, "reverse"), classes="query-expr", markup=False)
            yield Sparkline([], classes="query-spark")
        yield Static("…", classes="query-value")

    def show(self, sample: QuerySample) -> None:
        """Draw what the query returned (or why it returned nothing)."""
        values = [v for v in sample.values if not math.isnan(v)]
        self.query_one(Sparkline).data = values
        self.query_one(".query-value", Static).update(Text(sample.describe(), overflow="ellipsis"))


class RunbookStepView(Vertical):
    """The shown step: context line, progress, Markdown body, fill-in line, queries, commands, note."""

    DEFAULT_CSS = """
    RunbookStepView { height: 1fr; }
    RunbookStepView #rb-context { text-style: bold; color: $accent; height: 1; padding: 0 1; }
    RunbookStepView #rb-progress { height: 1; padding: 0 1; color: $text-muted; }
    RunbookStepView #rb-scroll { height: 1fr; padding: 0 1; }
    RunbookStepView #rb-body { margin: 0; padding: 0; }
    RunbookStepView #rb-fill { height: auto; padding: 0 1; color: $warning; }
    RunbookStepView #rb-queries { height: auto; max-height: 6; padding: 0 1; }
    RunbookStepView #rb-commands { height: auto; max-height: 6; padding: 0 1; background: $panel; }
    RunbookStepView #rb-note { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="rb-context", markup=False)
        yield Static("", id="rb-progress", markup=False)
        with VerticalScroll(id="rb-scroll"):
            yield Markdown("", id="rb-body")
        yield Static("", id="rb-fill", markup=False)
        yield Vertical(id="rb-queries")
        yield Static("", id="rb-commands", markup=False)
        yield Static("", id="rb-note", markup=False)

    async def show_step(
        self,
        step: RunbookStep,
        *,
        position: str,
        finished: int,
        total: int,
        status: StepStatus,
        note: str,
        selected_command: int,
    ) -> None:
        """Render ``step`` (replacing the queries: their panels start empty until sampled)."""
        where = (
            f"{step.section} › {step.title}" if step.section and step.section != step.title else step.title
        )
        self.query_one("#rb-context", Static).update(Text(where, overflow="ellipsis", no_wrap=True))
        self.show_progress(position, finished, total, status)
        await self.query_one("#rb-body", Markdown).update(step.text)
        self.query_one("#rb-scroll", VerticalScroll).scroll_home(animate=False)
        fill = self.query_one("#rb-fill", Static)
        fill.update(highlighted(f"fill in: {', '.join(step.unfilled)}", step.unfilled, "reverse"))
        fill.display = bool(step.unfilled)
        queries = self.query_one("#rb-queries", Vertical)
        await queries.remove_children()
        await queries.mount_all(
            QueryPanel(q, step.unfilled, id=f"rb-query-{i}") for i, q in enumerate(step.queries)
        )
        queries.display = bool(step.queries)
        self.show_commands(step, selected_command)
        self.show_note(note)

    def show_progress(self, position: str, finished: int, total: int, status: StepStatus) -> None:
        """The progress line: ``step 2 of 5 · 1 done  ▰▰▱▱▱▱▱▱▱▱ 20%  ○ to do``."""
        line = f"{position}   {progress_bar(finished, total)}   {STATUS_MARKS[status]}"
        self.query_one("#rb-progress", Static).update(Text(line, overflow="ellipsis", no_wrap=True))

    def show_commands(self, step: RunbookStep, selected: int) -> None:
        """The step's commands, the selected one marked ``▶`` (``y`` copies it, ``x`` runs it)."""
        box = self.query_one("#rb-commands", Static)
        box.display = bool(step.commands)
        if not step.commands:
            return
        out = Text()
        for i, command in enumerate(step.commands):
            mark = "▶ " if i == selected else "  "
            lines = command.text.splitlines() or [""]
            out.append(mark, style="bold")
            out.append_text(highlighted("$ " + lines[0], step.unfilled, "reverse"))
            more = f"  (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
            out.append(more, style="dim")
            out.append("\n")
        out.append("y copy · x run (asks first)" + (" · tab next command" if len(step.commands) > 1 else ""))
        out.stylize("dim", len(out) - len(out.plain.splitlines()[-1]), len(out))
        box.update(out)

    def show_note(self, note: str) -> None:
        """The step's note, if it has one."""
        box = self.query_one("#rb-note", Static)
        box.update(Text(f"note: {note}", overflow="ellipsis"))
        box.display = bool(note)

    def query_panels(self) -> list[QueryPanel]:
        """The live query panels of the shown step."""
        return list(self.query(QueryPanel))
