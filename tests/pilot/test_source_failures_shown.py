"""What a person sees when a source fails in ways that used to look like loading or like old data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.models.health import HealthState
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.trace_search import TraceSearchScreen
from tests.support.fake_jaeger import FakeJaeger
from tests.support.fault_server import FaultServer, fault_settings
from tests.support.screen_text import screen_text
from tests.support.waiting import wait_until


async def test_the_service_selector_says_unavailable_when_listing_services_failed_and_retries() -> None:
    fake = FakeJaeger(FakeClock(real_sleep=True))
    fake.broken = True
    app = OncallApp(fake.settings(), clock=fake.clock, source_set_factory=fake.source_set_factory())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("T")
        await wait_until(pilot, lambda: isinstance(app.screen, TraceSearchScreen), "the search screen")
        await wait_until(pilot, lambda: "services unavailable" in screen_text(app), "the failure on the form")
        text = screen_text(app)
        assert "loading services" not in text and "connection refused" in text
        fake.broken = False
        await pilot.press("A")
        await pilot.press("T")
        screen = app.screen
        assert isinstance(screen, TraceSearchScreen)
        await wait_until(
            pilot, lambda: len(screen.service_select._options) > 1, "the services on a later visit"
        )


@pytest.fixture
def three() -> Iterator[dict[str, FaultServer]]:
    servers = {name: FaultServer(name) for name in ("prometheus", "alertmanager", "jaeger")}
    yield servers
    for server in servers.values():
        server.close()


async def test_one_long_error_does_not_hide_the_other_sources_in_the_health_bar(
    three: dict[str, FaultServer], tmp_path: Path
) -> None:
    three["prometheus"].set_fault("http500")
    app = OncallApp(fault_settings(three, timeout=5.0), database_path=tmp_path / "incidents.sqlite3")
    async with app.run_test(size=(100, 30)) as pilot:

        def settled() -> bool:
            health = app.source_health
            return (
                len(health) == 3
                and health["prometheus"].state is HealthState.DOWN
                and health["alertmanager"].state is HealthState.UP
                and health["jaeger"].state is HealthState.UP
            )

        await wait_until(pilot, settled, "prometheus down, the others up", within=20)
        await pilot.pause(0.1)
        bar = [line for line in screen_text(app).splitlines() if "prom" in line and "│" in line]
        assert bar, screen_text(app)
        line = bar[0]
        assert "prom DOWN" in line and "HTTP 500" in line
        assert "am " in line and "jaeger " in line, line
        assert "…" in line  # the long reason is shortened in the bar…
        await pilot.press("S")
        await wait_until(
            pilot,
            lambda: "injected 500" in " ".join(screen_text(app).split()),  # wrapped onto a second line
            "…and shown whole on Sources",
            within=20,
        )


async def test_alertmanager_failing_marks_the_queue_and_the_bar_stale_and_both_recover_together(
    three: dict[str, FaultServer], tmp_path: Path
) -> None:
    # A timeout well above the refresh interval: on a loaded CI box the healthy sources must not time out.
    app = OncallApp(fault_settings(three, refresh=1.0, timeout=5.0), database_path=tmp_path / "i.sqlite3")
    async with app.run_test(size=(120, 30)) as pilot:
        feed = app.alert_feed

        def all_up() -> bool:
            health = app.source_health
            return len(health) == 3 and all(h.state is HealthState.UP for h in health.values())

        await wait_until(
            pilot, lambda: all_up() and feed.state.snapshot is not None, "first polls", within=20
        )
        three["alertmanager"].set_fault("http503")
        await wait_until(
            pilot, lambda: "STALE" in screen_text(app) and "HTTP 503" in screen_text(app), "queue stale", 10
        )
        assert feed.state.snapshot is not None, "the last alerts stay on screen"
        # The bar follows its own probe of the source, which may come a moment after the queue's poll.
        await wait_until(
            pilot, lambda: app.source_health["alertmanager"].state is HealthState.STALE, "bar stale", 10
        )
        assert app.source_health["prometheus"].state is HealthState.UP
        assert app.source_health["jaeger"].state is HealthState.UP
        three["alertmanager"].set_fault(None)
        # How soon is asserted without a clock in tests/unit/test_recovery.py and test_polling.py.
        # What the screen shows follows the feeds' states through the screen's message queue: wait
        # for the screen itself (asserting right after the states flipped raced with the redraw).
        await wait_until(
            pilot,
            lambda: all_up() and feed.state.error is None and "STALE" not in screen_text(app),
            "queue and bar fresh on screen",
            10,
        )
