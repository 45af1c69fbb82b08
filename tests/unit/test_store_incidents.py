"""IncidentLog: incidents, status flow, timelines (durable on return), linked alerts, escalation."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.errors import StoreError
from oncall_tui.models.incident import IncidentStatus, TimelineKind
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from oncall_tui.store.outbox import Outbox
from tests.support.store import START


@pytest.fixture
def log(db: Database, clock: FakeClock) -> IncidentLog:
    return IncidentLog(db, clock)


def test_open_incident_starts_triggered_with_an_opened_entry(log: IncidentLog) -> None:
    incident = log.open_incident(
        "checkout latency", "critical", group_key="g1", alert_fingerprints=["fp1", "fp2"]
    )
    assert incident.status is IncidentStatus.TRIGGERED
    assert incident.is_open
    assert incident.created_at == START and incident.created_at.tzinfo is not None
    assert incident.acknowledged_at is None and incident.resolved_at is None
    assert incident.escalation_level == 0
    assert log.get(incident.id) == incident
    kinds = [entry.kind for entry in log.timeline(incident.id)]
    assert kinds == [TimelineKind.OPENED, TimelineKind.ALERT_LINKED, TimelineKind.ALERT_LINKED]
    assert log.linked_alerts(incident.id) == ["fp1", "fp2"]


def test_one_open_incident_per_group(log: IncidentLog) -> None:
    first = log.open_incident("checkout latency", "critical", group_key="g1", alert_fingerprints=["fp1"])
    again = log.open_incident(
        "checkout latency", "critical", group_key="g1", alert_fingerprints=["fp1", "fp3"]
    )
    assert again.id == first.id
    assert log.linked_alerts(first.id) == ["fp1", "fp3"]
    assert len(log.list_incidents()) == 1
    assert log.find_open_incident("g1") == log.get(first.id)
    assert log.find_open_incident("other") is None


def test_a_resolved_group_gets_a_new_incident(log: IncidentLog, clock: FakeClock) -> None:
    first = log.open_incident("disk full", "warning", group_key="g1")
    log.set_status(first.id, IncidentStatus.RESOLVED, "alice@laptop")
    clock.advance(60)
    second = log.open_incident("disk full", "warning", group_key="g1")
    assert second.id != first.id
    assert log.find_open_incident("g1") == second
    # Reopening the first would make two open incidents for one group.
    with pytest.raises(StoreError, match="another incident of group 'g1' is open"):
        log.set_status(first.id, IncidentStatus.TRIGGERED, "alice@laptop")


def test_status_flow_sets_timestamps_and_logs_each_change(log: IncidentLog, clock: FakeClock) -> None:
    incident = log.open_incident("api errors", "critical")
    clock.advance(120)
    acked = log.set_status(incident.id, IncidentStatus.ACKNOWLEDGED, "alice@laptop", "looking")
    assert acked.status is IncidentStatus.ACKNOWLEDGED
    assert acked.acknowledged_at == START + timedelta(seconds=120)
    clock.advance(600)
    mitigated = log.set_status(incident.id, IncidentStatus.MITIGATED, "alice@laptop", "rolled back")
    assert mitigated.mitigated_at == START + timedelta(seconds=720)
    clock.advance(60)
    resolved = log.set_status(incident.id, IncidentStatus.RESOLVED, "alice@laptop")
    assert resolved.resolved_at == START + timedelta(seconds=780)
    assert resolved.acknowledged_at == acked.acknowledged_at  # MTTA survives resolution
    assert not resolved.is_open
    changes = [e for e in log.timeline(incident.id) if e.kind == TimelineKind.STATUS_CHANGE]
    assert [(e.data["from"], e.data["to"]) for e in changes] == [
        ("triggered", "acknowledged"),
        ("acknowledged", "mitigated"),
        ("mitigated", "resolved"),
    ]
    assert changes[0].text == "status: triggered → acknowledged: looking"
    assert changes[0].actor == "alice@laptop"


def test_reopening_clears_resolution(log: IncidentLog, clock: FakeClock) -> None:
    incident = log.open_incident("flappy", "info")
    log.set_status(incident.id, IncidentStatus.RESOLVED, "bob")
    clock.advance(30)
    reopened = log.set_status(incident.id, IncidentStatus.TRIGGERED, "bob", "it is back")
    assert reopened.is_open and reopened.resolved_at is None


def test_setting_the_same_status_logs_nothing(log: IncidentLog) -> None:
    incident = log.open_incident("x", "info")
    before = log.timeline(incident.id)
    assert log.set_status(incident.id, IncidentStatus.TRIGGERED, "bob") == incident
    assert log.timeline(incident.id) == before


def test_an_appended_entry_is_visible_to_another_connection_when_append_returns(
    log: IncidentLog, db_path: Path
) -> None:
    incident = log.open_incident("checkout latency", "critical")
    entry = log.append(
        incident.id, TimelineKind.NOTE, "restarted pod checkout-7", "alice@laptop", {"pod": "c-7"}
    )
    # A separate connection (as another process would use) sees the committed row at once.
    other = sqlite3.connect(db_path)
    try:
        row = other.execute(
            "SELECT kind, text, actor, data FROM timeline WHERE id = ?", (entry.id,)
        ).fetchone()
    finally:
        other.close()
    assert row == ("note", "restarted pod checkout-7", "alice@laptop", '{"pod":"c-7"}')


def test_timeline_survives_a_restart(db_path: Path, clock: FakeClock) -> None:
    with Database.open(db_path) as db:
        log = IncidentLog(db, clock)
        incident = log.open_incident("x", "warning")
        log.append(incident.id, "runbook_step", "step 1 done", "alice", {"step": 1})
    with Database.open(db_path) as db:
        entries = IncidentLog(db, clock).timeline(incident.id)
    assert [(e.kind, e.text, e.data) for e in entries][-1] == ("runbook_step", "step 1 done", {"step": 1})


def test_timeline_is_in_write_order_even_if_the_clock_jumps_back(log: IncidentLog, clock: FakeClock) -> None:
    incident = log.open_incident("x", "warning")
    log.append(incident.id, "note", "first", "a")
    clock.advance(-3600)
    log.append(incident.id, "note", "second", "a")
    assert [e.text for e in log.timeline(incident.id) if e.kind == "note"] == ["first", "second"]


def test_append_to_a_missing_incident_is_a_store_error(log: IncidentLog) -> None:
    with pytest.raises(StoreError, match="no incident #42"):
        log.append(42, "note", "hello", "a")
    with pytest.raises(StoreError, match="no incident #42"):
        log.get(42)


def test_append_updates_the_incident(log: IncidentLog, clock: FakeClock) -> None:
    incident = log.open_incident("x", "warning")
    clock.advance(90)
    log.append(incident.id, "note", "hello", "a")
    assert log.get(incident.id).updated_at == START + timedelta(seconds=90)


def test_link_alert_is_idempotent(log: IncidentLog) -> None:
    incident = log.open_incident("x", "warning")
    assert log.link_alert(incident.id, "fp9") is True
    assert log.link_alert(incident.id, "fp9") is False
    assert log.linked_alerts(incident.id) == ["fp9"]
    assert log.open_incident_for_alert("fp9") == log.get(incident.id)
    log.set_status(incident.id, IncidentStatus.RESOLVED, "a")
    assert log.open_incident_for_alert("fp9") is None


def test_escalation_level_is_set_and_logged(log: IncidentLog) -> None:
    incident = log.open_incident("x", "critical")
    entry = log.set_escalation_level(incident.id, 1, "alice", data={"targets": ["pd-secondary"]})
    assert log.escalation_level(incident.id) == 1
    assert entry.kind == TimelineKind.ESCALATE
    assert entry.data == {"from": 0, "to": 1, "targets": ["pd-secondary"]}
    assert log.timeline(incident.id)[-1] == entry


def test_list_incidents_filters(log: IncidentLog, clock: FakeClock) -> None:
    a = log.open_incident("a", "critical")
    clock.advance(60)
    b = log.open_incident("b", "warning")
    clock.advance(60)
    c = log.open_incident("c", "info")
    log.set_status(a.id, IncidentStatus.RESOLVED, "x")
    log.set_status(b.id, IncidentStatus.ACKNOWLEDGED, "x")
    assert [i.id for i in log.list_incidents()] == [c.id, b.id, a.id]
    assert [i.id for i in log.list_incidents(open_only=True)] == [c.id, b.id]
    assert [i.id for i in log.list_incidents(statuses=[IncidentStatus.RESOLVED])] == [a.id]
    assert [i.id for i in log.list_incidents(since=START + timedelta(seconds=60))] == [c.id, b.id]
    assert [i.id for i in log.list_incidents(limit=1)] == [c.id]
    assert log.list_incidents(statuses=[]) == []


def test_naive_datetimes_are_refused(log: IncidentLog) -> None:
    with pytest.raises(ValueError, match="naive"):
        log.list_incidents(since=datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


def test_log_entry_and_outbox_item_commit_together(db: Database, log: IncidentLog, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    incident = log.open_incident("x", "critical")
    with pytest.raises(RuntimeError), db.transaction():
        log.append(incident.id, "ack", "acked", "alice")
        outbox.enqueue("create_silence", {"matchers": []}, incident.id, dedup_key="ack-1")
        raise RuntimeError("crash before commit")
    assert [e.kind for e in log.timeline(incident.id)] == ["opened"]
    assert outbox.pending() == []
    with db.transaction():
        log.append(incident.id, "ack", "acked", "alice")
        outbox.enqueue("create_silence", {"matchers": []}, incident.id, dedup_key="ack-1")
    assert [e.kind for e in log.timeline(incident.id)] == ["opened", "ack"]
    assert [i.dedup_key for i in outbox.pending()] == ["ack-1"]
