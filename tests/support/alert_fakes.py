"""An Alertmanager (and bits of Prometheus and a webhook receiver) for the alert screens' pilot tests.

Alertmanager answers with the recorded real bodies in ``tests/fixtures/alertmanager/``
(karma's Alertmanager 0.31 mock: 10 groups, 24 alerts, 3 silences), through
``httpx.MockTransport`` so the app's real clients decode them. It keeps state the way
Alertmanager does: a posted silence gets an id and suppresses the alerts it matches on
the next read (``silencedBy``), and a deleted one expires.

The recorded alerts have no ``severity`` label, so the settings rank them by ``cluster``
(prod > staging > dev) — a legitimate ``[alerts]`` config for teams without severity
labels, and it gives the queue three ranks, response timers and an escalation policy.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from oncall_tui.clock import FakeClock
from oncall_tui.domain.matchers import Matcher, selects
from oncall_tui.models.alertmanager import SilenceMatcher
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.alerts import AlertsScreen
from oncall_tui.ui.widgets.alert_table import AlertTable
from tests.support.fake_backends import FakeBackends
from tests.support.waiting import wait_until

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "alertmanager"
GROUPS_FILE = FIXTURES / "karma-am-0.31.0-api-v2-alerts-groups.json"
SILENCES_FILE = FIXTURES / "karma-am-0.31.0-api-v2-silences.json"
NOW = datetime(2026, 3, 11, 13, 2, tzinfo=UTC)
"""Frozen time of the tests: 13 min 22 s after the recorded alerts started firing."""
WEBHOOK_URL = "http://hooks.example.test/oncall"
"""The generic webhook escalations go to."""

ALERT_SETTINGS: dict[str, Any] = {
    "severity_label": "cluster",
    "severity_order": ["prod", "staging", "dev"],
    "response_timers": {
        "prod": {"investigate": "5m", "resolve": "1h"},
        "staging": {"investigate": "30m", "resolve": "4h"},
    },
    "ack": {"default_duration": "1h"},
    "escalation_policies": {
        "primary": {
            "levels": [
                {"name": "on-call", "targets": ["team-hook"], "delay": "30m"},
                {"name": "secondary", "targets": ["team-hook"], "delay": "15m"},
            ]
        }
    },
    "default_escalation_policy": "primary",
    "notifiers": {"team-hook": {"kind": "webhook", "url": WEBHOOK_URL}},
}
"""``[alerts]`` of the test config."""


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class AlertBackends(FakeBackends):
    """FakeBackends plus a stateful Alertmanager serving the recorded groups and silences."""

    def __init__(self, clock: FakeClock | None = None, **alert_settings: Any) -> None:
        self.fake_clock = clock or FakeClock(NOW, real_sleep=True)
        """The frozen clock (moved on by tests with ``advance``)."""
        super().__init__(self.fake_clock)
        self.groups: list[dict[str, Any]] = json.loads(GROUPS_FILE.read_text())
        """Alert groups as recorded (statuses recomputed on every read)."""
        self.silences: list[dict[str, Any]] = json.loads(SILENCES_FILE.read_text())
        """Every silence, recorded ones first."""
        self.reject_silences: str | None = None
        """When set, POST /api/v2/silences answers 400 with this message."""
        self.webhooks: list[dict[str, Any]] = []
        """Bodies the webhook receiver got."""
        self.webhook_down = False
        """The webhook receiver answers 503."""
        self.history = True
        """Prometheus answers ALERTS range queries (False: HTTP 500)."""
        self._alert_settings = {**ALERT_SETTINGS, **alert_settings}
        self._next_id = 1

    # --- config ------------------------------------------------------------------------------

    def raw_settings(self) -> dict[str, Any]:
        return {**super().raw_settings(), "alerts": self._alert_settings}

    def make_app(self, tmp_path: Path, **kwargs: Any) -> OncallApp:
        """The app on these backends, its incident log in ``tmp_path``."""
        app = OncallApp(
            self.settings(),
            clock=self.clock,
            source_set_factory=self.source_set_factory(),
            database_path=tmp_path / "incidents.sqlite3",
            **kwargs,
        )
        app.alert_feed.notifier_transport = httpx.MockTransport(self._webhook)
        return app

    # --- Alertmanager ------------------------------------------------------------------------

    def active_silences(self) -> list[dict[str, Any]]:
        now = self.clock.now()
        return [s for s in self.silences if _parse(s["startsAt"]) <= now < _parse(s["endsAt"])]

    def _alert_status(self, labels: dict[str, str], silences: list[dict[str, Any]]) -> dict[str, Any]:
        ids = [
            s["id"]
            for s in silences
            if selects(
                [
                    Matcher.from_silence(
                        SilenceMatcher(m["name"], m["value"], m.get("isRegex", False), m.get("isEqual", True))
                    )
                    for m in s["matchers"]
                ],
                labels,
            )
        ]
        return {
            "inhibitedBy": [],
            "mutedBy": [],
            "silencedBy": ids,
            "state": "suppressed" if ids else "active",
        }

    def _groups_body(self) -> list[dict[str, Any]]:
        silences = self.active_silences()
        out = []
        for group in self.groups:
            alerts = [{**a, "status": self._alert_status(a["labels"], silences)} for a in group["alerts"]]
            out.append({**group, "alerts": alerts})
        return out

    def _silences_body(self) -> list[dict[str, Any]]:
        now = self.clock.now()
        out = []
        for s in self.silences:
            start, end = _parse(s["startsAt"]), _parse(s["endsAt"])
            state = "expired" if end <= now else "pending" if start > now else "active"
            out.append({**s, "status": {"state": state}})
        return out

    def _post_silence(self, body: dict[str, Any]) -> httpx.Response:
        if self.reject_silences is not None:
            return httpx.Response(400, json=self.reject_silences)
        now = _iso(self.clock.now())
        old = next((s for s in self.silences if s["id"] == body.get("id")), None)
        if old is not None:
            # Alertmanager replaces a silence whose end moved: a new id, the old one expired.
            old["endsAt"] = now
        silence_id = f"silence-{self._next_id:04d}"
        self._next_id += 1
        self.silences.append(
            {
                "id": silence_id,
                "matchers": body["matchers"],
                "startsAt": body["startsAt"],
                "endsAt": body["endsAt"],
                "createdBy": body["createdBy"],
                "comment": body["comment"],
                "updatedAt": now,
            }
        )
        return httpx.Response(200, json={"silenceID": silence_id})

    def _expire(self, silence_id: str) -> httpx.Response:
        for s in self.silences:
            if s["id"] == silence_id:
                s["endsAt"] = _iso(self.clock.now())
                s["updatedAt"] = s["endsAt"]
                return httpx.Response(200)
        return httpx.Response(404, json="silence not found")

    # --- Prometheus ALERTS history -----------------------------------------------------------

    def _alerts_history(self, request: httpx.Request) -> httpx.Response:
        if not self.history:
            return httpx.Response(500, json={"status": "error", "errorType": "internal", "error": "boom"})
        query = request.url.params.get("query", "")
        start = float(request.url.params["start"])
        end = float(request.url.params["end"])
        step = float(request.url.params["step"])
        result = []
        if query.startswith("max_over_time(ALERTS{") and 'alertname="Host_Down"' in query:
            # server1 fired twice: 18h to 16h ago, and since 13 min ago.
            firing_at = [t for t in _range(start, end, step) if 6 * 3600 <= t - start <= 8 * 3600]
            firing_at += [t for t in _range(start, end, step) if end - t <= 13 * 60]
            result.append(
                {
                    "metric": {
                        "__name__": "ALERTS",
                        "alertname": "Host_Down",
                        "alertstate": "firing",
                        "cluster": "prod",
                        "instance": "server1",
                        "ip": "127.0.0.1",
                        "job": "node_ping",
                    },
                    "values": [[t, "1"] for t in firing_at],
                }
            )
        return httpx.Response(
            200, json={"status": "success", "data": {"resultType": "matrix", "result": result}}
        )

    # --- webhook receiver --------------------------------------------------------------------

    def _webhook(self, request: httpx.Request) -> httpx.Response:
        if self.webhook_down:
            return httpx.Response(503, text="receiver down")
        self.webhooks.append(json.loads(request.content))
        return httpx.Response(200, json={"ok": True})

    # --- routing -----------------------------------------------------------------------------

    def _handler(self, source: str) -> Callable[[httpx.Request], httpx.Response]:
        fallback = super()._handler(source)

        def handle(request: httpx.Request) -> httpx.Response:
            path = request.url.path
            if source in self.down or request.url.host in self.down:
                return fallback(request)
            if source == "alertmanager":
                self.requests.append(f"{request.url.host}{path}")
                if path == "/api/v2/alerts/groups":
                    return httpx.Response(200, json=self._groups_body())
                if path == "/api/v2/silences" and request.method == "GET":
                    return httpx.Response(200, json=self._silences_body())
                if path == "/api/v2/silences" and request.method == "POST":
                    return self._post_silence(json.loads(request.content))
                if path.startswith("/api/v2/silence/") and request.method == "DELETE":
                    return self._expire(path.rsplit("/", 1)[1])
            if source == "prometheus" and path == "/api/v1/query_range":
                return self._alerts_history(request)
            return fallback(request)

        return handle


def _range(start: float, end: float, step: float) -> list[float]:
    out = []
    t = start
    while t <= end:
        out.append(t)
        t += step
    return out


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


async def until(pilot: Pilot[Any], condition: Callable[[], object], what: str) -> None:
    """Let the app run until ``condition()`` holds (events are awaited, never a fixed sleep)."""
    await wait_until(pilot, condition, what)


async def polled(pilot: Pilot[Any]) -> None:
    """Wait for the first alert poll and let the table lay itself out."""
    app = pilot.app
    assert isinstance(app, OncallApp)
    await until(pilot, lambda: app.alert_feed.state.snapshot is not None, "first alert poll")
    await pilot.pause()


async def next_poll(pilot: Pilot[Any]) -> None:
    """Poll now (the `r` key) and wait until the new poll is on screen."""
    app = pilot.app
    assert isinstance(app, OncallApp)
    before = app.alert_feed.state.generation
    app.alert_feed.wake()
    await until(pilot, lambda: app.alert_feed.state.generation > before, "next alert poll")
    await pilot.pause()


def plain(renderable: Any, width: int = 100) -> str:
    """What a Rich renderable shows, as plain text."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def screen_of(app: Any) -> AlertsScreen:
    """The Alerts screen (asserting it is the one showing)."""
    screen = app.screen
    assert isinstance(screen, AlertsScreen)
    return screen


def alert_keys(table: AlertTable) -> list[str]:
    """Fingerprints of the alert rows shown, in order."""
    return [k for k in table.keys if not k.startswith("group:")]


def summary(app: Any) -> str:
    """The counts line of the Alerts screen."""
    return plain(app.screen.query_one("#alerts-summary", Static).content)
