"""Keys that mean one thing: read-only contexts refuse actions and say why; keymap overrides; g/G, y."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable

from oncall_tui.clock import FakeClock
from oncall_tui.demo import DemoEnvironment
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.help import HelpScreen
from oncall_tui.ui.screens.incident_detail import IncidentDetailScreen
from oncall_tui.ui.screens.incidents import IncidentsScreen
from oncall_tui.ui.screens.modals import AckModal, ConfirmModal
from oncall_tui.ui.screens.silence_editor import SilenceEditor
from oncall_tui.ui.screens.trace_search import TraceSearchScreen
from tests.pilot.test_app_shell import wait_for_polls
from tests.support.alert_fakes import AlertBackends, polled, screen_of
from tests.support.incidents import OPENED, build_sample_incident
from tests.support.waiting import wait_until

SERVER1 = "7013294faf5f854d"


class ReadOnlyBackends(AlertBackends):
    def raw_settings(self) -> dict[str, Any]:
        raw = super().raw_settings()
        raw["contexts"]["prod-eu"]["read_only"] = True
        return raw


def toasts(app: OncallApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_read_only_context_refuses_actions_and_says_why(tmp_path: Path) -> None:
    backends = ReadOnlyBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await polled(pilot)
        await pilot.pause()
        assert "READ-ONLY" in app.screen._compositor.render_strips()[0].text
        screen_of(app).table.move_to(SERVER1)
        for key, what in (("a", "ack"), ("u", "unack"), ("e", "escalate"), ("n", "a new silence")):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, AckModal | ConfirmModal | SilenceEditor), key
            assert any(
                m.startswith(f"{what} is disabled: context prod-eu is read-only") for m in toasts(app)
            ), (key, toasts(app))
        await pilot.press("L")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        assert any(m.startswith("expire is disabled") for m in toasts(app))
        # Nothing reached Alertmanager or the pager.
        assert backends.webhooks == []
        assert not [s for s in backends.silences if s.get("createdBy") == "alice@laptop"]


class RemappedBackends(AlertBackends):
    def raw_settings(self) -> dict[str, Any]:
        return {**super().raw_settings(), "keymap": {"show-silences": "f3", "alerts-ack": "K"}}


async def test_a_keymap_override_is_applied(tmp_path: Path) -> None:
    backends = RemappedBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await polled(pilot)
        screen_of(app).table.move_to(SERVER1)
        await pilot.press("K")
        assert isinstance(app.screen, AckModal)
        await pilot.press("escape")
        await pilot.press("f3")
        await pilot.pause()
        assert " Silences " in app.screen._compositor.render_strips()[0].text


async def test_g_and_G_go_to_the_first_and_last_row_and_y_copies_the_runbook_link(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign, assignment]
    async with app.run_test(size=(80, 24)) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0
        table.move_to(SERVER1)
        await pilot.press("y")
        assert copied == ["http://localhost/example.html"]


# --- one grammar on every list: j/k move, g/G first/last, escape back ---------------------------


def cursor_line(app: OncallApp, table: DataTable[Any]) -> str:
    """The one line of ``table`` the terminal draws in the cursor's colour (read from the screen)."""
    cursor = table.get_component_rich_style("datatable--cursor").bgcolor
    region = table.region
    strips = app.screen._compositor.render_strips()
    hits = [
        strip.text[region.x : region.right]
        for strip in strips[region.y : region.bottom]
        if any(segment.style is not None and segment.style.bgcolor == cursor for segment in strip)
    ]
    assert len(hits) == 1, hits
    return hits[0]


def first_cell(table: DataTable[Any], row: int) -> str:
    cell = table.get_row_at(row)[0]
    return cell.plain if isinstance(cell, Text) else str(cell)


