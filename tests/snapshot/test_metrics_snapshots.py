"""SVG snapshots of the Metrics screen and the drill-down (baselines in snapshots/test_metrics_snapshots/).

The demo environment on a frozen clock serves the data, so every panel, sparkline and chart point is
the same on every run; the pollers use the same frozen clock, so the health bar's latencies read 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from oncall_tui.clock import FakeClock
from oncall_tui.config.settings import Settings
from oncall_tui.demo import DemoEnvironment
from oncall_tui.services.sources import SourceSet
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.drilldown import DrillDownScreen
from oncall_tui.ui.screens.metrics import MetricsScreen
from tests.support.waiting import wait_until

pytestmark = pytest.mark.snapshot
SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(clock=FakeClock(real_sleep=True), external_url="http://prometheus.demo:9090") as env:
        yield env


def make_app(demo: DemoEnvironment) -> OncallApp:
    def sources(name: str, settings: Settings) -> SourceSet:
        return SourceSet(name, settings.contexts[name], clock=demo.clock)

    return OncallApp(demo.settings(), demo=True, clock=demo.clock, source_set_factory=sources)


def _loaded(app: OncallApp) -> bool:
    screen = app.screen
    if not isinstance(screen, MetricsScreen) or screen.feed is None:
        return False
    panels = screen.feed.state.panels
    return bool(panels) and all(p is not None for p in panels)


async def _dashboard(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, OncallApp)
    await wait_until(pilot, lambda: app.context_name == "demo", "the demo context")
    app.push_screen(MetricsScreen("checkout"))
    await wait_until(pilot, lambda: _loaded(app), "every panel fetched")
    await wait_until(
        pilot, lambda: all(h.state.value != "unknown" for h in app.source_health.values()), "health"
    )
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES)
def test_checkout_dashboard(
    snap_compare: Callable[..., bool], size: tuple[int, int], demo: DemoEnvironment
) -> None:
    """The built-in checkout dashboard mid-incident: the bar names it ([checkout], 1/4, built-in, 1h,
    $service=checkout); six panels in two columns at 80x24 (three at 120x40), each with its title, the
    current value and unit on the right coloured by threshold (error ratio and p99 latency critical in
    the breach colour, requests/Apdex/CPU in the ok colour), a sparkline of blocks (the incident's rises
    and falls), and min–max with the series' legend under it; the focus cursor on Requests."""
    assert snap_compare(make_app(demo), terminal_size=size, run_before=_dashboard)


@pytest.mark.parametrize("size", SIZES)
def test_error_ratio_drilldown_with_baseline(
    snap_compare: Callable[..., bool], size: tuple[int, int], demo: DemoEnvironment
) -> None:
    """Drill-down of the checkout error ratio over 1h with the offset 1d baseline: the head line says
    "1h vs offset 1d" and the deviation ("+NNNN% vs same time yesterday"); the chart shows six incident
    peaks in the first series colour, the calm baseline as a dotted muted line near 0.5%, red x marks
    where the ratio leaves the baseline's band, orange diamonds for the exemplars of the last minutes;
    time ticks along the bottom, percentages on the left; the legend "5xx 8.23%" and the anomaly count;
    the exemplar line under it; the drill-down keys in the footer."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await _dashboard(pilot)
        app = pilot.app
        await pilot.press("tab", "enter")
        await wait_until(
            pilot, lambda: isinstance(app.screen, DrillDownScreen) and app.screen.view is not None, "chart"
        )
        await pilot.press("b")
        screen = app.screen
        assert isinstance(screen, DrillDownScreen)
        await wait_until(pilot, lambda: screen.data is not None and screen.data.offset == "1d", "baseline")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.2)

    assert snap_compare(make_app(demo), terminal_size=size, run_before=run_before)
