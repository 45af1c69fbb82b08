"""The demo's Alertmanager API v2: alerts from the scenario, silences that really suppress.

Behaviour follows Alertmanager where a client can tell: fingerprints are
Alertmanager's FNV-1a hash of the labels; a silence update that cannot be done in
place (matchers changed, an active silence's start moved, an expired silence)
creates a silence with a new id and expires the old one; expiring sets ``endsAt``
to now; regex matchers are anchored at both ends; an alert matched by an active
silence is ``suppressed`` with ``silencedBy``; a critical alert inhibits warnings of
the same service. Groups follow a route with ``group_by`` (``alertname`` by default).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from oncall_tui.clock import Clock
from oncall_tui.demo.scenario import Scenario, stable_hash
from oncall_tui.demo.server import Handler, Request, Response, json_response, text_response

RESEND_DELAY = 60.0
"""Prometheus re-sends firing alerts this often; ``updatedAt`` moves in these steps."""
RESOLVE_TIMEOUT = 300.0
"""``resolve_timeout`` for posted alerts without ``endsAt``."""
VERSION_INFO = {
    "branch": "HEAD",
    "buildDate": "20250101-00:00:00",
    "buildUser": "oncall-tui@demo",
    "goVersion": "go1.22.12",
    "revision": "oncall-tui-demo",
    "version": "0.27.0",
}
"""``versionInfo`` of ``/api/v2/status``."""
CONFIG_YAML = """global:
  resolve_timeout: 5m
route:
  receiver: slack-alerts
  group_by: [{group_by}]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 4h
  routes:
  - receiver: pagerduty-oncall
    matchers: [severity="critical"]
inhibit_rules:
- source_matchers: [severity="critical"]
  target_matchers: [severity="warning"]
  equal: [service]
receivers:
- name: slack-alerts
- name: pagerduty-oncall
templates: []
"""
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


class BadRequest(Exception):
    """Answered as HTTP 400 with a JSON string body, as Alertmanager does."""


# --- helpers -------------------------------------------------------------------------------------


def fingerprint(labels: dict[str, str]) -> str:
    """Alertmanager's (Prometheus model's) label-set fingerprint: FNV-1a 64 over sorted pairs."""
    h = 14695981039346656037
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode():
                h ^= byte
                h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
            h ^= 0xFF
            h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def am_time(ts: float) -> str:
    """A timestamp as Alertmanager writes it: UTC, milliseconds, ``Z``."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_am_time(text: Any, what: str) -> float:
    if not isinstance(text, str) or not text:
        raise BadRequest(f"{what} in body is required")
    iso = re.sub(r"(\.\d{6})\d+", r"\1", text.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        raise BadRequest(f'{what} in body must be of type date-time: "{text}"') from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


@dataclass(frozen=True)
class AMMatcher:
    """A matcher of a silence or a filter: ``=``, ``!=``, ``=~``, ``!~``."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    def __post_init__(self) -> None:
        if self.is_regex:
            try:
                re.compile(self.value)
            except re.error as exc:
                raise BadRequest(f"invalid regular expression {self.value!r}: {exc}") from None

    def matches(self, value: str) -> bool:
        if self.is_regex:
            hit = re.fullmatch(f"(?:{self.value})", value, re.DOTALL) is not None
        else:
            hit = value == self.value
        return hit == self.is_equal

    def matches_labels(self, labels: dict[str, str]) -> bool:
        return self.matches(labels.get(self.name, ""))

    def to_json(self) -> dict[str, Any]:
        return {"isEqual": self.is_equal, "isRegex": self.is_regex, "name": self.name, "value": self.value}


_FILTER_RE = re.compile(
    r'\s*("(?:[^"\\]|\\.)*"|[^\s=!~"{},]+)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^,}]*?)\s*(?:,|$)'
)


def parse_filter(text: str) -> list[AMMatcher]:
    """Matchers of one ``filter`` parameter: ``name="value"``, ``name=~"re"``, braces optional."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    out: list[AMMatcher] = []
    pos = 0
    body = body.strip()
    while pos < len(body):
        m = _FILTER_RE.match(body, pos)
        if m is None or m.end() == pos:
            raise BadRequest(f"bad matcher format: {text}")
        name, op, value = m.group(1), m.group(2), m.group(3)
        if name.startswith('"'):
            name = json.loads(name)
        if value.startswith('"'):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise BadRequest(f"bad matcher format: {text}") from None
        out.append(AMMatcher(name, value, op in ("=~", "!~"), op in ("=", "=~")))
        pos = m.end()
    if not out:
        raise BadRequest(f"bad matcher format: {text}")
    return out


@dataclass
class StoredSilence:
    """A silence as the demo Alertmanager keeps it."""

    id: str
    matchers: list[AMMatcher]
    starts_at: float
    ends_at: float
    created_by: str
    comment: str
    updated_at: float

    def state(self, now: float) -> str:
        # Alertmanager calls a silence expired once now is after endsAt; the demo's clock
        # may stand still in tests, so endsAt itself already counts as expired.
        if now < self.starts_at:
            return "pending"
        if now >= self.ends_at:
            return "expired"
        return "active"

    def mutes(self, labels: dict[str, str], now: float) -> bool:
        return self.state(now) == "active" and all(m.matches_labels(labels) for m in self.matchers)

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": {"state": self.state(now)},
            "updatedAt": am_time(self.updated_at),
            "comment": self.comment,
            "createdBy": self.created_by,
            "endsAt": am_time(self.ends_at),
            "matchers": [m.to_json() for m in self.matchers],
            "startsAt": am_time(self.starts_at),
        }


