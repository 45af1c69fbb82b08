"""Every key binding in one table: id, key, action, description, tooltip.

The footer, the help screen and user keymap overrides (``[keymap]`` ids) all come
from here.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

APP_BINDINGS: list[BindingType] = [
    Binding(
        "S", "show_sources", "Sources", id="show-sources", tooltip="Data sources: health, versions, targets"
    ),
    Binding("r", "refresh_now", "Refresh", id="refresh-now", tooltip="Poll every source now"),
    Binding("question_mark", "help", "Help", key_display="?", id="help", tooltip="Every key, by screen"),
    # Textual shows its own palette key in the footer; this entry is for the help screen and keymap.
    Binding(
        "ctrl+p",
        "command_palette",
        "Palette",
        show=False,
        id="palette",
        tooltip="Jump anywhere, switch context or theme",
    ),
    Binding("q", "quit", "Quit", id="quit", tooltip="Quit oncall-tui"),
]
"""Bindings active on every screen."""

SOURCES_BINDINGS: list[BindingType] = [
    Binding(
        "tab", "app.focus_next", "Next table", id="sources-next", tooltip="Move between the three tables"
    ),
]
"""Bindings of the Sources screen."""
