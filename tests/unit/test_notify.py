"""Escalation notifiers against a real HTTP receiver on loopback (stdlib http.server in a thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import msgspec
import pytest
from pydantic import SecretStr

from oncall_tui.clients.notify import (
    Notification,
    NotifiedAlert,
    Notifier,
    is_permanent,
    pagerduty_dedup_key,
)
from oncall_tui.clock import FakeClock
from oncall_tui.config.alerting import AlertSettings, NotifierTarget
from oncall_tui.config.common import SecretRef
from oncall_tui.errors import SourceError
from oncall_tui.models.alertmanager import Alert, AlertStatus, PostableSilence, Silence
from oncall_tui.models.incident import OutboxState
from oncall_tui.services.actions import ActionStatus, AlertActions, AlertTarget
from oncall_tui.services.outbox_drain import Deliverer, OutboxDrain, Outcome
from oncall_tui.store.db import Database
from oncall_tui.store.outbox import Outbox

NOW = datetime(2026, 3, 11, 13, 0, tzinfo=UTC)


@dataclass
class Receiver:
    """What the receiver got, and how it answers."""

    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    status: int = 200
    body: bytes = b"ok"
    hang: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    got: threading.Event = field(default_factory=threading.Event)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            state.requests.append((self.path, dict(self.headers.items()), json.loads(raw)))
            state.got.set()
            if state.hang:
                # Never answer in time: the client's timeout fires; released at teardown.
                state.release.wait(10)
                return
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, fmt: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def notification() -> Notification:
    return Notification(
        incident_id=7,
        incident_title="Host_Down (cluster=prod)",
        severity="critical",
        level_index=1,
        level_name="secondary",
        policy="main",
        group_key="group:r:{alertname='Host_Down',cluster='prod'}",
        group_labels={"alertname": "Host_Down", "cluster": "prod"},
        alerts=[
            NotifiedAlert(
                fingerprint="f1",
                labels={"alertname": "Host_Down", "cluster": "prod", "instance": "server1"},
                annotations={"summary": "server1 is down"},
                starts_at=datetime(2026, 3, 11, 12, 48, 38, tzinfo=UTC),
                generator_url="http://prom/graph",
            )
        ],
        sender="alice@laptop",
        text="escalated to secondary",
        sent_at=NOW,
    )


def targets(url: str) -> dict[str, NotifierTarget]:
    return {
        "hook": NotifierTarget(kind="webhook", url=f"{url}/hooks/oncall"),
        "chat": NotifierTarget(kind="slack", url=f"{url}/services/T0/B0/SECRETTOKEN"),
        "pd": NotifierTarget(
            kind="pagerduty",
            url=f"{url}/v2/enqueue",
            routing_key=SecretRef(env="PD_KEY"),
            timeout=0.5,
        ),
    }


def resolver(name: str, ref: SecretRef) -> SecretStr:
    assert ref.env == "PD_KEY"
    return SecretStr("R0UTINGKEY")


async def test_generic_webhook_payload(receiver: Receiver) -> None:
    notifier = Notifier(targets(receiver.url), resolve=resolver)
    result = await notifier.send("hook", notification())
    await notifier.aclose()
    assert result["status"] == 200
    ((path, headers, body),) = receiver.requests
    assert path == "/hooks/oncall"
    assert headers["Content-Type"] == "application/json"
    assert body == {
        "version": "1",
        "type": "escalation",
        "incident": {"id": 7, "title": "Host_Down (cluster=prod)", "severity": "critical"},
        "level": {"index": 1, "name": "secondary", "policy": "main"},
        "group": {
            "key": "group:r:{alertname='Host_Down',cluster='prod'}",
            "labels": {"alertname": "Host_Down", "cluster": "prod"},
        },
        "alerts": [
            {
                "fingerprint": "f1",
                "labels": {"alertname": "Host_Down", "cluster": "prod", "instance": "server1"},
                "annotations": {"summary": "server1 is down"},
                "startsAt": "2026-03-11T12:48:38Z",
                "generatorURL": "http://prom/graph",
            }
        ],
        "sender": "alice@laptop",
        "text": "escalated to secondary",
        "sentAt": "2026-03-11T13:00:00Z",
    }


async def test_an_idempotency_key_goes_in_the_header_and_the_webhook_body(receiver: Receiver) -> None:
    notifier = Notifier(targets(receiver.url), resolve=resolver)
    await notifier.send("hook", notification(), idempotency_key="k-1")
    await notifier.send("chat", notification(), idempotency_key="k-1")
    await notifier.aclose()
    (_, hook_headers, hook_body), (_, chat_headers, chat_body) = receiver.requests
    assert hook_headers["Idempotency-Key"] == chat_headers["Idempotency-Key"] == "k-1"
    assert hook_body["idempotencyKey"] == "k-1"
    assert "idempotencyKey" not in chat_body  # Slack's schema is Slack's


async def test_slack_compatible_payload(receiver: Receiver) -> None:
    notifier = Notifier(targets(receiver.url), resolve=resolver)
    await notifier.send("chat", notification())
    await notifier.aclose()
    ((path, _, body),) = receiver.requests
    assert path == "/services/T0/B0/SECRETTOKEN"
    assert set(body) == {"text", "blocks"}
    assert "Incident #7" in body["text"] and "secondary" in body["text"]
    assert body["blocks"][0]["type"] == "header"
    assert all(block["type"] in {"header", "section", "context"} for block in body["blocks"])
    assert "server1 is down" in json.dumps(body["blocks"])


async def test_pagerduty_events_v2_payload(receiver: Receiver) -> None:
    receiver.status = 202
    receiver.body = b'{"status":"success","message":"Event processed","dedup_key":"k"}'
    notifier = Notifier(targets(receiver.url), resolve=resolver)
    result = await notifier.send("pd", notification())
    await notifier.aclose()
    assert result["dedup_key"] == "k"
    ((path, _, body),) = receiver.requests
    assert path == "/v2/enqueue"
    assert body["routing_key"] == "R0UTINGKEY"
    assert body["event_action"] == "trigger"
    assert body["dedup_key"] == pagerduty_dedup_key("group:r:{alertname='Host_Down',cluster='prod'}")
    assert body["payload"]["severity"] == "critical"
    assert body["payload"]["source"] == "server1"
    assert "Host_Down" in body["payload"]["summary"]
    assert body["payload"]["custom_details"]["level"] == {"index": 1, "name": "secondary", "policy": "main"}


def test_pagerduty_defaults_to_the_public_endpoint_and_needs_a_routing_key() -> None:
    target = NotifierTarget(kind="pagerduty", routing_key=SecretRef(keyring="oncall-tui/pd"))
    assert target.endpoint() == "https://events.pagerduty.com/v2/enqueue"
    with pytest.raises(ValueError, match="routing_key"):
        NotifierTarget(kind="pagerduty")
    with pytest.raises(ValueError, match="needs a url"):
        NotifierTarget(kind="slack")


async def test_http_errors_and_timeouts_are_source_errors_without_the_url_token(receiver: Receiver) -> None:
    notifier = Notifier(targets(receiver.url), resolve=resolver)
    receiver.status = 500
    receiver.body = b"boom"
    with pytest.raises(SourceError) as server_error:
        await notifier.send("chat", notification())
    assert server_error.value.status == 500 and not is_permanent(server_error.value)
    assert "SECRETTOKEN" not in server_error.value.message
    receiver.status = 400
    with pytest.raises(SourceError) as rejected:
        await notifier.send("hook", notification())
    assert is_permanent(rejected.value)
    receiver.hang = True
    with pytest.raises(SourceError) as timeout:
        await notifier.send("pd", notification())
    assert timeout.value.kind == "timeout" and not is_permanent(timeout.value)
    assert "R0UTINGKEY" not in timeout.value.message
    await notifier.aclose()


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (400, True),
        (404, True),
        (409, True),
        (422, True),
        (401, False),
        (403, False),
        (407, False),
        (408, False),
        (425, False),
        (429, False),
        (500, False),
        (503, False),
    ],
)
def test_expired_credentials_and_busy_servers_are_retried_a_bad_request_is_not(
    status: int, permanent: bool
) -> None:
    error = SourceError(f"HTTP {status} from http://hooks", kind="http", status=status)
    assert is_permanent(error) is permanent


class NoAlertmanager:
    """Escalations never touch Alertmanager."""

    async def silences(self, filters: object = ()) -> list[Silence]:
        raise AssertionError("not used")

    async def create_silence(self, silence: PostableSilence) -> str:
        raise AssertionError("not used")

    async def expire_silence(self, silence_id: str) -> None:
        raise AssertionError("not used")


def escalation_setup(url: str) -> AlertSettings:
    return AlertSettings.model_validate(
        {
            "notifiers": {
                "hook": {"kind": "webhook", "url": f"{url}/hooks/oncall", "timeout": 0.5},
                "chat": {"kind": "slack", "url": f"{url}/services/T0/B0/SECRETTOKEN", "timeout": 0.5},
            },
            "escalation_policies": {
                "main": {
                    "levels": [
                        {"name": "primary", "targets": ["hook"], "delay": "5m"},
                        {"name": "secondary", "targets": ["hook", "chat"], "delay": "15m"},
                    ]
                }
            },
        }
    )


def target() -> AlertTarget:
    alert = Alert(
        labels={"alertname": "Host_Down", "severity": "critical", "instance": "server1"},
        fingerprint="f1",
        starts_at=NOW - timedelta(minutes=20),
        status=AlertStatus(),
    )
    return AlertTarget("group:r:{alertname='Host_Down'}", {"alertname": "Host_Down"}, (alert,), "critical")


@pytest.mark.parametrize("failure", ["http500", "timeout"])
async def test_a_failing_receiver_leaves_the_notification_in_the_outbox(
    receiver: Receiver, tmp_path: Path, failure: str
) -> None:
    clock = FakeClock(NOW)
    settings = escalation_setup(receiver.url)
    db = Database.open(tmp_path / "log.db")
    notifier = Notifier(settings.notifiers)
    actions = AlertActions(
        db, NoAlertmanager(), settings=settings, user="alice@laptop", clock=clock, notifier=notifier
    )
    if failure == "http500":
        receiver.status = 500
    else:
        receiver.hang = True
    result = await actions.escalate(target())
    assert result.status is ActionStatus.PENDING
    pending = Outbox(db, clock).pending()
    assert {p.payload["target"] for p in pending} == {"hook", "chat"}
    assert all(p.state is OutboxState.PENDING and p.last_error for p in pending)
    timeline = actions.log.timeline(result.incident_id or 0)
    assert [e.kind for e in timeline].count("action_failed") == 2
    kinds = [e.kind for e in timeline]
    # Logged before it was sent: the escalation entry comes before the failures.
    assert kinds.index("escalate") < kinds.index("action_failed")
    assert "escalated to secondary" in timeline[kinds.index("escalate")].text

    # The receiver recovers; the drain delivers each notification once.
    receiver.hang = False
    receiver.release.set()
    receiver.status = 200
    receiver.requests.clear()
    drain = OutboxDrain(db, Deliverer(NoAlertmanager(), notifier), clock)
    assert await drain.run_once() == []  # not due yet: backoff
    clock.advance(10)
    deliveries = await drain.run_once()
    assert [d.outcome for d in deliveries] == [Outcome.DONE, Outcome.DONE]
    assert sorted(p for p, _, _ in receiver.requests) == ["/hooks/oncall", "/services/T0/B0/SECRETTOKEN"]
    clock.advance(3600)
    assert await drain.run_once() == []
    assert Outbox(db, clock).pending() == []
    await notifier.aclose()
    db.close()


async def test_a_rejected_notification_is_failed_and_logged_not_retried(
    receiver: Receiver, tmp_path: Path
) -> None:
    clock = FakeClock(NOW)
    settings = escalation_setup(receiver.url)
    db = Database.open(tmp_path / "log.db")
    notifier = Notifier(settings.notifiers)
    actions = AlertActions(
        db, NoAlertmanager(), settings=settings, user="alice@laptop", clock=clock, notifier=notifier
    )
    receiver.status = 404
    result = await actions.escalate(target())
    assert result.status is ActionStatus.FAILED
    assert "HTTP 404" in result.message and "SECRETTOKEN" not in result.message
    assert Outbox(db, clock).pending() == []
    entries = actions.log.timeline(result.incident_id or 0)
    assert any(e.kind == "action_failed" and e.data.get("permanent") for e in entries)
    await notifier.aclose()
    db.close()


class CountingResolver:
    """Secrets by env name; records each call and whether it ran on the event loop's thread."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.calls: list[str] = []
        self.on_loop_thread: list[bool] = []

    def __call__(self, name: str, ref: SecretRef) -> SecretStr:
        assert ref.env is not None
        self.calls.append(ref.env)
        self.on_loop_thread.append(threading.current_thread() is threading.main_thread())
        return SecretStr(self.values[ref.env])


