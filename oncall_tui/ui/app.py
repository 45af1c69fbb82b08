"""OncallApp: wires feeds, screens and the error funnel together; the work is done elsewhere.

- feeds (``services/``: the alert session, the sources feed) run through ``ui/feed_adapter.py``;
- top-level screens come from ``ui/screen_registry.py`` and see the app as ``ui/app_services.py``;
- every failed worker goes to ``ui/worker_errors.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from oncall_tui.clock import Clock, SystemClock
from oncall_tui.config.settings import Settings
from oncall_tui.domain.known_traces import KnownTraces
from oncall_tui.models.health import SourceHealth
from oncall_tui.redaction import scrub
from oncall_tui.services.actions import ActionResult
from oncall_tui.services.alert_session import AlertSession
from oncall_tui.services.alert_state import AlertFeedState
from oncall_tui.services.incident_actions import IncidentRequest
from oncall_tui.services.incident_desk import IncidentDesk
from oncall_tui.services.sources import SourceSet
from oncall_tui.services.sources_feed import SourcesFeed, SourcesState
from oncall_tui.theme_files import discover_themes
from oncall_tui.ui.app_services import AppServices
from oncall_tui.ui.bindings import APP_BINDINGS
from oncall_tui.ui.commands import TraceCommands
from oncall_tui.ui.feed_adapter import LiveFeed
from oncall_tui.ui.incident_host import perform_incident
from oncall_tui.ui.messages import ActionCompleted
from oncall_tui.ui.screen_registry import SCREENS, open_trace_search, show_screen, title_of
from oncall_tui.ui.screens.help import HelpScreen
from oncall_tui.ui.terminal_signals import exit_cleanly_on_signals
from oncall_tui.ui.textual_guards import install as install_textual_guards
from oncall_tui.ui.textual_guards import markup_is_valid
from oncall_tui.ui.theme import VARIABLE_DEFAULTS, to_textual_theme
from oncall_tui.ui.worker_errors import report_worker_error

SourceSetFactory = Callable[[str, Settings], SourceSet]
"""(context name, settings) -> the context's sources; tests inject fakes through it."""


