"""Resolved alerts do not vanish: a notice says what resolved, the queue lists them dimmed with when they
resolved, and t shows those of the last hour (issue 8, item 3). Recorded karma Alertmanager, 80x24."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from oncall_tui.domain.resolved_alerts import RESOLVED_SHOWN
from tests.support.alert_fakes import AlertBackends, next_poll, polled, screen_of, until
from tests.support.screen_text import rendered_lines

SERVER1 = "7013294faf5f854d"


def toasts(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_resolved_alert_is_announced_and_listed_dimmed_with_its_resolve_time(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await polled(pilot)
        screen = screen_of(app)
        # server1's Host_Down resolves: Alertmanager stops listing it.
        for group in backends.groups:
            group["alerts"] = [a for a in group["alerts"] if a["fingerprint"] != SERVER1]
        await next_poll(pilot)
        await until(pilot, lambda: any("Resolved: Host_Down server1" in t for t in toasts(app)), "notice")
        lines = rendered_lines(app)
        listed = [line for line in lines if "✔ Host_Down server1" in line]
        assert listed and "resolved 0s ago (13:02)" in listed[0], lines
        assert SERVER1 not in screen.table.keys
        # Dimmed: drawn fainter than the queue's rows.
        assert screen.query_one("#alerts-resolved").styles.text_style.dim
        # Six minutes on it leaves the active view; t (all states) still lists it, with its age.
        backends.fake_clock.advance((RESOLVED_SHOWN.total_seconds()) + 60)
        await next_poll(pilot)
        await until(pilot, lambda: not any("✔ Host_Down server1" in x for x in rendered_lines(app)), "hidden")
        await pilot.press("t")
        await until(
            pilot,
            lambda: any("✔ Host_Down server1 · resolved 6m ago" in x for x in rendered_lines(app)),
            "listed again by t",
        )
        # The filter applies to resolved alerts too.
        await pilot.press("slash", *"server2")
        await until(pilot, lambda: not any("✔ Host_Down" in x for x in rendered_lines(app)), "filtered out")
