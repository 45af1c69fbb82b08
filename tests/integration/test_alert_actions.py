"""Ack and unack against the real Alertmanager; the outbox across an Alertmanager outage and an app restart.

The first test uses the session stack (real alerts from ``stack/rules`` via Prometheus).
The outage test starts its own private Alertmanager, so stopping it cannot disturb the
session stack other tests use. Waits poll with a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.http import build_async_client
from oncall_tui.clock import FakeClock, SystemClock
from oncall_tui.config.alerting import AlertSettings
from oncall_tui.config.settings import SourceSettings
from oncall_tui.domain.alert_queue import QueueOptions, QueueSnapshot, prepare
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.domain.silences import marker_of
from oncall_tui.models.alertmanager import Alert
from oncall_tui.models.incident import IncidentStatus
from oncall_tui.services.ack_keeper import AckKeeper
from oncall_tui.services.actions import ActionStatus, AlertActions, AlertTarget
from oncall_tui.services.outbox_drain import Deliverer, OutboxDrain, Outcome
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from tests.integration.binaries import require_binaries
from tests.integration.faults import PrivateAlertmanager
from tests.stack_support import Stack, binary_paths
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

USER = "integration@oncall-tui"
SETTINGS = AlertSettings()
POLICY = SeverityPolicy.from_settings(SETTINGS)


async def poll(client: AlertmanagerClient) -> QueueSnapshot:
    """One poll as the app does it: groups and silences, prepared for the queue."""
    groups = await client.alert_groups()
    silences = await client.silences()
    return prepare(groups, POLICY, silences=silences)


@pytest.fixture
async def alertmanager(stack: Stack) -> AsyncIterator[AlertmanagerClient]:
    client = AlertmanagerClient(build_async_client(stack.alertmanager_url, SourceSettings(timeout=5)))
    yield client
    await client.aclose()


async def test_ack_silences_the_alert_on_the_next_poll_and_unack_brings_it_back(
    alertmanager: AlertmanagerClient, tmp_path: Path
) -> None:
    def has_critical(snapshot: QueueSnapshot) -> bool:
        return any(r.alert.alertname == "CheckoutErrorBudgetBurn" for r in snapshot.view().alert_rows())

    snapshot = await eventually(
        lambda: poll(alertmanager), has_critical, "the critical demo alert never fired"
    )
    row = next(r for r in snapshot.view().alert_rows() if r.alert.alertname == "CheckoutErrorBudgetBurn")
    assert row.severity == "critical"

    db = Database.open(tmp_path / "log.db")
    actions = AlertActions(db, alertmanager, settings=SETTINGS, user=USER, clock=SystemClock())
    result = await actions.ack(
        AlertTarget.of_row(row), duration="15m", comment="integration ack", universe=snapshot.alerts()
    )
    assert result.status is ActionStatus.DONE, result.message
    (silence_id,) = result.silence_ids
    try:

        def acked(s: QueueSnapshot) -> bool:
            found = s.row(row.key)
            return found is not None and found.is_acked

        after = await eventually(lambda: poll(alertmanager), acked, "the alert never showed as silenced")
        acked_row = after.row(row.key)
        assert acked_row is not None
        (ack,) = acked_row.acks
        assert (ack.silence_id, ack.created_by, ack.comment) == (silence_id, USER, "integration ack")
        assert timedelta(minutes=14) < ack.left(datetime.now(UTC)) <= timedelta(minutes=15)
        # Only this alert is silenced: the ack's matchers select exactly it.
        others = [r for r in after.rows if r.key != row.key]
        assert all(silence_id not in r.alert.status.silenced_by for r in others)
        # Hidden from the default (active-only) view, shown with the suppressed ones.
        assert row.key not in after.view().row_keys()
        assert row.key in after.view(QueueOptions(include_suppressed=True)).row_keys()
        incident = actions.log.find_open_incident(row.group_key)
        assert incident is not None and incident.status is IncidentStatus.ACKNOWLEDGED

        unacked = await actions.unack(AlertTarget.of_row(acked_row))
        assert unacked.status is ActionStatus.DONE, unacked.message
    finally:
        # Leave the shared stack as found, even if an assertion above failed.
        if (await alertmanager.silence(silence_id)).status.state != "expired":
            await alertmanager.expire_silence(silence_id)

    def active_again(s: QueueSnapshot) -> bool:
        found = s.row(row.key)
        return found is not None and not found.is_acked

    await eventually(lambda: poll(alertmanager), active_again, "the alert never became active again")
    assert (await alertmanager.silence(silence_id)).status.state == "expired"
    kinds = [e.kind for e in IncidentLog(db, SystemClock()).timeline(result.incident_id or 0)]
    assert kinds.index("ack") < kinds.index("action_done") < kinds.index("unack")
    db.close()


# --- a private Alertmanager that the test stops and starts -----------------------------------


@pytest.fixture
def private_am(stack: Stack, tmp_path: Path) -> Iterator[PrivateAlertmanager]:
    # Depends on ``stack`` only for its skip (or, under CI, failure) when the binaries are missing.
    alertmanager = binary_paths()["alertmanager"]
    require_binaries([] if os.access(alertmanager, os.X_OK) else [alertmanager])
    am = PrivateAlertmanager(tmp_path / "am")
    try:
        yield am
    finally:
        am.stop()


async def test_ack_while_alertmanager_is_down_is_delivered_once_after_an_app_restart(
    private_am: PrivateAlertmanager, tmp_path: Path
) -> None:
    # The services' clock starts at real time (Alertmanager checks silence times) and is
    # moved on by hand past the retry backoff instead of the test sleeping.
    clock = FakeClock(datetime.now(UTC))
    alert = Alert(
        labels={"alertname": "DiskFull", "severity": "critical", "instance": "db1"},
        fingerprint="0123456789abcdef",
        starts_at=clock.now() - timedelta(minutes=3),
    )
    target = AlertTarget("group:null:{alertname='DiskFull'}", {"alertname": "DiskFull"}, (alert,), "critical")

    # Run 1 of the app: Alertmanager is not running. The ack is logged and kept in the outbox.
    client = AlertmanagerClient(build_async_client(private_am.url, SourceSettings(timeout=2)))
    db = Database.open(tmp_path / "log.db")
    actions = AlertActions(db, client, settings=SETTINGS, user=USER, clock=clock)
    result = await actions.ack(target, duration="1h", comment="disk is being cleaned")
    assert result.status is ActionStatus.PENDING, result.message
    assert "refused" in result.message
    assert [item.kind for item in actions.outbox.pending()] == ["create_silence"]
    await client.aclose()
    db.close()

    # Alertmanager comes up; the app starts again with new objects on the same log file.
    private_am.start()
    await private_am.ready()
    clock.advance(6)
    client = AlertmanagerClient(build_async_client(private_am.url, SourceSettings(timeout=5)))
    db = Database.open(tmp_path / "log.db")
    drain = OutboxDrain(db, Deliverer(client), clock)
    (delivery,) = await drain.run_once()
    assert delivery.outcome is Outcome.DONE, delivery.message
    clock.advance(3600)
    assert await drain.run_once() == []  # nothing left, nothing sent again

    silences = [s for s in await client.silences() if s.status.state == "active"]
    assert len(silences) == 1
    (silence,) = silences
    assert silence.id == delivery.result["silence_id"]
    assert silence.created_by == USER
    assert silence.comment.startswith("disk is being cleaned ")
    assert marker_of(silence.comment) is not None
    assert {(m.name, m.value) for m in silence.matchers} == set(alert.labels.items())

    # A third run (e.g. after a crash right after sending) still does not send it again.
    db.close()
    db = Database.open(tmp_path / "log.db")
    assert await OutboxDrain(db, Deliverer(client), clock).run_once() == []
    assert len([s for s in await client.silences() if s.status.state == "active"]) == 1
    entries = IncidentLog(db, clock).timeline(result.incident_id or 0)
    kinds = [e.kind for e in entries]
    assert kinds.index("ack") < kinds.index("action_failed") < kinds.index("action_done")
    await client.aclose()
    db.close()


async def test_ack_until_resolved_is_extended_on_the_real_alertmanager_with_the_id_it_answers(
    private_am: PrivateAlertmanager, tmp_path: Path
) -> None:
    private_am.start()
    await private_am.ready()
    clock = FakeClock(datetime.now(UTC))
    client = AlertmanagerClient(build_async_client(private_am.url, SourceSettings(timeout=5)))
    db = Database.open(tmp_path / "log.db")
    actions = AlertActions(db, client, settings=SETTINGS, user=USER, clock=clock)
    alert = Alert(
        labels={"alertname": "QueueStuck", "severity": "critical", "queue": "billing"},
        fingerprint="fedcba9876543210",
        starts_at=clock.now() - timedelta(minutes=1),
    )
    target = AlertTarget(
        "group:null:{alertname='QueueStuck'}", {"alertname": "QueueStuck"}, (alert,), "critical"
    )
    acked = await actions.ack(target, until_resolved=True, comment="draining the queue")
    assert acked.status is ActionStatus.DONE, acked.message
    (first_id,) = acked.silence_ids

    # 20 minutes later (by the services' clock) the alert still fires: the keeper extends the ack.
    clock.advance(20 * 60)
    keeper = AckKeeper(actions, SETTINGS.ack.until_resolved_step)
    silences = await client.silences()
    shown = [(alert, target.group_key)]
    (extended,) = await keeper.run_once(silences, [alert], clock.now(), shown)
    assert extended.status is ActionStatus.DONE, extended.message
    # Logged in the incident the ack opened, the group's: not in one named after the matchers.
    assert extended.incident_id == acked.incident_id
    (new_id,) = extended.silence_ids
    active = [s for s in await client.silences() if s.status.state == "active"]
    assert [s.id for s in active] == [new_id]  # whatever id Alertmanager chose, it is the one recorded
    (current,) = active
    assert abs(current.ends_at - (clock.now() + SETTINGS.ack.until_resolved_step)) < timedelta(seconds=1)
    assert marker_of(current.comment) == marker_of(next(s for s in silences if s.id == first_id).comment)
    done = [e for e in actions.log.timeline(extended.incident_id or 0) if e.kind == "action_done"]
    assert done[-1].data["result"]["silence_id"] == new_id

    # Resolved (gone from Alertmanager's alerts): the ack ends at once, so a new firing is not covered.
    clock.advance(20 * 60)
    # The alert is only among the recently resolved now: still the group's incident.
    (ended,) = await keeper.run_once(await client.silences(), [], clock.now(), shown)
    assert ended.status is ActionStatus.DONE, ended.message
    assert ended.incident_id == acked.incident_id
    assert (await client.silence(new_id)).status.state == "expired"
    await client.aclose()
    db.close()
