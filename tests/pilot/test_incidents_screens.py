"""Incidents: the list, an incident's timeline, a note, a status change, an action item, the export.

The incident log holds the sample incident (tests/support/incidents.py) and a newer open one;
assertions read the rendered screen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from oncall_tui.clock import FakeClock
from oncall_tui.models.incident_record import LinkedAlert
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.incident_detail import IncidentDetailScreen
from oncall_tui.ui.screens.incidents import IncidentsScreen
from tests.support.fake_backends import FakeBackends
from tests.support.incidents import LEAKED_TOKEN, OPENED, build_sample_incident
from tests.support.screen_text import rendered_lines
from tests.support.waiting import wait_until

NOW = OPENED + timedelta(hours=2)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "incidents.sqlite3"
    with Database.open(path) as db:
        build_sample_incident(db, FakeClock(OPENED))
        clock = FakeClock(OPENED + timedelta(hours=1))
        IncidentRecords(db, clock).open_manual(
            "Queue backlog in billing", "warning", "bob@desk", alerts=[LinkedAlert("ab12", "QueueBacklog")]
        )
    return path


@pytest.fixture
async def app(database: Path, tmp_path: Path) -> AsyncIterator[OncallApp]:
    backends = FakeBackends(FakeClock(NOW, real_sleep=True))
    app = OncallApp(
        backends.settings(),
        clock=backends.clock,
        source_set_factory=backends.source_set_factory(),
        database_path=database,
    )
    app.incident_desk.export_dir = tmp_path / "exports"
    yield app


async def open_incidents(pilot: Pilot[Any]) -> IncidentsScreen:
    app = pilot.app
    await pilot.press("I")
    await wait_until(
        pilot, lambda: isinstance(app.screen, IncidentsScreen) and app.screen.rows, "incident list"
    )
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, IncidentsScreen)
    return screen


async def open_detail(pilot: Pilot[Any], incident_id: int) -> IncidentDetailScreen:
    screen = await open_incidents(pilot)
    screen.table.move_cursor(row=[r.incident.id for r in screen.shown].index(incident_id))
    await pilot.press("enter")
    app = pilot.app
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, IncidentDetailScreen) and app.screen.record is not None,
        "detail",
    )
    await pilot.pause()
    detail = app.screen
    assert isinstance(detail, IncidentDetailScreen)
    return detail


def screen_lines(app: Any) -> list[str]:
    """The lines the terminal shows."""
    return rendered_lines(app)


def screen_text(app: Any) -> str:
    """The terminal as one text."""
    return "\n".join(rendered_lines(app))


def toasts(app: Any) -> list[str]:
    """Messages of the toasts shown so far (the headless app does not draw them)."""
    return [n.message for n in app._notifications]


def row_of(lines: list[str], *words: str) -> str:
    """The one rendered line holding every word."""
    hits = [line for line in lines if all(word in line for word in words)]
    assert len(hits) == 1, (words, hits)
    return hits[0]


async def test_list_is_newest_first_and_filters(app: OncallApp) -> None:
    async with app.run_test(size=(100, 24)) as pilot:
        await open_incidents(pilot)
        lines = screen_lines(app)
        newer = lines.index(row_of(lines, "#2", "triggered", "warning", "Queue backlog"))
        older = row_of(lines, "#1", "resolved", "critical", "Checkout latency", "30s", "29m")
        assert newer < lines.index(older)
        assert "1 open · 2 incidents" in screen_text(app)
        # The highlighted incident's context, owner and alerts show under the table.
        assert row_of(lines, "no context", "owner —", "1 alerts (QueueBacklog)")
        await pilot.press("slash", *'severity="critical"', "enter")
        await wait_until(pilot, lambda: "#2" not in screen_text(app), "filtered")
        assert row_of(screen_lines(app), "#1", "resolved", "Checkout latency")
        assert "1 match the filter" in screen_text(app)


async def test_y_copies_the_incident_reference_from_the_list_and_the_detail(app: OncallApp) -> None:
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign, assignment]
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await open_incidents(pilot)
        screen.table.move_cursor(row=[r.incident.id for r in screen.shown].index(2))
        await pilot.press("y")
        assert copied == ["#2 Queue backlog in billing"]
        assert toasts(app)[-1] == "copied: #2 Queue backlog in billing"
        await pilot.press("escape")
        await open_detail(pilot, 1)
        await pilot.press("y")
        assert copied[-1] == "#1 Checkout latency above 2s"
        assert toasts(app)[-1] == "copied: #1 Checkout latency above 2s"


async def test_detail_shows_the_timeline_newest_last_without_secrets(app: OncallApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(pilot, 1)
        lines = screen_lines(app)
        text = "\n".join(lines)
        assert row_of(lines, "#1 Checkout latency above 2s")
        assert row_of(lines, "resolved · critical · prod · owner ann")
        opened = lines.index(row_of(lines, "03-01 03:00:00", "opened", "opened: Checkout latency"))
        done = lines.index(row_of(lines, "carol", "item", "action item A2 done"))
        assert opened < done
        assert "Authorization: Bearer [secret]" in text and LEAKED_TOKEN not in text
        assert row_of(
            lines, "root cause: Release v42 of checkout opened a new database connection per request."
        )
        assert row_of(lines, "[ ] A1 Add a pool-size alert", "owner bob, due 2026-03-08")


async def test_a_note_is_logged_and_shown_after_commit(app: OncallApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        detail = await open_detail(pilot, 2)
        await pilot.press("n")
        await pilot.press(*"restarted consumer", "enter", *"lag back to 0")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: "lag back to 0" in screen_text(app), "note in the timeline")
        lines = screen_lines(app)
        first = row_of(lines, "alice", "note", "restarted consumer")
        assert lines[lines.index(first) + 1].strip().endswith("lag back to 0")
        assert detail.timeline[-1].text == "restarted consumer\nlag back to 0"
        assert toasts(app) == ["note added to #2"]


async def test_status_change_to_resolved_asks_for_a_resolution(app: OncallApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot, 2)
        await pilot.press("s")
        await wait_until(pilot, lambda: "Change status" in screen_text(app), "status dialog")
        assert "a  acknowledged" in screen_text(app) and "t  triggered  (now)" in screen_text(app)
        await pilot.press("r")
        await wait_until(pilot, lambda: "Resolution (one line)" in screen_text(app), "resolution prompt")
        await pilot.press(*"scaled consumers to 6", "enter")
        await wait_until(pilot, lambda: "resolved · warning" in screen_text(app), "resolved")
        lines = screen_lines(app)
        assert row_of(lines, "status", "status: triggered → resolved: scaled consumers to 6")
        assert row_of(lines, "opened", "resolved +1h")


async def test_action_items_are_added_and_marked_done(app: OncallApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot, 2)
        assert "No action items: i adds one." in screen_text(app)
        await pilot.press("i")
        await wait_until(pilot, lambda: "New action item" in screen_text(app), "item dialog")
        await pilot.press(*"page on backlog growth", "tab", *"bob", "tab", *"+7d", "enter")
        await wait_until(pilot, lambda: "A3 page on backlog growth" in screen_text(app), "item added")
        assert row_of(screen_lines(app), "[ ] A3 page on backlog growth", "owner bob, due 2026-03-08")
        await pilot.press("d")
        await wait_until(pilot, lambda: "[x] A3" in screen_text(app), "item done")
        assert row_of(screen_lines(app), "item", "action item A3 done")


async def test_export_writes_the_draft_and_says_where(app: OncallApp, tmp_path: Path) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot, 1)
        await pilot.press("x")
        target = tmp_path / "exports" / "incident-1-postmortem.md"
        await wait_until(pilot, lambda: toasts(app), "export toast")
        assert toasts(app) == [f"post-mortem draft written to {target}"]
        text = target.read_text()
        assert text.startswith("# Post-mortem: #1 Checkout latency above 2s")
        assert LEAKED_TOKEN not in text