async def test_the_routing_key_is_resolved_off_the_event_loop_once_and_reread_after_a_401(
    receiver: Receiver,
) -> None:
    resolve = CountingResolver({"PD_KEY": "R0UTINGKEY"})
    notifier = Notifier(targets(receiver.url), resolve=resolve)
    await notifier.send("pd", notification())
    await notifier.send("pd", notification())
    assert resolve.calls == ["PD_KEY"] and resolve.on_loop_thread == [False]
    receiver.status = 401  # the key was rotated
    with pytest.raises(SourceError) as refused:
        await notifier.send("pd", notification())
    assert not is_permanent(refused.value)
    receiver.status = 202
    resolve.values["PD_KEY"] = "NEWKEY"
    await notifier.send("pd", notification())
    assert resolve.calls == ["PD_KEY", "PD_KEY"]
    assert receiver.requests[-1][2]["routing_key"] == "NEWKEY"
    await notifier.aclose()


def test_the_pagerduty_dedup_key_differs_per_context() -> None:
    from oncall_tui.clients.notify import pagerduty_body

    base = notification()
    prod = msgspec.structs.replace(base, incident_key=f"prod-eu/{base.group_key}")
    staging = msgspec.structs.replace(base, incident_key=f"staging/{base.group_key}")
    keys = {pagerduty_body(n, SecretStr("k"))["dedup_key"] for n in (prod, staging)}
    assert len(keys) == 2
    # Items queued before contexts were part of the key keep the key they always had.
    assert pagerduty_body(base, SecretStr("k"))["dedup_key"] == pagerduty_dedup_key(base.group_key)


