"""The log-then-act engine on its own: an action with no remote side, and a typed outbox request."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from oncall_tui.clock import FakeClock
from oncall_tui.domain.matchers import parse_matchers
from oncall_tui.models.incident import IncidentStatus, OutboxState, TimelineKind
from oncall_tui.services.action_engine import (
    ActionEngine,
    ActionStatus,
    LogEntry,
    OutboxRequest,
    Subject,
)
from oncall_tui.services.outbox_drain import EXPIRE_SILENCE, Deliverer
from oncall_tui.services.silence_changes import silence_request
from oncall_tui.store.db import Database
from tests.unit.test_actions import NOW, FakeAlertmanager

SUBJECT = Subject("group-1", "Host_Down on db1", "critical", ("fp1",))


def engine(path: Path, am: FakeAlertmanager, context: str | None = "prod") -> ActionEngine:
    return ActionEngine(
        Database.open(path), Deliverer(am), user="alice", clock=FakeClock(NOW), context=context
    )


async def test_a_note_is_logged_and_reported_done_with_nothing_sent(tmp_path: Path) -> None:
    am = FakeAlertmanager()
    notes = engine(tmp_path / "log.db", am)
    entry = LogEntry(TimelineKind.NOTE, "restarted db1", {"by": "hand"}, IncidentStatus.MITIGATED)
    result = await notes.perform(SUBJECT, entry, (), "note")
    assert (result.status, result.message, result.outbox_ids) == (ActionStatus.DONE, "note done", ())
    incident = notes.log.find_open_incident("prod/group-1")
    assert incident is not None and incident.id == result.incident_id
    assert incident.status is IncidentStatus.MITIGATED
    note = [e for e in notes.log.timeline(incident.id) if e.kind == TimelineKind.NOTE]
    assert [(e.text, e.actor, e.data["by"]) for e in note] == [("restarted db1", "alice", "hand")]
    assert notes.outbox.pending() == [] and am.expired == []
    notes.db.close()


async def test_a_request_is_enqueued_once_and_sent_once(tmp_path: Path) -> None:
    am = FakeAlertmanager()
    actions = engine(tmp_path / "log.db", am)
    create = silence_request("alice", parse_matchers('job="db"'), NOW, NOW + timedelta(hours=1), "", "sil-1")
    made = await actions.perform(
        SUBJECT, LogEntry(TimelineKind.SILENCE, "silence job=db"), [create], "silence"
    )
    assert (made.status, made.silence_ids) == (ActionStatus.DONE, ("s1",))
    request = OutboxRequest(EXPIRE_SILENCE, {"silence_id": "s1", "purpose": "expire"}, "expire-s1")
    entry = LogEntry(TimelineKind.SILENCE, "expire silence s1")
    first = await actions.perform(SUBJECT, entry, [request], "expire")
    again = await actions.perform(SUBJECT, entry, [request], "expire")
    assert (first.status, again.status) == (ActionStatus.DONE, ActionStatus.DONE)
    assert again.message == "expire done" and again.outbox_ids == first.outbox_ids
    assert am.expired == ["s1"]
    item = actions.outbox.find("expire-s1")
    assert item is not None and item.state is OutboxState.DONE and item.context == "prod"
    actions.db.close()


async def test_bad_input_is_logged_only_in_an_incident_already_open(tmp_path: Path) -> None:
    actions = engine(tmp_path / "log.db", FakeAlertmanager())
    nothing_open = await actions.reject(SUBJECT, "note", "empty text")
    assert (nothing_open.status, nothing_open.incident_id) == (ActionStatus.FAILED, None)
    assert actions.log.find_open_incident("prod/group-1") is None
    opened = await actions.reject(SUBJECT, "escalate", "no policy", open_incident=True)
    assert opened.message == "escalate: no policy" and opened.incident_id is not None
    failed = [
        e.text for e in actions.log.timeline(opened.incident_id) if e.kind == TimelineKind.ACTION_FAILED
    ]
    assert failed == ["escalate rejected: no policy"]
    actions.db.close()
