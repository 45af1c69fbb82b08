"""AlertmanagerClient against recorded Alertmanager API v2 responses served by httpx.MockTransport.

The alert groups and silences bodies were recorded by karma from a real
Alertmanager 0.31 (``tests/fixtures/alertmanager/``, see ATTRIBUTION.md).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.http import build_async_client
from oncall_tui.config.settings import SourceSettings
from oncall_tui.errors import NotFoundError, SourceError
from oncall_tui.models.alertmanager import PostableSilence, SilenceMatcher
from tests.unit.test_prometheus_client import closed_port, hanging_server, untrusted_tls_server

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "alertmanager"
BASE = "http://alertmanager.test:9093"
GROUPS = FIXTURES / "karma-am-0.31.0-api-v2-alerts-groups.json"
SILENCES = FIXTURES / "karma-am-0.31.0-api-v2-silences.json"

# Shape of Alertmanager 0.25's GET /api/v2/status (the version the local stack runs).
STATUS_BODY = {
    "cluster": {
        "status": "ready",
        "name": "01HXYZ",
        "peers": [{"name": "01HXYZ", "address": "10.0.0.1:9094"}],
    },
    "config": {"original": "route:\n  receiver: 'null'\n"},
    "uptime": "2026-11-27T19:34:10.984Z",
    "versionInfo": {
        "branch": "debian/sid",
        "buildDate": "20230409-09:50:43",
        "buildUser": "team+pkg-go@tracker.debian.org",
        "goVersion": "go1.19.8",
        "revision": "0.25.0-1+b4",
        "version": "0.25.0",
    },
}


def alerts_body() -> bytes:
    """``GET /api/v2/alerts`` as the same Alertmanager would answer: the recorded groups' alerts, flat.

    An alert routed to two receivers is in two groups but only once in ``/api/v2/alerts``.
    """
    groups = json.loads(GROUPS.read_bytes())
    unique = {alert["fingerprint"]: alert for group in groups for alert in group["alerts"]}
    return json.dumps(list(unique.values())).encode()


class Recorder:
    """Serves one response per (method, path) and keeps the requests it saw."""

    def __init__(self, routes: dict[tuple[str, str], httpx.Response]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = self.routes.get((request.method, request.url.path))
        return response if response is not None else httpx.Response(404, text="404 page not found\n")


def reply(body: bytes | str | Any, status: int = 200) -> httpx.Response:
    if isinstance(body, bytes | str):
        content = body.encode() if isinstance(body, str) else body
        return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})
    return httpx.Response(status, json=body)


def alertmanager(routes: dict[tuple[str, str], httpx.Response]) -> tuple[AlertmanagerClient, Recorder]:
    recorder = Recorder(routes)
    transport = httpx.MockTransport(recorder)
    return AlertmanagerClient(build_async_client(BASE, SourceSettings(), transport=transport)), recorder


NOW = datetime(2026, 3, 11, 13, 0, tzinfo=UTC)


def postable(**changes: Any) -> PostableSilence:
    fields: dict[str, Any] = {
        "matchers": [
            SilenceMatcher("alertname", "HTTP_Probe_Failed"),
            SilenceMatcher("instance", "web.*", True),
        ],
        "starts_at": NOW,
        "ends_at": NOW + timedelta(hours=1),
        "created_by": "alice@laptop",
        "comment": "ack: investigating",
    }
    fields.update(changes)
    return PostableSilence(**fields)


# --- reads --------------------------------------------------------------------------------


async def test_alert_groups_from_a_real_alertmanager() -> None:
    client, _ = alertmanager({("GET", "/api/v2/alerts/groups"): reply(GROUPS.read_bytes())})
    groups = await client.alert_groups()

    alerts = [alert for group in groups for alert in group.alerts]
    assert (len(groups), len(alerts)) == (10, 24)
    assert sum(a.status.state == "suppressed" for a in alerts) == 8
    first = groups[0]
    assert first.labels == {"alertname": "Free_Disk_Space_Too_Low"}
    assert first.receiver.name == "by-name"
    alert = first.alerts[0]
    assert alert.fingerprint == "aae7a1432b5d2f1b"
    assert alert.alertname == "Free_Disk_Space_Too_Low"
    assert alert.annotations["alert"] == "Less than 10% disk space is free"
    assert alert.generator_url == "http://localhost/prometheus"
    assert [r.name for r in alert.receivers] == ["by-cluster-service", "by-name"]
    assert alert.starts_at == datetime(2026, 3, 11, 12, 48, 38, 413000, tzinfo=UTC)
    silenced = next(a for a in alerts if a.fingerprint == "54c2f185e49cfccb")
    assert silenced.status.silenced_by == ["810ccf7f-c957-474a-b383-7e76d66a4d3b"]


async def test_alert_groups_sends_filters_and_state_flags() -> None:
    client, recorder = alertmanager({("GET", "/api/v2/alerts/groups"): reply("[]")})
    await client.alert_groups(
        ['severity="critical"', 'service=~"api.*"'], silenced=False, inhibited=False, receiver="pager"
    )

    params = recorder.requests[0].url.params
    assert params.get_list("filter") == ['severity="critical"', 'service=~"api.*"']
    assert (params["active"], params["silenced"], params["inhibited"]) == ("true", "false", "false")
    assert params["receiver"] == "pager"


async def test_a_single_matcher_string_is_one_filter() -> None:
    client, recorder = alertmanager({("GET", "/api/v2/alerts/groups"): reply("[]")})
    await client.alert_groups('severity="critical"')

    assert recorder.requests[0].url.params.get_list("filter") == ['severity="critical"']


async def test_alerts() -> None:
    client, recorder = alertmanager({("GET", "/api/v2/alerts"): reply(alerts_body())})
    alerts = await client.alerts(["cluster=dev"], active=False, unprocessed=False)

    assert len(alerts) == 12
    assert len({a.fingerprint for a in alerts}) == 12
    params = recorder.requests[0].url.params
    assert params.get_list("filter") == ["cluster=dev"]
    assert (params["active"], params["unprocessed"]) == ("false", "false")


async def test_silences_from_a_real_alertmanager() -> None:
    client, _ = alertmanager({("GET", "/api/v2/silences"): reply(SILENCES.read_bytes())})
    silences = await client.silences()

    assert [s.id for s in silences] == [
        "810ccf7f-c957-474a-b383-7e76d66a4d3b",
        "dcb3b5d0-9f10-4baa-977a-70073a1899bd",
        "9bd58938-25fd-41c5-aba3-9bc373074484",
    ]
    second = silences[1]
    assert [(m.name, m.value, m.is_regex, m.is_equal) for m in second.matchers] == [
        ("alertname", "Host_Down", False, True),
        ("cluster", "dev", False, True),
    ]
    assert (second.created_by, second.status.state) == ("john@example.com", "active")
    assert second.ends_at == datetime(2063, 1, 1, tzinfo=UTC)


async def test_one_silence_by_id() -> None:
    silence = json.loads(SILENCES.read_bytes())[0]
    client, recorder = alertmanager({("GET", f"/api/v2/silence/{silence['id']}"): reply(silence)})
    got = await client.silence(silence["id"])

    assert (got.id, got.comment) == (silence["id"], "Silenced instance")


@pytest.mark.parametrize(
    ("status", "body"),
    [(404, ""), (500, '"silence not found"')],
    ids=["404", "alertmanager-0.25-500"],
)
async def test_unknown_silence_is_not_found(status: int, body: str) -> None:
    sid = "00000000-0000-0000-0000-000000000000"
    client, _ = alertmanager(
        {
            ("GET", f"/api/v2/silence/{sid}"): reply(body, status),
            ("DELETE", f"/api/v2/silence/{sid}"): reply(body, status),
        }
    )
    with pytest.raises(NotFoundError):
        await client.silence(sid)
    with pytest.raises(NotFoundError):
        await client.expire_silence(sid)


async def test_silence_id_cannot_escape_the_path() -> None:
    client, recorder = alertmanager({})
    with pytest.raises(NotFoundError):
        await client.expire_silence("../alerts")

    assert recorder.requests[0].url.raw_path == b"/api/v2/silence/..%2Falerts"


async def test_status() -> None:
    client, _ = alertmanager({("GET", "/api/v2/status"): reply(STATUS_BODY)})
    status = await client.status()

    assert status.version_info.version == "0.25.0"
    assert status.cluster.status == "ready"
    assert [p.address for p in status.cluster.peers] == ["10.0.0.1:9094"]
    assert status.uptime == datetime(2026, 11, 27, 19, 34, 10, 984000, tzinfo=UTC)


# --- writes -------------------------------------------------------------------------------


async def test_create_silence_posts_the_wire_shape_and_returns_the_server_id() -> None:
    client, recorder = alertmanager({("POST", "/api/v2/silences"): reply({"silenceID": "new-id-1"})})
    silence_id = await client.create_silence(postable())

    assert silence_id == "new-id-1"
    request = recorder.requests[0]
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.content)
    assert body == {
        "matchers": [
            {"name": "alertname", "value": "HTTP_Probe_Failed", "isRegex": False, "isEqual": True},
            {"name": "instance", "value": "web.*", "isRegex": True, "isEqual": True},
        ],
        "startsAt": "2026-03-11T13:00:00Z",
        "endsAt": "2026-03-11T14:00:00Z",
        "createdBy": "alice@laptop",
        "comment": "ack: investigating",
    }


async def test_updating_a_silence_returns_the_id_the_server_chose() -> None:
    # Alertmanager replaces a silence whose matchers changed and answers with a new id.
    client, recorder = alertmanager({("POST", "/api/v2/silences"): reply({"silenceID": "replacement-id"})})
    silence_id = await client.create_silence(postable(id="old-id"))

    assert silence_id == "replacement-id"
    assert json.loads(recorder.requests[0].content)["id"] == "old-id"


async def test_rejected_silence_says_why() -> None:
    body = '{"code":612,"message":"matchers in body should have at least 1 items"}'
    client, _ = alertmanager({("POST", "/api/v2/silences"): reply(body, 422)})
    with pytest.raises(SourceError) as caught:
        await client.create_silence(postable(matchers=[]))

    assert (caught.value.kind, caught.value.status) == ("http", 422)
    assert "at least 1 items" in caught.value.message


@pytest.mark.parametrize(
    ("body", "kind"),
    [('{"silenceID": ""}', "shape"), ("{}", "shape"), ('{"silenceID": 5}', "shape"), ("ok", "decode")],
)
async def test_create_silence_without_a_usable_id(body: str, kind: str) -> None:
    client, _ = alertmanager({("POST", "/api/v2/silences"): reply(body)})
    with pytest.raises(SourceError) as caught:
        await client.create_silence(postable())

    assert caught.value.kind == kind
    assert "/api/v2/silences" in caught.value.message


async def test_naive_silence_times_are_refused_before_sending() -> None:
    client, recorder = alertmanager({})
    with pytest.raises(ValueError, match="timezone-aware"):
        await client.create_silence(postable(ends_at=datetime(2026, 3, 11, 14)))  # noqa: DTZ001

    assert recorder.requests == []


async def test_expire_silence_deletes_it() -> None:
    sid = "810ccf7f-c957-474a-b383-7e76d66a4d3b"
    client, recorder = alertmanager({("DELETE", f"/api/v2/silence/{sid}"): httpx.Response(200)})
    await client.expire_silence(sid)

    assert [(r.method, r.url.path) for r in recorder.requests] == [("DELETE", f"/api/v2/silence/{sid}")]


# --- bad input: every failure a one-line SourceError -------------------------------------


@pytest.mark.parametrize(
    ("response", "kind", "status", "needle"),
    [
        (reply('"bad matcher format: severity=="', 400), "http", 400, "bad matcher format"),
        (reply("Forbidden", 403), "http", 403, "HTTP 403"),
        (reply("<html><h1>502 Bad Gateway</h1></html>", 502), "http", 502, "502 Bad Gateway"),
        (reply('"failed to get alert groups"', 500), "http", 500, "HTTP 500"),
        (reply("<!doctype html><title>Sign in</title>"), "decode", None, "not JSON"),
        (reply(""), "decode", None, "empty response body"),
        (reply('{"groups": []}'), "shape", None, "unexpected response shape"),
        (
            reply('[{"labels": {}, "receiver": {"name": "x"}, "alerts": [{"labels": {}}]}]'),
            "shape",
            None,
            "shape",
        ),
        (reply('[{"labels": {"a": 1}, "receiver": {"name": "x"}, "alerts": []}]'), "shape", None, "labels"),
    ],
    ids=[
        "400",
        "403",
        "502-html",
        "500",
        "html-200",
        "empty",
        "object",
        "alert-missing-fields",
        "label-not-str",
    ],
)
async def test_bad_responses(response: httpx.Response, kind: str, status: int | None, needle: str) -> None:
    client, _ = alertmanager({("GET", "/api/v2/alerts/groups"): response})
    with pytest.raises(SourceError) as caught:
        await client.alert_groups()

    error = caught.value
    assert (error.kind, error.status) == (kind, status)
    assert needle in error.message
    assert f"{BASE}/api/v2/alerts/groups" in error.message
    assert "\n" not in error.message


@pytest.mark.parametrize("path", ["/api/v2/silences", "/api/v2/status", "/api/v2/alerts"])
async def test_wrong_shape_on_every_read(path: str) -> None:
    client, _ = alertmanager({("GET", path): reply('{"unexpected": true}')})
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "/api/v2/silences": lambda: client.silences(),
        "/api/v2/status": lambda: client.status(),
        "/api/v2/alerts": lambda: client.alerts(),
    }
    with pytest.raises(SourceError) as caught:
        await calls[path]()

    assert caught.value.kind == "shape"
    assert path in caught.value.message


async def test_refused_connection() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    client = AlertmanagerClient(build_async_client(url, SourceSettings()))
    with pytest.raises(SourceError) as caught:
        await client.alert_groups()
    await client.aclose()

    assert caught.value.kind == "unreachable"
    assert url in caught.value.message


async def test_timeout() -> None:
    async with hanging_server() as port:
        client = AlertmanagerClient(
            build_async_client(f"http://127.0.0.1:{port}", SourceSettings(timeout=0.2))
        )
        with pytest.raises(SourceError) as caught:
            await client.create_silence(postable())
        await client.aclose()

    assert caught.value.kind == "timeout"
    assert "0.2s" in caught.value.message


async def test_tls_failure(tmp_path: Path) -> None:
    async with untrusted_tls_server(tmp_path) as port:
        client = AlertmanagerClient(build_async_client(f"https://127.0.0.1:{port}", SourceSettings()))
        with pytest.raises(SourceError) as caught:
            await client.silences()
        await client.aclose()

    assert caught.value.kind == "tls"
    assert "certificate" in caught.value.message.lower()


async def test_a_timestamp_without_a_zone_is_a_shape_error_not_a_later_crash() -> None:
    body = (
        b'[{"labels":{"alertname":"X"},"receiver":{"name":"r"},"alerts":[{"labels":{"alertname":"X"},'
        b'"fingerprint":"f1","startsAt":"2026-01-01T00:00:00","annotations":{},"receivers":[],'
        b'"status":{"state":"active","silencedBy":[],"inhibitedBy":[]}}]}]'
    )
    transport = httpx.MockTransport(lambda _r: httpx.Response(200, content=body))
    async with httpx.AsyncClient(base_url="http://am:9093", transport=transport) as http:
        with pytest.raises(SourceError) as caught:
            await AlertmanagerClient(http).alert_groups()
    assert caught.value.kind == "shape" and "timezone" in caught.value.message
