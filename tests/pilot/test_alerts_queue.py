"""The Alerts screen's queue: ranking, counts, filter, suppressed toggle, grouping, detail, new arrivals.

Alertmanager serves the recorded karma bodies (12 unique alerts, 8 active, 4 silenced by
john); the settings rank alerts by ``cluster`` (prod > staging > dev), see
``tests/support/alert_fakes.py``. Every test runs at 80x24 with the keyboard only.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from oncall_tui.domain.alert_queue import AlertRow, GroupRow
from tests.support.alert_fakes import (
    AlertBackends,
    alert_keys,
    next_poll,
    plain,
    polled,
    screen_of,
    summary,
    until,
)
from tests.support.fake_backends import AM_URLS

SIZE = (80, 24)


async def test_first_screen_is_the_ranked_deduplicated_queue(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        screen = screen_of(app)
        table = screen.table
        # 24 alert entries in 10 groups from each of two peers: 12 unique, 8 of them active.
        keys = alert_keys(table)
        assert len(keys) == len(set(keys)) == 8
        first = table.row_for(table.keys[0])
        assert isinstance(first, GroupRow) and first.severity == "prod"
        ranks = [r.rank for r in (table.row_for(k) for k in keys) if isinstance(r, AlertRow)]
        assert ranks == sorted(ranks, reverse=True)
        text = summary(app)
        assert "3 PROD" in text and "4 STAG" in text and "1 DEV" in text and "8 alerts" in text
        # Response timers: prod's investigate target (5m) passed 8 minutes ago.
        host = next(k for k in keys if "server1" in table.cell_text(k, "alert"))
        assert table.cell_text(host, "fired") == "13m"
        assert table.cell_text(host, "due") == "⚠-8m"
        # Un-acked top-severity alerts show the automatic escalation countdown.
        assert table.cell_text(host, "status") == "⇡16m→secondary"


async def test_suppressed_alerts_are_one_key_away_and_say_who_silenced_them(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        await pilot.press("t")
        keys = alert_keys(table)
        assert len(keys) == 12
        assert table.cell_text("588a14f7b4613621", "status") == "silenced john ∞"
        assert "all states" in summary(app)
        await pilot.press("t")
        assert len(alert_keys(table)) == 8


async def test_filter_applies_matchers_and_free_text_and_keeps_the_list_on_a_parse_error(
    tmp_path: Path,
) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        screen = screen_of(app)
        table = screen.table
        await pilot.press("slash")
        assert app.focused is screen.filter_bar.input
        await pilot.press(*'instance=~"server[12]"')
        assert sorted(alert_keys(table)) == ["7013294faf5f854d", "7d0b114ebf24f857", "fa959d3911d1978b"]
        assert "3 of 8 shown" in summary(app)
        await pilot.press("ctrl+u", *'cluster="prod"')
        assert len(alert_keys(table)) == 3
        # One backspace breaks the quoting: the error is shown inline, the list stays as it was.
        await pilot.press("backspace")
        assert screen.filter_bar.has_class("-error")
        error = plain(screen.query_one("#filter-error", Static).content)
        assert "column 9" in error and "list unchanged" in error
        assert len(alert_keys(table)) == 3
        await pilot.press("ctrl+u", *"disk")
        assert alert_keys(table) == ["aae7a1432b5d2f1b"]
        # Escape hands the keys back to the list; the filter stays.
        await pilot.press("escape")
        assert screen.table.has_focus
        assert alert_keys(table) == ["aae7a1432b5d2f1b"]
        await pilot.press("slash", "ctrl+u", "enter")
        assert len(alert_keys(table)) == 8


async def test_enter_opens_the_detail_with_history_and_escape_closes_it(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        screen = screen_of(app)
        screen.table.move_to("7013294faf5f854d")
        assert not screen.detail_visible
        await pilot.press("enter")
        assert screen.detail_visible
        body = plain(screen.query_one("#detail-body", Static).content)
        for expected in (
            "Host_Down",
            "Started",
            "2026-03-11 12:48:38",
            "investigate within 5m: OVERDUE by 8m",
            "http://localhost/prometheus",
            "instance",
            "server1",
            "7013294faf5f854d",
        ):
            assert expected in body, expected
        note_widget = screen.query_one("#detail-history-note", Static)
        await until(pilot, lambda: "fired" in plain(note_widget.content), "history")
        note = plain(note_widget.content)
        assert "fired 2 times" in note and "ALERTS" in note
        await pilot.press("escape")
        assert not screen.detail_visible


async def test_detail_says_so_when_prometheus_fails(tmp_path: Path) -> None:
    backends = AlertBackends()
    backends.history = False
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        screen = screen_of(app)
        screen.table.move_to("7013294faf5f854d")
        await pilot.press("enter")
        note = screen.query_one("#detail-history-note", Static)
        await until(pilot, lambda: "unavailable" in plain(note.content), "history failure note")
        assert "Prometheus" in plain(note.content)


async def test_at_120x40_the_detail_opens_under_the_queue_with_half_the_height(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await polled(pilot)
        screen = screen_of(app)
        assert not screen.detail_visible
        table_width = screen.table.size.width
        await pilot.press("down", "enter")  # the first row is a group header: enter would fold it
        await pilot.pause()
        assert screen.detail_visible
        detail = screen.detail.region
        body = screen.query_one("#alerts-body").region
        # Stacked: the queue keeps the full width, the detail takes at least half the body.
        assert screen.table.size.width == table_width == body.width
        assert detail.y >= screen.table.region.bottom
        assert detail.height * 2 >= body.height


async def test_wide_terminal_shows_the_detail_beside_the_queue(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await polled(pilot)
        screen = screen_of(app)
        assert screen.detail_visible
        await pilot.press("down")
        body = plain(screen.query_one("#detail-body", Static).content)
        current = screen.table.current
        assert isinstance(current, AlertRow) and current.alert.alertname in body


async def test_enter_on_a_group_folds_it_and_g_groups_by_a_label(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        group = table.keys[0]
        before = len(table.keys)
        await pilot.press("enter")
        assert group in table.collapsed and len(table.keys) < before
        assert table.cursor_key == group
        await pilot.press("enter")
        assert len(table.keys) == before
        await pilot.press("b", *"instance", "enter")
        groups = [k for k in table.keys if k.startswith("group:")]
        # server2 has two alerts; single-alert groups (server1 …) show no header row.
        assert groups[0] == "group:by:instance='server2'"
        assert "by instance" in summary(app)


async def test_new_alerts_are_highlighted_and_ring_the_bell_for_the_top_severity(tmp_path: Path) -> None:
    backends = AlertBackends(bell_on_new_critical=True)
    app = backends.make_app(tmp_path)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        assert not rings
        new = dict(backends.groups[2]["alerts"][0])  # Host_Down, cluster=prod
        new["fingerprint"] = "00000000000000aa"
        new["labels"] = {**new["labels"], "instance": "server9"}
        backends.groups[2]["alerts"].append(new)
        await next_poll(pilot)
        assert table.cell_text("00000000000000aa", "alert").startswith("★ Host_Down server9")
        assert not table.cell_text("7013294faf5f854d", "alert").startswith("★")
        assert rings == [1]


async def test_cursor_and_selection_survive_a_poll_that_inserts_above_them(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        table.move_to("7f3a53482c303b65")
        await pilot.press("space", "space")
        selected = set(table.selected)
        assert len(selected) == 2
        cursor = table.cursor_key
        new = dict(backends.groups[2]["alerts"][0])
        new["fingerprint"] = "00000000000000bb"
        new["labels"] = {**new["labels"], "instance": "server0"}
        new["startsAt"] = "2026-03-11T12:00:00.000Z"  # oldest prod alert: sorts first
        backends.groups[2]["alerts"].insert(0, new)
        index_before = table.cursor_row
        await next_poll(pilot)
        assert table.keys.index("00000000000000bb") < index_before
        assert table.cursor_key == cursor
        assert table.selected == selected


async def test_one_peer_down_does_not_hide_the_others_alerts(tmp_path: Path) -> None:
    backends = AlertBackends()
    backends.down.add(AM_URLS[1].split("//")[1].split(":")[0])
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        assert len(alert_keys(screen_of(app).table)) == 8
        assert "1 peer(s) down" in summary(app)


async def test_t_opens_traces_of_the_alerts_service_around_when_it_fired(tmp_path: Path) -> None:
    from oncall_tui.ui.screens.trace_search import TraceSearchScreen

    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        screen_of(app).table.move_to("7013294faf5f854d")
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, TraceSearchScreen), "trace search")
        search = app.screen
        assert isinstance(search, TraceSearchScreen)
        assert search.initial_service == "node_ping"  # no service label: the job stands in


async def test_switching_to_a_context_without_alertmanager_empties_the_queue(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        table = screen_of(app).table
        assert table.row_count > 0
        app.switch_context("staging")
        await until(pilot, lambda: table.row_count == 0, "empty queue")
        assert "No Alertmanager in this context" in summary(app)
        await pilot.press("a")
        assert "No alert highlighted" in list(app._notifications)[-1].message
