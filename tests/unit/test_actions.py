"""Ack, unack, escalate and silence actions: log first, outbox, exactly-once delivery across restarts.

A fake Alertmanager (in memory, behaving like the real one where it matters: ids are
server-chosen and an update replaces the id) and the real SQLite incident log in tmp_path.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oncall_tui.clients.notify import Notification, Notifier
from oncall_tui.clock import FakeClock
from oncall_tui.config.alerting import AlertSettings
from oncall_tui.domain.alert_queue import QueueOptions, prepare
from oncall_tui.domain.matchers import Matcher, selects
from oncall_tui.domain.silences import marker_of, strip_marker
from oncall_tui.errors import SourceError, StoreError
from oncall_tui.models.alertmanager import (
    Alert,
    AlertGroup,
    AlertStatus,
    PostableSilence,
    Receiver,
    Silence,
    SilenceStatus,
)
from oncall_tui.models.incident import IncidentStatus, OutboxState
from oncall_tui.services.ack_keeper import AckKeeper, due_extensions
from oncall_tui.services.actions import ActionStatus, AlertActions, AlertTarget, ack_end
from oncall_tui.services.alert_requests import AckAlerts, ExpireSilence, UnackAlerts
from oncall_tui.services.outbox_drain import (
    Backoff,
    Deliverer,
    Delivery,
    OutboxDrain,
    Outcome,
    pending_by_fingerprint,
)
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from oncall_tui.store.outbox import Outbox

NOW = datetime(2026, 3, 11, 13, 0, tzinfo=UTC)
USER = "alice@laptop"


class FakeAlertmanager:
    """In-memory silences API with switchable failures."""

    def __init__(self) -> None:
        self.silences_by_id: dict[str, Silence] = {}
        self.down = False
        self.lose_answer = False
        self.reject = False
        self.posts: list[PostableSilence] = []
        self.expired: list[str] = []
        self.before_send: list[Any] = []
        self._ids = itertools.count(1)

    def _check(self) -> None:
        for hook in self.before_send:
            hook()
        if self.down:
            raise SourceError("connection refused by http://am:9093", kind="unreachable")
        if self.reject:
            raise SourceError(
                "HTTP 400 from http://am:9093/api/v2/silences: bad matcher", kind="http", status=400
            )

    async def silences(self, filters: Sequence[str] = ()) -> list[Silence]:
        if self.down:
            raise SourceError("connection refused by http://am:9093", kind="unreachable")
        return list(self.silences_by_id.values())

    async def create_silence(self, silence: PostableSilence) -> str:
        self._check()
        self.posts.append(silence)
        if silence.id is not None:
            # Like Alertmanager when an update cannot be done in place: the old one expires, a new id answers.
            old = self.silences_by_id[silence.id]
            self.silences_by_id[silence.id] = _with_state(old, "expired")
        new_id = f"s{next(self._ids)}"
        self.silences_by_id[new_id] = Silence(
            id=new_id,
            matchers=silence.matchers,
            starts_at=silence.starts_at,
            ends_at=silence.ends_at,
            created_by=silence.created_by,
            comment=silence.comment,
            status=SilenceStatus(state="active"),
        )
        if self.lose_answer:
            raise SourceError("timeout after 10s talking to http://am:9093", kind="timeout")
        return new_id

    async def expire_silence(self, silence_id: str) -> None:
        self._check()
        self.expired.append(silence_id)
        self.silences_by_id[silence_id] = _with_state(self.silences_by_id[silence_id], "expired")

    def active(self) -> list[Silence]:
        return [s for s in self.silences_by_id.values() if s.status.state == "active"]


def _with_state(silence: Silence, state: str) -> Silence:
    return Silence(
        id=silence.id,
        matchers=silence.matchers,
        starts_at=silence.starts_at,
        ends_at=silence.ends_at,
        created_by=silence.created_by,
        comment=silence.comment,
        status=SilenceStatus(state=state),
    )


class RecordingNotifier(Notifier):
    def __init__(self) -> None:
        super().__init__({})
        self.sent: list[tuple[str, Notification]] = []
        self.keys: list[str | None] = []
        """The idempotency key of every attempt, failed ones included."""
        self.fail = False

    async def send(
        self, name: str, notification: Notification, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        self.keys.append(idempotency_key)
        if self.fail:
            raise SourceError("connection refused by http://hooks", kind="unreachable")
        self.sent.append((name, notification))
        return {"target": name, "status": 200}


SETTINGS = AlertSettings.model_validate(
    {
        "ack": {"default_duration": "2h", "until_resolved_step": "30m"},
        "notifiers": {
            "hook": {"kind": "webhook", "url": "http://127.0.0.1:9/hook"},
            "pd": {"kind": "pagerduty", "routing_key": {"env": "PD"}},
        },
        "escalation_policies": {
            "main": {
                "repeat": 1,
                "levels": [
                    {"name": "primary", "targets": ["hook"], "delay": "5m"},
                    {"name": "secondary", "targets": ["hook", "pd"], "delay": "15m"},
                ],
            }
        },
    }
)


def alert(
    fp: str, instance: str, *, severity: str = "critical", minutes: int = 10, silenced: Sequence[str] = ()
) -> Alert:
    return Alert(
        labels={"alertname": "Host_Down", "cluster": "prod", "instance": instance, "severity": severity},
        fingerprint=fp,
        starts_at=NOW - timedelta(minutes=minutes),
        annotations={"summary": f"{instance} is down"},
        status=AlertStatus(state="suppressed" if silenced else "active", silenced_by=list(silenced)),
    )


ALERTS = [alert("f1", "server1"), alert("f2", "server2"), alert("f3", "server3", severity="warning")]
GROUP_KEY = "group:r:{alertname='Host_Down',cluster='prod'}"


def one(fp: str = "f1") -> AlertTarget:
    found = next(a for a in ALERTS if a.fingerprint == fp)
    return AlertTarget(GROUP_KEY, {"alertname": "Host_Down", "cluster": "prod"}, (found,), "critical")


class App:
    """One "run" of the app: its own objects on the shared db file (a restart makes a new one)."""

    def __init__(
        self, path: Path, am: FakeAlertmanager, clock: FakeClock, notifier: Notifier | None = None
    ) -> None:
        self.db = Database.open(path)
        self.actions = AlertActions(
            self.db, am, settings=SETTINGS, user=USER, clock=clock, notifier=notifier or RecordingNotifier()
        )
        self.drain = OutboxDrain(self.db, Deliverer(am, notifier), clock)
        self.outbox = Outbox(self.db, clock)
        self.log = IncidentLog(self.db, clock)

    def close(self) -> None:
        self.db.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def am() -> FakeAlertmanager:
    return FakeAlertmanager()


async def test_ack_logs_before_it_sends_and_records_the_id_alertmanager_answered(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    seen_before_send: list[list[str]] = []

    def inspect_from_another_connection() -> None:
        with Database.open(tmp_path / "log.db") as other:
            incident = IncidentLog(other, clock).find_open_incident(GROUP_KEY)
            assert incident is not None
            seen_before_send.append([e.kind for e in IncidentLog(other, clock).timeline(incident.id)])
            assert len(Outbox(other, clock).pending()) == 1

    am.before_send.append(inspect_from_another_connection)
    result = await app.actions.ack(one(), comment="on it", universe=ALERTS)
    assert result.status is ActionStatus.DONE, result.message
    assert seen_before_send == [["opened", "alert_linked", "ack", "status_change"]]
    assert result.silence_ids == ("s1",)
    (posted,) = am.posts
    assert posted.created_by == USER
    assert posted.ends_at - posted.starts_at == timedelta(hours=2)
    # The marker is short and says what it is: kind "a" (ack) and a code, never the whole key.
    assert posted.comment.startswith("on it (oncall-tui a") and len(posted.comment) == len("on it ") + 24
    matchers = [Matcher.from_silence(m) for m in posted.matchers]
    assert [a.fingerprint for a in ALERTS if selects(matchers, a.labels)] == ["f1"]
    incident = app.log.find_open_incident(GROUP_KEY)
    assert incident is not None and incident.status is IncidentStatus.ACKNOWLEDGED
    done = [e for e in app.log.timeline(incident.id) if e.kind == "action_done"]
    assert done and "s1" in done[0].text and done[0].data["result"]["silence_id"] == "s1"
    assert app.outbox.pending() == []
    app.close()


@pytest.mark.parametrize(
    ("duration", "ends_at", "message"),
    [
        ("", None, "duration is empty"),
        ("   ", None, "duration is empty"),
        ("soon", None, "not a duration"),
        ("0m", None, "must be positive"),
        (None, NOW - timedelta(minutes=1), "end time is in the past"),
    ],
)
async def test_bad_ack_input_is_a_clear_failure_never_sent_and_opens_no_incident(
    tmp_path: Path,
    am: FakeAlertmanager,
    clock: FakeClock,
    duration: str | None,
    ends_at: datetime | None,
    message: str,
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    result = await app.actions.ack(one(), duration=duration, ends_at=ends_at)
    assert result.status is ActionStatus.FAILED and message in result.message
    assert am.posts == [] and app.outbox.pending() == []
    # A typo is not an incident: none is opened just to record it.
    assert result.incident_id is None and app.log.list_incidents() == []
    app.close()


async def test_bad_ack_input_is_logged_in_the_groups_incident_when_one_is_open(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    first = await app.actions.ack(one(), duration="1h", universe=ALERTS)
    assert first.status is ActionStatus.DONE and first.incident_id is not None
    result = await app.actions.ack(one(), duration="soon")
    assert result.status is ActionStatus.FAILED and result.incident_id == first.incident_id
    entries = app.log.timeline(first.incident_id)
    assert entries[-1].kind == "action_failed" and "ack rejected" in entries[-1].text
    assert [i.id for i in app.log.list_incidents()] == [first.incident_id]
    assert len(am.posts) == 1
    app.close()


async def test_an_escalation_no_policy_covers_is_still_logged(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    db = Database.open(tmp_path / "log.db")
    bare = AlertSettings.model_validate({"ack": {"default_duration": "1h"}})
    actions = AlertActions(db, am, settings=bare, user=USER, clock=clock)
    result = await actions.escalate(one())
    assert result.status is ActionStatus.FAILED and "no escalation policy" in result.message
    assert result.incident_id is not None
    assert "escalate rejected" in actions.log.timeline(result.incident_id)[-1].text
    db.close()


def test_ack_end_helper_for_the_dialog() -> None:
    assert ack_end(NOW, "90m", None, timedelta(hours=1)) == NOW + timedelta(minutes=90)
    assert ack_end(NOW, None, None, timedelta(hours=1)) == NOW + timedelta(hours=1)
    with pytest.raises(ValueError, match="timezone"):
        ack_end(NOW, None, datetime(2030, 1, 1), timedelta(hours=1))  # noqa: DTZ001


async def test_alertmanager_down_leaves_the_ack_pending_and_a_restart_delivers_it_once(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    first = App(tmp_path / "log.db", am, clock)
    am.down = True
    result = await first.actions.ack(one(), comment="looking", universe=ALERTS)
    assert result.status is ActionStatus.PENDING
    assert "pending" in result.message and "connection refused" in result.message
    (pending,) = first.outbox.pending()
    assert pending.last_error and pending.kind == "create_silence"
    first.close()

    # Restart: new objects on the same file. Alertmanager is back.
    am.down = False
    second = App(tmp_path / "log.db", am, clock)
    assert await second.drain.run_once() == []  # backoff not over yet
    clock.advance(6)
    (delivery,) = await second.drain.run_once()
    assert delivery.outcome is Outcome.DONE
    assert len(am.active()) == 1 and len(am.posts) == 1
    clock.advance(3600)
    assert await second.drain.run_once() == []
    assert len(am.posts) == 1
    second.close()


async def test_a_lost_answer_is_not_sent_twice(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    am.lose_answer = True  # Alertmanager creates the silence, the answer never arrives
    result = await app.actions.ack(one(), universe=ALERTS)
    assert result.status is ActionStatus.PENDING
    am.lose_answer = False
    clock.advance(60)
    (delivery,) = await app.drain.run_once()
    assert delivery.outcome is Outcome.DONE and delivery.result["already_there"] is True
    assert len(am.posts) == 1 and len(am.active()) == 1
    app.close()


async def test_a_crash_between_logging_and_sending_is_delivered_once_after_restart(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    first = App(tmp_path / "log.db", am, clock)

    def crash() -> None:
        raise KeyboardInterrupt  # the process dies mid-action

    am.before_send.append(crash)
    with pytest.raises(KeyboardInterrupt):
        await first.actions.ack(one(), universe=ALERTS)
    first.close()
    am.before_send.clear()

    second = App(tmp_path / "log.db", am, clock)
    assert await second.drain.run_once() == []  # still within the first attempt's lease
    clock.advance(61)
    (delivery,) = await second.drain.run_once()
    assert delivery.outcome is Outcome.DONE
    # A third run of the app finds nothing left to do.
    second.close()
    third = App(tmp_path / "log.db", am, clock)
    clock.advance(3600)
    assert await third.drain.run_once() == []
    assert len(am.posts) == 1
    third.close()


async def test_the_same_request_twice_is_recorded_and_sent_once(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    first = await app.actions.ack(one(), request_id="modal-42", universe=ALERTS)
    again = await app.actions.ack(one(), request_id="modal-42", universe=ALERTS)
    assert first.status is again.status is ActionStatus.DONE
    assert len(am.posts) == 1
    kinds = [e.kind for e in app.log.timeline(first.incident_id or 0)]
    assert kinds.count("ack") == 1
    app.close()


async def test_alertmanager_rejecting_the_silence_is_a_logged_failure(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    am.reject = True
    result = await app.actions.ack(one(), universe=ALERTS)
    assert result.status is ActionStatus.FAILED and "HTTP 400" in result.message
    assert app.outbox.pending() == []
    entries = app.log.timeline(result.incident_id or 0)
    assert entries[-1].kind == "action_failed" and entries[-1].data["permanent"] is True
    app.close()


async def test_unack_expires_the_ack_and_the_incident_is_triggered_again(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    acked = await app.actions.ack(one(), universe=ALERTS)
    target = AlertTarget(GROUP_KEY, {}, one().alerts, "critical", ack_ids=acked.silence_ids)
    result = await app.actions.unack(target)
    assert result.status is ActionStatus.DONE
    assert am.expired == ["s1"] and am.active() == []
    incident = app.log.find_open_incident(GROUP_KEY)
    assert incident is not None and incident.status is IncidentStatus.TRIGGERED
    nothing = await app.actions.unack(one())
    assert nothing.status is ActionStatus.FAILED and "no ack" in nothing.message
    app.close()


async def test_a_failed_unack_or_expire_is_redone_when_the_user_repeats_it(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    acked = await app.actions.ack(one(), universe=ALERTS)
    target = AlertTarget(GROUP_KEY, {}, one().alerts, "critical", ack_ids=acked.silence_ids)
    am.reject = True
    failed = await app.actions.unack(target)
    assert failed.status is ActionStatus.FAILED and am.expired == []
    am.reject = False  # the cause is fixed; the user presses unack again
    retried = await app.actions.unack(target)
    assert retried.status is ActionStatus.DONE and am.expired == ["s1"] and am.active() == []
    texts = [e.text for e in app.log.timeline(retried.incident_id or 0)]
    assert any(t.startswith("retry unack") for t in texts)
    # Done stays done: a third press sends nothing.
    again = await app.actions.unack(target)
    assert again.status is ActionStatus.DONE and am.expired == ["s1"]

    await app.actions.ack(one("f2"), universe=ALERTS)
    silence = am.silences_by_id["s2"]
    am.reject = True
    assert (await app.actions.expire_silence(silence)).status is ActionStatus.FAILED
    am.reject = False
    assert (await app.actions.expire_silence(silence)).status is ActionStatus.DONE
    assert am.expired == ["s1", "s2"]
    app.close()


async def test_an_expire_refused_for_expired_credentials_is_kept_and_retried(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    await app.actions.ack(one(), universe=ALERTS)

    def forbidden() -> None:
        raise SourceError("HTTP 403 from http://am:9093: token expired", kind="http", status=403)

    am.before_send.append(forbidden)
    result = await app.actions.expire_silence(am.silences_by_id["s1"])
    assert result.status is ActionStatus.PENDING and "403" in result.message
    assert len(app.outbox.pending()) == 1
    am.before_send.clear()  # the token was renewed
    clock.advance(3600)
    (delivery,) = await app.drain.run_once()
    assert delivery.outcome is Outcome.DONE and am.active() == []
    app.close()


async def test_a_pending_unack_repeated_is_not_duplicated(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    acked = await app.actions.ack(one(), universe=ALERTS)
    target = AlertTarget(GROUP_KEY, {}, one().alerts, "critical", ack_ids=acked.silence_ids)
    am.down = True
    first = await app.actions.unack(target)
    second = await app.actions.unack(target)
    assert first.status is second.status is ActionStatus.PENDING
    assert first.outbox_ids == second.outbox_ids and len(app.outbox.pending()) == 1
    app.close()


async def test_group_ack_from_the_queue_selects_exactly_the_groups_active_alerts(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    other = alert("f9", "server9", silenced=["x"])
    groups = [AlertGroup({"alertname": "Host_Down", "cluster": "prod"}, Receiver("r"), [*ALERTS, other])]
    snapshot = prepare(groups, app.actions.policy)
    (group,) = snapshot.view(QueueOptions()).groups
    result = await app.actions.ack(AlertTarget.of_group(group), universe=snapshot.alerts())
    assert result.status is ActionStatus.DONE
    (posted,) = am.posts
    matchers = [Matcher.from_silence(m) for m in posted.matchers]
    assert {a.fingerprint for a in snapshot.alerts() if selects(matchers, a.labels)} == {"f1", "f2", "f3"}
    app.close()


async def test_extend_records_the_new_id_alertmanager_answers(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    await app.actions.ack(one(), universe=ALERTS)
    silence = am.silences_by_id["s1"]
    result = await app.actions.extend_silence(silence, duration="4h")
    assert result.status is ActionStatus.DONE and result.silence_ids == ("s2",)
    assert am.silences_by_id["s2"].ends_at == NOW + timedelta(hours=4)
    assert marker_of(am.silences_by_id["s2"].comment) == marker_of(silence.comment)
    expired = await app.actions.expire_silence(am.silences_by_id["s2"])
    assert expired.status is ActionStatus.DONE and am.active() == []
    again = await app.actions.extend_silence(am.silences_by_id["s2"], duration="1h")
    assert again.status is ActionStatus.FAILED and "expired" in again.message
    app.close()


async def test_create_silence_from_typed_matchers(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    bad = await app.actions.create_silence('cluster="prod" oops', duration="1h", comment="maintenance")
    assert bad.status is ActionStatus.FAILED and "column 16" in bad.message
    everything = await app.actions.create_silence('cluster=~".*"', duration="1h")
    assert everything.status is ActionStatus.FAILED and "empty string" in everything.message
    ok = await app.actions.create_silence(
        'cluster="prod", instance=~"server[12]"', duration="1h", comment="mw"
    )
    assert ok.status is ActionStatus.DONE
    (posted,) = am.posts
    assert [(m.name, m.value, m.is_regex) for m in posted.matchers] == [
        ("cluster", "prod", False),
        ("instance", "server[12]", True),
    ]
    assert posted.comment.startswith("mw (oncall-tui s")
    app.close()


async def test_escalate_moves_through_levels_and_repeats_then_stops(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    notifier = RecordingNotifier()
    app = App(tmp_path / "log.db", am, clock, notifier)
    levels = []
    for _ in range(3):
        result = await app.actions.escalate(one(), reason="db on fire")
        assert result.status is ActionStatus.DONE, result.message
        levels.append([(name, n.level_name, n.level_index) for name, n in notifier.sent])
        notifier.sent.clear()
    assert levels == [
        [("hook", "secondary", 1), ("pd", "secondary", 1)],
        [("hook", "primary", 2)],
        [("hook", "secondary", 3), ("pd", "secondary", 3)],
    ]
    last = await app.actions.escalate(one())
    assert last.status is ActionStatus.FAILED and "last level" in last.message
    incident = app.log.find_open_incident(GROUP_KEY)
    assert incident is not None and incident.escalation_level == 3
    app.close()


async def test_escalation_with_an_unreachable_notifier_is_pending_then_delivered_once(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    notifier = RecordingNotifier()
    app = App(tmp_path / "log.db", am, clock, notifier)
    notifier.fail = True
    result = await app.actions.escalate(one())
    assert result.status is ActionStatus.PENDING
    assert len(app.outbox.pending()) == 2
    notifier.fail = False
    clock.advance(30)
    deliveries = await app.drain.run_once()
    assert [d.outcome for d in deliveries] == [Outcome.DONE, Outcome.DONE]
    clock.advance(600)
    assert await app.drain.run_once() == []
    assert sorted(name for name, _ in notifier.sent) == ["hook", "pd"]
    # The retry of each target carried the key of its first try (a receiver drops a repeat by it),
    # and the two targets' notifications are told apart.
    first, second, retry_first, retry_second = notifier.keys
    assert first and second and first != second
    assert {retry_first, retry_second} == {first, second}
    app.close()


async def test_unacked_critical_alerts_escalate_by_themselves_once(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    notifier = RecordingNotifier()
    app = App(tmp_path / "log.db", am, clock, notifier)
    fresh = [alert("f1", "server1", minutes=3)]
    groups = [AlertGroup({"alertname": "Host_Down", "cluster": "prod"}, Receiver("r"), fresh)]
    snapshot = prepare(groups, app.actions.policy)
    assert await app.actions.auto_escalate(snapshot) == []
    clock.advance(150)  # now 5.5 min since firing: past level 0's 5 min
    (result,) = await app.actions.auto_escalate(snapshot)
    assert result.status is ActionStatus.DONE
    assert [n.level_name for _, n in notifier.sent] == ["secondary", "secondary"]
    assert await app.actions.auto_escalate(snapshot) == []  # level 1 waits its own 15 min
    clock.advance(15 * 60)
    (again,) = await app.actions.auto_escalate(snapshot)
    assert again.status is ActionStatus.DONE
    entries = app.log.timeline(result.incident_id or 0)
    automatic = [e for e in entries if e.kind == "escalate"]
    assert [e.actor for e in automatic] == ["oncall-tui", "oncall-tui"]
    assert "not acknowledged in time" in automatic[0].text
    # Acked: no more automatic escalation.
    await app.actions.ack(one(), universe=fresh)
    clock.advance(3600)
    assert await app.actions.auto_escalate(snapshot) == []
    app.close()


async def test_ack_until_resolved_is_extended_while_firing_and_lapses_after(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    result = await app.actions.ack(one(), until_resolved=True, universe=ALERTS)
    assert result.status is ActionStatus.DONE
    (silence,) = am.active()
    assert silence.ends_at == NOW + timedelta(minutes=30)
    keeper = AckKeeper(app.actions, SETTINGS.ack.until_resolved_step)
    firing = [alert("f1", "server1", silenced=[silence.id])]
    assert await keeper.run_once(am.active(), firing, clock.now()) == []  # plenty left
    clock.advance(20 * 60)
    (extended,) = await keeper.run_once(am.active(), firing, clock.now())
    assert extended.status is ActionStatus.DONE and extended.silence_ids == ("s2",)
    (current,) = am.active()
    assert current.ends_at == clock.now() + timedelta(minutes=30)
    # Running again before the next poll does not extend twice.
    assert (await keeper.run_once([silence], firing, clock.now()))[0].status is ActionStatus.DONE
    assert len(am.active()) == 1 and len(am.posts) == 2
    # Resolved: the alert is gone from Alertmanager; the ack ends at once (not extended, expired).
    clock.advance(20 * 60)
    assert due_extensions(am.active(), [], clock.now(), timedelta(minutes=30)) == []
    (ended,) = await keeper.run_once(am.active(), [], clock.now())
    assert ended.status is ActionStatus.DONE and am.active() == []
    # Silences of other people are never touched.
    foreign = _with_state(current, "active")
    foreign = Silence(
        id="theirs",
        matchers=foreign.matchers,
        starts_at=foreign.starts_at,
        ends_at=clock.now() + timedelta(minutes=1),
        created_by="bob",
        comment="bob's",
        status=SilenceStatus(state="active"),
    )
    assert due_extensions([foreign], firing, clock.now(), timedelta(minutes=30)) == []
    # Another engineer's until-resolved ack (same marker, another createdBy) is theirs to keep alive.
    colleague = Silence(
        id="colleague",
        matchers=current.matchers,
        starts_at=current.starts_at,
        ends_at=clock.now() + timedelta(minutes=1),
        created_by="carol@laptop",
        comment=current.comment,
        status=SilenceStatus(state="active"),
    )
    assert due_extensions([colleague], firing, clock.now(), timedelta(minutes=30)) == [colleague]
    assert await keeper.run_once([colleague], firing, clock.now()) == []
    app.close()


async def test_multi_select_acks_once_per_group_and_pending_marks_map_to_rows(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    db_alert = Alert(labels={"alertname": "DbLag", "severity": "warning"}, fingerprint="d1", starts_at=NOW)
    groups = [
        AlertGroup({"alertname": "Host_Down", "cluster": "prod"}, Receiver("r"), ALERTS[:2]),
        AlertGroup({"alertname": "DbLag"}, Receiver("r"), [db_alert]),
    ]
    snapshot = prepare(groups, app.actions.policy)
    selection = [r for r in snapshot.rows if r.key in {"f1", "d1"}]
    targets = AlertTarget.of_rows(selection)
    assert sorted(len(t.alerts) for t in targets) == [1, 1]
    am.down = True
    results = await app.actions.ack_many(targets, duration="30m", universe=snapshot.alerts())
    assert [r.status for r in results] == [ActionStatus.PENDING, ActionStatus.PENDING]
    assert len({r.incident_id for r in results}) == 2
    marks = pending_by_fingerprint(app.outbox.pending())
    assert set(marks) == {"f1", "d1"}
    app.close()


async def test_an_unexpected_error_keeps_the_action_pending(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)

    def bug() -> None:
        raise ValueError("odd answer")

    am.before_send.append(bug)
    result = await app.actions.ack(one(), universe=ALERTS)
    assert result.status is ActionStatus.PENDING and "ValueError: odd answer" in result.message
    am.before_send.clear()
    clock.advance(10)
    (delivery,) = await app.drain.run_once()
    assert delivery.outcome is Outcome.DONE and len(am.active()) == 1
    app.close()


async def test_a_drain_never_sends_another_contexts_queued_ack_to_its_own_alertmanager(
    tmp_path: Path, clock: FakeClock
) -> None:
    prod_am, staging_am = FakeAlertmanager(), FakeAlertmanager()
    db = Database.open(tmp_path / "log.db")
    notifier = RecordingNotifier()
    prod = AlertActions(db, prod_am, settings=SETTINGS, user=USER, clock=clock, context="prod-eu")
    prod_am.down = True
    result = await prod.ack(one(), comment="looking", universe=ALERTS)
    assert result.status is ActionStatus.PENDING
    (queued,) = prod.pending()
    assert queued.context == "prod-eu"

    # The user switched to staging, whose Alertmanager answers; prod-eu's is back too.
    prod_am.down = False
    staging_drain = OutboxDrain(db, Deliverer(staging_am, notifier), clock, context="staging")
    clock.advance(3600)
    assert await staging_drain.run_once() == []
    assert staging_am.posts == [] and prod_am.posts == []
    staging = AlertActions(db, staging_am, settings=SETTINGS, user=USER, clock=clock, context="staging")
    assert staging.pending() == []  # not shown as staging's
    assert [i.id for i in prod.pending()] == [queued.id]  # still prod-eu's, still waiting

    # Back on prod-eu: its drain delivers it, once, to prod-eu's Alertmanager.
    prod_drain = OutboxDrain(db, Deliverer(prod_am, notifier), clock, context="prod-eu")
    (delivery,) = await prod_drain.run_once()
    assert delivery.outcome is Outcome.DONE
    assert len(prod_am.posts) == 1 and staging_am.posts == []
    clock.advance(3600)
    assert await prod_drain.run_once() == [] and await staging_drain.run_once() == []
    assert len(prod_am.posts) == 1
    db.close()


async def test_an_escalation_queued_in_one_context_is_delivered_by_whichever_drain_runs(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    # Notifiers are app-wide: the target does not depend on the context, and an escalation
    # must not wait until the user switches back.
    notifier = RecordingNotifier()
    db = Database.open(tmp_path / "log.db")
    prod = AlertActions(
        db, am, settings=SETTINGS, user=USER, clock=clock, notifier=notifier, context="prod-eu"
    )
    notifier.fail = True
    assert (await prod.escalate(one())).status is ActionStatus.PENDING
    notifier.fail = False
    clock.advance(60)
    staging_drain = OutboxDrain(db, Deliverer(FakeAlertmanager(), notifier), clock, context="staging")
    deliveries = await staging_drain.run_once()
    assert [d.outcome for d in deliveries] == [Outcome.DONE, Outcome.DONE]
    assert sorted(name for name, _ in notifier.sent) == ["hook", "pd"]
    db.close()


async def test_escalation_states_of_many_groups_in_one_read_and_due_escalations_from_a_thread(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    notifier = RecordingNotifier()
    app = App(tmp_path / "log.db", am, clock, notifier)

    def target(key: str, fp: str) -> AlertTarget:
        return AlertTarget(key, {"alertname": "Host_Down"}, (alert(fp, fp),), "critical")

    await app.actions.escalate(target("g-escalated", "e1"))
    escalated_at = clock.now()
    clock.advance(60)
    await app.actions.ack(target("g-acked", "a1"), universe=ALERTS)
    closed = app.log.open_incident("old", "critical", "g-closed")
    app.log.set_status(closed.id, IncidentStatus.RESOLVED, USER)
    keys = ["g-escalated", "g-acked", "g-closed", "g-none", *(f"g-{i}" for i in range(500))]
    states = await asyncio.to_thread(app.actions.escalation_states, keys)
    assert set(states) == {"g-escalated", "g-acked"}
    assert (states["g-escalated"].level, states["g-escalated"].reached_at) == (1, escalated_at)
    assert not states["g-escalated"].acknowledged
    assert states["g-acked"].acknowledged and states["g-acked"].reached_at is None

    fresh = [alert("f1", "server1", minutes=3)]
    groups = prepare(
        [AlertGroup({"alertname": "Host_Down", "cluster": "prod"}, Receiver("r"), fresh)],
        app.actions.policy,
    ).view(QueueOptions())
    assert await asyncio.to_thread(app.actions.find_due_escalations, groups.groups) == []
    clock.advance(150)
    (due,) = await asyncio.to_thread(app.actions.find_due_escalations, groups.groups)
    assert (due.from_level, due.to_level) == (0, 1)
    (result,) = await app.actions.auto_escalate(groups=groups.groups)
    assert result.status is ActionStatus.DONE
    app.close()


async def test_the_same_alert_group_in_two_contexts_gets_two_incidents(
    tmp_path: Path, clock: FakeClock
) -> None:
    # One incident log serves every context; prod-eu's and staging's "HighLatency" are different incidents.
    db = Database.open(tmp_path / "log.db")
    prod = AlertActions(db, FakeAlertmanager(), settings=SETTINGS, user=USER, clock=clock, context="prod-eu")
    staging = AlertActions(
        db, FakeAlertmanager(), settings=SETTINGS, user=USER, clock=clock, context="staging"
    )
    first = await prod.ack(one(), comment="prod", universe=ALERTS)
    second = await staging.ack(one(), comment="staging", universe=ALERTS)
    assert first.incident_id is not None and second.incident_id is not None
    assert first.incident_id != second.incident_id
    log = IncidentLog(db, clock)
    assert log.find_open_incident(f"prod-eu/{GROUP_KEY}") is not None
    assert log.find_open_incident(f"staging/{GROUP_KEY}") is not None
    # Each context sees only its own incident's escalation state.
    assert prod.escalation_states([GROUP_KEY])[GROUP_KEY].incident_id == first.incident_id
    assert staging.escalation_states([GROUP_KEY])[GROUP_KEY].incident_id == second.incident_id
    db.close()


async def test_the_drain_survives_a_locked_database_and_delivers_after_a_backoff(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    am.down = True
    assert (await app.actions.ack(one(), universe=ALERTS)).status is ActionStatus.PENDING
    am.down = False
    clock.advance(60)
    errors: list[str] = []
    delivered = asyncio.Event()
    drain = OutboxDrain(app.db, Deliverer(am), clock, on_error=lambda e: errors.append(e.message))
    real_run_once = drain.run_once

    async def run_once(now: datetime | None = None) -> list[Any]:
        deliveries = await real_run_once(now)
        if deliveries:
            delivered.set()
        return deliveries

    monkeypatch.setattr(drain, "run_once", run_once)
    outbox = drain._outbox
    real_claim = outbox.claim_due
    calls = itertools.count()

    def locked_once(*args: Any, **kwargs: Any) -> Any:
        if next(calls) == 0:
            raise StoreError("incident log: database is locked")
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(outbox, "claim_due", locked_once)
    task = asyncio.create_task(drain.run())
    await asyncio.wait_for(delivered.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert errors == ["incident log: database is locked"]
    assert clock.sleeps[0] == 5.0  # backed off before trying again
    assert len(am.active()) == 1 and app.outbox.pending() == []
    app.close()


async def test_delivery_and_its_timeline_entry_are_written_together(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    am.down = True
    result = await app.actions.ack(one(), universe=ALERTS)
    am.down = False
    clock.advance(60)
    entries = len(app.log.timeline(result.incident_id or 0))

    def broken_append(*args: Any, **kwargs: Any) -> Any:
        raise StoreError("incident log: disk I/O error")

    monkeypatch.setattr(app.drain._log, "append", broken_append)
    with pytest.raises(StoreError):
        await app.drain.run_once()
    # Not marked done without its log entry: once the lease runs out it is retried (and found already there).
    assert [i.state for i in app.outbox.pending()] == [OutboxState.IN_FLIGHT]
    assert len(app.log.timeline(result.incident_id or 0)) == entries
    monkeypatch.undo()
    clock.advance(3600)
    (delivery,) = await app.drain.run_once()
    assert delivery.outcome is Outcome.DONE and len(am.posts) == 1
    app.close()


async def test_typed_requests_perform_one_action_per_target(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    targets = (one("f1"), one("f2"))
    acked = await AckAlerts(targets, duration="30m", comment="looking", universe=ALERTS)(app.actions)
    assert [r.status for r in acked] == [ActionStatus.DONE, ActionStatus.DONE]
    assert [strip_marker(s.comment) for s in am.active()] == ["looking", "looking"]
    with_ids = tuple(replace(t, ack_ids=r.silence_ids) for t, r in zip(targets, acked, strict=True))
    unacked = await UnackAlerts(with_ids)(app.actions)
    assert [r.message for r in unacked] == ["unack done", "unack done"] and am.active() == []
    (expired,) = await ExpireSilence(am.silences_by_id[acked[0].silence_ids[0]])(app.actions)
    assert (expired.status, expired.message) == (ActionStatus.FAILED, "expire: silence s1 already expired")
    app.close()


async def test_a_wake_during_a_drain_round_starts_another_round(
    tmp_path: Path, am: FakeAlertmanager, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(NOW, real_sleep=True)  # the drain really waits: a lost wake would wait 60 s
    app = App(tmp_path / "log.db", am, clock)
    drain = OutboxDrain(app.db, Deliverer(am), clock)
    rounds: list[int] = []
    second = asyncio.Event()
    real_run_once = drain.run_once

    async def run_once(now: datetime | None = None) -> list[Any]:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            drain.wake()  # e.g. the source came back while this round ran
        else:
            second.set()
        return await real_run_once(now)

    monkeypatch.setattr(drain, "run_once", run_once)
    task = asyncio.create_task(drain.run(idle=60))
    try:
        await asyncio.wait_for(second.wait(), 5)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    app.close()


async def test_the_drain_reports_each_round_that_attempted_items(
    tmp_path: Path, am: FakeAlertmanager, clock: FakeClock
) -> None:
    app = App(tmp_path / "log.db", am, clock)
    am.down = True
    assert (await app.actions.ack(one(), universe=ALERTS)).status is ActionStatus.PENDING
    am.down = False
    clock.advance(600)
    reported = asyncio.Event()
    seen: list[list[str]] = []

    def delivered(deliveries: Sequence[Delivery]) -> None:
        seen.append([d.outcome.value for d in deliveries])
        reported.set()

    drain = OutboxDrain(app.db, Deliverer(am), clock, on_delivered=delivered)
    task = asyncio.create_task(drain.run())
    try:
        await asyncio.wait_for(reported.wait(), 5)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert seen == [["done"]] and app.outbox.pending() == []
    app.close()


def test_the_retry_delay_stays_at_its_cap_however_long_the_outage() -> None:
    # Every retry of a days-long outage counts: the delay must neither overflow nor shrink.
    backoff = Backoff()
    assert [backoff.after(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert backoff.after(48) == backoff.after(10_000) == backoff.cap
