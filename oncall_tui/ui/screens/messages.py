"""``:messages``: the recent notifications with their times, newest first (escape closes)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from oncall_tui.ui.notifications import Notice
from oncall_tui.ui.widgets.lists import ScrollPane

MARKS = {"error": ("✖", "source-down"), "warning": ("▲", "stale"), "information": ("●", "source-up")}
"""Glyph and theme variable per severity (readable without colour)."""


class MessagesScreen(ModalScreen[None]):
    """Every notification of this session, newest first, with its local time and repeats."""

    DEFAULT_CSS = """
    MessagesScreen { align: center middle; }
    MessagesScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 80%; border: round $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape,q", "close", "Close", id="messages-close", tooltip="Back"),
    ]

    def __init__(self, notices: list[Notice]) -> None:
        super().__init__()
        self._notices = notices

    def compose(self) -> ComposeResult:
        with ScrollPane():
            yield Static(self._text(), id="messages-body")

    def _text(self) -> Text:
        text = Text()
        text.append("Messages (newest first) — escape closes\n\n", style="bold")
        if not self._notices:
            text.append("No notifications yet.", style="italic")
        colours = self.app.theme_variables
        for notice in reversed(self._notices):
            glyph, variable = MARKS.get(notice.severity, ("●", "source-up"))
            text.append(notice.at.astimezone().strftime("%H:%M:%S "), style="dim")
            text.append(f"{glyph} ", style=f"bold {colours.get(variable, '')}")
            if notice.title:
                text.append(f"{notice.title}: ", style="bold")
            text.append(notice.text)
            if notice.repeats:
                text.append(f"  (×{notice.repeats + 1})", style="dim")
            text.append("\n")
        return text

    def action_close(self) -> None:
        self.dismiss()
