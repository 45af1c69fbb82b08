"""Escalation senders: a generic JSON webhook, a Slack-compatible webhook, PagerDuty Events API v2.

All three go through :mod:`oncall_tui.clients.http`, so a refused connection, a timeout,
or an HTTP 4xx/5xx answer is a :class:`SourceError` with a one-line reason. The URL's
path is left out of those messages: a Slack or webhook URL carries its token in the path.

**Generic webhook payload** (``kind = "webhook"``), ``POST`` as ``application/json``::

    {
      "version": "1",
      "type": "escalation",
      "incident": {"id": 12, "title": "Host_Down in prod", "severity": "critical"},
      "level": {"index": 1, "name": "secondary", "policy": "primary"},
      "group": {"key": "group:by-cluster:{...}", "labels": {"alertname": "Host_Down", "cluster": "prod"}},
      "alerts": [
        {"fingerprint": "7013294faf5f854d", "labels": {...}, "annotations": {...},
         "startsAt": "2026-03-11T12:48:38.413Z", "generatorURL": "http://prometheus/graph?..."}
      ],
      "sender": "alice@laptop",
      "text": "escalated to secondary (step 2 of 4, policy primary)",
      "sentAt": "2026-03-11T13:02:00Z"
    }

Every POST (all kinds) carries an ``Idempotency-Key`` header, and the generic webhook body an
``idempotencyKey`` field, the same on every retry of one escalation: a retry may follow a send whose
answer was lost (the receiver stopped or died after taking it), and a receiver that keeps the keys it
has seen acts on each escalation once.

``level.index`` is 0-based and counts repeats (a policy of 2 levels repeated once has
indexes 0-3). Any 2xx answer is success.

**Slack-compatible** (``kind = "slack"``): ``{"text": <fallback line>, "blocks": [...]}`` with
a header, a section of the group labels and alerts, and a context line (sender, level).

**PagerDuty Events v2** (``kind = "pagerduty"``): ``POST`` to ``url`` (default
``https://events.pagerduty.com/v2/enqueue``)::

    {"routing_key": <from the secrets store>, "event_action": "trigger",
     "dedup_key": "oncall-tui-<sha256 of the context-qualified group key, 32 hex>",
     "payload": {"summary", "source", "severity": critical|error|warning|info,
                 "custom_details": {incident, level, group labels, alerts, text, sender}},
     "client": "oncall-tui"}

The same alert group of the same context always gives the same ``dedup_key``, so PagerDuty
folds repeated escalations of one group into one PagerDuty incident (the same group in
``prod-eu`` and ``staging`` stays two).

**Secrets.** The PagerDuty routing key, and a webhook/slack URL given as ``url_secret``
(a URL carrying its token), come from the secrets store: resolved in a worker thread (a
keyring or ``password_command`` may take seconds), cached per notifier, and re-read after
a 401/403 answer (a rotated key or URL).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import httpx
import msgspec
from pydantic import SecretStr

from oncall_tui.clients.http import build_async_client, request
from oncall_tui.config.alerting import NotifierTarget
from oncall_tui.config.common import SecretRef
from oncall_tui.config.settings import AuthSettings, SourceSettings
from oncall_tui.errors import OncallError, SecretError, SourceError


class NotifierConfigError(OncallError):
    """The escalation cannot be sent as configured (unknown or no notifier): retrying will not help."""

    title = "Escalation"


PAGERDUTY_SUMMARY_LIMIT = 1024
"""PagerDuty rejects summaries longer than this."""

_PD_SEVERITIES = {
    "critical": "critical",
    "error": "error",
    "warning": "warning",
    "info": "info",
    "none": "info",
}


class NotifiedAlert(msgspec.Struct, frozen=True, rename="camel"):
    """One alert of an escalation, as sent."""

    fingerprint: str
    """Alertmanager fingerprint."""
    labels: dict[str, str]
    """Identifying labels."""
    annotations: dict[str, str]
    """Summary, description, runbook …"""
    starts_at: datetime
    """When it started firing."""
    generator_url: str = msgspec.field(default="", name="generatorURL")
    """Link to the expression that fires it."""


class Notification(msgspec.Struct, frozen=True):
    """What an escalation tells a target; stored as JSON in the outbox (no secrets)."""

    incident_id: int
    """Incident being escalated."""
    incident_title: str
    """Its one-line title."""
    severity: str
    """Canonical severity name of the group (``critical``, …, ``none``)."""
    level_index: int
    """0-based level reached, counting repeats."""
    level_name: str
    """Name of that level."""
    policy: str
    """Escalation policy name."""
    group_key: str
    """Stable key of the alert group, as Alertmanager names it."""
    group_labels: dict[str, str]
    """Group-by labels of the alert group."""
    alerts: list[NotifiedAlert]
    """The group's alerts."""
    sender: str
    """Who escalated (``user@host``) or ``oncall-tui`` for an automatic escalation."""
    text: str
    """One human line."""
    sent_at: datetime
    """When the escalation was decided (stays the same on retries)."""
    incident_key: str = ""
    """The group's key qualified by its context (``prod-eu/<group key>``): the PagerDuty dedup key derives
    from it, so one group in two contexts is two PagerDuty incidents. Empty in items queued before it
    existed (the bare ``group_key`` is used)."""

    def to_payload(self) -> dict[str, Any]:
        """JSON-ready dict for the outbox."""
        payload: dict[str, Any] = msgspec.to_builtins(self)
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Notification:
        """Inverse of :meth:`to_payload`."""
        return msgspec.convert(dict(payload), cls)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def idempotency_key(*parts: str) -> str:
    """A key naming one escalation notification across retries and apps (48 hex of a SHA-256)."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:48]


def pagerduty_dedup_key(incident_key: str) -> str:
    """Deterministic PagerDuty ``dedup_key`` of an alert group's context-qualified key (43 chars; max 255)."""
    return "oncall-tui-" + hashlib.sha256(incident_key.encode()).hexdigest()[:32]


