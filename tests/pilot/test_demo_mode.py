"""Startup on the built-in demo environment: real loopback HTTP, the app's own clients."""

from __future__ import annotations

from oncall_tui.demo import DemoEnvironment
from oncall_tui.models.health import HealthState
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.health_bar import HealthBar
from oncall_tui.ui.widgets.status_header import StatusHeader
from tests.pilot.test_app_shell import wait_for_polls
from tests.support.waiting import wait_until


async def test_demo_starts_with_every_source_up_and_says_demo(demo: DemoEnvironment) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_polls(app, pilot, {"prometheus", "alertmanager", "jaeger"})
        await pilot.pause()
        assert app.context_name == "demo"
        assert all(h.state == HealthState.UP for h in app.source_health.values()), app.source_health
        header = str(app.screen.query_one(StatusHeader).title_text())
        assert " DEMO " in header
        bar = str(app.screen.query_one(HealthBar).render())
        assert "● prom" in bar and "● am" in bar and "● jaeger" in bar
        # The demo's Prometheus really answers the app's targets query over HTTP (Sources, one key away).
        await pilot.press("S")
        assert app.screen.targets_table.row_count > 0  # type: ignore[attr-defined]


async def test_demo_source_stopping_is_marked_and_the_app_keeps_running(demo: DemoEnvironment) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_polls(app, pilot, {"prometheus", "alertmanager", "jaeger"})
        demo.stop()
        await pilot.press("r")
        await wait_until(
            pilot, lambda: app.source_health["alertmanager"].state == HealthState.STALE, "am stale"
        )
        health = app.source_health["alertmanager"]
        assert health.state == HealthState.STALE
        assert health.reason is not None and "refused" in health.reason
        assert app.is_running
