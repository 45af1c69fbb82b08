"""An alert's whole life against the real Alertmanager and Prometheus: fire, ack or escalate, resolve,
fire again — with the app restarted in between (issue 8, items 1 and 2).

The switchable ``SwitchOn`` rule of the stack (``Stack.switch``) is turned on and off by the tests;
Prometheus evaluates it every second. Every wait polls with a deadline; nothing sleeps a fixed time.
Each test uses its own switch, so its alert group is its own. The alerts rank by ``urgency``
(``page`` > ``ticket``), a legitimate ``[alerts]`` config, so the stack's ``severity`` alerts that
other tests count are left alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.notify import Notifier
from oncall_tui.clock import SystemClock
from oncall_tui.config.alerting import AlertSettings
from oncall_tui.config.settings import SourceSettings
from oncall_tui.domain.alert_queue import AlertRow, QueueSnapshot, prepare
from oncall_tui.domain.incident_lifecycle import ALERTS_REFIRED, ALERTS_RESOLVED
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.domain.silences import is_until_resolved_marker, marker_of
from oncall_tui.models.incident import IncidentStatus
from oncall_tui.services.ack_keeper import AckKeeper
from oncall_tui.services.actions import ActionStatus, AlertActions, AlertTarget
from oncall_tui.services.incident_lifecycle import IncidentLifecycle
from oncall_tui.store.db import Database
from tests.stack_support import Stack
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

USER = "lifecycle@oncall-tui"


def settings(grace: str) -> AlertSettings:
    """Switch alerts rank by urgency; a three-level policy with long delays (no escalation by itself)."""
    return AlertSettings.model_validate(
        {
            "severity_label": "urgency",
            "severity_order": ["page", "ticket"],
            "incident_resolve_grace": grace,
            "notifiers": {"hook": {"kind": "webhook", "url": "http://hooks.test/oncall"}},
            "escalation_policies": {
                "switchboard": {
                    "levels": [
                        {"name": "primary", "targets": ["hook"], "delay": "1h"},
                        {"name": "secondary", "targets": ["hook"], "delay": "1h"},
                        {"name": "manager", "targets": ["hook"], "delay": "1h"},
                    ]
                }
            },
            "default_escalation_policy": "switchboard",
        }
    )


class Session:
    """What the app runs for one context: actions, ack keeper, incident lifecycle — over one log file."""

    def __init__(self, db_path: Path, am: AlertmanagerClient, alert_settings: AlertSettings) -> None:
        self.db = Database.open(db_path)
        self.hooks: list[dict[str, Any]] = []
        notifier = Notifier(alert_settings.notifiers, transport=httpx.MockTransport(self._hook))
        clock = self.clock = SystemClock()
        self.actions = AlertActions(
            self.db, am, settings=alert_settings, user=USER, clock=clock, notifier=notifier, context=""
        )
        self.keeper = AckKeeper(self.actions, alert_settings.ack.until_resolved_step)
        self.lifecycle = IncidentLifecycle(self.actions.log, clock, "", alert_settings.incident_resolve_grace)
        self.policy = SeverityPolicy.from_settings(alert_settings)
        self._am = am

    def _hook(self, request: httpx.Request) -> httpx.Response:
        self.hooks.append({"body": request.content.decode()})
        return httpx.Response(200)

    async def poll(self) -> QueueSnapshot:
        """One poll as the app does it, then what the app does after a poll."""
        groups = await self._am.alert_groups()
        silences = await self._am.silences()
        snapshot = prepare(groups, self.policy, silences=silences)
        await self.keeper.run_once(silences, snapshot.alerts(), self.clock.now())
        self.lifecycle.after_poll({r.group_key for r in snapshot.rows})
        return snapshot

    def close(self) -> None:
        self.db.close()


def switch_row(snapshot: QueueSnapshot, name: str) -> AlertRow | None:
    return next((r for r in snapshot.rows if r.alert.labels.get("switch") == name), None)


@pytest.fixture
async def alertmanager(stack: Stack) -> AsyncIterator[AlertmanagerClient]:
    client = AlertmanagerClient(build_async_client(stack.alertmanager_url, SourceSettings(timeout=5)))
    yield client
    await client.aclose()


async def test_ack_until_resolved_ends_when_the_alert_resolves_and_the_next_firing_is_unacked(
    stack: Stack, alertmanager: AlertmanagerClient, tmp_path: Path
) -> None:
    session = Session(tmp_path / "log.db", alertmanager, settings("5m"))
    stack.switch("ur", True, urgency="page", service="ur")
    try:
        snapshot = await eventually(session.poll, lambda s: switch_row(s, "ur") is not None, "it fired")
        row = switch_row(snapshot, "ur")
        assert row is not None
        first_start = row.alert.starts_at
        acked = await session.actions.ack(
            AlertTarget.of_row(row), until_resolved=True, comment="on it", universe=snapshot.alerts()
        )
        assert acked.status is ActionStatus.DONE, acked.message
        (silence_id,) = acked.silence_ids
        await eventually(
            session.poll, lambda s: (r := switch_row(s, "ur")) is not None and r.is_acked, "acked"
        )

        stack.switch("ur", False)
        # The first poll that sees it resolved ends the ack (the app's own until-resolved silence).
        await eventually(session.poll, lambda s: switch_row(s, "ur") is None, "it resolved")
        ended = await alertmanager.silence(silence_id)
        assert ended.status.state == "expired"

        stack.switch("ur", True, urgency="page", service="ur")
        again = await eventually(session.poll, lambda s: switch_row(s, "ur") is not None, "it fired again")
        row = switch_row(again, "ur")
        assert row is not None and row.alert.starts_at > first_start
        # A new, un-acked alert: active, no ack, and no until-resolved silence of the app left.
        assert row.is_active and not row.acks
        left = [
            s
            for s in await alertmanager.silences()
            if s.status.state != "expired" and is_until_resolved_marker(marker_of(s.comment))
        ]
        assert left == []
    finally:
        stack.switch("ur", False)
        session.close()


async def test_escalated_incident_resolves_after_the_grace_period_and_a_new_firing_starts_at_level_one(
    stack: Stack, alertmanager: AlertmanagerClient, tmp_path: Path
) -> None:
    log_file = tmp_path / "log.db"
    session = Session(log_file, alertmanager, settings("2s"))
    stack.switch("esc", True, urgency="page", service="esc")
    try:
        snapshot = await eventually(session.poll, lambda s: switch_row(s, "esc") is not None, "it fired")
        row = switch_row(snapshot, "esc")
        assert row is not None
        escalated = await session.actions.escalate(AlertTarget.of_row(row), reason="db down")
        assert escalated.status is ActionStatus.DONE, escalated.message
        incident_id = escalated.incident_id
        assert incident_id is not None
        assert session.actions.log.get(incident_id).escalation_level == 1

        stack.switch("esc", False)
        await eventually(session.poll, lambda s: switch_row(s, "esc") is None, "it resolved")

        def resolved(_: QueueSnapshot) -> bool:
            return session.actions.log.get(incident_id).status is IncidentStatus.RESOLVED

        # Quiet for the 2 s grace period: resolved by itself, each step in the timeline.
        await eventually(session.poll, resolved, "the incident resolved by itself")
        timeline = session.actions.log.timeline(incident_id)
        kinds = [e.kind for e in timeline]
        assert ALERTS_RESOLVED in kinds and kinds[-1] == "status_change"
        assert "resolved automatically: no alert fired for" in timeline[-1].text
        assert session.actions.log.get(incident_id).resolved_at is not None

        # The app restarts, then the alert fires again: a new incident, at the first level.
        session.close()
        session = Session(log_file, alertmanager, settings("2s"))
        stack.switch("esc", True, urgency="page", service="esc")
        again = await eventually(session.poll, lambda s: switch_row(s, "esc") is not None, "it fired again")
        row = switch_row(again, "esc")
        assert row is not None
        assert session.actions.escalation_states([row.group_key]) == {}
        assert await session.actions.due_escalations(again) == []
        second = await session.actions.escalate(AlertTarget.of_row(row))
        assert second.status is ActionStatus.DONE, second.message
        assert second.incident_id != incident_id
        line = session.actions.log.timeline(second.incident_id or 0)
        assert any("escalated to secondary (step 2 of 3" in e.text for e in line)
    finally:
        stack.switch("esc", False)
        session.close()


async def test_a_refire_within_the_grace_period_rejoins_the_incident(
    stack: Stack, alertmanager: AlertmanagerClient, tmp_path: Path
) -> None:
    session = Session(tmp_path / "log.db", alertmanager, settings("10m"))
    stack.switch("flap", True, urgency="page", service="flap")
    try:
        snapshot = await eventually(session.poll, lambda s: switch_row(s, "flap") is not None, "it fired")
        row = switch_row(snapshot, "flap")
        assert row is not None
        acked = await session.actions.ack(AlertTarget.of_row(row), duration="30m", universe=snapshot.alerts())
        incident_id = acked.incident_id
        assert incident_id is not None

        stack.switch("flap", False)
        await eventually(session.poll, lambda s: switch_row(s, "flap") is None, "it resolved")
        assert ALERTS_RESOLVED in [e.kind for e in session.actions.log.timeline(incident_id)]

        stack.switch("flap", True, urgency="page", service="flap")
        await eventually(session.poll, lambda s: switch_row(s, "flap") is not None, "it fired again")
        incident = session.actions.log.get(incident_id)
        assert incident.is_open and incident.resolved_at is None
        rejoined = [e for e in session.actions.log.timeline(incident_id) if e.kind == ALERTS_REFIRED]
        assert len(rejoined) == 1 and "within the 10m grace period" in rejoined[0].text
        assert session.actions.log.find_open_incident(row.group_key) is not None
    finally:
        stack.switch("flap", False)
        session.close()
