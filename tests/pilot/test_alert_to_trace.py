"""From an alert to the trace behind it: the rule's exemplars, on the demo environment's real HTTP APIs.

The demo's ``CheckoutHighErrorRate`` is about 5xx answers of checkout; its exemplars link
both failed and healthy requests, healthy ones usually the newest.
"""

from __future__ import annotations

from pathlib import Path

from oncall_tui.demo import DemoEnvironment
from oncall_tui.domain.alert_queue import AlertRow
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.alerts import AlertsScreen
from oncall_tui.ui.screens.exemplar_picker import ExemplarPicker
from oncall_tui.ui.screens.trace import TraceScreen
from tests.support.screen_text import screen_text
from tests.support.waiting import wait_until


async def _first_alert(app: OncallApp, pilot: object) -> AlertsScreen:
    screen = app.screen
    assert isinstance(screen, AlertsScreen)
    await wait_until(pilot, lambda: isinstance(screen.table.current, AlertRow), "the first alert row")
    row = screen.table.current
    assert isinstance(row, AlertRow) and row.alert.alertname == "CheckoutHighErrorRate"
    return screen


async def _trace_shown(app: OncallApp, pilot: object) -> str:
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, TraceScreen) and app.screen.analysis is not None,
        "the trace's waterfall",
    )
    await wait_until(pilot, lambda: " err" in screen_text(app), "the waterfall header")
    return screen_text(app)


async def test_x_from_the_queue_opens_a_trace_of_a_failed_request(
    demo: DemoEnvironment, tmp_path: Path
) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock, database_path=tmp_path / "log.sqlite3")
    async with app.run_test(size=(100, 30)) as pilot:
        await _first_alert(app, pilot)
        # Straight from the queue: no need to open the detail first.
        await pilot.press("x")
        shown = await _trace_shown(app, pilot)
        # An error-rate alert opens a trace with errors, not the newest healthy one.
        assert "✖" in shown and " err" in shown, shown


def detail_text(app: OncallApp) -> str:
    """The detail pane beside the queue (right of its border), lines joined by spaces."""
    return " ".join(" ".join(line.split("│", 1)[1].split()) for line in screen_text(app).splitlines()[2:-2])


async def test_the_detail_names_the_trace_x_opens_and_X_lists_them_all(
    demo: DemoEnvironment, tmp_path: Path
) -> None:
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock, database_path=tmp_path / "log.sqlite3")
    # Wide: the detail sits beside the queue, tall enough to show the exemplar lines.
    async with app.run_test(size=(170, 50)) as pilot:
        await _first_alert(app, pilot)
        await wait_until(pilot, lambda: "x opens" in detail_text(app), "the exemplar note")
        shown = detail_text(app)
        assert "of failed requests · x opens the newest failed one · X lists them" in shown, shown
        after = shown.split(" x: ")[1]
        chosen = after.split()[0]
        assert after.split()[-1] == "failed", after
        await pilot.press("X")
        await wait_until(pilot, lambda: isinstance(app.screen, ExemplarPicker), "the exemplar list")
        await pilot.pause()
        listed = [line for line in screen_text(app).splitlines() if " failed " in line or " ok " in line]
        listed = [line for line in listed if ":" in line.split("│")[1][:4]]  # rows start with a time
        # Time, value, trace id and outcome per line; the one `x` opens on top.
        assert len(listed) > 1 and chosen in listed[0] and "failed" in listed[0], listed
        await pilot.press("down", "enter")
        await _trace_shown(app, pilot)
        assert isinstance(app.screen, TraceScreen)
        opened = app.screen.trace_id
        assert opened is not None and opened != chosen and opened in listed[1]
