"""SVG snapshots of an incident's timeline and of the Report (in snapshots/test_incident_snapshots/).

The log holds the sample incident of tests/support/incidents.py (opened 2026-03-01 03:00 UTC,
resolved 29 minutes later, a token pasted in a note) and the clock is frozen two hours later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from oncall_tui.clock import FakeClock
from oncall_tui.store.db import Database
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.incident_detail import IncidentDetailScreen
from oncall_tui.ui.screens.incidents import IncidentsScreen
from oncall_tui.ui.screens.report import ReportScreen
from tests.support.fake_backends import FakeBackends
from tests.support.incidents import OPENED, build_sample_incident
from tests.support.waiting import wait_until

pytestmark = pytest.mark.snapshot

SIZES = [(80, 24), (120, 40)]


def make_app(tmp_path: Path) -> OncallApp:
    path = tmp_path / "incidents.sqlite3"
    with Database.open(path) as db:
        build_sample_incident(db, FakeClock(OPENED))
    backends = FakeBackends(FakeClock(OPENED + timedelta(hours=2), real_sleep=True))
    app = OncallApp(
        backends.settings(),
        clock=backends.clock,
        source_set_factory=backends.source_set_factory(),
        database_path=path,
    )
    return app


async def settle(pilot: Pilot[Any]) -> None:
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.1)


async def open_timeline(pilot: Pilot[Any]) -> None:
    app = pilot.app
    app.push_screen(IncidentDetailScreen(1))
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, IncidentDetailScreen) and app.screen.record is not None,
        "timeline",
    )
    screen = app.screen
    assert isinstance(screen, IncidentDetailScreen)
    table = screen.table

    def at_newest() -> bool:
        # The table follows its newest entry once the panels under it have taken their height:
        # wait for that, not for a fixed time.
        return (
            bool(table.row_count)
            and table.cursor_row == table.row_count - 1
            and (table.scroll_y == table.max_scroll_y)
        )

    await wait_until(pilot, at_newest, "timeline scrolled to its newest entry")
    await settle(pilot)
    await wait_until(pilot, at_newest, "timeline still at its newest entry after layout")


async def open_report(pilot: Pilot[Any]) -> None:
    app = pilot.app
    app.push_screen(ReportScreen())
    await wait_until(
        pilot, lambda: isinstance(app.screen, ReportScreen) and app.screen.report is not None, "report"
    )
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_incident_timeline(snap_compare: Callable[..., bool], tmp_path: Path, size: tuple[int, int]) -> None:
    """Incident #1: title; "resolved · critical · prod · owner ann · alerts: CheckoutLatencyHigh,
    CheckoutErrorsHigh"; opened 2026-03-01 03:00 · acked +30s · mitigated +9m · resolved +29m; the
    timeline oldest first with the cursor on the newest entry (carol marks A2 done), the note's lines
    under it with the Bearer token shown as [secret]; the written fields one line each (impact, root
    cause, contributing factors…); action items "[ ] A1 … (owner bob, due 2026-03-08)" and "[x] A2" struck
    through; footer n Note, s Status, e Fields, i Item, d Done, x Export."""
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=open_timeline)


@pytest.mark.parametrize("size", SIZES)
def test_report(snap_compare: Callable[..., bool], tmp_path: Path, size: tuple[int, int]) -> None:
    """Report: for the last 7, 30 and 90 days, critical and all: 1 incident; to ack 30s, to resolve 29m,
    to detect 6m30s as mean, median and p90, count 1; the line explaining the three spans; alert noise
    over 90 days: CheckoutErrorsHigh fired 1, acked 0 (—), CheckoutLatencyHigh fired 1, acked 1, 0% not
    actionable, median to ack 6m30s (at 80x24 the noise table is below the fold)."""
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=open_report)


async def open_incidents(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await pilot.press("I")
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, IncidentsScreen) and app.screen.table.row_count == 1,
        "incident list",
    )
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_incident_list(snap_compare: Callable[..., bool], tmp_path: Path, size: tuple[int, int]) -> None:
    """Incidents: the filter line, one row for #1 "Checkout latency above 2s" (resolved, critical, prod,
    owner ann, opened 03-01 03:00, acked in 30s, resolved in 29m) highlighted, the line under the table
    naming its alerts; the footer keeps `? Help` and `q Quit` at 80 columns."""
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=open_incidents)
