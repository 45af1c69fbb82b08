"""SVG snapshots of the alert screens (baselines in snapshots/test_alert_snapshots/).

Alertmanager serves the recorded karma bodies; alerts are ranked by cluster
(prod > staging > dev, see tests/support/alert_fakes.py); the clock is frozen at
2026-03-11 13:02:00 UTC, 13 min after the alerts started.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.modals import AckModal
from oncall_tui.ui.screens.silences import SilencesScreen
from tests.support.alert_fakes import AlertBackends, plain, polled, screen_of, until

pytestmark = pytest.mark.snapshot

SIZES = [(80, 24), (120, 40)]
SERVER1 = "7013294faf5f854d"


async def settle(pilot: Pilot[Any]) -> None:
    await polled(pilot)
    app = pilot.app
    assert isinstance(app, OncallApp)
    # Let the health bar see every source and the table lay out its columns.
    await until(pilot, lambda: all(h.state.value != "unknown" for h in app.source_health.values()), "health")
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def open_detail(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    screen = screen_of(pilot.app)
    screen.table.move_to(SERVER1)
    if not screen.has_class("-wide"):
        await pilot.press("enter")
    note = screen.query_one("#detail-history-note", Static)
    await until(pilot, lambda: "fired" in plain(note.content), "history")
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def open_silences(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("L")
    await until(pilot, lambda: isinstance(pilot.app.screen, SilencesScreen), "silences screen")
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_queue(snap_compare: Callable[..., bool], tmp_path: Path, size: tuple[int, int]) -> None:
    """The queue as it opens: counts per rank in the line under the header (3 PROD, 4 STAG, 1 DEV,
    0 NONE, 8 alerts, active, "? keys"); prod first; groups of several alerts get a header row with a
    reversed severity badge and their alerts indented under it, single-alert groups no header;
    Fired 13m; Due shows ⚠-8m in the critical colour for prod (investigate target 5m missed) and
    time left for staging; prod alerts show the automatic escalation countdown "⇡16m→secondary".
    At 120 columns the detail of the highlighted group sits on the right."""
    app = AlertBackends().make_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_detail(snap_compare: Callable[..., bool], tmp_path: Path, size: tuple[int, int]) -> None:
    """Detail of Host_Down on server1 (bottom half at 80 columns, right pane at 120): severity badge, summary,
    start time and age, OVERDUE investigate timer in the critical colour, resolve time left, state,
    escalation countdown, source link, every label, fingerprint; then the 24 h history sparkline
    (two firing periods) and "fired 2 times … (ALERTS)". Scroll position may hide the lower part at 80x24."""
    app = AlertBackends().make_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=open_detail)


@pytest.mark.parametrize("size", SIZES)
def test_silences(snap_compare: Callable[..., bool], tmp_path: Path, size: tuple[int, int]) -> None:
    """Silences screen: summary "3 active · 0 pending · 0 expired", three rows by john with matchers,
    "∞" as time left (they end in 2063) and the comment; the highlighted silence in full below the table."""
    app = AlertBackends().make_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=open_silences)


def test_ack_dialog(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    """Ack dialog at 80x24 over the queue: title names the alert, duration pre-filled with the configured 1h
    (selected), comment field, "until resolved: off" and "not actionable (noise): no" spelled out, and the
    key hints."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        screen_of(pilot.app).table.move_to(SERVER1)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(pilot.app.screen, AckModal), "ack dialog")
        duration = pilot.app.screen.query_one("#ack-duration", Input)
        # The dialog focuses the duration and selects it (so typing replaces the default).
        await until(
            pilot, lambda: duration.has_focus and not duration.selection.is_empty, "duration selected"
        )
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    app = AlertBackends().make_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("theme", ["light", "high-contrast", "colorblind-safe"])
def test_queue_in_each_shipped_theme(snap_compare: Callable[..., bool], tmp_path: Path, theme: str) -> None:
    """The queue at 80x24 in each shipped theme besides dark (test_queue): severities told apart by
    colour and by their text (PROD/STAG/DEV), the cursor row readable, the footer's `? Help` and `q Quit`
    visible, the overdue ⚠ and the countdown ⇡16m→secondary in the theme's critical colour."""
    app = AlertBackends().make_app(tmp_path, theme_name=theme)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_queue_under_no_color(
    snap_compare: Callable[..., bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue at 80x24 with NO_COLOR set: no colour anywhere, severities read from their text
    (PROD/STAG/DEV), the group headers' badges reversed, the cursor row reversed, overdue ⚠-8m and the
    countdown ⇡16m→secondary in bold; the footer's `? Help` and `q Quit` visible."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = AlertBackends().make_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
