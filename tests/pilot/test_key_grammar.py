"""Keys that mean one thing: read-only contexts refuse actions and say why; keymap overrides; g/G, y."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.modals import AckModal, ConfirmModal
from oncall_tui.ui.screens.silence_editor import SilenceEditor
from tests.support.alert_fakes import AlertBackends, polled, screen_of

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
