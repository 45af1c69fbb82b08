"""AlertmanagerCluster: fan-out to HA peers, merge by fingerprint/id, per-peer health, failover writes."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.alertmanager_ha import AlertmanagerCluster, merge_alerts
from oncall_tui.clients.http import build_async_client
from oncall_tui.config.settings import AlertmanagerSettings, SourceSettings
from oncall_tui.errors import NotFoundError, SourceError
from oncall_tui.models.alertmanager import PostableSilence, SilenceMatcher

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "alertmanager"
GROUPS: list[dict[str, Any]] = json.loads(
    (FIXTURES / "karma-am-0.31.0-api-v2-alerts-groups.json").read_bytes()
)
SILENCES: list[dict[str, Any]] = json.loads((FIXTURES / "karma-am-0.31.0-api-v2-silences.json").read_bytes())
FINGERPRINTS = {a["fingerprint"] for g in GROUPS for a in g["alerts"]}

AsyncHandler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


def flat(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({a["fingerprint"]: a for g in groups for a in g["alerts"]}.values())


class Peer:
    """One fake Alertmanager peer: a route table, or down, and the requests it saw."""

    def __init__(
        self, name: str, routes: dict[tuple[str, str], Any] | None = None, *, down: str = ""
    ) -> None:
        self.url = f"http://{name}.test:9093"
        self.routes = routes or {}
        self.down = down
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down == "refused":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if self.down == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if self.down == "connect-timeout":
            raise httpx.ConnectTimeout("timed out", request=request)
        route = self.routes.get((request.method, request.url.path))
        if route is None:
            return httpx.Response(404, text="404 page not found\n")
        if isinstance(route, httpx.Response):
            return route
        return httpx.Response(200, json=route)

    def client(self) -> AlertmanagerClient:
        return AlertmanagerClient(
            build_async_client(self.url, SourceSettings(), transport=httpx.MockTransport(self))
        )


def cluster(*peers: Peer) -> AlertmanagerCluster:
    return AlertmanagerCluster([p.client() for p in peers])


def with_alert(groups: list[dict[str, Any]], which: str, **changes: Any) -> list[dict[str, Any]]:
    """A copy of ``groups`` where every copy of the alert with fingerprint ``which`` has ``changes``."""
    changed = copy.deepcopy(groups)
    for group in changed:
        for alert in group["alerts"]:
            if alert["fingerprint"] == which:
                alert.update(changes)
    return changed


def silence_body(**changes: Any) -> PostableSilence:
    now = datetime(2026, 3, 11, 13, tzinfo=UTC)
    fields: dict[str, Any] = {
        "matchers": [SilenceMatcher("alertname", "Host_Down")],
        "starts_at": now,
        "ends_at": now + timedelta(hours=2),
        "created_by": "alice@laptop",
        "comment": "ack",
    }
    fields.update(changes)
    return PostableSilence(**fields)


# --- merged reads -------------------------------------------------------------------------


async def test_two_healthy_peers_with_the_same_alerts_show_each_alert_once() -> None:
    a = Peer("am-a", {("GET", "/api/v2/alerts/groups"): GROUPS, ("GET", "/api/v2/alerts"): flat(GROUPS)})
    b = Peer("am-b", {("GET", "/api/v2/alerts/groups"): GROUPS, ("GET", "/api/v2/alerts"): flat(GROUPS)})
    source = cluster(a, b)

    groups = await source.alert_groups()
    alerts = await source.alerts()

    assert len(groups.value) == 10
    assert sum(len(g.alerts) for g in groups.value) == 24  # an alert routed to two receivers is in two groups
    assert {a.fingerprint for a in alerts.value} == FINGERPRINTS
    assert len(alerts.value) == len(FINGERPRINTS)
    assert not groups.degraded and groups.failed == ()
    assert [p.url for p in groups.peers] == [a.url, b.url]
    assert all(p.ok and p.reason is None and p.latency >= 0 for p in groups.peers)


async def test_an_alert_only_one_peer_has_is_shown() -> None:
    only_b = with_alert(GROUPS[:1], "aae7a1432b5d2f1b", fingerprint="ffff000011112222")
    a = Peer("am-a", {("GET", "/api/v2/alerts/groups"): GROUPS[1:]})
    b = Peer("am-b", {("GET", "/api/v2/alerts/groups"): only_b + GROUPS[1:]})

    merged = await cluster(a, b).alert_groups()

    fingerprints = {x.fingerprint for g in merged.value for x in g.alerts}
    assert "ffff000011112222" in fingerprints
    assert merged.value[-1].labels == {"alertname": "Free_Disk_Space_Too_Low"}


@pytest.mark.parametrize("newer_first", [True, False])
async def test_when_peers_disagree_the_most_recently_updated_copy_wins(newer_first: bool) -> None:
    fingerprint = "54c2f185e49cfccb"  # suppressed by a silence in the recording
    stale = GROUPS
    fresh = with_alert(
        GROUPS,
        fingerprint,
        updatedAt="2026-03-11T12:59:00.000Z",
        status={"state": "active", "silencedBy": [], "inhibitedBy": [], "mutedBy": []},
    )
    first, second = (fresh, stale) if newer_first else (stale, fresh)
    a = Peer("am-a", {("GET", "/api/v2/alerts/groups"): first, ("GET", "/api/v2/alerts"): flat(first)})
    b = Peer("am-b", {("GET", "/api/v2/alerts/groups"): second, ("GET", "/api/v2/alerts"): flat(second)})
    source = cluster(a, b)

    alerts = {x.fingerprint: x for x in (await source.alerts()).value}
    copies = [
        x for g in (await source.alert_groups()).value for x in g.alerts if x.fingerprint == fingerprint
    ]

    assert alerts[fingerprint].status.state == "active"
    assert len(copies) == 2  # two receivers
    assert all(x.status.state == "active" for x in copies)


async def test_one_peer_down_does_not_hide_the_others_alerts_and_is_reported() -> None:
    up = Peer("am-a", {("GET", "/api/v2/alerts/groups"): GROUPS})
    down = Peer("am-b", down="refused")

    merged = await cluster(down, up).alert_groups()

    assert sum(len(g.alerts) for g in merged.value) == 24
    assert merged.degraded
    (failed,) = merged.failed
    assert failed.url == down.url
    assert failed.reason is not None and "refused" in failed.reason and down.url in failed.reason
    assert failed.error is not None and failed.error.kind == "unreachable"


async def test_a_peer_answering_garbage_counts_as_failed() -> None:
    up = Peer("am-a", {("GET", "/api/v2/alerts"): flat(GROUPS)})
    broken = Peer("am-b", {("GET", "/api/v2/alerts"): httpx.Response(200, text="<html>proxy login</html>")})

    merged = await cluster(up, broken).alerts()

    assert len(merged.value) == len(FINGERPRINTS)
    assert [p.ok for p in merged.peers] == [True, False]
    assert merged.failed[0].reason is not None and "not JSON" in merged.failed[0].reason


async def test_all_peers_down_raises_naming_each_reason() -> None:
    a = Peer("am-a", down="refused")
    b = Peer("am-b", down="timeout")
    with pytest.raises(SourceError) as caught:
        await cluster(a, b).alert_groups()

    message = caught.value.message
    assert message.startswith("all 2 Alertmanager peers failed to list alert groups")
    assert a.url in message and b.url in message
    assert "refused" in message and "timeout" in message
    assert "\n" not in message


async def test_a_single_peer_failing_raises_its_own_error() -> None:
    a = Peer("am-a", down="refused")
    with pytest.raises(SourceError) as caught:
        await cluster(a).silences()

    assert caught.value.kind == "unreachable"
    assert not caught.value.message.startswith("all ")


async def test_peers_are_asked_concurrently() -> None:
    entered = 0
    both_in = asyncio.Event()

    def make(name: str) -> tuple[str, AsyncHandler]:
        async def handler(request: httpx.Request) -> httpx.Response:
            nonlocal entered
            entered += 1
            if entered == 2:
                both_in.set()
            # A sequential fan-out would never get the second request in while the first waits.
            await asyncio.wait_for(both_in.wait(), timeout=2)
            return httpx.Response(200, json=flat(GROUPS))

        return f"http://{name}.test:9093", handler

    clients = [
        AlertmanagerClient(build_async_client(url, SourceSettings(), transport=httpx.MockTransport(handler)))
        for url, handler in (make("am-a"), make("am-b"))
    ]
    merged = await AlertmanagerCluster(clients).alerts()

    assert not merged.degraded


async def test_silences_are_deduplicated_by_id_newest_copy_wins() -> None:
    edited = copy.deepcopy(SILENCES)
    edited[0]["comment"] = "extended by bob"
    edited[0]["updatedAt"] = "2026-03-11T13:30:00.000Z"
    a = Peer("am-a", {("GET", "/api/v2/silences"): SILENCES})
    b = Peer("am-b", {("GET", "/api/v2/silences"): edited[:2]})

    merged = await cluster(a, b).silences()

    assert [s.id for s in merged.value] == [s["id"] for s in SILENCES]
    assert merged.value[0].comment == "extended by bob"


async def test_one_silence_is_found_on_whichever_peer_has_it() -> None:
    sid = SILENCES[2]["id"]
    a = Peer("am-a", {})  # not replicated there yet: 404
    b = Peer("am-b", {("GET", f"/api/v2/silence/{sid}"): SILENCES[2]})

    assert (await cluster(a, b).silence(sid)).id == sid


async def test_unknown_silence_is_not_found_even_if_a_peer_is_down() -> None:
    with pytest.raises(NotFoundError):
        await cluster(Peer("am-a", {}), Peer("am-b", down="refused")).silence("nope")


async def test_silence_lookup_with_every_peer_down_is_a_source_error() -> None:
    with pytest.raises(SourceError) as caught:
        await cluster(Peer("am-a", down="refused"), Peer("am-b", down="refused")).silence("x")

    assert not isinstance(caught.value, NotFoundError)


async def test_status_per_peer() -> None:
    status = {"cluster": {"status": "ready", "peers": []}, "versionInfo": {"version": "0.25.0"}}
    a = Peer("am-a", {("GET", "/api/v2/status"): status})
    b = Peer("am-b", down="refused")
    source = cluster(a, b)

    merged = await source.status()
    by_peer = await source.status_by_peer()

    assert list(merged.value) == [a.url]
    assert merged.value[a.url].version_info.version == "0.25.0"
    assert [p.ok for p in merged.peers] == [True, False]
    assert by_peer[0][0] == a.url and not isinstance(by_peer[0][1], SourceError)
    assert by_peer[1][0] == b.url and isinstance(by_peer[1][1], SourceError)


# --- writes: first reachable peer ---------------------------------------------------------


async def test_create_silence_goes_to_the_first_peer_only() -> None:
    a = Peer("am-a", {("POST", "/api/v2/silences"): {"silenceID": "from-a"}})
    b = Peer("am-b", {("POST", "/api/v2/silences"): {"silenceID": "from-b"}})

    assert await cluster(a, b).create_silence(silence_body()) == "from-a"
    assert b.requests == []


@pytest.mark.parametrize("failure", ["refused", "connect-timeout"])
async def test_create_silence_fails_over_when_the_first_peer_never_got_it(failure: str) -> None:
    a = Peer("am-a", down=failure)
    b = Peer("am-b", {("POST", "/api/v2/silences"): {"silenceID": "from-b"}})

    assert await cluster(a, b).create_silence(silence_body(id="old")) == "from-b"
    assert json.loads(b.requests[0].content)["id"] == "old"


@pytest.mark.parametrize("failure", ["timeout", "503"])
async def test_create_silence_is_not_sent_to_a_second_peer_when_the_first_may_have_applied_it(
    failure: str,
) -> None:
    # A read timeout or a 503 after the POST went out: the silence may exist on am-a already.
    # Posting it to am-b too would make two silences; the outbox retries instead (marker first).
    if failure == "503":
        a = Peer("am-a", {("POST", "/api/v2/silences"): httpx.Response(503, text="not ready")})
    else:
        a = Peer("am-a", down=failure)
    b = Peer("am-b", {("POST", "/api/v2/silences"): {"silenceID": "from-b"}})

    with pytest.raises(SourceError):
        await cluster(a, b).create_silence(silence_body(id="old"))
    assert b.requests == []


async def test_expire_is_idempotent_so_it_fails_over_even_after_a_timeout() -> None:
    sid = SILENCES[0]["id"]
    a = Peer("am-a", down="timeout")
    b = Peer("am-b", {("DELETE", f"/api/v2/silence/{sid}"): httpx.Response(200)})
    await cluster(a, b).expire_silence(sid)
    assert [r.method for r in b.requests] == ["DELETE"]


async def test_a_rejected_silence_is_not_retried_on_other_peers() -> None:
    a = Peer("am-a", {("POST", "/api/v2/silences"): httpx.Response(400, json="start time after end time")})
    b = Peer("am-b", {("POST", "/api/v2/silences"): {"silenceID": "from-b"}})

    with pytest.raises(SourceError) as caught:
        await cluster(a, b).create_silence(silence_body())

    assert caught.value.status == 400 and "start time after end time" in caught.value.message
    assert b.requests == []


async def test_expire_silence_fails_over_and_all_down_names_every_peer() -> None:
    sid = SILENCES[0]["id"]
    a = Peer("am-a", down="refused")
    b = Peer("am-b", {("DELETE", f"/api/v2/silence/{sid}"): httpx.Response(200)})
    await cluster(a, b).expire_silence(sid)
    assert [r.method for r in b.requests] == ["DELETE"]

    with pytest.raises(SourceError) as caught:
        await cluster(Peer("am-a", down="refused"), Peer("am-b", down="timeout")).expire_silence(sid)
    assert caught.value.message.startswith(f"all 2 Alertmanager peers failed to expire silence {sid}")


# --- construction -------------------------------------------------------------------------


async def test_from_settings_builds_one_client_per_url() -> None:
    settings = AlertmanagerSettings.model_validate(
        {"urls": ["http://am-a.test:9093", "http://am-b.test:9093/"]}
    )
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        return httpx.Response(200, json=[])

    source = AlertmanagerCluster.from_settings(settings, transport=httpx.MockTransport(handler))
    merged = await source.alerts()
    await source.aclose()

    assert sorted(seen) == ["am-a.test", "am-b.test"]
    assert [p.url for p in merged.peers] == ["http://am-a.test:9093", "http://am-b.test:9093"]


async def test_peers_can_be_given_display_names() -> None:
    a = Peer("am-a", down="refused")
    b = Peer("am-b", {("GET", "/api/v2/alerts"): []})
    merged = await AlertmanagerCluster([("peer1", a.client()), ("peer2", b.client())]).alerts()

    assert [p.url for p in merged.peers] == ["peer1", "peer2"]


def test_no_peers_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        AlertmanagerCluster([])


def test_merge_of_one_peer_is_that_peer() -> None:
    import msgspec

    from oncall_tui.models.alertmanager import Alert

    alerts = msgspec.json.decode(json.dumps(flat(GROUPS)), type=list[Alert])
    assert merge_alerts([alerts]) == alerts
