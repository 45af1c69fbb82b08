"""The `:` command line: screens by name, contexts, themes, messages; completion and history."""

from __future__ import annotations

from pathlib import Path

from textual.events import Key
from textual.widgets import Input, Static

from oncall_tui.clock import FakeClock
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.command_line import CommandLine
from oncall_tui.ui.screens.messages import MessagesScreen
from oncall_tui.ui.screens.silences import SilencesScreen
from oncall_tui.ui.screens.sources import SourcesScreen
from tests.support.fake_backends import FakeBackends
from tests.support.waiting import wait_until


def make_app(backends: FakeBackends, tmp_path: Path) -> OncallApp:
    return OncallApp(
        backends.settings(),
        clock=backends.clock,
        source_set_factory=backends.source_set_factory(),
        database_path=tmp_path / "log.sqlite3",
    )


def header(app: OncallApp) -> str:
    return app.screen._compositor.render_strips()[0].text


async def test_a_screen_by_name_with_tab_completion_and_history(tmp_path: Path) -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = make_app(backends, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        assert isinstance(app.screen, CommandLine)
        await pilot.press(*"sil")
        hint = str(app.screen.query_one("#command-hint", Static).content)
        assert ":silences" in hint
        await pilot.press("tab", "enter")
        assert isinstance(app.screen, SilencesScreen)
        await pilot.press("colon", *"sources", "enter")
        assert isinstance(app.screen, SourcesScreen)
        # ↑ brings back the last command, again the one before.
        await pilot.press("colon", "up")
        assert app.screen.query_one(Input).value == "sources"
        await pilot.press("up")
        assert app.screen.query_one(Input).value == "silences"
        await pilot.press("escape")
        assert isinstance(app.screen, SourcesScreen)


async def test_ctx_switches_the_context_repoints_sources_and_stops_the_old_polls(tmp_path: Path) -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = make_app(backends, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: any("alertmanager" in r for r in backends.requests), "prod-eu polled")
        old = app.sources
        await pilot.press("colon", *"ctx st", "tab", "enter")
        await wait_until(pilot, lambda: "ctx:staging" in header(app), "header shows staging")
        assert app.sources is not None and app.sources is not old
        assert app.sources.context_name == "staging"
        switched = len(backends.requests)
        # staging has only a Prometheus: a refresh (ctrl+r; r is Runbook here) polls it, not prod-eu.
        await pilot.press("ctrl+r")
        await wait_until(
            pilot, lambda: any("prometheus" in r for r in backends.requests[switched:]), "staging polled"
        )
        await pilot.pause(0.3)
        after = backends.requests[switched:]
        assert not [r for r in after if "alertmanager" in r or "jaeger" in r], after
        assert set(app.source_health) == {"prometheus"}


async def test_theme_unknown_commands_and_messages_with_times(tmp_path: Path) -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = make_app(backends, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("colon", *"theme light", "enter")
        assert app.theme == "light"
        await pilot.press("colon", *"frobnicate", "enter")
        await pilot.pause()
        # One event, one toast: the same error again within a minute only counts.
        app.notify("Alertmanager down", title="Alerts", severity="error")
        app.notify("Alertmanager down", title="Alerts", severity="error")
        await pilot.pause()
        shown = [n.message for n in app._notifications]
        assert shown.count("Alertmanager down") == 1
        assert any("unknown command 'frobnicate'" in m for m in shown)
        await pilot.press("colon", *"messages", "enter")
        assert isinstance(app.screen, MessagesScreen)
        body = str(app.screen.query_one("#messages-body", Static).content)
        lines = body.splitlines()
        newest = next(line for line in lines if "Alertmanager down" in line)
        assert newest.startswith(app.clock.now().astimezone().strftime("%H:%M:%S"))
        assert "(×2)" in newest
        assert any("unknown command" in line for line in lines)
        await pilot.press("escape")
        assert not isinstance(app.screen, MessagesScreen)


async def test_a_command_typed_at_once_after_the_colon_loses_no_key(tmp_path: Path) -> None:
    # A paste, or tmux send-keys, delivers ":theme light⏎" in one go: the keys after ":" arrive
    # before the prompt is on screen, and must go into it (not to the screen's own bindings).
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = make_app(backends, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.booted, "booted")
        for character in ":theme light":
            key = {":": "colon", " ": "space"}.get(character, character)
            app.post_message(Key(key, character))
        app.post_message(Key("enter", "\r"))
        await wait_until(pilot, lambda: app.theme == "light", "the theme command ran")
        assert not isinstance(app.screen, CommandLine)
        # In a text field ":" is a character, not the command line.
        await pilot.press("slash", *"job:x")
        assert not isinstance(app.screen, CommandLine)
        assert isinstance(app.focused, Input) and app.focused.value == "job:x"
