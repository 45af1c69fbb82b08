"""Help screen: every key, generated from the same binding table as the footer."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    """Keys of the app and of the screen underneath."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help-close", tooltip="Close help"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 76; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.sections = sections
        """(section title, bindings) pairs to list."""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            for title, bindings in self.sections:
                table = Table(title=title, title_justify="left", show_header=False, box=None, expand=True)
                table.add_column("key", style="bold", width=10)
                table.add_column("what")
                for binding in bindings:
                    key = binding.key_display or binding.key.split(",")[0]
                    table.add_row(
                        key,
                        f"{binding.description} — {binding.tooltip}"
                        if binding.tooltip
                        else binding.description,
                    )
                yield Static(table)
            yield Static("[dim]escape closes · ctrl+p opens the command palette[/]")