def webhook_body(notification: Notification, idempotency_key: str | None = None) -> dict[str, Any]:
    """The generic webhook JSON (documented in the module docstring)."""
    n = notification
    key = {"idempotencyKey": idempotency_key} if idempotency_key else {}
    return {
        **key,
        "version": "1",
        "type": "escalation",
        "incident": {"id": n.incident_id, "title": n.incident_title, "severity": n.severity},
        "level": {"index": n.level_index, "name": n.level_name, "policy": n.policy},
        "group": {"key": n.group_key, "labels": dict(n.group_labels)},
        "alerts": [
            {
                "fingerprint": a.fingerprint,
                "labels": dict(a.labels),
                "annotations": dict(a.annotations),
                "startsAt": _iso(a.starts_at),
                "generatorURL": a.generator_url,
            }
            for a in n.alerts
        ],
        "sender": n.sender,
        "text": n.text,
        "sentAt": _iso(n.sent_at),
    }


def _labels_text(labels: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels.items())


def slack_body(notification: Notification) -> dict[str, Any]:
    """A Slack-compatible incoming-webhook message: fallback ``text`` plus Block Kit ``blocks``."""
    n = notification
    lines = []
    for alert in n.alerts[:10]:
        summary = alert.annotations.get("summary") or alert.labels.get("alertname", alert.fingerprint)
        lines.append(f"• {summary} ({_labels_text(alert.labels)})")
    if len(n.alerts) > 10:
        lines.append(f"… and {len(n.alerts) - 10} more")
    header = f"[{n.severity.upper()}] Incident #{n.incident_id}: {n.incident_title}"
    return {
        "text": f"{header} escalated to {n.level_name}: {n.text}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": header[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": n.text}},
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*Group:* {_labels_text(n.group_labels) or '(none)'}\n" + "\n".join(lines),
                },
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"Level {n.level_index + 1} ({n.level_name}) of {n.policy} · by {n.sender}",
                    }
                ],
            },
        ],
    }


def pagerduty_severity(severity: str) -> str:
    """Our severity name → PagerDuty's critical/error/warning/info (unknown names → error)."""
    return _PD_SEVERITIES.get(severity.lower(), "error")


def pagerduty_body(notification: Notification, routing_key: SecretStr) -> dict[str, Any]:
    """A PagerDuty Events API v2 ``trigger`` event."""
    n = notification
    first = n.alerts[0].labels if n.alerts else n.group_labels
    source = first.get("instance") or first.get("job") or first.get("service") or "oncall-tui"
    summary = f"[{n.severity}] {n.incident_title}: {n.text}"
    return {
        "routing_key": routing_key.get_secret_value(),
        "event_action": "trigger",
        "dedup_key": pagerduty_dedup_key(n.incident_key or n.group_key),
        "client": "oncall-tui",
        "payload": {
            "summary": summary[:PAGERDUTY_SUMMARY_LIMIT],
            "source": source,
            "severity": pagerduty_severity(n.severity),
            "timestamp": _iso(n.sent_at),
            "custom_details": {
                "incident_id": n.incident_id,
                "level": {"index": n.level_index, "name": n.level_name, "policy": n.policy},
                "group_labels": dict(n.group_labels),
                "alerts": [
                    {
                        "labels": dict(a.labels),
                        "annotations": dict(a.annotations),
                        "startsAt": _iso(a.starts_at),
                    }
                    for a in n.alerts
                ],
                "sender": n.sender,
                "text": n.text,
            },
        },
    }


def resolve_secret_ref(name: str, ref: SecretRef) -> SecretStr:
    """Resolve a notifier's secret through the app's secrets store (keyring, env or command); blocking."""
    from oncall_tui.secrets import resolve_secret

    secret = resolve_secret("notifiers", name, AuthSettings(type="bearer", secret=ref))
    if secret is None:  # pragma: no cover - an AuthSettings always yields a value or raises
        raise OncallError(f"notifier {name}: no secret")
    return secret


