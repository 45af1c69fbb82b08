"""Help screen: every key, generated from the same binding table as the footer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from oncall_tui.keys import DEFAULT_KEYS
from oncall_tui.ui.widgets.lists import ScrollPane


def list_sections(screen: Screen[Any], title: str) -> list[tuple[str, list[Binding]]]:
    """The keys of the lists and panes on ``screen`` (the focused one's own keys), one section each.

    Only the bindings of ``ui/bindings.py`` (those with a keymap id) are listed, once per table.
    """
    sections: list[tuple[str, list[Binding]]] = []
    seen: set[int] = set()
    for widget in screen.query("*"):
        table = getattr(type(widget), "BINDINGS", [])
        if id(table) in seen:
            continue
        seen.add(id(table))
        bindings = [b for b in table if isinstance(b, Binding) and b.id in DEFAULT_KEYS]
        if bindings:
            sections.append((f"{title}: {getattr(widget, 'KEYS_TITLE', 'list')}", bindings))
    return sections


class HelpScreen(ModalScreen[None]):
    """Keys of the app and of the screen underneath, with the ids ``[keymap]`` overrides use."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help-close", tooltip="Close help"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(
        self, sections: list[tuple[str, list[Binding]]], keymap: Mapping[str, str] | None = None
    ) -> None:
        super().__init__()
        self.sections = sections
        """(section title, bindings) pairs to list."""
        self.keymap = dict(keymap or {})
        """User overrides by binding id: shown instead of the default key."""

    def compose(self) -> ComposeResult:
        with ScrollPane():
            for title, bindings in self.sections:
                table = Table(title=title, title_justify="left", show_header=False, box=None, expand=True)
                table.add_column("key", style="bold", width=10, no_wrap=True)
                table.add_column("what", ratio=1)
                table.add_column("id", style="dim", no_wrap=True)
                for binding in bindings:
                    key = (
                        self.keymap.get(binding.id or "") or binding.key_display or binding.key.split(",")[0]
                    )
                    what = (
                        f"{binding.description} — {binding.tooltip}"
                        if binding.tooltip
                        else binding.description
                    )
                    table.add_row(key, what, binding.id or "")
                yield Static(table)
            yield Static(
                "[dim]escape closes · ctrl+p opens the command palette · ids are for \\[keymap] in config[/]"
            )