@dataclass
class LiveAlert:
    """An alert Alertmanager currently knows (from the scenario or posted)."""

    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float
    ends_at: float
    updated_at: float
    generator_url: str
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        self.fingerprint = fingerprint(self.labels)


# --- the API -------------------------------------------------------------------------------------


class AlertmanagerAPI:
    """Request handler of the demo Alertmanager; thread-safe."""

    def __init__(
        self,
        scenario: Scenario,
        clock: Clock,
        *,
        prometheus_url: str = "http://127.0.0.1:9090",
        group_by: tuple[str, ...] = ("alertname",),
    ) -> None:
        self.scenario = scenario
        """The synthetic world the alerts come from."""
        self.clock = clock
        """Source of "now"."""
        self.prometheus_url = prometheus_url
        """Base of ``generatorURL`` links."""
        self.group_by = group_by
        """Labels the route groups alerts by."""
        self.peers = 1
        """Cluster members reported by ``/api/v2/status`` (the environment can serve several peers)."""
        self._lock = threading.Lock()
        self._silences: dict[str, StoredSilence] = {}
        self._posted: dict[str, LiveAlert] = {}
        self._next_id = 0
        self._started = clock.now().timestamp()

    def now(self) -> float:
        return self.clock.now().timestamp()

    # --- routing ---

    def peer(self, index: int) -> Handler:
        """The handler of cluster member ``index``: same alerts and silences, its own name in status."""
        return lambda request: self(request, index)

    def __call__(self, request: Request, peer: int = 0) -> Response:
        path, method = request.path, request.method
        if path in ("/-/ready", "/-/healthy"):
            return text_response("OK")
        try:
            if path == "/api/v2/status" and method == "GET":
                return json_response(self.status(peer))
            if path == "/api/v2/alerts" and method == "GET":
                return json_response(self.get_alerts(request))
            if path == "/api/v2/alerts" and method == "POST":
                self.post_alerts(request.body)
                return Response(200)
            if path == "/api/v2/alerts/groups" and method == "GET":
                return json_response(self.get_groups(request))
            if path == "/api/v2/receivers" and method == "GET":
                return json_response([{"name": "pagerduty-oncall"}, {"name": "slack-alerts"}])
            if path == "/api/v2/silences" and method == "GET":
                return json_response(self.get_silences(request))
            if path == "/api/v2/silences" and method == "POST":
                return self.post_silence(request.body)
            m = re.fullmatch(r"/api/v2/silence/([^/]+)", path)
            if m:
                return self.silence_by_id(method, m.group(1))
        except BadRequest as exc:
            return json_response(str(exc), 400)
        if path.startswith("/api/v2/"):
            return json_response(
                {"code": 405 if _known(path) else 404, "message": _not_found_message(method, path)},
                405 if _known(path) else 404,
            )
        return text_response("404 page not found\n", 404)

    # --- alerts ---

    def _receiver(self, labels: dict[str, str]) -> str:
        return "pagerduty-oncall" if labels.get("severity") == "critical" else "slack-alerts"

    def _live_alerts(self, now: float) -> list[LiveAlert]:
        out: list[LiveAlert] = []
        for firing in self.scenario.active_alerts(now):
            if firing.state != "firing":
                continue
            a = firing
            updated = max(a.fired_at, a.fired_at + ((now - a.fired_at) // RESEND_DELAY) * RESEND_DELAY)
            labels = a.rule.all_labels()
            out.append(
                LiveAlert(
                    labels,
                    {
                        "description": a.rule.description,
                        "runbook_url": a.rule.runbook,
                        "summary": a.rule.summary,
                    },
                    a.fired_at,
                    updated + 4 * RESEND_DELAY,
                    updated,
                    f"{self.prometheus_url}/graph?g0.expr={quote(a.rule.expr, safe='')}&g0.tab=1",
                )
            )
        with self._lock:
            posted = [a for a in self._posted.values() if a.ends_at > now]
        by_fp = {alert.fingerprint: alert for alert in out}
        for alert in posted:
            by_fp[alert.fingerprint] = alert
        return list(by_fp.values())

    def _statuses(self, alerts: list[LiveAlert], now: float) -> dict[str, dict[str, Any]]:
        with self._lock:
            silences = list(self._silences.values())
        sources = [a for a in alerts if a.labels.get("severity") == "critical"]
        out: dict[str, dict[str, Any]] = {}
        for a in alerts:
            silenced = sorted(s.id for s in silences if s.mutes(a.labels, now))
            inhibited: list[str] = []
            if a.labels.get("severity") == "warning":
                inhibited = sorted(
                    s.fingerprint
                    for s in sources
                    if s.fingerprint != a.fingerprint
                    and s.labels.get("service", "") == a.labels.get("service", "")
                )
            out[a.fingerprint] = {
                "inhibitedBy": inhibited,
                "mutedBy": [],
                "silencedBy": silenced,
                "state": "suppressed" if silenced or inhibited else "active",
            }
        return out

    def _alert_json(self, a: LiveAlert, status: dict[str, Any]) -> dict[str, Any]:
        return {
            "annotations": a.annotations,
            "endsAt": am_time(a.ends_at),
            "fingerprint": a.fingerprint,
            "receivers": [{"name": self._receiver(a.labels)}],
            "startsAt": am_time(a.starts_at),
            "status": status,
            "updatedAt": am_time(a.updated_at),
            "generatorURL": a.generator_url,
            "labels": a.labels,
        }

    def _filtered(self, request: Request) -> tuple[list[LiveAlert], dict[str, dict[str, Any]]]:
        matchers = [m for text in request.query.get("filter", []) for m in parse_filter(text)]
        active = _bool_param(request, "active")
        silenced = _bool_param(request, "silenced")
        inhibited = _bool_param(request, "inhibited")
        receiver_text = request.param("receiver")
        receiver_re = None
        if receiver_text:
            try:
                receiver_re = re.compile(f"^(?:{receiver_text})$")
            except re.error as exc:
                raise BadRequest(f"failed to parse receiver param: {exc}") from None
        now = self.now()
        alerts = self._live_alerts(now)
        statuses = self._statuses(alerts, now)
        kept = []
        for a in alerts:
            st = statuses[a.fingerprint]
            if not active and st["state"] == "active":
                continue
            if not silenced and st["silencedBy"]:
                continue
            if not inhibited and st["inhibitedBy"]:
                continue
            if receiver_re is not None and not receiver_re.match(self._receiver(a.labels)):
                continue
            if not all(m.matches_labels(a.labels) for m in matchers):
                continue
            kept.append(a)
        return kept, statuses

    def get_alerts(self, request: Request) -> list[dict[str, Any]]:
        alerts, statuses = self._filtered(request)
        alerts.sort(key=lambda a: a.fingerprint)
        return [self._alert_json(a, statuses[a.fingerprint]) for a in alerts]

    def get_groups(self, request: Request) -> list[dict[str, Any]]:
        alerts, statuses = self._filtered(request)
        muted = _bool_param(request, "muted")
        groups: dict[tuple[tuple[tuple[str, str], ...], str], list[LiveAlert]] = {}
        for a in alerts:
            key = tuple((k, a.labels[k]) for k in sorted(self.group_by) if k in a.labels)
            groups.setdefault((key, self._receiver(a.labels)), []).append(a)
        out = []
        for (key, receiver), members in sorted(groups.items()):
            if not muted and all(statuses[a.fingerprint]["state"] == "suppressed" for a in members):
                continue
            members.sort(
                key=lambda a: (
                    a.labels.get("job") is None,
                    a.labels.get("job", ""),
                    a.labels.get("instance") is None,
                    a.labels.get("instance", ""),
                    sorted(a.labels.items()),
                )
            )
            out.append(
                {
                    "alerts": [self._alert_json(a, statuses[a.fingerprint]) for a in members],
                    "labels": dict(key),
                    "receiver": {"name": receiver},
                }
            )
        return out

    def post_alerts(self, body: bytes) -> None:
        try:
            payload = json.loads(body or b"null")
        except json.JSONDecodeError as exc:
            raise BadRequest(f'parsing alerts body from "" failed: {exc}') from None
        if not isinstance(payload, list):
            raise BadRequest("alerts in body must be of type array")
        now = self.now()
        parsed = []
        for item in payload:
            if not isinstance(item, dict) or not isinstance(item.get("labels"), dict) or not item["labels"]:
                raise BadRequest("labels in body is required")
            labels = {str(k): str(v) for k, v in item["labels"].items() if v != ""}
            for name in labels:
                if not _LABEL_NAME.fullmatch(name):
                    raise BadRequest(f'invalid label set: invalid name "{name}"')
            starts = parse_am_time(item["startsAt"], "startsAt") if item.get("startsAt") else now
            ends = parse_am_time(item["endsAt"], "endsAt") if item.get("endsAt") else now + RESOLVE_TIMEOUT
            annotations = {str(k): str(v) for k, v in (item.get("annotations") or {}).items()}
            parsed.append(
                LiveAlert(labels, annotations, starts, ends, now, str(item.get("generatorURL") or ""))
            )
        with self._lock:
            for alert in parsed:
                previous = self._posted.get(alert.fingerprint)
                if previous is not None and previous.ends_at > now:
                    alert.starts_at = min(alert.starts_at, previous.starts_at)
                self._posted[alert.fingerprint] = alert

    # --- silences ---

    def _new_id(self) -> str:
        self._next_id += 1
        raw = stable_hash("silence", self.scenario.seed, self._next_id)[:16]
        return str(uuid.UUID(bytes=raw, version=4))

    def get_silences(self, request: Request) -> list[dict[str, Any]]:
        filters = [m for text in request.query.get("filter", []) for m in parse_filter(text)]
        now = self.now()
        with self._lock:
            silences = list(self._silences.values())
        out = []
        for s in silences:
            patterns = {m.name: m.value for m in s.matchers}
            if not all(f.name in patterns and f.matches(patterns[f.name]) for f in filters):
                continue
            out.append(s)
        rank = {"active": 0, "pending": 1, "expired": 2}

        def key(s: StoredSilence) -> tuple[int, float]:
            st = s.state(now)
            if st == "expired":
                return (rank[st], -s.ends_at)
            if st == "pending":
                return (rank[st], s.starts_at)
            return (rank[st], s.ends_at)

        out.sort(key=key)
        return [s.to_json(now) for s in out]

    def post_silence(self, body: bytes) -> Response:
        try:
            payload = json.loads(body or b"null")
        except json.JSONDecodeError as exc:
            raise BadRequest(f'parsing silence body from "" failed, because {exc}') from None
        if not isinstance(payload, dict):
            raise BadRequest("silence in body is required")
        raw_matchers = payload.get("matchers")
        if not isinstance(raw_matchers, list) or not raw_matchers:
            raise BadRequest("matchers in body should have at least 1 items")
        matchers = []
        for raw in raw_matchers:
            if not isinstance(raw, dict) or "name" not in raw or "value" not in raw or "isRegex" not in raw:
                raise BadRequest("matchers in body: name, value and isRegex are required")
            name = str(raw["name"])
            if not _LABEL_NAME.fullmatch(name):
                raise BadRequest(f'invalid label name "{name}"')
            matchers.append(
                AMMatcher(name, str(raw["value"]), bool(raw["isRegex"]), bool(raw.get("isEqual", True)))
            )
        if all(m.matches("") for m in matchers):
            raise BadRequest("at least one matcher must not match the empty string")
        for field_name in ("createdBy", "comment"):
            if not isinstance(payload.get(field_name), str):
                raise BadRequest(f"{field_name} in body is required")
        starts = parse_am_time(payload.get("startsAt"), "startsAt")
        ends = parse_am_time(payload.get("endsAt"), "endsAt")
        if starts >= ends:
            raise BadRequest("Failed to create silence: start time must be before end time")
        now = self.now()
        if ends < now:
            raise BadRequest("Failed to create silence: end time can't be in the past")
        wanted_id = payload.get("id") or ""
        with self._lock:
            prev = self._silences.get(wanted_id) if wanted_id else None
            if wanted_id and prev is None:
                return json_response("silence not found", 404)
            if prev is not None and _can_update(prev, matchers, starts, ends, now):
                prev.starts_at, prev.ends_at = starts, ends
                prev.created_by, prev.comment = payload["createdBy"], payload["comment"]
                prev.updated_at = now
                return json_response({"silenceID": prev.id})
            new = StoredSilence(
                self._new_id(),
                matchers,
                max(starts, _ms(now)),
                ends,
                payload["createdBy"],
                payload["comment"],
                _ms(now),
            )
            if prev is not None and prev.state(now) != "expired":
                self._expire(prev, now)
            self._silences[new.id] = new
            return json_response({"silenceID": new.id})

    def _expire(self, s: StoredSilence, now: float) -> None:
        now = _ms(now)
        if s.state(now) == "pending":
            s.starts_at = now
        s.ends_at = now
        s.updated_at = now

    def silence_by_id(self, method: str, sid: str) -> Response:
        try:
            uuid.UUID(sid)
        except ValueError:
            return json_response(
                {"code": 602, "message": f'silenceID in path must be of type uuid: "{sid}"'}, 422
            )
        now = self.now()
        with self._lock:
            s = self._silences.get(sid)
            if s is None:
                return Response(404)
            if method == "GET":
                return json_response(s.to_json(now))
            if method == "DELETE":
                if s.state(now) == "expired":
                    return json_response(f"silence {sid} already expired", 500)
                self._expire(s, now)
                return Response(200)
        return json_response(
            {"code": 405, "message": f"method {method} is not allowed, but [DELETE,GET] are"}, 405
        )

    # --- status ---

    def status(self, peer: int = 0) -> dict[str, Any]:
        names = [self._peer_name(i) for i in range(self.peers)]
        return {
            "cluster": {
                "name": names[min(peer, len(names) - 1)],
                "peers": [{"address": f"127.0.0.1:{9094 + i}", "name": n} for i, n in enumerate(names)],
                "status": "ready",
            },
            "config": {"original": CONFIG_YAML.format(group_by=", ".join(self.group_by))},
            "uptime": am_time(self._started),
            "versionInfo": dict(VERSION_INFO),
        }

    def _peer_name(self, index: int) -> str:
        # Alertmanager peer names are ULIDs: 26 characters of Crockford base32.
        raw = stable_hash("peer", self.scenario.seed, index).hex().upper()
        return "01" + "".join(c if c not in "ILOU" else "X" for c in raw)[:24]


def _can_update(
    prev: StoredSilence, matchers: list[AMMatcher], starts: float, ends: float, now: float
) -> bool:
    """Alertmanager's ``canUpdate``: may this silence be changed in place?"""
    if prev.matchers != matchers:
        return False
    state = prev.state(now)
    if state == "active":
        return starts == prev.starts_at and ends >= now
    if state == "pending":
        return starts >= now
    return False


def _ms(ts: float) -> float:
    """Round to milliseconds, the API's precision, so a silence read back can be re-posted unchanged."""
    return round(ts * 1000) / 1000


def _bool_param(request: Request, name: str) -> bool:
    value = request.param(name)
    if value is None or value == "":
        return True
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise BadRequest(f'{name} in query must be of type bool: "{value}"')


def _known(path: str) -> bool:
    return path in (
        "/api/v2/status",
        "/api/v2/alerts",
        "/api/v2/alerts/groups",
        "/api/v2/silences",
        "/api/v2/receivers",
    )


def _not_found_message(method: str, path: str) -> str:
    if _known(path):
        return f"method {method} is not allowed"
    return f"path {path} was not found"
