"""OncallApp: wires services to screens; owns per-source state as reactives."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from oncall_tui.clock import Clock, SystemClock
from oncall_tui.ui.bindings import APP_BINDINGS
from oncall_tui.ui.commands import TraceCommands
from oncall_tui.ui.resolution import set_minute_resolution, tick_seconds
from oncall_tui.ui.terminal_output import QuietOutput
from oncall_tui.ui.theme import VARIABLE_DEFAULTS

if TYPE_CHECKING:
    # The first frame comes before these (and httpx, pydantic, the demo servers) are imported:
    # they load in a thread once it is on screen (see OncallApp._boot).
    from oncall_tui.config.settings import Settings
    from oncall_tui.models.health import SourceHealth
    from oncall_tui.services.polling import Failed, Fresh, Poller
    from oncall_tui.services.sources import SourceSet
    from oncall_tui.theme_files import ThemeFile
    from oncall_tui.ui.alert_feed import AlertFeed
    from oncall_tui.ui.messages import SourcePolled

LOW_BANDWIDTH_POLL = 30.0
"""With ``--low-bandwidth`` sources are polled at most this often (seconds)."""

SourceSetFactory = Callable[[str, "Settings"], "SourceSet"]
"""(context name, settings) -> the context's sources; tests inject fakes through it."""


