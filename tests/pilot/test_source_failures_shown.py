"""What a person sees when a source fails in ways that used to look like loading or like old data."""

from __future__ import annotations

from oncall_tui.clock import FakeClock
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.trace_search import TraceSearchScreen
from tests.support.fake_jaeger import FakeJaeger
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
