"""A runbook followed for an incident: steps logged before they show, a group's incident, resume."""

from __future__ import annotations

from pathlib import Path

from oncall_tui.clock import FakeClock
from oncall_tui.domain.runbooks import parse_runbook
from oncall_tui.models.incident_record import StepStatus
from oncall_tui.services.command_runner import run_command
from oncall_tui.services.runbook_session import RUN_KIND, IncidentRef, RunbookSession
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from oncall_tui.store.runbook_progress import RunbookProgress

TEXT = "# Disk\n\n1. Look:\n\n   ```bash\n   echo looked\n   ```\n2. Clean up.\n3. Check again.\n"
RUNBOOK = parse_runbook(TEXT, "/rb/disk.md")
GROUP = IncidentRef(group_key='prod/{}:{alertname="Disk"}', title="Disk full", severity="warning")


def session(db: Database, clock: FakeClock, ref: IncidentRef = GROUP) -> RunbookSession:
    return RunbookSession(
        RUNBOOK, "/rb/disk.md", ref, RunbookProgress(db, clock), IncidentLog(db, clock), "ann"
    )


async def test_first_action_opens_the_group_incident_and_logs_it(db: Database, clock: FakeClock) -> None:
    s = session(db, clock)
    await s.load()
    assert s.incident_id is None and s.position() == "step 1 of 3"

    message = await s.mark(StepStatus.DONE)

    assert message == "step 1 done: Look"
    assert s.incident_id is not None
    incident = IncidentLog(db, clock).get(s.incident_id)
    assert (incident.title, incident.severity) == ("Disk full", "warning")
    texts = [e.text for e in IncidentLog(db, clock).timeline(s.incident_id)]
    assert texts == ["opened: Disk full", "runbook step 1 done: Look (/rb/disk.md)"]
    assert s.position() == "step 2 of 3 · 1 done"


async def test_skip_note_and_resume_in_a_new_session(db_path: Path, clock: FakeClock) -> None:
    with Database.open(db_path) as first:
        s = session(first, clock)
        await s.load()
        await s.mark(StepStatus.DONE)
        await s.mark(StepStatus.SKIPPED)
        await s.add_note("disk was at 99%\nlogs rotated")
        incident_id = s.incident_id
    with Database.open(db_path) as second:
        again = session(second, clock)
        await again.load()
        assert again.incident_id == incident_id
        assert again.index == 2 and again.statuses[:2] == [StepStatus.DONE, StepStatus.SKIPPED]
        assert again.notes == {2: "disk was at 99%\nlogs rotated"}
        assert again.position() == "step 3 of 3 · 1 done · 1 skipped"


async def test_a_known_incident_is_used(db: Database, clock: FakeClock) -> None:
    incident = IncidentLog(db, clock).open_incident("by hand", "critical")
    s = session(db, clock, IncidentRef(incident_id=incident.id))
    await s.load()
    await s.mark(StepStatus.SKIPPED)
    assert (
        IncidentLog(db, clock).timeline(incident.id)[-1].text == "runbook step 1 skipped: Look (/rb/disk.md)"
    )


async def test_command_run_is_logged_with_exit_code_and_output(db: Database, clock: FakeClock) -> None:
    s = session(db, clock)
    await s.load()
    result = await run_command(s.step.commands[0].text)
    await s.log_run(result)
    assert s.incident_id is not None
    entry = IncidentLog(db, clock).timeline(s.incident_id)[-1]
    assert entry.kind == RUN_KIND
    assert entry.text == "ran step 1 command `echo looked`: exit 0\nlooked"
    assert entry.data["exit_code"] == 0 and entry.data["output"] == ["looked"]


async def test_timeout_is_logged(db: Database, clock: FakeClock) -> None:
    s = session(db, clock)
    await s.load()
    await s.log_run(await run_command("sleep 5", time_limit=0.2))
    assert s.incident_id is not None
    entry = IncidentLog(db, clock).timeline(s.incident_id)[-1]
    assert entry.text.startswith("ran step 1 command `sleep 5`: timed out after")
    assert entry.data["timed_out"] is True and entry.data["exit_code"] is None