async def test_escalations_of_one_group_in_two_contexts_are_two_pagerduty_incidents(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.status = 202
    settings = AlertSettings.model_validate(
        {
            "notifiers": {
                "pd": {
                    "kind": "pagerduty",
                    "url": f"{receiver.url}/v2/enqueue",
                    "routing_key": {"env": "PD_KEY"},
                }
            },
            "escalation_policies": {
                "main": {
                    "levels": [
                        {"name": "primary", "targets": ["pd"], "delay": "5m"},
                        {"name": "secondary", "targets": ["pd"], "delay": "5m"},
                    ]
                }
            },
        }
    )
    clock = FakeClock(NOW)
    db = Database.open(tmp_path / "log.db")
    notifier = Notifier(settings.notifiers, resolve=resolver)
    for context in ("prod-eu", "staging"):
        actions = AlertActions(
            db,
            NoAlertmanager(),
            settings=settings,
            user="alice@laptop",
            clock=clock,
            notifier=notifier,
            context=context,
        )
        assert (await actions.escalate(target())).status is ActionStatus.DONE
    first, second = (body["dedup_key"] for _, _, body in receiver.requests)
    assert first != second
    await notifier.aclose()
    db.close()


async def test_a_webhook_url_can_be_a_secret_reference(receiver: Receiver) -> None:
    resolve = CountingResolver({"SLACK_WEBHOOK_URL": f"{receiver.url}/services/T0/B0/SECRETTOKEN"})
    chat = NotifierTarget.model_validate({"kind": "slack", "url_secret": {"env": "SLACK_WEBHOOK_URL"}})
    notifier = Notifier({"chat": chat}, resolve=resolve)
    await notifier.send("chat", notification())
    receiver.status = 500
    with pytest.raises(SourceError) as failed:
        await notifier.send("chat", notification())
    assert "SECRETTOKEN" not in failed.value.message
    assert [p for p, _, _ in receiver.requests] == ["/services/T0/B0/SECRETTOKEN"] * 2
    assert resolve.calls == ["SLACK_WEBHOOK_URL"] and resolve.on_loop_thread == [False]
    await notifier.aclose()


async def test_a_url_secret_that_is_not_a_url_is_a_secret_error_without_its_value() -> None:
    from oncall_tui.errors import SecretError

    chat = NotifierTarget.model_validate({"kind": "webhook", "url_secret": {"env": "HOOK"}})
    notifier = Notifier({"hook": chat}, resolve=CountingResolver({"HOOK": "xoxb-NOTAURL"}))
    with pytest.raises(SecretError) as bad:
        await notifier.send("hook", notification())
    assert "NOTAURL" not in bad.value.message and not is_permanent(bad.value)
    await notifier.aclose()


def test_url_and_url_secret_exclude_each_other() -> None:
    ref = {"env": "SLACK_WEBHOOK_URL"}
    with pytest.raises(ValueError, match="not both"):
        NotifierTarget.model_validate({"kind": "slack", "url": "https://hooks.example", "url_secret": ref})
    with pytest.raises(ValueError, match="only for webhook and slack"):
        NotifierTarget.model_validate({"kind": "pagerduty", "routing_key": ref, "url_secret": ref})
    with pytest.raises(ValueError, match="needs a url"):
        NotifierTarget.model_validate({"kind": "webhook"})


def test_the_config_schema_types_secret_fields_as_secret_references() -> None:
    """Editors validating config.toml against the schema see what ``url_secret``/``routing_key`` take."""
    schema = NotifierTarget.model_json_schema()
    for name in ("url_secret", "routing_key"):
        assert schema["properties"][name]["anyOf"] == [{"$ref": "#/$defs/SecretRef"}, {"type": "null"}]
    assert set(schema["$defs"]["SecretRef"]["properties"]) == {"keyring", "env", "command"}
