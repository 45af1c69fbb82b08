"""The sources feed, headless: typed overviews and health per source, replaced wholesale per poll."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.models.health import HealthState
from oncall_tui.services.feed import AsyncioHost
from oncall_tui.services.sources import AlertmanagerOverview, JaegerOverview, PrometheusOverview
from oncall_tui.services.sources_feed import SourcesFeed, SourcesState
from tests.support.fake_backends import FakeBackends


async def wait_for(condition: Callable[[], object], what: str, within: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"{what}: not within {within:g}s")
        await asyncio.sleep(0.01)


async def test_every_source_reports_its_typed_overview_and_a_new_context_starts_afresh() -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    settings = backends.settings()
    host = AsyncioHost()
    feed = SourcesFeed(host)
    states: list[SourcesState] = []
    unsubscribe = feed.subscribe(states.append)
    prod = backends.source_set_factory()("prod-eu", settings)
    feed.start(prod)
    # Known sources at once, still unknown.
    assert list(feed.state.health) == ["prometheus", "alertmanager", "jaeger"]
    assert all(h.state is HealthState.UNKNOWN for h in feed.state.health.values())
    await wait_for(lambda: all(h.state is HealthState.UP for h in feed.state.health.values()), "all up")
    overviews = feed.state.overviews
    assert (
        isinstance(overviews.prometheus, PrometheusOverview)
        and overviews.prometheus.build.version == "2.53.1"
    )
    assert isinstance(overviews.alertmanager, AlertmanagerOverview) and len(overviews.alertmanager.peers) == 2
    assert isinstance(overviews.jaeger, JaegerOverview) and overviews.of("jaeger") is overviews.jaeger
    assert len({id(s) for s in states}) == len(states)  # a new object per change
    staging = backends.source_set_factory()("staging", settings)
    feed.start(staging)
    assert list(feed.state.health) == ["prometheus"] and feed.state.overviews.prometheus is None
    unsubscribe()
    seen = len(states)
    await wait_for(lambda: feed.state.health["prometheus"].state is HealthState.UP, "staging up")
    assert len(states) == seen  # unsubscribed
    feed.stop()
    await host.aclose()
    await prod.aclose()
    await staging.aclose()
    assert host.errors == []
