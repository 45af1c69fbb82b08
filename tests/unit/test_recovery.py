"""One answered request of a source wakes its other pollers: every view is fresh again together."""

from __future__ import annotations

import asyncio

import httpx

from oncall_tui.clock import SystemClock
from oncall_tui.config.settings import Settings
from oncall_tui.models.health import HealthState
from oncall_tui.services.polling import Poller
from oncall_tui.services.sources import SourceSet
from tests.support.fake_backends import PROM_URL, FakeBackends
from tests.support.waiting import holds_soon


async def test_a_success_of_one_poller_wakes_the_failing_pollers_of_the_same_source() -> None:
    backends = FakeBackends(SystemClock())
    settings = Settings.model_validate({"contexts": {"p": {"prometheus": {"url": PROM_URL}}}})
    sources = backends.source_set_factory()("p", settings)
    assert isinstance(sources, SourceSet)
    backends.down.add("prometheus")

    async def targets() -> object:
        return await (await sources.prometheus()).targets()

    # Refresh intervals so long that only a wake can make either poll again within the test.
    overview = Poller("prometheus", sources.prometheus_overview, lambda _r: None, refresh=3600, timeout=5)
    queue = Poller("targets", targets, lambda _r: None, refresh=3600, timeout=5)
    tasks = [asyncio.create_task(p.run()) for p in (overview, queue)]
    try:
        await holds_soon(lambda: overview.health.state is HealthState.DOWN, "overview down")
        await holds_soon(lambda: queue.health.state is HealthState.DOWN, "queue down")
        backends.down.discard("prometheus")
        overview.wake()  # e.g. "refresh now", or its own retry timer
        await holds_soon(lambda: overview.health.state is HealthState.UP, "overview up")
        await holds_soon(
            lambda: queue.health.state is HealthState.UP, "queue woken by the overview's success", 2
        )
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await sources.aclose()


async def test_a_5xx_does_not_count_as_the_source_answering() -> None:
    from oncall_tui.services.recovery import RecoveringTransport, SourceRecovery

    recovery = SourceRecovery()
    woken: list[str] = []

    class Spy(Poller[object]):
        def wake(self) -> None:
            woken.append(self.name)

    async def fetch() -> object:
        async with httpx.AsyncClient(
            transport=RecoveringTransport(httpx.MockTransport(lambda r: httpx.Response(status)), recovery)
        ) as client:
            return await client.get("http://x/")

    waiting = Spy("waiting", fetch, lambda _r: None, refresh=1, timeout=1)
    status = 503
    await waiting.poll_once()
    other = Spy("other", fetch, lambda _r: None, refresh=1, timeout=1)
    await other.poll_once()
    assert woken == []
    status = 200
    await other.poll_once()
    assert woken == ["waiting"]
