"""Following one runbook for one incident: where we are, and every step logged before it shows as done.

A session belongs to an incident: the one passed in (``r`` on an incident), or the open incident of
a subject — the alert's group for ``r`` on an alert, the runbook itself for ``oncall-tui runbook X`` —
opened through the log-then-act engine on the first action when there is none yet. Done, skipped, a
note and a command run are each committed to the incident log (a timeline entry, and the step's
stored state) before the session reports them; the store's calls run in a worker thread, never on the
event loop. Screens hand these to the alert session as typed requests (:class:`MarkStep`,
:class:`NoteStep`, :class:`LogCommandRun`), so they are reported and announced like every other
action. Progress is stored per incident and runbook, so a new session picks up at the first step
neither done nor skipped.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from oncall_tui.domain.runbooks import Runbook, RunbookStep
from oncall_tui.models.incident_record import StepStatus
from oncall_tui.services.action_engine import ActionEngine, ActionResult, ActionStatus, Subject
from oncall_tui.services.actions import AlertActions
from oncall_tui.services.command_runner import CommandResult
from oncall_tui.store.runbook_progress import RunbookProgress

RUN_KIND = "runbook_run"
"""Timeline kind of a step's command that was run (data: runbook, step, command, exit code, output)."""
OUTPUT_IN_TEXT = 5
"""Output lines quoted in the timeline line itself (all kept lines are in the entry's data)."""


@dataclass(frozen=True, slots=True)
class RunbookTarget:
    """Which incident a session logs to: a known one, or the open one of a subject (opened when needed)."""

    incident_id: int | None = None
    """A known incident (``r`` on an incident); None to use the subject's."""
    subject: Subject | None = None
    """The alert group (or runbook) whose open incident is used when ``incident_id`` is None."""

    @classmethod
    def for_runbook(cls, runbook: Runbook, runbook_id: str) -> RunbookTarget:
        """A runbook opened by itself: its own incident, keyed by the runbook."""
        return cls(subject=Subject(f"runbook:{runbook_id}", f"Runbook: {runbook.title}", "none"))


