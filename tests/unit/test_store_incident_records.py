"""IncidentRecords: notes, status with resolution, fields, alerts, action items, manual incidents.

Every change is a timeline entry written in the same transaction as the change.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.errors import StoreError
from oncall_tui.models.incident import IncidentStatus
from oncall_tui.models.incident_record import AlertFiring, LinkedAlert
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords
from tests.support.store import START


@pytest.fixture
def records(db: Database, clock: FakeClock) -> IncidentRecords:
    return IncidentRecords(db, clock)


def kinds_and_texts(records: IncidentRecords, incident_id: int) -> list[tuple[str, str]]:
    return [(e.kind, e.text) for e in records.log.timeline(incident_id)]


def test_an_incident_opened_by_hand_links_its_alerts_and_keeps_its_context(
    records: IncidentRecords,
) -> None:
    alert = LinkedAlert("fp1", alertname="HighLatency", starts_at=START - timedelta(minutes=7))
    incident = records.open_manual("  checkout   slow ", "critical", "ann", alerts=[alert], context="prod")
    record = records.record(incident.id)
    assert record.incident.title == "checkout slow"
    assert record.incident.status is IncidentStatus.TRIGGERED
    assert record.context == "prod"
    assert record.first_alert_start == START - timedelta(minutes=7)
    assert kinds_and_texts(records, incident.id) == [
        ("opened", "opened: checkout slow"),
        ("alert_linked", "alert HighLatency fp1 linked"),
    ]
    with pytest.raises(ValueError, match="needs a title"):
        records.open_manual("  ", "critical", "ann")
    with pytest.raises(ValueError, match="severity must be one of"):
        records.open_manual("x", "sev1", "ann")


def test_notes_keep_their_lines(records: IncidentRecords) -> None:
    incident = records.open_manual("db down", "critical", "ann")
    entry = records.add_note(incident.id, "failed over to replica\n  lag 3s\n", "ann")
    assert entry.text == "failed over to replica\n  lag 3s"
    assert records.log.timeline(incident.id)[-1] == entry
    with pytest.raises(ValueError, match="needs some text"):
        records.add_note(incident.id, " \n ", "ann")
    with pytest.raises(StoreError, match="no incident #99"):
        records.add_note(99, "x", "ann")


def test_status_changes_record_their_times_and_the_resolution(
    records: IncidentRecords, clock: FakeClock
) -> None:
    incident = records.open_manual("db down", "critical", "ann")
    clock.advance(120)
    records.change_status(incident.id, IncidentStatus.ACKNOWLEDGED, "ann")
    clock.advance(600)
    records.change_status(incident.id, IncidentStatus.MITIGATED, "ann")
    clock.advance(1800)
    done = records.change_status(
        incident.id, IncidentStatus.RESOLVED, "bob", resolution=" restarted\n the primary "
    )
    assert done.acknowledged_at == START + timedelta(seconds=120)
    assert done.mitigated_at == START + timedelta(seconds=720)
    assert done.resolved_at == START + timedelta(seconds=2520)
    assert records.record(incident.id).fields.resolution == "restarted the primary"
    assert kinds_and_texts(records, incident.id)[-3:] == [
        ("status_change", "status: triggered → acknowledged"),
        ("status_change", "status: acknowledged → mitigated"),
        ("status_change", "status: mitigated → resolved: restarted the primary"),
    ]


def test_fields_log_one_entry_per_changed_field(records: IncidentRecords) -> None:
    incident = records.open_manual("db down", "critical", "ann")
    record = records.set_fields(
        incident.id, "ann", {"owner": " ann  smith ", "impact": "checkout errors for 20% of users\n"}
    )
    assert record.fields.owner == "ann smith"
    assert record.fields.impact == "checkout errors for 20% of users"
    records.set_fields(incident.id, "bob", {"owner": "ann smith", "root_cause": "disk full"})
    records.set_fields(incident.id, "bob", {"impact": ""})
    texts = kinds_and_texts(records, incident.id)[1:]
    assert texts == [
        ("field_change", "owner: ann smith"),
        ("field_change", "impact: checkout errors for 20% of users"),
        ("field_change", "root cause: disk full"),
        ("field_change", "impact cleared"),
    ]
    last = records.log.timeline(incident.id)[-1]
    assert last.data == {"field": "impact", "from": "checkout errors for 20% of users", "to": ""}
    with pytest.raises(KeyError, match="no incident field 'title; DROP'"):
        records.set_fields(incident.id, "bob", {"title; DROP": "x"})


def test_a_failed_change_leaves_neither_the_change_nor_its_entry(
    db: Database, records: IncidentRecords
) -> None:
    incident = records.open_manual("db down", "critical", "ann")
    before = records.log.timeline(incident.id)
    with pytest.raises(RuntimeError), db.transaction():
        records.set_fields(incident.id, "ann", {"owner": "ann"})
        raise RuntimeError("crash between the write and the commit")
    assert records.record(incident.id).fields.owner == ""
    assert records.log.timeline(incident.id) == before


def test_link_and_unlink_alerts(records: IncidentRecords) -> None:
    incident = records.open_manual("db down", "critical", "ann")
    assert (
        records.link_alerts(
            incident.id, [LinkedAlert("fp1"), LinkedAlert("fp2", alertname="DiskFull")], "ann"
        )
        == 2
    )
    assert records.link_alerts(incident.id, [LinkedAlert("fp1")], "ann") == 0
    assert records.unlink_alert(incident.id, "fp2", "ann") is True
    assert records.unlink_alert(incident.id, "fp2", "ann") is False
    assert [a.fingerprint for a in records.record(incident.id).alerts] == ["fp1"]
    assert kinds_and_texts(records, incident.id)[1:] == [
        ("alert_linked", "alert fp1 linked"),
        ("alert_linked", "alert DiskFull fp2 linked"),
        ("alert_unlinked", "alert DiskFull fp2 unlinked"),
    ]


def test_firings_the_app_saw_fill_in_name_and_start_of_linked_alerts(
    records: IncidentRecords, clock: FakeClock
) -> None:
    incident = records.open_manual("db down", "critical", "ann", alerts=[LinkedAlert("fp1")])
    started = START - timedelta(minutes=3)
    firing = AlertFiring("fp1", started, "DiskFull", severity="critical", context="prod")
    assert records.record_firings([firing, firing]) == 1
    assert records.record_firings([firing]) == 0
    (alert,) = records.record(incident.id).alerts
    assert (alert.alertname, alert.starts_at) == ("DiskFull", started)
    # A later link of the same alert to another incident learns its start from the firing.
    clock.advance(60)
    other = records.open_manual("other", "warning", "ann", alerts=[LinkedAlert("fp1")])
    assert records.record(other.id).first_alert_start == started
    (seen,) = records.firings(since=started)
    assert (seen.alertname, seen.severity, seen.context, seen.first_seen) == (
        "DiskFull",
        "critical",
        "prod",
        START,
    )
    assert records.firings(since=START) == []


def test_action_items_are_added_changed_and_done_with_entries(
    records: IncidentRecords, clock: FakeClock
) -> None:
    incident = records.open_manual("db down", "critical", "ann")
    item = records.add_action_item(
        incident.id, "alert on disk at 80%", "ann", owner="bob", due=date(2026, 3, 8)
    )
    assert (item.text, item.owner, item.due, item.done) == (
        "alert on disk at 80%",
        "bob",
        date(2026, 3, 8),
        False,
    )
    clock.advance(60)
    same = records.update_action_item(item.id, "bob", owner="bob")
    assert same == item
    done = records.update_action_item(item.id, "bob", done=True, due=None)
    assert done.done and done.due is None and done.updated_at == START + timedelta(seconds=60)
    assert records.action_items(incident.id) == [done]
    assert kinds_and_texts(records, incident.id)[1:] == [
        ("action_item", "action item A1 added: alert on disk at 80%, owner bob, due 2026-03-08"),
        ("action_item", "action item A1 done: alert on disk at 80%, owner bob"),
    ]
    with pytest.raises(StoreError, match="no action item A7"):
        records.update_action_item(7, "bob", done=True)


def test_summaries_list_owner_context_and_alerts_newest_first(
    records: IncidentRecords, clock: FakeClock
) -> None:
    first = records.open_manual("one", "warning", "ann", context="staging")
    records.set_fields(first.id, "ann", {"owner": "ann"})
    clock.advance(60)
    second = records.log.open_incident("two", "critical", 'prod/{}:{alertname="X"}', ["fp9"])
    rows = records.summaries()
    assert [r.incident.id for r in rows] == [second.id, first.id]
    assert [(r.owner, r.context, r.alert_count) for r in rows] == [("", "prod", 1), ("ann", "staging", 0)]
    assert records.summaries(statuses=[IncidentStatus.RESOLVED]) == []


def test_records_survive_a_reopen_of_the_file(db_path: Path, clock: FakeClock) -> None:
    with Database.open(db_path) as db:
        records = IncidentRecords(db, clock)
        incident = records.open_manual("db down", "critical", "ann")
        records.add_action_item(incident.id, "write it up", "ann")
        records.set_fields(incident.id, "ann", {"prevention": "quota alerts"})
    with Database.open(db_path) as db:
        record = IncidentRecords(db, clock).record(incident.id)
    assert record.fields.prevention == "quota alerts"
    assert [i.text for i in record.action_items] == ["write it up"]


def test_a_polled_alert_becomes_a_firing_and_names_the_alerts_linked_by_fingerprint_only(
    records: IncidentRecords, clock: FakeClock
) -> None:
    from oncall_tui.models.alertmanager import Alert

    alert = Alert(
        labels={"alertname": "NodeDown", "severity": "critical", "instance": "db1"},
        fingerprint="f00d",
        starts_at=START - timedelta(minutes=9),
    )
    firing = AlertFiring.of(alert, "prod")
    assert (firing.alertname, firing.severity, firing.context, firing.starts_at) == (
        "NodeDown",
        "critical",
        "prod",
        START - timedelta(minutes=9),
    )
    records.record_firings([firing])
    clock.advance(30)
    # As alert actions open incidents: fingerprints only.
    incident = records.log.open_incident("db1 down", "critical", "prod/{}:{}", ["f00d"])
    (linked,) = records.record(incident.id).alerts
    assert (linked.alertname, linked.starts_at) == ("NodeDown", START - timedelta(minutes=9))
    (row,) = records.summaries()
    assert (row.alertnames, row.first_alert_start) == (("NodeDown",), START - timedelta(minutes=9))