async def walk(pilot: Pilot[Any], table: DataTable[Any], where: str) -> None:
    """G, g, j, k on ``table`` (focused): the highlighted line on screen follows."""
    app = pilot.app
    assert isinstance(app, OncallApp)
    await wait_until(pilot, lambda: table.has_focus, f"{where} focused")
    assert table.row_count >= 3, (where, table.row_count)

    async def shows(row: int, key: str) -> None:
        await pilot.pause()
        assert table.cursor_row == row, (where, key)
        text = first_cell(table, row).strip()
        line = cursor_line(app, table)
        assert text in line, (where, key, text, line)

    await pilot.press("G")
    await shows(table.row_count - 1, "G")
    await pilot.press("g")
    await shows(0, "g")
    await pilot.press("j", "j")
    await shows(2, "j j")
    await pilot.press("k")
    await shows(1, "k")


def silence_in_demo(demo: DemoEnvironment, name: str) -> None:
    now = demo.clock.now()
    httpx.post(
        f"{demo.alertmanager_urls[0]}/api/v2/silences",
        json={
            "matchers": [{"name": "alertname", "value": name, "isRegex": False}],
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(hours=2)).isoformat(),
            "createdBy": "ann@laptop",
            "comment": f"maintenance {name}",
        },
        timeout=5,
    ).raise_for_status()


async def test_every_list_moves_with_j_k_and_jumps_with_g_G(demo: DemoEnvironment, tmp_path: Path) -> None:
    database = tmp_path / "incidents.sqlite3"
    with Database.open(database) as db:
        incident_id = build_sample_incident(db, FakeClock(OPENED))
        records = IncidentRecords(db, FakeClock(OPENED + timedelta(hours=1)))
        for title in ("Queue backlog in billing", "Disk filling on db-2"):
            records.open_manual(title, "warning", "bob@desk")
    for name in ("NodeDown", "DiskFull", "QueueBacklog"):
        silence_in_demo(demo, name)
    app = OncallApp(demo.settings(), demo=True, clock=demo.clock, database_path=database)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_polls(app, pilot, {"prometheus", "alertmanager", "jaeger"})

        await pilot.press("L")
        silences = app.screen.query_one("#silences-table", DataTable)
        await wait_until(pilot, lambda: silences.row_count >= 3, "three silences")
        silences.focus()
        await walk(pilot, silences, "Silences")

        await pilot.press("S")
        targets = app.screen.query_one("#targets-table", DataTable)
        await wait_until(pilot, lambda: targets.row_count >= 3, "scrape targets")
        sources = app.screen.query_one("#sources-table", DataTable)
        sources.focus()
        await walk(pilot, sources, "Sources: sources")
        await pilot.press("tab", "tab")  # sources → peers → targets, as the footer says
        await walk(pilot, targets, "Sources: targets")

        app.open_trace_search("checkout", None, None)  # as from an alert: filled in and run
        await wait_until(pilot, lambda: isinstance(app.screen, TraceSearchScreen), "trace search")
        search = app.screen
        assert isinstance(search, TraceSearchScreen)
        await wait_until(pilot, lambda: search.results.row_count >= 3, "trace results")
        await wait_until(pilot, lambda: search.results.has_focus, "the results list")
        await walk(pilot, search.results, "Traces: results")

        await pilot.press("I")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentsScreen), "incidents")
        incidents = app.screen
        assert isinstance(incidents, IncidentsScreen)
        await wait_until(pilot, lambda: incidents.table.row_count == 3, "three incidents")
        incidents.table.focus()
        await walk(pilot, incidents.table, "Incidents")

        row = [r.incident.id for r in incidents.shown].index(incident_id)
        await pilot.press("g", *["j"] * row, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentDetailScreen), "incident detail")
        detail = app.screen
        assert isinstance(detail, IncidentDetailScreen)
        await wait_until(pilot, lambda: detail.table.row_count >= 3, "the timeline")
        detail.table.focus()
        await walk(pilot, detail.table, "Incident: timeline")
        # escape goes back, here as on every screen.
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is incidents, "back to the incident list")


async def test_escape_goes_back_from_sources_and_metrics_and_help_lists_the_list_keys(
    tmp_path: Path,
) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await polled(pilot)
        alerts = app.screen
        for key in ("S", "M"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is not alerts
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is alerts, key
        await pilot.press("S", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        for needle in ("Sources: lists", "↓/j", "table-down", "home/g", "table-first", "sources-back"):
            assert needle in shown, needle