class RunbookSession:
    """One runbook being followed for one incident."""

    def __init__(self, runbook: Runbook, runbook_id: str, target: RunbookTarget) -> None:
        self.runbook = runbook
        """The runbook, split into steps (with the alert's placeholders filled)."""
        self.runbook_id = runbook_id
        """Stable identity of the runbook in the store (its resolved path, with any #anchor)."""
        self.target = target
        """The incident it is followed for."""
        self.incident_id: int | None = target.incident_id
        """The incident, once known (None until the first action when the subject had none open)."""
        self.statuses: list[StepStatus] = [StepStatus.PENDING] * len(runbook.steps)
        """Status of each step, 0-based."""
        self.notes: dict[int, str] = {}
        """Notes by 0-based step index."""
        self.index = 0
        """The step shown, 0-based."""

    # ------------------------------------------------------------------ reading
    @property
    def step(self) -> RunbookStep:
        """The step shown."""
        return self.runbook.steps[self.index]

    @property
    def total(self) -> int:
        """Number of steps."""
        return len(self.runbook.steps)

    def count(self, status: StepStatus) -> int:
        """How many steps have ``status``."""
        return sum(1 for s in self.statuses if s is status)

    @property
    def finished(self) -> int:
        """Steps done or skipped."""
        return self.total - self.count(StepStatus.PENDING)

    def position(self) -> str:
        """``step 3 of 10 · 2 done · 1 skipped``."""
        parts = [f"step {self.index + 1} of {self.total}"]
        done, skipped = self.count(StepStatus.DONE), self.count(StepStatus.SKIPPED)
        if done:
            parts.append(f"{done} done")
        if skipped:
            parts.append(f"{skipped} skipped")
        return " · ".join(parts)

    async def load(self, engine: ActionEngine | None) -> None:
        """Read stored progress and move to the first step neither done nor skipped."""
        if engine is None:
            return
        self.incident_id = await asyncio.to_thread(self._find_incident, engine)
        if self.incident_id is None:
            return
        progress = RunbookProgress(engine.db, engine.clock)
        states = await asyncio.to_thread(progress.steps, self.incident_id, self.runbook_id)
        for index, state in states.items():
            if 0 <= index < self.total:
                self.statuses[index] = state.status
                if state.note:
                    self.notes[index] = state.note
        self.index = min(self._next_pending(-1), self.total - 1)

    def _find_incident(self, engine: ActionEngine) -> int | None:
        if self.target.incident_id is not None:
            return self.target.incident_id
        subject = self.target.subject
        if subject is None:
            return None
        incident = engine.log.find_open_incident(engine.incident_key(subject.group_key))
        return incident.id if incident is not None else None

    def _next_pending(self, after: int) -> int:
        pending = (i for i in range(after + 1, self.total) if self.statuses[i] is StepStatus.PENDING)
        return next(pending, self.total)

    # ------------------------------------------------------------------ moving
    def go(self, delta: int) -> None:
        """Show the previous (-1) or next (+1) step."""
        self.index = max(0, min(self.total - 1, self.index + delta))

    # ------------------------------------------------------------------ actions
    def _incident(self, engine: ActionEngine) -> int:
        # Runs in the worker thread: opening the subject's incident is part of the logged action.
        if self.incident_id is None:
            self.incident_id = self._find_incident(engine)
        if self.incident_id is None:
            subject = self.target.subject or Subject(
                f"runbook:{self.runbook_id}", f"Runbook: {self.runbook.title}", "none"
            )
            self.incident_id = engine.open_incident(subject).id
        return self.incident_id

    async def mark(self, engine: ActionEngine, status: StepStatus, index: int) -> ActionResult:
        """Mark step ``index`` done or skipped (committed first); then move on to the next open step."""
        step = self.runbook.steps[index]

        def write() -> int:
            incident_id = self._incident(engine)
            progress = RunbookProgress(engine.db, engine.clock)
            progress.set_step(incident_id, self.runbook_id, index, status, engine.user, title=step.title)
            return incident_id

        incident_id = await asyncio.to_thread(write)
        self.statuses[index] = status
        following = self._next_pending(index)
        if self.index == index and following < self.total:
            self.index = following
        return ActionResult(ActionStatus.DONE, f"step {index + 1} {status.value}: {step.title}", incident_id)

    async def add_note(self, engine: ActionEngine, text: str, index: int) -> ActionResult:
        """Attach a note to step ``index`` (a timeline entry of the incident)."""
        title = self.runbook.steps[index].title

        def write() -> int:
            incident_id = self._incident(engine)
            progress = RunbookProgress(engine.db, engine.clock)
            progress.note_step(incident_id, self.runbook_id, index, text, engine.user, title=title)
            return incident_id

        incident_id = await asyncio.to_thread(write)
        self.notes[index] = text
        return ActionResult(ActionStatus.DONE, f"note on step {index + 1} logged", incident_id)

    async def log_run(self, engine: ActionEngine, result: CommandResult, index: int) -> ActionResult:
        """Write a command run (exit code or timeout, first output lines) to the incident's timeline."""
        head = result.script.splitlines()[-1] if result.script else ""
        text = run_line(index, head, result)
        data = {
            "runbook": self.runbook_id,
            "step": index,
            "command": result.script,
            "exit_code": result.exit_code,
            "timed_out": result.timed_out,
            "output": list(result.output),
            "truncated": result.truncated,
            "duration": round(result.duration, 3),
        }

        def write() -> int:
            incident_id = self._incident(engine)
            engine.log.append(incident_id, RUN_KIND, text, engine.user, data)
            return incident_id

        incident_id = await asyncio.to_thread(write)
        status = ActionStatus.DONE if result.ok else ActionStatus.FAILED
        return ActionResult(status, f"step {index + 1} command: {result.summary()} (logged)", incident_id)


def run_line(index: int, command: str, result: CommandResult) -> str:
    """The timeline text of a command run: what ran, how it ended, its first output lines."""
    short = command if len(command) <= 60 else command[:59] + "…"
    text = f"ran step {index + 1} command `{short}`: {result.summary()}"
    shown = result.output[:OUTPUT_IN_TEXT]
    if shown:
        text += "\n" + "\n".join(shown)
        if len(result.output) > OUTPUT_IN_TEXT or result.truncated:
            text += "\n…"
    return text


# --- typed requests for the alert session's ``perform`` -----------------------------------------


@dataclass(frozen=True, slots=True)
class MarkStep:
    """Mark a step done or skipped."""

    session: RunbookSession
    """The runbook being followed."""
    status: StepStatus
    """Done or skipped."""
    index: int
    """The step, 0-based (the one shown when the key was pressed)."""

    async def __call__(self, actions: AlertActions) -> ActionResult:
        """Perform it."""
        return await self.session.mark(actions.engine, self.status, self.index)


@dataclass(frozen=True, slots=True)
class NoteStep:
    """Attach a note to a step."""

    session: RunbookSession
    """The runbook being followed."""
    text: str
    """The note."""
    index: int
    """The step, 0-based."""

    async def __call__(self, actions: AlertActions) -> ActionResult:
        """Perform it."""
        return await self.session.add_note(actions.engine, self.text, self.index)


@dataclass(frozen=True, slots=True)
class LogCommandRun:
    """Write a finished command run to the timeline."""

    session: RunbookSession
    """The runbook being followed."""
    result: CommandResult
    """How the command ended."""
    index: int
    """The step, 0-based."""

    async def __call__(self, actions: AlertActions) -> ActionResult:
        """Perform it."""
        return await self.session.log_run(actions.engine, self.result, self.index)
