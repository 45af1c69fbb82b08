"""Start-up and low bandwidth, as seen on screen: the frame first, then the queue; minutes, not seconds."""

from __future__ import annotations

import threading
from pathlib import Path

from oncall_tui.clock import FakeClock
from oncall_tui.config.locations import data_dir
from oncall_tui.config.settings import Settings
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.resolution import set_minute_resolution
from oncall_tui.ui.screens.alerts import AlertsScreen
from oncall_tui.ui.screens.starting import StartingScreen
from tests.support.fake_backends import FakeBackends
from tests.support.waiting import wait_until


def screen_text(app: OncallApp) -> str:
    """Every line on screen, as the terminal shows it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_frame_comes_before_the_settings_and_says_connecting(tmp_path: Path) -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    release = threading.Event()

    def slow_settings() -> Settings:
        # Stands for the demo servers starting, or the heavy imports: the frame must not wait for it.
        release.wait(10)
        return backends.settings()

    app = OncallApp(
        slow_settings,
        clock=backends.clock,
        source_set_factory=backends.source_set_factory(),
        database_path=tmp_path / "log.sqlite3",
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, StartingScreen), "the starting frame")
        await pilot.pause()
        text = screen_text(app)
        assert "oncall-tui" in text.splitlines()[0]
        assert "connecting…" in text
        assert "? Help" in text.splitlines()[-1]
        # Keys pressed while it loads do nothing harmful.
        await pilot.press("S", "r")
        assert isinstance(app.screen, StartingScreen)
        release.set()
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the alert queue")
        await wait_until(pilot, lambda: "● prom" in screen_text(app), "the first poll on screen")
        assert "connecting…" not in screen_text(app)
        assert len(app.screen_stack) == 2  # the starting frame was replaced, not left underneath


async def test_low_bandwidth_shows_minutes_and_no_seconds_in_the_clock(tmp_path: Path) -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    settings = backends.settings().model_copy(update={"low_bandwidth": True})
    app = OncallApp(
        settings,
        clock=backends.clock,
        source_set_factory=backends.source_set_factory(),
        database_path=tmp_path / "log.sqlite3",
    )
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_until(pilot, lambda: "<1m" in screen_text(app).splitlines()[-2], "health ages")
            lines = screen_text(app).splitlines()
            clock = lines[0].split()[-2]
            assert clock.count(":") == 1, lines[0]  # HH:MM
            # No latency figures in the health bar (they change with every poll).
            assert "ms" not in lines[-2], lines[-2]
            # Every source is polled at most every 30 s.
            context = app.settings.contexts[app.context_name]
            assert context.alertmanager is not None and context.alertmanager.refresh >= 30
    finally:
        set_minute_resolution(False)


async def test_the_screenshot_command_saves_in_the_data_dir_and_says_where(tmp_path: Path) -> None:
    backends = FakeBackends(FakeClock(real_sleep=True))
    app = OncallApp(
        backends.settings(),
        clock=backends.clock,
        source_set_factory=backends.source_set_factory(),
        database_path=tmp_path / "log.sqlite3",
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # What the palette's Screenshot command runs.
        app.deliver_screenshot()
        folder = data_dir() / "screenshots"
        await wait_until(pilot, lambda: folder.is_dir() and any(folder.glob("*.svg")), "the screenshot")
        saved = next(folder.glob("*.svg"))
        await wait_until(
            pilot, lambda: any(str(saved) in n.message for n in app._notifications), "a toast saying where"
        )
