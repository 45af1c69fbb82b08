"""OncallApp: wires feeds, screens and the error funnel together; the work is done elsewhere.

- feeds (``services/``: the alert session, the sources feed) run through ``ui/feed_adapter.py``;
- top-level screens come from ``ui/screen_registry.py`` and see the app as ``ui/app_services.py``;
- every failed worker goes to ``ui/worker_errors.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input, TextArea
from textual.worker import Worker, WorkerState

from oncall_tui.clock import Clock, DemoClock, SystemClock
from oncall_tui.domain.known_traces import KnownTraces
from oncall_tui.errors import ConfigError
from oncall_tui.redaction import scrub
from oncall_tui.ui.app_services import AppServices
from oncall_tui.ui.bindings import APP_BINDINGS
from oncall_tui.ui.command_line import CommandHost
from oncall_tui.ui.commands import TraceCommands
from oncall_tui.ui.demo_controls import PALETTE, DemoHost, control, offered
from oncall_tui.ui.input_first import InputFirst
from oncall_tui.ui.notifications import Notice, NoticeLog
from oncall_tui.ui.resolution import set_minute_resolution, tick_seconds
from oncall_tui.ui.screen_registry import SCREENS, open_trace_search, show_screen, title_of
from oncall_tui.ui.terminal_output import QuietOutput
from oncall_tui.ui.terminal_signals import exit_cleanly_on_signals
from oncall_tui.ui.textual_guards import install as install_textual_guards
from oncall_tui.ui.textual_guards import markup_is_valid
from oncall_tui.ui.theme import VARIABLE_DEFAULTS
from oncall_tui.ui.worker_errors import report_worker_error

if TYPE_CHECKING:
    # The first frame comes before these (and httpx, pydantic, the demo servers) are imported:
    # they load in a thread once it is on screen (see OncallApp._boot).
    from oncall_tui.config.settings import Settings
    from oncall_tui.models.health import SourceHealth
    from oncall_tui.services.actions import ActionResult
    from oncall_tui.services.alert_session import AlertSession
    from oncall_tui.services.alert_state import AlertFeedState
    from oncall_tui.services.incident_actions import IncidentRequest
    from oncall_tui.services.incident_desk import IncidentDesk
    from oncall_tui.services.sources import SourceSet
    from oncall_tui.services.sources_feed import SourcesState
    from oncall_tui.theme_files import ThemeFile
    from oncall_tui.ui.feed_adapter import LiveFeed

LOW_BANDWIDTH_POLL = 30.0
"""With ``--low-bandwidth`` sources are polled at most this often (seconds)."""

SourceSetFactory = Callable[[str, "Settings"], "SourceSet"]
"""(context name, settings) -> the context's sources; tests inject fakes through it."""


