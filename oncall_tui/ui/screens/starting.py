"""The first frame: the app's frame with "connecting…" while settings, services and data load.

Not an ``OncallScreen``: that one follows the app's feeds, which do not exist yet.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from oncall_tui.ui.widgets.fitted_footer import FittedFooter
from oncall_tui.ui.widgets.health_bar import HealthBar
from oncall_tui.ui.widgets.status_header import StatusHeader


class StartingScreen(Screen[None]):
    """Header, an empty queue saying "connecting…", health bar and footer; replaced once booted."""

    DEFAULT_CSS = """
    StartingScreen #starting-body { height: 1fr; padding: 1 2; color: $text-muted; background: $surface; }
    """

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static("connecting…", id="starting-body")
        yield HealthBar()
        yield FittedFooter()

    def on_mount(self) -> None:
        header = self.query_one(StatusHeader)
        header.screen_title = "Alerts"
        header.demo = bool(getattr(self.app, "demo", False))
        self.query_one(HealthBar).starting = True
        self.watch(self.app, "now", self._tick)

    def _tick(self, now: datetime | None) -> None:
        self.query_one(StatusHeader).now = now
