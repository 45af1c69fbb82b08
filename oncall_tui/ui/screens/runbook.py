"""The runbook step-through: one step at a time, each action logged on the incident before it shows.

``d`` done and ``s`` skip go to the alert session as logged actions (the step's state and a timeline
entry of the incident, committed first), then the screen moves on to the next open step; ``n`` adds a
note the same way. ``y`` copies the selected command (OSC 52); ``x`` asks first — the dialog shows the
exact script and only ``y`` runs it — then runs it in the background (the screen stays live) and logs
its exit code (or timeout) and first output lines on the timeline. Queries are sampled from the
context's Prometheus every :data:`QUERY_REFRESH` seconds while their step is shown.

The runbook is read (blocking file IO) in a worker thread when the screen opens; until then, and for
a runbook that could not be found, the screen says so in the step itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.domain.panel_data import PanelData
from oncall_tui.domain.runbooks import Runbook
from oncall_tui.errors import OncallError
from oncall_tui.models.incident_record import StepStatus
from oncall_tui.services.action_engine import ActionEngine
from oncall_tui.services.command_runner import run_command, script_for
from oncall_tui.services.runbook_queries import fetch_query, query_error
from oncall_tui.services.runbook_session import (
    LogCommandRun,
    MarkStep,
    NoteStep,
    RunbookSession,
    RunbookTarget,
    run_line,
)
from oncall_tui.ui.bindings import RUNBOOK_BINDINGS
from oncall_tui.ui.messages import ActionCompleted
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.screens.modals import PromptModal
from oncall_tui.ui.screens.run_confirm import RunConfirmModal
from oncall_tui.ui.widgets.runbook_step import RunbookStepView

QUERY_REFRESH = 15.0
"""Seconds between samples of a shown step's queries."""

RUNBOOK_ACTIONS = ("runbook step", "runbook note", "runbook run")
"""The ``what`` of this screen's logged actions (as the alert session reports them)."""

PrometheusGetter = Callable[[], Awaitable[PrometheusClient]]
"""Gives the active context's Prometheus client (raises OncallError when there is none)."""


