"""The frame every screen shares: header, health bar and footer, bound to app state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from oncall_tui.ui.widgets.health_bar import HealthBar
from oncall_tui.ui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from oncall_tui.ui.app import OncallApp


class OncallScreen(Screen[None]):
    """A screen with the shared frame; subclasses implement ``compose_body``."""

    TITLE_TEXT: ClassVar[str] = ""
    """Shown in the header."""

    @property
    def oncall_app(self) -> OncallApp:
        from oncall_tui.ui.app import OncallApp

        assert isinstance(self.app, OncallApp)
        return self.app

    @property
    def health_bar(self) -> HealthBar:
        return self.query_one(HealthBar)

    @property
    def status_header(self) -> StatusHeader:
        return self.query_one(StatusHeader)

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield from self.compose_body()
        yield HealthBar()
        # Compact: one space between keys, so `?` and `q` still fit at 80 columns.
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        app = self.oncall_app
        header = self.status_header
        header.screen_title = self.TITLE_TEXT
        header.demo = app.demo
        self.watch(app, "context_name", self._context_changed)
        self.watch(app, "source_health", self._health_changed)
        self.watch(app, "now", self._tick)

    def _context_changed(self, name: str) -> None:
        self.status_header.context_name = name

    def _health_changed(self, health: dict[str, Any]) -> None:
        self.health_bar.health = health

    def _tick(self, now: Any) -> None:
        self.status_header.now = now
        self.health_bar.now = now
