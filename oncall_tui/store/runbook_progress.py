"""Step-through progress of runbooks, per incident and runbook, in the incident log.

Every change (a step done, skipped, set back to pending, or a note on it) writes the step's row
and a timeline entry of the incident in one transaction, so the timeline and the progress can
never disagree, and both are on disk before the caller reports the step done. Progress survives
a restart: :meth:`RunbookProgress.resume_index` says where to pick up.

A runbook is identified by a string the caller chooses (its resolved path, or its URL); steps by
their 0-based index in that runbook. Step titles are kept for the timeline text only.
"""

from __future__ import annotations

import sqlite3

from oncall_tui.clock import Clock
from oncall_tui.models.incident import TimelineEntry, TimelineKind
from oncall_tui.models.incident_record import RecordKind, StepState, StepStatus
from oncall_tui.store.db import Database, from_db_time, to_db_time
from oncall_tui.store.incidents import IncidentLog


class RunbookProgress:
    """Read and write runbook step states; every write is also a timeline entry."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._log = IncidentLog(db, clock)

    def set_step(
        self,
        incident_id: int,
        runbook: str,
        step_index: int,
        status: StepStatus,
        actor: str,
        *,
        title: str = "",
        text: str = "",
    ) -> StepState:
        """Mark a step done, skipped or pending, and log a ``runbook_step`` entry (committed on return).

        The step's note is kept. ``text`` replaces the default timeline line
        (``runbook step 3 done: <title> (<runbook>)``). StoreError if there is no such incident.
        """
        status = StepStatus(status)
        _check_index(step_index)
        line = text or _line(runbook, step_index, status.value, title)
        with self._db.transaction() as conn:
            self._log.append(
                incident_id,
                TimelineKind.RUNBOOK_STEP,
                line,
                actor,
                {"runbook": runbook, "step": step_index, "status": status.value, "title": title},
            )
            now = to_db_time(self._clock.now())
            conn.execute(
                "INSERT INTO runbook_progress (incident_id, runbook, step_index, status, title, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id, runbook, step_index) DO UPDATE SET"
                " status = excluded.status, title = CASE WHEN excluded.title != '' THEN excluded.title"
                " ELSE title END, updated_at = excluded.updated_at",
                (incident_id, runbook, step_index, status.value, title, now),
            )
            return self._get(conn, incident_id, runbook, step_index)

    def note_step(
        self, incident_id: int, runbook: str, step_index: int, note: str, actor: str, *, title: str = ""
    ) -> tuple[StepState, TimelineEntry]:
        """Set the note of a step (a new step stays pending) and log it as a ``runbook_note`` entry.

        The timeline entry's text is the note itself (multi-line kept); its data names the runbook
        and step. Returns the step and the entry.
        """
        _check_index(step_index)
        with self._db.transaction() as conn:
            entry = self._log.append(
                incident_id,
                RecordKind.RUNBOOK_NOTE,
                note,
                actor,
                {"runbook": runbook, "step": step_index, "title": title},
            )
            now = to_db_time(self._clock.now())
            conn.execute(
                "INSERT INTO runbook_progress"
                " (incident_id, runbook, step_index, status, title, note, updated_at)"
                " VALUES (?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (incident_id, runbook, step_index)"
                " DO UPDATE SET note = excluded.note, title = CASE WHEN excluded.title != ''"
                " THEN excluded.title ELSE title END, updated_at = excluded.updated_at",
                (incident_id, runbook, step_index, title, note, now),
            )
            return self._get(conn, incident_id, runbook, step_index), entry

    def steps(self, incident_id: int, runbook: str) -> dict[int, StepState]:
        """Stored states of the runbook's steps for the incident, by step index (absent: never touched)."""
        rows = self._db.query(
            "SELECT * FROM runbook_progress WHERE incident_id = ? AND runbook = ? ORDER BY step_index",
            (incident_id, runbook),
        )
        return {int(row["step_index"]): _state(row) for row in rows}

    def resume_index(self, incident_id: int, runbook: str, step_count: int) -> int:
        """Where to pick up: the first step (below ``step_count``) neither done nor skipped.

        ``step_count`` when every step is done or skipped; 0 for a runbook never started.
        """
        finished = {
            index
            for index, state in self.steps(incident_id, runbook).items()
            if state.status is not StepStatus.PENDING
        }
        return next((i for i in range(step_count) if i not in finished), step_count)

    def runbooks(self, incident_id: int) -> list[str]:
        """Runbooks with progress for the incident, the most recently touched first."""
        rows = self._db.query(
            "SELECT runbook, MAX(updated_at) AS last FROM runbook_progress WHERE incident_id = ?"
            " GROUP BY runbook ORDER BY last DESC, runbook",
            (incident_id,),
        )
        return [str(row["runbook"]) for row in rows]

    @staticmethod
    def _get(conn: sqlite3.Connection, incident_id: int, runbook: str, step_index: int) -> StepState:
        row = conn.execute(
            "SELECT * FROM runbook_progress WHERE incident_id = ? AND runbook = ? AND step_index = ?",
            (incident_id, runbook, step_index),
        ).fetchone()
        assert row is not None  # just written in this transaction
        return _state(row)


def _check_index(step_index: int) -> None:
    if step_index < 0:
        raise ValueError("runbook step index must be >= 0")


def _line(runbook: str, step_index: int, status: str, title: str) -> str:
    what = f"runbook step {step_index + 1} {status}"
    return f"{what}: {title} ({runbook})" if title else f"{what} ({runbook})"


def _state(row: sqlite3.Row) -> StepState:
    updated = from_db_time(row["updated_at"])
    assert updated is not None
    return StepState(
        incident_id=int(row["incident_id"]),
        runbook=row["runbook"],
        step_index=int(row["step_index"]),
        status=StepStatus(row["status"]),
        title=row["title"],
        note=row["note"],
        updated_at=updated,
    )
