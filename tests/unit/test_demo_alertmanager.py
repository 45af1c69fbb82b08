"""The demo Alertmanager: real API v2 shapes, silences that really suppress, Alertmanager's update rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.demo import DemoEnvironment
from oncall_tui.demo.alertmanager_api import fingerprint, parse_filter
from oncall_tui.models.alertmanager import Alert, AlertGroup, AlertmanagerStatus, Silence

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alertmanager"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def env(clock: FakeClock) -> Iterator[DemoEnvironment]:
    with DemoEnvironment(clock) as demo:
        yield demo


@pytest.fixture
def am(env: DemoEnvironment) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=env.alertmanager_url, timeout=10) as client:
        yield client


def groups(am: httpx.Client, **params: Any) -> list[AlertGroup]:
    response = am.get("/api/v2/alerts/groups", params=params)
    assert response.status_code == 200, response.text
    return msgspec.json.decode(response.content, type=list[AlertGroup])


def alerts(am: httpx.Client, **params: Any) -> list[Alert]:
    response = am.get("/api/v2/alerts", params=params)
    assert response.status_code == 200, response.text
    return msgspec.json.decode(response.content, type=list[Alert])


def by_name(items: list[Alert]) -> dict[str, Alert]:
    return {a.alertname: a for a in items}


def silence_body(
    clock: FakeClock, matchers: list[dict[str, Any]], hours: float = 1, **extra: Any
) -> dict[str, Any]:
    now = clock.now()
    return {
        "matchers": matchers,
        "startsAt": now.isoformat().replace("+00:00", "Z"),
        "endsAt": (now + timedelta(hours=hours)).isoformat().replace("+00:00", "Z"),
        "createdBy": "alice@example.com",
        "comment": "investigating",
        **extra,
    }


def eq(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "value": value, "isRegex": False, "isEqual": True}


def test_groups_decode_into_the_app_models(am: httpx.Client) -> None:
    result = groups(am)
    assert result
    names = [g.labels["alertname"] for g in result]
    assert len(names) == len(set(names)), "grouped by alertname"
    every = [a for g in result for a in g.alerts]
    assert {a.labels["severity"] for a in every} == {"critical", "warning", "info"}
    for a in every:
        assert set(a.labels) >= {"alertname", "service", "severity", "instance", "team"}
        assert a.annotations["runbook_url"].startswith("https://runbooks.example.com/")
        assert a.annotations["summary"] and a.annotations["description"]
        assert a.generator_url.startswith("http://127.0.0.1:") and "/graph?g0.expr=" in a.generator_url
        assert a.starts_at.tzinfo is not None and a.ends_at is not None and a.ends_at > a.starts_at
        assert a.fingerprint == fingerprint(a.labels)
    critical = by_name(every)["CheckoutHighErrorRate"]
    assert critical.annotations["runbook_url"] == "https://runbooks.example.com/checkout/high-error-rate"
    assert [r.name for r in critical.receivers] == ["pagerduty-oncall"]


def test_wire_shape_matches_recorded_alertmanager(am: httpx.Client) -> None:
    recorded = json.loads((FIXTURES / "karma-am-0.31.0-api-v2-alerts-groups.json").read_text())
    ours = am.get("/api/v2/alerts/groups").json()
    assert set(ours[0]) == set(recorded[0])
    assert set(ours[0]["alerts"][0]) == set(recorded[0]["alerts"][0])
    assert set(ours[0]["alerts"][0]["status"]) == set(recorded[0]["alerts"][0]["status"])
    # Alertmanager writes UTC with milliseconds.
    assert ours[0]["alerts"][0]["startsAt"].endswith("Z") and len(ours[0]["alerts"][0]["startsAt"]) == 24


def test_fingerprints_are_alertmanagers() -> None:
    recorded = json.loads((FIXTURES / "karma-am-0.31.0-api-v2-alerts-groups.json").read_text())
    for group in recorded:
        for alert in group["alerts"]:
            assert fingerprint(alert["labels"]) == alert["fingerprint"]


def test_critical_inhibits_warning_of_the_same_service(am: httpx.Client) -> None:
    current = by_name(alerts(am))
    critical = current["CheckoutHighErrorRate"]
    latency = current["CheckoutHighLatency"]
    assert latency.status.state == "suppressed"
    assert latency.status.inhibited_by == [critical.fingerprint]
    assert current["PaymentsSlowResponses"].status.state == "active"
    not_inhibited = by_name(alerts(am, inhibited="false"))
    assert "CheckoutHighLatency" not in not_inhibited


def test_silence_suppresses_then_expiry_reactivates(am: httpx.Client, clock: FakeClock) -> None:
    created = am.post(
        "/api/v2/silences", json=silence_body(clock, [eq("alertname", "CheckoutHighErrorRate")])
    )
    assert created.status_code == 200
    sid = created.json()["silenceID"]
    silenced = by_name(alerts(am))["CheckoutHighErrorRate"]
    assert silenced.status.state == "suppressed"
    assert silenced.status.silenced_by == [sid]
    assert "CheckoutHighErrorRate" not in by_name(alerts(am, silenced="false"))
    only_suppressed = by_name(alerts(am, active="false"))
    assert "CheckoutHighErrorRate" in only_suppressed
    assert "PaymentsSlowResponses" not in only_suppressed

    listed = msgspec.json.decode(am.get("/api/v2/silences").content, type=list[Silence])
    assert [(s.id, s.status.state, s.created_by) for s in listed] == [(sid, "active", "alice@example.com")]
    one = msgspec.json.decode(am.get(f"/api/v2/silence/{sid}").content, type=Silence)
    assert one.matchers[0].name == "alertname" and one.comment == "investigating"

    assert am.delete(f"/api/v2/silence/{sid}").status_code == 200
    assert by_name(alerts(am))["CheckoutHighErrorRate"].status.state == "active"
    expired = msgspec.json.decode(am.get(f"/api/v2/silence/{sid}").content, type=Silence)
    assert expired.status.state == "expired"
    assert expired.ends_at == clock.now()
    again = am.delete(f"/api/v2/silence/{sid}")
    assert again.status_code == 500 and "already expired" in again.json()


def test_update_with_changed_matchers_returns_a_new_id_and_expires_the_old(
    am: httpx.Client, clock: FakeClock
) -> None:
    first = am.post("/api/v2/silences", json=silence_body(clock, [eq("service", "checkout")])).json()[
        "silenceID"
    ]
    # Same matchers, longer end: updated in place, same id.
    start = am.get(f"/api/v2/silence/{first}").json()["startsAt"]
    same = am.post(
        "/api/v2/silences",
        json=silence_body(clock, [eq("service", "checkout")], hours=3, id=first, startsAt=start),
    ).json()["silenceID"]
    assert same == first
    # Changed matchers: Alertmanager creates a new silence and expires the old one.
    clock.advance(5)
    regex = {"name": "service", "value": "check.*|pay.*", "isRegex": True, "isEqual": True}
    second = am.post("/api/v2/silences", json=silence_body(clock, [regex], id=first)).json()["silenceID"]
    assert second != first
    states = {s["id"]: s["status"]["state"] for s in am.get("/api/v2/silences").json()}
    assert states == {first: "expired", second: "active"}
    current = by_name(alerts(am))
    assert current["PaymentsSlowResponses"].status.silenced_by == [second]
    assert current["CheckoutHighErrorRate"].status.silenced_by == [second]
    assert current["TargetDown"].status.state == "active"


def test_negative_and_regex_matchers_are_anchored(am: httpx.Client, clock: FakeClock) -> None:
    # "check" must not match "checkout": Alertmanager anchors regexes.
    partial = {"name": "service", "value": "check", "isRegex": True, "isEqual": True}
    am.post("/api/v2/silences", json=silence_body(clock, [partial]))
    assert all(not a.status.silenced_by for a in alerts(am))
    not_node = {"name": "service", "value": "node", "isRegex": False, "isEqual": False}
    sid = am.post("/api/v2/silences", json=silence_body(clock, [not_node, eq("severity", "info")])).json()[
        "silenceID"
    ]
    current = by_name(alerts(am))
    assert current["FrontendErrorBudgetBurn"].status.silenced_by == [sid]
    assert current["NodeMemoryPressure"].status.silenced_by == []


def test_bad_silences_are_rejected_like_alertmanager(am: httpx.Client, clock: FakeClock) -> None:
    past = silence_body(clock, [eq("alertname", "X")], hours=-1)
    past["startsAt"] = (clock.now() - timedelta(hours=2)).isoformat()
    response = am.post("/api/v2/silences", json=past)
    assert response.status_code == 400
    assert response.json() == "Failed to create silence: end time can't be in the past"
    empty = am.post("/api/v2/silences", json=silence_body(clock, [eq("alertname", "")]))
    assert empty.status_code == 400
    unknown = am.post(
        "/api/v2/silences",
        json=silence_body(clock, [eq("alertname", "X")], id="7b4a9ff2-3c5e-4d6f-8a9b-0c1d2e3f4a5b"),
    )
    assert unknown.status_code == 404
    assert am.get("/api/v2/silence/7b4a9ff2-3c5e-4d6f-8a9b-0c1d2e3f4a5b").status_code == 404
    assert am.get("/api/v2/silence/not-a-uuid").status_code == 422


def test_filters(am: httpx.Client) -> None:
    critical = alerts(am, filter='severity="critical"')
    assert {a.labels["severity"] for a in critical} == {"critical"}
    several = alerts(am, filter=['service=~"check.*"', "severity!=critical"])
    assert [a.alertname for a in several] == ["CheckoutHighLatency"]
    grouped = groups(am, filter="team=platform")
    assert sorted(g.labels["alertname"] for g in grouped) == ["NodeMemoryPressure", "TargetDown"]
    assert am.get("/api/v2/alerts", params={"filter": "nonsense"}).status_code == 400
    assert [m.name for m in parse_filter('{a="1", b=~"x.*"}')] == ["a", "b"]


def test_groups_by_alertname_and_service_when_asked() -> None:
    clock = FakeClock()
    with (
        DemoEnvironment(clock, group_by=("alertname", "service")) as env,
        httpx.Client(base_url=env.alertmanager_url) as client,
    ):
        result = msgspec.json.decode(client.get("/api/v2/alerts/groups").content, type=list[AlertGroup])
    assert all(set(g.labels) == {"alertname", "service"} for g in result)


def test_alerts_fire_and_resolve_over_the_cycle(am: httpx.Client, clock: FakeClock) -> None:
    at_start = by_name(alerts(am))
    assert "CheckoutHighErrorRate" in at_start
    clock.advance(300)
    later = by_name(alerts(am))
    assert "CheckoutHighErrorRate" not in later
    assert "TargetDown" in later and later["TargetDown"].fingerprint == at_start["TargetDown"].fingerprint
    clock.advance(300)
    again = by_name(alerts(am))
    assert "CheckoutHighErrorRate" in again
    assert again["CheckoutHighErrorRate"].starts_at > at_start["CheckoutHighErrorRate"].starts_at


def test_posted_alerts_show_up(am: httpx.Client) -> None:
    posted = am.post(
        "/api/v2/alerts",
        json=[
            {
                "labels": {"alertname": "ManualTest", "severity": "info", "service": "demo"},
                "annotations": {"summary": "hi"},
            }
        ],
    )
    assert posted.status_code == 200
    assert by_name(alerts(am))["ManualTest"].annotations == {"summary": "hi"}
    assert am.post("/api/v2/alerts", json=[{"annotations": {}}]).status_code == 400


def test_status_and_ready(am: httpx.Client) -> None:
    status = msgspec.json.decode(am.get("/api/v2/status").content, type=AlertmanagerStatus)
    assert status.cluster.status == "ready"
    assert len(status.cluster.peers) == 1
    assert status.version_info.version
    assert "group_by: [alertname]" in am.get("/api/v2/status").json()["config"]["original"]
    assert am.get("/-/ready").status_code == 200


def test_several_peers_share_one_cluster_state() -> None:
    clock = FakeClock()
    with DemoEnvironment(clock, alertmanager_peers=2) as env:
        first, second = env.alertmanager_urls
        am_settings = env.settings().contexts["demo"].alertmanager
        assert am_settings is not None and len(am_settings.urls) == 2
        with httpx.Client() as client:
            sid = client.post(
                first + "/api/v2/silences", json=silence_body(clock, [eq("alertname", "TargetDown")])
            ).json()["silenceID"]
            seen = msgspec.json.decode(client.get(second + "/api/v2/alerts").content, type=list[Alert])
            assert by_name(seen)["TargetDown"].status.silenced_by == [sid]
            one = msgspec.json.decode(client.get(first + "/api/v2/status").content, type=AlertmanagerStatus)
            two = msgspec.json.decode(client.get(second + "/api/v2/status").content, type=AlertmanagerStatus)
    assert one.cluster.peers == two.cluster.peers and len(one.cluster.peers) == 2
    assert one.cluster.name != two.cluster.name
    assert {one.cluster.name, two.cluster.name} == {p.name for p in one.cluster.peers}
