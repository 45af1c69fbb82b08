"""The first frame: the app's frame with "connecting…" while settings, services and data load."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from oncall_tui.ui.screens.base import OncallScreen


class StartingScreen(OncallScreen):
    """Header, an empty queue saying "connecting…", health bar and footer; replaced by Alerts once booted."""

    TITLE_TEXT = "Alerts"
    DEFAULT_CSS = """
    StartingScreen #starting-body { height: 1fr; padding: 1 2; color: $text-muted; background: $surface; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static("connecting…", id="starting-body")

    def on_mount(self) -> None:
        super().on_mount()
        self.health_bar.starting = True