class OncallApp(InputFirst, QuietOutput, App[None]):
    """The terminal cockpit."""

    TITLE = "oncall-tui"
    BINDINGS = APP_BINDINGS
    COMMANDS = App.COMMANDS | {TraceCommands}
    CSS = """
    Screen { background: $background; }
    /* Toasts at the bottom left: on the right they covered the queue's Status column. */
    ToastRack { align: left bottom; }
    DataTable > .datatable--header { text-style: bold; background: $panel; }
    """

    # None repaints by itself: screens and widgets watch these and refresh what shows them. An App
    # reactive that repaints refreshes the whole screen: every second (``now``) that was a full
    # render, 25-35 ms, and a key arriving meanwhile waited for it.
    context_name: reactive[str] = reactive("", repaint=False)
    """The active context."""
    now: reactive[datetime | None] = reactive(None, repaint=False)
    """Wall clock, ticked every second so ages and timers advance."""
    demo_paused: reactive[bool] = reactive(False, repaint=False)
    """The demo's incident cycle is paused (``:demo pause``): the headers say so."""

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
        install_textual_guards()  # before Textual builds its filters and timers
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
        self.alert_feed: AlertSession
        """Alert polling, actions, outbox drain and ack keeper (app-level: they run whatever screen shows).
        ``database_path`` None means the incident log in the XDG data dir."""
        self.alerts: LiveFeed[AlertFeedState]
        """The alert session as screens follow it."""
        self.source_feed: LiveFeed[SourcesState]
        """Health and overviews of the context's sources, as screens follow them."""
        self._boot_settings = settings
        self.start_problems: list[str] = []
        """Why the app could not start (the config's problems, one a line); empty once it has."""
        self._source_set_factory = source_set_factory
        self._wanted_context = context
        self._initial_context = ""
        self._user_themes_dir = user_themes_dir
        self._theme_name = theme_name
        self._database_path = database_path
        self.sources: SourceSet | None = None
        """Sources of the active context."""
        self.known_traces = KnownTraces()
        """Trace ids seen this session (search results, exemplars, opened traces): short ids resolve."""
        self.incident_desk: IncidentDesk
        """The incident log for the incident screens (its own connection, opened on first use)."""
        self.notice_log = NoticeLog()
        """Every notification of the session (``:messages``); repeats show no new toast."""
        self.command_history: list[str] = []
        """Commands run on the ``:`` command line this session."""
        if not callable(settings):
            # Given settings (tests, benchmarks): the services exist before the app runs.
            self._build(settings)
        set_minute_resolution(self.low_bandwidth)

    @property
    def demo_clock(self) -> DemoClock | None:
        """The clock the demo's incident cycle runs on, to pause and restart (None unless ``--demo``)."""
        return self.clock if self.demo and isinstance(self.clock, DemoClock) else None

    @property
    def source_health(self) -> dict[str, SourceHealth]:
        """Health per source key of the active context (none before the app booted)."""
        return dict(self.source_feed.state.health) if hasattr(self, "source_feed") else {}

    @property
    def messages(self) -> list[Notice]:
        """Notifications of this session, oldest first."""
        return list(self.notice_log.notices)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast goes through here: scrubbed of secrets (errors not made by the app included), shown
        as plain text when it is not valid markup (a server's or a parser's words with ``[``), and not shown
        again when the same one was raised within a minute (then it only counts, in ``:messages``)."""
        message = scrub(str(message))
        title = scrub(title)
        markup = markup and markup_is_valid(message)
        if self.notice_log.record(self.clock.now(), time.monotonic(), severity, title, message):
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def action_command_line(self) -> None:
        """Open the ``:`` command line (screens, ``ctx NAME``, ``theme NAME``, ``messages``)."""
        from oncall_tui.ui.command_line import CommandLine

        if self.booted and not isinstance(self.screen, CommandLine):
            self.push_screen(CommandLine(self.command_history))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # ":" is a priority binding (see ui/bindings.py): in a text field it is a character.
        if action == "command_line" and isinstance(self.focused, Input | TextArea):
            return False
        return super().check_action(action, parameters)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    # ----------------------------------------------------------------- lifecycle
    def on_load(self) -> None:
        exit_cleanly_on_signals(self)

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
        except ConfigError as exc:
            self.call_from_thread(self._start_failed, 2, list(exc.problems))
            return
        except Exception as exc:  # noqa: BLE001 - reported, and the app ends with an error status
            self.call_from_thread(self._start_failed, 1, [f"oncall-tui could not start: {exc}"])
            return
        self.call_from_thread(self._booted, loaded, themes, problems)

    def _start_failed(self, status: int, problems: list[str]) -> None:
        """End at once: nothing was built; the caller prints ``start_problems`` once the terminal is back."""
        self.start_problems = problems
        self.exit(return_code=status)

    def _booted(self, settings: Settings, themes: list[ThemeFile], problems: list[str]) -> None:
        """Settings are loaded and the heavy modules imported: build the services, show the first screen."""
        from oncall_tui.ui.screens.starting import StartingScreen

        if not self.booted and not hasattr(self, "alert_feed"):
            self._build(settings)
        self._register_themes(themes, problems, self._theme_name or self.settings.theme)
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.booted = True
        if isinstance(self.screen, StartingScreen):
            self.pop_screen()
        self.show_screen(SCREENS[0].id)
        if self._initial_context:
            self.switch_context(self._initial_context)

    def _build(self, settings: Settings) -> None:
        """The services of ``settings`` (imported here: after the first frame when deferred)."""
        from oncall_tui.services.alert_session import AlertSession
        from oncall_tui.services.sources_feed import SourcesFeed
        from oncall_tui.ui.feed_adapter import LiveFeed

        self.low_bandwidth = self.low_bandwidth or settings.low_bandwidth
        if self.low_bandwidth:
            settings = settings.with_polls_at_most_every(LOW_BANDWIDTH_POLL)
            # No animation either (the compositor would write every frame of it).
            self.animation_level = "none"
        set_minute_resolution(self.low_bandwidth)
        self.settings = settings
        self._initial_context = self._wanted_context or settings.initial_context() or ""
        self.alert_feed = AlertSession(settings, self.clock, self._database_path)
        self.alerts = LiveFeed(self, self.alert_feed)
        self.source_feed = LiveFeed(self, SourcesFeed())
        self.alert_feed.on_completed(self._action_completed)
        from oncall_tui.services.incident_desk import IncidentDesk

        self.incident_desk = IncidentDesk(self._database_path, self.clock, settings.user, settings=settings)

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
        if hasattr(self, "alert_feed"):
            await self.alert_feed.aclose()
        if hasattr(self, "incident_desk"):
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
        factory = self._source_set_factory or partial(_default_source_set, clock=self.clock)
        self.sources = factory(name, self.settings)
        self.context_name = name
        self.source_feed.feed.start(self.sources)
        self.alert_feed.start(self.sources)

    def _action_completed(self, what: str, results: list[ActionResult]) -> None:
        from oncall_tui.ui.messages import ActionCompleted

        # Every screen in the stack hears it (a hidden one may refresh when shown again).
        for screen in self.screen_stack:
            screen.post_message(ActionCompleted(what, results))

    def perform_incident(self, request: IncidentRequest) -> None:
        """Run a logged incident action (``ui/incident_host.py``); every screen hears it completed."""
        from oncall_tui.ui.incident_host import perform_incident

        perform_incident(self, self.incident_desk, request, self._action_completed)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The app's own workers; screens forward theirs (ForwardWorkerErrors) to the same funnel.
        if event.state == WorkerState.ERROR:
            report_worker_error(self, event.worker)

    # ------------------------------------------------------------------- actions
    def action_refresh_now(self) -> None:
        if not self.booted:
            return
        self.refresh_sources()
        self.notify("refreshing every source", timeout=2)

    def refresh_sources(self) -> None:
        """Poll the context's sources and alerts now."""
        if self.booted:
            self.source_feed.feed.wake()
            self.alert_feed.wake()

    def control_demo(self, action: str) -> str | None:
        """Pause, resume or restart the demo's incident cycle (``ui/demo_controls.py``); an error or None."""
        return control(self, action)

    def action_show_screen(self, screen_id: str) -> None:
        """Go to a registered screen (the bindings of ``ui/bindings.py`` call this)."""
        self.show_screen(screen_id)

    def show_screen(self, screen_id: str) -> None:
        """Go back to the open screen ``screen_id`` or push a new one (``ui/screen_registry.py``)."""
        if self.booted:
            show_screen(self, screen_id)

    # -------------------------------------------------------------- traces
    def open_trace_search(self, service: str | None, start: datetime | None, end: datetime | None) -> None:
        """Open the trace search, pre-filled (and run) when a service is given (alerts, exemplars)."""
        if self.booted:
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

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot, saved where a directory exists (Textual's toast says where)."""
        from oncall_tui.ui.screenshots import screenshot_dir

        return super().deliver_screenshot(filename, path or str(screenshot_dir()), time_format)

    def action_help(self) -> None:
        from oncall_tui.ui.screens.help import HelpScreen, list_sections

        screen = self.screen
        sections: list[tuple[str, list[Binding]]] = []
        screen_bindings = [b for b in getattr(screen, "BINDINGS", []) if isinstance(b, Binding)]
        if screen_bindings:
            sections.append((title_of(screen), screen_bindings))
        sections.append(("Everywhere", [b for b in APP_BINDINGS if isinstance(b, Binding)]))
        # The lists' keys (j/k, g/G …) are the same on every screen: after the screen's own.
        sections += list_sections(screen, title_of(screen))
        self.push_screen(HelpScreen(sections, self.settings.keymap if self.booted else {}))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not self.booted:
            return
        for entry in SCREENS:
            yield SystemCommand(entry.title, entry.description, partial(self.show_screen, entry.id))
        yield SystemCommand("Refresh now", "Poll every source now", self.action_refresh_now)
        for action in offered(self.demo_clock):
            title, help_text = PALETTE[action]
            yield SystemCommand(title, help_text, partial(self.control_demo, action))
        for name in self.settings.contexts:
            if name != self.context_name:
                yield SystemCommand(
                    f"Context: {name}", f"Switch to context {name}", partial(self.switch_context, name)
                )


def _default_source_set(name: str, settings: Settings, *, clock: Clock) -> SourceSet:
    from oncall_tui.services.sources import SourceSet

    # The app's clock: on the demo's, a paused cycle is queried where it stands.
    return SourceSet(name, settings.contexts[name], clock=clock)


def _load_boot_modules(user_themes_dir: Path | None) -> tuple[list[ThemeFile], list[str]]:
    """Import what the first screen and the services need, and read the theme files (in a thread)."""
    import oncall_tui.services.alert_session
    import oncall_tui.services.sources_feed  # noqa: F401 - imported here so the event loop does not wait
    from oncall_tui.theme_files import discover_themes

    SCREENS[0].kind()  # imports the first screen's module
    themes, problems = discover_themes(user_themes_dir)
    return list(themes), list(problems)


def _implements_app_services(app: OncallApp) -> AppServices:
    # mypy checks here that the app gives screens everything AppServices promises.
    return app


def _implements_command_host(app: OncallApp) -> CommandHost:
    # mypy checks here that the app gives the : command line everything it uses.
    return app


def _implements_demo_host(app: OncallApp) -> DemoHost:
    # mypy checks here that the app gives the demo's controls everything they use.
    return app
