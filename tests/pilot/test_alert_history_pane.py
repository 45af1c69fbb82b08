"""The detail's firing history: when each firing started and ended, a time axis, and no contradiction with
"Started" (issue 8, item 10).

Prometheus answers the ALERTS history of Host_Down on server1: it fired from 18 h to 16 h ago and
fires again since 13 min ago (``tests/support/alert_fakes.py``); Alertmanager says it started at
12:48:38, the frozen time is 13:02.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.alert_fakes import AlertBackends, polled, screen_of
from tests.support.screen_text import screen_text
from tests.support.waiting import wait_until


def detail_lines(app: object) -> list[str]:
    """The detail pane beside the queue: the text right of its border, line by line."""
    return [line.split("│", 1)[1].strip() for line in screen_text(app).splitlines()[2:-2] if "│" in line]


async def test_history_lists_each_firing_with_start_and_end_over_a_time_axis(tmp_path: Path) -> None:
    app = AlertBackends().make_app(tmp_path)
    async with app.run_test(size=(170, 60)) as pilot:
        await polled(pilot)
        screen_of(app).table.move_to("7013294faf5f854d")
        await wait_until(pilot, lambda: "firing now" in " ".join(detail_lines(app)), "the firing history")
        lines = detail_lines(app)
        assert "Started     2026-03-11 12:48:38 UTC (13m ago)" in lines
        history = lines[lines.index("History, last 24 h") :]
        # Sparkline (two rows), then its time axis: round clock times, now at the right end.
        axis = history[3]
        assert axis.split() == ["16:00", "20:00", "00:00", "04:00", "08:00", "now"], history
        # The current firing starts when "Started" says; the earlier one has its start and end.
        assert history[4:7] == [
            "fired 2 times, 2h15m in total over the last 24 h",
            "since 12:48 (13m, firing now)",
            "Tue 19:01–21:03 (2h02m)",
        ], history
