"""Short trace ids shown on screen open from the palette, and `oncall-tui trace FILE` offers only what has a
source (issue 8, item 11). Keyboard only, at 80x24."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from oncall_tui.clock import FakeClock
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.trace import TraceScreen
from oncall_tui.ui.screens.trace_search import TraceSearchScreen
from oncall_tui.ui.trace_file_app import TraceFileApp
from tests.support.fake_jaeger import FakeJaeger, fixture_trace
from tests.support.screen_text import screen_text
from tests.support.waiting import wait_until

SIZE = (80, 24)
HOTROD = "fe65c5beefbe4e96119efbba3da07e99"


async def trace_shown(pilot: Pilot[Any]) -> TraceScreen:
    app = pilot.app
    await wait_until(
        pilot, lambda: isinstance(app.screen, TraceScreen) and app.screen.analysis is not None, "a waterfall"
    )
    screen = app.screen
    assert isinstance(screen, TraceScreen)
    return screen


async def palette(pilot: Pilot[Any], typed: str) -> str:
    """Type into the command palette; what it lists."""
    await pilot.press("ctrl+p", *typed)
    await pilot.pause(0.3)
    return screen_text(pilot.app)


async def test_the_short_id_of_a_waterfall_header_opens_from_the_palette() -> None:
    fake = FakeJaeger(FakeClock(real_sleep=True))
    app = OncallApp(fake.settings(), clock=fake.clock, source_set_factory=fake.source_set_factory())
    async with app.run_test(size=SIZE) as pilot:
        app.open_trace_search("frontend", None, None)
        await wait_until(pilot, lambda: isinstance(app.screen, TraceSearchScreen), "the search")
        search = app.screen
        assert isinstance(search, TraceSearchScreen)
        await wait_until(pilot, lambda: search.results.row_count == 2, "results")
        await pilot.press("escape")
        # The header of HotROD's waterfall shows "trace fe65c5beefbe"; typed as shown, it opens.
        listed = await palette(pilot, f"trace {HOTROD[:12]}")
        assert f"Open trace {HOTROD}" in listed and "Seen in trace search results" in listed, listed
        await pilot.press("enter")
        screen = await trace_shown(pilot)
        assert screen.trace_id == HOTROD
        assert f"trace {HOTROD[:12]}" in screen_text(app)


async def test_trace_file_mode_hides_what_has_no_source_and_reopens_the_files_traces() -> None:
    traces = [
        fixture_trace("jaeger-ui-testTrace"),
        fixture_trace("jaeger-pr9263-hotrod-n_plus_one_full_serial"),
    ]
    app = TraceFileApp(traces, source_name="two.json", clock=FakeClock(real_sleep=True))
    async with app.run_test(size=SIZE) as pilot:
        first = await trace_shown(pilot)
        shown = screen_text(app)
        # No Alertmanager, Prometheus or Jaeger: no key or palette entry leads to a screen that would wait.
        assert "Sources" not in shown.splitlines()[-1]
        await pilot.press("A", "L", "S")
        assert app.screen is first
        listed = await palette(pilot, "alerts")
        assert "Alerts" not in listed.split("alerts", 1)[1], listed
        await pilot.press("escape")
        # The palette lists the file's traces; the second one's short id opens it.
        second = traces[1].trace_id
        listed = await palette(pilot, second[:8])
        assert f"Open trace {second}" in listed and "Seen in two.json" in listed, listed
        await pilot.press("enter")
        await wait_until(pilot, lambda: first.trace_index == 1 and first.analysis is not None, "trace 2")
        await wait_until(pilot, lambda: f"trace {second[:12]}" in screen_text(app), "its header")
        # The palette names each of the file's traces: the first one is one entry away.
        listed = await palette(pilot, "trace file")
        assert f"Trace file: two.json · trace {traces[0].trace_id[:12]}" in listed, listed
        await pilot.press("enter")
        await wait_until(pilot, lambda: first.trace_index == 0 and first.analysis is not None, "trace 1")
        assert app.screen is first