SecretResolver = Callable[[str, SecretRef], SecretStr]
"""``(notifier name, ref) -> secret``: injectable so tests need no keyring."""


class Notifier:
    """Sends a :class:`Notification` to a named target of ``[alerts.notifiers]``."""

    def __init__(
        self,
        targets: Mapping[str, NotifierTarget],
        *,
        resolve: SecretResolver = resolve_secret_ref,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._targets = dict(targets)
        self._resolve = resolve
        self._transport = transport
        self._clients: dict[str, httpx.AsyncClient] = {}
        # Resolved secrets per (notifier, field): a keyring or password_command is not asked per send.
        self._secrets: dict[tuple[str, str], SecretStr] = {}

    def target(self, name: str) -> NotifierTarget:
        """The configured target; OncallError when the name is unknown (a config change removed it)."""
        try:
            return self._targets[name]
        except KeyError:
            raise NotifierConfigError(f"notifier {name!r} is not configured") from None

    def _client(self, name: str, origin: str, timeout: float) -> httpx.AsyncClient:
        key = f"{name}|{origin}"
        client = self._clients.get(key)
        if client is None:
            client = build_async_client(origin, SourceSettings(timeout=timeout), transport=self._transport)
            self._clients[key] = client
        return client

    async def _secret(self, name: str, field: str, ref: SecretRef) -> SecretStr:
        """``ref`` of notifier ``name``, resolved off the event loop once and then cached."""
        key = (name, field)
        cached = self._secrets.get(key)
        if cached is None:
            cached = await asyncio.to_thread(self._resolve, name, ref)
            self._secrets[key] = cached
        return cached

    async def _endpoint(self, name: str, target: NotifierTarget) -> str:
        if target.url_secret is None:
            return target.endpoint()
        url = (await self._secret(name, "url", target.url_secret)).get_secret_value().strip()
        if not url.lower().startswith(("http://", "https://")):
            self._forget(name)  # a corrected secret is read on the next try
            # Never the value: it is the secret.
            raise SecretError(f"notifier {name}: url_secret does not hold an http(s) URL")
        return url

    def _forget(self, name: str) -> None:
        for key in [k for k in self._secrets if k[0] == name]:
            del self._secrets[key]

    async def send(
        self, name: str, notification: Notification, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Deliver to target ``name``; returns a small result for the log. Raises SourceError/SecretError.

        ``idempotency_key`` (the same on every retry of one escalation) goes in the ``Idempotency-Key``
        header and the webhook body, so a receiver can tell a retry from a new escalation.
        """
        target = self.target(name)
        if target.kind == "webhook":
            body = webhook_body(notification, idempotency_key)
        elif target.kind == "slack":
            body = slack_body(notification)
        else:
            assert target.routing_key is not None  # enforced by NotifierTarget's validator
            body = pagerduty_body(notification, await self._secret(name, "routing_key", target.routing_key))
        url = httpx.URL(await self._endpoint(name, target))
        origin = str(url.copy_with(path="/", query=None, fragment=None)).rstrip("/")
        path = url.raw_path.decode("ascii") or "/"
        client = self._client(name, origin, target.timeout)
        try:
            response = await request(
                client,
                "POST",
                path,
                json_body=msgspec.json.encode(body),
                ok_statuses=(200, 201, 202, 204),
                headers={"Idempotency-Key": idempotency_key} if idempotency_key else None,
            )
        except SourceError as exc:
            if exc.status in (401, 403):
                self._forget(name)  # the key or URL may have been rotated: read it again next time
            # The path may hold a webhook token: never let it reach a message or the log.
            message = exc.message.replace(path, "/…") if path != "/" else exc.message
            raise SourceError(f"notifier {name}: {message}", kind=exc.kind, status=exc.status) from None
        result: dict[str, Any] = {"target": name, "kind": target.kind, "status": response.status_code}
        if target.kind == "pagerduty":
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            if isinstance(answer, dict) and isinstance(answer.get("dedup_key"), str):
                result["dedup_key"] = answer["dedup_key"]
        return result

    async def aclose(self) -> None:
        """Close every HTTP client opened so far."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


RETRYABLE_4XX = frozenset({401, 403, 407, 408, 425, 429})
"""4xx answers worth retrying: credentials that expired or were revoked (401/403/407, fixed by
the user without touching the action), or the server asking to come back later (408/425/429)."""


def is_permanent(error: BaseException) -> bool:
    """True when re-sending cannot help: the server rejected the request itself (400, 404, 409, 422 …).

    Everything else is worth retrying with backoff: refused, timeout, 5xx, 408/425/429, and
    401/403/407 too — an expired token must keep the action in the outbox until it is renewed,
    not drop it. So is a keyring that is locked right now.
    """
    if isinstance(error, SourceError):
        status = error.status
        return status is not None and 400 <= status < 500 and status not in RETRYABLE_4XX
    # Configuration problems (an unknown notifier) do not fix themselves on retry either.
    return isinstance(error, NotifierConfigError)
