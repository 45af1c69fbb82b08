"""Decoded alerts share equal values with the last poll and across peers, and stay exactly as decoded."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import msgspec
import pytest

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.alertmanager_ha import AlertmanagerCluster
from oncall_tui.config.alerting import AlertSettings
from oncall_tui.domain.alert_queue import QueueOptions, prepare
from oncall_tui.domain.matchers import parse_filter, search_text
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.models.alert_reuse import AlertReuse
from oncall_tui.models.alertmanager import AlertGroup

POLICY = SeverityPolicy.from_settings(AlertSettings())


def alert(n: int, *, updated: str = "2026-03-11T13:00:00Z", **labels: str) -> dict[str, Any]:
    return {
        "labels": {"alertname": "DiskFull", "severity": "critical", "team": "storage", "instance": f"db{n}"}
        | labels,
        "annotations": {"summary": f"disk of db{n} is full", "runbook_url": "https://runbooks/disk"},
        "fingerprint": f"{n:016x}",
        "startsAt": "2026-03-11T12:00:00Z",
        "endsAt": "2026-03-11T13:04:00Z",
        "updatedAt": updated,
        "generatorURL": "http://prom/graph",
        "receivers": [{"name": "pager"}],
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": [], "mutedBy": []},
    }


def body(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"labels": {"alertname": "DiskFull"}, "receiver": {"name": "pager"}, "alerts": alerts}]


def decode(groups: list[dict[str, Any]], reuse: AlertReuse) -> list[AlertGroup]:
    decoded = msgspec.json.decode(json.dumps(groups).encode(), type=list[AlertGroup])
    with reuse.poll():
        return [reuse.group(g) for g in decoded]


def plain(groups: list[dict[str, Any]]) -> list[AlertGroup]:
    return msgspec.json.decode(json.dumps(groups).encode(), type=list[AlertGroup])


def test_the_next_poll_keeps_unchanged_alerts_and_shares_the_unchanged_parts_of_the_others() -> None:
    reuse = AlertReuse()
    first = body([alert(n) for n in range(1, 6)])
    before = decode(first, reuse)
    assert before == plain(first)
    # Values repeated across alerts are one object each.
    a, b = before[0].alerts[:2]
    assert a.labels["team"] is b.labels["team"] and a.receivers is b.receivers

    second = copy.deepcopy(first)
    alerts = second[0]["alerts"]
    alerts[1]["updatedAt"] = "2026-03-11T13:01:00Z"  # re-sent: only its times moved
    alerts[2]["labels"]["team"] = "dba"  # relabelled
    alerts[3]["status"] = {"state": "suppressed", "silencedBy": ["s1"], "inhibitedBy": [], "mutedBy": []}
    del alerts[4]  # resolved
    alerts.append(alert(9))  # new
    after = decode(second, reuse)

    assert after == plain(second)  # exactly what was decoded, whatever was shared
    old = {x.fingerprint: x for x in before[0].alerts}
    new = {x.fingerprint: x for x in after[0].alerts}
    assert new[f"{1:016x}"] is old[f"{1:016x}"]
    resent = new[f"{2:016x}"]
    assert resent is not old[f"{2:016x}"] and resent.updated_at != old[f"{2:016x}"].updated_at
    assert resent.labels is old[f"{2:016x}"].labels and resent.annotations is old[f"{2:016x}"].annotations
    assert new[f"{3:016x}"].labels["team"] == "dba" and new[f"{3:016x}"].labels is not old[f"{3:016x}"].labels
    assert new[f"{4:016x}"].status.silenced_by == ["s1"]
    # Only this poll's alerts are kept for the next one: the resolved one is let go.
    assert len(reuse) == 5


def test_a_failed_poll_keeps_the_last_good_one_to_share_with() -> None:
    reuse = AlertReuse()
    groups = body([alert(1), alert(2)])
    before = decode(groups, reuse)
    with pytest.raises(RuntimeError), reuse.poll():
        raise RuntimeError("peer down")
    assert decode(groups, reuse)[0].alerts[0] is before[0].alerts[0]


async def test_two_peers_answering_the_same_alerts_share_them_and_merge_as_before() -> None:
    # Enough alerts for the merge to run in a worker thread (MERGE_IN_THREAD).
    groups = body([alert(n) for n in range(1, 1201)])
    payload = json.dumps(groups).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=payload)

    peers = [
        AlertmanagerClient(httpx.AsyncClient(base_url=url, transport=httpx.MockTransport(handler)))
        for url in ("http://am-a", "http://am-b")
    ]
    cluster = AlertmanagerCluster(peers)
    first = (await cluster.alert_groups()).value
    second = (await cluster.alert_groups()).value
    await cluster.aclose()
    assert first == second == plain(groups)
    assert all(x is y for x, y in zip(first[0].alerts, second[0].alerts, strict=True))
    assert len(cluster.reuse) == 1200


def test_haystacks_follow_search_use_and_are_reused_only_for_unchanged_text() -> None:
    reuse = AlertReuse()
    groups = body([alert(n) for n in range(1, 4)])
    first = prepare(decode(groups, reuse), POLICY)
    first.warm(None)
    # Nobody searched: nothing is built with the poll.
    second = prepare(decode(groups, reuse), POLICY)
    second.warm(first)
    assert second._haystacks == {}

    # Once searched, the next poll builds them, sharing the text of unchanged alerts.
    for row in second.rows:
        second.haystack(row)
    changed = copy.deepcopy(groups)
    changed[0]["alerts"][0]["annotations"]["summary"] = "disk of db1 is FULL again"
    third = prepare(decode(changed, reuse), POLICY)
    third.warm(second)
    assert len(third._haystacks) == 3
    assert all(third.haystack(r) == search_text(r.alert) for r in third.rows)
    unchanged = third.row(f"{2:016x}")
    assert unchanged is not None and third.haystack(unchanged) is second._haystacks[unchanged.key]
    view = third.view(QueueOptions(filter=parse_filter("again")))
    assert [r.key for r in view.alert_rows()] == [f"{1:016x}"]


def test_rows_of_unchanged_alerts_are_the_last_polls_rows() -> None:
    reuse = AlertReuse()
    groups = body([alert(n) for n in range(1, 4)])
    first = prepare(decode(groups, reuse), POLICY)
    second = prepare(decode(groups, reuse), POLICY, previous=first)
    assert all(a is b for a, b in zip(first.rows, second.rows, strict=True))
    changed = copy.deepcopy(groups)
    changed[0]["alerts"][0]["annotations"]["summary"] = "disk of db1 is FULL again"
    third = prepare(decode(changed, reuse), POLICY, previous=second)
    fresh = third.row(f"{1:016x}")
    assert fresh is not None and fresh is not second.row(f"{1:016x}")
    assert fresh.alert.annotations["summary"] == "disk of db1 is FULL again"
    assert third.row(f"{2:016x}") is second.row(f"{2:016x}")
