"""The switchable alert of the local stack fires and resolves in the real Alertmanager within seconds.

Every lifecycle test (ack until resolved, incident auto-resolve, escalation after a re-fire)
stands on this: ``Stack.switch`` writes node_exporter's textfile, Prometheus evaluates
``oncall_switch == 1`` every second and sends ``SwitchOn`` to Alertmanager. Switch alerts carry
``urgency``, not ``severity``: other tests of the same stack count the ``severity`` alerts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.http import build_async_client
from oncall_tui.config.settings import SourceSettings
from oncall_tui.models.alertmanager import AlertGroup
from tests.stack_support import Stack
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def alertmanager(stack: Stack) -> AsyncIterator[AlertmanagerClient]:
    client = AlertmanagerClient(build_async_client(stack.alertmanager_url, SourceSettings(timeout=5)))
    yield client
    await client.aclose()


def firing(groups: list[AlertGroup], switch: str) -> list[str]:
    """Start times of the SwitchOn alerts of ``switch`` that Alertmanager lists."""
    return [
        a.starts_at.isoformat()
        for g in groups
        for a in g.alerts
        if a.labels.get("alertname") == "SwitchOn" and a.labels.get("switch") == switch
    ]


async def test_the_switch_fires_resolves_and_fires_again_as_a_new_alert(
    stack: Stack, alertmanager: AlertmanagerClient
) -> None:
    stack.switch("sanity", True, urgency="page", service="switchboard")
    groups = await eventually(
        alertmanager.alert_groups, lambda g: bool(firing(g, "sanity")), "SwitchOn fired"
    )
    (first,) = firing(groups, "sanity")
    alert = next(a for g in groups for a in g.alerts if a.labels.get("switch") == "sanity")
    assert alert.labels["urgency"] == "page" and alert.labels["service"] == "switchboard"
    stack.switch("sanity", False)
    await eventually(alertmanager.alert_groups, lambda g: not firing(g, "sanity"), "SwitchOn resolved")
    stack.switch("sanity", True, urgency="page", service="switchboard")
    groups = await eventually(alertmanager.alert_groups, lambda g: bool(firing(g, "sanity")), "fired again")
    # A new firing: Alertmanager reports a later start than the first one's.
    (second,) = firing(groups, "sanity")
    assert second > first
    stack.switch("sanity", False)
