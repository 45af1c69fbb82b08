"""A runbook followed for an incident: steps logged through the engine before they show; resume."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.domain.runbooks import parse_runbook
from oncall_tui.models.incident_record import StepStatus
from oncall_tui.services.action_engine import ActionEngine, ActionStatus, Subject
from oncall_tui.services.command_runner import run_command
from oncall_tui.services.outbox_drain import Deliverer
from oncall_tui.services.runbook_session import RUN_KIND, RunbookSession, RunbookTarget
from oncall_tui.store.db import Database
from tests.unit.test_actions import NOW, FakeAlertmanager

TEXT = "# Disk\n\n1. Look:\n\n   ```bash\n   echo looked\n   ```\n2. Clean up.\n3. Check again.\n"
RUNBOOK = parse_runbook(TEXT, "/rb/disk.md")
GROUP = RunbookTarget(subject=Subject('{}:{alertname="Disk"}', "Disk full", "warning", ("fp1",)))


def make_engine(path: Path) -> ActionEngine:
    return ActionEngine(
        Database.open(path), Deliverer(FakeAlertmanager()), user="ann", clock=FakeClock(NOW), context="prod"
    )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[ActionEngine]:
    made = make_engine(tmp_path / "log.db")
    yield made
    made.db.close()


def session(target: RunbookTarget = GROUP) -> RunbookSession:
    return RunbookSession(RUNBOOK, "/rb/disk.md", target)


async def test_first_action_opens_the_group_incident_and_logs_it(engine: ActionEngine) -> None:
    s = session()
    await s.load(engine)
    assert s.incident_id is None and s.position() == "step 1 of 3"

    result = await s.mark(engine, StepStatus.DONE, 0)

    assert (result.status, result.message) == (ActionStatus.DONE, "step 1 done: Look")
    incident = engine.log.find_open_incident('prod/{}:{alertname="Disk"}')
    assert incident is not None and result.incident_id == incident.id == s.incident_id
    assert (incident.title, incident.severity) == ("Disk full", "warning")
    texts = [e.text for e in engine.log.timeline(incident.id)]
    assert texts[0] == "opened: Disk full"
    assert texts[-1] == "runbook step 1 done: Look (/rb/disk.md)"
    assert s.position() == "step 2 of 3 · 1 done"


async def test_skip_note_and_resume_in_a_new_session(tmp_path: Path) -> None:
    first_engine = make_engine(tmp_path / "log.db")
    s = session()
    await s.load(first_engine)
    await s.mark(first_engine, StepStatus.DONE, 0)
    await s.mark(first_engine, StepStatus.SKIPPED, 1)
    await s.add_note(first_engine, "disk was at 99%\nlogs rotated", 2)
    first_engine.db.close()

    second_engine = make_engine(tmp_path / "log.db")
    again = session()
    await again.load(second_engine)
    assert again.incident_id == s.incident_id
    assert again.index == 2 and again.statuses[:2] == [StepStatus.DONE, StepStatus.SKIPPED]
    assert again.notes == {2: "disk was at 99%\nlogs rotated"}
    assert again.position() == "step 3 of 3 · 1 done · 1 skipped"
    second_engine.db.close()


async def test_a_known_incident_is_used(engine: ActionEngine) -> None:
    incident = engine.log.open_incident("by hand", "critical")
    s = session(RunbookTarget(incident_id=incident.id))
    await s.load(engine)
    await s.mark(engine, StepStatus.SKIPPED, 0)
    assert engine.log.timeline(incident.id)[-1].text == "runbook step 1 skipped: Look (/rb/disk.md)"


async def test_a_runbook_by_itself_gets_its_own_incident(engine: ActionEngine) -> None:
    s = session(RunbookTarget.for_runbook(RUNBOOK, "/rb/disk.md"))
    await s.mark(engine, StepStatus.DONE, 0)
    incident = engine.log.find_open_incident("prod/runbook:/rb/disk.md")
    assert incident is not None and incident.title == "Runbook: Disk"


async def test_command_run_is_logged_with_exit_code_and_output(engine: ActionEngine) -> None:
    s = session()
    result = await s.log_run(engine, await run_command(s.step.commands[0].text), 0)
    assert result.message == "step 1 command: exit 0 (logged)"
    assert s.incident_id is not None
    entry = engine.log.timeline(s.incident_id)[-1]
    assert entry.kind == RUN_KIND
    assert entry.text == "ran step 1 command `echo looked`: exit 0\nlooked"
    assert entry.data["exit_code"] == 0 and entry.data["output"] == ["looked"]


async def test_timeout_and_failure_are_logged(engine: ActionEngine) -> None:
    s = session()
    timed_out = await s.log_run(engine, await run_command("sleep 5", time_limit=0.2), 0)
    failed = await s.log_run(engine, await run_command("echo nope; exit 3"), 0)
    assert timed_out.status is ActionStatus.FAILED and failed.status is ActionStatus.FAILED
    assert s.incident_id is not None
    entries = engine.log.timeline(s.incident_id)[-2:]
    assert entries[0].text.startswith("ran step 1 command `sleep 5`: timed out after")
    assert entries[0].data["timed_out"] is True and entries[0].data["exit_code"] is None
    assert entries[1].text == "ran step 1 command `echo nope; exit 3`: exit 3\nnope"
