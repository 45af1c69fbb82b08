"""SVG snapshots of the trace search results and the waterfall (baselines in snapshots/test_trace_snapshots/).

Time is frozen (FakeClock); traces are the recorded fixtures served by FakeJaeger or opened as files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from oncall_tui.clock import FakeClock
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.trace import TraceScreen
from oncall_tui.ui.screens.trace_search import TraceSearchScreen
from oncall_tui.ui.trace_file_app import TraceFileApp
from tests.support import waiting
from tests.support.fake_jaeger import FakeJaeger, fixture_trace

pytestmark = pytest.mark.snapshot
SIZES = [(80, 24), (120, 40)]


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], object]) -> None:
    await waiting.wait_until(pilot, predicate, "the screen to get there")


async def settle(pilot: Pilot[Any]) -> None:
    # Animations done, then every message handled (pause() with no delay waits for idle).
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def file_app(name: str) -> TraceFileApp:
    return TraceFileApp([fixture_trace(name)], source_name=f"{name}.json", clock=FakeClock(real_sleep=True))


async def trace_ready(pilot: Pilot[Any]) -> TraceScreen:
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, TraceScreen) and app.screen.analysis is not None)
    assert isinstance(app.screen, TraceScreen)
    return app.screen


@pytest.mark.parametrize("size", SIZES)
def test_trace_search_results(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    """Search for service "frontend", sorted by duration (u): the one-line form rows (service,
    operation, tags, window, min/max, limit, Search), the status line "2 traces for frontend · 2 with
    errors", two result rows — OTel demo 15.1s first, then HotROD 1.12s — with start (MM-DD HH:MM, not
    today), root service: operation, span counts 26 and 40, error counts (non-zero in the span-error
    colour), "Dur ▼" marking the sort; the Services column only at 120 wide; the line under the table
    shows the highlighted trace's full id and its services; footer with the search keys."""
    fake = FakeJaeger(FakeClock(real_sleep=True))
    app = OncallApp(fake.settings(), clock=fake.clock, source_set_factory=fake.source_set_factory())

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_until(pilot, lambda: len(app.screen_stack) > 1 and app.screen.is_mounted)
        await pilot.press("T")
        await wait_until(pilot, lambda: isinstance(app.screen, TraceSearchScreen))
        screen = app.screen
        assert isinstance(screen, TraceSearchScreen)
        await wait_until(pilot, lambda: len(screen.service_select._options) > 1)
        await pilot.press("enter", *"frontend", "enter")
        await wait_until(pilot, lambda: len(screen.operation_select._options) > 1)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: screen.results.row_count == 2)
        await pilot.press("u")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_trace_waterfall(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    """OTel demo trace (26 spans, 5 services, 1 error, 4 clock-skewed children): info line with the
    counts and "≈ 4 skewed", the time ruler (0 … 15.1s) over the faint ┊ grid, service names and bars
    in distinct theme colours (none in the error or critical-path colour), the critical path marked ┃
    in the gutter and ━ on the bars, durations beside the bars or inside a bar that fills the
    timeline, skewed spans marked ≈, the cursor row highlighted on the third row. At 120x40 the
    error span (✖ frontend-proxy POST, 15.0s, operation in the span-error colour) is visible."""
    app = file_app("jaeger-pr9263-otel-demo-error_timeout_masked")

    async def run_before(pilot: Pilot[Any]) -> None:
        await trace_ready(pilot)
        await pilot.press("down", "down")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_trace_waterfall_search_and_detail(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    """Jaeger UI test trace, searched for "service2": the three matches highlighted (labels on the
    warning-tinted background), cursor on the FOLLOWS_FROM span (↷ and a dashed ╌ bar), status line
    "match 3 of 3"; the detail pane split below shows service2 op3 with its FOLLOWS_FROM reference to
    span-6, tags (span.kind consumer) and process; the waterfall stays readable above it."""
    app = file_app("jaeger-ui-testTrace")

    async def run_before(pilot: Pilot[Any]) -> None:
        screen = await trace_ready(pilot)
        await pilot.press("slash", *"service2", "enter")
        await wait_until(pilot, lambda: bool(screen.search_nodes))
        await pilot.press("n", "n", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
