"""Top line: app name, context, DEMO badge (and how to pause the demo), and the clock."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from oncall_tui.ui.resolution import clock_text


class StatusHeader(Widget):
    """App name, screen title, context and (in demo mode) a DEMO badge that says how to pause it."""

    DEFAULT_CSS = """
    StatusHeader {
        dock: top;
        height: 1;
        background: $primary-background;
        color: $foreground;
    }
    """

    context_name: reactive[str] = reactive("")
    """Active context."""
    screen_title: reactive[str] = reactive("")
    """Title of the screen showing."""
    demo: reactive[bool] = reactive(False)
    """Whether the app runs on the built-in demo environment."""
    demo_paused: reactive[bool] = reactive(False)
    """The demo's incident cycle is paused: the badge says so."""
    demo_hint: reactive[bool] = reactive(False)
    """Say after the badge how to pause (or resume) the demo: ``:demo pause`` works."""
    read_only: reactive[bool] = reactive(False)
    """The context refuses actions (``read_only = true``): a badge says so."""
    now: reactive[datetime | None] = reactive(None)
    """Current time (UTC); shown in local time."""

    def render(self) -> Table:
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)
        clock = clock_text(self.now) + " " if self.now is not None else ""
        grid.add_row(self.title_text(), clock)
        return grid

    def title_text(self) -> Text:
        """The left part: app name, DEMO badge, screen title and context."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" oncall-tui ", style="bold reverse")
        if self.demo:
            badge = self.app.theme_variables.get("demo-badge", "magenta")
            text.append(" DEMO PAUSED " if self.demo_paused else " DEMO ", style=f"bold reverse {badge}")
            if self.demo_hint:
                text.append(f" :demo {'resume' if self.demo_paused else 'pause'} ", style=badge)
        text.append(f" {self.screen_title}", style="bold")
        if self.context_name:
            text.append("  ctx:", style="dim")
            text.append(self.context_name, style="bold")
        if self.read_only:
            text.append(" READ-ONLY ", style="bold reverse")
        return text

    def on_resize(self) -> None:
        # The clock is right-aligned against the width: redraw when the width changes.
        self.refresh()
