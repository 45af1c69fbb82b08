"""TraceSearchScreen: the Jaeger search form and its result list.

Form (one line per row, so it fits 80x24 with a dozen results): service and operation (listed
from the server), tags ``key=value`` (space separated, quote values with spaces) and a limit, a
window that is either a lookback (``1h``, ``30m``, ``2d``), ``START..`` (until now) or a pinned
``START..END`` (ISO 8601 or a clock time ``HH:MM`` of today; local time when no zone is given),
min and max span duration (``100ms``, ``1.5s``). A window without an end follows "now": every
search (``enter`` in any field, or ``ctrl+r``) ends it at that moment; the label beside it says
which. Empty fields show dim hints, not values. ``enter`` on a result opens its waterfall.
Results are sorted with ``t`` (time), ``u`` (duration), ``s`` (spans), ``e`` (errors); the same
key again reverses.

Server calls run in exclusive workers and come back as messages; a failure is shown on the status
line (and as a toast), never raised.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static

from oncall_tui.clients.jaeger import JaegerClient, TraceQuery
from oncall_tui.domain.durations import format_micros
from oncall_tui.domain.durations import parse_duration as duration_of
from oncall_tui.errors import OncallError
from oncall_tui.models.jaeger import TraceSummary
from oncall_tui.ui.bindings import TRACE_SEARCH_BINDINGS
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.widgets.trace_results import SortKey, TraceResults

DEFAULT_WINDOW = "1h"
"""Lookback the form starts with."""
DEFAULT_LIMIT = 20
"""Result limit the form starts with."""


class FormError(ValueError):
    """A form field holds something unusable; ``field`` is the widget id to focus."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        """Id of the offending input."""


def parse_duration(text: str, field: str) -> timedelta | None:
    """``100ms``, ``1.5s``, ``2m``, ``1h30m``, ``500us`` (the app's one duration syntax); empty = None."""
    if not text.strip():
        return None
    try:
        return duration_of(text)
    except ValueError:
        raise FormError(
            field, f"{field}: expected a duration like 100ms, 1.5s, 2m or 1h (got {text!r})"
        ) from None


_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def _parse_time(text: str, now: datetime | None = None) -> datetime:
    clock = _CLOCK.match(text)
    if clock is not None and now is not None:
        # A clock time is today's (local); one later than now is yesterday's.
        local = now.astimezone()
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(text)
        value = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if value > local:
            value -= timedelta(days=1)
        return value.astimezone(UTC)
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.astimezone()  # a time without zone is the user's local time
    return value.astimezone(UTC)


def parse_window(text: str, now: datetime) -> tuple[datetime, datetime]:
    """A lookback (``1h``), ``START..`` or ``START..END`` as an absolute UTC window (no end: now)."""
    text = text.strip() or DEFAULT_WINDOW
    if ".." in text:
        first, _, second = text.partition("..")
        try:
            start = _parse_time(first, now)
            end = _parse_time(second, now) if second.strip() else now
        except ValueError:
            raise FormError(
                "window",
                f"window: expected START..[END] (ISO 8601 or HH:MM), e.g. 10:00..11:00 (got {text!r})",
            ) from None
        if end <= start:
            raise FormError("window", "window: the end is not after the start")
        return start, end
    lookback = parse_duration(text, "window")
    assert lookback is not None
    return now - lookback, now


def parse_tags(text: str) -> dict[str, str]:
    """``key=value key2="a b"`` → a dict; raises FormError naming the bad pair."""
    try:
        parts = shlex.split(text)
    except ValueError as exc:
        raise FormError("tags", f"tags: {exc}") from None
    tags: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep or not key:
            raise FormError("tags", f"tags: expected key=value (got {part!r})")
        tags[key] = value
    return tags


def format_window(start: datetime, end: datetime | None, now: datetime | None = None) -> str:
    """A window as the form shows it (local time, minutes): ``START..END``, or ``START..`` to follow now.

    A start on the same day as ``now`` is written as a clock time (``05:03..``), short enough
    for the field at 80 columns.
    """

    def when(moment: datetime) -> str:
        local = moment.astimezone()
        if now is not None and local.date() == now.astimezone().date():
            return f"{local:%H:%M}"
        return f"{local:%Y-%m-%dT%H:%M}"

    return f"{when(start)}..{when(end) if end is not None else ''}"


def window_follows_now(text: str) -> bool:
    """Whether the window ends at the moment of each search (a lookback or ``START..``), not pinned."""
    return ".." not in text or not text.partition("..")[2].strip()


class TraceSearchScreen(OncallScreen):
    """Which requests were slow or failing? Search Jaeger and open a trace."""

    TITLE_TEXT = "Traces"
    BINDINGS = TRACE_SEARCH_BINDINGS

    DEFAULT_CSS = """
    TraceSearchScreen #search-form { height: auto; padding: 0 1; background: $panel; }
    TraceSearchScreen .form-row { height: 1; }
    TraceSearchScreen .form-row Label { width: auto; padding: 0 1 0 0; color: $text-muted; }
    TraceSearchScreen .form-row Label.spaced { padding: 0 1 0 1; }
    TraceSearchScreen #service, TraceSearchScreen #operation { width: 1fr; }
    TraceSearchScreen #tags { width: 1fr; }
    TraceSearchScreen #window { width: 1fr; min-width: 12; }
    TraceSearchScreen #window-mode { width: auto; padding: 0 0 0 1; color: $text-muted; }
    TraceSearchScreen #min-duration, TraceSearchScreen #max-duration { width: 8; }
    TraceSearchScreen #limit { width: 5; }
    /* Empty fields show what could go there: dim and italic, never mistaken for a value. */
    TraceSearchScreen Input > .input--placeholder { color: $text-disabled; text-style: italic dim; }
    TraceSearchScreen #search-button { margin: 0 0 0 1; min-width: 8; }
    TraceSearchScreen #search-status { height: 1; padding: 0 1; color: $text-muted; }
    TraceSearchScreen #search-status.-error { color: $error; text-style: bold; }
    TraceSearchScreen #result-detail { height: 1; padding: 0 1; color: $text-muted; background: $panel; }
    """

    @dataclass
    class ServicesLoaded(Message):
        """The service list arrived."""

        services: list[str]
        """Service names."""

    @dataclass
    class OperationsLoaded(Message):
        """The operations of a service arrived."""

        service: str
        """The service."""
        operations: list[str]
        """Its operations."""

    @dataclass
    class ResultsLoaded(Message):
        """A search finished."""

        summaries: list[TraceSummary]
        """One per trace."""
        description: str
        """What was searched, for the status line."""

    @dataclass
    class Failed(Message):
        """A server call failed; ``reason`` is one line."""

        reason: str
        """What went wrong."""

    def __init__(
        self,
        *,
        service: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        super().__init__()
        self.initial_service = service
        """Service to pre-select (from an alert or exemplar)."""
        self.initial_window: tuple[datetime, datetime | None] | None = (start, end) if start else None
        """Window to pre-fill, when given (no end: it follows now)."""
        self._auto_search = service is not None
        self._client: JaegerClient | None = None
        self._client_sources: object = None
        self._services_failed = False

    # ------------------------------------------------------------- children
    @property
    def service_select(self) -> Select[str]:
        return self.query_one("#service", Select)

    @property
    def operation_select(self) -> Select[str]:
        return self.query_one("#operation", Select)

    @property
    def results(self) -> TraceResults:
        return self.query_one(TraceResults)

    @property
    def status_line(self) -> Static:
        return self.query_one("#search-status", Static)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="search-form"):
            with Horizontal(classes="form-row"):
                yield Label("Service")
                yield Select[str]([], prompt="loading services…", id="service", compact=True)
                yield Label("Operation", classes="spaced")
                yield Select[str]([], prompt="any operation", id="operation", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Tags")
                yield Input(placeholder="any (e.g. error=true)", id="tags", compact=True)
                yield Label("Limit", classes="spaced")
                yield Input(str(DEFAULT_LIMIT), id="limit", compact=True, type="integer")
            with Horizontal(classes="form-row"):
                yield Label("Window")
                initial = self.initial_window
                now = self.oncall_app.clock.now()
                window = format_window(*initial, now) if initial is not None else DEFAULT_WINDOW
                yield Input(window, placeholder="1h, or START..[END]", id="window", compact=True)
                yield Label(_window_mode(window), id="window-mode")
                yield Label("Min", classes="spaced")
                yield Input(placeholder="any", id="min-duration", compact=True)
                yield Label("Max", classes="spaced")
                yield Input(placeholder="any", id="max-duration", compact=True)
                yield Button("Search", id="search-button", compact=True)
        yield Static("", id="search-status")
        yield TraceResults(id="trace-results")
        yield Static("", id="result-detail")

    def on_mount(self) -> None:
        super().on_mount()
        results = self.results
        results.error_colour = self.app.theme_variables.get("span-error", "")
        results.now = self.oncall_app.now
        # After the first refresh: a screen pushed while the app is still starting mounts its
        # nested form rows a moment after its own Mount.
        self.call_after_refresh(self._start)

    def _start(self) -> None:
        self.service_select.focus()
        self._load_services()

    def on_screen_resume(self) -> None:
        # The screen is kept between visits (see show()); after a context switch its lists and
        # results belong to the old context.
        if self._services_failed:
            self.service_select.prompt = "loading services…"
            self._load_services()
            return
        if self._client_sources is not None and self._client_sources is not self.oncall_app.sources:
            self._client = None
            self._client_sources = None
            self.results.show([])
            self.query_one("#result-detail", Static).update("")
            self.service_select.set_options([])
            self.operation_select.set_options([])
            self._load_services()

    # ------------------------------------------------------------ status
    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status_line.update(Text(text, no_wrap=True, overflow="ellipsis"))
        self.status_line.set_class(error, "-error")

    def on_trace_search_screen_failed(self, message: Failed) -> None:
        self._set_status(message.reason, error=True)
        self.notify(message.reason, title="Traces", severity="error", markup=False)

    async def _jaeger(self) -> JaegerClient:
        app = self.oncall_app
        sources = app.sources
        if sources is None or "jaeger" not in sources.kinds:
            where = f"context {app.context_name}" if app.context_name else "this session"
            raise OncallError(f"{where} has no Jaeger configured (add [contexts.<name>.jaeger] url = …)")
        if self._client is None or self._client_sources is not sources:
            self._client = await sources.jaeger()
            self._client_sources = sources
        return self._client

    # ----------------------------------------------------------- services
    @work(exclusive=True, group="trace-services", exit_on_error=False, description="listing services")
    async def _load_services(self) -> None:
        self._set_status("listing services…")
        try:
            services = await (await self._jaeger()).services()
        except OncallError as exc:
            # Not "loading…" forever: say the list is unavailable; a later visit tries again.
            self._services_failed = True
            self.service_select.prompt = "services unavailable"
            self.post_message(self.Failed(str(exc)))
            return
        self._services_failed = False
        self.post_message(self.ServicesLoaded(sorted(services)))

    def on_trace_search_screen_services_loaded(self, message: ServicesLoaded) -> None:
        services = list(message.services)
        wanted = self.initial_service
        if wanted and wanted not in services:
            services.insert(0, wanted)  # an alert's service the server has not listed (yet)
        select = self.service_select
        select.set_options([(s, s) for s in services])
        select.prompt = "choose a service" if services else "no services"
        if wanted:
            select.value = wanted
        elif len(services) == 1:
            select.value = services[0]
        count = len(message.services)
        self._set_status(f"{count} services · choose one, then enter in any field (or ctrl+r) searches")
        if self._auto_search and wanted:
            self._auto_search = False
            self.action_search()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "service":
            self.operation_select.set_options([])
            value = event.value
            if isinstance(value, str):
                self._load_operations(value)

    @work(exclusive=True, group="trace-operations", exit_on_error=False, description="listing operations")
    async def _load_operations(self, service: str) -> None:
        try:
            operations = await (await self._jaeger()).operations(service)
        except OncallError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.OperationsLoaded(service, sorted(operations)))

    def on_trace_search_screen_operations_loaded(self, message: OperationsLoaded) -> None:
        if self.service_select.value != message.service:
            return
        self.operation_select.set_options([(op, op) for op in message.operations])

    # ------------------------------------------------------------- search
    def build_query(self, now: datetime) -> TraceQuery:
        """The form as a TraceQuery; FormError names the first bad field."""
        service = self.service_select.value
        if not isinstance(service, str):
            raise FormError("service", "choose a service first")
        operation = self.operation_select.value
        start, end = parse_window(self.query_one("#window", Input).value, now)
        limit_text = self.query_one("#limit", Input).value.strip() or str(DEFAULT_LIMIT)
        try:
            limit = int(limit_text)
        except ValueError:
            raise FormError("limit", f"limit: expected a whole number (got {limit_text!r})") from None
        if not 1 <= limit <= 1500:
            raise FormError("limit", "limit: between 1 and 1500")
        min_d = parse_duration(self.query_one("#min-duration", Input).value, "min-duration")
        max_d = parse_duration(self.query_one("#max-duration", Input).value, "max-duration")
        if min_d is not None and max_d is not None and max_d < min_d:
            raise FormError("max-duration", "max duration is below min duration")
        return TraceQuery(
            service=service,
            operation=operation if isinstance(operation, str) else None,
            tags=parse_tags(self.query_one("#tags", Input).value),
            start=start,
            end=end,
            min_duration=min_d,
            max_duration=max_d,
            limit=limit,
        )

    def action_search(self) -> None:
        # The window is computed from the app's clock so that tests and the demo are deterministic.
        now = self.oncall_app.clock.now()
        try:
            query = self.build_query(now)
        except FormError as exc:
            self._set_status(str(exc), error=True)
            self.query_one(f"#{exc.field}").focus()
            return
        self._set_status(f"searching {query.service}…")
        self._search(query)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_search()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "window":
            self.query_one("#window-mode", Label).update(_window_mode(event.value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "search-button":
            event.stop()
            self.action_search()

    @work(exclusive=True, group="trace-search", exit_on_error=False, description="searching traces")
    async def _search(self, query: TraceQuery) -> None:
        try:
            summaries = await (await self._jaeger()).search_summaries(query)
        except OncallError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        what = query.service + (f" {query.operation}" if query.operation else "")
        if query.min_duration is not None:
            what += f" ≥{format_micros(query.min_duration / timedelta(microseconds=1))}"
        if query.max_duration is not None:
            what += f" ≤{format_micros(query.max_duration / timedelta(microseconds=1))}"
        what += "".join(f" {k}={v}" for k, v in query.tags.items())
        if query.start is not None and query.end is not None:
            what += f" {query.start.astimezone():%H:%M}–{query.end.astimezone():%H:%M}"
        self.post_message(self.ResultsLoaded(summaries, what))

    def on_trace_search_screen_results_loaded(self, message: ResultsLoaded) -> None:
        results = self.results
        results.now = self.oncall_app.now
        results.show(message.summaries)
        for summary in message.summaries:
            self.oncall_app.known_traces.add(summary.trace_id, "trace search results")
        self._show_result_detail()
        count = len(message.summaries)
        if count:
            errors = sum(1 for s in message.summaries if s.error_count)
            self._set_status(
                f"{count} traces for {message.description} · {errors} with errors · "
                "enter opens · t/u/s/e sort"
            )
            results.focus()
        else:
            self._set_status(f"no traces for {message.description} in this window")

    def on_data_table_row_highlighted(self, event: TraceResults.RowHighlighted) -> None:
        self._show_result_detail()

    def _show_result_detail(self) -> None:
        summary = self.results.current_summary
        text = ""
        if summary is not None:
            text = f"{summary.trace_id} · {len(summary.services)} services: {', '.join(summary.services)}"
        self.query_one("#result-detail", Static).update(Text(text, no_wrap=True, overflow="ellipsis"))

    # -------------------------------------------------------------- other
    def on_trace_results_trace_chosen(self, message: TraceResults.TraceChosen) -> None:
        from oncall_tui.ui.screens.trace import TraceScreen

        self.app.push_screen(TraceScreen(trace_id=message.trace_id))

    def action_sort(self, key: SortKey) -> None:
        self.results.sort_by(key)
        self.results.focus()
        self._show_result_detail()

    def action_edit_form(self) -> None:
        self.service_select.focus()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Letters typed into the form are text, not sort keys.
        return not (action in ("sort", "edit_form") and isinstance(self.focused, Input))

    def prefill(self, service: str | None, start: datetime | None, end: datetime | None) -> None:
        """Pre-fill service and window (from an alert or exemplar; no end: it follows now) and search."""
        if start:
            self.query_one("#window", Input).value = format_window(start, end, self.oncall_app.clock.now())
        if service:
            self.initial_service = service
            options = [str(v) for _, v in self.service_select._options if isinstance(v, str)]
            if service not in options:
                self.service_select.set_options([(s, s) for s in [service, *options]])
            self.service_select.value = service
            self.action_search()


def _window_mode(text: str) -> str:
    """What the label beside the window says: whether each search ends it at the moment it runs."""
    return "→ now" if window_follows_now(text) else "pinned"
