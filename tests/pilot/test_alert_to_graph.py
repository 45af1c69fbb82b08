"""From an alert to its graph: `m` charts the rule's expression around when it fired, threshold drawn."""

from __future__ import annotations

from pathlib import Path

from oncall_tui.demo import DemoEnvironment
from oncall_tui.domain.alert_queue import AlertRow
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.alerts import AlertsScreen
from oncall_tui.ui.screens.drilldown import DrillDownScreen
from tests.support.screen_text import rendered_lines
from tests.support.waiting import wait_until


async def test_m_on_an_alert_and_in_its_detail_charts_the_rule_expression(
    demo: DemoEnvironment, tmp_path: Path
) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock, database_path=tmp_path / "log.sqlite3")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        await wait_until(pilot, lambda: isinstance(screen.table.current, AlertRow), "the first alert row")
        row = screen.table.current
        assert isinstance(row, AlertRow) and row.alert.alertname == "CheckoutHighErrorRate"
        await pilot.press("m")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, DrillDownScreen) and app.screen.view is not None,
            "the chart",
        )
        drill = app.screen
        assert isinstance(drill, DrillDownScreen)
        await pilot.pause()
        head = rendered_lines(app)[1]
        assert head.strip().startswith("CheckoutHighErrorRate")
        # The rule is "ratio > 0.05": the ratio is charted, the comparison drawn as the threshold.
        assert "threshold 0.05" in head
        assert drill.data is not None and ">" not in drill.data.queries[0]
        assert 'code=~"5.."' in drill.data.queries[0]
        assert drill.data.series and drill.view is not None and drill.view.lines
        # From half an hour before the alert fired.
        assert drill.data.range.start < row.alert.starts_at
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "back to the alerts")
        # In the detail pane too.
        await pilot.press("enter", "tab")
        await pilot.press("m")
        await wait_until(
            pilot, lambda: isinstance(app.screen, DrillDownScreen), "the chart from the detail pane"
        )