class OncallApp(App[None]):
    """The terminal cockpit."""

    TITLE = "oncall-tui"
    BINDINGS = APP_BINDINGS
    COMMANDS = App.COMMANDS | {TraceCommands}
    CSS = """
    Screen { background: $background; }
    DataTable > .datatable--header { text-style: bold; background: $panel; }
    """

    context_name: reactive[str] = reactive("")
    """The active context."""
    now: reactive[datetime | None] = reactive(None)
    """Wall clock, ticked every second so ages and timers advance."""

    def __init__(
        self,
        settings: Settings,
        *,
        context: str | None = None,
        demo: bool = False,
        clock: Clock | None = None,
        source_set_factory: SourceSetFactory | None = None,
        user_themes_dir: Path | None = None,
        theme_name: str | None = None,
        database_path: Path | None = None,
    ) -> None:
        install_textual_guards()  # before Textual builds its filters and timers
        super().__init__()
        self.settings = settings
        """Validated configuration."""
        self.demo = demo
        """Running on the built-in demo environment."""
        self.clock: Clock = clock or SystemClock()
        """Time source for ages, timers and pollers."""
        self._source_set_factory = source_set_factory or _default_source_set
        self._initial_context = context or settings.initial_context() or ""
        self._user_themes_dir = user_themes_dir
        self._theme_name = theme_name or settings.theme
        self.sources: SourceSet | None = None
        """Sources of the active context."""
        self.known_traces = KnownTraces()
        """Trace ids seen this session (search results, exemplars, opened traces): short ids resolve."""
        self.alert_feed = AlertSession(settings, self.clock, database_path)
        """Alert polling, actions, outbox drain and ack keeper (app-level: they run whatever screen shows).
        ``database_path`` None means the incident log in the XDG data dir."""
        self.alerts: LiveFeed[AlertFeedState] = LiveFeed(self, self.alert_feed)
        """The alert session as screens follow it."""
        self.source_feed: LiveFeed[SourcesState] = LiveFeed(self, SourcesFeed())
        """Health and overviews of the context's sources, as screens follow them."""
        self.alert_feed.on_completed(self._action_completed)
        self.incident_desk = IncidentDesk(database_path, self.clock, settings.user, settings=settings)
        """The incident log for the incident screens (its own connection, opened on first use)."""

    @property
    def source_health(self) -> dict[str, SourceHealth]:
        """Health per source key of the active context."""
        return dict(self.source_feed.state.health)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast goes through here: scrubbed of secrets (errors not made by the app included), and
        shown as plain text when it is not valid markup (a server's or a parser's words with ``[``)."""
        message = scrub(message)
        markup = markup and markup_is_valid(message)
        super().notify(message, title=scrub(title), severity=severity, timeout=timeout, markup=markup)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    # ----------------------------------------------------------------- lifecycle
    def on_load(self) -> None:
        exit_cleanly_on_signals(self)

    def on_mount(self) -> None:
        self._register_themes()
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.now = self.clock.now()
        self.set_interval(1.0, self._tick)
        self.show_screen(SCREENS[0].id)
        if self._initial_context:
            self.switch_context(self._initial_context)

    def _register_themes(self) -> None:
        themes, problems = discover_themes(self._user_themes_dir)
        for theme in themes:
            self.register_theme(to_textual_theme(theme))
        wanted = self._theme_name
        if wanted not in self.available_themes:
            problems.append(f"theme {wanted!r} not found; using dark")
            wanted = "dark"
        self.theme = wanted
        if problems:
            self.notify("\n".join(problems), title="Themes", severity="warning", timeout=10)

    def _tick(self) -> None:
        self.now = self.clock.now()

    async def on_unmount(self) -> None:
        if self.sources is not None:
            await self.sources.aclose()
        await self.alert_feed.aclose()
        self.incident_desk.close()

    # ------------------------------------------------------------------ contexts
    def switch_context(self, name: str) -> None:
        """Stop polling the current context and start on ``name``."""
        if name not in self.settings.contexts:
            self.notify(f"no context named {name!r}", severity="error")
            return
        old = self.sources
        self.source_feed.feed.stop()
        self.alert_feed.stop()
        if old is not None:
            self.run_worker(old.aclose(), group="cleanup", exit_on_error=False)
        self.sources = self._source_set_factory(name, self.settings)
        self.context_name = name
        self.source_feed.feed.start(self.sources)
        self.alert_feed.start(self.sources)

    def _action_completed(self, what: str, results: list[ActionResult]) -> None:
        # Every screen in the stack hears it (a hidden one may refresh when shown again).
        for screen in self.screen_stack:
            screen.post_message(ActionCompleted(what, results))

    def perform_incident(self, request: IncidentRequest) -> None:
        """Run a logged incident action (``ui/incident_host.py``); every screen hears it completed."""
        perform_incident(self, self.incident_desk, request, self._action_completed)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The app's own workers; screens forward theirs (ForwardWorkerErrors) to the same funnel.
        if event.state == WorkerState.ERROR:
            report_worker_error(self, event.worker)

    # ------------------------------------------------------------------- actions
    def action_refresh_now(self) -> None:
        self.source_feed.feed.wake()
        self.alert_feed.wake()
        self.notify("refreshing every source", timeout=2)

    def action_show_screen(self, screen_id: str) -> None:
        """Go to a registered screen (the bindings of ``ui/bindings.py`` call this)."""
        self.show_screen(screen_id)

    def show_screen(self, screen_id: str) -> None:
        """Go back to the open screen ``screen_id`` or push a new one (``ui/screen_registry.py``)."""
        show_screen(self, screen_id)

    # -------------------------------------------------------------- traces
    def open_trace_search(self, service: str | None, start: datetime | None, end: datetime | None) -> None:
        """Open the trace search, pre-filled (and run) when a service is given (alerts, exemplars)."""
        open_trace_search(self, service, start, end)

    def open_trace(self, trace_id: str) -> None:
        """Fetch trace ``trace_id`` from the context's Jaeger and show its waterfall."""
        from oncall_tui.ui.screens.trace import TraceScreen

        self.known_traces.add(trace_id, self.known_traces.where(trace_id) or "opened traces")
        self.push_screen(TraceScreen(trace_id=trace_id))

    def open_trace_file(self, path: Path) -> None:
        """Show the waterfall of a trace file; a bad file is reported, the app carries on."""
        from oncall_tui.errors import TraceDataError
        from oncall_tui.trace_io import load_trace_file
        from oncall_tui.ui.screens.trace import TraceScreen

        try:
            traces = load_trace_file(path)
        except TraceDataError as exc:
            self.notify(str(exc), title="Trace file", severity="error", markup=False)
            return
        self.push_screen(TraceScreen(traces=traces, source_name=str(path)))

    def action_help(self) -> None:
        screen = self.screen
        sections: list[tuple[str, list[Binding]]] = []
        screen_bindings = [b for b in getattr(screen, "BINDINGS", []) if isinstance(b, Binding)]
        if screen_bindings:
            sections.append((title_of(screen), screen_bindings))
        sections.append(("Everywhere", [b for b in APP_BINDINGS if isinstance(b, Binding)]))
        self.push_screen(HelpScreen(sections, self.settings.keymap))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for entry in SCREENS:
            yield SystemCommand(entry.title, entry.description, partial(self.show_screen, entry.id))
        yield SystemCommand("Refresh now", "Poll every source now", self.action_refresh_now)
        for name in self.settings.contexts:
            if name != self.context_name:
                yield SystemCommand(
                    f"Context: {name}", f"Switch to context {name}", partial(self.switch_context, name)
                )


def _default_source_set(name: str, settings: Settings) -> SourceSet:
    return SourceSet(name, settings.contexts[name])


def _implements_app_services(app: OncallApp) -> AppServices:
    # mypy checks here that the app gives screens everything AppServices promises.
    return app
