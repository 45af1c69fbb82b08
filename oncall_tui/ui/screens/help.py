"""Help screen: every key, generated from the same binding table as the footer."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


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
        with VerticalScroll():
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
