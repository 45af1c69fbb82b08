"""Poller: fixed delay, timeout, backoff with jitter, stale marking, recovery, refresh-now."""

from __future__ import annotations

import asyncio

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.errors import SecretError, SourceError
from oncall_tui.models.health import HealthState
from oncall_tui.services.polling import Failed, Fresh, Poller


class Script:
    """A fetch that plays a scripted sequence of values and exceptions."""

    def __init__(self, *steps: object) -> None:
        self.steps = list(steps)
        self.calls = 0

    async def __call__(self) -> object:
        self.calls += 1
        step = self.steps.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


class Collector(list[object]):
    """Collects results and lets a test await the n-th one."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def add(self, item: object) -> None:
        self.append(item)
        self.changed.set()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(2):
            while len(self) < count:
                self.changed.clear()
                await self.changed.wait()


def make(fetch: Script, clock: FakeClock, results: list[object], **kwargs: object) -> Poller[object]:
    return Poller(
        "prometheus",
        fetch,
        results.append,
        refresh=15.0,
        timeout=5.0,
        max_backoff=120.0,
        clock=clock,
        jitter=lambda: 1.0,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_success_then_failure_keeps_last_value_marked_stale_with_reason() -> None:
    clock = FakeClock()
    results: list[object] = []
    poller = make(Script({"v": 1}, SourceError("connection refused by http://p:9090")), clock, results)
    first = await poller.poll_once()
    assert isinstance(first, Fresh) and first.value == {"v": 1}
    assert first.health.state == HealthState.UP and first.health.last_ok_at == clock.now()
    clock.advance(15)
    second = await poller.poll_once()
    assert isinstance(second, Failed)
    assert second.last_value == {"v": 1}
    assert second.health.state == HealthState.STALE
    assert second.health.reason == "connection refused by http://p:9090"
    # The age of the last good data is measurable from last_ok_at.
    assert second.health.last_ok_at is not None
    assert (clock.now() - second.health.last_ok_at).total_seconds() == 15
    assert results == [first, second]


async def test_failure_without_earlier_data_is_down() -> None:
    poller = make(Script(SourceError("HTTP 503 from http://p/api/v1/targets: unavailable")), FakeClock(), [])
    result = await poller.poll_once()
    assert isinstance(result, Failed) and result.last_value is None
    assert result.health.state == HealthState.DOWN


async def test_retries_come_sooner_than_the_refresh_interval_never_later_and_reset_on_success() -> None:
    # A retry backoff longer than the refresh interval made the app lag minutes behind a recovered
    # server: the first retry comes at a quarter of the interval, then half, then the interval.
    failures = [SourceError("down")] * 6
    poller = make(Script(*failures, "ok"), FakeClock(), [])
    delays = []
    for _ in range(6):
        await poller.poll_once()
        delays.append(poller.next_delay())
    assert delays == [3.75, 7.5, 15.0, 15.0, 15.0, 15.0]
    await poller.poll_once()
    assert poller.next_delay() == 15.0


async def test_max_backoff_below_the_refresh_interval_caps_retries() -> None:
    poller = make(
        Script(*[SourceError("down")] * 3),
        FakeClock(),
        [],
    )
    poller.max_backoff = 5.0
    for _ in range(3):
        await poller.poll_once()
    assert poller.next_delay() == 5.0


async def test_jitter_spreads_retries_but_never_past_the_refresh_interval() -> None:
    jitters = iter([0.8, 1.2, 1.2])
    poller = Poller(
        "am",
        Script(SourceError("x"), SourceError("x"), SourceError("x")),
        lambda _r: None,
        refresh=10,
        timeout=1,
        clock=FakeClock(),
        jitter=lambda: next(jitters),
    )
    await poller.poll_once()
    assert poller.next_delay() == pytest.approx(2.0)
    await poller.poll_once()
    assert poller.next_delay() == pytest.approx(6.0)
    await poller.poll_once()
    assert poller.next_delay() == pytest.approx(10.0)


async def test_slow_fetch_times_out_with_a_reason() -> None:
    async def never() -> object:
        await asyncio.Event().wait()
        return None

    poller = Poller("jaeger", never, lambda _r: None, refresh=10, timeout=0.05, clock=FakeClock())
    result = await poller.poll_once()
    assert isinstance(result, Failed)
    assert result.health.reason == "no answer within 0.05s"


async def test_unexpected_exception_is_reported_not_raised() -> None:
    poller = make(Script(KeyError("data")), FakeClock(), [])
    result = await poller.poll_once()
    assert isinstance(result, Failed)
    assert result.health.reason == "KeyError: 'data'"


async def test_missing_credentials_are_their_own_state() -> None:
    poller = make(Script(SecretError("no credentials: keyring unavailable")), FakeClock(), [])
    result = await poller.poll_once()
    assert result.health.state == HealthState.NO_CREDENTIALS
    assert result.health.reason == "no credentials: keyring unavailable"


async def test_run_waits_a_fixed_delay_after_each_fetch_ends() -> None:
    clock = FakeClock()
    results = Collector()
    fetch = Script(1, 2, 3)
    poller = Poller("p", fetch, results.add, refresh=15.0, timeout=5.0, clock=clock)
    task = asyncio.create_task(poller.run())
    await results.wait_for(3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert clock.sleeps[:2] == [15.0, 15.0]
    assert fetch.calls == 3


async def test_wake_cuts_the_wait_short_without_a_second_concurrent_fetch() -> None:
    clock = FakeClock(real_sleep=True)
    results = Collector()
    in_flight = 0
    peak = 0

    async def fetch() -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return len(results)

    poller = Poller("am", fetch, results.add, refresh=3600, timeout=5, clock=clock)
    task = asyncio.create_task(poller.run())
    await results.wait_for(1)
    poller.wake()
    poller.wake()
    await results.wait_for(2)
    task.cancel()
    assert peak == 1


async def test_a_failing_result_handler_does_not_stop_polling() -> None:
    calls: list[object] = []

    def broken(result: object) -> None:
        calls.append(result)
        raise RuntimeError("widget gone")

    poller = Poller("p", Script(1, 2), broken, refresh=1, timeout=1, clock=FakeClock())
    await poller.poll_once()
    second = await poller.poll_once()
    assert isinstance(second, Fresh) and second.value == 2 and len(calls) == 2


async def test_concurrent_first_use_resolves_the_secret_once() -> None:
    from oncall_tui.config.settings import PrometheusSettings
    from oncall_tui.services.sources import LazyHttpClient

    resolved: list[str] = []

    def resolver(context: str, source: str, auth: object) -> None:
        resolved.append(f"{context}/{source}")
        return None

    lazy = LazyHttpClient(
        "prod", "prometheus", "http://p:9090", PrometheusSettings(url="http://p:9090"), resolver, None
    )
    first, second = await asyncio.gather(lazy.get(), lazy.get())
    assert first is second and resolved == ["prod/prometheus"]
    await lazy.aclose()
