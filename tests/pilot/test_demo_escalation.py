"""The demo ships an escalation policy whose targets are its own receivers: `e` really notifies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.demo import DemoEnvironment
from oncall_tui.domain.alert_queue import AlertRow
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.alerts import AlertsScreen


@pytest.fixture
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(clock=FakeClock(real_sleep=True)) as environment:
        yield environment


async def test_escalating_the_critical_alert_notifies_the_next_level(
    demo: DemoEnvironment, tmp_path: Path
) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock, database_path=tmp_path / "log.sqlite3")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        for _ in range(300):
            if isinstance(screen.table.current, AlertRow):
                break
            await pilot.pause(0.01)
        row = screen.table.current
        assert isinstance(row, AlertRow) and row.severity == "critical"
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("y")
        for _ in range(300):
            if len(demo.pager.received) >= 2:
                break
            await pilot.pause(0.01)
        received = demo.pager.received
        # Level 2 of the demo policy is "secondary on-call": the team webhook and the incident channel.
        assert sorted(item["kind"] for item in received) == ["slack", "webhook"]
        webhook = next(item["body"] for item in received if item["kind"] == "webhook")
        assert "CheckoutHighErrorRate" in str(webhook)
