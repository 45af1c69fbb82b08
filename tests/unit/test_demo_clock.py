"""The demo's clock: paused it stands still, resumed it carries on, restarted the incident cycle starts over.

Then the demo servers on it: what they serve stands still while paused (the critical alert does not
resolve), a silence made while paused silences, and a restart brings every severity back, silences kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest

from oncall_tui.clock import DemoClock, FakeClock
from oncall_tui.demo import DemoEnvironment
from oncall_tui.models.alertmanager import Alert

RESOLVES_AFTER = 200.0
"""Seconds after the demo starts at which its critical alert (CheckoutHighErrorRate) resolves."""


def test_running_it_is_the_base_clock() -> None:
    base = FakeClock()
    clock = DemoClock(base)
    assert not clock.paused
    base.advance(42)
    assert clock.now() == base.now()
    assert clock.monotonic() == base.monotonic()


def test_paused_it_stands_still_and_resumed_it_carries_on_from_there() -> None:
    base = FakeClock()
    clock = DemoClock(base)
    base.advance(10)
    held = clock.now()
    assert clock.pause()
    assert clock.paused
    base.advance(300)
    assert clock.now() == held
    # Monotonic time still moves: polls, timeouts and backoff go on while paused.
    assert clock.monotonic() == base.monotonic()
    assert clock.resume()
    assert not clock.paused
    assert clock.now() == held  # no jump: it carries on from where it stood
    base.advance(5)
    assert clock.now() == held + timedelta(seconds=5)
    # A second pause adds up with the first.
    clock.pause()
    base.advance(60)
    clock.resume()
    base.advance(1)
    assert clock.now() == held + timedelta(seconds=6)
    assert clock.now() == base.now() - timedelta(seconds=360)


def test_pausing_twice_or_resuming_a_running_clock_changes_nothing() -> None:
    base = FakeClock()
    clock = DemoClock(base)
    assert not clock.resume()
    assert clock.now() == base.now()
    assert clock.pause()
    base.advance(30)
    assert not clock.pause()  # the first pause's moment stays
    assert clock.now() == base.now() - timedelta(seconds=30)


async def test_sleeping_is_the_base_clocks_even_while_paused() -> None:
    base = FakeClock()
    clock = DemoClock(base)
    clock.pause()
    await clock.sleep(5)
    assert base.sleeps == [5]


def test_restart_tells_its_listeners_now_and_keeps_the_pause() -> None:
    base = FakeClock()
    clock = DemoClock(base)
    heard: list[datetime] = []
    clock.on_restart(heard.append)
    clock.pause()
    base.advance(90)
    clock.restart()
    assert heard == [base.now() - timedelta(seconds=90)]
    assert clock.paused


# --- the demo servers on it ---------------------------------------------------------------------------


@pytest.fixture
def base() -> FakeClock:
    return FakeClock()


@pytest.fixture
def env(base: FakeClock) -> Iterator[DemoEnvironment]:
    with DemoEnvironment(base) as demo:
        yield demo


@pytest.fixture
def am(env: DemoEnvironment) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=env.alertmanager_url, timeout=10) as client:
        yield client


def firing(am: httpx.Client) -> dict[str, Alert]:
    response = am.get("/api/v2/alerts")
    assert response.status_code == 200, response.text
    return {a.alertname: a for a in msgspec.json.decode(response.content, type=list[Alert])}


def silence(env: DemoEnvironment, am: httpx.Client, service: str) -> str:
    now = env.clock.now()
    body: dict[str, Any] = {
        "matchers": [{"name": "service", "value": service, "isRegex": False, "isEqual": True}],
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(hours=1)).isoformat(),
        "createdBy": "newcomer@example.com",
        "comment": "reading the runbook",
    }
    response = am.post("/api/v2/silences", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["silenceID"])


def test_the_environment_wraps_its_clock_in_a_demo_clock(base: FakeClock) -> None:
    with DemoEnvironment(base) as env:
        assert isinstance(env.clock, DemoClock) and env.clock.base is base
    shared = DemoClock(base)
    with DemoEnvironment(shared) as env:
        assert env.clock is shared


def test_paused_the_critical_alert_keeps_firing_past_its_resolve(
    env: DemoEnvironment, am: httpx.Client, base: FakeClock
) -> None:
    before = firing(am)["CheckoutHighErrorRate"]
    env.clock.pause()
    base.advance(RESOLVES_AFTER + 60)
    after = firing(am)["CheckoutHighErrorRate"]
    assert after.status.state == "active"
    assert (after.starts_at, after.updated_at) == (before.starts_at, before.updated_at)
    # Prometheus stands still too: its default query time is the paused now.
    with httpx.Client(base_url=env.prometheus_url) as prom:
        result = prom.get("/api/v1/query", params={"query": 'ALERTS{alertname="CheckoutHighErrorRate"}'})
    assert result.json()["data"]["result"], "ALERTS still has the critical alert"
    # Resumed, the cycle runs on from where it stood: the resolve comes when its time does.
    env.clock.resume()
    assert "CheckoutHighErrorRate" in firing(am)
    base.advance(RESOLVES_AFTER)
    assert "CheckoutHighErrorRate" not in firing(am)


def test_a_silence_made_while_paused_silences(
    env: DemoEnvironment, am: httpx.Client, base: FakeClock
) -> None:
    env.clock.pause()
    base.advance(120)
    made = silence(env, am, "checkout")
    assert firing(am)["CheckoutHighErrorRate"].status.silenced_by == [made]
    env.clock.resume()
    base.advance(30)
    assert firing(am)["CheckoutHighErrorRate"].status.silenced_by == [made]


def test_restart_brings_every_severity_back_and_keeps_the_silences(
    env: DemoEnvironment, am: httpx.Client, base: FakeClock
) -> None:
    at_start = {name: env.clock.now() - a.starts_at for name, a in firing(am).items()}
    base.advance(RESOLVES_AFTER + 60)
    made = silence(env, am, "payments")
    assert "CheckoutHighErrorRate" not in firing(am)
    env.clock.restart()
    now = firing(am)
    # The cycle as at the demo's start: the same alerts, fired as long ago as then.
    assert {name: env.clock.now() - a.starts_at for name, a in now.items()} == at_start
    assert {a.labels["severity"] for a in now.values()} == {"critical", "warning", "info"}
    # The user's silence is theirs, not the scenario's: it still silences.
    assert now["PaymentsSlowResponses"].status.silenced_by == [made]
    # Time itself did not move back: the restart is at now.
    assert env.clock.now() == base.now()