class RunbookScreen(OncallScreen):
    """Step through one runbook for one incident."""

    TITLE_TEXT = "Runbook"
    BINDINGS: ClassVar[list[Binding]] = RUNBOOK_BINDINGS  # type: ignore[assignment]
    DEFAULT_CSS = """
    RunbookScreen #rb-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    RunbookScreen #rb-run { height: auto; max-height: 4; padding: 0 1; }
    """

    def __init__(
        self,
        load: Callable[[], Runbook],
        target: RunbookTarget | None = None,
        *,
        prometheus: PrometheusGetter | None = None,
        time_limit: float = 30.0,
        output_lines: int = 20,
    ) -> None:
        super().__init__()
        self._load_runbook = load
        self._target = target
        self.session: RunbookSession | None = None
        """The runbook and its progress for the incident (None until it is read)."""
        self._prometheus = prometheus
        self._time_limit = time_limit
        self._output_lines = output_lines
        self._command = 0
        self._run_busy = False

    def compose_body(self) -> ComposeResult:
        yield Static("", id="rb-title", markup=False)
        yield RunbookStepView()
        yield Static("", id="rb-run", markup=False)

    @property
    def view(self) -> RunbookStepView:
        return self.query_one(RunbookStepView)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#rb-title", Static).update("reading the runbook…")
        self.query_one("#rb-run", Static).display = False
        self.run_worker(self._load(), group="runbook-load", exit_on_error=False)

    @property
    def _engine(self) -> ActionEngine | None:
        actions = self.oncall_app.alert_feed.actions
        return actions.engine if actions is not None else None

    async def _load(self) -> None:
        runbook = await asyncio.to_thread(self._load_runbook)
        target = self._target or RunbookTarget.for_runbook(runbook, runbook.source)
        session = RunbookSession(runbook, runbook.source, target)
        try:
            await session.load(self._engine)
        except OncallError as error:
            self.notify(str(error), title=error.title, severity="error", markup=False)
        self.session = session
        self._title()
        await self._render_step()

    def _title(self) -> None:
        if self.session is None:
            return
        runbook = self.session.runbook
        incident = (
            f"incident #{self.session.incident_id}"
            if self.session.incident_id is not None
            else "incident opens on the first step"
        )
        self.query_one("#rb-title", Static).update(Text(f"{runbook.title}  ·  {incident}", no_wrap=True))

    async def _render_step(self) -> None:
        s = self.session
        if s is None:
            return
        self._command = 0
        await self.view.show_step(
            s.step,
            position=s.position(),
            finished=s.finished,
            total=s.total,
            status=s.statuses[s.index],
            note=s.notes.get(s.index, ""),
            selected_command=self._command,
        )
        self.workers.cancel_group(self, "runbook-queries")
        if s.step.queries:
            self.run_worker(self._sample_queries(), group="runbook-queries", exit_on_error=False)

    async def _sample_queries(self) -> None:
        session = self.session
        assert session is not None
        queries = session.step.queries
        last: dict[int, PanelData] = {}
        while True:
            now = self.oncall_app.clock.now()
            columns = self.view.query_columns()
            client: PrometheusClient | None = None
            try:
                client = await self._prometheus() if self._prometheus is not None else None
                reason = "no Prometheus in this context"
            except OncallError as error:
                reason = f"Prometheus: {error}"
            for index, expr in enumerate(queries):
                if client is None:
                    data = query_error(expr, reason, now=now, columns=columns)
                else:
                    try:
                        data = await fetch_query(client, expr, now=now, columns=columns)
                    except OncallError as error:
                        # Unreachable: keep the last picture, marked stale, like a dashboard panel.
                        old = last.get(index)
                        data = (
                            old.as_stale(error.message)
                            if old is not None
                            else query_error(expr, error.message, now=now, columns=columns)
                        )
                last[index] = data
                self.view.show_query(index, data)
            await asyncio.sleep(QUERY_REFRESH)

    # ------------------------------------------------------------------ actions
    def _perform(self, what: str, request: MarkStep | NoteStep | LogCommandRun) -> None:
        # Through the alert session, like every logged action: reported there, announced to every
        # screen (ActionCompleted, which redraws this one and an open incident's timeline).
        self.oncall_app.alert_feed.perform(what, [], request)

    def on_action_completed(self, message: ActionCompleted) -> None:
        if message.what in RUNBOOK_ACTIONS and self.session is not None:
            self._title()
            if message.what == "runbook note":
                self.view.show_note(self.session.notes.get(self.session.index, ""))
            elif message.what == "runbook step":
                self.run_worker(
                    self._render_step(), group="runbook-render", exclusive=True, exit_on_error=False
                )

    def action_mark(self, status: str) -> None:
        if self.session is not None:
            self._perform("runbook step", MarkStep(self.session, StepStatus(status), self.session.index))

    def action_note(self) -> None:
        session = self.session
        if session is None:
            return
        index = session.index

        def save(text: str | None) -> None:
            if text and text.strip():
                self._perform("runbook note", NoteStep(session, text.strip(), index))

        title = f"Note on step {index + 1}: {session.step.title}"
        self.app.push_screen(
            PromptModal(title, "note (logged on the incident)", session.notes.get(index, "")), save
        )

    def action_go(self, delta: int) -> None:
        if self.session is not None:
            self.session.go(delta)
            self.run_worker(self._render_step(), group="runbook-render", exclusive=True, exit_on_error=False)

    def action_next_command(self) -> None:
        if self.session is None:
            return
        commands = self.session.step.commands
        if len(commands) > 1:
            self._command = (self._command + 1) % len(commands)
            self.view.show_commands(self.session.step, self._command)

    def _selected(self) -> str | None:
        if self.session is None:
            return None
        commands = self.session.step.commands
        if not commands:
            self.notify("this step has no command", timeout=2)
            return None
        return commands[min(self._command, len(commands) - 1)].text

    def action_copy(self) -> None:
        command = self._selected()
        if command is None:
            return
        self.app.copy_to_clipboard(command)
        first = command.splitlines()[0]
        self.notify(f"copied: {first}", timeout=3, markup=False)

    def action_run(self) -> None:
        command = self._selected()
        if command is None:
            return
        if self._run_busy:
            self.notify("a command is still running", timeout=2)
            return
        assert self.session is not None  # _selected gave a command
        step = self.session.step
        script = script_for(command, step.env)
        modal = RunConfirmModal(script, env=step.env, time_limit=self._time_limit, unfilled=step.unfilled)

        def answered(run: bool | None) -> None:
            if run:
                self.run_worker(self._run(command), group="runbook-run", exit_on_error=False)

        self.app.push_screen(modal, answered)

    async def _run(self, command: str) -> None:
        session = self.session
        assert session is not None
        index = session.index
        self._run_busy = True
        out = self.query_one("#rb-run", Static)
        out.display = True
        out.update(Text(f"running: {command.splitlines()[0]} …", style="bold"))
        try:
            result = await run_command(
                command, env=session.step.env, time_limit=self._time_limit, max_lines=self._output_lines
            )
        finally:
            self._run_busy = False
        head = result.script.splitlines()[-1] if result.script else command
        out.update(Text(run_line(index, head, result), style="bold" if result.ok else "bold red"))
        self._perform("runbook run", LogCommandRun(session, result, index))

    def action_back(self) -> None:
        self.app.pop_screen()
