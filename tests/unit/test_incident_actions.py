"""Incident requests as logged actions: done only once committed, failed with one line and nothing written."""

from __future__ import annotations

import asyncio
from datetime import date

from oncall_tui.clock import FakeClock
from oncall_tui.models.incident import IncidentStatus
from oncall_tui.models.incident_record import LinkedAlert
from oncall_tui.services.action_engine import ActionStatus
from oncall_tui.services.incident_actions import (
    AddActionItem,
    AddNote,
    ChangeStatus,
    IncidentActions,
    LinkAlerts,
    OpenIncident,
    SetActionItemDone,
    SetFields,
    UnlinkAlert,
)
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords


def test_a_day_of_incident_work_through_requests(db: Database, clock: FakeClock) -> None:
    actions = IncidentActions(db, clock, "ann@laptop")
    opened = actions.run_blocking(OpenIncident("payments slow", "critical", (LinkedAlert("fp1"),), "prod"))
    assert (opened.status, opened.message) == (ActionStatus.DONE, "incident #1 opened")
    assert opened.incident_id == 1
    results = [
        asyncio.run(actions.run(AddNote(1, "looking at the db\nreplica lag 30s"))),
        actions.run_blocking(ChangeStatus(1, IncidentStatus.ACKNOWLEDGED)),
        actions.run_blocking(SetFields(1, {"owner": "ann", "root_cause": "vacuum"})),
        actions.run_blocking(AddActionItem(1, "tune autovacuum", "bob", date(2026, 3, 9))),
        actions.run_blocking(SetActionItemDone(1, True)),
        actions.run_blocking(LinkAlerts(1, (LinkedAlert("fp2", "DbLag"),))),
        actions.run_blocking(UnlinkAlert(1, "fp1")),
        actions.run_blocking(ChangeStatus(1, IncidentStatus.RESOLVED, "vacuumed")),
    ]
    assert [r.message for r in results] == [
        "note added to #1",
        "#1 acknowledged",
        "#1: owner, root cause saved",
        "action item A1 added to #1",
        "action item A1 done",
        "1 alert linked to #1",
        "alert fp1 unlinked from #1",
        "#1 resolved",
    ]
    assert all(r.status is ActionStatus.DONE and r.incident_id == 1 for r in results)
    kinds = [e.kind for e in IncidentRecords(db, clock).log.timeline(1)]
    assert kinds == [
        "opened",
        "alert_linked",
        "note",
        "status_change",
        "field_change",
        "field_change",
        "action_item",
        "action_item",
        "alert_linked",
        "alert_unlinked",
        "status_change",
    ]


def test_bad_requests_fail_with_one_line_and_write_nothing(db: Database, clock: FakeClock) -> None:
    actions = IncidentActions(db, clock, "ann")
    actions.run_blocking(OpenIncident("x", "warning"))
    log = IncidentRecords(db, clock).log
    before = log.timeline(1)
    failures = [
        actions.run_blocking(ChangeStatus(1, IncidentStatus.RESOLVED, "  ")),
        actions.run_blocking(AddNote(1, "   ")),
        actions.run_blocking(AddNote(7, "hello")),
        actions.run_blocking(SetFields(1, {"colour": "red"})),
        actions.run_blocking(UnlinkAlert(1, "fp9")),
        actions.run_blocking(OpenIncident("", "critical")),
        actions.run_blocking(SetActionItemDone(3, True)),
    ]
    assert [(r.status, r.message) for r in failures] == [
        (ActionStatus.FAILED, "status change failed: resolving needs a one-line resolution"),
        (ActionStatus.FAILED, "note failed: a note needs some text"),
        (ActionStatus.FAILED, "note failed: no incident #7"),
        (ActionStatus.FAILED, "colour change failed: no incident field 'colour'"),
        (ActionStatus.FAILED, "unlink failed: alert fp9 is not linked to #1"),
        (ActionStatus.FAILED, "new incident failed: an incident needs a title"),
        (ActionStatus.FAILED, "action item failed: no action item A3"),
    ]
    assert log.timeline(1) == before
    assert len(log.list_incidents()) == 1
