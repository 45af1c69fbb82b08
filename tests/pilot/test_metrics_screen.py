"""The Metrics screen and the drill-down on the demo: what the user sees after each key.

Assertions read the rendered screen (the app's own screenshot, through every widget's
``render_line``), never helpers that build the cells again.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from oncall_tui.demo import DemoEnvironment
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.drilldown import DrillDownScreen
from oncall_tui.ui.screens.metrics import MetricsScreen
from oncall_tui.ui.screens.metrics_pickers import ChoiceModal
from oncall_tui.ui.screens.modals import PromptModal
from oncall_tui.ui.screens.trace import TraceScreen
from oncall_tui.ui.widgets.panel_grid import PanelGrid
from tests.support.screen_text import rendered_lines
from tests.support.waiting import wait_until


def screen_text(app: Any) -> str:
    return "\n".join(rendered_lines(app))


def grid_loaded(app: OncallApp) -> bool:
    screen = app.screen
    if not isinstance(screen, MetricsScreen) or screen.feed is None:
        return False
    panels = screen.feed.state.panels
    return bool(panels) and all(p is not None for p in panels)


async def open_metrics(app: OncallApp, pilot: Pilot[Any], dashboard: str = "checkout") -> MetricsScreen:
    await wait_until(pilot, lambda: app.context_name == "demo", "the demo context")
    app.push_screen(MetricsScreen(dashboard))
    await wait_until(pilot, lambda: grid_loaded(app), "every panel fetched")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, MetricsScreen)
    return screen


async def open_drilldown(app: OncallApp, pilot: Pilot[Any]) -> DrillDownScreen:
    await pilot.press("enter")
    await wait_until(
        pilot, lambda: isinstance(app.screen, DrillDownScreen) and app.screen.view is not None, "the chart"
    )
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, DrillDownScreen)
    return screen


def _app(demo: DemoEnvironment) -> OncallApp:
    return OncallApp(demo.settings(), demo=True, clock=demo.clock)


async def test_dashboard_shows_six_panels_at_80x24_with_values_and_sparklines(demo: DemoEnvironment) -> None:
    app = _app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_metrics(app, pilot)
        text = screen_text(app)
        assert "[checkout]" in text and "Checkout — RED" in text and "$service=checkout" in screen_text(app)
        for title in (
            "Requests",
            "Error ratio",
            "Latency",
            "Apdex (T = 250 ms)",
            "Errors by code",
            "Process CPU",
        ):
            assert title in text, title
        requests = next(line for line in rendered_lines(app) if "Requests" in line)
        assert re.search(r"Requests +\d+(\.\d+)? req/s", requests)
        assert sum(line.count("█") + line.count("▁") for line in rendered_lines(app)) > 20
        assert "▌Requests" in text  # the focus cursor starts on the first panel


async def test_m_opens_metrics_and_the_palette_lists_it(demo: DemoEnvironment) -> None:
    app = _app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.context_name == "demo", "the demo context")
        await pilot.press("M")
        await wait_until(pilot, lambda: grid_loaded(app), "every panel fetched")
        await pilot.pause()
        assert "[checkout]" in screen_text(app) and " Metrics " in rendered_lines(app)[0]
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Metrics" in commands
        await pilot.press("A")
        await wait_until(pilot, lambda: not isinstance(app.screen, MetricsScreen), "back to alerts")


async def test_tab_and_arrows_move_the_panel_focus(demo: DemoEnvironment) -> None:
    app = _app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_metrics(app, pilot)
        await pilot.press("tab")
        assert "▌Error ratio" in screen_text(app)
        await pilot.press("down")
        assert "▌Apdex" in screen_text(app)
        await pilot.press("left")
        assert "▌Latency" in screen_text(app)
        assert screen.grid.focused_index == 2


async def test_an_unchanged_refresh_repaints_nothing(demo: DemoEnvironment) -> None:
    app = _app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_metrics(app, pilot)
        grid = screen.query_one(PanelGrid)
        # The dashboard bar and the panels (the health bar's latencies move with real polls).
        before_text = rendered_lines(app)[1:-2]
        before = grid.repaints
        feed = screen.feed
        assert feed is not None
        states: list[object] = []
        feed.subscribe(states.append)
        feed.wake()  # time is frozen: the same points come back
        await wait_until(pilot, lambda: len(states) >= 1, "a second refresh")
        await pilot.pause()
        assert grid.repaints == before
        assert rendered_lines(app)[1:-2] == before_text


async def test_brackets_switch_dashboards_and_v_narrows_a_variable(demo: DemoEnvironment) -> None:
    app = _app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_metrics(app, pilot, "red-http")
        assert "[red-http]" in screen_text(app)
        requests = [line for line in rendered_lines(app) if "Requests" in line]
        assert requests and "$service=All" in screen_text(app)
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the value picker")
        await pilot.press(
            "down", "down", "down", "down", "enter"
        )  # All, checkout, frontend, inventory, payments
        await wait_until(
            pilot,
            lambda: grid_loaded(app)
            and screen.feed is not None
            and screen.feed.state.choices == {"service": "payments"},
            "payments panels",
        )
        await pilot.pause()
        assert "$service=payments" in screen_text(app)
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: "[checkout]" in screen_text(app), "the next dashboard (wrapping)")
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: "[red-http]" in screen_text(app), "back to red-http")


async def test_drilldown_range_change_and_baseline(demo: DemoEnvironment) -> None:
    app = _app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_metrics(app, pilot)
        await pilot.press("tab")  # Error ratio
        drill = await open_drilldown(app, pilot)
        head = rendered_lines(app)[1]
        assert head.strip().startswith("Error ratio") and " 1h" in head
        assert "02:00" in screen_text(app) and "03:00" in screen_text(app)
        await pilot.press("2")
        await wait_until(
            pilot, lambda: drill.data is not None and drill.data.range.label == "15m", "15 minutes"
        )
        await pilot.pause()
        assert " 15m" in rendered_lines(app)[1]
        assert "02:45" in screen_text(app) and "02:00" not in screen_text(app)
        await pilot.press("b")
        await wait_until(pilot, lambda: drill.data is not None and drill.data.offset == "1d", "the baseline")
        await pilot.pause()
        head = rendered_lines(app)[1]
        assert "vs offset 1d" in head
        assert re.search(r"\+\d+% vs same time yesterday", head), head
        assert "anomalies" in screen_text(app)
        await pilot.press("b", "b")
        await wait_until(pilot, lambda: drill.data is not None and drill.data.offset is None, "baseline off")
        await pilot.pause()
        assert "vs offset" not in rendered_lines(app)[1]


async def test_typed_range_and_label_filter(demo: DemoEnvironment) -> None:
    app = _app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_metrics(app, pilot, "red-http")
        drill = await open_drilldown(app, pilot)
        legend = "\n".join(rendered_lines(app)[-6:])
        assert all(name in legend for name in ("frontend", "checkout", "payments", "inventory"))
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "the filter prompt")
        await pilot.press(*'service=~"pay.*"', "enter")
        await wait_until(pilot, lambda: drill.label_filter == 'service=~"pay.*"', "the filter applied")
        await pilot.pause()
        legend = "\n".join(rendered_lines(app)[-6:])
        assert "payments" in legend and "frontend" not in legend and "checkout" not in legend
        assert '/service=~"pay.*"' in rendered_lines(app)[1]
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal), "the range prompt")
        await pilot.press(*"2h", "enter")  # the prompt starts with its text selected
        await wait_until(
            pilot, lambda: drill.data is not None and drill.data.range.label == "2h", "two hours"
        )
        await pilot.pause()
        assert " 2h" in rendered_lines(app)[1]


async def test_exemplar_opens_its_trace(demo: DemoEnvironment) -> None:
    app = _app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_metrics(app, pilot)
        drill = await open_drilldown(app, pilot)
        assert drill.data is not None and drill.data.exemplars
        assert "exemplars (x to list)" in screen_text(app)
        newest = drill.data.exemplars[0]
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the exemplar list")
        await pilot.pause()
        assert newest.trace_id in screen_text(app)
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, TraceScreen) and app.screen.analysis is not None,
            "the exemplar's trace",
        )
        trace = app.screen
        assert isinstance(trace, TraceScreen) and trace.analysis is not None
        assert trace.analysis.trace.trace_id == newest.trace_id


async def test_y_copies_the_promql(demo: DemoEnvironment) -> None:
    app = _app(demo)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign, assignment]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_metrics(app, pilot)
        await pilot.press("y")
        # The sparkline's query: the rate interval follows its step (1h over the panel's width).
        assert copied == ['sum by (service) (rate(http_requests_total{service="checkout"}[1m50s]))']
        drill = await open_drilldown(app, pilot)
        await pilot.press("y")
        # The chart's: one point per 15 s scrape, so the rate interval is four scrapes.
        assert copied[-1] == 'sum by (service) (rate(http_requests_total{service="checkout"}[1m]))'
        assert drill.data is not None and drill.data.queries == (copied[-1],)


async def test_only_panels_on_screen_are_fetched(demo: DemoEnvironment) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "oncall-tui" / "dashboards"
    config.mkdir(parents=True, exist_ok=True)
    panels = "".join(
        f'[[panels]]\ntitle = "up {i}"\n[[panels.queries]]\nexpr = \'up{{job="node"}} * {i}\'\n\n'
        for i in range(24)
    )
    (config / "many.toml").write_text(f'name = "many"\ntitle = "Many"\nwindow = "15m"\n\n{panels}')
    app = _app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.context_name == "demo", "the demo context")
        app.push_screen(MetricsScreen("many"))
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsScreen), "the metrics screen")
        screen = app.screen
        assert isinstance(screen, MetricsScreen)

        def fetched() -> set[int]:
            feed = screen.feed
            return {i for i, p in enumerate(feed.state.panels) if p is not None} if feed else set()

        await wait_until(pilot, lambda: fetched() >= set(range(10)), "the ten panels on screen")
        await pilot.pause(0.3)
        # Ten panels fit at 80x24; those below were never asked for.
        assert max(fetched()) < 12 and "up 9" in screen_text(app) and "up 20" not in screen_text(app)
        for _ in range(10):
            await pilot.press("down")  # two panels a row: focus goes to panel 20, the grid scrolls
        await wait_until(pilot, lambda: 20 in fetched(), "panel 20 fetched once on screen")
        assert "up 20" in screen_text(app)


async def test_a_bad_query_shows_prometheus_error_and_a_stopped_source_marks_panels_stale(
    demo: DemoEnvironment,
) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "oncall-tui" / "dashboards"
    config.mkdir(parents=True, exist_ok=True)
    (config / "mixed.toml").write_text(
        'name = "mixed"\ntitle = "Mixed"\nwindow = "15m"\n\n'
        '[[panels]]\ntitle = "Up"\n[[panels.queries]]\nexpr = \'up{job="node"}\'\n\n'
        '[[panels]]\ntitle = "Broken"\n[[panels.queries]]\nexpr = "sum(rate(up[5m]"\n'
    )
    app = _app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.context_name == "demo", "the demo context")
        app.push_screen(MetricsScreen("mixed"))
        await wait_until(pilot, lambda: grid_loaded(app), "both panels fetched")
        await pilot.pause()
        lines = rendered_lines(app)
        broken = next(i for i, line in enumerate(lines) if "✖" in line)
        # Prometheus's own words, over the panel's two lines.
        assert "1:16: parse error" in lines[broken] + lines[broken + 1]
        up_value = next(line for line in rendered_lines(app) if "Up" in line)
        assert "⚠" not in up_value
        demo.stop()
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        await wait_until(
            pilot,
            lambda: screen.feed is not None and screen.feed.state.down is not None,
            "the refresh failed",
        )
        await pilot.pause()
        text = screen_text(app)
        assert "stale:" in text and "⚠" in text
        assert "refused" in text.lower() or "connect" in text.lower()
