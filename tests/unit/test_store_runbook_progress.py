"""Runbook step progress: stored per incident and runbook, logged in the timeline, resumable."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.errors import StoreError
from oncall_tui.models.incident_record import StepStatus
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from oncall_tui.store.runbook_progress import RunbookProgress
from tests.support.store import START

RUNBOOK = "/runbooks/node/NodeFilesystemAlmostOutOfSpace.md"


def test_done_and_skipped_steps_are_logged_and_resume_after_a_restart(
    db_path: Path,
    clock: FakeClock,
) -> None:
    with Database.open(db_path) as first:
        incident = IncidentLog(first, clock).open_incident("disk full", "warning")
        progress = RunbookProgress(first, clock)
        progress.set_step(incident.id, RUNBOOK, 0, StepStatus.DONE, "ann", title="Check the disk")
        clock.advance(60)
        progress.set_step(incident.id, RUNBOOK, 1, StepStatus.SKIPPED, "ann")
        timeline = IncidentLog(first, clock).timeline(incident.id)
    assert [e.text for e in timeline[-2:]] == [
        f"runbook step 1 done: Check the disk ({RUNBOOK})",
        f"runbook step 2 skipped ({RUNBOOK})",
    ]
    assert timeline[-1].data == {"runbook": RUNBOOK, "step": 1, "status": "skipped", "title": ""}

    with Database.open(db_path) as second:
        progress = RunbookProgress(second, clock)
        assert progress.resume_index(incident.id, RUNBOOK, 5) == 2
        steps = progress.steps(incident.id, RUNBOOK)
        assert {i: s.status for i, s in steps.items()} == {0: StepStatus.DONE, 1: StepStatus.SKIPPED}
        assert steps[0].title == "Check the disk"
        assert steps[1].updated_at == START.replace(minute=1)


def test_a_note_keeps_the_status_and_a_status_change_keeps_the_note(
    db: Database,
    clock: FakeClock,
) -> None:
    incident = IncidentLog(db, clock).open_incident("disk full", "warning")
    progress = RunbookProgress(db, clock)
    state, entry = progress.note_step(incident.id, RUNBOOK, 2, "df shows /var at 99%\nrotating logs", "ann")
    assert state.status is StepStatus.PENDING
    assert entry.kind == "runbook_note"
    assert entry.text == "df shows /var at 99%\nrotating logs"
    done = progress.set_step(incident.id, RUNBOOK, 2, StepStatus.DONE, "ann")
    assert done.note == "df shows /var at 99%\nrotating logs"
    assert progress.resume_index(incident.id, RUNBOOK, 3) == 0
    progress.set_step(incident.id, RUNBOOK, 0, StepStatus.DONE, "ann")
    progress.set_step(incident.id, RUNBOOK, 1, StepStatus.DONE, "ann")
    assert progress.resume_index(incident.id, RUNBOOK, 3) == 3
    progress.set_step(incident.id, RUNBOOK, 1, StepStatus.PENDING, "ann")
    assert progress.resume_index(incident.id, RUNBOOK, 3) == 1


def test_progress_is_per_incident_and_runbook(db: Database, clock: FakeClock) -> None:
    log = IncidentLog(db, clock)
    one, two = log.open_incident("a", "warning"), log.open_incident("b", "critical")
    progress = RunbookProgress(db, clock)
    progress.set_step(one.id, RUNBOOK, 0, StepStatus.DONE, "ann")
    clock.advance(1)
    progress.set_step(one.id, "other.md", 0, StepStatus.DONE, "ann")
    assert progress.resume_index(two.id, RUNBOOK, 4) == 0
    assert progress.runbooks(one.id) == ["other.md", RUNBOOK]
    assert progress.runbooks(two.id) == []


def test_a_step_of_a_missing_incident_is_refused_and_nothing_is_stored(
    db: Database,
    clock: FakeClock,
) -> None:
    progress = RunbookProgress(db, clock)
    with pytest.raises(StoreError, match="no incident #42"):
        progress.set_step(42, RUNBOOK, 0, StepStatus.DONE, "ann")
    assert progress.steps(42, RUNBOOK) == {}
    with pytest.raises(ValueError, match=">= 0"):
        progress.set_step(42, RUNBOOK, -1, StepStatus.DONE, "ann")
