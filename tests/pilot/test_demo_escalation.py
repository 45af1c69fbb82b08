"""The demo ships an escalation policy whose targets are its own receivers: `e` really notifies."""

from __future__ import annotations

from pathlib import Path

from oncall_tui.demo import DemoEnvironment
from oncall_tui.domain.alert_queue import AlertRow
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.alerts import AlertsScreen
from tests.support.waiting import wait_until


async def test_escalating_the_critical_alert_notifies_the_next_level(
    demo: DemoEnvironment, tmp_path: Path
) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock, database_path=tmp_path / "log.sqlite3")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        await wait_until(pilot, lambda: isinstance(screen.table.current, AlertRow), "the first alert row")
        row = screen.table.current
        assert isinstance(row, AlertRow) and row.severity == "critical"
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: len(demo.pager.received) >= 2, "both notifications received")
        received = demo.pager.received
        # Level 2 of the demo policy is "secondary on-call": the team webhook and the incident channel.
        assert sorted(item["kind"] for item in received) == ["slack", "webhook"]
        webhook = next(item["body"] for item in received if item["kind"] == "webhook")
        assert "CheckoutHighErrorRate" in str(webhook)
