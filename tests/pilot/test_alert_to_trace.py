"""From an alert to the trace behind it: the rule's exemplars, on the demo environment's real HTTP APIs."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from oncall_tui.demo import DemoEnvironment
from oncall_tui.domain.alert_queue import AlertRow
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.alerts import AlertsScreen
from oncall_tui.ui.screens.trace import TraceScreen
from tests.support.waiting import wait_until


async def test_x_opens_the_newest_exemplar_trace_of_the_alerts_expression(
    demo: DemoEnvironment, tmp_path: Path
) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock, database_path=tmp_path / "log.sqlite3")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        await wait_until(pilot, lambda: isinstance(screen.table.current, AlertRow), "the first alert row")
        row = screen.table.current
        assert isinstance(row, AlertRow) and row.alert.alertname == "CheckoutHighErrorRate"
        await pilot.press("enter")
        exemplars = screen.query_one("#detail-exemplars", Static)
        await wait_until(pilot, lambda: "newest" in str(exemplars.render()), "the exemplar line")
        shown = str(exemplars.render())
        # The detail names the newest exemplar trace and the key that opens it.
        assert "trace(s) from exemplars · x opens the newest" in shown, shown
        newest = shown.split("newest ")[1].split()[0]
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, TraceScreen), "the trace screen")
        assert isinstance(app.screen, TraceScreen)
        assert app.screen.trace_id == newest
