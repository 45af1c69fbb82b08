"""One runbook step on screen: where it is, its Markdown, its live queries and its commands.

Unfilled placeholders (``<POD_NAME>``, ``{{ $labels.pod }}`` the alert had no label for) are shown
reversed in the warning colour in the commands and queries, and listed on a "fill in" line: they are
what the engineer must replace before a command is any use. The Markdown body is Textual's own
Markdown widget (headings, lists, fenced code), so code there is shown as written.

Queries are drawn by the metrics dashboards' panel grid (:class:`QueryGrid`): per query a title line
with the current value, a sparkline of the last 30 minutes (gaps where Prometheus had no point) and
min–max, or Prometheus's error.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Markdown, Static

from oncall_tui.domain.panel_data import PanelData
from oncall_tui.domain.runbooks import RunbookStep
from oncall_tui.models.incident_record import StepStatus
from oncall_tui.services.runbook_queries import query_title
from oncall_tui.ui.widgets.panel_grid import GUTTER, PANEL_HEIGHT, PanelGrid

STATUS_MARKS = {StepStatus.DONE: "✔ done", StepStatus.SKIPPED: "↷ skipped", StepStatus.PENDING: "○ to do"}
"""How a step's status reads (a word beside the mark: colour alone is easy to miss)."""
BAR_WIDTH = 10
"""Cells of the progress bar."""
QUERY_PADDING = 2
"""Columns of padding around the query panels (left and right)."""
COMMAND_LINES = 3
"""Lines of each command shown in the commands box (a copy or run takes all of them)."""
MAX_QUERY_ROWS = 2
"""Query panels on screen at once (a step with more scrolls them)."""


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


class QueryGrid(PanelGrid, can_focus=False):
    """The step's queries as the dashboards' panels (never focused: arrows move between steps)."""

    DEFAULT_CSS = """
    QueryGrid { height: 4; }
    """

    def _grid(self) -> tuple[int, int]:
        # One panel a row, the full width: a runbook query is long, and a step has one or two.
        width = self.scrollable_content_region.width or self.size.width
        return 1, width

    def _refresh_panel(self, index: int) -> None:
        # A step shows one or two panels: redraw the grid whole. (PanelGrid's per-panel region on main
        # calls Region.translate with two ints; metrics-core has the fix on its branch.)
        self.refresh()


class RunbookStepView(Vertical):
    """The shown step: context line, progress, Markdown body, fill-in line, queries, commands, note."""

    DEFAULT_CSS = """
    RunbookStepView { height: 1fr; }
    RunbookStepView #rb-context { text-style: bold; color: $accent; height: 1; padding: 0 1; }
    RunbookStepView #rb-progress { height: 1; padding: 0 1; color: $text-muted; }
    RunbookStepView #rb-scroll { height: 1fr; padding: 0 1; }
    RunbookStepView #rb-body { margin: 0; padding: 0; }
    RunbookStepView #rb-fill { height: auto; padding: 0 1; color: $warning; }
    RunbookStepView QueryGrid { padding: 0 1; }  /* QUERY_PADDING: 2 columns */
    RunbookStepView #rb-commands { height: auto; max-height: 8; padding: 0 1; background: $panel; }
    RunbookStepView #rb-note { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="rb-context", markup=False)
        yield Static("", id="rb-progress", markup=False)
        with VerticalScroll(id="rb-scroll"):
            yield Markdown("", id="rb-body")
        yield Static("", id="rb-fill", markup=False)
        yield QueryGrid()
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
        queries = self.query_one(QueryGrid)
        queries.set_titles([query_title(q) for q in step.queries])
        queries.focused_index = -1  # no panel cursor: the grid is read, not navigated
        queries.display = bool(step.queries)
        self._fit_queries()
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
            lines = command.text.splitlines() or [""]
            for n, line in enumerate(lines[:COMMAND_LINES]):
                out.append("▶ " if i == selected and n == 0 else "  ", style="bold")
                out.append_text(highlighted(("$ " if n == 0 else "  ") + line, step.unfilled, "reverse"))
                out.append("\n")
            if len(lines) > COMMAND_LINES:
                out.append(f"    (+{len(lines) - COMMAND_LINES} more lines)\n", style="dim")
        out.append("y copy · x run (asks first)" + (" · tab next command" if len(step.commands) > 1 else ""))
        out.stylize("dim", len(out) - len(out.plain.splitlines()[-1]), len(out))
        box.update(out)

    def show_note(self, note: str) -> None:
        """The step's note, if it has one."""
        box = self.query_one("#rb-note", Static)
        box.update(Text(f"note: {note}", overflow="ellipsis"))
        box.display = bool(note)

    def _fit_queries(self) -> None:
        grid = self.query_one(QueryGrid)
        grid.styles.height = min(len(grid.slots), MAX_QUERY_ROWS) * PANEL_HEIGHT

    def on_resize(self) -> None:
        self._fit_queries()

    def query_columns(self) -> int:
        """Points to fetch per query: one per sparkline column of a panel.

        From the step view's width (laid out with the screen), not the grid's: the grid is shown
        only now, and a first fetch must not be sized before its layout.
        """
        width = (self.size.width or self.app.size.width) - QUERY_PADDING
        return max(2, width - GUTTER - 1)

    def show_query(self, index: int, data: PanelData) -> None:
        """Draw query ``index``'s data (or its error)."""
        self.query_one(QueryGrid).set_panel(index, data)

    def query_slots(self) -> int:
        """How many queries the shown step has on screen."""
        return len(self.query_one(QueryGrid).slots)
