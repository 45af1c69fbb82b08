"""SVG snapshots of the runbook step-through (baselines in snapshots/test_runbook_snapshots/).

The recorded Alertmanager alerts (tests/support/alert_fakes.py) with one runbook directory holding
``Host_Down.md`` (tests/fixtures/runbooks-local/, written for these tests); `r` on Host_Down on
server1 finds it by alertname. The clock is frozen at 2026-03-11 13:02:00 UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from oncall_tui.ui.screens.runbook import RunbookScreen
from oncall_tui.ui.widgets.runbook_step import QueryGrid
from tests.snapshot.test_alert_snapshots import SERVER1, settle
from tests.support.alert_fakes import AlertBackends, screen_of, until

pytestmark = pytest.mark.snapshot

SIZES = [(80, 24), (120, 40)]
RUNBOOKS = Path(__file__).parent.parent / "fixtures" / "runbooks-local"


class RunbookBackends(AlertBackends):
    """The recorded alerts, with ``[runbooks] dirs`` holding Host_Down.md."""

    def raw_settings(self) -> dict[str, Any]:
        return {**super().raw_settings(), "runbooks": {"dirs": [str(RUNBOOKS)]}}


async def open_runbook_step(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    screen_of(pilot.app).table.move_to(SERVER1)
    await pilot.press("r")
    await until(pilot, lambda: isinstance(pilot.app.screen, RunbookScreen), "the runbook screen")
    runbook = pilot.app.screen
    assert isinstance(runbook, RunbookScreen)
    await until(
        pilot, lambda: "step 1 of 4" in str(runbook.query_one("#rb-progress", Static).render()), "read"
    )
    await pilot.press("right")
    grid = runbook.query_one(QueryGrid)
    await until(pilot, lambda: grid.slots and grid.slots[0].data is not None, "the query's data")
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES)
def test_runbook_step(snap_compare: Callable[..., bool], tmp_path: Path, size: tuple[int, int]) -> None:
    """Step 2 of 4 of Host_Down's runbook for server1: title "Host_Down · incident opens on the first
    step", context "Diagnosis › See when it stopped answering", "step 2 of 4", an empty progress bar
    "0%" and "○ to do"; the step's Markdown with the query filled in (instance="server1"); under it the
    query drawn by the dashboards' panel: the expression with the current value "1" at the end of the
    line, the sparkline of the last 30 minutes (gaps "·" while quiet, bars for the last 13 firing) and
    "1–1" (min–max) with the series' labels."""
    app = RunbookBackends().make_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=open_runbook_step)


async def open_command_step(pilot: Pilot[Any]) -> None:
    await open_runbook_step(pilot)
    await pilot.press("right")
    runbook = pilot.app.screen
    assert isinstance(runbook, RunbookScreen)
    await until(pilot, lambda: "ping" in str(runbook.query_one("#rb-commands", Static).render()), "commands")
    await pilot.pause(0.1)


def test_runbook_command_step(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    """Step 3 of 4 at 80x24: the Markdown of the step (the console block with its output line),
    "fill in: <USER>" in the warning colour (the alert has no such label); the commands box lists
    "▶ $ ping -c 3 127.0.0.1  (+1 lines)" (selected), then "y copy · x run (asks first)"."""
    app = RunbookBackends().make_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_command_step)
