"""The frame every screen shares (header, health bar, footer), and how a screen follows a live feed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual.app import ComposeResult
from textual.screen import Screen

from oncall_tui.ui.app_services import AppServices
from oncall_tui.ui.widgets.fitted_footer import FittedFooter
from oncall_tui.ui.widgets.health_bar import HealthBar
from oncall_tui.ui.widgets.status_header import StatusHeader
from oncall_tui.ui.worker_errors import ForwardWorkerErrors

if TYPE_CHECKING:
    from oncall_tui.services.sources_feed import SourcesState
    from oncall_tui.ui.feed_adapter import LiveFeed

S = TypeVar("S")


COPIED_TOAST_WIDTH = 120
"""A copy's toast shows at most this many characters of what was copied."""


@dataclass(slots=True)
class _Following:
    live: LiveFeed[Any]
    render: Callable[[Any], None]
    while_shown: bool
    stale: bool = False


class OncallScreen(ForwardWorkerErrors, Screen[None]):
    """A screen with the shared frame; subclasses implement ``compose_body`` and ``follow`` their feeds."""

    TITLE_TEXT: ClassVar[str] = ""
    """Shown in the header."""

    def __init__(self) -> None:
        super().__init__()
        self._following: list[_Following] = []
        self._tickers: list[Callable[[datetime], None]] = []

    @property
    def oncall_app(self) -> AppServices:
        """The app, as far as screens need it."""
        return cast(AppServices, self.app)

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
        # `?` and `q` always fit: the screen's least important keys give way at 80 columns.
        yield FittedFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        app = self.oncall_app
        header = self.status_header
        header.screen_title = self.TITLE_TEXT
        header.demo = app.demo
        header.demo_hint = app.demo_clock is not None
        self.watch(self.app, "demo_paused", self._demo_paused_changed)
        self.watch(self.app, "context_name", self._context_changed)
        self.watch(self.app, "now", self._tick)
        self.follow(app.source_feed, self._sources_changed)

    # --- following feeds ----------------------------------------------------------------------

    def follow(
        self,
        live: LiveFeed[S],
        render: Callable[[S], None],
        *,
        tick: Callable[[datetime], None] | None = None,
        while_shown: bool = False,
    ) -> None:
        """Render ``live``'s state now and after every change, while this screen shows.

        A change that arrives while the screen is hidden under another is drawn once, when it shows
        again. ``tick(now)`` runs every second while the screen shows (ages, timers). With
        ``while_shown`` the feed runs only while the screen shows: started for the app's context
        when shown (and on a context switch), stopped when hidden or dismissed — one poller per
        panel group, for instance. Call it from ``on_mount``.
        """
        if any(f.live is live and f.render == render for f in self._following):
            # Textual runs every class's on_mount along the MRO, and subclasses call super() too.
            return
        following = _Following(live, render, while_shown)
        self._following.append(following)
        live.changed.subscribe(self, lambda state: self._follow_changed(following, state))
        if tick is not None:
            self._tickers.append(tick)
        if while_shown and self.is_current:
            self._follow_start(following)
        render(live.state)

    def _follow_changed(self, following: _Following, state: Any) -> None:
        if not self.is_current:
            following.stale = True
            return
        following.stale = False
        following.render(state)

    def _follow_start(self, following: _Following) -> None:
        sources = self.oncall_app.sources
        if sources is not None and following.live.feed.sources is not sources:
            following.live.feed.start(sources)

    def on_screen_resume(self) -> None:
        for following in self._following:
            if following.while_shown:
                self._follow_start(following)
            if following.stale:
                following.stale = False
                following.render(following.live.state)

    def on_screen_suspend(self) -> None:
        for following in self._following:
            if following.while_shown:
                following.live.feed.stop()

    def on_unmount(self) -> None:
        self.on_screen_suspend()

    # --- the key grammar ---------------------------------------------------------------------

    def action_back(self) -> None:
        """``escape``: back to the screen underneath (a top-level screen on its own stays)."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def copy_text(self, text: str) -> None:
        """``y``: put ``text`` on the clipboard (OSC 52, works over SSH) and toast what was copied."""
        self.app.copy_to_clipboard(text)
        shown = " ".join(text.split())
        if len(shown) > COPIED_TOAST_WIDTH:
            shown = shown[: COPIED_TOAST_WIDTH - 1] + "…"
        self.notify(f"copied: {shown}", title="Clipboard", timeout=4, markup=False)

    # --- read-only contexts ------------------------------------------------------------------

    def _read_only(self) -> bool:
        app = self.oncall_app
        context = app.settings.contexts.get(app.context_name) if app.context_name else None
        return context is not None and context.read_only

    def refuse_if_read_only(self, what: str) -> bool:
        """In a read-only context, say why ``what`` is not done and return True (the caller stops)."""
        if not self._read_only():
            return False
        name = self.oncall_app.context_name
        self.notify(
            f"{what} is disabled: context {name} is read-only (contexts.{name}.read_only)",
            title="Read-only",
            severity="warning",
            timeout=5,
        )
        return True

    # --- the shared frame ---------------------------------------------------------------------

    def _demo_paused_changed(self, paused: bool) -> None:
        self.status_header.demo_paused = paused

    def _context_changed(self, name: str) -> None:
        self.status_header.context_name = name
        self.status_header.read_only = self._read_only()
        if self.is_current:
            for following in self._following:
                if following.while_shown:
                    self._follow_start(following)

    def _sources_changed(self, state: SourcesState) -> None:
        self.health_bar.health = dict(state.health)

    def _tick(self, now: datetime | None) -> None:
        self.status_header.now = now
        self.health_bar.now = now
        if now is not None and self.is_current:
            for tick in self._tickers:
                tick(now)