class OncallApp(QuietOutput, App[None]):
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
    source_health: reactive[dict[str, SourceHealth]] = reactive(dict, always_update=True)
    """Health per source key, replaced after every poll."""
    overviews: reactive[dict[str, Any]] = reactive(dict, always_update=True)
    """Latest good overview data per source key (kept, marked stale, when a poll fails)."""
    now: reactive[datetime | None] = reactive(None)
    """Wall clock, ticked every second so ages and timers advance."""

    def __init__(
        self,
        settings: Settings | Callable[[], Settings],
        *,
        context: str | None = None,
        demo: bool = False,
        clock: Clock | None = None,
        source_set_factory: SourceSetFactory | None = None,
        user_themes_dir: Path | None = None,
        theme_name: str | None = None,
        database_path: Path | None = None,
        low_bandwidth: bool = False,
    ) -> None:
        super().__init__()
        self.settings: Settings
        """Validated configuration (set once booted: see :attr:`booted`)."""
        self.demo = demo
        """Running on the built-in demo environment."""
        self.clock: Clock = clock or SystemClock()
        """Time source for ages, timers and pollers."""
        self.low_bandwidth = low_bandwidth
        """Fewer writes for slow links: minute-resolution ages and clock, slower polls."""
        self.booted = False
        """Settings loaded and services built (the first frame comes before; see :meth:`_boot`)."""
        self.alert_feed: AlertFeed
        """Alert polling, actions, outbox drain and ack keeper (app-level: they run whatever screen shows).
        ``database_path`` None means the incident log in the XDG data dir."""
        self._boot_settings = settings
        self._source_set_factory = source_set_factory
        self._wanted_context = context
        self._initial_context = ""
        self._user_themes_dir = user_themes_dir
        self._theme_name = theme_name
        self._database_path = database_path
        self.sources: SourceSet | None = None
        """Sources of the active context."""
        self._pollers: list[Poller[Any]] = []
        if not callable(settings):
            # Given settings (tests, benchmarks): the services exist before the app runs.
            self._build(settings)
        set_minute_resolution(self.low_bandwidth)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    # ----------------------------------------------------------------- lifecycle
    def on_mount(self) -> None:
        self.now = self.clock.now()
        self.set_interval(tick_seconds(), self._tick)
        settings = self._boot_settings
        if not callable(settings):
            # Given settings (tests, benchmarks): everything is ready before the first frame.
            self._booted(settings, *_load_boot_modules(self._user_themes_dir))
            return
        # The frame first: header, "connecting…", health bar and footer; the rest loads after it.
        from oncall_tui.ui.screens.starting import StartingScreen

        self.push_screen(StartingScreen())
        self.call_after_refresh(self._boot)

    def _boot(self) -> None:
        self.run_worker(
            self._boot_in_thread, thread=True, name="boot", description="starting", exit_on_error=False
        )

    def _boot_in_thread(self) -> None:
        settings = self._boot_settings
        try:
            loaded = settings() if callable(settings) else settings
            themes, problems = _load_boot_modules(self._user_themes_dir)
        except Exception as exc:  # noqa: BLE001 - reported, and the app ends with an error status
            self.call_from_thread(self.exit, 1, f"oncall-tui could not start: {exc}")
            return
        self.call_from_thread(self._booted, loaded, themes, problems)

    def _booted(self, settings: Settings, themes: list[ThemeFile], problems: list[str]) -> None:
        """Settings are loaded and the heavy modules imported: build the services, show Alerts."""
        from oncall_tui.ui.screens.alerts import AlertsScreen

        if not hasattr(self, "alert_feed"):
            self._build(settings)
        set_minute_resolution(self.low_bandwidth)
        self._register_themes(themes, problems, self._theme_name or settings.theme)
        if settings.keymap:
            self.set_keymap(settings.keymap)
        self.booted = True
        from oncall_tui.ui.screens.starting import StartingScreen

        if isinstance(self.screen, StartingScreen):
            self.switch_screen(AlertsScreen())
        else:
            self.push_screen(AlertsScreen())
        if self._initial_context:
            self.switch_context(self._initial_context)

    def _build(self, settings: Settings) -> None:
        from oncall_tui.ui.alert_feed import AlertFeed

        self.low_bandwidth = self.low_bandwidth or settings.low_bandwidth
        if self.low_bandwidth:
            settings = settings.with_polls_at_most_every(LOW_BANDWIDTH_POLL)
            # No animation either (the compositor would write every frame of it).
            self.animation_level = "none"
        set_minute_resolution(self.low_bandwidth)
        self.settings = settings
        self._initial_context = self._wanted_context or settings.initial_context() or ""
        self.alert_feed = AlertFeed(self, settings, self.clock, self._database_path)

    def _register_themes(self, themes: list[ThemeFile], problems: list[str], wanted: str) -> None:
        from oncall_tui.ui.theme import to_textual_theme

        for theme in themes:
            self.register_theme(to_textual_theme(theme))
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
        if self.booted:
            await self.alert_feed.aclose()

    # ------------------------------------------------------------------ contexts
    def switch_context(self, name: str) -> None:
        """Stop polling the current context and start on ``name``."""
        if name not in self.settings.contexts:
            self.notify(f"no context named {name!r}", severity="error")
            return
        self.workers.cancel_group(self, "poll")
        old = self.sources
        if old is not None:
            self.run_worker(old.aclose(), group="cleanup", exit_on_error=False)
        self.sources = (self._source_set_factory or _default_source_set)(name, self.settings)
        self.context_name = name
        self.overviews = {}
        self._pollers = self.sources.overview_pollers(self._poller_reported)
        self.source_health = {p.name: p.health for p in self._pollers}
        for poller in self._pollers:
            self.run_worker(
                poller.run(),
                group="poll",
                name=f"poll:{poller.name}",
                exit_on_error=False,
                description=f"polling {poller.name}",
            )
        self.alert_feed.start(self.sources)

    def _poller_reported(self, key: str, result: Fresh[Any] | Failed[Any]) -> None:
        from oncall_tui.ui.messages import SourcePolled

        self.post_message(SourcePolled(key, result))

    def on_source_polled(self, message: SourcePolled) -> None:
        from oncall_tui.services.polling import Fresh

        result = message.result
        self.source_health = {**self.source_health, message.key: result.health}
        if isinstance(result, Fresh):
            self.overviews = {**self.overviews, message.key: result.value}

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The one error funnel: a worker that died unexpectedly is reported, never crashes the app.
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.notify(
                f"{event.worker.description or event.worker.name}: {error}", title="Error", severity="error"
            )

    # ------------------------------------------------------------------- actions
    def action_refresh_now(self) -> None:
        if not self.booted:
            return
        for poller in self._pollers:
            poller.wake()
        self.alert_feed.wake()
        self.notify("refreshing every source", timeout=2)

    def action_show_sources(self) -> None:
        from oncall_tui.ui.screens.sources import SourcesScreen

        self._show_screen(SourcesScreen)

    def action_show_alerts(self) -> None:
        from oncall_tui.ui.screens.alerts import AlertsScreen

        self._show_screen(AlertsScreen)

    def action_show_silences(self) -> None:
        from oncall_tui.ui.screens.silences import SilencesScreen

        self._show_screen(SilencesScreen)

    def _show_screen(self, kind: type[Screen[Any]]) -> None:
        """Go back to the open screen of ``kind`` (popping what is above it), or push a new one."""
        if not self.booted or isinstance(self.screen, kind):
            return
        if any(isinstance(s, kind) for s in self.screen_stack):
            while not isinstance(self.screen, kind):
                self.pop_screen()
            return
        self.push_screen(kind())

    # -------------------------------------------------------------- traces
    def action_show_traces(self) -> None:
        """Open the trace search (or return to it when it is already open)."""
        self.open_trace_search(None, None, None)

    def open_trace_search(self, service: str | None, start: datetime | None, end: datetime | None) -> None:
        """Open the trace search, pre-filled (and run) when a service is given (alerts, exemplars)."""
        if not self.booted:
            return
        from oncall_tui.ui.screens.trace_search import TraceSearchScreen

        TraceSearchScreen.show(self, service, start, end)

    def open_trace(self, trace_id: str) -> None:
        """Fetch trace ``trace_id`` from the context's Jaeger and show its waterfall."""
        from oncall_tui.ui.screens.trace import TraceScreen

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

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot, saved where a directory exists (Textual's toast says where)."""
        from oncall_tui.ui.screenshots import screenshot_dir

        return super().deliver_screenshot(filename, path or str(screenshot_dir()), time_format)

    def action_help(self) -> None:
        screen = self.screen
        sections: list[tuple[str, list[Binding]]] = []
        screen_bindings = [b for b in getattr(screen, "BINDINGS", []) if isinstance(b, Binding)]
        if screen_bindings:
            sections.append((getattr(screen, "TITLE_TEXT", "This screen"), screen_bindings))
        sections.append(("Everywhere", [b for b in APP_BINDINGS if isinstance(b, Binding)]))
        from oncall_tui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(sections, self.settings.keymap if self.booted else {}))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not self.booted:
            return
        yield SystemCommand("Alerts", "The alert queue: ack, escalate, silence", self.action_show_alerts)
        yield SystemCommand("Silences", "Active, pending and expired silences", self.action_show_silences)
        yield SystemCommand(
            "Sources", "Data sources: health, versions, scrape targets", self.action_show_sources
        )
        yield SystemCommand("Refresh now", "Poll every source now", self.action_refresh_now)
        yield SystemCommand("Traces", "Search Jaeger traces of this context", self.action_show_traces)
        for name in self.settings.contexts:
            if name != self.context_name:
                yield SystemCommand(
                    f"Context: {name}", f"Switch to context {name}", partial(self.switch_context, name)
                )


def _default_source_set(name: str, settings: Settings) -> SourceSet:
    from oncall_tui.services.sources import SourceSet

    return SourceSet(name, settings.contexts[name])


def _load_boot_modules(user_themes_dir: Path | None) -> tuple[list[ThemeFile], list[str]]:
    """Import what the screens and services need, and read the theme files (run in a thread)."""
    import oncall_tui.ui.alert_feed
    import oncall_tui.ui.screens.alerts  # noqa: F401 - imported here so the event loop does not wait on it
    from oncall_tui.theme_files import discover_themes

    themes, problems = discover_themes(user_themes_dir)
    return list(themes), list(problems)
