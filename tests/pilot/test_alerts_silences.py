"""The Silences screen (L): list, filter, expire, extend, and a new silence with a live preview.

Alertmanager serves the recorded karma silences (three, by john, ending in 2063) and keeps
whatever the app posts, as the real one does (an extension answers a new id).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Label, Static

from oncall_tui.ui.screens.alerts import AlertsScreen
from oncall_tui.ui.screens.modals import ConfirmModal, PromptModal
from oncall_tui.ui.screens.silence_editor import SilenceEditor
from oncall_tui.ui.screens.silences import SilencesScreen
from oncall_tui.ui.screens.sources import SourcesScreen
from tests.support.alert_fakes import AlertBackends, next_poll, plain, polled, until
from tests.support.screen_text import screen_text

SIZE = (80, 24)
DEV_HOSTS = "dcb3b5d0-9f10-4baa-977a-70073a1899bd"


def silences_screen(app: Any) -> SilencesScreen:
    screen = app.screen
    assert isinstance(screen, SilencesScreen)
    return screen


def toasts(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def test_l_lists_silences_and_t_adds_the_expired_ones(tmp_path: Path) -> None:
    backends = AlertBackends()
    backends.silences.append({**backends.silences[0], "id": "old-one", "endsAt": "2026-03-11T12:00:00Z"})
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("L")
        screen = silences_screen(app)
        assert {line.key for line in screen.lines if line.state == "active"} == {
            "810ccf7f-c957-474a-b383-7e76d66a4d3b",
            DEV_HOSTS,
            "9bd58938-25fd-41c5-aba3-9bc373074484",
        }
        assert screen.table.row_count == 3
        row = [str(c) for c in screen.table.get_row(DEV_HOSTS)]
        assert row[0] == "active" and 'alertname="Host_Down"' in row[1] and row[2] == "john" and row[3] == "∞"
        await pilot.press("t")
        assert screen.table.row_count == 4
        assert [str(c) for c in screen.table.get_row("old-one")][3] == "1h02m ago"
        await pilot.press("slash", *"server7")
        assert screen.table.row_count == 1
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, AlertsScreen)


async def test_x_expires_after_confirmation(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("L")
        screen = silences_screen(app)
        screen.table.move_cursor(row=[line.key for line in screen.lines].index(DEV_HOSTS))
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await until(pilot, lambda: any("expire done" in t for t in toasts(app)), "expire done")
        assert next(s for s in backends.silences if s["id"] == DEV_HOSTS)["endsAt"] == "2026-03-11T13:02:00Z"
        await next_poll(pilot)
        assert DEV_HOSTS not in [line.key for line in screen.lines]


async def test_plus_extends_and_the_new_id_alertmanager_answers_is_kept(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("L")
        screen = silences_screen(app)
        screen.table.move_cursor(row=[line.key for line in screen.lines].index(DEV_HOSTS))
        await pilot.press("plus")
        assert isinstance(app.screen, PromptModal)
        # The prompt says when it ends now; a duration is added to that end (not counted from now).
        assert "Ends 2063-01-01 00:00" in " ".join(screen_text(app).replace("│", " ").split())
        await pilot.press(*"3h", "enter")
        await until(pilot, lambda: any("extend done" in t for t in toasts(app)), "extend done")
        new = backends.silences[-1]
        assert new["id"] == "silence-0001" and new["endsAt"].startswith("2063-01-01T03:00:00")
        assert "silence-0001" in toasts(app)[-1]
        await next_poll(pilot)
        assert "silence-0001" in [line.key for line in screen.lines]


async def test_n_creates_a_silence_from_typed_matchers_with_a_preview(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("L", "n")
        editor = app.screen
        assert isinstance(editor, SilenceEditor)
        await pilot.press(*'cluster="staging", alertname=~"Host_.*"')
        title = plain(editor.query_one("#silence-preview-title", Label).content)
        assert "Would silence 3 of 12 current alerts" in title
        assert "server3" in plain(editor.query_one("#silence-preview-body", Static).content)
        # A broken matcher says why and blocks enter.
        await pilot.press("backspace")
        assert "column" in plain(editor.query_one("#silence-matchers-error", Static).content)
        await pilot.press("enter")
        assert app.screen is editor
        # enter only moves on; ctrl+r without a comment is refused, saying so.
        await pilot.press("shift+tab", "end", '"', "enter")
        assert app.screen is editor and editor.query_one("#silence-start").has_focus
        await pilot.press("ctrl+r")
        assert app.screen is editor
        assert "a comment is required" in " ".join(screen_text(app).split())
        # A maintenance window: starts at 14:00 (the frozen time is 13:02), for 2 h.
        await pilot.press(*"14:00", "tab", "ctrl+u", *"2h", "tab", *"disk swap", "ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        question = " ".join(screen_text(app).replace("│", " ").split())
        assert 'Create this silence? {cluster="staging", alertname=~"Host_.*"}' in question, question
        assert "from 2026-03-11 14:00 until 2026-03-11 16:00 (2h) silencing 3 current alerts" in question
        assert "“disk swap”" in question and len(backends.silences) == 3
        await pilot.press("y")
        await until(pilot, lambda: any("silence done" in t for t in toasts(app)), "silence done")
        created = backends.silences[-1]
        assert created["createdBy"] == "alice@laptop" and created["comment"].startswith("disk swap")
        assert created["startsAt"].startswith("2026-03-11T14:00") and created["endsAt"].startswith(
            "2026-03-11T16:00"
        )
        assert [m["name"] for m in created["matchers"]] == ["cluster", "alertname"]


async def test_screens_are_one_key_away_from_each_other(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("S")
        assert isinstance(app.screen, SourcesScreen)
        await pilot.press("L")
        assert isinstance(app.screen, SilencesScreen)
        await pilot.press("A")
        assert isinstance(app.screen, AlertsScreen)
        assert len(app.screen_stack) == 2


async def test_a_silence_made_here_shows_as_a_silence_not_an_ack(tmp_path: Path) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("L", "n", *'instance="server1"', "tab", "tab", "tab", *"NIC swap", "ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: any("silence done" in t for t in toasts(app)), "silence done")
        await pilot.press("A", "t")
        await next_poll(pilot)
        row = next(line for line in screen_text(app).splitlines() if "server1" in line)
        assert "silenced alice" in row and "✓" not in row, row


async def test_an_end_time_that_shortens_a_silence_is_asked_for_and_an_expired_one_can_be_recreated(
    tmp_path: Path,
) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await polled(pilot)
        await pilot.press("L")
        screen = silences_screen(app)
        screen.table.move_cursor(row=[line.key for line in screen.lines].index(DEV_HOSTS))
        # 14:30 today is long before 2063: it would shorten the silence, so the app asks.
        await pilot.press("plus", "ctrl+u", *"14:30", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the shorten question")
        question = " ".join(screen_text(app).replace("│", " ").split())
        assert "Shorten the silence?" in question and "It ends at 2063-01-01 00:00" in question, question
        await pilot.press("n")
        await until(pilot, lambda: app.screen is screen, "back to the list")
        assert len(backends.silences) == 3 and not any("extend" in t for t in toasts(app))
        # Expired: + offers to make it again, the editor filled in with its matchers and comment.
        await pilot.press("x", "y")
        await until(pilot, lambda: any("expire done" in t for t in toasts(app)), "expire done")
        await next_poll(pilot)
        await pilot.press("t")
        screen.table.move_cursor(row=[line.key for line in screen.lines].index(DEV_HOSTS))
        await pilot.press("plus")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the recreate question")
        assert "Recreate it with the same matchers?" in " ".join(screen_text(app).replace("│", " ").split())
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, SilenceEditor), "the editor")
        editor = app.screen
        assert editor.query_one("#silence-matchers", Input).value == 'alertname="Host_Down", cluster="dev"'
        assert editor.query_one("#silence-comment", Input).value.startswith("Silenced Host_Down alerts")
