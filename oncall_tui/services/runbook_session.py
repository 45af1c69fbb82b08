"""Following one runbook for one incident: where we are, and every step logged before it shows as done.

A session belongs to an incident: the one passed in (``r`` on an incident), or the open incident of
the alert's group — opened on the first action when there is none yet (``r`` on an alert, and
``oncall-tui runbook X``, whose own group is the runbook). Done, skipped, a note and a command run are
each committed to the incident log (a timeline entry, and the step's stored state) before the session
reports them; the store's calls run in a worker thread, never on the event loop. Progress is stored
per incident and runbook, so a new session picks up at the first step neither done nor skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from oncall_tui.domain.runbooks import Runbook, RunbookStep
from oncall_tui.models.incident_record import StepStatus
from oncall_tui.services.command_runner import CommandResult
from oncall_tui.store.incidents import IncidentLog
from oncall_tui.store.runbook_progress import RunbookProgress

RUN_KIND = "runbook_run"
"""Timeline kind of a step's command that was run (data: runbook, step, command, exit code, output)."""
OUTPUT_IN_TEXT = 5
"""Output lines quoted in the timeline line itself (all kept lines are in the entry's data)."""


@dataclass(frozen=True, slots=True)
class IncidentRef:
    """Which incident a session logs to: a known one, or the open one of a group (opened when needed)."""

    incident_id: int | None = None
    """A known incident (``r`` on an incident); None to use the group's."""
    group_key: str = ""
    """The incident log's key of the group (context included) when ``incident_id`` is None."""
    title: str = ""
    """Title of the incident if one has to be opened."""
    severity: str = "none"
    """Severity of the incident if one has to be opened."""
    fingerprints: Sequence[str] = field(default_factory=tuple)
    """Alerts to link to it."""


class RunbookSession:
    """One runbook being followed for one incident."""

    def __init__(
        self,
        runbook: Runbook,
        runbook_id: str,
        ref: IncidentRef,
        progress: RunbookProgress,
        log: IncidentLog,
        actor: str,
    ) -> None:
        self.runbook = runbook
        """The runbook, split into steps (with the alert's placeholders filled)."""
        self.runbook_id = runbook_id
        """Stable identity of the runbook in the store (its resolved path, with any #anchor)."""
        self.ref = ref
        """The incident it is followed for."""
        self.actor = actor
        """Who does the steps (the configured user)."""
        self.incident_id: int | None = ref.incident_id
        """The incident, once known (None until the first action when the group had none open)."""
        self.statuses: list[StepStatus] = [StepStatus.PENDING] * len(runbook.steps)
        """Status of each step, 0-based."""
        self.notes: dict[int, str] = {}
        """Notes by 0-based step index."""
        self.index = 0
        """The step shown, 0-based."""
        self._progress = progress
        self._log = log

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

    async def load(self) -> None:
        """Read stored progress and move to the first step neither done nor skipped."""
        self.incident_id = await asyncio.to_thread(self._find_incident)
        if self.incident_id is None:
            return
        incident_id = self.incident_id
        states = await asyncio.to_thread(self._progress.steps, incident_id, self.runbook_id)
        for index, state in states.items():
            if 0 <= index < self.total:
                self.statuses[index] = state.status
                if state.note:
                    self.notes[index] = state.note
        self.index = min(self._next_pending(-1), self.total - 1)

    def _find_incident(self) -> int | None:
        if self.ref.incident_id is not None:
            return self.ref.incident_id
        incident = self._log.find_open_incident(self.ref.group_key) if self.ref.group_key else None
        return incident.id if incident is not None else None

    def _next_pending(self, after: int) -> int:
        return next(
            (i for i in range(after + 1, self.total) if self.statuses[i] is StepStatus.PENDING), self.total
        )

    # ------------------------------------------------------------------ moving
    def go(self, delta: int) -> None:
        """Show the previous (-1) or next (+1) step."""
        self.index = max(0, min(self.total - 1, self.index + delta))

    # ------------------------------------------------------------------ actions
    def _incident(self) -> int:
        # Runs in the worker thread: opening the group's incident is part of the logged action.
        if self.incident_id is None:
            self.incident_id = self._find_incident()
        if self.incident_id is None:
            ref = self.ref
            incident = self._log.open_incident(
                ref.title or self.runbook.title,
                ref.severity,
                ref.group_key or None,
                ref.fingerprints,
                actor=self.actor,
            )
            self.incident_id = incident.id
        return self.incident_id

    async def mark(self, status: StepStatus) -> str:
        """Mark the shown step done or skipped (committed first), then move to the next open step."""
        index = self.index
        step = self.step

        def write() -> None:
            self._progress.set_step(
                self._incident(), self.runbook_id, index, status, self.actor, title=step.title
            )

        await asyncio.to_thread(write)
        self.statuses[index] = status
        following = self._next_pending(index)
        if following < self.total:
            self.index = following
        return f"step {index + 1} {status.value}: {step.title}"

    async def add_note(self, text: str) -> None:
        """Attach a note to the shown step (a timeline entry of the incident)."""
        index = self.index
        title = self.step.title

        def write() -> None:
            self._progress.note_step(self._incident(), self.runbook_id, index, text, self.actor, title=title)

        await asyncio.to_thread(write)
        self.notes[index] = text

    async def log_run(self, result: CommandResult) -> str:
        """Write a command run (exit code or timeout, first output lines) to the incident's timeline."""
        index = self.index
        head = result.script.splitlines()[-1] if result.script else ""
        text = f"ran step {index + 1} command `{_short(head)}`: {result.summary()}"
        shown = result.output[:OUTPUT_IN_TEXT]
        if shown:
            text += "\n" + "\n".join(shown)
            if len(result.output) > OUTPUT_IN_TEXT or result.truncated:
                text += "\n…"
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

        def write() -> None:
            self._log.append(self._incident(), RUN_KIND, text, self.actor, data)

        await asyncio.to_thread(write)
        return text


def _short(line: str, width: int = 60) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


SessionFactory = Callable[[Runbook, str, IncidentRef], RunbookSession]
"""How the UI makes a session (the app binds the store and the user)."""
