"""Every top-level screen in one table: it drives the key bindings' actions, the command palette and help.

Adding a screen: write it (an ``OncallScreen``), add one :class:`ScreenEntry` to :data:`SCREENS`, and
its binding (id ``show-<id>``, action ``show_screen('<id>')``) to ``APP_BINDINGS`` in ``ui/bindings.py``.
Screens are imported when first shown (``module:Class``), so start-up does not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from typing import Any

from textual.app import App
from textual.screen import Screen


@dataclass(frozen=True, slots=True)
class ScreenEntry:
    """One top-level screen."""

    id: str
    """Stable id: ``show_screen('<id>')``, binding id ``show-<id>``."""
    title: str
    """Name in the palette, the help screen and the header."""
    description: str
    """One line for the palette."""
    screen: str
    """``module:Class`` of the screen, imported when first shown."""
    opener: Callable[[App[Any]], None] | None = None
    """Shows the screen instead of "back to it, or push a new one" (for screens kept between visits)."""

    @property
    def binding_id(self) -> str:
        """Id of its binding in ``ui/bindings.py`` (and of ``[keymap]`` overrides)."""
        return f"show-{self.id}"

    def kind(self) -> type[Screen[Any]]:
        """The screen class (imports its module)."""
        module, _, name = self.screen.partition(":")
        kind: type[Screen[Any]] = getattr(import_module(module), name)
        return kind

    def factory(self) -> Screen[Any]:
        """A new instance of the screen."""
        return self.kind()()


TRACE_SEARCH = "trace-search"
"""Name the trace search is installed under (one per app: its form and results are kept between visits)."""


def open_trace_search(
    app: App[Any], service: str | None = None, start: datetime | None = None, end: datetime | None = None
) -> None:
    """Bring the app's one trace search to the top; pre-fill and run it when a service or window is given."""
    from oncall_tui.ui.screens.trace_search import TraceSearchScreen

    if not app.is_screen_installed(TRACE_SEARCH):
        app.install_screen(TraceSearchScreen(service=service, start=start, end=end), TRACE_SEARCH)
        app.push_screen(TRACE_SEARCH)
        return
    installed = app.get_screen(TRACE_SEARCH)
    assert isinstance(installed, TraceSearchScreen)
    search: TraceSearchScreen = installed
    if search in app.screen_stack:
        while app.screen is not search:
            app.pop_screen()
    else:
        app.push_screen(TRACE_SEARCH)
    if service or (start and end):
        search.prefill(service, start, end)


SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry(
        "alerts",
        "Alerts",
        "The alert queue: ack, escalate, silence",
        "oncall_tui.ui.screens.alerts:AlertsScreen",
    ),
    ScreenEntry(
        "silences",
        "Silences",
        "Active, pending and expired silences",
        "oncall_tui.ui.screens.silences:SilencesScreen",
    ),
    ScreenEntry(
        "sources",
        "Sources",
        "Data sources: health, versions, scrape targets",
        "oncall_tui.ui.screens.sources:SourcesScreen",
    ),
    ScreenEntry(
        "traces",
        "Traces",
        "Search Jaeger traces of this context",
        "oncall_tui.ui.screens.trace_search:TraceSearchScreen",
        opener=open_trace_search,
    ),
)
"""The top-level screens, in palette order; the first is the one the app opens on."""

SCREENS_BY_ID: dict[str, ScreenEntry] = {entry.id: entry for entry in SCREENS}
"""The same, by id."""


def show_screen(app: App[Any], screen_id: str) -> None:
    """Go back to the open screen ``screen_id`` (popping what is above it), or push a new one."""
    entry = SCREENS_BY_ID[screen_id]
    if entry.opener is not None:
        entry.opener(app)
        return
    kind = entry.kind()
    if isinstance(app.screen, kind):
        return
    if any(isinstance(s, kind) for s in app.screen_stack):
        while not isinstance(app.screen, kind):
            app.pop_screen()
        return
    app.push_screen(entry.factory())


def title_of(screen: Screen[Any]) -> str:
    """The registry title of ``screen`` (its ``TITLE_TEXT`` for screens not in the registry)."""
    for entry in SCREENS:
        module, _, name = entry.screen.partition(":")
        if type(screen).__module__ == module and type(screen).__name__ == name:
            return entry.title
    return getattr(screen, "TITLE_TEXT", "") or "This screen"
